//! `Corpus`: an ordered list of distinct words with its provenance, and where to load it from.

use std::ffi::OsString;
use std::path::Path;

use crate::embedded::{EMBEDDED_SOURCE_NAME, embedded_text};
use crate::parse::{Parsed, parse_words};
use crate::selection::{Split, SplitSpec, permutation_prefix};
use crate::{Error, Origin, Provenance, Result, sha256_hex};

/// Environment variable naming a corpus file; used when no path is given explicitly.
pub const CORPUS_ENV_VAR: &str = "NH_CORPUS";

/// Distinct words in source order (first occurrence wins), plus their [`Provenance`].
///
/// Never empty: every constructor rejects a source without words.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Corpus {
    words: Vec<String>,
    provenance: Provenance,
}

impl Corpus {
    /// Reads a newline-delimited UTF-8 file (LF or CRLF). See the crate docs for the rules.
    ///
    /// Errors name the path: unreadable file, invalid UTF-8 (with line), whitespace around a word
    /// (with line), or no words at all.
    pub fn from_path(path: &Path) -> Result<Self> {
        let bytes = std::fs::read(path).map_err(|source| Error::Io {
            path: path.to_owned(),
            source,
        })?;
        let parsed = parse_words(&path.display().to_string(), &bytes)?;
        let source_name = path.file_name().map_or_else(
            || path.display().to_string(),
            |n| n.to_string_lossy().into_owned(),
        );
        Ok(Self::assemble(
            source_name,
            Origin::File(path.to_owned()),
            &bytes,
            parsed,
        ))
    }

    /// Parses `bytes` exactly as a file's contents; `source_name` appears in errors and provenance.
    pub fn from_text(source_name: &str, bytes: &[u8]) -> Result<Self> {
        let parsed = parse_words(source_name, bytes)?;
        Ok(Self::assemble(
            source_name.to_owned(),
            Origin::InMemory,
            bytes,
            parsed,
        ))
    }

    /// The offline default: the English word list of the `random_word` crate (178,187 distinct
    /// lower-case words, see docs/CORPUS.md), validated like a file.
    ///
    /// # Panics
    /// Only if that compiled-in list held no words or an invalid line, which this crate's tests
    /// rule out for the pinned dependency version.
    pub fn embedded() -> Self {
        let text = embedded_text();
        let parsed = parse_words(EMBEDDED_SOURCE_NAME, text.as_bytes())
            .expect("the random_word English list is a valid corpus (checked by tests)");
        Self::assemble(
            EMBEDDED_SOURCE_NAME.to_owned(),
            Origin::Embedded,
            text.as_bytes(),
            parsed,
        )
    }

    /// The file named by `NH_CORPUS` when that variable is set and non-empty, else [`Self::embedded`].
    pub fn from_env_or_embedded() -> Result<Self> {
        Self::load(None)
    }

    /// `path` when given, else the file named by `NH_CORPUS` (when set and non-empty), else the
    /// embedded default.
    pub fn load(path: Option<&Path>) -> Result<Self> {
        Self::load_with_env(path, std::env::var_os(CORPUS_ENV_VAR))
    }

    fn load_with_env(path: Option<&Path>, env_value: Option<OsString>) -> Result<Self> {
        match (path, env_value) {
            (Some(path), _) => Self::from_path(path),
            (None, Some(value)) if !value.is_empty() => Self::from_path(Path::new(&value)),
            (None, _) => Ok(Self::embedded()),
        }
    }

    fn assemble(source_name: String, origin: Origin, bytes: &[u8], parsed: Parsed) -> Self {
        let provenance = Provenance {
            source_name,
            origin,
            sha256: sha256_hex(bytes),
            lines_read: parsed.lines_read,
            empty_lines_skipped: parsed.empty_lines_skipped,
            duplicates_removed: parsed.duplicates_removed,
            words_kept: parsed.words.len(),
        };
        Self {
            words: parsed.words,
            provenance,
        }
    }

    /// The words, in source order.
    pub fn words(&self) -> &[String] {
        &self.words
    }

    /// The words, by value.
    pub fn into_words(self) -> Vec<String> {
        self.words
    }

