//! `nh train` checkpoints: a training continued with `--resume` (also a resume of a resume, and one
//! stopped by SIGTERM) gives the same metrics, iteration by iteration, and the same model as one
//! that was never interrupted, for every learner; a checkpoint of another run is refused, naming
//! the difference.

mod common;

use common::ok;

use std::path::{Path, PathBuf};
use std::process::{Command, Output};
use std::time::{Duration, Instant};

use serde_json::Value;

fn nh(args: &[&str], extra: &[&Path]) -> Output {
    Command::new(env!("CARGO_BIN_EXE_nh"))
        .args(args)
        .args(extra)
        .output()
        .expect("nh runs")
}

/// A fixed-set cross-entropy problem; `iterations` as given.
fn cem(iterations: &str) -> Vec<String> {
    [
        "train",
        "--algo",
        "cem",
        "--fixed",
        "--words",
        "2000",
        "--bins",
        "2000",
        "--seed",
        "3",
        "--device",
        "cpu",
        "--iterations",
        iterations,
    ]
    .map(str::to_owned)
    .to_vec()
}

fn args(v: &[String]) -> Vec<&str> {
    v.iter().map(String::as_str).collect()
}

/// `metrics.csv` without its wall-time column.
fn metrics(dir: &Path) -> Vec<Vec<String>> {
    let text = std::fs::read_to_string(dir.join("metrics.csv")).expect("metrics.csv");
    let mut lines = text.lines();
    let header: Vec<&str> = lines.next().expect("header").split(',').collect();
    let seconds = header
        .iter()
        .position(|h| *h == "seconds")
        .expect("seconds column");
    std::iter::once(header.join(","))
        .chain(lines.map(str::to_owned))
        .map(|line| {
            line.split(',')
                .enumerate()
                .filter(|(i, _)| *i != seconds)
                .map(|(_, c)| c.to_owned())
                .collect()
        })
        .collect()
}

fn weights(dir: &Path) -> Vec<u8> {
    std::fs::read(dir.join("model.safetensors")).expect("weights")
}

#[test]
fn a_resumed_resume_equals_an_uninterrupted_training() {
    let tmp = tempfile::tempdir().expect("temp dir");
    let whole = tmp.path().join("whole");
    ok(nh(&args(&cem("12")), &[Path::new("--out"), &whole]));

    let cut = tmp.path().join("cut");
    let mut first = cem("5");
    first.extend(["--checkpoint-every".into(), "2".into()]);
    ok(nh(&args(&first), &[Path::new("--out"), &cut]));
    assert!(cut.join("checkpoint/state.json").is_file());
    assert_eq!(metrics(&cut).len(), 1 + 5);
    ok(nh(&["train", "--iterations", "9", "--resume"], &[&cut]));
    ok(nh(&["train", "--iterations", "12", "--resume"], &[&cut]));
    assert_eq!(metrics(&cut), metrics(&whole));
    assert!(
        metrics(&whole).len() > 9,
        "the problem must not be solved before the cuts"
    );
    assert_eq!(weights(&cut), weights(&whole));
}

#[test]
fn a_solved_training_resumed_with_a_larger_budget_stays_as_it_was() {
    let tmp = tempfile::tempdir().expect("temp dir");
    // 40 words into 60 bins: solved in a few iterations.
    let easy = |iterations: &str| {
        let mut v = cem(iterations);
        for (option, value) in [("--words", "40"), ("--bins", "60")] {
            let at = v.iter().position(|a| a == option).expect("option");
            v[at + 1] = value.into();
        }
        v
    };
    let solved = tmp.path().join("solved");
    let mut first = easy("100");
    first.extend(["--checkpoint-every".into(), "5".into()]);
    ok(nh(&args(&first), &[Path::new("--out"), &solved]));
    let rows = metrics(&solved);
    assert!(rows.len() < 1 + 100, "solved before the budget");
    assert_eq!(rows.last().expect("a row")[2], "0.0", "{rows:?}");
    let model = weights(&solved);
    ok(nh(
        &["train", "--iterations", "200", "--resume"],
        &[&solved],
    ));
    assert_eq!(metrics(&solved), rows, "no iteration after the perfect one");
    assert_eq!(weights(&solved), model);
}

