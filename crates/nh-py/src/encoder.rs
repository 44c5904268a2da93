//! The encoders for Python (nh-encode's one-hot grid and index form), and `EnvEncoder`, the one
//! encoder type the Python environments hold.

use nh_encode::{Alphabet, IndexEncoder, OneHotEncoder};
use nh_env::ObservationEncoder;
use numpy::ndarray::Array2;
use numpy::{IntoPyArray, PyArray1, PyArray2};
use pyo3::prelude::*;

use crate::corpus::PyCorpus;
use crate::error::{Error, Result};

/// The alphabet given to an encoder's constructor: a corpus (its characters), a list of words
/// (theirs), or `None` for `a..z`.
fn alphabet(chars_of: Option<&Bound<'_, PyAny>>) -> Result<Alphabet> {
    let Some(source) = chars_of else {
        return Ok(Alphabet::lowercase());
    };
    if let Ok(corpus) = source.cast::<PyCorpus>() {
        return Ok(Alphabet::from_corpus(&corpus.get().inner));
    }
    match source.extract::<Vec<String>>() {
        Ok(words) => Ok(Alphabet::from_words(&words)),
        Err(_) => Err(Error::Argument {
            key: "alphabet_from",
            value: source
                .repr()
                .map_or_else(|_| "?".to_owned(), |r| r.to_string()),
            expected: "a Corpus, a list of words, or None (the letters a to z)".to_owned(),
        }),
    }
}

/// The paper's input: `max_len` positions, each a one-hot block over the alphabet (characters
/// outside it share an "other" slot). `OneHotEncoder(alphabet_from=None, max_len=24)`.
#[pyclass(name = "OneHotEncoder", module = "nh_env._native", frozen)]
#[derive(Clone)]
pub struct PyOneHotEncoder {
    pub(crate) inner: OneHotEncoder,
}

#[pymethods]
impl PyOneHotEncoder {
    #[new]
    #[pyo3(signature = (alphabet_from=None, max_len=nh_encode::DEFAULT_MAX_LEN))]
    fn new(alphabet_from: Option<&Bound<'_, PyAny>>, max_len: usize) -> Result<Self> {
        Ok(Self {
            inner: OneHotEncoder::new(alphabet(alphabet_from)?, max_len)?,
        })
    }

    /// Values per word: `max_len * alphabet_size`.
    #[getter]
    fn dim(&self) -> usize {
        self.inner.dim()
    }

    /// Character positions.
    #[getter]
    fn max_len(&self) -> usize {
        self.inner.max_len()
    }

    /// The alphabet's characters (without the "other" slot, which is the last index).
    #[getter]
    fn alphabet(&self) -> String {
        self.inner.alphabet().chars().iter().collect()
    }

    /// Slots per position: the alphabet plus "other".
    #[getter]
    fn alphabet_size(&self) -> usize {
        self.inner.alphabet().size()
    }

    /// The encoding of `word`: a float32 array of `dim` values.
    fn encode<'py>(&self, py: Python<'py>, word: &str) -> Bound<'py, PyArray1<f32>> {
        let mut out = vec![0.0; self.inner.dim()];
        self.inner.encode_into(word, &mut out);
        PyArray1::from_vec(py, out)
    }

    /// The encodings of `words`: a float32 array of shape `(len(words), dim)`.
    fn encode_batch<'py>(&self, py: Python<'py>, words: Vec<String>) -> Bound<'py, PyArray2<f32>> {
        numpy::ToPyArray::to_pyarray(&self.inner.encode_batch(&words), py)
    }

    /// The index form of this encoding (same alphabet and positions).
    fn index_encoder(&self) -> PyIndexEncoder {
        PyIndexEncoder {
            inner: self.inner.index_encoder(),
        }
    }

    fn __repr__(&self) -> String {
        format!(
            "OneHotEncoder(max_len={}, alphabet={:?}, dim={})",
            self.inner.max_len(),
            self.alphabet(),
            self.inner.dim()
        )
    }
}

/// The compact twin of the one-hot grid: `max_len` position-aware ids per word (the index of
/// each 1.0 in the grid; empty positions hold `pad_id`), for an embedding-bag first layer.
/// `IndexEncoder(alphabet_from=None, max_len=24)`.
#[pyclass(name = "IndexEncoder", module = "nh_env._native", frozen)]
#[derive(Clone)]
pub struct PyIndexEncoder {
    pub(crate) inner: IndexEncoder,
}

