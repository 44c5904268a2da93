//! `IndexEncoder`: a word -> `max_len` position-aware ids, the compact twin of the one-hot grid.

use nh_env::ObservationEncoder;

use crate::layout::Layout;
use crate::{Alphabet, Result};

/// Encodes a word as exactly `max_len` ids: position `p` holding character index `c` gets
/// `p * alphabet.size() + c` (the index of the 1.0 in the one-hot grid), and an empty position
/// gets [`pad_id`](Self::pad_id) `= max_len * alphabet.size()`.
///
/// An embedding-bag (sum) over a `vocab_size() x H` table whose pad row is zero therefore equals
/// the one-hot vector times the first `dim x H` rows: the same first layer, without the product
/// with a mostly-zero vector.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct IndexEncoder {
    alphabet: Alphabet,
    layout: Layout,
    pad_id: usize,
}

impl IndexEncoder {
    /// An encoder over `alphabet` with `max_len` positions, matching
    /// `OneHotEncoder::new(alphabet, max_len)`. Errors as that does.
    pub fn new(alphabet: Alphabet, max_len: usize) -> Result<Self> {
        let layout = Layout::new(max_len)?;
        let dim = layout.dim(alphabet.size())?;
        Ok(Self::from_parts(alphabet, layout, dim))
    }

    pub(crate) fn from_parts(alphabet: Alphabet, layout: Layout, dim: usize) -> Self {
        Self {
            alphabet,
            layout,
            pad_id: dim,
        }
    }

    /// The alphabet.
    pub fn alphabet(&self) -> &Alphabet {
        &self.alphabet
    }

    /// Ids per word: `max_len`.
    pub fn ids_len(&self) -> usize {
        self.layout.max_len()
    }

    /// Length of the matching one-hot vector: `max_len * alphabet.size()`.
    pub fn one_hot_dim(&self) -> usize {
        self.pad_id
    }

    /// Number of distinct ids: the one-hot dimension plus the padding id.
    pub fn vocab_size(&self) -> usize {
        self.pad_id + 1
    }

    /// The id of an empty position (the last id).
    pub fn pad_id(&self) -> i64 {
        self.pad_id as i64
    }

    /// Writes the `max_len` ids of `word` into `out`; allocates nothing.
    ///
    /// # Panics
    /// If `out.len() != self.ids_len()` (a caller bug, not bad input).
    pub fn ids_into(&self, word: &str, out: &mut [i64]) {
        assert_eq!(
            out.len(),
            self.ids_len(),
            "id buffer must hold ids_len() values"
        );
        out.fill(self.pad_id());
        let size = self.alphabet.size();
        self.layout.for_each(word, |position, ch| {
            out[position] = (position * size + self.alphabet.index(ch)) as i64;
        });
    }

    /// The ids of `words`, row-major: `words.len() x ids_len()`.
    pub fn ids_batch(&self, words: &[impl AsRef<str>]) -> Vec<i64> {
        let mut out = vec![0; words.len() * self.ids_len()];
        self.ids_batch_into(words, &mut out);
        out
    }

    /// Writes the ids of `words` into `out`, row-major.
    ///
    /// # Panics
    /// If `out.len() != words.len() * self.ids_len()`.
    pub fn ids_batch_into(&self, words: &[impl AsRef<str>], out: &mut [i64]) {
        let width = self.ids_len();
        assert_eq!(
            out.len(),
            words.len() * width,
            "id batch must hold words x ids_len() values"
        );
        for (word, row) in words.iter().zip(out.chunks_exact_mut(width)) {
            self.ids_into(word.as_ref(), row);
        }
    }
}

/// The index form as an environment observation: the `max_len` ids as `f32` values (exact while
/// [`vocab_size`](IndexEncoder::vocab_size) is at most 2^24, i.e. for any alphabet of fewer than
/// 16 million characters at the default length), for agents whose first layer is an embedding bag
/// (and for the Python binding's `encoder="index"`).
impl ObservationEncoder for IndexEncoder {
    fn dim(&self) -> usize {
        self.ids_len()
    }

    fn encode(&self, word: &str, out: &mut [f32]) {
        // Ids are below 2^24 for every realistic alphabet (see above), so the casts are exact.
        #[allow(clippy::cast_precision_loss)]
        let (pad, size) = (self.pad_id as f32, self.alphabet.size());
        out.fill(pad);
        self.layout.for_each(word, |position, ch| {
            #[allow(clippy::cast_precision_loss)]
            let id = (position * size + self.alphabet.index(ch)) as f32;
            out[position] = id;
        });
    }
}

#[cfg(test)]
mod tests {
    use proptest::prelude::*;

    use super::*;
    use crate::OneHotEncoder;

