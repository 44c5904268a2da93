//! The yardsticks drawn beside every learner: Python's hash on the same kind of word samples, and
//! the exact expectation for a uniform random function.

use nh_metrics::{PyStrHash, Summary, TableStats, expected_collisions};
use rand::SeedableRng;
use rand::seq::index::sample;
use rand_chacha::ChaCha8Rng;
use serde::{Deserialize, Serialize};

/// Python's hash (`hash(w) % M`, PYTHONHASHSEED=0) on `samples` samples of `n` words.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Reference {
    /// Words per sample.
    pub n: usize,
    /// Bins.
    pub m: usize,
    /// Samples measured.
    pub samples: usize,
    /// Collisions (N - occupied bins) over the samples.
    pub collisions: Summary,
    /// Max collisions in one bin (max load - 1) over the samples.
    pub max_collisions_in_bin: Summary,
    /// The environment's episode reward for the same placements (+empty / -collision rewards).
    pub reward: Summary,
    /// Exact E[collisions] for a uniform random function at the same N and M.
    pub uniform_expected_collisions: f64,
}

/// Measures Python's hash on `samples` seeded samples of `n` words of `words` into `m` bins.
///
/// When `n == words.len()` every sample is the whole list (a fixed word set), so one sample is taken.
pub fn python_reference(
    words: &[String],
    n: usize,
    m: usize,
    samples: usize,
    seed: u64,
    rewards: (f64, f64),
) -> Reference {
    let py = PyStrHash::new(0).expect("seed 0 is a valid PYTHONHASHSEED");
    let samples = if n >= words.len() { 1 } else { samples.max(1) };
    let mut rng = ChaCha8Rng::seed_from_u64(seed);
    let mut collisions = Vec::with_capacity(samples);
    let mut max_coll = Vec::with_capacity(samples);
    let mut reward = Vec::with_capacity(samples);
    let mut bins = Vec::with_capacity(n);
    for _ in 0..samples {
        bins.clear();
        if n >= words.len() {
            bins.extend(words.iter().map(|w| py.bin(w, m)));
        } else {
            bins.extend(
                sample(&mut rng, words.len(), n)
                    .iter()
                    .map(|i| py.bin(&words[i], m)),
            );
        }
        let stats = TableStats::from_bins(&bins, m);
        collisions.push(stats.collisions as f64);
        max_coll.push(stats.max_collisions_in_bin as f64);
        reward.push(stats.occupied as f64 * rewards.0 + stats.collisions as f64 * rewards.1);
    }
    Reference {
        n: bins.len(),
        m,
        samples,
        collisions: Summary::of(&collisions),
        max_collisions_in_bin: Summary::of(&max_coll),
        reward: Summary::of(&reward),
        uniform_expected_collisions: expected_collisions(bins.len(), m),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn words(k: usize) -> Vec<String> {
        (0..k).map(|i| format!("word{i}")).collect()
    }

    #[test]
    fn python_hash_on_random_samples_is_near_the_uniform_expectation() {
        let r = python_reference(&words(20_000), 1000, 1000, 200, 7, (10.0, -10.0));
        assert_eq!(r.samples, 200);
        let z = (r.collisions.mean - r.uniform_expected_collisions) / r.collisions.sem;
        assert!(
            z.abs() < 4.0,
            "mean {} vs {} (z = {z})",
            r.collisions.mean,
            r.uniform_expected_collisions
        );
        let expected_reward = 10.0 * (1000.0 - r.collisions.mean) - 10.0 * r.collisions.mean;
        assert!((r.reward.mean - expected_reward).abs() < 1e-6);
    }

    #[test]
    fn a_fixed_word_set_is_measured_once() {
        let r = python_reference(&words(50), 50, 50, 200, 1, (10.0, -10.0));
        assert_eq!(r.samples, 1);
        assert_eq!(r.n, 50);
    }
}
