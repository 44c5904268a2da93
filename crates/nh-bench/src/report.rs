//! `BenchReport`, everything one `nh bench` run measured, and the skeleton of
//! docs/PERFORMANCE.md: the header, the machine, the headline, then each section's own markdown
//! in order, "What the numbers mean" and the notes. Every number comes from the report, except
//! the paper's own figures, which are named as such.

use std::fmt::Write;

use serde::{Deserialize, Serialize};

use crate::checkpoints::CheckpointRow;
use crate::inference::InferenceReport;
use crate::machine::MachineInfo;
use crate::paper::{PAPER_NEURAL_MS, PAPER_PYTHON_MS};
use crate::perfect_hash::PerfectHashRow;
use crate::python::PythonOutcome;
use crate::saved_models::SavedModelsReport;
use crate::table::{Align, Table, millions, sig3, thousands, times};
use crate::throughput::{Throughput, ThroughputRow};
use crate::training::markdown::{fastest_perfect, fewest_collisions, paper_training_ratio, sizes};
use crate::training::{Trainer, TrainingRow};
use crate::{Result, checkpoints, perfect_hash, throughput, training};

/// The corpus a run used.
#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct CorpusSummary {
    /// Source name.
    pub name: String,
    /// SHA-256 of its bytes.
    pub sha256: String,
    /// Distinct words.
    pub words: usize,
    /// Whether it is the paper's 466,550-word list.
    pub paper: bool,
}

/// Everything one `nh bench` run measured.
#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct BenchReport {
    /// Machine, libtorch, commit, date.
    pub machine: MachineInfo,
    /// The command line.
    pub command: String,
    /// The corpus.
    pub corpus: CorpusSummary,
    /// Seed of samples, models and trainers.
    pub seed: u64,
    /// Repetitions per measurement.
    pub repeats: usize,
    /// The inference section.
    pub inference: Option<InferenceReport>,
    /// The trainers used, in order.
    pub trainers: Vec<Trainer>,
    /// The training section.
    pub training: Vec<TrainingRow>,
    /// The perfect-hash section.
    pub perfect_hash: Vec<PerfectHashRow>,
    /// The saved-models section (absent in reports saved before it existed).
    #[serde(default)]
    pub saved_models: Option<SavedModelsReport>,
    /// The throughput section.
    pub throughput: Vec<ThroughputRow>,
    /// The checkpoint section (absent in reports saved before it existed).
    #[serde(default)]
    pub checkpoints: Vec<CheckpointRow>,
    /// Things that were skipped or adjusted, in words.
    pub notes: Vec<String>,
    /// /proc/loadavg's load averages when the run ended.
    pub load_at_end: Option<String>,
    /// Wall-clock seconds of the whole run.
    pub seconds: f64,
}

impl BenchReport {
    /// The report as markdown (the contents of docs/PERFORMANCE.md).
    pub fn to_markdown(&self) -> String {
        render(self)
    }

    /// Every measurement as pretty-printed JSON.
    pub fn to_json(&self) -> String {
        serde_json::to_string_pretty(self).expect("bench reports serialize to JSON")
    }

    /// A report saved by [`to_json`](BenchReport::to_json), e.g. to render it again.
    ///
    /// # Errors
    /// [`Error::SavedReport`] naming the JSON error's line and column.
    pub fn from_json(text: &str) -> Result<BenchReport> {
        Ok(serde_json::from_str(text)?)
    }
}

/// The whole document.
fn render(report: &BenchReport) -> String {
    let mut out = String::new();
    header(&mut out, report);
    machine(&mut out, report);
    headline(&mut out, report);
    if let Some(inference) = &report.inference {
        inference.render(&mut out);
    }
    if !report.training.is_empty() {
        training::markdown::render(&mut out, &report.trainers, &report.training);
    }
    if !report.perfect_hash.is_empty() {
        perfect_hash::render(&mut out, &report.perfect_hash);
    }
    if !report.throughput.is_empty() {
        throughput::render(&mut out, &report.throughput);
    }
    if !report.checkpoints.is_empty() {
        checkpoints::render(&mut out, &report.checkpoints);
    }
    if let Some(saved) = &report.saved_models {
        saved.render(&mut out);
    }
    meaning(&mut out, report);
    notes(&mut out, report);
    out
}

