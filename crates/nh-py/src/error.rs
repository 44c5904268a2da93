//! The crate's `Error` and how each case becomes a Python exception carrying the Rust message.

use pyo3::PyErr;
use pyo3::exceptions::{PyOSError, PyRuntimeError, PyTypeError, PyValueError};

/// Everything the binding refuses: the errors of the crates it wraps, and arguments that Python
/// can express but Rust types cannot (a negative action, an unknown mode name).
#[derive(Debug, thiserror::Error)]
pub enum Error {
    /// An environment error (bad config or word list, misuse of `step`).
    #[error(transparent)]
    Env(#[from] nh_env::Error),
    /// A corpus error (unreadable file, invalid line, too few words).
    #[error(transparent)]
    Corpus(#[from] nh_corpus::Error),
    /// An encoder error (bad alphabet or length).
    #[error(transparent)]
    Encode(#[from] nh_encode::Error),
    /// A saved model that cannot be read or is not valid.
    #[error(transparent)]
    Model(#[from] nh_hash::Error),
    /// An action below zero, which no bin has.
    #[error(
        "action {action} is out of range: the table has {bins} bins, valid actions are 0..{bins}"
    )]
    NegativeAction {
        /// The rejected action.
        action: i64,
        /// Number of bins.
        bins: usize,
    },
    /// A keyword argument whose value is not one of the accepted names or forms.
    #[error("`{key}` = {value}: {expected}")]
    Argument {
        /// The keyword argument at fault.
        key: &'static str,
        /// The rejected value, as Python's `repr` shows it (or formatted).
        value: String,
        /// What the argument accepts.
        expected: String,
    },
    /// A seed that is not a non-negative integer below 2^64.
    #[error("seed {seed} is out of range: seeds are integers in 0..2**64")]
    Seed {
        /// The rejected seed, formatted.
        seed: String,
    },
}

/// `Result` with this crate's [`Error`].
pub type Result<T, E = Error> = std::result::Result<T, E>;

impl From<Error> for PyErr {
    /// `OSError` for a file that cannot be read, `RuntimeError` for calls in the wrong state
    /// (`step` before `reset` or after termination), `TypeError` for an encoder of the wrong
    /// kind, `ValueError` for every other bad value; the message is the Rust error's.
    fn from(error: Error) -> Self {
        let message = error.to_string();
        match error {
            Error::Corpus(nh_corpus::Error::Io { .. })
            | Error::Model(nh_hash::Error::Io { .. }) => PyOSError::new_err(message),
            Error::Env(
                nh_env::Error::NotReset
                | nh_env::Error::EpisodeOver { .. }
                | nh_env::Error::EpisodeStarted { .. }
                | nh_env::Error::NeedsWordOnly,
            ) => PyRuntimeError::new_err(message),
            Error::Argument { key: "encoder", .. } => PyTypeError::new_err(message),
            _ => PyValueError::new_err(message),
        }
    }
}
