//! `nh hash`: the bins a trained NeuralHash gives words.

use std::path::PathBuf;

use anyhow::Result;
use nh_agents::{DeviceChoice, NeuralHash};

/// Arguments of `nh hash`.
#[derive(Debug, clap::Args)]
pub struct Args {
    /// Model directory written by `nh train` or `nh reproduce`.
    #[arg(long)]
    model: PathBuf,
    /// Words to hash.
    #[arg(required = true)]
    words: Vec<String>,
}

/// Prints `WORD<TAB>BIN` per word.
pub fn run(args: &Args) -> Result<()> {
    let model = NeuralHash::load(&args.model, DeviceChoice::Cpu.resolve()?)?;
    for (word, bin) in args.words.iter().zip(model.hash_words(&args.words)) {
        println!("{word}\t{bin}");
    }
    Ok(())
}