fn header(out: &mut String, report: &BenchReport) {
    let _ = writeln!(out, "# Performance\n");
    let _ = writeln!(
        out,
        "Written by `nh bench` from one run; do not edit by hand. Every ratio below compares \
         figures measured in that same run, except the paper's figures, which are labelled \
         \"paper\". Each time is the median of {} timed runs after one untimed warm-up.\n",
        report.repeats
    );
    let _ = writeln!(
        out,
        "This run: `{}`, {}, commit `{}`, {} minutes in all.\n",
        report.command,
        report.machine.date,
        report.machine.commit,
        sig3(report.seconds / 60.0)
    );
    let _ = writeln!(
        out,
        "Regenerate (release build, about 10 minutes on 2 cores; `--quick` for a one-minute smoke run):\n"
    );
    let models: String = report
        .saved_models
        .iter()
        .flat_map(|saved| &saved.models)
        .map(|row| format!(" --model {}", row.path.display()))
        .collect();
    let _ = writeln!(
        out,
        "```sh\ncargo xtask bench{models} --write docs/PERFORMANCE.md --json docs/PERFORMANCE.json\n\
         # render the saved measurements again, without measuring:\n\
         cargo xtask nh bench --from-json docs/PERFORMANCE.json --write docs/PERFORMANCE.md\n```\n"
    );
    if !models.is_empty() {
        let _ = writeln!(
            out,
            "The `--model` folders are the sharded whole-dictionary models of docs/REPRODUCTION.md \
             (\"The whole dictionary, sharded\"), trained first with the commands given there.\n"
        );
    }
}

fn machine(out: &mut String, report: &BenchReport) {
    let m = &report.machine;
    let mut table = Table::new(&[("", Align::Left), ("", Align::Left)]);
    table.push(vec![
        "CPU".into(),
        format!(
            "{} ({} logical processors listed, {} available to this process)",
            m.cpu_model, m.cpu_listed, m.cores_available
        ),
    ]);
    if let Some(gib) = m.memory_gib {
        table.push(vec!["Memory".into(), format!("{} GiB", sig3(gib))]);
    }
    let l = &m.libtorch;
    let cuda = if l.cuda_available {
        format!("CUDA available ({} devices)", l.cuda_devices)
    } else {
        "CUDA unavailable".to_owned()
    };
    table.push(vec![
        "libtorch".into(),
        format!("{}, {} intra-op threads, {cuda}", l.version, l.threads),
    ]);
    table.push(vec![
        "GPU".into(),
        m.cuda_device.clone().unwrap_or_else(|| {
            "none used (CUDA not available to libtorch, or `--device cpu`)".to_owned()
        }),
    ]);
    let c = &report.corpus;
    table.push(vec![
        "Corpus".into(),
        format!(
            "{}, {} words, SHA-256 `{}…`{}",
            c.name,
            thousands(c.words as u64),
            &c.sha256[..c.sha256.len().min(16)],
            if c.paper { " (the paper's list)" } else { "" }
        ),
    ]);
    if let Some(PythonOutcome::Measured(t)) = report.inference.as_ref().map(|i| &i.python) {
        table.push(vec!["CPython".into(), t.version.clone()]);
    }
    if let (Some(start), Some(end)) = (&m.load_at_start, &report.load_at_end) {
        table.push(vec![
            "Load average".into(),
            format!("{start} at the start, {end} at the end (1, 5, 15 minutes; other processes competing for the {} cores show here)", m.cores_available),
        ]);
    }
    table.push(vec!["Seed".into(), report.seed.to_string()]);
    let _ = writeln!(out, "## Machine\n\n{}", table.to_markdown());
}

