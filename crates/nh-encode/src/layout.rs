//! Which character of a word lands in which of the `max_len` positions (the overflow rule).

use crate::{Error, Result};

/// Positions of a fixed-length encoding and the rule for words longer than `max_len`.
///
/// A word of at most `max_len` characters fills positions `0..len` in order. A longer word keeps
/// its first `head_len = max_len - tail_len` characters at positions `0..head_len` and its last
/// `tail_len = max_len / 3` characters at the remaining positions: the end of the word is folded
/// into the tail, and only middle characters are dropped. Suffixes (`-ism`, `-ically`) tell long
/// inflections apart, so this keeps more long words distinct than cutting the end off.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) struct Layout {
    max_len: usize,
    tail_len: usize,
}

impl Layout {
    pub(crate) fn new(max_len: usize) -> Result<Self> {
        if max_len == 0 {
            return Err(Error::ZeroMaxLen);
        }
        Ok(Self {
            max_len,
            tail_len: max_len / 3,
        })
    }

    /// `max_len x alphabet_size`, checked so that it and one more (the index form's padding id)
    /// fit an `i64`.
    pub(crate) fn dim(self, alphabet_size: usize) -> Result<usize> {
        self.max_len
            .checked_mul(alphabet_size)
            .filter(|&dim| i64::try_from(dim).is_ok_and(|d| d < i64::MAX))
            .ok_or(Error::TooLarge {
                max_len: self.max_len,
                alphabet_size,
            })
    }

    pub(crate) fn max_len(self) -> usize {
        self.max_len
    }

    pub(crate) fn tail_len(self) -> usize {
        self.tail_len
    }

    /// Calls `place(position, char)` for each character that the encoding keeps, in order.
    #[inline]
    pub(crate) fn for_each(self, word: &str, mut place: impl FnMut(usize, char)) {
        let len = if word.is_ascii() {
            word.len()
        } else {
            word.chars().count()
        };
        if len <= self.max_len {
            word.chars()
                .enumerate()
                .for_each(|(position, ch)| place(position, ch));
            return;
        }
        let head_len = self.max_len - self.tail_len;
        let tail_start = len - self.tail_len;
        for (k, ch) in word.chars().enumerate() {
            if k < head_len {
                place(k, ch);
            } else if k >= tail_start {
                place(head_len + (k - tail_start), ch);
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn kept(max_len: usize, word: &str) -> Vec<(usize, char)> {
        let mut out = Vec::new();
        Layout::new(max_len)
            .expect("valid")
            .for_each(word, |p, c| out.push((p, c)));
        out
    }

    #[test]
    fn short_words_fill_positions_in_order() {
        assert_eq!(kept(4, "abc"), [(0, 'a'), (1, 'b'), (2, 'c')]);
        assert_eq!(kept(3, "abc"), [(0, 'a'), (1, 'b'), (2, 'c')]);
        assert_eq!(kept(4, ""), []);
        assert_eq!(kept(2, "né"), [(0, 'n'), (1, 'é')]);
    }

    #[test]
    fn long_words_keep_head_and_tail() {
        // max_len 6: tail 2, head 4.
        let expected = [(0, 'a'), (1, 'b'), (2, 'c'), (3, 'd'), (4, 'g'), (5, 'h')];
        assert_eq!(kept(6, "abcdefgh"), expected);
        assert_eq!(
            kept(6, "abcdefg"),
            [(0, 'a'), (1, 'b'), (2, 'c'), (3, 'd'), (4, 'f'), (5, 'g')]
        );
        // Non-ASCII characters count as one character each.
        assert_eq!(kept(3, "ééxyz"), [(0, 'é'), (1, 'é'), (2, 'z')]);
        // max_len 1 or 2: no tail, plain truncation.
        assert_eq!(kept(1, "xyz"), [(0, 'x')]);
        assert_eq!(kept(2, "xyz"), [(0, 'x'), (1, 'y')]);
    }

    #[test]
    fn default_max_len_splits_into_sixteen_and_eight() {
        let layout = Layout::new(24).expect("valid");
        assert_eq!((layout.max_len(), layout.tail_len()), (24, 8));
        let word = "antidisestablishmentarianism";
        let mut kept_chars = String::new();
        layout.for_each(word, |_, c| kept_chars.push(c));
        assert_eq!(kept_chars, "antidisestablisharianism");
    }

    #[test]
    fn zero_positions_is_an_error() {
        assert_eq!(Layout::new(0), Err(Error::ZeroMaxLen));
    }

    #[test]
    fn dimension_is_checked() {
        assert_eq!(Layout::new(24).expect("valid").dim(70), Ok(1680));
        let huge = Layout::new(usize::MAX / 2).expect("valid");
        assert_eq!(
            huge.dim(3),
            Err(Error::TooLarge {
                max_len: usize::MAX / 2,
                alphabet_size: 3
            })
        );
    }
}
