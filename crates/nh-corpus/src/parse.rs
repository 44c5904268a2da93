//! Newline-delimited UTF-8 bytes -> distinct words plus the counts that go into the provenance.

use std::collections::HashSet;

use crate::word::{BYTE_ORDER_MARK, word_problem};
use crate::{Error, Result};

/// The words of a text in first-occurrence order, and what was dropped on the way.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct Parsed {
    pub words: Vec<String>,
    pub lines_read: usize,
    pub empty_lines_skipped: usize,
    pub duplicates_removed: usize,
}

/// Splits `bytes` into lines and checks each (see [`checked_lines`]), then removes and counts
/// repeated words (the first occurrence stays) and rejects an empty result.
pub(crate) fn parse_words(source_name: &str, bytes: &[u8]) -> Result<Parsed> {
    let lines = checked_lines(source_name, bytes)?;
    let mut parsed = Parsed {
        words: Vec::new(),
        lines_read: lines.lines_read,
        empty_lines_skipped: lines.lines_read - lines.words.len(),
        duplicates_removed: 0,
    };
    let mut seen: HashSet<&str> = HashSet::with_capacity(lines.words.len());
    for word in lines.words {
        if seen.insert(word) {
            parsed.words.push(word.to_owned());
        } else {
            parsed.duplicates_removed += 1;
        }
    }
    Ok(parsed)
}

/// The words of a list in line order, repeats kept (one per non-empty line), checked exactly as a
/// corpus is.
pub(crate) fn parse_word_list(source_name: &str, bytes: &[u8]) -> Result<Vec<String>> {
    let lines = checked_lines(source_name, bytes)?;
    Ok(lines.words.into_iter().map(str::to_owned).collect())
}

/// The non-empty lines of a text and how many lines it has.
struct Lines<'a> {
    words: Vec<&'a str>,
    lines_read: usize,
}

/// Splits `bytes` into lines (LF or CRLF, final terminator optional, one leading UTF-8 byte-order
/// mark ignored), skips empty lines, checks every other line with [`word_problem`], and rejects
/// invalid UTF-8 and a text without words. Errors name the line.
fn checked_lines<'a>(source_name: &str, bytes: &'a [u8]) -> Result<Lines<'a>> {
    let text = std::str::from_utf8(bytes).map_err(|err| {
        let (line, column) = line_and_column(bytes, err.valid_up_to());
        Error::InvalidUtf8 {
            source_name: source_name.to_owned(),
            line,
            column,
        }
    })?;
    let text = text.strip_prefix(BYTE_ORDER_MARK).unwrap_or(text);
    if text.is_empty() {
        return Err(Error::Empty {
            source_name: source_name.to_owned(),
            lines_read: 0,
        });
    }
    let body = text.strip_suffix('\n').unwrap_or(text);
    let mut lines = Lines {
        words: Vec::with_capacity(body.len() / 8),
        lines_read: 0,
    };
    for (index, raw) in body.split('\n').enumerate() {
        lines.lines_read += 1;
        let line = raw.strip_suffix('\r').unwrap_or(raw);
        if line.is_empty() {
            continue;
        }
        if let Some(problem) = word_problem(line) {
            return Err(Error::InvalidWord {
                source_name: source_name.to_owned(),
                line: index + 1,
                word: excerpt(line),
                problem,
            });
        }
        lines.words.push(line);
    }
    if lines.words.is_empty() {
        return Err(Error::Empty {
            source_name: source_name.to_owned(),
            lines_read: lines.lines_read,
        });
    }
    Ok(lines)
}

/// The line itself, or its first [`EXCERPT_CHARS`] characters and `...` when longer (a file
/// without line breaks must not turn into a megabyte-long error message).
pub(crate) fn excerpt(line: &str) -> String {
    match line.char_indices().nth(EXCERPT_CHARS) {
        Some((cut, _)) => format!("{}...", &line[..cut]),
        None => line.to_owned(),
    }
}

/// Longest line quoted whole in an error.
const EXCERPT_CHARS: usize = 80;

