//! nh-corpus: the word lists that neural-hash puts into hash tables.
//!
//! A [`Corpus`] is an ordered list of distinct words plus its [`Provenance`] (source, SHA-256 of
//! the exact bytes read, line / empty-line / duplicate counts). It comes from a file
//! ([`Corpus::from_path`], `--corpus PATH`, the `NH_CORPUS` variable), from bytes
//! ([`Corpus::from_text`]) or from the embedded English list that works offline
//! ([`Corpus::embedded`]). Selection is seeded: [`Corpus::sample`] and [`Corpus::split`].
//!
//! ```
//! use nh_corpus::{Corpus, SplitSpec};
//!
//! let corpus = Corpus::from_text("pets", b"cat\r\ndog\n\nemu\ncat\n")?;
//! assert_eq!(corpus.words(), ["cat", "dog", "emu"]);
//! assert_eq!(corpus.provenance().empty_lines_skipped, 1);
//! assert_eq!(corpus.provenance().duplicates_removed, 1);
//!
//! let picked = corpus.sample(2, 7)?;
//! assert_eq!(picked, corpus.sample(2, 7)?); // same seed, same words, on every machine
//! let split = corpus.split(SplitSpec::Fraction(0.5), 7)?;
//! assert_eq!(split.train.len() + split.held_out.len(), corpus.len());
//! # Ok::<(), nh_corpus::Error>(())
//! ```
//!
//! Design choices:
//! - **Reading rules.** Lines end in LF or CRLF; a final terminator is optional; one leading
//!   UTF-8 byte-order mark is ignored. Invalid UTF-8 is an error naming the line (never decoded
//!   lossily). Empty lines are skipped and counted. Every other line must be a word
//!   ([`word_problem`]): at most [`MAX_WORD_BYTES`] bytes, no leading or trailing whitespace, no
//!   control character (NUL, tab, ...) or byte-order mark; otherwise loading fails naming the
//!   line: keys are taken verbatim, never trimmed or cleaned behind the user's back. Inner spaces
//!   are kept. Repeated words are removed and counted (first occurrence kept), because a hash
//!   table's keys must be distinct for collision counts to mean anything. [`read_word_list`]
//!   reads lists of words to look up by the same rules, keeping repeats.
//! - **Reproducible selection.** A seeded ChaCha8 stream drives a Fisher-Yates shuffle written
//!   out in this crate (with Lemire's unbiased bounded draw), so a seed picks the same words on
//!   every platform; hash-map iteration order never influences a result.
//! - **Provenance first.** The SHA-256 identifies the exact list; [`Corpus::is_paper_corpus`]
//!   compares it with [`PAPER_SHA256`], and `Display` on [`Provenance`] prints the full summary.
//! - **Embedded default.** The `random_word` crate's English list (178,187 lower-case words, MIT
//!   licensed crate) goes through the same parser as a file. It is not the paper's list; see
//!   docs/CORPUS.md for how to use that one.

mod checksum;
mod corpus;
mod embedded;
mod error;
mod parse;
mod provenance;
mod selection;
mod word;

pub use checksum::{
    DATA_MANIFEST, PAPER_FILE_NAME, PAPER_SHA256, file_sha256_hex, sha256_hex, verify_sha256,
};
pub use corpus::{CORPUS_ENV_VAR, Corpus};
pub use error::{Error, Result};
pub use provenance::{Origin, Provenance};
pub use selection::{Split, SplitSpec};
pub use word::{MAX_WORD_BYTES, WordProblem, read_word_list, word_problem};
