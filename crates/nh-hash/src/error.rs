//! The crate's single error type and its `Result` alias.

use std::path::PathBuf;

/// Everything that can go wrong when opening, saving or querying a model.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum Error {
    /// A file or directory could not be read or written.
    #[error("{path}: {source}")]
    Io {
        /// The file or directory at fault.
        path: PathBuf,
        /// The I/O error.
        source: std::io::Error,
    },
    /// A model directory whose files are missing, corrupted or inconsistent, or parts that do not
    /// make a model.
    #[error("{path}: invalid model: {reason}")]
    InvalidModel {
        /// The file at fault.
        path: PathBuf,
        /// What is wrong with it.
        reason: String,
    },
    /// Saving refuses to replace a model directory that already holds files.
    #[error("{0}: model directory exists and is not empty; choose another path or remove it")]
    ModelDirExists(PathBuf),
}

/// `Result` with this crate's [`Error`].
pub type Result<T, E = Error> = std::result::Result<T, E>;

impl Error {
    /// An [`Error::Io`] naming the path.
    pub(crate) fn io(path: impl Into<PathBuf>, source: std::io::Error) -> Self {
        Error::Io {
            path: path.into(),
            source,
        }
    }

    /// An [`Error::InvalidModel`] naming the file and the problem.
    pub(crate) fn invalid(path: impl Into<PathBuf>, reason: impl Into<String>) -> Self {
        Error::InvalidModel {
            path: path.into(),
            reason: reason.into(),
        }
    }
}
