//! nh-metrics: the yardsticks of neural-hash. CPython's exact string hash (the paper's
//! reference), collision statistics of a hash table, what a uniform random function would do,
//! aggregation across seeds, and baseline hashes, including minimal perfect hashes.
//!
//! ```
//! use nh_metrics::{expected_collisions, BinHasher, PyStrHash, Summary, TableStats};
//!
//! let python = PyStrHash::new(0)?; // PYTHONHASHSEED=0
//! let words: Vec<String> = (0..1000).map(|i| format!("word{i}")).collect();
//! let bins = python.bins(&words, 1000);
//! let stats = TableStats::from_bins(&bins, 1000);
//! assert_eq!(stats.collisions, stats.n - stats.occupied);
//! // A good hash is close to a random function: 367.70 expected collisions.
//! assert!((expected_collisions(1000, 1000) - 367.70).abs() < 0.01);
//! assert!(stats.collisions_z_score().abs() < 5.0);
//!
//! let per_seed = Summary::of(&[370.0, 362.0, 371.0]);
//! assert!(per_seed.ci95_half_width > 0.0);
//! # Ok::<(), nh_metrics::Error>(())
//! ```
//!
//! Design choices:
//! - [`PyStrHash`] follows CPython's `Python/pyhash.c` and `Python/bootstrap_hash.c` (PEP 393
//!   buffer, SipHash-1-3, LCG-derived key for `PYTHONHASHSEED`) and is checked against the real
//!   interpreter by a committed fixture made by `tests/fixtures/make_pyhash_fixture.py`.
//! - Statistics are exact where that is cheap (moments of the collision count, the max-load
//!   distribution up to `n * m = 4e6`), with the special functions written here and tested
//!   against tables, so the crate needs no numerics dependency.
//! - Baselines come from their own crates (`rustc-hash`, `xxhash-rust`, `foldhash`, std,
//!   `ptr_hash`, `ph`); only SipHash is written here, because CPython's exact variant is needed.
//! - All randomness in tests and benches comes from explicit seeds.

mod baselines;
mod bootstrap;
mod error;
mod mphf;
mod pyhash;
mod random_function;
mod siphash;
mod special;
mod summary;
mod table;

pub use baselines::{BinHasher, FoldHash, FxHash, StdSipHash13, Xxh3, baseline_hashers};
pub use bootstrap::{BOOTSTRAP_RESAMPLES, bootstrap_mean_ci95};
pub use error::{Error, Result};
pub use mphf::{MinimalPerfectHash, MphKind};
pub use pyhash::{PyHashAlgorithm, PyStrHash, python_mod};
pub use random_function::{
    MaxLoadDistribution, MaxLoadMethod, collisions_variance, expected_collisions,
};
pub use siphash::{siphash13, siphash24};
pub use summary::{Summary, summarize_curves};
pub use table::TableStats;
