//! nh-encode: a word -> the input of the hashing network.
//!
//! The paper feeds "the characters of the word" to an MLP. [`OneHotEncoder`] produces that input:
//! `max_len` positions, each a one-hot block over an [`Alphabet`]. [`IndexEncoder`] produces the
//! same information as `max_len` position-aware ids, so that the first layer can be an
//! embedding-bag lookup instead of a dense product with a mostly-zero vector. Both give the same
//! first-layer result for the same weights.
//!
//! ```
//! use nh_corpus::Corpus;
//! use nh_encode::{Alphabet, DEFAULT_MAX_LEN, OneHotEncoder};
//!
//! let corpus = Corpus::from_text("demo", b"hash\ntable\nbin\n")?;
//! let encoder = OneHotEncoder::new(Alphabet::from_corpus(&corpus), DEFAULT_MAX_LEN)?;
//! assert_eq!(encoder.alphabet().size(), 10); // a b e h i l n s t, plus "other"
//! let batch = encoder.encode_batch(corpus.words());
//! assert_eq!(batch.dim(), (3, DEFAULT_MAX_LEN * 10));
//! assert_eq!(batch.row(0).sum(), 4.0); // one 1.0 per character of "hash"
//!
//! let ids = encoder.index_encoder().ids_batch(corpus.words());
//! assert_eq!(ids.len(), 3 * DEFAULT_MAX_LEN);
//! # Ok::<(), Box<dyn std::error::Error>>(())
//! ```
//!
//! Design choices:
//! - **Alphabet.** Built from a corpus (its sorted distinct characters, so nothing in it is
//!   lost; 69 + 1 for the paper's list, 26 + 1 for the embedded one) or fixed ([`Alphabet::lowercase`]).
//!   Every character outside it maps to one shared "other" slot; encoding never panics on input.
//! - **Length.** [`DEFAULT_MAX_LEN`] is 24: all but 18 of the paper's 466,550 words fit (the
//!   longest has 45 characters). A longer word keeps its first `max_len - max_len / 3` and its
//!   last `max_len / 3` characters (16 + 8 at the default); only the middle is dropped, so
//!   inflections such as `...arian` / `...arianism` stay apart. At the default, no two words of
//!   either corpus share an encoding (tested; see docs/CORPUS.md).
//! - **No per-word allocation.** Single words go into a caller's slice; batches into one
//!   `ndarray::Array2` or a caller's flat buffer.

mod alphabet;
mod error;
mod index;
mod layout;
mod one_hot;

pub use alphabet::Alphabet;
pub use error::{Error, Result};
pub use index::IndexEncoder;
pub use one_hot::OneHotEncoder;

/// Default number of character positions (covers 466,532 of the paper's 466,550 words).
pub const DEFAULT_MAX_LEN: usize = 24;
