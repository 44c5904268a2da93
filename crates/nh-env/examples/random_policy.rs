//! A uniformly random policy at N = M = 1000 over 1,000 episodes: its mean collisions must match
//! the balls-into-bins expectation N - M (1 - (1 - 1/M)^N) = 367.70 within 3 standard errors.
//!
//! Run with `cargo run --release -p nh-env --example random_policy`; exits non-zero on a mismatch.

use std::process::ExitCode;

use nh_env::{EnvConfig, FnEncoder, HashTableEnv};
use rand::{Rng, SeedableRng};
use rand_chacha::ChaCha8Rng;

const WORDS: usize = 1000;
const BINS: usize = 1000;
const EPISODES: usize = 1000;

fn main() -> Result<ExitCode, nh_env::Error> {
    // Synthetic distinct words stand in for the corpus: a random policy ignores them anyway.
    let corpus: Vec<String> = (0..10 * WORDS).map(|i| format!("w{i}")).collect();
    let encoder = FnEncoder::new(1, |word: &str, out: &mut [f32]| out[0] = word.len() as f32);
    let mut env = HashTableEnv::new(EnvConfig::new(BINS, WORDS), corpus, encoder)?;
    let mut obs = vec![0.0; env.observation_space().dim()];
    let mut policy = ChaCha8Rng::seed_from_u64(2024);

    let mut collisions = Vec::with_capacity(EPISODES);
    for episode in 0..EPISODES {
        env.reset(Some(episode as u64), &mut obs);
        loop {
            let step = env.step(policy.random_range(0..BINS), &mut obs);
            if let Some(stats) = step.info.episode {
                collisions.push(stats.collisions as f64);
                break;
            }
        }
    }

    let count = collisions.len() as f64;
    let mean = collisions.iter().sum::<f64>() / count;
    let variance = collisions.iter().map(|c| (c - mean).powi(2)).sum::<f64>() / (count - 1.0);
    let standard_error = (variance / count).sqrt();
    let (n, m) = (WORDS as f64, BINS as f64);
    let expected = n - m * (1.0 - (1.0 - 1.0 / m).powf(n));
    let z = (mean - expected) / standard_error;

    println!("random policy, {WORDS} words into {BINS} bins, {EPISODES} episodes");
    println!(
        "mean collisions {mean:.2} (std {:.2}, standard error {standard_error:.3})",
        variance.sqrt()
    );
    println!("expected        {expected:.2}  ->  z = {z:+.2}");
    if z.abs() <= 3.0 {
        println!("OK: within 3 standard errors of the uniform expectation");
        Ok(ExitCode::SUCCESS)
    } else {
        println!("FAIL: more than 3 standard errors from the uniform expectation");
        Ok(ExitCode::FAILURE)
    }
}
