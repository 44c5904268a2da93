//! Helpers shared by nh-hash's integration tests and benchmarks: word-only architectures and
//! seeded random weights for them (no crate needed for test noise).

#![allow(dead_code)]

use nh_env::ObservationMode;
use nh_hash::{ACTIVATION, Architecture, EncoderSpec, FIRST_LAYER, HeadKey, NamedTensor};

/// Seeded values in [-1, 1) from a 64-bit LCG.
pub fn noise(seed: u64, n: usize) -> Vec<f32> {
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

/// A word-only architecture over `encoder` with a factorized head of `factors`.
pub fn factorized(
    encoder: &EncoderSpec,
    hidden: &[usize],
    factors: (usize, usize),
    key: Option<HeadKey>,
) -> Architecture {
    let index = nh_encode::IndexEncoder::new(encoder.alphabet.clone(), encoder.max_len)
        .expect("a valid encoder");
    Architecture {
        observation: ObservationMode::WordOnly,
        hidden: hidden.to_vec(),
        bins: factors.0 * factors.1,
        factors: Some(factors),
        key,
        vocab_size: index.vocab_size(),
        pad_id: index.pad_id() as usize,
        first_layer: FIRST_LAYER.into(),
        activation: ACTIVATION.into(),
    }
}

/// Every parameter of `architecture`, in its canonical order, with seeded random values.
pub fn random_tensors(architecture: &Architecture, seed: u64) -> Vec<NamedTensor> {
    architecture
        .parameter_shapes()
        .into_iter()
        .enumerate()
        .map(|(k, (name, shape))| {
            let n = shape.iter().product();
            (name, shape, noise(seed * 1000 + k as u64, n))
        })
        .collect()
}
