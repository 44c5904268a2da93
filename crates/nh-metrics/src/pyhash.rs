//! `PyStrHash`: CPython's `hash(str)` reproduced bit for bit, and Python's bin (`hash(w) % m`).
//!
//! CPython hashes a `str` by running its hash function over the PEP 393 buffer of the string:
//! one byte per code point when every code point is below 256 (Latin-1), two little-endian
//! bytes when every code point is below 65536 (UCS-2), else four (UCS-4). The hash function is
//! SipHash-1-3 since CPython 3.11 and SipHash-2-4 in 3.4-3.10. The 128-bit key comes from
//! `PYTHONHASHSEED` (`Python/bootstrap_hash.c`): seed 0 gives the all-zero key, any other seed
//! fills the secret with a linear congruential generator (`x = x * 214013 + 2531011`, byte =
//! bits 16..24 of `x`), and the key is its first two little-endian 64-bit words. The empty string
//! hashes to 0 and a result of -1 becomes -2 (`Python/pyhash.c`, `_Py_HashBytes`).

use crate::siphash::{siphash13, siphash24};
use crate::{Error, Result};

/// Which SipHash variant CPython was built with.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, Default)]
pub enum PyHashAlgorithm {
    /// SipHash-1-3, the default of CPython 3.11 and later.
    #[default]
    SipHash13,
    /// SipHash-2-4, the default of CPython 3.4 to 3.10.
    SipHash24,
}

/// CPython's string hash for one `PYTHONHASHSEED`.
///
/// ```
/// use nh_metrics::PyStrHash;
/// let python = PyStrHash::new(0)?;
/// // PYTHONHASHSEED=0 python3 -c 'print(hash("hello"), hash("hello") % 1000)'
/// assert_eq!(python.hash("hello"), python.hash("hello"));
/// assert_eq!(python.bin("hello", 1000) as i64, python.hash("hello").rem_euclid(1000));
/// assert_eq!(python.hash(""), 0);
/// # Ok::<(), nh_metrics::Error>(())
/// ```
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct PyStrHash {
    seed: u32,
    algorithm: PyHashAlgorithm,
    k0: u64,
    k1: u64,
    name: String,
}

impl PyStrHash {
    /// The largest `PYTHONHASHSEED` CPython accepts.
    pub const MAX_SEED: u64 = 4_294_967_295;

    /// The hash of CPython 3.11+ (SipHash-1-3) under `PYTHONHASHSEED=seed`.
    ///
    /// Errors with [`Error::SeedOutOfRange`] when `seed > 4294967295`, as CPython refuses it.
    pub fn new(seed: u64) -> Result<Self> {
        Self::with_algorithm(seed, PyHashAlgorithm::SipHash13)
    }

    /// The hash of a CPython built with `algorithm` under `PYTHONHASHSEED=seed`.
    pub fn with_algorithm(seed: u64, algorithm: PyHashAlgorithm) -> Result<Self> {
        let seed = u32::try_from(seed).map_err(|_| Error::SeedOutOfRange { seed })?;
        let (k0, k1) = hash_secret(seed);
        let variant = match algorithm {
            PyHashAlgorithm::SipHash13 => "",
            PyHashAlgorithm::SipHash24 => ",siphash24",
        };
        Ok(Self {
            seed,
            algorithm,
            k0,
            k1,
            name: format!("python(seed={seed}{variant})"),
        })
    }

    /// The `PYTHONHASHSEED` this hash reproduces.
    pub fn seed(&self) -> u64 {
        u64::from(self.seed)
    }

    /// The SipHash variant in use.
    pub fn algorithm(&self) -> PyHashAlgorithm {
        self.algorithm
    }

    /// The SipHash key `(k0, k1)` derived from the seed.
    pub fn key(&self) -> (u64, u64) {
        (self.k0, self.k1)
    }

    /// `hash(s)` exactly as CPython computes it for a `str`.
    pub fn hash(&self, s: &str) -> i64 {
        if s.is_ascii() {
            return self.hash_bytes(s.as_bytes());
        }
        self.hash_bytes(&pep393_buffer(s))
    }

    /// `hash(b)` exactly as CPython computes it for a `bytes` object.
    pub fn hash_bytes(&self, bytes: &[u8]) -> i64 {
        if bytes.is_empty() {
            return 0;
        }
        let raw = match self.algorithm {
            PyHashAlgorithm::SipHash13 => siphash13(self.k0, self.k1, bytes),
            PyHashAlgorithm::SipHash24 => siphash24(self.k0, self.k1, bytes),
        };
        // Reinterpreting the 64 bits as signed is what CPython's `(Py_hash_t)` cast does.
        match raw as i64 {
            -1 => -2,
            h => h,
        }
    }

    /// Python's bin for `s` in a table of `m` bins: `hash(s) % m`, never negative.
    ///
    /// # Panics
    /// When `m == 0` (Python raises `ZeroDivisionError`).
    pub fn bin(&self, s: &str, m: usize) -> usize {
        python_mod(self.hash(s), m)
    }