/// 1-based line and byte column of the byte at `offset`.
fn line_and_column(bytes: &[u8], offset: usize) -> (usize, usize) {
    let before = &bytes[..offset];
    let line = 1 + before.iter().filter(|&&b| b == b'\n').count();
    let line_start = before
        .iter()
        .rposition(|&b| b == b'\n')
        .map_or(0, |i| i + 1);
    (line, offset - line_start + 1)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn parse(bytes: &[u8]) -> Parsed {
        parse_words("test", bytes).expect("valid corpus")
    }

    #[test]
    fn lf_crlf_and_a_missing_final_newline_give_the_same_words() {
        let expected = vec!["cat".to_owned(), "dog".to_owned(), "emu".to_owned()];
        for bytes in [
            &b"cat\ndog\nemu\n"[..],
            b"cat\ndog\nemu",
            b"cat\r\ndog\r\nemu\r\n",
            b"cat\r\ndog\nemu",
        ] {
            let parsed = parse(bytes);
            assert_eq!(parsed.words, expected, "{bytes:?}");
            assert_eq!(parsed.lines_read, 3, "{bytes:?}");
            assert_eq!(
                (parsed.empty_lines_skipped, parsed.duplicates_removed),
                (0, 0)
            );
        }
    }

    #[test]
    fn empty_lines_are_skipped_and_counted() {
        let parsed = parse(b"\ncat\n\n\r\ndog\n\n");
        assert_eq!(parsed.words, ["cat", "dog"]);
        assert_eq!(parsed.lines_read, 6);
        assert_eq!(parsed.empty_lines_skipped, 4);
    }

    #[test]
    fn duplicates_keep_the_first_occurrence_and_are_counted() {
        let parsed = parse(b"b\na\nb\nc\na\nb\nA\n");
        assert_eq!(parsed.words, ["b", "a", "c", "A"]);
        assert_eq!(parsed.duplicates_removed, 3);
        assert_eq!(parsed.lines_read, 7);
    }

    #[test]
    fn a_crlf_duplicate_of_an_lf_word_is_a_duplicate() {
        let parsed = parse(b"cat\r\ncat\n");
        assert_eq!(parsed.words, ["cat"]);
        assert_eq!(parsed.duplicates_removed, 1);
    }

    #[test]
    fn a_line_that_is_not_a_word_is_an_error_naming_the_line() {
        use crate::WordProblem::{SurroundingWhitespace, TooLong, Unprintable};
        let long = format!("cat\n{}\n", "x".repeat(10_000_000));
        for (bytes, line, word, problem) in [
            (&b"cat\n dog\n"[..], 2, " dog", SurroundingWhitespace),
            (b"cat\ndog \n", 2, "dog ", SurroundingWhitespace),
            (b"cat\n\ndog\t\r\n", 3, "dog\t", SurroundingWhitespace),
            (b"cat\r\r\n", 1, "cat\r", SurroundingWhitespace),
            (b"cat\n   \n", 2, "   ", SurroundingWhitespace),
            (b"cat\ndog\xc2\xa0\n", 2, "dog\u{a0}", SurroundingWhitespace),
            (b"cat\nd\0g\n", 2, "d\0g", Unprintable('\0')),
            (b"ice\tcream\n", 1, "ice\tcream", Unprintable('\t')),
            (b"a\rb\n", 1, "a\rb", Unprintable('\r')),
            (
                b"\xef\xbb\xbf\xef\xbb\xbfcat\n",
                1,
                "\u{feff}cat",
                Unprintable('\u{feff}'),
            ),
            (
                long.as_bytes(),
                2,
                &format!("{}...", "x".repeat(80)),
                TooLong { bytes: 10_000_000 },
            ),
        ] {
            let err = parse_words("list.txt", bytes).expect_err("not a word");
            match &err {
                Error::InvalidWord {
                    source_name,
                    line: l,
                    word: w,
                    problem: p,
                } => {
                    assert_eq!(
                        (source_name.as_str(), *l, w.as_str(), *p),
                        ("list.txt", line, word, problem)
                    );
                }
                other => panic!("expected an invalid word, got {other:?}"),
            }
            assert!(err.to_string().contains(&format!("line {line}")), "{err}");
            let list = parse_word_list("list.txt", bytes).expect_err("same rules");
            assert_eq!(list.to_string(), err.to_string());
        }
    }

    #[test]
    fn a_long_offending_line_is_quoted_in_part() {
        let line = format!(" {}", "x".repeat(500));
        let Err(Error::InvalidWord { word, .. }) = parse_words("t", line.as_bytes()) else {
            panic!("expected an invalid word");
        };
        assert_eq!(word, format!(" {}...", "x".repeat(79)));
    }

    #[test]
    fn a_word_list_keeps_repeats_and_order_and_skips_empty_lines() {
        let words = parse_word_list("l", b"\xef\xbb\xbfb\r\na\n\nb\n").expect("valid");
        assert_eq!(words, ["b", "a", "b"]);
        assert!(matches!(
            parse_word_list("l", b"\n\r\n"),
            Err(Error::Empty { lines_read: 2, .. })
        ));
    }

    #[test]
    fn inner_whitespace_is_part_of_the_word() {
        assert_eq!(parse(b"ice cream\nice\n").words, ["ice cream", "ice"]);
    }

    #[test]
    fn invalid_utf8_names_line_and_column() {
        let err = parse_words("bad.txt", b"ok\nfine\nab\xffc\n").expect_err("invalid UTF-8");
        assert!(
            matches!(err, Error::InvalidUtf8 { line: 3, column: 3, ref source_name } if source_name == "bad.txt"),
            "{err:?}"
        );
        assert!(err.to_string().contains("line 3"), "{err}");
        let truncated = parse_words("t", b"caf\xc3").expect_err("truncated sequence");
        assert!(
            matches!(
                truncated,
                Error::InvalidUtf8 {
                    line: 1,
                    column: 4,
                    ..
                }
            ),
            "{truncated:?}"
        );
    }

    #[test]
    fn non_ascii_words_are_kept_verbatim() {
        assert_eq!(
            parse("café\nnaïve\n日本\n".as_bytes()).words,
            ["café", "naïve", "日本"]
        );
    }

    #[test]
    fn a_leading_byte_order_mark_is_ignored() {
        let parsed = parse(b"\xef\xbb\xbfcat\ndog\n");
        assert_eq!(parsed.words, ["cat", "dog"]);
    }

    #[test]
    fn no_words_is_an_error() {
        for (bytes, lines) in [(&b""[..], 0), (b"\n", 1), (b"\r\n\n\n", 3)] {
            let err = parse_words("e.txt", bytes).expect_err("empty corpus");
            assert!(
                matches!(err, Error::Empty { lines_read, .. } if lines_read == lines),
                "{bytes:?}: {err:?}"
            );
        }
    }
}
