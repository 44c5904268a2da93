//! Throughput of Python's hash and the baselines on 300,000 words (the paper's benchmark size:
//! CPython took 79 ms), and query time of the minimal perfect hashes over the same keys.
//!
//! Words: a seeded sample of the corpus when `NH_CORPUS` is set, else seeded random lowercase
//! words. Run with `cargo bench -p nh-metrics`.

use std::collections::BTreeSet;
use std::hint::black_box;

use criterion::{Criterion, Throughput, criterion_main};
use nh_metrics::{MinimalPerfectHash, MphKind, baseline_hashers};
use rand::seq::index::sample;
use rand::{Rng, SeedableRng};
use rand_chacha::ChaCha8Rng;

const WORDS: usize = 300_000;
const BINS: usize = 1000;

/// `WORDS` distinct words: from `NH_CORPUS` if set, else synthetic.
fn bench_words() -> Vec<String> {
    let mut rng = ChaCha8Rng::seed_from_u64(300_000);
    if let Ok(path) = std::env::var("NH_CORPUS") {
        let text = std::fs::read_to_string(&path).unwrap_or_else(|e| panic!("reading {path}: {e}"));
        let corpus: Vec<&str> = text
            .lines()
            .filter(|w| !w.is_empty())
            .collect::<BTreeSet<_>>()
            .into_iter()
            .collect();
        if corpus.len() >= WORDS {
            return sample(&mut rng, corpus.len(), WORDS)
                .into_iter()
                .map(|i| corpus[i].to_owned())
                .collect();
        }
    }
    let mut seen = BTreeSet::new();
    while seen.len() < WORDS {
        let length = rng.random_range(3..=14);
        seen.insert(
            (0..length)
                .map(|_| char::from(b'a' + rng.random_range(0..26u8)))
                .collect::<String>(),
        );
    }
    seen.into_iter().collect()
}

fn hash_throughput(c: &mut Criterion) {
    let words = bench_words();
    let mut group = c.benchmark_group("bin_300k_words");
    group.throughput(Throughput::Elements(words.len() as u64));
    for hasher in baseline_hashers() {
        group.bench_function(hasher.name().to_owned(), |b| {
            b.iter(|| {
                words
                    .iter()
                    .map(|word| hasher.bin(black_box(word), BINS))
                    .fold(0usize, usize::wrapping_add)
            });
        });
    }
    group.finish();

    let mut group = c.benchmark_group("mphf_query_300k_words");
    group.throughput(Throughput::Elements(words.len() as u64));
    for kind in MphKind::ALL {
        let mphf = MinimalPerfectHash::build(kind, &words).expect("distinct words");
        eprintln!(
            "{}: built in {:.1} ms, {:.2} bits/key",
            kind.name(),
            mphf.build_time().as_secs_f64() * 1e3,
            mphf.bits_per_key()
        );
        group.bench_function(kind.name(), |b| {
            b.iter(|| {
                words
                    .iter()
                    .map(|word| mphf.index(black_box(word)))
                    .fold(0usize, usize::wrapping_add)
            });
        });
    }
    group.finish();
}

/// Holds the group so that the function `criterion_group!` generates stays private.
mod group {
    criterion::criterion_group!(benches, super::hash_throughput);
}
criterion_main!(group::benches);
