//! Fuzzing the corpus loader with proptest: arbitrary bytes (biased towards line breaks,
//! byte-order marks, tabs and NUL) never panic, and whatever loads obeys the word rule.
//! `NH_FUZZ_CASES=N` sets the number of cases (256 in `cargo xtask test`; more on demand).

use nh_corpus::{Corpus, MAX_WORD_BYTES};
use proptest::prelude::*;

fn cases() -> u32 {
    std::env::var("NH_FUZZ_CASES")
        .ok()
        .and_then(|v| v.parse().ok())
        .unwrap_or(256)
}

/// Bytes that stress a line-based word list.
fn hostile_bytes() -> impl Strategy<Value = Vec<u8>> {
    let piece = prop_oneof![
        3 => proptest::collection::vec(b'a'..=b'z', 1..12),
        1 => Just(b"\n".to_vec()),
        1 => Just(b"\r\n".to_vec()),
        1 => Just(vec![0xEF, 0xBB, 0xBF]),
        1 => Just(b"\t".to_vec()),
        1 => Just(vec![0]),
        1 => Just(b" ".to_vec()),
        1 => proptest::collection::vec(any::<u8>(), 1..8),
    ];
    proptest::collection::vec(piece, 0..64).prop_map(|pieces| pieces.concat())
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(cases()))]

    #[test]
    fn the_loader_never_panics_and_keeps_only_valid_distinct_words(bytes in hostile_bytes()) {
        if let Ok(corpus) = Corpus::from_text("fuzz", &bytes) {
            let words = corpus.words();
            prop_assert!(!words.is_empty());
            let mut seen = std::collections::HashSet::new();
            for word in words {
                prop_assert!(!word.is_empty() && word.len() <= MAX_WORD_BYTES, "{word:?}");
                prop_assert!(!word.chars().any(char::is_control), "{word:?}");
                prop_assert!(word.trim() == word && !word.contains('\u{feff}'), "{word:?}");
                prop_assert!(seen.insert(word), "duplicate {word:?}");
            }
        }
    }
}
