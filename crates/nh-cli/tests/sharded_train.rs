//! `nh train --shard-words` through the real binary: the sharded model is perfect by `nh hash`
//! (nh-hash's arithmetic) and by `nh eval`, and a training resumed after losing shards ends with
//! the same bytes.

mod common;

use common::ok;

use std::collections::BTreeSet;
use std::path::Path;
use std::process::{Command, Output};

fn nh(args: &[&str]) -> Output {
    Command::new(env!("CARGO_BIN_EXE_nh"))
        .args(args)
        .env_remove("NH_CORPUS")
        .output()
        .expect("nh runs")
}

fn train(params: &Path, out: &Path) {
    ok(nh(&[
        "train",
        "--algo",
        "cem",
        "--fixed",
        "--words",
        "600",
        "--bins",
        "600",
        "--shard-words",
        "150",
        "--iterations",
        "300",
        "--device",
        "cpu",
        "--threads",
        "2",
        "--params",
        params.to_str().unwrap(),
        "--out",
        out.to_str().unwrap(),
    ]));
}

#[test]
fn a_sharded_model_is_perfect_and_resumes_to_the_same_bytes() {
    let dir = tempfile::tempdir().expect("temp dir");
    let params = dir.path().join("params.toml");
    std::fs::write(&params, "[model]\nhidden = [32]\nhead = \"factorized\"\n").unwrap();
    let whole = dir.path().join("whole");
    train(&params, &whole);
    let words = whole.join("train_words.txt");
    let hashed = nh(&[
        "hash",
        "--model",
        whole.to_str().unwrap(),
        "--words-file",
        words.to_str().unwrap(),
    ]);
    let hashed = ok(hashed);
    let text = String::from_utf8(hashed.stdout).unwrap();
    let bins: BTreeSet<usize> = text
        .lines()
        .map(|line| line.split('\t').nth(1).unwrap().parse().unwrap())
        .collect();
    assert_eq!(text.lines().count(), 600);
    assert_eq!(bins.len(), 600, "a minimal perfect hash of 600 words");
    assert!(bins.iter().all(|&b| b < 600));

    // `nh eval` reads the sharded model through nh-hash: its training words are collision-free
    // and unseen words are tested; the sampled reading needs one network's policy.
    let whole_dir = whole.to_str().unwrap();
    let eval = nh(&[
        "eval",
        "--model",
        whole_dir,
        "--held-out",
        "--words",
        "100",
        "--samples",
        "3",
    ]);
    let eval = ok(eval);
    let report = String::from_utf8(eval.stdout).unwrap();
    assert!(
        report.contains("its 600 training words into 600 bins: 0 collisions"),
        "{report}"
    );
    let sampled = nh(&["eval", "--model", whole_dir, "--reading", "sampled"]);
    assert!(!sampled.status.success());
    let refusal = String::from_utf8_lossy(&sampled.stderr);
    assert!(refusal.contains("--reading argmax"), "{refusal}");

    // Lose two shards and the assembled model (as a crash before the end would), then resume.
    let interrupted = dir.path().join("interrupted");
    train(&params, &interrupted);
    for name in [
        "metadata.json",
        "model.safetensors",
        "shards/00001.json",
        "shards/00003.json",
    ] {
        std::fs::remove_file(interrupted.join(name)).unwrap();
    }
    std::fs::remove_dir_all(interrupted.join("shards/00003")).unwrap();
    let resumed = nh(&["train", "--resume", interrupted.to_str().unwrap()]);
    let resumed = ok(resumed);
    assert!(
        String::from_utf8_lossy(&resumed.stdout).contains("trained 2 shards"),
        "{}",
        String::from_utf8_lossy(&resumed.stdout)
    );
    for name in ["model.safetensors", "metadata.json", "train_words.txt"] {
        assert_eq!(
            std::fs::read(whole.join(name)).unwrap(),
            std::fs::read(interrupted.join(name)).unwrap(),
            "{name} differs after the resume"
        );
    }
}
