//! The one error type of nh-bench.

/// Everything that can stop a benchmark run, or the reading of its options and saved report.
#[derive(Debug, thiserror::Error)]
pub enum Error {
    /// The corpus could not be loaded or sampled.
    #[error(transparent)]
    Corpus(#[from] nh_corpus::Error),
    /// The corpus's alphabet gives no usable encoder.
    #[error("encoder: {0}")]
    Encoder(#[from] nh_encode::Error),
    /// A model could not be built, trained or copied, or libtorch refused a setting.
    #[error("{stage}: {source}")]
    Agent {
        /// The measurement, e.g. `inference` or `training CEM on 1,000 words`.
        stage: String,
        /// The learner's error.
        source: nh_agents::Error,
    },
    /// The environment rejected the throughput section's configuration.
    #[error("environment throughput: {0}")]
    Env(#[from] nh_env::Error),
    /// A minimal perfect hash failed to build or is not a bijection onto `0..n`.
    #[error("perfect hash {kind}: {message}")]
    PerfectHash {
        /// The kind, e.g. `ptr_hash`.
        kind: &'static str,
        /// What went wrong.
        message: String,
    },
    /// The efficiency probes need a network with a hidden layer.
    #[error("efficiency: the model has no hidden layer")]
    NoHiddenLayer,
    /// A section or trainer name that does not exist.
    #[error("unknown {what} `{name}` (expected {expected})")]
    UnknownName {
        /// `section` or `trainer`.
        what: &'static str,
        /// The name given.
        name: String,
        /// The names that exist, in words.
        expected: &'static str,
    },
    /// A model folder given with `--model` cannot be measured.
    #[error("--model {}: {message}", path.display())]
    SavedModel {
        /// The folder.
        path: std::path::PathBuf,
        /// What is wrong.
        message: String,
    },
    /// A file or folder could not be read or made.
    #[error("{}: {source}", path.display())]
    Io {
        /// The path.
        path: std::path::PathBuf,
        /// The I/O error.
        source: std::io::Error,
    },
    /// A saved report (`--from-json`) is not valid JSON of a [`BenchReport`](crate::BenchReport).
    #[error("reading a saved report: {0}")]
    SavedReport(#[from] serde_json::Error),
}

/// nh-bench's result type.
pub type Result<T> = std::result::Result<T, Error>;

/// A closure that wraps a learner's error with the stage it stopped.
pub(crate) fn agent(stage: impl Into<String>) -> impl Fn(nh_agents::Error) -> Error {
    let stage = stage.into();
    move |source| Error::Agent {
        stage: stage.clone(),
        source,
    }
}
