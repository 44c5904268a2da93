//! `nh eval`: a trained NeuralHash against Python's hash and a uniform random function.

use std::path::{Path, PathBuf};

use anyhow::{Context, Result, bail};
use nh_agents::{DeviceChoice, NeuralHash};
use nh_corpus::{Corpus, read_word_list};
use nh_exp::{
    GeneralizationResult, Placer, TRAIN_WORDS_FILE, draw_generalization, generalization_samples,
};
use nh_metrics::TableStats;

/// Arguments of `nh eval`.
#[derive(Debug, clap::Args)]
pub struct Args {
    /// Model directory written by `nh train` or `nh reproduce`; repeat it to test several models
    /// (each on its own unseen words, the same samples for models trained on the same words).
    #[arg(long, required = true)]
    model: Vec<PathBuf>,
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
    /// How the model places a word: `argmax` (the hash function) or `sampled` (a draw from the
    /// policy's softmax, as the actor during training; not a function).
    #[arg(long, value_enum, default_value_t = ReadingArg::Argmax)]
    reading: ReadingArg,
    /// Also draw every sample's collisions, relative to a random function, per model, beside
    /// Python's hash, into this new PNG file (never over an existing one).
    #[arg(long)]
    plot: Option<PathBuf>,
}

/// `--reading`'s values.
#[derive(Debug, Clone, Copy, PartialEq, Eq, clap::ValueEnum)]
enum ReadingArg {
    /// The bin of highest probability.
    Argmax,
    /// A bin drawn from the policy.
    Sampled,
}

/// A model opened for one reading: the hash through nh-hash (one network or sharded), or the
/// policy through libtorch (one network).
enum Opened {
    Hash(nh_hash::Model),
    Policy(Box<NeuralHash>),
}

impl Opened {
    fn open(dir: &Path, reading: ReadingArg) -> Result<Opened> {
        Ok(match reading {
            ReadingArg::Argmax => Opened::Hash(nh_hash::Model::open(dir)?),
            ReadingArg::Sampled => {
                if nh_hash::Model::is_sharded_folder(dir)? {
                    bail!(
                        "--model {}: a sharded model is a hash function only; --reading sampled \
                         needs one network's policy (use --reading argmax)",
                        dir.display()
                    );
                }
                Opened::Policy(Box::new(NeuralHash::load(
                    dir,
                    DeviceChoice::Cpu.resolve()?,
                )?))
            }
        })
    }

    fn placer(&self) -> Placer<'_> {
        match self {
            Opened::Hash(hash) => Placer::Hash(hash),
            Opened::Policy(policy) => Placer::Sampled(policy),
        }
    }
}

/// Prints mean collisions and max load (95% CI) for each model, Python's hash and random, and
/// draws them when asked.
pub fn run(args: &Args) -> Result<()> {
    if let Some(plot) = &args.plot {
        check_new_file(plot)?;
    }
    let models = args
        .model
        .iter()
        .map(|dir| {
            Ok((
                dir,
                Opened::open(dir, args.reading)?,
                trained_words(args, dir)?,
            ))
        })
        .collect::<Result<Vec<_>>>()?;
    let corpus = Corpus::load(args.corpus.as_deref())?;
    let mut drawn = Vec::with_capacity(models.len());
    for (dir, model, trained) in &models {
        let samples = generalization_samples(
            &corpus,
            trained,
            model.placer(),
            args.words,
            args.samples,
            args.seed,
        );
        println!("{} ({:?} reading)", dir.display(), args.reading);
        if !trained.is_empty() {
            let words: Vec<&str> = trained.iter().map(String::as_str).collect();
            let bins = model.placer().place(&words, args.seed);
            let stats = TableStats::from_bins(&bins, model.placer().bins());
            println!(
                "its {} training words into {} bins: {} collisions, max load {}",
                words.len(),
                model.placer().bins(),
                stats.collisions,
                stats.max_load
            );
        }
        print_table(&samples.summary(), args.held_out);
        let label = dir.file_name().map_or_else(
            || dir.display().to_string(),
            |n| n.to_string_lossy().into_owned(),
        );
        drawn.push((label, samples));
    }
    if let Some(plot) = &args.plot {
        let caption = format!(
            "{} samples of {} {}words per model into its bins (seed {}), {} reading; collisions \
             divided by a uniform random function's expectation.",
            args.samples,
            args.words,
            if args.held_out { "unseen " } else { "" },
            args.seed,
            match args.reading {
                ReadingArg::Argmax => "argmax",
                ReadingArg::Sampled => "sampled",
            }
        );
        draw_generalization(plot, &drawn, &caption)?;
        println!("figure: {}", plot.display());
    }
    Ok(())
}

/// The words a model trained on, with `--held-out` (none otherwise).
fn trained_words(args: &Args, dir: &Path) -> Result<Vec<String>> {
    if !args.held_out {
        return Ok(Vec::new());
    }
    let path = dir.join(TRAIN_WORDS_FILE);
    read_word_list(&path).with_context(|| {
        format!(
            "--held-out needs {} (written for fixed-set models)",
            path.display()
        )
    })
}

/// Refuses a `--plot` path that exists or whose folder does not, before any work.
fn check_new_file(path: &Path) -> Result<()> {
    if path.exists() {
        bail!(
            "--plot {}: the file exists; results are never overwritten, choose a new name",
            path.display()
        );
    }
    let parent = path
        .parent()
        .filter(|p| !p.as_os_str().is_empty())
        .unwrap_or(Path::new("."));
    if !parent.is_dir() {
        bail!(
            "--plot {}: the folder {} does not exist",
            path.display(),
            parent.display()
        );
    }
    Ok(())
}

/// One model's table: mean collisions and max load (95% CI) and z against a random function.
fn print_table(r: &GeneralizationResult, held_out: bool) {
    let ci = |s: &nh_metrics::Summary| format!("{:.2} ± {:.2}", s.mean, s.ci95_half_width);
    println!(
        "{} samples of {} {}words into {} bins (mean ± 95% CI)",
        r.samples,
        r.words,
        if held_out { "unseen " } else { "" },
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
}
