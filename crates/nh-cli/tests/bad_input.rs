//! Hostile and mistaken input through the real `nh` binary, class by class: names from files that
//! would become paths, checks that must come before expensive work, inputs that break output
//! formats, and messages. Every case must fail with a non-zero status and a message naming the
//! file, key or line; print no panic; write nothing anywhere (the temp area is compared file by
//! file before and after, including an earlier result inside `--out`); and refuse within
//! seconds (each case asks for a budget that would take far longer if it trained).

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};
use std::sync::OnceLock;
use std::time::{Duration, Instant};

/// A refusal that takes longer than this did work first.
const REFUSE_WITHIN: Duration = Duration::from_secs(45);

/// A temp area: `work/` is the current folder (inputs and `out/`), `sibling/` must stay empty.
struct Sandbox {
    root: tempfile::TempDir,
}

impl Sandbox {
    fn new() -> Sandbox {
        let root = tempfile::tempdir().expect("temp dir");
        std::fs::create_dir_all(root.path().join("work/out/fig5/fig5__smoke__earlier"))
            .expect("folders");
        std::fs::create_dir(root.path().join("sibling")).expect("sibling");
        // An earlier result that no later command may change.
        std::fs::write(
            root.path()
                .join("work/out/fig5/fig5__smoke__earlier/summary.json"),
            b"{\"earlier\": true}\n",
        )
        .expect("earlier result");
        Sandbox { root }
    }

    fn work(&self) -> PathBuf {
        self.root.path().join("work")
    }

    /// Writes an input file under `work/`.
    fn file(&self, name: &str, bytes: &[u8]) -> PathBuf {
        let path = self.work().join(name);
        std::fs::create_dir_all(path.parent().expect("parent")).expect("folders");
        std::fs::write(&path, bytes).expect("input");
        path
    }

    /// `work/experiments/fig5.toml`: the repository's file with `from` replaced by `to`.
    fn fig5_with(&self, from: &str, to: &str) {
        let original = std::fs::read_to_string(repo().join("experiments/fig5.toml"))
            .expect("experiments/fig5.toml");
        assert!(original.contains(from), "fig5.toml has no {from:?}");
        self.file(
            "experiments/fig5.toml",
            original.replacen(from, to, 1).as_bytes(),
        );
    }

    /// Every file under the sandbox with its bytes, and every folder.
    fn snapshot(&self) -> BTreeMap<PathBuf, Option<Vec<u8>>> {
        let mut all = BTreeMap::new();
        let mut stack = vec![self.root.path().to_path_buf()];
        while let Some(dir) = stack.pop() {
            for entry in std::fs::read_dir(&dir).expect("readable") {
                let path = entry.expect("entry").path();
                let key = path.strip_prefix(self.root.path()).expect("inside").into();
                if path.is_dir() {
                    stack.push(path);
                    all.insert(key, None);
                } else {
                    all.insert(key, Some(std::fs::read(&path).expect("readable")));
                }
            }
        }
        all
    }
}

fn repo() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("../..")
}

/// One refused command: its arguments, the texts its message must contain, and those it must
/// contain exactly once.
struct Case {
    name: String,
    args: Vec<String>,
    expect: Vec<String>,
    once: Vec<String>,
}

fn case(name: &str, args: &[&str], expect: &[&str]) -> Case {
    Case {
        name: name.to_owned(),
        args: strings(args),
        expect: strings(expect),
        once: Vec::new(),
    }
}

fn strings(texts: &[&str]) -> Vec<String> {
    texts.iter().map(|&t| t.to_owned()).collect()
}

/// Runs `nh` in `dir` with a time limit; returns (success, stderr).
fn run_nh(dir: &Path, args: &[String]) -> (bool, String) {
    let mut child = Command::new(env!("CARGO_BIN_EXE_nh"))
        .args(args)
        .current_dir(dir)
        .env_remove("NH_CORPUS")
        .env_remove("RUST_BACKTRACE")
        .stdout(Stdio::null())
        .stderr(Stdio::piped())
        .spawn()
        .expect("nh runs");
    let started = Instant::now();
    loop {
        if let Some(status) = child.try_wait().expect("wait") {
            let mut stderr = String::new();
            std::io::Read::read_to_string(&mut child.stderr.take().expect("piped"), &mut stderr)
                .expect("stderr");
            return (status.success(), stderr);
        }
        if started.elapsed() > REFUSE_WITHIN {
            child.kill().expect("kill");
            panic!("nh {args:?} still ran after {REFUSE_WITHIN:?}: it did not refuse before work");
        }
        std::thread::sleep(Duration::from_millis(20));
    }
}

