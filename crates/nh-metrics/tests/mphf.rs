//! The minimal perfect hash baselines are perfect and minimal on a few thousand keys.

use std::collections::HashSet;

use nh_metrics::{Error, MinimalPerfectHash, MphKind};
use rand::{Rng, SeedableRng};
use rand_chacha::ChaCha8Rng;

/// `n` distinct lowercase words from a seeded generator.
fn distinct_words(n: usize, seed: u64) -> Vec<String> {
    let mut rng = ChaCha8Rng::seed_from_u64(seed);
    let mut seen = HashSet::new();
    let mut words = Vec::with_capacity(n);
    while words.len() < n {
        let length = rng.random_range(2..=10);
        let word: String = (0..length)
            .map(|_| char::from(b'a' + rng.random_range(0..26u8)))
            .collect();
        if seen.insert(word.clone()) {
            words.push(word);
        }
    }
    words
}

/// Every key gets a distinct value in `0..n`.
fn assert_minimal_perfect(mphf: &MinimalPerfectHash, keys: &[String]) {
    let mut taken = vec![false; keys.len()];
    for key in keys {
        let value = mphf.index(key);
        assert!(value < keys.len(), "{:?}: {key} -> {value}", mphf.kind());
        assert!(
            !taken[value],
            "{:?}: value {value} given twice",
            mphf.kind()
        );
        taken[value] = true;
    }
}

#[test]
fn every_kind_is_minimal_and_perfect_on_thousands_of_keys() {
    let keys = distinct_words(5000, 11);
    for kind in MphKind::ALL {
        let mphf = MinimalPerfectHash::build(kind, &keys).unwrap();
        assert_eq!(
            (mphf.kind(), mphf.len(), mphf.is_empty()),
            (kind, 5000, false)
        );
        assert_minimal_perfect(&mphf, &keys);
        let bits = mphf.bits_per_key();
        assert!(bits > 1.0 && bits < 64.0, "{kind:?}: {bits} bits/key");
        assert!(mphf.measure_query(&keys, 1).is_finite());
    }
}

#[test]
fn tiny_key_sets_work() {
    for n in [0, 1, 2, 3, 17] {
        let keys = distinct_words(n, n as u64);
        for kind in MphKind::ALL {
            let mphf = MinimalPerfectHash::build(kind, &keys).unwrap();
            assert_minimal_perfect(&mphf, &keys);
        }
    }
}

#[test]
fn duplicate_keys_are_rejected_with_their_positions() {
    let keys: Vec<String> = ["a", "b", "c", "b"].map(String::from).to_vec();
    for kind in MphKind::ALL {
        assert_eq!(
            MinimalPerfectHash::build(kind, &keys).unwrap_err(),
            Error::DuplicateKey {
                key: "b".to_owned(),
                first: 1,
                second: 3
            }
        );
    }
}

#[test]
fn corpus_words_build_when_available() {
    let Ok(path) = std::env::var("NH_CORPUS") else {
        eprintln!("skipped: NH_CORPUS is not set");
        return;
    };
    let text = std::fs::read_to_string(&path).unwrap_or_else(|e| panic!("reading {path}: {e}"));
    // Every 50th word: about 9,300 real keys, quick even in a debug build.
    let keys: Vec<String> = text
        .lines()
        .filter(|w| !w.is_empty())
        .step_by(50)
        .map(str::to_owned)
        .collect();
    for kind in MphKind::ALL {
        let mphf = MinimalPerfectHash::build(kind, &keys).unwrap();
        assert_minimal_perfect(&mphf, &keys);
    }
}
