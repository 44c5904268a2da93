//! The crate's single error type and its `Result` alias.

use std::path::PathBuf;

/// Everything that can go wrong in nh-agents.
#[derive(Debug, thiserror::Error)]
pub enum Error {
    /// A libtorch operation failed; `context` says which one.
    #[error("libtorch error while {context}: {source}")]
    Torch {
        /// What we were doing.
        context: String,
        /// The libtorch error.
        source: tch::TchError,
    },
    /// `--device cuda` was requested but libtorch sees no CUDA device.
    #[error(
        "device `cuda` requested but CUDA is not available to libtorch {version} \
         (cuda devices: {devices}); use `cpu` or `auto`"
    )]
    CudaUnavailable {
        /// The libtorch version in use.
        version: String,
        /// The number of CUDA devices libtorch reports.
        devices: i64,
    },
    /// A device name that is not `cpu`, `cuda`, `cuda:N` or `auto`.
    #[error("unknown device `{0}`: expected `cpu`, `cuda` or `auto`")]
    UnknownDevice(String),
    /// A configuration value that cannot work.
    #[error("invalid configuration: `{key}` = {value}: {reason}")]
    Config {
        /// The configuration key at fault.
        key: &'static str,
        /// Its value, as text.
        value: String,
        /// Why it is rejected.
        reason: String,
    },
    /// The environment rejected its configuration or an action.
    #[error("environment: {0}")]
    Env(#[from] nh_env::Error),
    /// The encoder rejected its configuration.
    #[error("encoder: {0}")]
    Encode(#[from] nh_encode::Error),
    /// The reference hash rejected its configuration.
    #[error("reference hash: {0}")]
    Metrics(#[from] nh_metrics::Error),
    /// A file or directory could not be read or written.
    #[error("{path}: {source}")]
    Io {
        /// The file or directory at fault.
        path: PathBuf,
        /// The I/O error.
        source: std::io::Error,
    },
    /// `save` refuses to replace a model directory that already holds files.
    #[error("{0}: model directory exists and is not empty; choose another path or remove it")]
    ModelDirExists(PathBuf),
    /// A training checkpoint that is missing, corrupt or belongs to another run.
    #[error("{path}: cannot resume: {reason}")]
    Checkpoint {
        /// The checkpoint folder.
        path: PathBuf,
        /// What is wrong.
        reason: String,
    },
    /// Training stopped on request (SIGTERM or SIGINT) after writing a checkpoint.
    #[error(
        "stopped by a signal after iteration {iterations}; checkpoint in {}; continue with \
         `nh train --resume {}`", checkpoint.display(), out.display()
    )]
    Stopped {
        /// Iterations done.
        iterations: usize,
        /// The checkpoint folder.
        checkpoint: PathBuf,
        /// The output folder.
        out: PathBuf,
    },
    /// A model directory whose files are missing, corrupted or inconsistent.
    #[error("{path}: invalid model: {reason}")]
    InvalidModel {
        /// The file at fault.
        path: PathBuf,
        /// What is wrong with it.
        reason: String,
    },
}

/// `Result` with this crate's [`Error`].
pub type Result<T, E = Error> = std::result::Result<T, E>;

impl Error {
    /// Builds a [`Error::Config`] naming a key, its value and the reason.
    pub(crate) fn config(key: &'static str, value: impl std::fmt::Display, reason: &str) -> Self {
        Error::Config {
            key,
            value: value.to_string(),
            reason: reason.to_owned(),
        }
    }

    /// Builds a [`Error::Torch`] for a failed libtorch call.
    pub(crate) fn torch(context: impl Into<String>, source: tch::TchError) -> Self {
        Error::Torch {
            context: context.into(),
            source,
        }
    }

    /// Builds a [`Error::Io`] naming the path.
    pub(crate) fn io(path: impl Into<PathBuf>, source: std::io::Error) -> Self {
        Error::Io {
            path: path.into(),
            source,
        }
    }

    /// Builds a [`Error::InvalidModel`] naming the file and the problem.
    pub(crate) fn invalid_model(path: impl Into<PathBuf>, reason: impl Into<String>) -> Self {
        Error::InvalidModel {
            path: path.into(),
            reason: reason.into(),
        }
    }
}
