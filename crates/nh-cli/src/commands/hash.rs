//! `nh hash`: the bins a trained NeuralHash gives words.

use std::path::PathBuf;

use anyhow::{Context, Result};
use nh_agents::{DeviceChoice, NeuralHash};

/// Arguments of `nh hash`.
#[derive(Debug, clap::Args)]
pub struct Args {
    /// Model directory written by `nh train` or `nh reproduce`.
    #[arg(long)]
    model: PathBuf,
    /// Words to hash (put `--` before words that start with `-`).
    #[arg(required_unless_present = "words_file")]
    words: Vec<String>,
    /// A file of words to hash, one per line (empty lines skipped), after those given as arguments;
    /// e.g. the `train_words.txt` beside a model.
    #[arg(long)]
    words_file: Option<PathBuf>,
}

/// Prints `WORD<TAB>BIN` per word.
pub fn run(args: &Args) -> Result<()> {
    let mut words = args.words.clone();
    if let Some(path) = &args.words_file {
        let text =
            std::fs::read_to_string(path).with_context(|| format!("reading {}", path.display()))?;
        words.extend(text.lines().filter(|w| !w.is_empty()).map(str::to_owned));
    }
    let model = NeuralHash::load(&args.model, DeviceChoice::Cpu.resolve()?)?;
    for (word, bin) in words.iter().zip(model.hash_words(&words)) {
        println!("{word}\t{bin}");
    }
    Ok(())
}
