//! `nh pyhash`: CPython's string hash, bit for bit.

use anyhow::Result;
use nh_metrics::PyStrHash;

/// Arguments of `nh pyhash`.
#[derive(Debug, clap::Args)]
pub struct Args {
    /// PYTHONHASHSEED (0..=4294967295); 0 is CPython's all-zero key.
    #[arg(long, default_value_t = 0, value_parser = crate::numbers::seed, allow_negative_numbers = true)]
    seed: u64,
    /// Words to hash.
    #[arg(required = true)]
    words: Vec<String>,
}

/// Prints one signed 64-bit hash per word.
pub fn run(args: &Args) -> Result<()> {
    let hasher = PyStrHash::new(args.seed)?;
    for word in &args.words {
        println!("{}", hasher.hash(word));
    }
    Ok(())
}
