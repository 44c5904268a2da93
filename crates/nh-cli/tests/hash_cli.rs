//! `nh hash` through the real binary: words from arguments and from a file give the same bins, and
//! a memorized word set hashes without collisions.

mod common;

use common::ok;

use std::collections::BTreeSet;
use std::process::{Command, Output};

fn nh(args: &[&str]) -> Output {
    Command::new(env!("CARGO_BIN_EXE_nh"))
        .args(args)
        .output()
        .expect("nh runs")
}

#[test]
fn words_from_a_file_hash_like_words_from_arguments() {
    let out = tempfile::tempdir().expect("temp dir");
    let model = out.path().join("model");
    let model = model.to_str().expect("utf-8 path");
    let train = nh(&[
        "train", "--algo", "cem", "--fixed", "--words", "40", "--bins", "40", "--device", "cpu",
        "--out", model,
    ]);
    let train = ok(train);
    let stdout = String::from_utf8_lossy(&train.stdout);
    assert!(
        stdout.contains("zero collisions"),
        "40 words memorize: {stdout}"
    );
    if cfg!(target_arch = "x86_64") {
        // `nh` trains with denormals flushed to zero, and the model says so.
        let metadata = std::fs::read_to_string(format!("{model}/metadata.json")).expect("metadata");
        assert!(
            metadata.contains("\"denormals_flushed\": true"),
            "{metadata}"
        );
    }
    let words_file = format!("{model}/train_words.txt");
    let words = std::fs::read_to_string(&words_file).expect("train_words.txt");

    let from_file = nh(&["hash", "--model", model, "--words-file", &words_file]);
    let from_file = ok(from_file);
    let mut args = vec!["hash", "--model", model, "--"];
    args.extend(words.lines());
    let from_args = nh(&args);
    let from_args = ok(from_args);
    assert_eq!(from_file.stdout, from_args.stdout);

    let lines = String::from_utf8(from_file.stdout).expect("utf-8");
    let bins: BTreeSet<&str> = lines
        .lines()
        .map(|l| l.rsplit('\t').next().expect("WORD<TAB>BIN"))
        .collect();
    assert_eq!((lines.lines().count(), bins.len()), (40, 40));
    // Training's verdict is nh-hash's count, the code `nh hash` just ran.
    assert!(
        stdout.contains(
            "nh-hash's check of the saved model: 40 training words, 0 collisions: a perfect hash"
        ),
        "{stdout}"
    );

    let missing = nh(&["hash", "--model", model, "--words-file", "no/such/file.txt"]);
    assert!(!missing.status.success());
    assert!(String::from_utf8_lossy(&missing.stderr).contains("no/such/file.txt"));
}