    /// Number of distinct words.
    pub fn len(&self) -> usize {
        self.words.len()
    }

    /// Always false for a constructed corpus; present for API symmetry with `len`.
    pub fn is_empty(&self) -> bool {
        self.words.is_empty()
    }

    /// Where the words came from and what loading dropped.
    pub fn provenance(&self) -> &Provenance {
        &self.provenance
    }

    /// True when the bytes read are exactly the paper's word list.
    pub fn is_paper_corpus(&self) -> bool {
        self.provenance.is_paper_corpus()
    }

    /// `n` distinct words drawn without replacement, in drawn order; the same `seed` gives the
    /// same words on every machine. Errors when `n > len()`.
    ///
    /// `sample(n, seed)` equals `split(SplitSpec::Count(n), seed).train`.
    pub fn sample(&self, n: usize, seed: u64) -> Result<Vec<String>> {
        let picked = permutation_prefix(self.words.len(), n, seed)?;
        Ok(picked.into_iter().map(|i| self.words[i].clone()).collect())
    }

    /// Shuffles all words with `seed` and cuts the shuffle into training and held-out parts.
    pub fn split(&self, spec: SplitSpec, seed: u64) -> Result<Split> {
        let train_count = spec.train_count(self.words.len())?;
        let order = permutation_prefix(self.words.len(), self.words.len(), seed)?;
        let (train, held_out) = order.split_at(train_count);
        let pick = |indices: &[usize]| indices.iter().map(|&i| self.words[i].clone()).collect();
        Ok(Split {
            train: pick(train),
            held_out: pick(held_out),
        })
    }
}

#[cfg(test)]
mod tests {
    use std::collections::HashSet;
    use std::io::Write;

    use super::*;

    fn numbered(count: usize) -> Corpus {
        let text: String = (0..count).map(|i| format!("w{i}\n")).collect();
        Corpus::from_text("numbered", text.as_bytes()).expect("valid corpus")
    }

    #[test]
    fn from_text_records_provenance() {
        let bytes = b"cat\r\ndog\n\ncat\nemu";
        let corpus = Corpus::from_text("pets", bytes).expect("valid");
        assert_eq!(corpus.words(), ["cat", "dog", "emu"]);
        let p = corpus.provenance();
        assert_eq!(p.source_name, "pets");
        assert_eq!(p.origin, Origin::InMemory);
        assert_eq!(p.sha256, sha256_hex(bytes));
        assert_eq!(
            (p.lines_read, p.empty_lines_skipped, p.duplicates_removed),
            (5, 1, 1)
        );
        assert_eq!(p.words_kept, 3);
        assert!(!corpus.is_paper_corpus());
    }

    #[test]
    fn from_path_reads_a_file_and_names_it() {
        let dir = tempfile::tempdir().expect("temp dir");
        let path = dir.path().join("mine.txt");
        std::fs::File::create(&path)
            .and_then(|mut f| f.write_all(b"b\na\n"))
            .expect("write");
        let corpus = Corpus::from_path(&path).expect("valid file");
        assert_eq!(corpus.words(), ["b", "a"]);
        assert_eq!(corpus.provenance().source_name, "mine.txt");
        assert_eq!(corpus.provenance().origin, Origin::File(path.clone()));
        assert_eq!(corpus.provenance().sha256, sha256_hex(b"b\na\n"));
    }

    #[test]
    fn a_missing_or_unreadable_file_is_an_error_naming_the_path() {
        let dir = tempfile::tempdir().expect("temp dir");
        let missing = dir.path().join("nope.txt");
        for path in [missing.as_path(), dir.path()] {
            let err = Corpus::from_path(path).expect_err("cannot read");
            assert!(
                matches!(err, Error::Io { path: ref p, .. } if p == path),
                "{err:?}"
            );
            assert!(
                err.to_string().contains(&path.display().to_string()),
                "{err}"
            );
        }
    }

