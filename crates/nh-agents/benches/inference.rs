//! Criterion benchmark: NeuralHash inference at the paper's architecture (two hidden layers of
//! 300, M = 1000) on the CPU, against nh-metrics' CPython-exact string hash on the same words.

// criterion_group! generates an undocumented public function.
#![allow(missing_docs)]

use criterion::{Criterion, Throughput, criterion_group, criterion_main};
use nh_agents::{ModelConfig, NeuralHash};
use nh_encode::{Alphabet, DEFAULT_MAX_LEN, IndexEncoder};
use nh_metrics::PyStrHash;
use rand::{Rng, SeedableRng};
use rand_chacha::ChaCha8Rng;

/// `n` seeded random lowercase words of 3 to 12 letters.
fn words(n: usize) -> Vec<String> {
    let mut rng = ChaCha8Rng::seed_from_u64(0);
    (0..n)
        .map(|_| {
            let len = rng.random_range(3..=12);
            (0..len)
                .map(|_| char::from(b'a' + rng.random_range(0..26u8)))
                .collect()
        })
        .collect()
}

fn inference(c: &mut Criterion) {
    let words = words(10_000);
    let encoder = IndexEncoder::new(Alphabet::lowercase(), DEFAULT_MAX_LEN).expect("valid encoder");
    let model = NeuralHash::untrained(&encoder, &ModelConfig::default(), 1000, 0, tch::Device::Cpu)
        .expect("valid model");
    let python = PyStrHash::new(0).expect("valid seed");
    let mut group = c.benchmark_group("hash_10k_words_m1000");
    group.throughput(Throughput::Elements(words.len() as u64));
    group.sample_size(10);
    group.bench_function("neural_hash_cpu", |b| b.iter(|| model.hash_words(&words)));
    group.bench_function("python_str_hash", |b| {
        b.iter(|| words.iter().map(|w| python.bin(w, 1000)).sum::<usize>());
    });
    group.finish();
}

criterion_group!(benches, inference);
criterion_main!(benches);
