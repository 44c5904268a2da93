//! nh-bench: how fast neural hashing is, measured against CPython's hash, Rust's hashes and
//! minimal perfect hashes in one run, and rendered as the markdown of `docs/PERFORMANCE.md`
//! (`nh bench`).
//!
//! Sections ([`Section`]): inference (a NeuralHash of the paper's architecture hashing the same
//! words as the baselines, with its GFLOP/s against libtorch's GEMM rate), training (time to a
//! zero-collision NeuralHash per trainer), perfect hashes (`ptr_hash`, FMPH, PHast next to the
//! trained NeuralHash), throughput (nh-env and nh-encode), checkpoints, and saved models (model
//! folders given with `nh bench --model`, queried through nh-hash beside CPython's loop and
//! minimal perfect hashes on their own keys). Every NeuralHash query that a perfect-hash figure
//! rests on goes through nh-hash, the definition of the hash. Every figure is the median of
//! repeated runs; ratios are computed from figures of the same run.
//!
//! ```
//! use nh_bench::{BenchOptions, Section, Throughput, run_bench};
//!
//! // `nh bench --quick --only throughput`: the environment and encoder loops, a second or two.
//! let options = BenchOptions {
//!     sections: vec!["throughput".parse::<Section>()?],
//!     ..BenchOptions::quick()
//! };
//! let report = run_bench(&options, &mut |line| eprintln!("{line}"))?;
//! let episode = report.throughput.iter().find(|r| r.what == Throughput::PlayEpisode);
//! assert!(episode.is_some_and(|r| r.per_second > 0.0));
//! assert!(report.to_markdown().contains("## 5. Environment and encoder throughput"));
//! # Ok::<(), nh_bench::Error>(())
//! ```
//!
//! Design choices:
//! - Every row says what it measured as a type ([`HashMethod`], [`PerfectHashMethod`],
//!   [`Throughput`], [`Trainer`]); the report matches on those, never on the text it prints.
//! - Each section's module owns its measurement and its markdown; `report.rs` is the skeleton.
//! - nh-bench writes no files and runs no git: the caller passes the commit and date
//!   ([`BenchOptions::commit`], [`BenchOptions::date`]) and writes the markdown and JSON it gets.

mod checkpoints;
mod efficiency;
mod error;
mod inference;
mod large_table;
mod machine;
mod method;
mod paper;
mod perfect_hash;
mod python;
mod report;
mod saved_models;
mod table;
mod throughput;
mod timing;
mod training;

use std::collections::BTreeMap;
use std::fmt;
use std::path::PathBuf;
use std::str::FromStr;
use std::time::Instant;

use nh_agents::{CemConfig, DEFAULT_HASH_BATCH, Device, DeviceChoice, ModelConfig, NeuralHash};
use nh_corpus::Corpus;
use nh_encode::{Alphabet, DEFAULT_MAX_LEN, OneHotEncoder};
use serde::{Deserialize, Serialize};

pub use checkpoints::{CheckpointCase, CheckpointRow};
pub use efficiency::{EfficiencyReport, ForwardFlops, GemmProbe, forward_flops};
pub use error::{Error, Result};
pub use inference::{InferenceReport, InferenceRow};
pub use large_table::{LargeTableReport, LargeTableRow};
pub use machine::MachineInfo;
pub use method::{FactorizedHead, Forward, HashMethod, PerfectHashMethod};
pub use perfect_hash::PerfectHashRow;
pub use python::{PythonOutcome, PythonTimings};
pub use report::{BenchReport, CorpusSummary};
pub use saved_models::{SavedKind, SavedModelRow, SavedModelsReport};
pub use throughput::{Throughput, ThroughputRow};
pub use timing::Timing;
pub use training::{Trainer, TrainingCase, TrainingRow};

/// A part of the benchmark.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(rename_all = "kebab-case")]
pub enum Section {
    /// Hashing the inference words, and GFLOP/s against GEMM throughput.
    Inference,
    /// Time to a zero-collision NeuralHash.
    Training,
    /// Minimal perfect hashes next to the NeuralHash.
    PerfectHash,
    /// Saved models (`--model`) queried through nh-hash, beside CPython and minimal perfect
    /// hashes on the same words.
    SavedModels,
    /// Environment and encoder throughput.
    Throughput,
    /// The cost of a training checkpoint.
    Checkpoints,
}

impl Section {
    /// Every section, in report order.
    pub const ALL: [Section; 6] = [
        Section::Inference,
        Section::Training,
        Section::PerfectHash,
        Section::SavedModels,
        Section::Throughput,
        Section::Checkpoints,
    ];

