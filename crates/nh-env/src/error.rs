//! The crate's `Error` enum and `Result` alias.

/// Everything that can go wrong when building or driving an environment.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[non_exhaustive]
pub enum Error {
    /// A configuration value is out of its valid range.
    #[error("invalid env config: `{key}` = {value}: {reason}")]
    InvalidConfig {
        /// The config key at fault, as spelled in a config file.
        key: &'static str,
        /// The rejected value, formatted.
        value: String,
        /// Why the value is rejected.
        reason: &'static str,
    },
    /// The schedule draws more distinct words per episode than the word list holds.
    #[error(
        "the `{schedule}` schedule draws `words_per_episode` = {needed} distinct words per episode \
         but the word list has only {available}"
    )]
    NotEnoughWords {
        /// The schedule's config name.
        schedule: &'static str,
        /// Words needed per episode.
        needed: usize,
        /// Words in the list.
        available: usize,
    },
    /// The `fixed` schedule needs a list of exactly `words_per_episode` words.
    #[error(
        "the `fixed` schedule places the whole list every episode, so the list must hold exactly \
         `words_per_episode` = {expected} words, but it has {actual}"
    )]
    FixedListLength {
        /// `words_per_episode`.
        expected: usize,
        /// Length of the given list.
        actual: usize,
    },
    /// The `batches` schedule needs a list of whole batches of `words_per_episode` words.
    #[error(
        "the `batches` schedule cuts the list into batches of `words_per_episode` = {batch} words, \
         so its length must be a positive multiple of {batch}, but it has {actual} words"
    )]
    BatchesListLength {
        /// `words_per_episode`.
        batch: usize,
        /// Length of the given list.
        actual: usize,
    },
    /// The word list holds the same word twice; collisions are meaningless with duplicate keys.
    #[error(
        "the word list holds {word:?} twice (positions {first} and {second}); hash-table keys must \
         be distinct for collisions to mean anything"
    )]
    DuplicateWord {
        /// The repeated word.
        word: String,
        /// Position of its first occurrence.
        first: usize,
        /// Position of its second occurrence.
        second: usize,
    },
    /// An action names a bin that does not exist.
    #[error(
        "action {action} is out of range: the table has {bins} bins, valid actions are 0..{bins}"
    )]
    ActionOutOfRange {
        /// The rejected action.
        action: usize,
        /// Number of bins (`bins`).
        bins: usize,
    },
    /// `step` or `play_episode` was called before the first `reset`.
    #[error("the environment was never reset: call reset before step")]
    NotReset,
    /// `step` was called after the episode's last word was placed.
    #[error("the episode is over ({placed} words placed): call reset before step")]
    EpisodeOver {
        /// Words placed in the finished episode.
        placed: usize,
    },
    /// `play_episode` was called on an episode that already took steps.
    #[error(
        "play_episode needs a fresh episode, but {placed} words were already placed since reset"
    )]
    EpisodeStarted {
        /// Words placed since the last reset.
        placed: usize,
    },
    /// `play_episode` was called in an observation mode that shows the table.
    #[error(
        "play_episode needs `observation` = \"word_only\": with the table in the observation, \
         actions cannot be chosen before the episode is played"
    )]
    NeedsWordOnly,
    /// A caller-provided buffer has the wrong length.
    #[error("`{buffer}` has length {actual}, expected {expected}")]
    BufferLength {
        /// The argument at fault.
        buffer: &'static str,
        /// Length required.
        expected: usize,
        /// Length given.
        actual: usize,
    },
}

/// `Result` with this crate's [`Error`].
pub type Result<T, E = Error> = std::result::Result<T, E>;