/// The file name that figures try to escape to.
fn escape_name() -> String {
    format!("nh-escape-{}", std::process::id())
}

/// Where an escaping figure would land outside the sandbox: the filesystem root, the temp folder.
fn escapes() -> [PathBuf; 2] {
    [
        Path::new("/").join(escape_name()),
        std::env::temp_dir().join(escape_name()),
    ]
}

/// `line N`, where N is the line of the real experiments/fig5.toml that first contains `needle`,
/// plus `below` lines: the line a message must name for an edit of that line.
fn fig5_line(needle: &str, below: usize) -> String {
    let text = std::fs::read_to_string(repo().join("experiments/fig5.toml"))
        .expect("experiments/fig5.toml");
    let index = text
        .lines()
        .position(|line| line.contains(needle))
        .unwrap_or_else(|| panic!("fig5.toml has no {needle:?}"));
    format!("line {}", index + 1 + below)
}

/// Runs each case in a fresh sandbox prepared by `prepare` and checks the refusal.
fn refuse_all(cases: Vec<Case>, prepare: impl Fn(&Sandbox)) {
    for case in cases {
        let sandbox = Sandbox::new();
        prepare(&sandbox);
        let before = sandbox.snapshot();
        let (ok, stderr) = run_nh(&sandbox.work(), &case.args);
        let name = &case.name;
        assert!(!ok, "{name}: succeeded; stderr: {stderr}");
        for needle in &case.expect {
            assert!(
                stderr.contains(needle.as_str()),
                "{name}: no {needle:?} in: {stderr}"
            );
        }
        for needle in &case.once {
            let times = stderr.matches(needle.as_str()).count();
            assert_eq!(times, 1, "{name}: {needle:?} {times} times in: {stderr}");
        }
        for panic_text in ["panicked", "RUST_BACKTRACE"] {
            assert!(!stderr.contains(panic_text), "{name}: {stderr}");
        }
        let after = sandbox.snapshot();
        let changed: Vec<_> = after
            .iter()
            .filter(|(path, bytes)| before.get(*path) != Some(bytes))
            .map(|(path, _)| path)
            .collect();
        assert!(changed.is_empty(), "{name}: wrote {changed:?}");
        assert_eq!(before.len(), after.len(), "{name}: removed files");
        for escape in escapes() {
            assert!(!escape.exists(), "{name}: wrote {}", escape.display());
        }
    }
}

const REPRODUCE: [&str; 7] = [
    "reproduce",
    "fig5",
    "--smoke",
    "--out",
    "out",
    "--experiments",
    "experiments",
];

/// The figure line of fig5.toml (line 2).
const FIG: &str = "figure = \"fig5\"";

/// `nh reproduce fig5 --smoke` in the sandbox with 1000 seeds: far too long if it trained.
fn reproduce_args(extra: &[&str]) -> Vec<String> {
    let mut args = strings(&REPRODUCE);
    args.extend(strings(&["--seeds", "1000"]));
    args.extend(strings(extra));
    args
}

/// `nh train` of 1000 words for 10^8 iterations: far too long if it trained.
fn train_args(extra: &[&str]) -> Vec<String> {
    let mut args = strings(&["train", "--algo", "pg", "--bins", "1000", "--words", "1000"]);
    args.extend(strings(&["--iterations", "100000000", "--device", "cpu"]));
    args.extend(strings(extra));
    args
}

/// Class 2: sizes that cannot be allocated are refused before any allocation, with the estimate,
/// what is available and the key that sets the size (no abort, no capacity overflow).
#[test]
fn sizes_that_cannot_be_allocated_are_refused_before_work() {
    let memory = ["needs about", "GB of memory", "available", "`bins`"];
    let trains: [(&str, &[&str]); 3] = [
        ("pg, 10^8 bins", &["--algo", "pg", "--bins", "100000000"]),
        ("sac, 10^9 bins", &["--algo", "sac", "--bins", "1000000000"]),
        (
            "cem, usize::MAX bins",
            &["--algo", "cem", "--fixed", "--bins", "18446744073709551615"],
        ),
    ];
    let cases = trains.map(|(name, extra)| {
        let mut refused = case(name, &[], &memory);
        let mut args = strings(&["train", "--words", "10", "--device", "cpu"]);
        args.extend(strings(extra));
        args.extend(strings(&["--out", "model"]));
        refused.args = args;
        refused
    });
    refuse_all(cases.into(), |_| {});
    let mut huge_figure = case("fig5 with 10^10 bins", &[], &memory);
    huge_figure.args = reproduce_args(&["--device", "cpu"]);
    refuse_all(vec![huge_figure], |s| {
        s.fig5_with("bins = 100\n", "bins = 10000000000\n");
    });
}

