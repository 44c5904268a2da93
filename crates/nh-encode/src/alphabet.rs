//! `Alphabet`: the characters an encoder distinguishes, plus one "other" slot for the rest.

use std::collections::BTreeSet;

use nh_corpus::Corpus;
use serde::{Deserialize, Serialize};

use crate::{Error, Result};

/// An ordered list of distinct characters; character `chars()[i]` has index `i`, and every
/// character not in the list has the "other" index `chars().len()`. So [`size`](Self::size) is
/// `chars().len() + 1` and [`index`](Self::index) never fails.
///
/// Serialized as a string holding its characters in order (e.g. `"abc"`); deserializing rejects
/// a repeated character, so a saved alphabet always restores the same indices.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(try_from = "String", into = "String")]
pub struct Alphabet {
    chars: Vec<char>,
    /// Index of each ASCII character (`other` when absent): the fast path for typical words.
    ascii: [u32; 128],
    /// Non-ASCII members and their indices, sorted by character for binary search.
    non_ascii: Vec<(char, u32)>,
}

impl Alphabet {
    /// The distinct characters of `words`, sorted by code point.
    pub fn from_words<I, S>(words: I) -> Self
    where
        I: IntoIterator<Item = S>,
        S: AsRef<str>,
    {
        let mut ascii_seen = [false; 128];
        let mut others = BTreeSet::new();
        for word in words {
            for ch in word.as_ref().chars() {
                match ascii_slot(ch) {
                    Some(slot) => ascii_seen[slot] = true,
                    None => {
                        others.insert(ch);
                    }
                }
            }
        }
        let ascii = (0_u8..128)
            .filter(|&b| ascii_seen[usize::from(b)])
            .map(char::from);
        Self::from_distinct(ascii.chain(others).collect())
    }

    /// The distinct characters of a corpus (sorted): every word of it encodes without "other".
    pub fn from_corpus(corpus: &Corpus) -> Self {
        Self::from_words(corpus.words())
    }

    /// Lower-case `a..=z`; anything else (capitals, digits, punctuation) is "other".
    pub fn lowercase() -> Self {
        Self::from_distinct(('a'..='z').collect())
    }

    /// The given characters, in the given order. Errors on a repeated character.
    pub fn from_chars<I: IntoIterator<Item = char>>(chars: I) -> Result<Self> {
        let mut seen = BTreeSet::new();
        let mut list = Vec::new();
        for (position, ch) in chars.into_iter().enumerate() {
            if !seen.insert(ch) {
                return Err(Error::DuplicateChar { ch, position });
            }
            list.push(ch);
        }
        Ok(Self::from_distinct(list))
    }

    fn from_distinct(chars: Vec<char>) -> Self {
        let other = u32::try_from(chars.len()).expect("there are fewer than 2^21 chars");
        let mut ascii = [other; 128];
        let mut non_ascii = Vec::new();
        for (index, &ch) in (0_u32..).zip(&chars) {
            match ascii_slot(ch) {
                Some(slot) => ascii[slot] = index,
                None => non_ascii.push((ch, index)),
            }
        }
        non_ascii.sort_unstable();
        Self {
            chars,
            ascii,
            non_ascii,
        }
    }

    /// The member characters, in index order ("other" excluded).
    pub fn chars(&self) -> &[char] {
        &self.chars
    }

    /// Number of indices: the members plus the one "other" slot.
    pub fn size(&self) -> usize {
        self.chars.len() + 1
    }

    /// Index of the "other" slot, shared by every character outside the alphabet.
    pub fn other_index(&self) -> usize {
        self.chars.len()
    }

    /// Whether `ch` has its own index.
    pub fn contains(&self, ch: char) -> bool {
        self.index(ch) != self.other_index()
    }

    /// Index of `ch` in `0..size()`: its position among the members, or [`other_index`](Self::other_index).
    #[inline]
    pub fn index(&self, ch: char) -> usize {
        let index = match ascii_slot(ch) {
            Some(slot) => self.ascii[slot],
            None => match self.non_ascii.binary_search_by_key(&ch, |&(c, _)| c) {
                Ok(found) => self.non_ascii[found].1,
                Err(_) => return self.other_index(),
            },
        };
        index as usize
    }
}