/// The few numbers the README quotes.
fn headline(out: &mut String, report: &BenchReport) {
    let mut lines = Vec::new();
    if let Some(inference) = &report.inference {
        if let (Some(neural), Some(python)) = (inference.neural_cpu(), inference.cpython_seconds())
        {
            lines.push(format!(
                "Hashing {} words (M = {}): NeuralHash {} ms on the CPU ({} threads), CPython's loop {} ms: \
                 **{} slower** (the paper: {} ms vs {} ms = {}).",
                thousands(inference.words as u64),
                thousands(inference.bins as u64),
                sig3(neural.timing.median_ms()),
                neural.threads,
                sig3(python * 1e3),
                times(neural.timing.median_s() / python),
                thousands(PAPER_NEURAL_MS as u64),
                thousands(PAPER_PYTHON_MS as u64),
                times(PAPER_NEURAL_MS / PAPER_PYTHON_MS),
            ));
        }
        for e in inference.efficiency.iter() {
            lines.push(format!(
                "Forward pass on {}: {} GFLOP/s end to end; the matrix products alone would take {}% of the measured time at libtorch's GEMM rate for the same shapes.",
                e.device,
                sig3(e.achieved_flops_per_second() / 1e9),
                sig3(100.0 * e.gemm_bound_seconds() / e.forward.median_s()),
            ));
        }
    }
    for words in sizes(&report.training) {
        lines.push(match fastest_perfect(&report.training, words) {
            Some(row) => format!(
                "Perfect hash of {} words: {} s with {} on {}{}.",
                thousands(words as u64),
                sig3(row.seconds),
                row.trainer.name(),
                row.device,
                paper_training_ratio(row)
            ),
            None => format!(
                "Perfect hash of {} words: no trainer reached zero collisions within its time cap \
                 (fewest left: {}).",
                thousands(words as u64),
                thousands(fewest_collisions(&report.training, words) as u64)
            ),
        });
    }
    if let Some(saved) = &report.saved_models {
        lines.extend(saved.headline());
    }
    if lines.is_empty() {
        return;
    }
    let _ = writeln!(out, "## Headline\n");
    for line in lines {
        let _ = writeln!(out, "- {line}");
    }
    out.push('\n');
}

/// "What the numbers mean": sentences chosen and filled from the measurements.
fn meaning(out: &mut String, report: &BenchReport) {
    let mut sentences = Vec::new();
    if let Some(inference) = &report.inference {
        sentences.extend(inference.meaning());
    }
    sentences.extend(training::markdown::meaning(&report.training));
    sentences.extend(perfect_hash::meaning(&report.perfect_hash));
    if let Some(saved) = &report.saved_models {
        sentences.extend(saved.meaning());
    }
    if let (Some(score), Some(inference)) = (
        report
            .throughput
            .iter()
            .find(|r| r.what == Throughput::PlayEpisode),
        report
            .inference
            .as_ref()
            .and_then(InferenceReport::neural_cpu),
    ) {
        let network = inference_words_per_second(report, inference.timing.median_s());
        sentences.push(format!(
            "The environment is not what limits training: it scores {} steps per second on one \
             core, while the network evaluates {} words per second on all cores.",
            millions(score.per_second),
            millions(network)
        ));
    }
    if sentences.is_empty() {
        return;
    }
    let _ = writeln!(out, "## What the numbers mean\n\n{}\n", sentences.join(" "));
}

fn notes(out: &mut String, report: &BenchReport) {
    let mut notes = report.notes.clone();
    if report.machine.cuda_device.is_none() {
        notes.push(
            "No CUDA device was used, so there are no GPU rows; on a machine with CUDA, `nh bench \
             --device auto` adds them. Beside this file, not written by this command: \
             `PERFORMANCE-<GPU>.md`, the same report from a GPU machine \
             (`experiments/device/cuda-check.sh`), and `PERFORMANCE-python.md`, the Python \
             binding's steps per second (`crates/nh-py/bench/steps_per_second.py`)."
                .to_owned(),
        );
    }
    if notes.is_empty() {
        return;
    }
    let _ = writeln!(out, "## Notes\n");
    for note in notes {
        let _ = writeln!(out, "- {note}");
    }
    out.push('\n');
}

fn inference_words_per_second(report: &BenchReport, seconds: f64) -> f64 {
    report
        .inference
        .as_ref()
        .map_or(f64::NAN, |i| i.words as f64 / seconds)
}
