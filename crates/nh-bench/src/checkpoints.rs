//! Section 6 of docs/PERFORMANCE.md: what a training checkpoint (`nh train --checkpoint-every`)
//! costs, its size and the time to write it, against one training iteration of the same run.
//!
//! Each case trains the cross-entropy method twice for a few iterations on the same words: once
//! without checkpoints (the iteration time) and once with one after every iteration (their sizes
//! and write times). Checkpoints go to the scratch folder the caller gives, nowhere else.

use std::fmt::Write;
use std::path::{Path, PathBuf};
use std::sync::Arc;
use std::sync::atomic::AtomicBool;

use nh_agents::{
    CemConfig, CheckpointEvery, Checkpointing, Device, Learner, TrainOutcome, TrainSetup,
};
use nh_encode::IndexEncoder;
use nh_env::{EnvConfig, WordSchedule};
use serde::{Deserialize, Serialize};

use crate::error::agent;
use crate::table::{Align, Table, sig3, thousands};
use crate::{Error, Result};

/// A network whose checkpoints are measured.
#[derive(Debug, Clone)]
pub struct CheckpointCase {
    /// What the network is, for the table (e.g. the learner file it comes from).
    pub label: String,
    /// The cross-entropy method's configuration (its iteration budget is set here).
    pub config: CemConfig,
    /// Training words.
    pub words: usize,
    /// Bins.
    pub bins: usize,
}

/// One measured case.
#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct CheckpointRow {
    /// The case's label.
    pub label: String,
    /// Hidden layer widths.
    pub hidden: Vec<usize>,
    /// Whether the output head is factorized.
    pub factorized: bool,
    /// Trainable parameters of the policy.
    pub parameters: usize,
    /// Training words.
    pub words: usize,
    /// Bins.
    pub bins: usize,
    /// Device.
    pub device: String,
    /// Iterations per training run.
    pub iterations: usize,
    /// Median seconds of one iteration, without checkpoints.
    pub iteration_seconds: f64,
    /// Bytes of one checkpoint (both files).
    pub checkpoint_bytes: u64,
    /// Median seconds to write one checkpoint.
    pub checkpoint_seconds: f64,
}

/// Measures `case` with `iterations` iterations per run, writing checkpoints under `scratch`.
///
/// # Errors
/// A learner or checkpoint failure, naming the case.
pub(crate) fn measure_checkpoints(
    case: &CheckpointCase,
    words: &[String],
    encoder: &IndexEncoder,
    seed: u64,
    device: Device,
    iterations: usize,
    scratch: &Path,
) -> Result<CheckpointRow> {
    let env = EnvConfig::new(case.bins, words.len()).with_schedule(WordSchedule::Fixed);
    let learner = Learner::Cem(CemConfig {
        iterations,
        ..case.config.clone()
    });
    let run = |checkpoint: Option<&Checkpointing>| -> Result<TrainOutcome> {
        let setup = TrainSetup {
            env: &env,
            words,
            encoder,
            seed,
            device,
            time_limit: None,
            checkpoint,
        };
        learner
            .train(&setup, &mut |_| {})
            .map_err(agent(format!("checkpoints: {}", case.label)))
    };
    let plain = run(None)?;
    let dir = scratch.join(format!("checkpoint-{}-{}", case.words, case.bins));
    std::fs::create_dir_all(&dir).map_err(|source| Error::Io {
        path: dir.clone(),
        source,
    })?;
    let checkpointing = Checkpointing {
        dir: dir.clone(),
        every: Some(CheckpointEvery::Iterations(1)),
        stop: Arc::new(AtomicBool::new(false)),
        resume: false,
        corpus_sha256: "bench".to_owned(),
        commit: "bench".to_owned(),
    };
    let checkpointed = run(Some(&checkpointing))?;
    let _ = std::fs::remove_dir_all(&dir);
    let mut iteration_seconds: Vec<f64> = std::iter::once(0.0)
        .chain(plain.metrics.iter().map(|m| m.seconds))
        .collect::<Vec<_>>()
        .windows(2)
        .map(|w| w[1] - w[0])
        .collect();
    let mut write_seconds: Vec<f64> = checkpointed.checkpoints.iter().map(|c| c.seconds).collect();
    let architecture = plain.model.architecture();
    Ok(CheckpointRow {
        label: case.label.clone(),
        hidden: architecture.hidden.clone(),
        factorized: architecture.factors.is_some(),
        parameters: plain.model.parameter_count(),
        words: words.len(),
        bins: case.bins,
        device: nh_agents::device_name(device),
        iterations: plain.metrics.len(),
        iteration_seconds: median(&mut iteration_seconds),
        checkpoint_bytes: checkpointed.checkpoints.last().map_or(0, |c| c.bytes),
        checkpoint_seconds: median(&mut write_seconds),
    })
}

fn median(values: &mut [f64]) -> f64 {
    if values.is_empty() {
        return f64::NAN;
    }
    values.sort_by(f64::total_cmp);
    values[values.len() / 2]
}

/// A scratch folder for one bench run's checkpoints, inside the system's temporary folder.
pub(crate) fn scratch_dir() -> PathBuf {
    std::env::temp_dir().join(format!("nh-bench-checkpoints-{}", std::process::id()))
}

/// The section's markdown.
pub(crate) fn render(out: &mut String, rows: &[CheckpointRow]) {
    let _ = writeln!(out, "## 6. Training checkpoints\n");
    let _ = writeln!(
        out,
        "What `nh train --checkpoint-every` costs: the cross-entropy method trained a few \
         iterations without checkpoints (the iteration time) and again with a checkpoint after \
         every iteration (network, Adam moments, the guard's best network and moments, random \
         generators' positions, targets and metrics; written to a temporary folder, synced and \
         swapped in). Medians over the iterations of this run.\n"
    );
    let mut table = Table::new(&[
        ("network", Align::Left),
        ("parameters", Align::Right),
        ("words x bins", Align::Right),
        ("device", Align::Left),
        ("checkpoint", Align::Right),
        ("write", Align::Right),
        ("one iteration", Align::Right),
        ("write / iteration", Align::Right),
    ]);
    for row in rows {
        table.push(vec![
            format!(
                "{}: hidden {:?}, {} head",
                row.label,
                row.hidden,
                if row.factorized { "factorized" } else { "full" }
            ),
            thousands(row.parameters as u64),
            format!(
                "{} x {}",
                thousands(row.words as u64),
                thousands(row.bins as u64)
            ),
            row.device.clone(),
            format!("{} MB", sig3(row.checkpoint_bytes as f64 / 1e6)),
            format!("{} s", sig3(row.checkpoint_seconds)),
            format!("{} s", sig3(row.iteration_seconds)),
            format!("{}", sig3(row.checkpoint_seconds / row.iteration_seconds)),
        ]);
    }
    let _ = writeln!(out, "{}", table.to_markdown());
    let _ = writeln!(
        out,
        "A checkpoint holds about six copies of the network's parameters as f32 (the policy, its \
         two Adam moments, and the same three for the best network so far). The iteration time \
         is for the word count shown: one iteration of a real run on N words scales with N, the \
         checkpoint does not.\n"
    );
}
