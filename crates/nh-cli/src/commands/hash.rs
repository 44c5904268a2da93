//! `nh hash`: the bins a trained NeuralHash (one network or sharded) gives words, computed by
//! nh-hash, the definition of the hash.

use std::path::PathBuf;

use anyhow::{Result, bail};
use nh_corpus::{read_word_list, word_problem};

/// Arguments of `nh hash`.
#[derive(Debug, clap::Args)]
pub struct Args {
    /// Model directory written by `nh train` or `nh reproduce`.
    #[arg(long)]
    model: PathBuf,
    /// Words to hash (put `--` before words that start with `-`).
    #[arg(required_unless_present = "words_file")]
    words: Vec<String>,
    /// A file of words to hash, one per line (empty lines skipped; read like a corpus, so a line
    /// with a tab, a control character or surrounding whitespace is an error naming the line),
    /// after those given as arguments; e.g. the `train_words.txt` beside a model.
    #[arg(long)]
    words_file: Option<PathBuf>,
}

/// Prints `WORD<TAB>BIN` per word, in input order (repeats included). Every word follows the
/// corpus rules (`nh_corpus::word_problem`: no tab, newline or other control character), so each
/// output line splits unambiguously at its one tab.
pub fn run(args: &Args) -> Result<()> {
    let mut words = args.words.clone();
    for (index, word) in words.iter().enumerate() {
        if let Some(problem) = word_problem(word) {
            bail!("word argument {} ({word:?}) {problem}", index + 1);
        }
    }
    if let Some(path) = &args.words_file {
        words.extend(read_word_list(path)?);
    }
    let model = nh_hash::Model::open(&args.model)?;
    for (word, bin) in words.iter().zip(model.hash_words(&words)) {
        println!("{word}\t{bin}");
    }
    Ok(())
}