    #[test]
    fn ids_are_position_aware_and_padded() {
        let encoder = IndexEncoder::new(Alphabet::lowercase(), 3).expect("valid");
        assert_eq!(
            (encoder.ids_len(), encoder.vocab_size(), encoder.pad_id()),
            (3, 82, 81)
        );
        let mut out = [0; 3];
        encoder.ids_into("ba", &mut out);
        assert_eq!(out, [1, 27, 81]);
        encoder.ids_into("aZzq", &mut out);
        assert_eq!(out, [0, 27 + 26, 54 + 16]);
        encoder.ids_into("", &mut out);
        assert_eq!(out, [81; 3]);
    }

    #[test]
    fn as_an_observation_encoder_it_writes_the_ids_as_floats() {
        let encoder = IndexEncoder::new(Alphabet::lowercase(), 3).expect("valid");
        assert_eq!(ObservationEncoder::dim(&encoder), 3);
        let mut out = [0.0; 3];
        encoder.encode("ba", &mut out);
        assert_eq!(out, [1.0, 27.0, 81.0]);
        let mut ids = [0; 3];
        for word in ["", "abc", "zzzz", "\u{e9}t\u{e9}"] {
            encoder.encode(word, &mut out);
            encoder.ids_into(word, &mut ids);
            assert_eq!(out, ids.map(|id| id as f32), "{word:?}");
        }
    }

    #[test]
    fn an_environment_observes_words_by_their_ids() {
        use nh_env::{EnvConfig, HashTableEnv, WordSchedule, testing::check_env};

        let words = ["ab", "ba", "abc"].map(String::from).to_vec();
        let encoder = IndexEncoder::new(Alphabet::lowercase(), 4).expect("valid");
        let config = EnvConfig::new(3, 3).with_schedule(WordSchedule::Fixed);
        let mut env = HashTableEnv::new(config, words, encoder).expect("valid env");
        check_env(&mut env, 5);
        let mut obs = [0.0; 4];
        env.reset(Some(0), &mut obs);
        assert_eq!(obs, [0.0, 28.0, 108.0, 108.0]);
    }

    #[test]
    fn batches_are_row_major() {
        let encoder = IndexEncoder::new(Alphabet::lowercase(), 2).expect("valid");
        assert_eq!(encoder.ids_batch(&["ab", "c", ""]), [0, 28, 2, 54, 54, 54]);
    }

    #[test]
    #[should_panic(expected = "id buffer must hold ids_len() values")]
    fn a_wrong_buffer_length_is_a_documented_panic() {
        IndexEncoder::new(Alphabet::lowercase(), 2)
            .expect("valid")
            .ids_into("a", &mut [0; 3]);
    }

    #[test]
    fn matches_the_one_hot_encoder_it_came_from() {
        let one_hot = OneHotEncoder::new(Alphabet::lowercase(), 5).expect("valid");
        let direct = IndexEncoder::new(Alphabet::lowercase(), 5).expect("valid");
        assert_eq!(one_hot.index_encoder(), direct);
        assert_eq!(direct.one_hot_dim(), one_hot.dim());
    }

    /// Deterministic small-integer weights, exact in f32 whatever the summation order.
    fn weights(rows: usize, hidden: usize, pad_row: usize) -> Vec<f32> {
        (0..rows * hidden)
            .map(|i| {
                if i / hidden == pad_row {
                    0.0
                } else {
                    ((i * 7919) % 23) as f32 - 11.0
                }
            })
            .collect()
    }

    proptest! {
        #[test]
        fn embedding_bag_equals_the_dense_first_layer(
            word in "[a-e\\-A-Z\u{e9}]{0,12}", max_len in 1_usize..9
        ) {
            let hidden = 5;
            let one_hot = OneHotEncoder::new(Alphabet::from_chars("abcde-".chars()).expect("distinct"), max_len)
                .expect("valid");
            let index = one_hot.index_encoder();
            let table = weights(index.vocab_size(), hidden, index.one_hot_dim());

            let mut x = vec![0.0; one_hot.dim()];
            one_hot.encode_into(&word, &mut x);
            let mut dense = vec![0.0_f32; hidden];
            for (i, &xi) in x.iter().enumerate() {
                for h in 0..hidden {
                    dense[h] += xi * table[i * hidden + h];
                }
            }

            let mut ids = vec![0; index.ids_len()];
            index.ids_into(&word, &mut ids);
            let mut bag = vec![0.0_f32; hidden];
            for &id in &ids {
                prop_assert!(id >= 0 && (id as usize) < index.vocab_size());
                for h in 0..hidden {
                    bag[h] += table[id as usize * hidden + h];
                }
            }
            prop_assert_eq!(dense, bag);
        }
    }
}