    /// The name used in reports, e.g. `python(seed=0)`.
    pub fn name(&self) -> &str {
        &self.name
    }
}

/// Python's `h % m` for a positive `m`: the result has the sign of `m`, so it lies in `0..m`.
///
/// # Panics
/// When `m == 0`.
pub fn python_mod(h: i64, m: usize) -> usize {
    assert!(m > 0, "python_mod: the number of bins must be positive");
    match i64::try_from(m) {
        Ok(m) => h.rem_euclid(m) as usize,
        // Only reachable for m > i64::MAX: a non-negative h is already reduced, a negative one
        // wraps once.
        Err(_) if h >= 0 => h as usize,
        Err(_) => m - h.unsigned_abs() as usize,
    }
}

/// The SipHash key CPython derives from `PYTHONHASHSEED=seed` (`_Py_HashRandomization_Init`).
fn hash_secret(seed: u32) -> (u64, u64) {
    if seed == 0 {
        return (0, 0);
    }
    let mut secret = [0u8; 16];
    let mut x = seed;
    for byte in &mut secret {
        x = x.wrapping_mul(214_013).wrapping_add(2_531_011);
        *byte = ((x >> 16) & 0xff) as u8;
    }
    let (low, high) = secret.split_at(8);
    (le_word(low), le_word(high))
}

/// Reads 8 bytes as a little-endian `u64`.
fn le_word(bytes: &[u8]) -> u64 {
    let mut word = [0u8; 8];
    word.copy_from_slice(bytes);
    u64::from_le_bytes(word)
}

/// The PEP 393 storage of `s`: 1, 2 or 4 little-endian bytes per code point, by its widest one.
fn pep393_buffer(s: &str) -> Vec<u8> {
    let widest = s.chars().map(u32::from).max().unwrap_or(0);
    if widest < 0x100 {
        s.chars().map(|c| u32::from(c) as u8).collect()
    } else if widest < 0x1_0000 {
        s.chars()
            .flat_map(|c| (u32::from(c) as u16).to_le_bytes())
            .collect()
    } else {
        s.chars().flat_map(|c| u32::from(c).to_le_bytes()).collect()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn seed_zero_is_the_zero_key_and_other_seeds_are_not() {
        assert_eq!(hash_secret(0), (0, 0));
        assert_ne!(hash_secret(1), (0, 0));
        assert_ne!(hash_secret(1), hash_secret(2));
    }

    #[test]
    fn lcg_secret_for_seed_1_matches_a_hand_computation() {
        // x1 = 1 * 214013 + 2531011 = 2745024 = 0x29_E2C0 -> byte 0x29.
        // x2 = 2745024 * 214013 + 2531011 mod 2^32 = 0xC823_F683 -> byte 0x23.
        // x3 = 0xC823_F683 * 214013 + 2531011 mod 2^32 = 0x18BE_873A -> byte 0xBE.
        let (k0, _) = hash_secret(1);
        assert_eq!(k0 & 0xff_ffff, 0xBE_2329);
    }

    #[test]
    fn seeds_beyond_u32_are_rejected() {
        assert!(PyStrHash::new(PyStrHash::MAX_SEED).is_ok());
        assert_eq!(
            PyStrHash::new(PyStrHash::MAX_SEED + 1),
            Err(Error::SeedOutOfRange {
                seed: 4_294_967_296
            })
        );
    }

    #[test]
    fn pep393_buffer_picks_the_narrowest_kind() {
        assert_eq!(pep393_buffer("é"), vec![0xE9]);
        assert_eq!(pep393_buffer("aĀ"), vec![0x61, 0x00, 0x00, 0x01]);
        assert_eq!(
            pep393_buffer("a😀"),
            vec![0x61, 0, 0, 0, 0x00, 0xF6, 0x01, 0x00]
        );
    }

    #[test]
    fn python_mod_is_non_negative_like_python() {
        assert_eq!(python_mod(-1, 1000), 999);
        assert_eq!(python_mod(-1000, 1000), 0);
        assert_eq!(python_mod(1234, 1000), 234);
        assert_eq!(python_mod(i64::MIN, 7), i64::MIN.rem_euclid(7) as usize);
        assert_eq!(python_mod(-3, usize::MAX), usize::MAX - 3);
        assert_eq!(python_mod(5, usize::MAX), 5);
    }

    #[test]
    fn empty_string_hashes_to_zero_for_every_seed_and_algorithm() {
        for seed in [0, 1, 42, PyStrHash::MAX_SEED] {
            for algorithm in [PyHashAlgorithm::SipHash13, PyHashAlgorithm::SipHash24] {
                let hash = PyStrHash::with_algorithm(seed, algorithm).unwrap();
                assert_eq!(hash.hash(""), 0);
                assert_eq!(hash.bin("", 10), 0);
            }
        }
    }
}
