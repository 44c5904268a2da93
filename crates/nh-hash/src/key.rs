//! The keyed output head's key and its arithmetic: a seeded xxh3 of the word shifts the
//! network's choice cyclically, so a trained network stays perfect on its words while unseen
//! words land in uniformly random bins.
//!
//! Full head: bin = (label + h(w) mod M) mod M, with h the 64-bit xxh3 of the word's UTF-8 bytes
//! under the key's seed. Factorized head (M = M1 x M2): row = (a + h1(w) mod M1) mod M1, column =
//! (b + h2(w) mod M2) mod M2, bin = row x M2 + column, with h1 and h2 the low and high halves of
//! the 128-bit xxh3.

use serde::{Deserialize, Serialize};
use xxhash_rust::xxh3::{xxh3_64_with_seed, xxh3_128_with_seed};

/// The string hash behind a keyed head (recorded in the model so a later change is refused).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum KeyHash {
    /// XXH3 (xxHash 0.8): `XXH3_64bits_withSeed` for a full head, `XXH3_128bits_withSeed`
    /// (low half h1, high half h2) for a factorized one.
    Xxh3,
}

/// A keyed head's key, as stored in the model's architecture.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct HeadKey {
    /// The string hash.
    pub hash: KeyHash,
    /// Its seed.
    pub seed: u64,
}

impl HeadKey {
    /// An xxh3 key with the given seed.
    pub fn xxh3(seed: u64) -> HeadKey {
        HeadKey {
            hash: KeyHash::Xxh3,
            seed,
        }
    }

    /// The shift of a full head of `bins` outputs for `word`, below `bins`.
    pub fn full_shift(&self, word: &str, bins: usize) -> usize {
        let KeyHash::Xxh3 = self.hash;
        reduce(xxh3_64_with_seed(word.as_bytes(), self.seed), bins)
    }

    /// The (row, column) shifts of a factorized head of `rows x cols` outputs for `word`.
    pub fn factor_shifts(&self, word: &str, rows: usize, cols: usize) -> (usize, usize) {
        let KeyHash::Xxh3 = self.hash;
        let h = xxh3_128_with_seed(word.as_bytes(), self.seed);
        (reduce(h as u64, rows), reduce((h >> 64) as u64, cols))
    }
}

/// `value mod modulus` (a modulus of 0 is a caller bug: heads have at least one output).
fn reduce(value: u64, modulus: usize) -> usize {
    // A usize always fits in u64 on the platforms Rust supports, and the remainder is below it.
    (value % modulus as u64) as usize
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn shifts_are_the_documented_xxh3_reductions() {
        let key = HeadKey::xxh3(1);
        let h = xxh3_128_with_seed(b"hash", 1);
        assert_eq!(
            key.factor_shifts("hash", 3, 4),
            ((h as u64 % 3) as usize, ((h >> 64) as u64 % 4) as usize)
        );
        assert_eq!(
            key.full_shift("hash", 10),
            (xxh3_64_with_seed(b"hash", 1) % 10) as usize
        );
    }

    #[test]
    fn key_serializes_with_its_hash_name_and_rejects_unknown_fields() {
        let json = serde_json::to_string(&HeadKey::xxh3(u64::MAX)).unwrap();
        assert_eq!(json, r#"{"hash":"xxh3","seed":18446744073709551615}"#);
        assert_eq!(
            serde_json::from_str::<HeadKey>(&json).unwrap(),
            HeadKey::xxh3(u64::MAX)
        );
        assert!(serde_json::from_str::<HeadKey>(r#"{"hash":"xxh3"}"#).is_err());
        assert!(serde_json::from_str::<HeadKey>(r#"{"hash":"md5","seed":1}"#).is_err());
        assert!(serde_json::from_str::<HeadKey>(r#"{"hash":"xxh3","seed":-1}"#).is_err());
    }
}
