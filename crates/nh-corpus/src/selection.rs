//! Seeded selection: the prefix of a ChaCha8-driven Fisher-Yates permutation, and split specs.
//!
//! The algorithm is spelled out here instead of borrowed from `rand`'s helpers so that a seed
//! selects the same words on every machine and across `rand` upgrades: only the ChaCha8 stream
//! (a fixed, specified cipher) and the code below decide the result.

use std::collections::HashMap;

use rand_chacha::ChaCha8Rng;
use rand_chacha::rand_core::{RngCore, SeedableRng};

use crate::{Error, Result};

/// How to divide a corpus into a training set and a held-out set.
#[derive(Debug, Clone, Copy, PartialEq)]
pub enum SplitSpec {
    /// This fraction of the words (in `0.0..=1.0`, rounded to the nearest count) goes to training.
    Fraction(f64),
    /// Exactly this many words go to training.
    Count(usize),
}

impl SplitSpec {
    /// Number of training words for a corpus of `len` words.
    pub fn train_count(self, len: usize) -> Result<usize> {
        match self {
            Self::Fraction(fraction) if (0.0..=1.0).contains(&fraction) => {
                // Exact for every corpus size below 2^53 words.
                Ok(((fraction * len as f64).round() as usize).min(len))
            }
            Self::Fraction(fraction) => Err(Error::InvalidFraction { fraction }),
            Self::Count(count) if count <= len => Ok(count),
            Self::Count(count) => Err(Error::NotEnoughWords {
                requested: count,
                available: len,
            }),
        }
    }
}

/// Disjoint training and held-out words; together they are the whole corpus.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Split {
    /// Training words, in the seeded shuffled order.
    pub train: Vec<String>,
    /// The remaining words, in the seeded shuffled order.
    pub held_out: Vec<String>,
}

/// The first `n` entries of the Fisher-Yates permutation of `0..len` drawn from
/// `ChaCha8Rng::seed_from_u64(seed)`: step `i` swaps position `i` with `i + below(len - i)`.
///
/// Errors when `n > len`. Small prefixes of large ranges touch only the swapped positions.
pub(crate) fn permutation_prefix(len: usize, n: usize, seed: u64) -> Result<Vec<usize>> {
    if n > len {
        return Err(Error::NotEnoughWords {
            requested: n,
            available: len,
        });
    }
    let mut rng = ChaCha8Rng::seed_from_u64(seed);
    // Past this size a full index array is cheaper than a map of the displaced entries.
    if n.saturating_mul(8) >= len {
        Ok(dense_prefix(len, n, &mut rng))
    } else {
        Ok(sparse_prefix(len, n, &mut rng))
    }
}

fn dense_prefix(len: usize, n: usize, rng: &mut ChaCha8Rng) -> Vec<usize> {
    let mut order: Vec<usize> = (0..len).collect();
    for i in 0..n {
        let j = i + below(rng, len - i);
        order.swap(i, j);
    }
    order.truncate(n);
    order
}

/// Same swaps as [`dense_prefix`], recording only displaced positions (map lookups only, so the
/// map's iteration order never matters).
fn sparse_prefix(len: usize, n: usize, rng: &mut ChaCha8Rng) -> Vec<usize> {
    let mut displaced: HashMap<usize, usize> = HashMap::with_capacity(n);
    let mut prefix = Vec::with_capacity(n);
    for i in 0..n {
        let j = i + below(rng, len - i);
        let at_i = displaced.get(&i).copied().unwrap_or(i);
        let at_j = displaced.get(&j).copied().unwrap_or(j);
        displaced.insert(j, at_i);
        prefix.push(at_j);
    }
    prefix
}

/// Uniform integer in `0..bound` (`bound > 0`) by Lemire's multiply-and-reject method on 64-bit
/// draws: unbiased, and the same on 32- and 64-bit targets.
fn below(rng: &mut ChaCha8Rng, bound: usize) -> usize {
    let bound = bound as u64;
    let reject_below = bound.wrapping_neg() % bound;
    loop {
        let product = u128::from(rng.next_u64()) * u128::from(bound);
        if (product as u64) >= reject_below {
            return (product >> 64) as usize;
        }
    }
}