#[test]
fn a_keyed_head_resumes_to_the_same_model_and_key() {
    let tmp = tempfile::tempdir().expect("temp dir");
    let params = tmp.path().join("keyed.toml");
    std::fs::write(&params, "[model]\nhead = \"factorized\"\nkeyed = true\n").expect("params");
    let keyed = |iterations: &str| {
        let mut v = cem(iterations);
        v.extend(["--params".into(), params.display().to_string()]);
        v
    };
    let whole = tmp.path().join("whole");
    ok(nh(&args(&keyed("8")), &[Path::new("--out"), &whole]));
    let cut = tmp.path().join("cut");
    let mut first = keyed("3");
    first.extend(["--checkpoint-every".into(), "1".into()]);
    ok(nh(&args(&first), &[Path::new("--out"), &cut]));
    ok(nh(&["train", "--iterations", "8", "--resume"], &[&cut]));
    assert_eq!(metrics(&cut), metrics(&whole));
    assert_eq!(metrics(&whole).len(), 1 + 8, "not solved before the cut");
    assert_eq!(weights(&cut), weights(&whole));
    let key = |dir: &Path| {
        let text = std::fs::read_to_string(dir.join("metadata.json")).expect("metadata");
        serde_json::from_str::<Value>(&text).expect("json")["architecture"]["key"].clone()
    };
    assert!(key(&whole)["seed"].is_u64(), "{}", key(&whole));
    assert_eq!(key(&cut), key(&whole));
}

#[test]
fn sigterm_stops_with_a_checkpoint_that_resumes_exactly() {
    let tmp = tempfile::tempdir().expect("temp dir");
    // A learning rate too small to finish: the run lasts until the signal.
    let params = tmp.path().join("slow.toml");
    std::fs::write(&params, "learning_rate = 1e-7\n").expect("params");
    let slow = |iterations: &str| {
        let mut v = cem(iterations);
        v.extend(["--params".into(), params.display().to_string()]);
        v
    };
    let cut = tmp.path().join("cut");
    let mut long = slow("1000000");
    long.extend(["--checkpoint-every".into(), "1".into()]);
    let mut child = Command::new(env!("CARGO_BIN_EXE_nh"))
        .args(&long)
        .arg("--out")
        .arg(&cut)
        .spawn()
        .expect("nh starts");
    let started = Instant::now();
    while !cut.join("checkpoint/state.json").is_file() {
        assert!(
            started.elapsed() < Duration::from_secs(120),
            "no checkpoint"
        );
        std::thread::sleep(Duration::from_millis(20));
    }
    let killed = Command::new("kill")
        .args(["-TERM", &child.id().to_string()])
        .status()
        .expect("kill");
    assert!(killed.success());
    let status = child.wait().expect("reaped");
    assert_eq!(
        status.code(),
        Some(75),
        "a stop with a checkpoint exits with 75"
    );
    let state: Value =
        serde_json::from_slice(&std::fs::read(cut.join("checkpoint/state.json")).expect("state"))
            .expect("json");
    let done = state["state"]["metrics"].as_array().expect("metrics").len();
    let total = (done + 3).to_string();

    ok(nh(&["train", "--iterations", &total, "--resume"], &[&cut]));
    let whole: PathBuf = tmp.path().join("whole");
    ok(nh(&args(&slow(&total)), &[Path::new("--out"), &whole]));
    assert_eq!(metrics(&cut), metrics(&whole));
    assert_eq!(weights(&cut), weights(&whole));
}

/// Trains `start` (3 iterations, a checkpoint after each) into `dir/cut`, then sets the learner
/// file's `learning_rate` to 0.5 in its train.json: the resume must be refused, naming the key
/// and both values (`was` in the checkpoint), and change nothing.
fn assert_a_changed_learning_rate_is_refused(dir: &Path, mut start: Vec<String>, was: &str) {
    let cut = dir.join("cut");
    start.extend(["--checkpoint-every".into(), "1".into()]);
    ok(nh(&args(&start), &[Path::new("--out"), &cut]));
    let job_path = cut.join("train.json");
    let mut job: Value =
        serde_json::from_slice(&std::fs::read(&job_path).expect("train.json")).expect("json");
    job["panel"]["params"]["learning_rate"] = Value::from(0.5);
    std::fs::write(&job_path, serde_json::to_vec(&job).expect("json")).expect("write");
    let before = weights(&cut);
    let output = nh(&["train", "--iterations", "6", "--resume"], &[&cut]);
    let stderr = String::from_utf8_lossy(&output.stderr);
    assert!(!output.status.success(), "{stderr}");
    let difference = format!("learner config `learning_rate`: {was} in the checkpoint, 0.5 now");
    assert!(stderr.contains(&difference), "{stderr}");
    assert_eq!(weights(&cut), before, "a refused resume changes nothing");
}

#[test]
fn a_checkpoint_of_another_run_is_refused_naming_the_difference() {
    let tmp = tempfile::tempdir().expect("temp dir");
    assert_a_changed_learning_rate_is_refused(tmp.path(), cem("3"), "0.03");
}

/// A small corpus of `n` distinct seeded lowercase words, written to `path`.
fn write_corpus(path: &Path, n: usize) {
    let mut state = 0x9E37_79B9_7F4A_7C15u64;
    let mut next = || {
        state ^= state << 13;
        state ^= state >> 7;
        state ^= state << 17;
        state
    };
    let mut words = std::collections::BTreeSet::new();
    while words.len() < n {
        let len = 3 + next() % 8;
        let word: String = (0..len)
            .map(|_| char::from(b'a' + (next() % 26) as u8))
            .collect();
        words.insert(word);
    }
    let text: String = words.into_iter().map(|w| w + "\n").collect();
    std::fs::write(path, text).expect("corpus");
}