/// Class 1: names from experiment files (and `--profile`) become folder and file names only when
/// they are plain names; the message names the file, the key and its line.
#[test]
fn names_that_would_become_paths_are_refused_at_load() {
    let escape = escape_name();
    let up_two = format!("figure = \"../../{escape}\"");
    let up_many = format!("figure = \"{}{escape}\"", "../".repeat(12));
    let absolute = format!("figure = \"{}\"", escapes()[1].display());
    let long = format!("figure = \"{}\"", "f".repeat(200));
    let figure_line = fig5_line(FIG, 0);
    let (n100, n1000, n100_ours, paper) = (
        fig5_line("id = \"n100\"", 0),
        fig5_line("id = \"n1000\"", 0),
        fig5_line("id = \"n100_ours\"", 0),
        fig5_line("[profile.paper]", 0),
    );
    let table = [
        (FIG, up_two.as_str(), "figure", figure_line.as_str()),
        (FIG, up_many.as_str(), "figure", figure_line.as_str()),
        (FIG, absolute.as_str(), "figure", figure_line.as_str()),
        (FIG, "figure = \"\"", "empty", figure_line.as_str()),
        (FIG, "figure = \".fig5\"", "figure", figure_line.as_str()),
        (FIG, "figure = \"fig\\n5\"", "figure", figure_line.as_str()),
        (FIG, long.as_str(), "longer than 64", figure_line.as_str()),
        (
            "id = \"n100\"",
            "id = \"../n100\"",
            "panel id",
            n100.as_str(),
        ),
        ("id = \"n1000\"", "id = \"a/b\"", "panel id", n1000.as_str()),
        (
            "id = \"n100_ours\"",
            "id = \"..\"",
            "panel id",
            n100_ours.as_str(),
        ),
        (
            "[profile.paper]",
            "[profile.\"../../paper\"]",
            "profile name",
            paper.as_str(),
        ),
        (
            "id = \"n1000\"",
            "id = \"n100\"",
            "`n100` appears twice",
            "seeds",
        ),
    ];
    for (from, to, key, line) in table {
        let mut refused = case(to, &[], &["experiments/fig5.toml", key]);
        refused.args = reproduce_args(&[]);
        if line != "seeds" {
            refused.expect.push(line.to_owned());
        }
        refuse_all(vec![refused], |s| s.fig5_with(from, to));
    }
    let profiles = ["../smoke", "/tmp", "", ".smoke", "a\nb"].map(|profile| {
        let mut refused = case(profile, &[], &["--profile", "not a plain name"]);
        refused.args = reproduce_args(&["--profile", profile]);
        refused.args.retain(|a| a != "--smoke");
        refused
    });
    refuse_all(profiles.into(), |s| s.fig5_with(FIG, FIG));
}