#[pymethods]
impl PyIndexEncoder {
    #[new]
    #[pyo3(signature = (alphabet_from=None, max_len=nh_encode::DEFAULT_MAX_LEN))]
    fn new(alphabet_from: Option<&Bound<'_, PyAny>>, max_len: usize) -> Result<Self> {
        Ok(Self {
            inner: IndexEncoder::new(alphabet(alphabet_from)?, max_len)?,
        })
    }

    /// Ids per word (`max_len`), which is also the observation length in `encoder="index"`.
    #[getter]
    fn dim(&self) -> usize {
        self.inner.ids_len()
    }

    /// Number of distinct ids: the one-hot dimension plus the padding id.
    #[getter]
    fn vocab_size(&self) -> usize {
        self.inner.vocab_size()
    }

    /// The id of an empty position (the last id).
    #[getter]
    fn pad_id(&self) -> i64 {
        self.inner.pad_id()
    }

    /// The alphabet's characters (without the "other" slot).
    #[getter]
    fn alphabet(&self) -> String {
        self.inner.alphabet().chars().iter().collect()
    }

    /// The ids of `word`: an int64 array of `max_len` values.
    fn ids<'py>(&self, py: Python<'py>, word: &str) -> Bound<'py, PyArray1<i64>> {
        let mut out = vec![0; self.inner.ids_len()];
        self.inner.ids_into(word, &mut out);
        PyArray1::from_vec(py, out)
    }

    /// The ids of `words`: an int64 array of shape `(len(words), max_len)`.
    fn ids_batch<'py>(&self, py: Python<'py>, words: Vec<String>) -> Bound<'py, PyArray2<i64>> {
        let ids = self.inner.ids_batch(&words);
        Array2::from_shape_vec((words.len(), self.inner.ids_len()), ids)
            .expect("ids_batch returns words x ids_len values")
            .into_pyarray(py)
    }

    fn __repr__(&self) -> String {
        format!(
            "IndexEncoder(max_len={}, alphabet={:?}, vocab_size={})",
            self.inner.ids_len(),
            self.alphabet(),
            self.inner.vocab_size()
        )
    }
}

/// The encoder of a Python environment: either form, chosen at construction.
#[derive(Clone, Debug)]
pub enum EnvEncoder {
    /// Observations hold the one-hot grid.
    OneHot(OneHotEncoder),
    /// Observations hold the ids as floats.
    Index(IndexEncoder),
}

impl EnvEncoder {
    /// The encoder object a Python caller passed (a `OneHotEncoder` or an `IndexEncoder`).
    pub fn from_py(encoder: &Bound<'_, PyAny>) -> Result<Self> {
        if let Ok(one_hot) = encoder.cast::<PyOneHotEncoder>() {
            return Ok(Self::OneHot(one_hot.get().inner.clone()));
        }
        if let Ok(index) = encoder.cast::<PyIndexEncoder>() {
            return Ok(Self::Index(index.get().inner.clone()));
        }
        Err(Error::Argument {
            key: "encoder",
            value: encoder
                .get_type()
                .name()
                .map_or_else(|_| "?".to_owned(), |n| n.to_string()),
            expected: "a nh_env.OneHotEncoder or nh_env.IndexEncoder (or \"one_hot\" / \"index\")"
                .to_owned(),
        })
    }

    /// Bounds of the word part of an observation: each value lies in `low..=high`.
    pub fn bounds(&self) -> (f32, f32) {
        match self {
            Self::OneHot(_) => (0.0, 1.0),
            // Ids are below 2^24 for every realistic alphabet, so the cast is exact.
            #[allow(clippy::cast_precision_loss)]
            Self::Index(index) => (0.0, index.pad_id() as f32),
        }
    }
}

impl ObservationEncoder for EnvEncoder {
    fn dim(&self) -> usize {
        match self {
            Self::OneHot(encoder) => ObservationEncoder::dim(encoder),
            Self::Index(encoder) => ObservationEncoder::dim(encoder),
        }
    }

    fn encode(&self, word: &str, out: &mut [f32]) {
        match self {
            Self::OneHot(encoder) => encoder.encode(word, out),
            Self::Index(encoder) => encoder.encode(word, out),
        }
    }
}