    /// The name used on the command line.
    pub fn name(self) -> &'static str {
        match self {
            Section::Inference => "inference",
            Section::Training => "training",
            Section::PerfectHash => "perfect-hash",
            Section::SavedModels => "saved-models",
            Section::Throughput => "throughput",
            Section::Checkpoints => "checkpoints",
        }
    }
}

impl fmt::Display for Section {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.name())
    }
}

impl FromStr for Section {
    type Err = Error;

    fn from_str(s: &str) -> Result<Section> {
        Section::ALL
            .into_iter()
            .find(|section| section.name() == s.trim())
            .ok_or_else(|| Error::UnknownName {
                what: "section",
                name: s.to_owned(),
                expected: "inference, training, perfect-hash, saved-models, throughput or \
                           checkpoints",
            })
    }
}

/// What `nh bench` measures, and how long it may take.
#[derive(Debug, Clone)]
pub struct BenchOptions {
    /// Corpus file; `None` = `NH_CORPUS`, else the embedded list.
    pub corpus: Option<PathBuf>,
    /// Words hashed in the inference section (the paper: 300,000).
    pub inference_words: usize,
    /// Bins of the inference model (the paper: 1,000).
    pub bins: usize,
    /// Network shape (the paper: two hidden layers of 300).
    pub model: ModelConfig,
    /// Words per forward pass of NeuralHash inference.
    pub batch: usize,
    /// (words, bins) of the full-versus-factorized-head comparison on a large table; `None`
    /// skips it.
    pub large_table: Option<(usize, usize)>,
    /// Timed repetitions per measurement (the median is reported).
    pub repeats: usize,
    /// `cpu`: CPU only; `auto`: also CUDA when libtorch sees it; `cuda`: CUDA required.
    pub device: DeviceChoice,
    /// Word-set sizes and time caps of the training section (and key sets of the perfect hashes).
    pub training: Vec<TrainingCase>,
    /// Trainers measured.
    pub trainers: Vec<Trainer>,
    /// Upper bound on any trainer's iterations.
    pub max_iterations: usize,
    /// Interpreter for CPython's loop; `None` skips it.
    pub python: Option<PathBuf>,
    /// Sections to run.
    pub sections: Vec<Section>,
    /// Minimum seconds per round of a throughput figure.
    pub throughput_seconds: f64,
    /// Networks whose training checkpoints are measured.
    pub checkpoints: Vec<CheckpointCase>,
    /// Training iterations per checkpoint measurement.
    pub checkpoint_iterations: usize,
    /// Saved model folders measured by the saved-models section (none: it is skipped).
    pub models: Vec<PathBuf>,
    /// Seed of word samples, models and trainers.
    pub seed: u64,
    /// The command line, recorded in the report.
    pub command: String,
    /// Git commit of the code measured (`-dirty` with uncommitted changes); the caller reads it,
    /// nh-bench runs no git.
    pub commit: String,
    /// When the run started, RFC 3339 UTC; the caller's clock, like the commit.
    pub date: String,
}

impl BenchOptions {
    /// The full benchmark: the paper's sizes, about 10 minutes on a 2-core CPU.
    pub fn full() -> BenchOptions {
        BenchOptions {
            corpus: None,
            inference_words: 300_000,
            bins: 1000,
            model: ModelConfig::default(),
            batch: DEFAULT_HASH_BATCH,
            // The whole dictionary's table: the size the paper gave up on.
            large_table: Some((1000, 466_550)),
            repeats: 5,
            device: DeviceChoice::Auto,
            training: vec![
                TrainingCase {
                    words: 1000,
                    pg_seconds: 20.0,
                    cem_seconds: 30.0,
                },
                TrainingCase {
                    words: 3000,
                    pg_seconds: 25.0,
                    cem_seconds: 60.0,
                },
                TrainingCase {
                    words: 10_000,
                    pg_seconds: 30.0,
                    cem_seconds: 450.0,
                },
            ],
            trainers: Trainer::ALL.to_vec(),
            max_iterations: 100_000,
            python: Some(PathBuf::from("python3")),
            sections: Section::ALL.to_vec(),
            throughput_seconds: 0.2,
            checkpoints: vec![CheckpointCase {
                label: "the paper's network".to_owned(),
                config: CemConfig::default(),
                words: 10_000,
                bins: 10_000,
            }],
            checkpoint_iterations: 4,
            models: Vec::new(),
            seed: 0,
            command: "nh bench".to_owned(),
            commit: "unknown".to_owned(),
            date: "unknown".to_owned(),
        }
    }

