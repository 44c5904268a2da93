//! `nh bench`: the speed benchmarks of docs/PERFORMANCE.md (inference, training, perfect hashes,
//! throughput), printed as markdown and optionally written to a file.

use std::path::{Path, PathBuf};

use anyhow::{Context, Result};
use nh_agents::{CemConfig, DeviceChoice};
use nh_bench::{
    BenchOptions, BenchReport, CheckpointCase, Section, Trainer, TrainingCase, run_bench,
};
use nh_exp::{Existing, git_commit, utc_stamps, write_file};

/// Arguments of `nh bench`.
#[derive(Debug, clap::Args)]
pub struct Args {
    /// A one-minute smoke run: 20,000 inference words, word sets of 300 and 1,000, short caps.
    #[arg(long)]
    quick: bool,
    /// Word list file; default: NH_CORPUS, else the embedded list.
    #[arg(long)]
    corpus: Option<PathBuf>,
    /// cpu, cuda or auto (auto adds CUDA rows when libtorch sees a GPU; the CPU is always measured).
    #[arg(long, default_value = "auto")]
    device: DeviceChoice,
    /// Words hashed in the inference section (default 300,000, the paper's).
    #[arg(long, value_parser = crate::numbers::count, allow_negative_numbers = true)]
    words: Option<usize>,
    /// Bins of the large table on which the paper's full head and the factorized head hash the
    /// same words (default 466,550, the whole dictionary; 0 skips it).
    #[arg(long, value_parser = crate::numbers::count, allow_negative_numbers = true)]
    large_bins: Option<usize>,
    /// Timed repetitions per measurement; the median is reported.
    #[arg(long, value_parser = crate::numbers::count, allow_negative_numbers = true)]
    repeats: Option<usize>,
    /// Word-set sizes of the training and perfect-hash sections, e.g. `1000,3000,10000`; each
    /// takes the time caps of the preset size nearest to it.
    #[arg(long, value_delimiter = ',', value_parser = crate::numbers::count, allow_negative_numbers = true)]
    sizes: Option<Vec<usize>>,
    /// Time cap in seconds of each policy-gradient run, for every size.
    #[arg(long)]
    pg_cap: Option<f64>,
    /// Time cap in seconds of each cross-entropy-method run (either head), for every size.
    #[arg(long)]
    cem_cap: Option<f64>,
    /// Trainers, e.g. `pg-paper,cem,cem-factorized,cem-keyed,cem-factorized-bf16,cem-keyed-bf16`
    /// (default: all eight).
    #[arg(long, value_delimiter = ',')]
    trainers: Option<Vec<Trainer>>,
    /// A saved model folder (`nh train`'s, one network or sharded) to query through nh-hash beside
    /// CPython's loop and minimal perfect hashes on its own keys (its `train_words.txt`); repeat
    /// it for several. Runs the saved-models section.
    #[arg(long)]
    model: Vec<PathBuf>,
    /// Sections to run, e.g. `inference,training,perfect-hash,saved-models,throughput` (default:
    /// all; saved-models only with --model).
    #[arg(long, value_delimiter = ',')]
    only: Option<Vec<Section>>,
    /// Python interpreter that times CPython's own hash loop.
    #[arg(long, default_value = "python3")]
    python: PathBuf,
    /// Do not run CPython's loop.
    #[arg(long)]
    no_python: bool,
    /// Seed of word samples, models and trainers.
    #[arg(long, default_value_t = 0, value_parser = crate::numbers::seed, allow_negative_numbers = true)]
    seed: u64,
    /// Write the markdown report to this file (atomically, replacing it), e.g. docs/PERFORMANCE.md.
    #[arg(long)]
    write: Option<PathBuf>,
    /// Write every measurement as JSON to this file (atomically, replacing it).
    #[arg(long)]
    json: Option<PathBuf>,
    /// Measure nothing: render the report saved by an earlier `--json FILE` run.
    #[arg(long, conflicts_with = "json")]
    from_json: Option<PathBuf>,
    /// Learner file of the large network whose checkpoints are measured besides the paper's
    /// (10,000 words into 466,550 bins; not with --quick).
    #[arg(long, default_value = "experiments/params/cem-whole-dictionary.toml")]
    checkpoint_params: PathBuf,
}

