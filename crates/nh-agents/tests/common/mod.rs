//! Shared helpers of the integration tests: synthetic words and a small encoder.

#![allow(dead_code)]

use nh_agents::TrainSetup;
use nh_encode::{Alphabet, IndexEncoder};
use nh_env::EnvConfig;
use rand::{Rng, SeedableRng};
use rand_chacha::ChaCha8Rng;

/// `n` distinct seeded random lowercase words of 3 to 10 letters.
pub fn words(n: usize, seed: u64) -> Vec<String> {
    let mut rng = ChaCha8Rng::seed_from_u64(seed);
    let mut seen = std::collections::BTreeSet::new();
    let mut out = Vec::with_capacity(n);
    while out.len() < n {
        let len = rng.random_range(3..=10);
        let word: String = (0..len)
            .map(|_| char::from(b'a' + rng.random_range(0..26u8)))
            .collect();
        if seen.insert(word.clone()) {
            out.push(word);
        }
    }
    out
}

/// Lowercase alphabet, 12 positions.
pub fn encoder() -> IndexEncoder {
    IndexEncoder::new(Alphabet::lowercase(), 12).expect("valid encoder")
}

/// A training setup on the CPU.
pub fn cpu_setup<'a>(
    env: &'a EnvConfig,
    words: &'a [String],
    encoder: &'a IndexEncoder,
    seed: u64,
) -> TrainSetup<'a> {
    TrainSetup {
        env,
        words,
        encoder,
        seed,
        device: tch::Device::Cpu,
        time_limit: None,
        checkpoint: None,
    }
}

/// Number of distinct values.
pub fn distinct(bins: &[usize]) -> usize {
    bins.iter().collect::<std::collections::BTreeSet<_>>().len()
}

/// Mean of the last `k` values of `f` over `rows`.
pub fn tail_mean<T>(rows: &[T], k: usize, f: impl Fn(&T) -> f64) -> f64 {
    let tail = &rows[rows.len().saturating_sub(k)..];
    tail.iter().map(f).sum::<f64>() / tail.len() as f64
}
