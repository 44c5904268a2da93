//! The crate's single error type and its `Result` alias.

/// Invalid encoder or alphabet settings. Encoding itself never fails: unknown characters go to
/// the alphabet's "other" slot.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum Error {
    /// `max_len` must be at least 1.
    #[error("max_len must be at least 1 (got 0)")]
    ZeroMaxLen,
    /// An alphabet lists a character twice.
    #[error("alphabet lists {ch:?} twice (again at position {position})")]
    DuplicateChar {
        /// The repeated character.
        ch: char,
        /// 0-based position of the repetition in the given list.
        position: usize,
    },
    /// `max_len x alphabet size` does not fit the index type.
    #[error("max_len {max_len} x alphabet size {alphabet_size} is too large to encode")]
    TooLarge {
        /// The requested number of positions.
        max_len: usize,
        /// The alphabet size, "other" slot included.
        alphabet_size: usize,
    },
}

/// `Result` with this crate's [`Error`].
pub type Result<T, E = Error> = std::result::Result<T, E>;
