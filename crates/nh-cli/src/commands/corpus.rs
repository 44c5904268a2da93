//! `nh corpus`: load a word list and print its provenance.

use std::path::PathBuf;

use anyhow::Result;
use nh_corpus::Corpus;

/// Arguments of `nh corpus`.
#[derive(Debug, clap::Args)]
pub struct Args {
    /// Word list file (one word per line); default: NH_CORPUS, else the embedded list.
    #[arg(long)]
    corpus: Option<PathBuf>,
}

/// Loads the corpus and prints its provenance summary.
pub fn run(args: &Args) -> Result<()> {
    let corpus = Corpus::load(args.corpus.as_deref())?;
    println!("{}", corpus.provenance());
    Ok(())
}