#[cfg(test)]
mod tests {
    use proptest::prelude::*;

    use super::*;

    #[test]
    fn a_seed_gives_the_same_prefix_on_every_machine() {
        // Pinned output: any change to the algorithm, the RNG or its seeding changes this.
        assert_eq!(
            permutation_prefix(1000, 5, 42).expect("fits"),
            [681, 950, 428, 628, 291]
        );
        assert_eq!(
            permutation_prefix(10, 10, 7).expect("fits"),
            [1, 2, 7, 8, 0, 6, 5, 9, 3, 4]
        );
    }

    #[test]
    fn asking_for_more_than_there_is_fails() {
        let err = permutation_prefix(3, 4, 0).expect_err("too many");
        assert!(
            matches!(
                err,
                Error::NotEnoughWords {
                    requested: 4,
                    available: 3
                }
            ),
            "{err:?}"
        );
        assert_eq!(
            permutation_prefix(0, 0, 0).expect("empty is fine"),
            Vec::<usize>::new()
        );
    }

    #[test]
    fn below_is_roughly_uniform() {
        let mut rng = ChaCha8Rng::seed_from_u64(1);
        let mut counts = [0_u32; 6];
        for _ in 0..60_000 {
            counts[below(&mut rng, 6)] += 1;
        }
        for count in counts {
            assert!((9_500..10_500).contains(&count), "{counts:?}");
        }
    }

    #[test]
    fn every_position_is_equally_likely_first() {
        let mut counts = [0_u32; 4];
        for seed in 0..8_000 {
            counts[permutation_prefix(4, 1, seed).expect("fits")[0]] += 1;
        }
        for count in counts {
            assert!((1_850..2_150).contains(&count), "{counts:?}");
        }
    }

    #[test]
    fn split_counts_follow_the_spec() {
        assert_eq!(SplitSpec::Fraction(0.8).train_count(10).expect("ok"), 8);
        assert_eq!(SplitSpec::Fraction(0.25).train_count(10).expect("ok"), 3);
        assert_eq!(SplitSpec::Fraction(0.0).train_count(10).expect("ok"), 0);
        assert_eq!(SplitSpec::Fraction(1.0).train_count(10).expect("ok"), 10);
        assert_eq!(SplitSpec::Count(10).train_count(10).expect("ok"), 10);
        for bad in [-0.1, 1.01, f64::NAN, f64::INFINITY] {
            let err = SplitSpec::Fraction(bad)
                .train_count(10)
                .expect_err("bad fraction");
            assert!(
                matches!(err, Error::InvalidFraction { .. }),
                "{bad}: {err:?}"
            );
        }
        let err = SplitSpec::Count(11).train_count(10).expect_err("too many");
        assert!(matches!(
            err,
            Error::NotEnoughWords {
                requested: 11,
                available: 10
            }
        ));
    }

    proptest! {
        #[test]
        fn sparse_and_dense_agree(len in 1_usize..400, fraction in 0.0_f64..=1.0, seed: u64) {
            let n = (fraction * len as f64) as usize;
            let mut dense_rng = ChaCha8Rng::seed_from_u64(seed);
            let mut sparse_rng = ChaCha8Rng::seed_from_u64(seed);
            prop_assert_eq!(
                dense_prefix(len, n, &mut dense_rng),
                sparse_prefix(len, n, &mut sparse_rng)
            );
        }

        #[test]
        fn prefixes_are_distinct_in_range_and_extend_each_other(
            len in 1_usize..300, n in 0_usize..300, seed: u64
        ) {
            let n = n.min(len);
            let prefix = permutation_prefix(len, n, seed).expect("fits");
            prop_assert_eq!(prefix.len(), n);
            let mut sorted = prefix.clone();
            sorted.sort_unstable();
            sorted.dedup();
            prop_assert_eq!(sorted.len(), n);
            prop_assert!(prefix.iter().all(|&i| i < len));
            let full = permutation_prefix(len, len, seed).expect("fits");
            prop_assert_eq!(&full[..n], &prefix[..]);
        }
    }
}
