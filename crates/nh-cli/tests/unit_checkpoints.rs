//! Units checkpoint while they train: `nh reproduce` stopped by SIGTERM in the middle of a unit
//! exits with status 75, leaving the unit's checkpoint and no record, and `--resume` continues the
//! unit to the same files as a run that was never stopped.

mod common;

use common::ok;

use std::path::{Path, PathBuf};
use std::process::Command;
use std::time::{Duration, Instant};

/// One cross-entropy unit of tens of iterations, a checkpoint after each.
const EXPERIMENT: &str = r#"figure = "fig6"
title = "Unit checkpoint test"
paper_claim = "None: a test."
seeds = 1

[[panel]]
id = "cem"
label = "Cross-entropy method"
origin = "ours"
algo = "cem"
words = 2000
bins = 2000
schedule = "fixed"
iterations = 60
"#;

fn nh(experiments: &Path, out: &Path) -> Command {
    let mut cmd = Command::new(env!("CARGO_BIN_EXE_nh"));
    cmd.args([
        "reproduce",
        "fig6",
        "--quiet",
        "--device",
        "cpu",
        "--parallel",
        "1",
        "--checkpoint-every",
        "1",
        "--experiments",
    ])
    .arg(experiments)
    .arg("--out")
    .arg(out);
    cmd
}

fn run_dir(out: &Path) -> PathBuf {
    let mut dirs: Vec<_> = std::fs::read_dir(out.join("fig6"))
        .expect("fig6 folder")
        .map(|e| e.expect("entry").path())
        .collect();
    assert_eq!(dirs.len(), 1, "{dirs:?}");
    dirs.pop().expect("one run")
}

fn folder(dir: &Path) -> Vec<(String, Vec<u8>)> {
    let mut out: Vec<_> = std::fs::read_dir(dir)
        .expect("folder")
        .map(|e| {
            let e = e.expect("entry");
            let name = e.file_name().to_string_lossy().into_owned();
            (name, std::fs::read(e.path()).expect("file"))
        })
        .collect();
    out.sort();
    out
}

#[test]
fn a_unit_stopped_by_sigterm_continues_to_the_same_files() {
    let tmp = tempfile::tempdir().expect("temp dir");
    let experiments = tmp.path().join("experiments");
    std::fs::create_dir(&experiments).expect("mkdir");
    std::fs::write(experiments.join("fig6.toml"), EXPERIMENT).expect("write");

    let stopped_out = tmp.path().join("stopped");
    let child = nh(&experiments, &stopped_out)
        .stderr(std::process::Stdio::piped())
        .spawn()
        .expect("nh starts");
    let started = Instant::now();
    let dir = loop {
        let planned = std::fs::read_dir(stopped_out.join("fig6"))
            .ok()
            .and_then(|mut entries| entries.next())
            .and_then(Result::ok)
            .map(|entry| entry.path());
        if let Some(dir) = planned.filter(|d| {
            d.join("checkpoints/cem__seed0/checkpoint/state.json")
                .is_file()
        }) {
            break dir;
        }
        assert!(
            started.elapsed() < Duration::from_secs(120),
            "no checkpoint"
        );
        std::thread::sleep(Duration::from_millis(5));
    };
    let signal = Command::new("kill")
        .args(["-TERM", &child.id().to_string()])
        .status()
        .expect("kill runs");
    assert!(signal.success());
    let stopped = child.wait_with_output().expect("nh ends");
    let stderr = String::from_utf8_lossy(&stopped.stderr);
    assert_eq!(stopped.status.code(), Some(75), "{stderr}");
    assert!(
        stderr.contains("stopped on request: unit 0 (cem__seed0) checkpointed after")
            && stderr.contains(&format!("nh reproduce --resume {}", dir.display())),
        "{stderr}"
    );
    assert!(!dir.join("units/cem__seed0.json").exists());
    assert!(!dir.join("units/cem__seed0.error.json").exists());
    assert!(!dir.join("summary.json").exists());

    ok(Command::new(env!("CARGO_BIN_EXE_nh"))
        .args(["reproduce", "--quiet", "--resume"])
        .arg(&dir)
        .output()
        .expect("nh runs"));
    assert!(dir.join("units/cem__seed0.json").is_file());
    assert!(
        !dir.join("checkpoints").exists(),
        "a done unit's checkpoint is removed"
    );

    let whole_out = tmp.path().join("whole");
    ok(nh(&experiments, &whole_out).output().expect("nh runs"));
    let whole = run_dir(&whole_out);
    for sub in ["curves", "aggregate"] {
        assert!(
            folder(&dir.join(sub)) == folder(&whole.join(sub)),
            "{sub}/ differs between the stopped-and-resumed run and the whole run"
        );
    }
    let weights = |run: &Path| std::fs::read(run.join("models/cem__seed0/model.safetensors"));
    assert_eq!(
        weights(&dir).expect("model"),
        weights(&whole).expect("model")
    );
}
