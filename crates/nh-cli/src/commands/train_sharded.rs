//! `nh train --shard-words`: prints and drives a sharded training (nh-exp's `train_sharded`).

use std::path::Path;
use std::sync::Arc;
use std::sync::atomic::{AtomicBool, Ordering};

use anyhow::{Context, Result};
use indicatif::{ProgressBar, ProgressStyle};
use nh_agents::DeviceChoice;
use nh_corpus::Corpus;
use nh_exp::{Existing, Panel, ShardSettings, ShardedRun, train_sharded, write_file};

/// A sharded training's settings, as `nh train` resolved them.
pub struct Job<'a> {
    pub panel: &'a Panel,
    pub settings: &'a ShardSettings,
    pub seed: u64,
    pub device: DeviceChoice,
    pub commit: &'a str,
    pub corpus: &'a Corpus,
    pub threads: Option<usize>,
    pub max_seconds: Option<f64>,
}

/// Trains (or continues, with `resuming`) the sharded training in `out`; `job_json` gives the
/// bytes of `train.json`, written first for a new training.
pub fn run(
    job: &Job<'_>,
    out: &Path,
    resuming: bool,
    job_json: impl FnOnce() -> Result<Vec<u8>>,
) -> Result<()> {
    let device = job.device.resolve()?;
    let threads = job.threads.unwrap_or_else(|| {
        std::thread::available_parallelism().map_or(1, std::num::NonZeroUsize::get)
    });
    if threads == 0 {
        anyhow::bail!("--threads 0: give at least 1");
    }
    if !resuming {
        std::fs::create_dir(out).with_context(|| format!("creating {}", out.display()))?;
        write_file(&out.join("train.json"), &job_json()?, Existing::Refuse)?;
    }
    let stop = Arc::new(AtomicBool::new(false));
    crate::interrupt::stop_on_signal(Arc::clone(&stop));
    if let Some(seconds) = job.max_seconds {
        let stop = Arc::clone(&stop);
        let limit = std::time::Duration::try_from_secs_f64(seconds)
            .map_err(|_| anyhow::anyhow!("--max-seconds: {seconds} is not a duration"))?;
        std::thread::spawn(move || {
            std::thread::sleep(limit);
            stop.store(true, Ordering::SeqCst);
        });
    }
    let bar = ProgressBar::new(0);
    bar.set_style(
        ProgressStyle::with_template("[{bar:40}] {pos}/{len} shards {elapsed} ETA {eta}")
            .expect("valid template"),
    );
    let run = ShardedRun {
        corpus: job.corpus,
        panel: job.panel,
        settings: job.settings,
        seed: job.seed,
        device,
        threads,
        commit: job.commit,
        stop: &stop,
    };
    let outcome = train_sharded(&run, out, &|done, total| {
        bar.set_length(total as u64);
        bar.set_position(done as u64);
    })
    .context("sharded training")?;
    bar.finish_and_clear();
    let iterations: Vec<usize> = outcome.records.iter().map(|r| r.iterations).collect();
    let retried = outcome.records.iter().filter(|r| r.attempts > 1).count();
    let words = outcome.perfection.words;
    println!(
        "model: {} (sharded: {} shards)",
        out.display(),
        outcome.shards
    );
    println!(
        "trained {} shards in {:.1} s with {threads} at a time ({} done before); iterations per \
         shard: median {}, max {}; {retried} shards needed a retry",
        outcome.trained_now,
        outcome.seconds,
        outcome.shards - outcome.trained_now,
        median(&iterations),
        iterations.iter().max().copied().unwrap_or(0),
    );
    println!(
        "checked by nh-hash: {} words into {} distinct bins ({}), {} bytes = {:.1} bits per key",
        words,
        outcome.perfection.distinct_bins(),
        if outcome.perfection.is_perfect() {
            "a perfect hash"
        } else {
            "NOT perfect"
        },
        outcome.model_bytes,
        outcome.model_bytes as f64 * 8.0 / words.max(1) as f64
    );
    if !outcome.perfection.is_perfect() {
        anyhow::bail!(
            "{}: the assembled model has {} collisions on its training words",
            out.display(),
            outcome.perfection.collisions
        );
    }
    Ok(())
}

fn median(values: &[usize]) -> usize {
    let mut sorted = values.to_vec();
    sorted.sort_unstable();
    sorted.get(sorted.len() / 2).copied().unwrap_or(0)
}
