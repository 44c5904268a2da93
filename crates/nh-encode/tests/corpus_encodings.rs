//! On the real word lists: how many distinct words share an encoding at the default `max_len`.

use std::path::PathBuf;

use nh_corpus::{CORPUS_ENV_VAR, Corpus};
use nh_encode::{Alphabet, DEFAULT_MAX_LEN, IndexEncoder};

/// Number of words whose ids (hence one-hot vectors) equal those of another word.
fn words_sharing_an_encoding(corpus: &Corpus, encoder: &IndexEncoder) -> usize {
    let width = encoder.ids_len();
    let ids = encoder.ids_batch(corpus.words());
    let row = |i: usize| &ids[i * width..(i + 1) * width];
    let mut order: Vec<usize> = (0..corpus.len()).collect();
    order.sort_unstable_by(|&a, &b| row(a).cmp(row(b)));
    let mut shared = 0;
    let mut run = 1;
    for pair in order.windows(2) {
        if row(pair[0]) == row(pair[1]) {
            run += 1;
        } else {
            shared += if run > 1 { run } else { 0 };
            run = 1;
        }
    }
    shared + if run > 1 { run } else { 0 }
}

fn default_encoder(corpus: &Corpus) -> IndexEncoder {
    IndexEncoder::new(Alphabet::from_corpus(corpus), DEFAULT_MAX_LEN).expect("valid encoder")
}

#[test]
fn the_counter_finds_shared_encodings() {
    let corpus = Corpus::from_text("t", b"abcdefgh\nabcxxfgh\nabc\nab\n").expect("valid");
    let encoder = IndexEncoder::new(Alphabet::from_corpus(&corpus), 6).expect("valid");
    // max_len 6 keeps "abcd"+"gh" and "abcx"+"gh": distinct; max_len 4 keeps "abc"+"h" for both.
    assert_eq!(words_sharing_an_encoding(&corpus, &encoder), 0);
    let short = IndexEncoder::new(Alphabet::from_corpus(&corpus), 4).expect("valid");
    assert_eq!(words_sharing_an_encoding(&corpus, &short), 2);
}

#[test]
fn embedded_corpus_has_no_shared_encodings_at_the_default() {
    let corpus = Corpus::embedded();
    let encoder = default_encoder(&corpus);
    assert_eq!(encoder.alphabet().size(), 27);
    assert_eq!(words_sharing_an_encoding(&corpus, &encoder), 0);
}

#[test]
fn paper_corpus_has_no_shared_encodings_at_the_default() {
    let Some(path) = std::env::var_os(CORPUS_ENV_VAR).filter(|v| !v.is_empty()) else {
        eprintln!("skipped: set {CORPUS_ENV_VAR} to dwyl/english-words words.txt to run this test");
        return;
    };
    let corpus = Corpus::from_path(&PathBuf::from(path)).expect("corpus loads");
    assert_eq!(corpus.len(), 466_550);
    let encoder = default_encoder(&corpus);
    assert_eq!(encoder.alphabet().size(), 70);
    let folded = corpus
        .words()
        .iter()
        .filter(|w| w.chars().count() > DEFAULT_MAX_LEN)
        .count();
    assert_eq!(folded, 18);
    assert_eq!(words_sharing_an_encoding(&corpus, &encoder), 0);
}
