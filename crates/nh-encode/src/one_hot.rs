//! `OneHotEncoder`: a word -> a flat `max_len x alphabet` one-hot grid (the paper's MLP input).

use ndarray::Array2;
use nh_env::ObservationEncoder;

use crate::layout::Layout;
use crate::{Alphabet, IndexEncoder, Result};

/// Encodes a word as `max_len` blocks of `alphabet.size()` values: block `p` holds a single 1.0
/// at the index of the character placed at position `p` (see the crate docs for the overflow
/// rule), or all zeros when the word has no character there.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct OneHotEncoder {
    alphabet: Alphabet,
    layout: Layout,
    dim: usize,
}

impl OneHotEncoder {
    /// An encoder over `alphabet` with `max_len` positions ([`crate::DEFAULT_MAX_LEN`] is 24).
    ///
    /// Errors when `max_len` is 0 or the dimension does not fit an `i64`.
    pub fn new(alphabet: Alphabet, max_len: usize) -> Result<Self> {
        let layout = Layout::new(max_len)?;
        let dim = layout.dim(alphabet.size())?;
        Ok(Self {
            alphabet,
            layout,
            dim,
        })
    }

    /// The alphabet.
    pub fn alphabet(&self) -> &Alphabet {
        &self.alphabet
    }

    /// Number of character positions.
    pub fn max_len(&self) -> usize {
        self.layout.max_len()
    }

    /// Positions that hold the end of a word longer than `max_len` (`max_len / 3`).
    pub fn tail_len(&self) -> usize {
        self.layout.tail_len()
    }

    /// Length of one encoding: `max_len * alphabet.size()`.
    pub fn dim(&self) -> usize {
        self.dim
    }

    /// The compact form of this encoding (same alphabet, same positions).
    pub fn index_encoder(&self) -> IndexEncoder {
        IndexEncoder::from_parts(self.alphabet.clone(), self.layout, self.dim)
    }

    /// Writes the encoding of `word` into `out`, overwriting every value; allocates nothing.
    ///
    /// # Panics
    /// If `out.len() != self.dim()` (a caller bug, not bad input).
    pub fn encode_into(&self, word: &str, out: &mut [f32]) {
        assert_eq!(out.len(), self.dim, "one-hot buffer must hold dim() values");
        out.fill(0.0);
        self.set_ones(word, out);
    }

    /// Encodes `words` into a new `words.len() x dim()` matrix, one row per word.
    pub fn encode_batch(&self, words: &[impl AsRef<str>]) -> Array2<f32> {
        let mut batch = Array2::zeros((words.len(), self.dim));
        let flat = batch.as_slice_mut().expect("a new Array2 is contiguous");
        for (word, row) in words.iter().zip(flat.chunks_exact_mut(self.dim)) {
            self.set_ones(word.as_ref(), row);
        }
        batch
    }

    /// Encodes `words` into `out`, row-major (`words.len() x dim()`), overwriting every value.
    ///
    /// # Panics
    /// If `out.len() != words.len() * self.dim()`.
    pub fn encode_batch_into(&self, words: &[impl AsRef<str>], out: &mut [f32]) {
        assert_eq!(
            out.len(),
            words.len() * self.dim,
            "batch buffer must hold words x dim values"
        );
        out.fill(0.0);
        for (word, row) in words.iter().zip(out.chunks_exact_mut(self.dim)) {
            self.set_ones(word.as_ref(), row);
        }
    }

    /// Sets the ones of `word` in a zeroed row.
    #[inline]
    fn set_ones(&self, word: &str, row: &mut [f32]) {
        let size = self.alphabet.size();
        self.layout.for_each(word, |position, ch| {
            row[position * size + self.alphabet.index(ch)] = 1.0;
        });
    }
}

impl ObservationEncoder for OneHotEncoder {
    fn dim(&self) -> usize {
        self.dim
    }

    fn encode(&self, word: &str, out: &mut [f32]) {
        self.encode_into(word, out);
    }
}

#[cfg(test)]
mod tests {
    use nh_env::{EnvConfig, HashTableEnv, testing::check_env};
    use proptest::prelude::*;

