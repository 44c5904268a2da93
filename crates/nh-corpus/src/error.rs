//! The crate's single error type and its `Result` alias.

use std::path::PathBuf;

/// Everything that can go wrong while loading, checking or selecting from a corpus.
#[derive(Debug, thiserror::Error)]
pub enum Error {
    /// A file could not be opened or read.
    #[error("cannot read {}: {source}", path.display())]
    Io {
        /// The file at fault.
        path: PathBuf,
        /// The operating system's reason.
        source: std::io::Error,
    },
    /// The bytes are not UTF-8; nothing is decoded lossily.
    #[error("{source_name}: line {line} is not valid UTF-8 (byte {column} of the line)")]
    InvalidUtf8 {
        /// The corpus being read (a path or a name).
        source_name: String,
        /// 1-based line number of the first invalid byte.
        line: usize,
        /// 1-based byte position of that byte within its line.
        column: usize,
    },
    /// A line is not a word by [`crate::word_problem`] (leading or trailing whitespace, an
    /// unprintable character, too long): rejected, never trimmed or cleaned.
    #[error("{source_name}: line {line} ({word:?}) {problem}")]
    InvalidWord {
        /// The corpus being read.
        source_name: String,
        /// 1-based line number.
        line: usize,
        /// The offending line without its terminator (its first 80 characters and `...` if longer).
        word: String,
        /// Which rule it breaks.
        problem: crate::WordProblem,
    },
    /// No words remain after skipping empty lines (a corpus or a word list).
    #[error("{source_name}: no words ({lines_read} lines read, none holds a word)")]
    Empty {
        /// The corpus being read.
        source_name: String,
        /// How many lines were read.
        lines_read: usize,
    },
    /// More words were requested than the corpus holds.
    #[error("cannot take {requested} distinct words from a corpus of {available}")]
    NotEnoughWords {
        /// Words asked for.
        requested: usize,
        /// Words in the corpus.
        available: usize,
    },
    /// A train fraction outside `0.0..=1.0` (or not a number).
    #[error("train fraction {fraction} is not within 0.0..=1.0")]
    InvalidFraction {
        /// The fraction given.
        fraction: f64,
    },
    /// An expected SHA-256 that is not 64 hexadecimal digits.
    #[error("expected SHA-256 {value:?} is not 64 hexadecimal digits")]
    InvalidSha256 {
        /// The text given.
        value: String,
    },
    /// A file's SHA-256 differs from the expected one.
    #[error("{}: SHA-256 is {actual}, expected {expected}", path.display())]
    Sha256Mismatch {
        /// The file checked.
        path: PathBuf,
        /// The digest asked for (lower-case hex).
        expected: String,
        /// The digest of the file's bytes (lower-case hex).
        actual: String,
    },
}

/// `Result` with this crate's [`Error`].
pub type Result<T, E = Error> = std::result::Result<T, E>;