/// A learner's `nh train` arguments on a tiny problem over the corpus in `dir`, with `params`
/// as its learner file; `iterations` as given.
fn tiny(dir: &Path, algo: &str, problem: &[&str], params: &str) -> impl Fn(&str) -> Vec<String> {
    let corpus = dir.join("corpus.txt");
    if !corpus.exists() {
        write_corpus(&corpus, 300);
    }
    let params_file = dir.join(format!("{algo}.toml"));
    std::fs::write(&params_file, params).expect("params");
    let mut fixed: Vec<String> = ["train", "--algo", algo, "--seed", "3", "--device", "cpu"]
        .map(str::to_owned)
        .to_vec();
    fixed.extend(problem.iter().map(|&a| a.to_owned()));
    fixed.extend([
        "--corpus".to_owned(),
        corpus.display().to_string(),
        "--params".to_owned(),
        params_file.display().to_string(),
    ]);
    move |iterations| {
        let mut v = fixed.clone();
        v.extend(["--iterations".to_owned(), iterations.to_owned()]);
        v
    }
}

/// Trains `cuts[2]` iterations at once, and `cuts[0]` with checkpoints every 2, resumed to
/// `cuts[1]`, resumed again to `cuts[2]`: metrics (but wall time) and weights must be equal.
fn assert_resumes_exactly(dir: &Path, learner: impl Fn(&str) -> Vec<String>, cuts: [usize; 3]) {
    let [first, second, total] = cuts.map(|n| n.to_string());
    let whole = dir.join("whole");
    ok(nh(&args(&learner(&total)), &[Path::new("--out"), &whole]));
    let cut = dir.join("cut");
    let mut start = learner(&first);
    start.extend(["--checkpoint-every".into(), "2".into()]);
    ok(nh(&args(&start), &[Path::new("--out"), &cut]));
    assert_eq!(metrics(&cut).len(), 1 + cuts[0]);
    ok(nh(&["train", "--iterations", &second, "--resume"], &[&cut]));
    ok(nh(&["train", "--iterations", &total, "--resume"], &[&cut]));
    assert_eq!(metrics(&whole).len(), 1 + cuts[2]);
    assert_eq!(metrics(&cut), metrics(&whole));
    assert_eq!(weights(&cut), weights(&whole));
}

const SMALL_NET: &str = "[model]\nhidden = [16]\n";

#[test]
fn policy_gradient_resumes_exactly() {
    let tmp = tempfile::tempdir().expect("temp dir");
    let problem = ["--pool", "60", "--words", "16", "--bins", "24"];
    let params = format!("learning_rate = 1e-2\n{SMALL_NET}");
    let pg = tiny(tmp.path(), "pg", &problem, &params);
    assert_resumes_exactly(tmp.path(), pg, [5, 9, 12]);
}

#[test]
fn actor_critic_with_occupancy_resumes_exactly() {
    let tmp = tempfile::tempdir().expect("temp dir");
    let problem = [
        "--pool",
        "60",
        "--words",
        "12",
        "--bins",
        "16",
        "--occupancy",
    ];
    let params = format!("episodes_per_update = 2\n{SMALL_NET}");
    let ac = tiny(tmp.path(), "ac", &problem, &params);
    assert_resumes_exactly(tmp.path(), ac, [3, 5, 8]);
}

#[test]
fn sac_resumes_exactly() {
    let tmp = tempfile::tempdir().expect("temp dir");
    let problem = ["--pool", "60", "--words", "16", "--bins", "24"];
    // Updates start in the second episode; the 40-transition buffer wraps in the third.
    let params = format!(
        "learning_starts = 20\nbatch_size = 8\nbuffer_capacity = 40\nupdate_every = 4\n{SMALL_NET}"
    );
    let sac = tiny(tmp.path(), "sac", &problem, &params);
    assert_resumes_exactly(tmp.path(), sac, [3, 5, 7]);
}

#[test]
fn supervised_resumes_exactly() {
    let tmp = tempfile::tempdir().expect("temp dir");
    let params = format!("batch_size = 32\n{SMALL_NET}");
    let supervised = tiny(tmp.path(), "supervised", &["--bins", "16"], &params);
    assert_resumes_exactly(tmp.path(), supervised, [2, 4, 6]);
}

#[test]
fn a_policy_gradient_checkpoint_of_another_learning_rate_is_refused_naming_it() {
    let tmp = tempfile::tempdir().expect("temp dir");
    let problem = ["--pool", "60", "--words", "16", "--bins", "24"];
    let pg = tiny(tmp.path(), "pg", &problem, SMALL_NET);
    assert_a_changed_learning_rate_is_refused(tmp.path(), pg("3"), "0.005");
}
