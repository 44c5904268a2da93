//! How a word set is cut into shards: sizes, seeds, and each finished shard's record.

use serde::{Deserialize, Serialize};

/// Settings of a sharded training (`nh train --shard-words`), recorded in `train.json`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct ShardSettings {
    /// Target words per shard; shards hold this many or a few fewer (see [`shard_sizes`]).
    pub shard_words: usize,
    /// Trainings per shard before the run fails naming it: the first with the shard's seed, each
    /// retry with the next seed of that shard.
    pub max_attempts: usize,
}

/// Default of [`ShardSettings::max_attempts`].
pub const DEFAULT_MAX_ATTEMPTS: usize = 4;

/// The sizes of the shards of `n` words at about `target` words each: S = ceil(n / target)
/// shards whose sizes differ by at most one. With `factorized`, S grows (up to twice) until every
/// size m factors as M1 x M2 with M1 <= M2 <= 2 M1 (on a second pass, <= 4 M1): a squarish
/// factorized head, where a prime size would make it a 1 x m head. Without a fit, S stays.
pub fn shard_sizes(n: usize, target: usize, factorized: bool) -> Vec<usize> {
    let first = n.div_ceil(target.max(1)).max(1);
    let even = |s: usize| {
        let (base, extra) = (n / s, n % s);
        let mut sizes = vec![base + 1; extra];
        sizes.extend(std::iter::repeat_n(base, s - extra));
        sizes
    };
    if !factorized {
        return even(first);
    }
    for ratio in [2, 4] {
        for s in first..=(2 * first).min(n) {
            let sizes = even(s);
            if sizes.iter().all(|&m| squarish(m, ratio)) {
                return sizes;
            }
        }
    }
    even(first)
}

/// Whether `m` has a divisor pair r x c = m with r <= c <= ratio x r.
fn squarish(m: usize, ratio: usize) -> bool {
    (1..=m.isqrt())
        .rev()
        .find(|&r| m.is_multiple_of(r))
        .is_some_and(|r| m / r <= ratio * r)
}

/// The router's seed for a run seed.
pub fn router_seed(seed: u64) -> u64 {
    mix(seed, u64::MAX, 0)
}

/// The training seed of attempt `attempt` (0-based) of shard `shard` in a run of seed `seed`.
pub fn shard_seed(seed: u64, shard: usize, attempt: usize) -> u64 {
    mix(seed, shard as u64, attempt as u64)
}

/// SplitMix64's finalizer over the three values: distinct inputs give unrelated seeds.
fn mix(seed: u64, a: u64, b: u64) -> u64 {
    let mut z =
        seed ^ a.wrapping_mul(0x9E37_79B9_7F4A_7C15) ^ b.wrapping_mul(0xD1B5_4A32_D192_ED03);
    z = (z ^ (z >> 30)).wrapping_mul(0xBF58_476D_1CE4_E5B9);
    z = (z ^ (z >> 27)).wrapping_mul(0x94D0_49BB_1331_11EB);
    z ^ (z >> 31)
}

/// A finished shard's record (`shards/NNNNN.json`, written after its model folder: the done mark).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct ShardDone {
    /// The shard's index.
    pub shard: usize,
    /// Its words.
    pub words: usize,
    /// SHA-256 of its words, one per line (a resume with other words refuses the record).
    pub words_sha256: String,
    /// The training seed of the kept attempt.
    pub seed: u64,
    /// Trainings run (1 when the first was perfect).
    pub attempts: usize,
    /// Iterations of the kept attempt.
    pub iterations: usize,
    /// Training seconds of all attempts.
    pub seconds: f64,
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn sizes_add_up_differ_by_one_and_factor_squarely() {
        for (n, target) in [
            (466_550, 1000),
            (10_000, 1000),
            (1, 1000),
            (12_345, 250),
            (997, 1000),
        ] {
            for factorized in [false, true] {
                let sizes = shard_sizes(n, target, factorized);
                assert_eq!(sizes.iter().sum::<usize>(), n, "{n} {target}");
                let (min, max) = (sizes.iter().min().unwrap(), sizes.iter().max().unwrap());
                assert!(max - min <= 1 && *max <= target.max(*max), "{sizes:?}");
                // The paper's dictionary and round sizes find a square fit; others may fall back.
                if factorized && matches!(n, 466_550 | 10_000) {
                    assert!(sizes.iter().all(|&m| squarish(m, 4)), "{n}: {sizes:?}");
                }
            }
        }
        assert_eq!(shard_sizes(466_550, 1000, false).len(), 467);
        // 997 is prime and no cut into up to two shards factors squarely: the even cut stays.
        assert_eq!(shard_sizes(997, 1000, true), vec![997]);
    }

    #[test]
    fn seeds_differ_by_shard_attempt_and_run() {
        let seeds = [
            shard_seed(0, 0, 0),
            shard_seed(0, 1, 0),
            shard_seed(0, 0, 1),
            shard_seed(1, 0, 0),
            router_seed(0),
        ];
        for (i, a) in seeds.iter().enumerate() {
            for b in &seeds[i + 1..] {
                assert_ne!(a, b);
            }
        }
        assert_eq!(shard_seed(5, 3, 2), shard_seed(5, 3, 2));
    }
}
