//! The crate's single error type and its `Result` alias.

/// Everything that can go wrong in `nh-metrics`.
#[derive(Debug, thiserror::Error, Clone, PartialEq, Eq)]
pub enum Error {
    /// A `PYTHONHASHSEED` value outside CPython's accepted range.
    #[error("PYTHONHASHSEED must be in 0..=4294967295, got {seed}")]
    SeedOutOfRange {
        /// The rejected seed.
        seed: u64,
    },
    /// A table statistic was asked for zero bins.
    #[error("a hash table needs at least one bin, got m = 0")]
    ZeroBins,
    /// A bin index at or beyond the number of bins.
    #[error("bin {bin} at position {position} is out of range for {m} bins")]
    BinOutOfRange {
        /// Position of the offending entry in the input slice.
        position: usize,
        /// The offending bin index.
        bin: usize,
        /// The number of bins.
        m: usize,
    },
    /// A key set for a minimal perfect hash contains the same key twice.
    #[error("duplicate key {key:?} at positions {first} and {second}")]
    DuplicateKey {
        /// The repeated key.
        key: String,
        /// Position of its first occurrence.
        first: usize,
        /// Position of its second occurrence.
        second: usize,
    },
    /// A minimal perfect hash library gave up building over a (duplicate-free) key set.
    #[error("{kind} construction failed for {n} keys")]
    MphBuildFailed {
        /// Name of the minimal perfect hash.
        kind: &'static str,
        /// Number of keys.
        n: usize,
    },
}

/// `Result` with this crate's [`Error`].
pub type Result<T> = std::result::Result<T, Error>;