    /// A smoke run of every section in about a minute: 20,000 words, small word sets, short caps.
    pub fn quick() -> BenchOptions {
        BenchOptions {
            inference_words: 20_000,
            large_table: Some((200, 20_000)),
            repeats: 3,
            training: vec![
                TrainingCase {
                    words: 300,
                    pg_seconds: 3.0,
                    cem_seconds: 10.0,
                },
                TrainingCase {
                    words: 1000,
                    pg_seconds: 3.0,
                    cem_seconds: 15.0,
                },
            ],
            throughput_seconds: 0.05,
            checkpoints: vec![CheckpointCase {
                label: "the paper's network".to_owned(),
                config: CemConfig::default(),
                words: 1000,
                bins: 1000,
            }],
            checkpoint_iterations: 2,
            ..BenchOptions::full()
        }
    }

    fn runs(&self, section: Section) -> bool {
        self.sections.contains(&section)
    }
}

/// Runs the selected sections; `log` receives one line per step.
///
/// # Errors
/// Corpus, encoder, learner and perfect-hash failures, naming what failed.
pub fn run_bench(options: &BenchOptions, log: &mut dyn FnMut(&str)) -> Result<BenchReport> {
    let started = Instant::now();
    let corpus = Corpus::load(options.corpus.as_deref())?;
    let alphabet = Alphabet::from_words(corpus.words());
    let one_hot = OneHotEncoder::new(alphabet, DEFAULT_MAX_LEN)?;
    let encoder = one_hot.index_encoder();
    let devices = devices(options.device)?;
    let mut machine = MachineInfo::probe(&options.commit, &options.date);
    if devices.iter().any(|d| d.is_cuda()) {
        machine.cuda_device = Some(cuda_name());
    }
    let mut notes = Vec::new();
    let inference_words = inference_words(&corpus, options, &mut notes)?;
    let mut report = BenchReport {
        machine,
        command: options.command.clone(),
        corpus: CorpusSummary {
            name: corpus.provenance().source_name.clone(),
            sha256: corpus.provenance().sha256.clone(),
            words: corpus.len(),
            paper: corpus.is_paper_corpus(),
        },
        seed: options.seed,
        repeats: options.repeats,
        inference: None,
        trainers: options.trainers.clone(),
        training: Vec::new(),
        perfect_hash: Vec::new(),
        saved_models: None,
        throughput: Vec::new(),
        checkpoints: Vec::new(),
        notes: Vec::new(),
        load_at_end: None,
        seconds: 0.0,
    };
    if options.runs(Section::Inference) {
        let inputs = inference::InferenceInputs {
            words: &inference_words,
            encoder: &encoder,
            model: &options.model,
            bins: options.bins,
            batch: options.batch,
            repeats: options.repeats,
            devices: &devices,
            python: options.python.as_deref(),
            large_table: options.large_table,
        };
        report.inference = Some(inference::measure_inference(&inputs, log)?);
    }
    let mut best: BTreeMap<(usize, String), (TrainingRow, NeuralHash)> = BTreeMap::new();
    if options.runs(Section::Training) || options.runs(Section::PerfectHash) {
        for case in &options.training {
            let keys = key_set(&corpus, case.words, options.seed)?;
            if options.runs(Section::Training) {
                let inputs = training::TrainingInputs {
                    model: &options.model,
                    encoder: &encoder,
                    seed: options.seed,
                    max_iterations: options.max_iterations,
                };
                for &device in &devices {
                    for &trainer in &options.trainers {
                        let cap = case.cap(trainer);
                        log(&format!(
                            "training: {} on {} words, {}, cap {cap} s",
                            trainer.name(),
                            case.words,
                            nh_agents::device_name(device)
                        ));
                        let (row, model) =
                            training::train_to_zero(&inputs, &keys, trainer, cap, device)?;
                        log(&format!(
                            "  {} iterations, {:.1} s, {} collisions",
                            row.iterations, row.seconds, row.collisions
                        ));
                        keep_best(&mut best, row.clone(), model);
                        report.training.push(row);
                    }
                }
            }
            if options.runs(Section::PerfectHash) {
                log(&format!("perfect hashes: {} keys", case.words));
                report
                    .perfect_hash
                    .extend(perfect_hash::measure_mphfs(&keys, options.repeats)?);
                let trained: Vec<_> = best.iter().filter(|((n, _), _)| *n == case.words).collect();
                if trained.is_empty() {
                    let model = NeuralHash::untrained(
                        &encoder,
                        &options.model,
                        case.words,
                        options.seed,
                        Device::Cpu,
                    )
                    .map_err(error::agent("perfect hash: an untrained model"))?;
                    report.perfect_hash.push(perfect_hash::measure_neural(
                        &keys,
                        &model,
                        None,
                        options.repeats,
                    )?);
                }
                for (_, (row, model)) in trained {
                    report.perfect_hash.push(perfect_hash::measure_neural(
                        &keys,
                        model,
                        Some(row),
                        options.repeats,
                    )?);
                }
            }
        }
    }
    if options.runs(Section::SavedModels) && !options.models.is_empty() {
        // The same words as the inference section's, so its CPython loop serves when it ran.
        let python = match &report.inference {
            Some(inference) => inference.python.clone(),
            None => python::cpython_outcome(
                "saved models",
                options.python.as_deref(),
                &inference_words,
                options.bins,
                options.repeats,
                log,
            ),
        };
        report.saved_models = Some(saved_models::measure_saved_models(
            &options.models,
            &inference_words,
            options.repeats,
            python,
            log,
        )?);
    }
    if options.runs(Section::Throughput) {
        log("throughput: environment and encoders");
        report.throughput = throughput::measure_throughput(
            corpus.words(),
            &inference_words,
            &encoder,
            &one_hot,
            options.repeats,
            options.throughput_seconds,
        )?;
    }
    if options.runs(Section::Checkpoints) {
        let scratch = checkpoints::scratch_dir();
        for case in &options.checkpoints {
            let words = key_set(&corpus, case.words, options.seed)?;
            for &device in &devices {
                log(&format!(
                    "checkpoints: {} on {} words into {} bins, {}",
                    case.label,
                    case.words,
                    case.bins,
                    nh_agents::device_name(device)
                ));
                let row = checkpoints::measure_checkpoints(
                    case,
                    &words,
                    &encoder,
                    options.seed,
                    device,
                    options.checkpoint_iterations,
                    &scratch,
                );
                let row = row.inspect_err(|_| {
                    let _ = std::fs::remove_dir_all(&scratch);
                })?;
                report.checkpoints.push(row);
            }
        }
        let _ = std::fs::remove_dir_all(&scratch);
    }
    report.notes = notes;
    report.load_at_end = machine::load_average();
    report.seconds = started.elapsed().as_secs_f64();
    Ok(report)
}

