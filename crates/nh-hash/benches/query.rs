//! Query speed of one shard-shaped network (the sharded whole dictionary's: 24 positions, one
//! hidden layer of 32, a factorized head of 25 x 40 or 27 x 37) on one thread, with seeded random
//! weights (one network: its weights stay in cache, unlike a sharded model's):
//! `cargo bench -p nh-hash --bench query`.

// criterion_group! generates an undocumented public function.
#![allow(missing_docs)]

use std::path::Path;

use criterion::{Criterion, Throughput, criterion_group, criterion_main};
use nh_encode::Alphabet;
use nh_env::ObservationMode;
use nh_hash::{ACTIVATION, Architecture, EncoderSpec, FIRST_LAYER, Model, Network};

const WORDS: usize = 20_000;

/// Seeded values in [-1, 1) from a 64-bit LCG.
fn noise(seed: u64, n: usize) -> Vec<f32> {
    let mut state = seed ^ 0x9E37_79B9_7F4A_7C15;
    (0..n)
        .map(|_| {
            state = state
                .wrapping_mul(6364136223846793005)
                .wrapping_add(1442695040888963407);
            ((state >> 40) as f32 / (1u64 << 24) as f32) * 2.0 - 1.0
        })
        .collect()
}

fn shard_network(factors: (usize, usize), keyed: bool) -> Model {
    let encoder = EncoderSpec {
        alphabet: Alphabet::lowercase(),
        max_len: 24,
    };
    let index = nh_encode::IndexEncoder::new(encoder.alphabet.clone(), 24).unwrap();
    let architecture = Architecture {
        observation: ObservationMode::WordOnly,
        hidden: vec![32],
        bins: factors.0 * factors.1,
        factors: Some(factors),
        key: keyed.then(|| nh_hash::HeadKey::xxh3(1)),
        vocab_size: index.vocab_size(),
        pad_id: index.pad_id() as usize,
        first_layer: FIRST_LAYER.into(),
        activation: ACTIVATION.into(),
    };
    let parameters = architecture
        .parameter_shapes()
        .into_iter()
        .enumerate()
        .map(|(k, (name, shape))| {
            let n = shape.iter().product();
            (name, (shape, noise(k as u64, n)))
        })
        .collect();
    let network = Network::new(Path::new("<bench>"), &architecture, &encoder, parameters).unwrap();
    Model::Network(Box::new(network))
}

/// Seeded lowercase words of 3 to 14 letters (the dictionary's mean is about 9).
fn words() -> Vec<String> {
    let letters = noise(7, WORDS * 15);
    (0..WORDS)
        .map(|i| {
            let row = &letters[i * 15..(i + 1) * 15];
            let len = 3 + ((row[0] + 1.0) * 6.0) as usize % 12;
            row[1..=len]
                .iter()
                .map(|v| char::from(b'a' + ((v + 1.0) * 13.0) as u8 % 26))
                .collect()
        })
        .collect()
}

fn query(c: &mut Criterion) {
    let words = words();
    let mut group = c.benchmark_group("shard network, one thread");
    group.throughput(Throughput::Elements(WORDS as u64));
    // The two shard shapes of the sharded whole dictionary (1,000 and 999 words).
    for (factors, keyed) in [((25, 40), false), ((27, 37), false), ((25, 40), true)] {
        let model = shard_network(factors, keyed);
        let name = format!(
            "{} {} x {}",
            if keyed { "keyed" } else { "plain" },
            factors.0,
            factors.1
        );
        group.bench_function(&name, |b| {
            b.iter(|| std::hint::black_box(model.hash_words_serial(&words)));
        });
    }
    group.finish();
}

criterion_group!(benches, query);
criterion_main!(benches);