/// Class 3: what would fail after training is checked first: `nh train --out`, learner parameters
/// of every panel and of `--params FILE` (file, key and line), `nh reproduce --out`.
#[test]
fn failures_after_work_are_found_before_it() {
    let outs: [(&str, &[&str]); 4] = [
        (
            "a/missing/parent/name",
            &["a/missing/parent", "does not exist"],
        ),
        ("words.txt/model", &["words.txt", "not a folder"]),
        ("out", &["--out out", "already exists"]),
        ("words.txt", &["--out words.txt", "already exists"]),
    ];
    let cases = outs.map(|(out, expect)| {
        let mut refused = case(out, &[], expect);
        refused.args = train_args(&["--out", out]);
        refused
    });
    refuse_all(cases.into(), |s| {
        s.file("words.txt", b"cat\n");
    });

    let params_table = [
        ("learning_rat = 0.1\n", "`learning_rat`", "line 1"),
        (
            "# c\nlearning_rate = \"fast\"\n",
            "`learning_rate`",
            "line 2",
        ),
        ("learning_rate = -1.0\n", "`learning_rate`", "line 1"),
        (
            "entropy_coef = 0.0\n[model]\nhiden = [8]\n",
            "`model.hiden`",
            "line 3",
        ),
        ("iterations = 5\n", "`iterations`", "line 1"),
        (
            "[model]\nhead = \"factorized\"\nfactor_rows = 7\n",
            "model.factor_rows",
            "line 3",
        ),
        ("learning_rate = \n", "learner.toml", "line 1"),
    ];
    for (text, key, line) in params_table {
        let mut refused = case(text, &[], &["learner.toml", key, line]);
        refused.args = train_args(&["--params", "learner.toml", "--out", "model"]);
        refuse_all(vec![refused], |s| {
            s.file("learner.toml", text.as_bytes());
        });
    }

    // The third panel's params, checked before the first two panels train.
    let factorized = "episodes_per_update = 4\n[panel.params.model]\nhead = \"factorized\"\n\
                      factor_rows = 4";
    let (baseline, episodes, estimator, factor_rows) = (
        fig5_line("mean_baseline = true", 0),
        fig5_line("episodes_per_update = 4", 0),
        fig5_line("estimator = \"per_step\"", 0),
        fig5_line("episodes_per_update = 4", 3),
    );
    let panel_table = [
        (
            "mean_baseline = true",
            "mean_baselin = true",
            "params.mean_baselin",
            baseline.as_str(),
        ),
        (
            "episodes_per_update = 4",
            "episodes_per_update = 0",
            "params.episodes_",
            episodes.as_str(),
        ),
        (
            "estimator = \"per_step\"",
            "estimator = 3",
            "params.estimator",
            estimator.as_str(),
        ),
        // Valid with 100 bins, impossible with the smoke profile's 30 (4 does not divide 30).
        (
            "episodes_per_update = 4",
            factorized,
            "with profile `smoke`",
            factor_rows.as_str(),
        ),
    ];
    for (from, to, key, line) in panel_table {
        let expect = ["experiments/fig5.toml", "panel `n100_ours`", key, line];
        let mut refused = case(to, &[], &expect);
        refused.args = reproduce_args(&[]);
        refuse_all(vec![refused], |s| s.fig5_with(from, to));
    }

    let cases = ["words.txt", "words.txt/results"].map(|out| {
        let mut refused = case(out, &[], &[out]);
        refused.args = reproduce_args(&[]);
        refused.args[4] = out.to_owned();
        refused
    });
    refuse_all(cases.into(), |s| {
        s.file("words.txt", b"cat\n");
        s.fig5_with(FIG, FIG);
    });
}

/// A tiny model for `nh hash` and `nh eval`, trained once for the whole file.
fn model() -> &'static Path {
    static MODEL: OnceLock<(tempfile::TempDir, PathBuf)> = OnceLock::new();
    let (_, path) = MODEL.get_or_init(|| {
        let dir = tempfile::tempdir().expect("temp dir");
        let model = dir.path().join("model");
        let output = Command::new(env!("CARGO_BIN_EXE_nh"))
            .args([
                "train", "--algo", "cem", "--fixed", "--words", "8", "--bins", "8",
            ])
            .args(["--iterations", "1", "--device", "cpu", "--out"])
            .arg(&model)
            .env_remove("NH_CORPUS")
            .output()
            .expect("nh runs");
        let stderr = String::from_utf8_lossy(&output.stderr);
        assert!(output.status.success(), "{stderr}");
        (dir, model)
    });
    path
}

