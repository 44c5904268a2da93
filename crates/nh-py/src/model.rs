//! `HashModel` for Python: a saved model folder (one network or sharded) opened and queried by
//! nh-hash, the definition of the hash, with no libtorch.

use std::path::PathBuf;

use numpy::PyArray1;
use pyo3::prelude::*;

use crate::error::Result;

/// A trained NeuralHash opened from the folder `nh train` saved (every checksum checked): `hash`
/// gives a word's bin in `0..bins`, exactly as `nh hash` and training's perfect-hash check do.
#[pyclass(name = "HashModel", module = "nh_env._native", frozen)]
pub struct PyHashModel {
    inner: nh_hash::Model,
    path: PathBuf,
}

#[pymethods]
impl PyHashModel {
    /// Opens the model folder `path`; `OSError` when a file cannot be read, `ValueError` naming
    /// the file when it is not a valid model (edited weights, wrong shapes, a table-observing
    /// model, which is not a hash function).
    #[new]
    fn open(path: PathBuf) -> Result<Self> {
        let inner = nh_hash::Model::open(&path)?;
        Ok(Self { inner, path })
    }

    /// Number of bins: every word hashes into `0..bins`.
    #[getter]
    fn bins(&self) -> usize {
        self.inner.bins()
    }

    /// Number of networks: 1 for one network, the shard count for a sharded model.
    #[getter]
    fn shards(&self) -> usize {
        match &self.inner {
            nh_hash::Model::Network(_) => 1,
            nh_hash::Model::Sharded(sharded) => sharded.shards().len(),
        }
    }

    /// The bin of `word`.
    fn hash(&self, word: &str) -> usize {
        self.inner.hash(word)
    }

    /// The bins of `words` (a sequence of str), in order, as an int64 array; the work runs on
    /// Rust threads with the GIL released.
    fn hash_words<'py>(&self, py: Python<'py>, words: Vec<String>) -> Bound<'py, PyArray1<i64>> {
        let bins = py.detach(|| self.inner.hash_words(&words));
        PyArray1::from_vec(py, bins.into_iter().map(|b| b as i64).collect())
    }

    /// How many of `words` land in a bin an earlier one of them took (0: distinct bins, a
    /// perfect hash of those words), counted by the same code that answers `hash`.
    fn collisions(&self, py: Python<'_>, words: Vec<String>) -> usize {
        py.detach(|| self.inner.check_perfect(&words).collisions)
    }

    fn __repr__(&self) -> String {
        format!(
            "HashModel({:?}, bins={}, shards={})",
            self.path.display().to_string(),
            self.inner.bins(),
            self.shards()
        )
    }
}