/// The CPU, plus CUDA when chosen and available.
fn devices(choice: DeviceChoice) -> Result<Vec<Device>> {
    let resolved = choice
        .resolve()
        .map_err(error::agent("choosing the device"))?;
    Ok(if resolved.is_cuda() {
        vec![Device::Cpu, resolved]
    } else {
        vec![Device::Cpu]
    })
}

/// The GPU's name from `nvidia-smi`, or `cuda:0` when it cannot say.
fn cuda_name() -> String {
    std::process::Command::new("nvidia-smi")
        .args(["--query-gpu=name", "--format=csv,noheader", "--id=0"])
        .output()
        .ok()
        .filter(|o| o.status.success())
        .map(|o| String::from_utf8_lossy(&o.stdout).trim().to_owned())
        .filter(|name| !name.is_empty())
        .unwrap_or_else(|| "cuda:0".to_owned())
}

/// The inference words: a seeded sample of the corpus, or all of it when it is smaller.
fn inference_words(
    corpus: &Corpus,
    options: &BenchOptions,
    notes: &mut Vec<String>,
) -> Result<Vec<String>> {
    if corpus.len() >= options.inference_words {
        return Ok(corpus.sample(options.inference_words, options.seed)?);
    }
    notes.push(format!(
        "The corpus has {} words, fewer than the {} asked for inference: all of them were hashed.",
        table::thousands(corpus.len() as u64),
        table::thousands(options.inference_words as u64)
    ));
    Ok(corpus.words().to_vec())
}

/// The fixed key set of `n` words (also the training words).
fn key_set(corpus: &Corpus, n: usize, seed: u64) -> Result<Vec<String>> {
    Ok(corpus.sample(n, seed)?)
}

/// Keeps, per (words, device), the fastest perfect model, else the one with fewest collisions.
fn keep_best(
    best: &mut BTreeMap<(usize, String), (TrainingRow, NeuralHash)>,
    row: TrainingRow,
    model: NeuralHash,
) {
    let key = (row.words, row.device.clone());
    let rank = |r: &TrainingRow| (r.collisions, if r.reached_zero() { r.seconds } else { 0.0 });
    if best
        .get(&key)
        .is_none_or(|(current, _)| rank(&row) < rank(current))
    {
        best.insert(key, (row, model));
    }
}

#[cfg(test)]
mod tests;
