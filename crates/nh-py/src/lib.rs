//! nh-py: the Python binding of nh-env, built by maturin into the package `nh_env` (this crate is
//! its extension module `nh_env._native`). Python's RL tools (Gymnasium, Stable-Baselines3,
//! CleanRL) get the same hash-table environment as the Rust crates, at Rust speed.
//!
//! # What Python sees
//!
//! - `nh_env.HashTableEnv`: a `gymnasium.Env` (`Discrete(bins)` actions, a `Box` of float32
//!   observations: the word encoding, then one value per bin in the table-aware modes),
//!   registered as `NeuralHash-v0` with the paper's settings as keyword arguments.
//! - `nh_env.VectorHashTableEnv`: a `gymnasium.vector.VectorEnv` whose `step` crosses into Rust
//!   once for all environments, numpy arrays in and out.
//! - `nh_env.Corpus`, `nh_env.OneHotEncoder`, `nh_env.IndexEncoder`: nh-corpus's word lists
//!   (same SHA-256 provenance) and nh-encode's encoders.
//! - `nh_env.HashModel(path)`: a model folder saved by `nh train` (one network or sharded),
//!   opened and queried by nh-hash, the definition of the hash, without libtorch: `hash(word)`,
//!   `hash_words(words)` (an int64 array), `collisions(words)`, `bins`.
//!
//! ```python
//! import gymnasium as gym
//! import nh_env  # registers NeuralHash-v0
//!
//! env = gym.make("NeuralHash-v0", bins=100, words_per_episode=100, observation="word_and_occupancy")
//! obs, info = env.reset(seed=42)
//! obs, reward, terminated, truncated, info = env.step(env.action_space.sample())
//! ```
//!
//! # Design choices
//!
//! - **A thin layer.** Every rule of the environment (sampling, rewards, statistics, seeding,
//!   validation) lives in nh-env; this crate converts arguments and results and nothing else:
//!   names to enums (`settings.rs`), `Info` to dicts (`info.rs`), nh-env's errors to Python
//!   exceptions with the same message (`error.rs`). The Python files add Gymnasium's spaces,
//!   seeding of `np_random`, registration and the vector API's autoreset.
//! - **Nothing panics across the boundary.** The binding calls nh-env's `try_*` methods only, so
//!   bad configs, bad word lists, actions out of range and steps after termination arrive as
//!   `ValueError` or `RuntimeError` (see [`Error`]); a negative action or seed is refused here,
//!   before any conversion to `usize` or `u64`.
//! - **Seeds mean the same.** `reset(seed=s)` passes `s` to nh-env unchanged, so a seeded episode
//!   in Python places exactly the words, and earns exactly the rewards, of the Rust episode
//!   (checked against `tests/fixtures/episodes.json`, which a Rust test regenerates and checks).
//! - **Info keys.** Rust's `Info` flattened: `word`, `bin`, `collided`, `load` (the placement),
//!   `next_word`, `placed`, `occupied_bins`, and `episode_stats` (Rust's `Info::episode`) on the
//!   last step: `episode` belongs to the wrappers that record episodes (`RecordEpisodeStatistics`,
//!   Stable-Baselines3's `Monitor`), which would overwrite it.
//! - **Builds without libpython.** PyO3's `extension-module` feature (no link to libpython) is
//!   this crate's feature of the same name, which only maturin turns on (`pyproject.toml`), so
//!   `cargo clippy --workspace` and `cargo test --workspace` build the crate as an ordinary one.
//!   The library is a cdylib without Rust unit tests (they would need libpython at run time); its
//!   behaviour is tested from Python (`tests/*.py`, run by `cargo xtask test`).

mod corpus;
mod encoder;
mod env;
mod error;
mod info;
mod model;
mod settings;
mod vec_env;

use pyo3::prelude::*;

pub use error::{Error, Result};

/// The extension module `nh_env._native`.
#[pymodule]
fn _native(module: &Bound<'_, PyModule>) -> PyResult<()> {
    module.add_class::<corpus::PyCorpus>()?;
    module.add_class::<encoder::PyOneHotEncoder>()?;
    module.add_class::<encoder::PyIndexEncoder>()?;
    module.add_class::<env::PyHashTableEnv>()?;
    module.add_class::<vec_env::PyVecEnv>()?;
    module.add_class::<model::PyHashModel>()?;
    module.add("DEFAULT_MAX_LEN", nh_encode::DEFAULT_MAX_LEN)?;
    module.add("PAPER_SHA256", nh_corpus::PAPER_SHA256)?;
    Ok(())
}