    #[test]
    fn file_errors_name_the_path_and_line() {
        let dir = tempfile::tempdir().expect("temp dir");
        let path = dir.path().join("bad.txt");
        std::fs::write(&path, b"ok\nbad \n").expect("write");
        let message = Corpus::from_path(&path)
            .expect_err("whitespace")
            .to_string();
        assert!(
            message.contains("bad.txt") && message.contains("line 2"),
            "{message}"
        );
        std::fs::write(&path, b"\n\n").expect("write");
        let err = Corpus::from_path(&path).expect_err("empty");
        assert!(matches!(err, Error::Empty { lines_read: 2, .. }), "{err:?}");
        assert!(err.to_string().contains("bad.txt"), "{err}");
    }

    #[test]
    fn load_prefers_the_path_then_the_variable_then_the_embedded_list() {
        let dir = tempfile::tempdir().expect("temp dir");
        let a = dir.path().join("a.txt");
        let b = dir.path().join("b.txt");
        std::fs::write(&a, b"alpha\n").expect("write");
        std::fs::write(&b, b"beta\n").expect("write");
        let from_path = Corpus::load_with_env(Some(&a), Some(b.clone().into())).expect("a");
        assert_eq!(from_path.words(), ["alpha"]);
        let from_env = Corpus::load_with_env(None, Some(b.into())).expect("b");
        assert_eq!(from_env.words(), ["beta"]);
        let fallback = Corpus::load_with_env(None, Some(OsString::new())).expect("embedded");
        assert_eq!(fallback.provenance().origin, Origin::Embedded);
        let err = Corpus::load_with_env(None, Some(dir.path().join("c.txt").into()))
            .expect_err("a named but missing file is an error, not a fallback");
        assert!(err.to_string().contains("c.txt"), "{err}");
    }

    #[test]
    fn sample_is_seeded_distinct_and_bounded() {
        let corpus = numbered(1000);
        let first = corpus.sample(50, 3).expect("fits");
        assert_eq!(first, corpus.sample(50, 3).expect("fits"));
        assert_ne!(first, corpus.sample(50, 4).expect("fits"));
        assert_eq!(first.iter().collect::<HashSet<_>>().len(), 50);
        assert!(first.iter().all(|w| corpus.words().contains(w)));
        let all = corpus.sample(1000, 3).expect("everything");
        assert_eq!(all.iter().collect::<HashSet<_>>().len(), 1000);
        let err = corpus.sample(1001, 3).expect_err("too many");
        assert!(matches!(
            err,
            Error::NotEnoughWords {
                requested: 1001,
                available: 1000
            }
        ));
    }

    #[test]
    fn sample_is_pinned_for_a_known_seed() {
        // Guards cross-machine and cross-version reproducibility of experiments.
        assert_eq!(
            numbered(100).sample(4, 2024).expect("fits"),
            ["w16", "w98", "w69", "w91"]
        );
    }

    #[test]
    fn split_partitions_the_corpus() {
        let corpus = numbered(101);
        let split = corpus.split(SplitSpec::Fraction(0.7), 9).expect("valid");
        assert_eq!((split.train.len(), split.held_out.len()), (71, 30));
        let train: HashSet<_> = split.train.iter().collect();
        let held: HashSet<_> = split.held_out.iter().collect();
        assert!(train.is_disjoint(&held));
        let mut union: Vec<_> = train.union(&held).map(|w| w.as_str()).collect();
        union.sort_unstable();
        let mut all: Vec<_> = corpus.words().iter().map(String::as_str).collect();
        all.sort_unstable();
        assert_eq!(union, all);
        assert_eq!(
            split,
            corpus
                .split(SplitSpec::Fraction(0.7), 9)
                .expect("same seed")
        );
        assert_ne!(
            split,
            corpus
                .split(SplitSpec::Fraction(0.7), 10)
                .expect("other seed")
        );
    }

    #[test]
    fn split_train_by_count_is_the_sample() {
        let corpus = numbered(60);
        let split = corpus.split(SplitSpec::Count(12), 5).expect("valid");
        assert_eq!(split.train, corpus.sample(12, 5).expect("fits"));
        assert_eq!(split.held_out.len(), 48);
        assert!(corpus.split(SplitSpec::Count(61), 5).is_err());
        assert!(corpus.split(SplitSpec::Fraction(1.5), 5).is_err());
    }
}
