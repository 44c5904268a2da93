//! Query speed of one shard-shaped network (the sharded whole dictionary's: 24 positions, one
//! hidden layer of 32, a factorized head of 25 x 40 or 27 x 37) on one thread, with seeded random
//! weights (one network: its weights stay in cache, unlike a sharded model's):
//! `cargo bench -p nh-hash --bench query`.

// criterion_group! generates an undocumented public function.
#![allow(missing_docs)]

#[path = "../tests/common/mod.rs"]
mod common;

use std::path::Path;

use criterion::{Criterion, Throughput, criterion_group, criterion_main};
use nh_encode::Alphabet;
use nh_hash::{EncoderSpec, HeadKey, Model, Network};

const WORDS: usize = 20_000;

fn shard_network(factors: (usize, usize), keyed: bool) -> Model {
    let encoder = EncoderSpec {
        alphabet: Alphabet::lowercase(),
        max_len: 24,
    };
    let architecture =
        common::factorized(&encoder, &[32], factors, keyed.then(|| HeadKey::xxh3(1)));
    let parameters = common::random_tensors(&architecture, 0)
        .into_iter()
        .map(|(name, shape, values)| (name, (shape, values)))
        .collect();
    let network = Network::new(Path::new("<bench>"), &architecture, &encoder, parameters).unwrap();
    Model::Network(Box::new(network))
}

/// Seeded lowercase words of 3 to 14 letters (the dictionary's mean is about 9).
fn words() -> Vec<String> {
    let letters = common::noise(7, WORDS * 15);
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
