//! Hashes words with a model folder saved by `nh train` (one network or sharded), with no
//! libtorch: `cargo run -p nh-hash --example lookup -- MODEL_DIR [WORD...]`.
//!
//! Prints `WORD<TAB>BIN` per word given as an argument, or per line of standard input when no
//! word is given; then the bins taken, and whether those words went into distinct bins.

use std::error::Error;
use std::io::BufRead;
use std::path::PathBuf;
use std::process::ExitCode;

fn main() -> ExitCode {
    match lookup() {
        Ok(()) => ExitCode::SUCCESS,
        Err(err) => {
            eprintln!("lookup: {err}");
            ExitCode::FAILURE
        }
    }
}

fn lookup() -> Result<(), Box<dyn Error>> {
    let mut args = std::env::args().skip(1);
    let Some(dir) = args.next().map(PathBuf::from) else {
        return Err(
            "usage: lookup MODEL_DIR [WORD...] (words from standard input when none)".into(),
        );
    };
    let mut words: Vec<String> = args.collect();
    if words.is_empty() {
        for line in std::io::stdin().lock().lines() {
            words.push(line?);
        }
    }
    // Opening checks every checksum, shape and the function digest before any word is hashed.
    let model = nh_hash::Model::open(&dir)?;
    for (word, bin) in words.iter().zip(model.hash_words(&words)) {
        println!("{word}\t{bin}");
    }
    let check = model.check_perfect(&words);
    eprintln!(
        "{} words into {} bins: {} distinct bins, {} collisions",
        check.words,
        model.bins(),
        check.distinct_bins(),
        check.collisions
    );
    Ok(())
}