    use super::*;

    fn lowercase(max_len: usize) -> OneHotEncoder {
        OneHotEncoder::new(Alphabet::lowercase(), max_len).expect("valid")
    }

    /// Positions of the ones, as (position, char index) pairs.
    fn ones(encoder: &OneHotEncoder, encoding: &[f32]) -> Vec<(usize, usize)> {
        let size = encoder.alphabet().size();
        encoding
            .iter()
            .enumerate()
            .filter(|&(_, &v)| v != 0.0)
            .map(|(i, &v)| {
                assert_eq!(v, 1.0);
                (i / size, i % size)
            })
            .collect()
    }

    fn encode(encoder: &OneHotEncoder, word: &str) -> Vec<f32> {
        let mut out = vec![f32::NAN; encoder.dim()];
        encoder.encode_into(word, &mut out);
        out
    }

    #[test]
    fn a_short_word_sets_one_value_per_character() {
        let encoder = lowercase(3);
        assert_eq!(encoder.dim(), 81);
        let out = encode(&encoder, "ba");
        assert_eq!(ones(&encoder, &out), [(0, 1), (1, 0)]);
        assert_eq!(out.iter().sum::<f32>(), 2.0);
        assert_eq!(ones(&encoder, &encode(&encoder, "")), []);
    }

    #[test]
    fn unknown_characters_use_the_other_slot() {
        let encoder = lowercase(4);
        assert_eq!(
            ones(&encoder, &encode(&encoder, "A-é")),
            [(0, 26), (1, 26), (2, 26)]
        );
    }

    #[test]
    fn a_long_word_keeps_its_head_and_tail() {
        let encoder = lowercase(6);
        assert_eq!(encoder.tail_len(), 2);
        let expected = [(0, 0), (1, 1), (2, 2), (3, 3), (4, 6), (5, 7)];
        assert_eq!(ones(&encoder, &encode(&encoder, "abcdefgh")), expected);
    }

    #[test]
    fn reusing_a_buffer_clears_the_previous_word() {
        let encoder = lowercase(5);
        let mut out = vec![0.0; encoder.dim()];
        encoder.encode_into("zzzzz", &mut out);
        encoder.encode_into("a", &mut out);
        assert_eq!(ones(&encoder, &out), [(0, 0)]);
    }

    #[test]
    #[should_panic(expected = "one-hot buffer must hold dim() values")]
    fn a_wrong_buffer_length_is_a_documented_panic() {
        lowercase(2).encode_into("a", &mut [0.0; 53]);
    }

    #[test]
    fn batches_equal_row_by_row_encoding() {
        let encoder = lowercase(4);
        let words = ["cab", "", "abcdefg", "Zed"];
        let batch = encoder.encode_batch(&words);
        assert_eq!(batch.dim(), (4, encoder.dim()));
        let mut flat = vec![7.0; 4 * encoder.dim()];
        encoder.encode_batch_into(&words, &mut flat);
        for (i, word) in words.iter().enumerate() {
            let single = encode(&encoder, word);
            assert_eq!(batch.row(i).to_vec(), single, "{word}");
            assert_eq!(
                &flat[i * encoder.dim()..(i + 1) * encoder.dim()],
                single,
                "{word}"
            );
        }
    }

    #[test]
    fn works_as_the_environment_encoder() {
        let words: Vec<String> = (0..60).map(|i| format!("word{i}")).collect();
        let encoder = OneHotEncoder::new(Alphabet::from_words(&words), 8).expect("valid");
        let mut env = HashTableEnv::new(EnvConfig::new(16, 20), words, encoder).expect("valid env");
        check_env(&mut env, 3);
    }

    proptest! {
        #[test]
        fn distinct_words_within_max_len_get_distinct_encodings(
            a in "[a-d]{0,6}", b in "[a-d]{0,6}"
        ) {
            let encoder = lowercase(6);
            prop_assert_eq!(a == b, encode(&encoder, &a) == encode(&encoder, &b));
        }
    }
}
