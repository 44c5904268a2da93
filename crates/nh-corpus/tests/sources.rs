//! The two real word lists: the embedded default (always) and the paper's file (when NH_CORPUS is set).

use std::path::PathBuf;

use nh_corpus::{CORPUS_ENV_VAR, Corpus, Origin, PAPER_SHA256, SplitSpec, verify_sha256};

/// SHA-256 of the embedded list's text (one word per line, `\n`-terminated) for random_word 0.5.3.
const EMBEDDED_SHA256: &str = "30590540bcb955458426b12110b9a53a3786cfb80b572e5e1cb993930f45a5ac";

#[test]
fn embedded_default_is_a_valid_english_list() {
    let corpus = Corpus::embedded();
    let p = corpus.provenance();
    assert_eq!(p.origin, Origin::Embedded);
    assert_eq!(corpus.len(), 178_187);
    assert_eq!(
        (p.lines_read, p.empty_lines_skipped, p.duplicates_removed),
        (178_187, 0, 0)
    );
    assert_eq!(p.sha256, EMBEDDED_SHA256);
    assert!(!corpus.is_paper_corpus());
    assert_eq!(corpus.words().first().map(String::as_str), Some("abreact"));
    assert_eq!(corpus.words().last().map(String::as_str), Some("zzz"));
    assert!(
        corpus
            .words()
            .iter()
            .all(|w| w.bytes().all(|b| b.is_ascii_lowercase()))
    );
    let longest = corpus.words().iter().map(String::len).max();
    assert_eq!(longest, Some(15));
    let sample = corpus.sample(1000, 1).expect("fits");
    assert_eq!(sample, corpus.sample(1000, 1).expect("fits"));
}

#[test]
fn paper_corpus_when_nh_corpus_is_set() {
    let Some(path) = std::env::var_os(CORPUS_ENV_VAR).filter(|v| !v.is_empty()) else {
        eprintln!("skipped: set {CORPUS_ENV_VAR} to dwyl/english-words words.txt to run this test");
        return;
    };
    let path = PathBuf::from(path);
    let corpus = Corpus::from_path(&path).expect("the paper's corpus loads");
    let p = corpus.provenance();
    assert_eq!(corpus.len(), 466_550);
    assert_eq!(p.sha256, PAPER_SHA256);
    assert!(corpus.is_paper_corpus());
    assert_eq!(
        (p.lines_read, p.empty_lines_skipped, p.duplicates_removed),
        (466_550, 0, 0)
    );
    assert_eq!(corpus.words()[..3], ["2", "1080", "&c"]);
    assert_eq!(corpus.words()[466_547..], ["ZZ", "zZt", "ZZZ"]);
    assert!(
        corpus
            .to_owned()
            .provenance()
            .to_string()
            .contains("paper's corpus:      yes")
    );
    verify_sha256(&path, PAPER_SHA256).expect("the file verifies");
    let split = corpus.split(SplitSpec::Count(10_000), 0).expect("fits");
    assert_eq!(split.held_out.len(), 456_550);
    assert_eq!(
        Corpus::from_env_or_embedded()
            .expect("same file")
            .provenance()
            .sha256,
        PAPER_SHA256
    );
}
