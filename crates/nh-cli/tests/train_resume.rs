//! `nh train` checkpoints: a training continued with `--resume` (also a resume of a resume, and one
//! stopped by SIGTERM) gives the same metrics, iteration by iteration, and the same model as one
//! that was never interrupted; a checkpoint of another run is refused, naming the difference.

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

fn ok(output: Output) -> Output {
    assert!(
        output.status.success(),
        "{}",
        String::from_utf8_lossy(&output.stderr)
    );
    output
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

#[test]
fn a_checkpoint_of_another_run_is_refused_naming_the_difference() {
    let tmp = tempfile::tempdir().expect("temp dir");
    let cut = tmp.path().join("cut");
    let mut first = cem("3");
    first.extend(["--checkpoint-every".into(), "1".into()]);
    ok(nh(&args(&first), &[Path::new("--out"), &cut]));
    let job_path = cut.join("train.json");
    let mut job: Value =
        serde_json::from_slice(&std::fs::read(&job_path).expect("train.json")).expect("json");
    job["panel"]["params"]["learning_rate"] = Value::from(0.5);
    std::fs::write(&job_path, serde_json::to_vec(&job).expect("json")).expect("write");
    let before = weights(&cut);
    let output = nh(&["train", "--iterations", "6", "--resume"], &[&cut]);
    let stderr = String::from_utf8_lossy(&output.stderr);
    assert!(!output.status.success(), "{stderr}");
    assert!(stderr.contains("learner config"), "{stderr}");
    assert_eq!(weights(&cut), before, "a refused resume changes nothing");

    let other = tmp.path().join("pg");
    let output = nh(
        &[
            "train",
            "--algo",
            "pg",
            "--bins",
            "10",
            "--words",
            "10",
            "--checkpoint-every",
            "1",
            "--out",
        ],
        &[&other],
    );
    let stderr = String::from_utf8_lossy(&output.stderr);
    assert!(
        !output.status.success() && stderr.contains("cem"),
        "{stderr}"
    );
    assert!(!other.exists(), "refused before anything is written");
}
