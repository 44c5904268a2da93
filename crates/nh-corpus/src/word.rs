//! What counts as a word: the one rule every word input follows (corpus files, `nh hash` words and
//! word files, a model's `train_words.txt`).

use std::fmt;
use std::path::Path;

use crate::parse::parse_word_list;
use crate::{Error, Result};

/// Longest word accepted, in UTF-8 bytes. Dictionary words are far shorter (the paper's longest
/// has 45 characters); a longer line is a file that is not a word list.
pub const MAX_WORD_BYTES: usize = 1024;

/// U+FEFF: ignored once at the start of a file, never part of a word.
pub(crate) const BYTE_ORDER_MARK: char = '\u{feff}';

/// Why a string is not a word.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum WordProblem {
    /// The empty string (empty lines of a file are skipped, never words).
    Empty,
    /// More than [`MAX_WORD_BYTES`] bytes.
    TooLong {
        /// The word's length in bytes.
        bytes: usize,
    },
    /// Leading or trailing whitespace: keys are taken verbatim, never trimmed.
    SurroundingWhitespace,
    /// A control character (Unicode category Cc: NUL, tab, carriage return, escape, DEL, ...),
    /// which would break line- and tab-separated output, or a byte-order mark (U+FEFF) left inside
    /// a word by concatenated files.
    Unprintable(char),
}

impl fmt::Display for WordProblem {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            WordProblem::Empty => f.write_str("is empty"),
            WordProblem::TooLong { bytes } => write!(
                f,
                "is {bytes} bytes long; a word has at most {MAX_WORD_BYTES} bytes"
            ),
            WordProblem::SurroundingWhitespace => f.write_str(
                "has leading or trailing whitespace; keys are taken verbatim, so fix the input \
                 (e.g. strip the whitespace)",
            ),
            WordProblem::Unprintable(c) => write!(
                f,
                "contains the unprintable character U+{:04X} ({c:?}); a word is printable text",
                u32::from(*c)
            ),
        }
    }
}

/// Checks `word` against the word rules: not empty, at most [`MAX_WORD_BYTES`] bytes, no leading
/// or trailing whitespace, no control character or byte-order mark. Inner spaces and any printable Unicode are
/// allowed.
pub fn word_problem(word: &str) -> Option<WordProblem> {
    if word.is_empty() {
        Some(WordProblem::Empty)
    } else if word.len() > MAX_WORD_BYTES {
        Some(WordProblem::TooLong { bytes: word.len() })
    } else if word.starts_with(char::is_whitespace) || word.ends_with(char::is_whitespace) {
        Some(WordProblem::SurroundingWhitespace)
    } else {
        word.chars()
            .find(|&c| c.is_control() || c == BYTE_ORDER_MARK)
            .map(WordProblem::Unprintable)
    }
}

/// Reads a list of words to look up (one per line, e.g. a model's `train_words.txt` or
/// `nh hash --words-file`): the corpus reading rules (LF or CRLF, one leading byte-order mark
/// ignored, empty lines skipped, every other line a word by [`word_problem`]), but repeats and
/// order are kept, so that each line gets its own answer.
///
/// # Errors
/// An unreadable file, invalid UTF-8, a line that is not a word (naming the file and line), or no
/// words at all.
pub fn read_word_list(path: &Path) -> Result<Vec<String>> {
    let bytes = std::fs::read(path).map_err(|source| Error::Io {
        path: path.to_owned(),
        source,
    })?;
    parse_word_list(&path.display().to_string(), &bytes)
}

#[cfg(test)]
mod tests {
    use proptest::prelude::*;

    use super::*;

    #[test]
    fn each_rule_has_its_problem() {
        let long = "x".repeat(MAX_WORD_BYTES + 1);
        for (word, problem) in [
            ("", WordProblem::Empty),
            (long.as_str(), WordProblem::TooLong { bytes: 1025 }),
            (" cat", WordProblem::SurroundingWhitespace),
            ("cat\t", WordProblem::SurroundingWhitespace),
            ("ca\0t", WordProblem::Unprintable('\0')),
            ("ca\tt", WordProblem::Unprintable('\t')),
            ("ca\rt", WordProblem::Unprintable('\r')),
            ("ca\u{1b}[31mt", WordProblem::Unprintable('\u{1b}')),
            ("ca\u{7f}t", WordProblem::Unprintable('\u{7f}')),
            ("ca\u{85}t", WordProblem::Unprintable('\u{85}')),
            ("\u{feff}cat", WordProblem::Unprintable('\u{feff}')),
        ] {
            assert_eq!(word_problem(word), Some(problem), "{word:?}");
        }
        let message = WordProblem::Unprintable('\0').to_string();
        assert!(message.contains("U+0000"), "{message}");
    }

    #[test]
    fn words_of_the_longest_length_and_inner_spaces_pass() {
        for word in [
            "cat",
            "ice cream",
            "naïve",
            "日本",
            "&c",
            &"é".repeat(MAX_WORD_BYTES / 2),
        ] {
            assert_eq!(word_problem(word), None, "{word:?}");
        }
    }

    #[test]
    fn a_word_list_file_names_its_path_and_line() {
        let dir = tempfile::tempdir().expect("temp dir");
        let path = dir.path().join("words.txt");
        std::fs::write(&path, b"\xef\xbb\xbfcat\ncat\ndog\n").expect("write");
        assert_eq!(read_word_list(&path).expect("valid"), ["cat", "cat", "dog"]);
        std::fs::write(&path, b"cat\nd\xffg\n").expect("write");
        let message = read_word_list(&path).expect_err("bad UTF-8").to_string();
        assert!(message.contains("words.txt: line 2"), "{message}");
        let message = read_word_list(dir.path())
            .expect_err("a folder")
            .to_string();
        assert!(
            message.contains(&dir.path().display().to_string()),
            "{message}"
        );
    }

    proptest! {
        #[test]
        fn an_accepted_word_is_one_printable_line(word in any::<String>()) {
            if word_problem(&word).is_none() {
                prop_assert!(!word.is_empty() && word.len() <= MAX_WORD_BYTES);
                prop_assert!(!word.contains(['\n', '\r', '\t', '\0']));
                prop_assert_eq!(word.trim(), word.as_str());
            }
        }

        #[test]
        fn printable_ascii_words_are_accepted(word in "[!-~]([ -~]{0,30}[!-~])?") {
            prop_assert_eq!(word_problem(&word), None);
        }
    }
}
