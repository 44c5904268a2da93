//! `Corpus` for Python: nh-corpus's word list with its SHA-256 provenance.

use std::path::PathBuf;
use std::sync::{Arc, OnceLock};

use nh_corpus::Corpus;
use pyo3::prelude::*;
use pyo3::types::PyDict;

use crate::error::Result;

/// A list of distinct words with its provenance (nh-corpus's `Corpus`): the embedded English
/// list, a file, or bytes, read by the same rules and hashed with the same SHA-256 as in Rust.
#[pyclass(name = "Corpus", module = "nh_env._native", frozen)]
#[derive(Clone)]
pub struct PyCorpus {
    pub(crate) inner: Arc<Corpus>,
}

/// The embedded corpus, parsed and hashed once per process (178,187 words).
fn embedded() -> Arc<Corpus> {
    static EMBEDDED: OnceLock<Arc<Corpus>> = OnceLock::new();
    Arc::clone(EMBEDDED.get_or_init(|| Arc::new(Corpus::embedded())))
}

#[pymethods]
impl PyCorpus {
    /// The embedded English word list (works offline; not the paper's list).
    #[staticmethod]
    fn embedded() -> Self {
        Self { inner: embedded() }
    }

    /// Reads a newline-delimited UTF-8 file; errors name the path and line.
    #[staticmethod]
    fn from_path(path: PathBuf) -> Result<Self> {
        Ok(Self {
            inner: Arc::new(Corpus::from_path(&path)?),
        })
    }

    /// Parses `data` (bytes) exactly as a file's contents; `name` appears in errors and provenance.
    #[staticmethod]
    fn from_text(name: &str, data: &[u8]) -> Result<Self> {
        Ok(Self {
            inner: Arc::new(Corpus::from_text(name, data)?),
        })
    }

    /// The file named by the `NH_CORPUS` variable when set, else the embedded list.
    #[staticmethod]
    fn from_env_or_embedded() -> Result<Self> {
        match std::env::var_os(nh_corpus::CORPUS_ENV_VAR) {
            Some(value) if !value.is_empty() => Self::from_path(PathBuf::from(value)),
            _ => Ok(Self::embedded()),
        }
    }

    /// The words, in source order (a new list of str).
    #[getter]
    fn words(&self) -> Vec<String> {
        self.inner.words().to_vec()
    }

    /// Lower-case hex SHA-256 of the bytes read.
    #[getter]
    fn sha256(&self) -> &str {
        &self.inner.provenance().sha256
    }

    /// Whether the bytes are exactly the paper's word list.
    fn is_paper_corpus(&self) -> bool {
        self.inner.is_paper_corpus()
    }

    /// The provenance record as a dict (the keys of nh-corpus's `Provenance`).
    #[getter]
    fn provenance<'py>(&self, py: Python<'py>) -> PyResult<Bound<'py, PyDict>> {
        let p = self.inner.provenance();
        let dict = PyDict::new(py);
        dict.set_item("source_name", &p.source_name)?;
        dict.set_item("origin", p.origin.to_string())?;
        dict.set_item("sha256", &p.sha256)?;
        dict.set_item("lines_read", p.lines_read)?;
        dict.set_item("empty_lines_skipped", p.empty_lines_skipped)?;
        dict.set_item("duplicates_removed", p.duplicates_removed)?;
        dict.set_item("words_kept", p.words_kept)?;
        dict.set_item("is_paper_corpus", p.is_paper_corpus())?;
        Ok(dict)
    }

    /// `n` distinct words chosen by `seed`, the same on every machine and in Rust.
    fn sample(&self, n: usize, seed: u64) -> Result<Vec<String>> {
        Ok(self.inner.sample(n, seed)?)
    }

    fn __len__(&self) -> usize {
        self.inner.len()
    }

    fn __repr__(&self) -> String {
        let p = self.inner.provenance();
        format!(
            "Corpus(source={:?}, words={}, sha256={})",
            p.source_name, p.words_kept, p.sha256
        )
    }
}