/// Class 6: word input follows the corpus rules everywhere (one loader): a byte-order mark is
/// not part of the first word; NUL, tab, carriage return, invalid UTF-8 and over-long lines are
/// refused naming the file and line; `nh hash` output stays one WORD<TAB>BIN per line.
#[test]
fn words_that_break_formats_are_refused_naming_the_line() {
    let model_dir = model().display().to_string();
    let hash = |extra: &[&str]| {
        let mut args = strings(&["hash", "--model", &model_dir]);
        args.extend(strings(extra));
        args
    };

    let sandbox = Sandbox::new();
    let with_bom = sandbox.file("bom.txt", b"\xef\xbb\xbfcat\ndog\r\ncat\n");
    let from_file = Command::new(env!("CARGO_BIN_EXE_nh"))
        .args(hash(&["--words-file", &with_bom.display().to_string()]))
        .output()
        .expect("nh runs");
    let stderr = String::from_utf8_lossy(&from_file.stderr);
    assert!(from_file.status.success(), "{stderr}");
    let from_args = Command::new(env!("CARGO_BIN_EXE_nh"))
        .args(hash(&["cat", "dog", "cat"]))
        .output()
        .expect("nh runs");
    assert_eq!(
        from_file.stdout, from_args.stdout,
        "the mark is not part of `cat`"
    );
    let stdout = String::from_utf8(from_file.stdout).expect("utf-8");
    assert!(stdout.starts_with("cat\t"), "{stdout}");

    let long = format!("cat\ndog\n{}\n", "x".repeat(10_000_000));
    let files: [(&str, &[u8], &[&str]); 6] = [
        ("nul.txt", b"cat\nd\0g\n", &["nul.txt", "line 2", "U+0000"]),
        ("tab.txt", b"ice\tcream\n", &["tab.txt", "line 1", "U+0009"]),
        ("cr.txt", b"cat\n\na\rb\n", &["cr.txt", "line 3", "U+000D"]),
        (
            "utf8.txt",
            b"cat\nd\xffg\n",
            &["utf8.txt", "line 2", "UTF-8"],
        ),
        (
            "long.txt",
            long.as_bytes(),
            &["long.txt", "line 3", "1024 bytes"],
        ),
        (
            "bom2.txt",
            b"\xef\xbb\xbf\xef\xbb\xbfcat\n",
            &["bom2.txt", "line 1", "U+FEFF"],
        ),
    ];
    for (name, bytes, expect) in files {
        let mut from_hash = case(name, &[], expect);
        from_hash.args = hash(&["--words-file", name]);
        let cases = vec![from_hash, case(name, &["corpus", "--corpus", name], expect)];
        refuse_all(cases, |s| {
            s.file(name, bytes);
        });
    }

    let arguments: [(&[&str], &[&str]); 4] = [
        (&["cat", "a\nb"], &["word argument 2", "U+000A"]),
        (&["a\tb"], &["word argument 1", "U+0009"]),
        (&["--", ""], &["word argument 1", "empty"]),
        (&["--", " cat"], &["word argument 1", "whitespace"]),
    ];
    let cases = arguments.map(|(words, expect)| {
        let mut refused = case(words[words.len() - 1], &[], expect);
        refused.args = hash(words);
        refused
    });
    refuse_all(cases.into(), |_| {});

    // `nh eval --held-out` reads the model's train_words.txt with the same loader.
    let eval = [
        "eval",
        "--model",
        "model",
        "--held-out",
        "--samples",
        "100000000",
    ];
    let expect = ["model/train_words.txt", "line 2", "U+0000"];
    refuse_all(vec![case("eval", &eval, &expect)], |s| {
        let copy = s.work().join("model");
        std::fs::create_dir(&copy).expect("model copy");
        for entry in std::fs::read_dir(model()).expect("model") {
            let path = entry.expect("entry").path();
            std::fs::copy(&path, copy.join(path.file_name().expect("name"))).expect("copy");
        }
        std::fs::write(copy.join("train_words.txt"), b"cat\nd\0g\n").expect("words");
    });
}

/// Class 7: messages. A negative count says what the option takes; an OS error is printed once.
#[test]
fn messages_say_what_is_wrong_once() {
    let mut cases = Vec::new();
    for (option, value) in [("--seeds", "-5"), ("--parallel", "-1"), ("--seeds", "1.5")] {
        let mut refused = case(
            option,
            &REPRODUCE,
            &[option, value, "non-negative whole number"],
        );
        refused.args.extend(strings(&[option, value]));
        cases.push(refused);
    }
    for (option, value, expect) in [
        ("--bins", "-5", "non-negative whole number"),
        ("--iterations", "-1", "non-negative whole number"),
        ("--seed", "-3", "non-negative whole number"),
        ("--max-seconds", "-1", "non-negative number of seconds"),
    ] {
        let mut refused = case(option, &["train", "--algo", "pg", "--out", "m"], &[]);
        refused.expect = strings(&[option, value, expect]);
        if option != "--bins" {
            refused.args.extend(strings(&["--bins", "8"]));
        }
        refused.args.extend(strings(&[option, value]));
        cases.push(refused);
    }
    let samples = ["eval", "--model", "m", "--samples", "-2"];
    cases.push(case(
        "--samples",
        &samples,
        &["--samples", "non-negative whole number"],
    ));
    for refused in &mut cases {
        refused.once.push("non-negative".into());
    }
    refuse_all(cases, |_| {});

    // EISDIR's message as the OS prints it (21 on Linux and macOS): "Is a directory (os error 21)".
    let os = std::io::Error::from_raw_os_error(21).to_string();
    let model = model().display().to_string();
    let commands = [
        (
            "corpus",
            strings(&["corpus", "--corpus", "folder"]),
            "folder",
        ),
        (
            "hash",
            strings(&["hash", "--model", &model, "--words-file", "folder"]),
            "folder",
        ),
        ("reproduce", reproduce_args(&[]), "experiments/fig5.toml"),
        (
            "train",
            train_args(&["--params", "folder", "--out", "m"]),
            "folder",
        ),
    ];
    let cases = commands.map(|(name, args, path)| Case {
        name: name.to_owned(),
        args,
        expect: strings(&[path]),
        once: vec![os.clone()],
    });
    refuse_all(cases.into(), |s| {
        std::fs::create_dir_all(s.work().join("folder")).expect("folder");
        std::fs::create_dir_all(s.work().join("experiments/fig5.toml")).expect("folder");
    });
}