/// Runs the benchmark, prints the report and writes the requested files.
pub fn run(args: &Args) -> Result<()> {
    let report = match &args.from_json {
        Some(path) => {
            let text = std::fs::read_to_string(path)
                .with_context(|| format!("reading {}", path.display()))?;
            BenchReport::from_json(&text).with_context(|| format!("{}", path.display()))?
        }
        None => run_bench(&options(args)?, &mut |line| eprintln!("[bench] {line}"))?,
    };
    let markdown = report.to_markdown();
    print!("{markdown}");
    if let Some(path) = &args.write {
        write_file(path, markdown.as_bytes(), Existing::Replace)?;
        eprintln!("[bench] wrote {}", path.display());
    }
    if let Some(path) = &args.json {
        write_file(path, report.to_json().as_bytes(), Existing::Replace)?;
        eprintln!("[bench] wrote {}", path.display());
    }
    Ok(())
}

/// The preset (`--quick` or full) with the flags applied.
fn options(args: &Args) -> Result<BenchOptions> {
    let preset = if args.quick {
        BenchOptions::quick()
    } else {
        BenchOptions::full()
    };
    let mut training = match &args.sizes {
        Some(sizes) => sizes
            .iter()
            .map(|&words| TrainingCase {
                words,
                ..nearest_case(&preset.training, words)
            })
            .collect(),
        None => preset.training.clone(),
    };
    for case in &mut training {
        case.pg_seconds = args.pg_cap.unwrap_or(case.pg_seconds);
        case.cem_seconds = args.cem_cap.unwrap_or(case.cem_seconds);
    }
    let mut checkpoints = preset.checkpoints.clone();
    if !args.quick {
        let path = &args.checkpoint_params;
        let text = std::fs::read_to_string(path)
            .with_context(|| format!("reading {} (--checkpoint-params)", path.display()))?;
        let config: CemConfig =
            toml::from_str(&text).with_context(|| format!("{}", path.display()))?;
        checkpoints.push(CheckpointCase {
            label: format!("`{}`", path.display()),
            config,
            words: 10_000,
            bins: 466_550,
        });
    }
    let sections = args.only.clone().unwrap_or_else(|| preset.sections.clone());
    if args
        .only
        .as_ref()
        .is_some_and(|s| s.contains(&Section::SavedModels))
        && args.model.is_empty()
    {
        anyhow::bail!("--only saved-models needs at least one --model DIR");
    }
    for dir in &args.model {
        // Refused before any measurement: the folder must open and hold its keys.
        nh_hash::Model::open(dir).with_context(|| format!("--model {}", dir.display()))?;
        let keys = dir.join(nh_exp::TRAIN_WORDS_FILE);
        if !keys.is_file() {
            anyhow::bail!(
                "--model {}: no {} beside the model (its keys); only fixed-set models have one",
                dir.display(),
                keys.display()
            );
        }
    }
    Ok(BenchOptions {
        corpus: args.corpus.clone(),
        inference_words: args.words.unwrap_or(preset.inference_words),
        repeats: args.repeats.unwrap_or(preset.repeats),
        large_table: match args.large_bins {
            Some(0) => None,
            Some(bins) => preset.large_table.map(|(words, _)| (words, bins)),
            None => preset.large_table,
        },
        device: args.device,
        training,
        trainers: args
            .trainers
            .clone()
            .unwrap_or_else(|| preset.trainers.clone()),
        python: (!args.no_python).then(|| args.python.clone()),
        sections,
        models: args.model.clone(),
        seed: args.seed,
        command: command_line(),
        commit: git_commit(Path::new(".")),
        date: utc_stamps().1,
        checkpoints,
        ..preset
    })
}

/// The preset case whose size is closest to `words` (the preset always has one).
fn nearest_case(cases: &[TrainingCase], words: usize) -> TrainingCase {
    *cases
        .iter()
        .min_by_key(|c| c.words.abs_diff(words))
        .expect("presets have training cases")
}

/// `nh bench ...` as typed, for the report.
fn command_line() -> String {
    let args: Vec<String> = std::env::args()
        .skip(1)
        .map(|a| {
            if a.contains(char::is_whitespace) {
                format!("'{a}'")
            } else {
                a
            }
        })
        .collect();
    format!("nh {}", args.join(" "))
}
