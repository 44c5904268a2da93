//! `BinHasher`: one small trait over the baseline hashes (Python's, std SipHash-1-3, FxHash,
//! xxh3, foldhash), each taken from its own crate.
//!
//! The 64-bit baselines reduce a hash `h` to a bin as `h % m`, the same reduction Python's
//! reference uses; Python's own hash reduces its signed value with Python's `%`.

use std::hash::{BuildHasher, BuildHasherDefault, DefaultHasher};

use crate::PyStrHash;

/// A hash function seen as a map from words to bins.
pub trait BinHasher {
    /// Short name for reports, e.g. `xxh3`.
    fn name(&self) -> &str;

    /// Whether this is CPython's own string hash ([`PyStrHash`]); the others are Rust's.
    fn is_cpython(&self) -> bool {
        false
    }

    /// The bin of `word` in a table of `m` bins, in `0..m`. Implementations may panic when
    /// `m == 0`.
    fn bin(&self, word: &str, m: usize) -> usize;

    /// The bins of all `words` (same order) in a table of `m` bins.
    fn bins(&self, words: &[String], m: usize) -> Vec<usize> {
        words.iter().map(|word| self.bin(word, m)).collect()
    }
}

impl BinHasher for PyStrHash {
    fn name(&self) -> &str {
        PyStrHash::name(self)
    }

    fn is_cpython(&self) -> bool {
        true
    }

    fn bin(&self, word: &str, m: usize) -> usize {
        PyStrHash::bin(self, word, m)
    }
}

/// Reduces a 64-bit hash to `0..m`.
fn reduce(hash: u64, m: usize) -> usize {
    (hash % m as u64) as usize
}

/// Rust's standard `HashMap` hash with fixed keys: SipHash-1-3 from `DefaultHasher::new()`.
///
/// Stable std offers no keyed SipHash-1-3, so this is the zero key (std documents
/// `DefaultHasher::new()` as fixed but not its algorithm; today it is SipHash-1-3). Words are fed
/// through `Hash for str`, which appends a 0xFF byte, so this differs from Python's seed-0 hash,
/// which is SipHash-1-3 with the zero key over the bare bytes.
#[derive(Clone, Copy, Debug, Default)]
pub struct StdSipHash13;

impl BinHasher for StdSipHash13 {
    fn name(&self) -> &str {
        "std-siphash13"
    }

    fn bin(&self, word: &str, m: usize) -> usize {
        reduce(
            BuildHasherDefault::<DefaultHasher>::default().hash_one(word),
            m,
        )
    }
}

/// FxHash (`rustc-hash`), the compiler's fast non-cryptographic hash.
#[derive(Clone, Copy, Debug, Default)]
pub struct FxHash;

impl BinHasher for FxHash {
    fn name(&self) -> &str {
        "fxhash"
    }

    fn bin(&self, word: &str, m: usize) -> usize {
        reduce(rustc_hash::FxBuildHasher.hash_one(word), m)
    }
}

/// XXH3-64 (`xxhash-rust`) over the word's UTF-8 bytes, with a seed (default 0).
#[derive(Clone, Copy, Debug, Default)]
pub struct Xxh3 {
    seed: u64,
}

impl Xxh3 {
    /// XXH3 with the given seed.
    pub fn with_seed(seed: u64) -> Self {
        Self { seed }
    }
}

impl BinHasher for Xxh3 {
    fn name(&self) -> &str {
        "xxh3"
    }

    fn bin(&self, word: &str, m: usize) -> usize {
        reduce(
            xxhash_rust::xxh3::xxh3_64_with_seed(word.as_bytes(), self.seed),
            m,
        )
    }
}

/// foldhash's fast variant (`foldhash::fast::FixedState`) with a fixed seed (default 0).
#[derive(Clone, Debug, Default)]
pub struct FoldHash {
    state: foldhash::fast::FixedState,
}

impl FoldHash {
    /// foldhash with the given fixed seed.
    pub fn with_seed(seed: u64) -> Self {
        Self {
            state: foldhash::fast::FixedState::with_seed(seed),
        }
    }
}

impl BinHasher for FoldHash {
    fn name(&self) -> &str {
        "foldhash"
    }

    fn bin(&self, word: &str, m: usize) -> usize {
        reduce(self.state.hash_one(word), m)
    }
}

/// Every baseline with its default seed: Python (`PYTHONHASHSEED=0`), std SipHash-1-3, FxHash,
/// xxh3, foldhash.
pub fn baseline_hashers() -> Vec<Box<dyn BinHasher>> {
    let python = PyStrHash::new(0).expect("seed 0 is a valid PYTHONHASHSEED");
    vec![
        Box::new(python),
        Box::new(StdSipHash13),
        Box::new(FxHash),
        Box::new(Xxh3::default()),
        Box::new(FoldHash::default()),
    ]
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn baselines_have_distinct_names_and_stay_in_range() {
        let hashers = baseline_hashers();
        let mut names: Vec<&str> = hashers.iter().map(|h| h.name()).collect();
        names.sort_unstable();
        names.dedup();
        assert_eq!(names.len(), 5);
        let cpython: Vec<bool> = hashers.iter().map(|h| h.is_cpython()).collect();
        assert_eq!(cpython, [true, false, false, false, false]);
        for hasher in &hashers {
            for m in [1, 2, 7, 1000] {
                for word in ["", "a", "hash", "collision", "éèê", "日本"] {
                    assert!(hasher.bin(word, m) < m, "{} {word} {m}", hasher.name());
                }
            }
        }
    }

    #[test]
    fn bins_agree_with_bin_and_are_deterministic() {
        let words: Vec<String> = ["alpha", "beta", "gamma", "delta"]
            .map(String::from)
            .to_vec();
        for hasher in baseline_hashers() {
            let bins = hasher.bins(&words, 97);
            let again: Vec<usize> = words.iter().map(|w| hasher.bin(w, 97)).collect();
            assert_eq!(bins, again, "{}", hasher.name());
        }
    }

    #[test]
    fn std_baseline_is_the_zero_key_siphash13_of_str_hash_input() {
        // `Hash for str` writes the bytes then 0xFF.
        let expected = crate::siphash13(0, 0, b"word\xff");
        assert_eq!(
            StdSipHash13.bin("word", 1 << 20),
            (expected % (1 << 20)) as usize
        );
    }

    #[test]
    fn seeds_change_the_seeded_baselines() {
        let words: Vec<String> = (0..64).map(|i| format!("w{i}")).collect();
        assert_ne!(
            Xxh3::with_seed(1).bins(&words, 1000),
            Xxh3::with_seed(2).bins(&words, 1000)
        );
        assert_ne!(
            FoldHash::with_seed(1).bins(&words, 1000),
            FoldHash::with_seed(2).bins(&words, 1000)
        );
    }
}