fn ascii_slot(ch: char) -> Option<usize> {
    ch.is_ascii().then_some(ch as usize)
}

impl TryFrom<String> for Alphabet {
    type Error = Error;

    fn try_from(chars: String) -> Result<Self> {
        Self::from_chars(chars.chars())
    }
}

impl From<Alphabet> for String {
    fn from(alphabet: Alphabet) -> Self {
        alphabet.chars.into_iter().collect()
    }
}

#[cfg(test)]
mod tests {
    use proptest::prelude::*;

    use super::*;

    #[test]
    fn from_words_sorts_and_dedupes_every_character() {
        let alphabet = Alphabet::from_words(["bac", "A-b", "é", "café", "Zz"]);
        assert_eq!(
            alphabet.chars(),
            ['-', 'A', 'Z', 'a', 'b', 'c', 'f', 'z', 'é']
        );
        assert_eq!(alphabet.size(), 10);
        assert_eq!(alphabet.index('-'), 0);
        assert_eq!(alphabet.index('z'), 7);
        assert_eq!(alphabet.index('é'), 8);
        assert_eq!(alphabet.index('q'), 9);
        assert_eq!(alphabet.index('ü'), 9);
        assert!(alphabet.contains('é') && !alphabet.contains('ü'));
    }

    #[test]
    fn from_corpus_covers_every_word() {
        let corpus = Corpus::from_text("t", "Ab\ncd-e\nñ\n".as_bytes()).expect("valid");
        let alphabet = Alphabet::from_corpus(&corpus);
        assert_eq!(alphabet.chars(), ['-', 'A', 'b', 'c', 'd', 'e', 'ñ']);
        assert!(
            corpus
                .words()
                .iter()
                .flat_map(|w| w.chars())
                .all(|c| alphabet.contains(c))
        );
    }

    #[test]
    fn lowercase_maps_everything_else_to_other() {
        let alphabet = Alphabet::lowercase();
        assert_eq!(alphabet.size(), 27);
        assert_eq!((alphabet.index('a'), alphabet.index('z')), (0, 25));
        for ch in ['A', '0', '-', '\'', ' ', 'é', '\u{10ffff}'] {
            assert_eq!(alphabet.index(ch), 26, "{ch:?}");
        }
    }

    #[test]
    fn an_empty_alphabet_has_only_the_other_slot() {
        let alphabet = Alphabet::from_words(Vec::<String>::new());
        assert_eq!((alphabet.size(), alphabet.index('a')), (1, 0));
    }

    #[test]
    fn from_chars_keeps_order_and_rejects_repeats() {
        let alphabet = Alphabet::from_chars("zyé".chars()).expect("distinct");
        assert_eq!(
            (
                alphabet.index('z'),
                alphabet.index('y'),
                alphabet.index('é')
            ),
            (0, 1, 2)
        );
        assert_eq!(alphabet.index('a'), 3);
        let err = Alphabet::from_chars("abca".chars()).expect_err("repeat");
        assert_eq!(
            err,
            Error::DuplicateChar {
                ch: 'a',
                position: 3
            }
        );
    }

    #[test]
    fn serializes_as_its_character_string() {
        let alphabet = Alphabet::from_chars("q-é'".chars()).expect("distinct");
        let json = serde_json::to_string(&alphabet).expect("serialize");
        assert_eq!(json, r#""q-é'""#);
        let back: Alphabet = serde_json::from_str(&json).expect("deserialize");
        assert_eq!(back, alphabet);
        let err = serde_json::from_str::<Alphabet>(r#""abb""#).expect_err("repeat");
        assert!(err.to_string().contains("twice"), "{err}");
    }

    proptest! {
        #[test]
        fn index_is_in_range_and_inverts_chars(members in prop::collection::btree_set(any::<char>(), 0..40), probe: char) {
            let alphabet = Alphabet::from_chars(members.iter().copied()).expect("distinct");
            let index = alphabet.index(probe);
            prop_assert!(index < alphabet.size());
            prop_assert_eq!(index == alphabet.other_index(), !members.contains(&probe));
            for (i, &ch) in alphabet.chars().iter().enumerate() {
                prop_assert_eq!(alphabet.index(ch), i);
            }
        }
    }
}
