//! `nh eval`: a trained NeuralHash against Python's hash and a uniform random function.

use std::path::PathBuf;

use anyhow::{Context, Result};
use nh_agents::{DeviceChoice, NeuralHash};
use nh_corpus::{Corpus, read_word_list};
use nh_exp::{TRAIN_WORDS_FILE, generalize};

/// Arguments of `nh eval`.
#[derive(Debug, clap::Args)]
pub struct Args {
    /// Model directory written by `nh train` or `nh reproduce`.
    #[arg(long)]
    model: PathBuf,
    /// Words per sample.
    #[arg(long, default_value_t = 1000, value_parser = crate::numbers::count, allow_negative_numbers = true)]
    words: usize,
    /// Leave out the words the model trained on (needs the model's train_words.txt).
    #[arg(long)]
    held_out: bool,
    /// Number of samples.
    #[arg(long, default_value_t = 100, value_parser = crate::numbers::count, allow_negative_numbers = true)]
    samples: usize,
    /// Seed of the samples.
    #[arg(long, default_value_t = 0, value_parser = crate::numbers::seed, allow_negative_numbers = true)]
    seed: u64,
    /// Word list file; default: NH_CORPUS, else the embedded list.
    #[arg(long)]
    corpus: Option<PathBuf>,
}

/// Prints mean collisions and max load (95% CI) for the model, Python's hash and random.
pub fn run(args: &Args) -> Result<()> {
    let model = NeuralHash::load(&args.model, DeviceChoice::Cpu.resolve()?)?;
    let corpus = Corpus::load(args.corpus.as_deref())?;
    let trained: Vec<String> = if args.held_out {
        let path = args.model.join(TRAIN_WORDS_FILE);
        read_word_list(&path).with_context(|| {
            format!(
                "--held-out needs {} (written for fixed-set models)",
                path.display()
            )
        })?
    } else {
        Vec::new()
    };
    let r = generalize(
        &corpus,
        &trained,
        &model,
        args.words,
        args.samples,
        args.seed,
    );
    let ci = |s: &nh_metrics::Summary| format!("{:.2} ± {:.2}", s.mean, s.ci95_half_width);
    println!(
        "{} samples of {} {}words into {} bins (mean ± 95% CI)",
        r.samples,
        r.words,
        if args.held_out { "unseen " } else { "" },
        r.bins
    );
    println!(
        "{:<22}{:>20}{:>20}{:>14}",
        "", "collisions", "max load", "z vs random"
    );
    for (name, collisions, max_load) in [
        ("neural hash", &r.neural_collisions, &r.neural_max_load),
        ("Python hash", &r.python_collisions, &r.python_max_load),
    ] {
        println!(
            "{:<22}{:>20}{:>20}{:>14.2}",
            name,
            ci(collisions),
            ci(max_load),
            r.z_against_random(collisions.mean)
        );
    }
    println!(
        "{:<22}{:>20.2}{:>20}{:>14}",
        "uniform random (E)", r.uniform_expected_collisions, "", ""
    );
    Ok(())
}
