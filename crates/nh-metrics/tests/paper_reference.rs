//! The paper's reference figure: Python's hash puts 1,000 words into 1,000 bins with about 368
//! collisions (exactly 367.70 expected for a random function). Synthetic words by default, the
//! real corpus when `NH_CORPUS` is set.

use std::collections::{BTreeSet, HashSet};

use nh_metrics::{
    BinHasher, PyStrHash, Summary, TableStats, collisions_variance, expected_collisions,
};
use rand::seq::index::sample;
use rand::{Rng, SeedableRng};
use rand_chacha::ChaCha8Rng;

const SAMPLES: usize = 1000;
const WORDS: usize = 1000;
const BINS: usize = 1000;
const PAPER_MEAN: f64 = 367.70;

/// `WORDS` distinct random lowercase words of 3 to 12 letters.
fn synthetic_sample(rng: &mut ChaCha8Rng) -> Vec<String> {
    let mut seen = HashSet::with_capacity(WORDS);
    while seen.len() < WORDS {
        let length = rng.random_range(3..=12);
        let word: String = (0..length)
            .map(|_| char::from(b'a' + rng.random_range(0..26u8)))
            .collect();
        seen.insert(word);
    }
    let mut words: Vec<String> = seen.into_iter().collect();
    words.sort_unstable();
    words
}

/// Collisions of Python's seed-0 hash on each sample drawn by `draw`.
fn collisions_per_sample(mut draw: impl FnMut(&mut ChaCha8Rng) -> Vec<String>) -> Vec<f64> {
    let python = PyStrHash::new(0).unwrap();
    let mut rng = ChaCha8Rng::seed_from_u64(2023);
    (0..SAMPLES)
        .map(|_| {
            let words = draw(&mut rng);
            TableStats::from_bins(&python.bins(&words, BINS), BINS).collisions as f64
        })
        .collect()
}

/// Mean within 3 standard errors of 367.70, and a spread that matches the exact variance.
fn check_against_paper(source: &str, collisions: &[f64]) {
    let summary = Summary::of(collisions);
    eprintln!(
        "{source}: mean collisions {:.2} (sem {:.3}, std {:.2}); random function: {:.2} (std {:.2})",
        summary.mean,
        summary.sem,
        summary.std,
        expected_collisions(WORDS, BINS),
        collisions_variance(WORDS, BINS).sqrt()
    );
    assert_eq!(summary.n, SAMPLES);
    assert!(
        (summary.mean - PAPER_MEAN).abs() <= 3.0 * summary.sem,
        "mean {} is more than 3 standard errors ({}) from {PAPER_MEAN}",
        summary.mean,
        summary.sem
    );
    let random_std = collisions_variance(WORDS, BINS).sqrt();
    assert!(
        (summary.std / random_std - 1.0).abs() < 0.15,
        "std {} vs random-function std {random_std}",
        summary.std
    );
}

#[test]
fn python_hash_on_synthetic_words_matches_the_paper_reference() {
    check_against_paper("synthetic words", &collisions_per_sample(synthetic_sample));
}

#[test]
fn python_hash_on_corpus_words_matches_the_paper_reference() {
    let Ok(path) = std::env::var("NH_CORPUS") else {
        eprintln!("skipped: NH_CORPUS is not set");
        return;
    };
    let text = std::fs::read_to_string(&path).unwrap_or_else(|e| panic!("reading {path}: {e}"));
    // Distinct words in sorted order, so the draws do not depend on the file's order.
    let corpus: Vec<String> = text
        .lines()
        .filter(|w| !w.is_empty())
        .map(str::to_owned)
        .collect::<BTreeSet<_>>()
        .into_iter()
        .collect();
    check_against_paper(
        "corpus words",
        &collisions_per_sample(|rng| {
            sample(rng, corpus.len(), WORDS)
                .into_iter()
                .map(|i| corpus[i].clone())
                .collect()
        }),
    );
}
