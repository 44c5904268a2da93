//! Where a corpus came from and what loading it did: the record that goes into run metadata.

use std::fmt;
use std::path::PathBuf;

use serde::{Deserialize, Serialize};

use crate::PAPER_SHA256;

/// Where the bytes of a corpus were read from.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Origin {
    /// A file on disk (`--corpus PATH` or `NH_CORPUS`).
    File(PathBuf),
    /// The word list compiled into this crate (see [`crate::Corpus::embedded`]).
    Embedded,
    /// Bytes handed to [`crate::Corpus::from_text`].
    InMemory,
}

impl fmt::Display for Origin {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Self::File(path) => write!(f, "{}", path.display()),
            Self::Embedded => f.write_str("embedded"),
            Self::InMemory => f.write_str("in memory"),
        }
    }
}

/// Provenance of a [`crate::Corpus`]: its source, the SHA-256 of the exact bytes read, and counts.
///
/// `Display` prints a multi-line summary, one `key: value` per line, ending with whether this is
/// the paper's corpus.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Provenance {
    /// Short name: the file name, or the embedded list's name, or the name given to `from_text`.
    pub source_name: String,
    /// Path, "embedded" or "in memory".
    pub origin: Origin,
    /// Lower-case hex SHA-256 of the bytes read (for the embedded list: of its text, one word per
    /// line, each followed by `\n`).
    pub sha256: String,
    /// Lines read, empty ones included.
    pub lines_read: usize,
    /// Empty lines skipped.
    pub empty_lines_skipped: usize,
    /// Repeated words removed (the first occurrence is kept).
    pub duplicates_removed: usize,
    /// Distinct words kept.
    pub words_kept: usize,
}

impl Provenance {
    /// True when the bytes read are exactly the paper's word list ([`PAPER_SHA256`], any case).
    pub fn is_paper_corpus(&self) -> bool {
        self.sha256.eq_ignore_ascii_case(PAPER_SHA256)
    }
}

impl fmt::Display for Provenance {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let paper = if self.is_paper_corpus() {
            "yes (dwyl/english-words words.txt, 466,550 words)"
        } else {
            "no"
        };
        writeln!(f, "source:              {}", self.source_name)?;
        writeln!(f, "location:            {}", self.origin)?;
        writeln!(f, "sha256:              {}", self.sha256)?;
        writeln!(f, "lines read:          {}", self.lines_read)?;
        writeln!(f, "empty lines skipped: {}", self.empty_lines_skipped)?;
        writeln!(f, "duplicates removed:  {}", self.duplicates_removed)?;
        writeln!(f, "words kept:          {}", self.words_kept)?;
        write!(f, "paper's corpus:      {paper}")
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn sample(sha256: &str) -> Provenance {
        Provenance {
            source_name: "words.txt".to_owned(),
            origin: Origin::File(PathBuf::from("/data/words.txt")),
            sha256: sha256.to_owned(),
            lines_read: 12,
            empty_lines_skipped: 3,
            duplicates_removed: 2,
            words_kept: 7,
        }
    }

    #[test]
    fn summary_lists_every_field_and_the_paper_verdict() {
        let text = sample("00ff").to_string();
        let expected = "source:              words.txt\n\
                        location:            /data/words.txt\n\
                        sha256:              00ff\n\
                        lines read:          12\n\
                        empty lines skipped: 3\n\
                        duplicates removed:  2\n\
                        words kept:          7\n\
                        paper's corpus:      no";
        assert_eq!(text, expected);
    }

    #[test]
    fn the_paper_digest_is_recognised() {
        assert!(sample(PAPER_SHA256).is_paper_corpus());
        assert!(
            sample(PAPER_SHA256).to_string().ends_with(
                "paper's corpus:      yes (dwyl/english-words words.txt, 466,550 words)"
            )
        );
        assert!(sample(&PAPER_SHA256.to_ascii_uppercase()).is_paper_corpus());
        assert!(!sample(&PAPER_SHA256[1..]).is_paper_corpus());
    }

    #[test]
    fn origins_display_as_documented() {
        assert_eq!(Origin::Embedded.to_string(), "embedded");
        assert_eq!(Origin::InMemory.to_string(), "in memory");
    }

    #[test]
    fn round_trips_through_json() {
        let original = sample("ab");
        let json = serde_json::to_string(&original).expect("serialize");
        assert!(
            json.contains(r#""origin":{"file":"/data/words.txt"}"#),
            "{json}"
        );
        let back: Provenance = serde_json::from_str(&json).expect("deserialize");
        assert_eq!(back, original);
    }
}
