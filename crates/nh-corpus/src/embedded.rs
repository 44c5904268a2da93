//! The offline default word list: the English list compiled into the `random_word` crate.

/// Name recorded in the provenance of the embedded corpus.
pub(crate) const EMBEDDED_SOURCE_NAME: &str = "random_word 0.5 English list (crates.io, MIT)";

/// The embedded list as a text file would hold it: one word per line, each ending in `\n`, in
/// the order the crate ships it. Loading goes through the same parser as a file.
pub(crate) fn embedded_text() -> String {
    let words = random_word::all(random_word::Lang::En);
    let mut text = String::with_capacity(words.iter().map(|w| w.len() + 1).sum());
    for word in words {
        text.push_str(word);
        text.push('\n');
    }
    text
}
