//! Sharded training (`nh train --shard-words`): a router cuts the words into shards of about
//! `shard_words`, each shard is an independent unit trained in parallel into a small perfect
//! network, and the shards are assembled into one sharded model folder that nh-hash reads.
//!
//! A training folder holds `train_words.txt`, `shards/NNNNN/` (each finished shard's model) and
//! `shards/NNNNN.json` (its record, written last: the done mark), `shards.csv` and, once every
//! shard is done, the sharded model itself (`metadata.json`, `model.safetensors`). A stop
//! (Ctrl-C, SIGTERM) starts no new shard, and a resume trains only the shards without a record,
//! so an interrupted training ends with the same bytes as one never interrupted.

mod assemble;
mod plan;
mod shard;

use std::path::Path;
use std::sync::atomic::{AtomicBool, AtomicUsize, Ordering};
use std::time::Instant;

use nh_agents::{Device, ModelProvenance, OutputHead};
use nh_corpus::Corpus;
use nh_encode::{Alphabet, DEFAULT_MAX_LEN, IndexEncoder};
use rayon::prelude::*;

pub use plan::{DEFAULT_MAX_ATTEMPTS, ShardDone, ShardSettings, shard_sizes};

use crate::config::Panel;
use crate::params::learner_model;
use crate::train::{panel_learner, panel_words};
use crate::{Error, Result};
use shard::{ShardJob, finished, train_shard};

/// Folder of the shards inside a training folder.
pub const SHARDS_FOLDER: &str = "shards";

/// A sharded training: the panel gives the learner, its params, the words and the iterations per
/// shard (bins must equal the words: the hash is minimal).
pub struct ShardedRun<'a> {
    /// Words come from here (all of them for `nh train --words-file`).
    pub corpus: &'a Corpus,
    /// Learner, params, words, bins, iterations per shard (schedule `fixed`).
    pub panel: &'a Panel,
    /// Shard size and retries.
    pub settings: &'a ShardSettings,
    /// The run's seed (router and shard seeds come from it).
    pub seed: u64,
    /// Where shards train.
    pub device: Device,
    /// Shards trained at once (each with one libtorch thread).
    pub threads: usize,
    /// The code's commit, recorded in the models.
    pub commit: &'a str,
    /// Set by a signal: no new shard starts.
    pub stop: &'a AtomicBool,
}

/// What a sharded training did.
#[derive(Debug, Clone)]
pub struct ShardedOutcome {
    /// Shards in all.
    pub shards: usize,
    /// Shards trained by this process (the others were done before a resume).
    pub trained_now: usize,
    /// Every shard's record, in shard order.
    pub records: Vec<ShardDone>,
    /// The final check of the saved model over every training word, by nh-hash.
    pub perfection: nh_hash::Perfection,
    /// Bytes of the saved model (metadata and weights).
    pub model_bytes: u64,
    /// Wall seconds of this process's training and assembly.
    pub seconds: f64,
}

/// Checks a sharded training's settings before anything is written.
///
/// # Errors
/// [`Error::Option`] naming the option at fault.
pub fn check_sharded(panel: &Panel, settings: &ShardSettings) -> Result<()> {
    let option = |option: &'static str, message: String| Err(Error::Option { option, message });
    if settings.shard_words < 2 {
        return option(
            "--shard-words",
            format!("{} words per shard: give at least 2", settings.shard_words),
        );
    }
    if settings.max_attempts == 0 {
        return option("--shard-attempts", "must be at least 1".to_owned());
    }
    if panel.bins != panel.words {
        return option(
            "--bins",
            format!(
                "a sharded model is a minimal perfect hash: --bins ({}) must equal the words ({})",
                panel.bins, panel.words
            ),
        );
    }
    if panel.occupancy || panel.schedule != crate::config::Schedule::Fixed {
        return option(
            "--fixed",
            "a sharded training memorizes one fixed word set: give --fixed, without --pool or \
             --occupancy"
                .to_owned(),
        );
    }
    let model = learner_model(panel)?;
    if model.factor_rows.is_some() {
        return option(
            "--params",
            "`model.factor_rows` fixes one table's rows; each shard chooses its own, so leave it out"
                .to_owned(),
        );
    }
    panel_learner(panel).map(|_| ())
}

/// Trains (or continues) the sharded training in the folder `out` and saves the model there.
///
/// # Errors
/// [`Error::ShardFailed`] for a shard without a perfect hash, [`Error::ShardsStopped`] after a
/// stop, learner, model and I/O errors.
pub fn train_sharded(
    run: &ShardedRun<'_>,
    out: &Path,
    on_shard: &(dyn Fn(usize, usize) + Sync),
) -> Result<ShardedOutcome> {
    check_sharded(run.panel, run.settings)?;
    let started = Instant::now();
    let (words, _) = panel_words(run.corpus, run.panel, run.seed)?;
    let factorized = learner_model(run.panel)?.head == OutputHead::Factorized;
    let sizes = shard_sizes(words.len(), run.settings.shard_words, factorized);
    let (router, groups) = nh_hash::Router::split(plan::router_seed(run.seed), &words, &sizes)?;
    let groups: Vec<Vec<String>> = groups
        .into_iter()
        .map(|g| g.into_iter().map(|i| words[i].clone()).collect())
        .collect();
    let encoder = IndexEncoder::new(Alphabet::from_words(run.corpus.words()), DEFAULT_MAX_LEN)
        .map_err(|e| Error::Option {
            option: "--corpus",
            message: e.to_string(),
        })?;
    let mut shard_panel = run.panel.clone();
    shard_panel.words = sizes.iter().copied().max().unwrap_or(1);
    shard_panel.bins = shard_panel.words;
    if run.device == Device::Cpu {
        crate::params::check_memory(&shard_panel)?;
    }
    let learner = panel_learner(&shard_panel)?;
    let folder = out.join(SHARDS_FOLDER);
    std::fs::create_dir_all(&folder).map_err(|source| Error::Io {
        path: folder.clone(),
        source,
    })?;
    let provenance = ModelProvenance {
        corpus_sha256: run.corpus.provenance().sha256.clone(),
        git_commit: run.commit.to_owned(),
    };
    let job = ShardJob {
        learner: &learner,
        encoder: &encoder,
        device: run.device,
        seed: run.seed,
        max_attempts: run.settings.max_attempts,
        provenance: &provenance,
        folder: &folder,
    };
    let mut records: Vec<Option<ShardDone>> = groups
        .iter()
        .enumerate()
        .map(|(k, g)| finished(&folder, k, g))
        .collect::<Result<_>>()?;
    let pending: Vec<usize> = (0..groups.len())
        .filter(|&k| records[k].is_none())
        .collect();
    let done_count = AtomicUsize::new(groups.len() - pending.len());
    on_shard(done_count.load(Ordering::Relaxed), groups.len());
    nh_agents::set_libtorch_threads(1).map_err(|source| Error::Threads { threads: 1, source })?;
    let pool = rayon::ThreadPoolBuilder::new()
        .num_threads(run.threads.max(1))
        .build()
        .map_err(|e| Error::Serialize {
            path: out.to_path_buf(),
            message: e.to_string(),
        })?;
    let trained: Vec<Result<Option<ShardDone>>> = pool.install(|| {
        pending
            .par_iter()
            .map(|&k| {
                if run.stop.load(Ordering::SeqCst) {
                    return Ok(None);
                }
                let done = train_shard(&job, k, &groups[k])?;
                on_shard(done_count.fetch_add(1, Ordering::Relaxed) + 1, groups.len());
                Ok(Some(done))
            })
            .collect()
    });
    let trained_now = pending.len();
    for (k, result) in pending.iter().zip(trained) {
        records[*k] = result?;
    }
    let records: Vec<ShardDone> = match records.iter().cloned().collect::<Option<Vec<_>>>() {
        Some(all) => all,
        None => {
            return Err(Error::ShardsStopped {
                out: out.to_path_buf(),
                done: records.iter().flatten().count(),
                total: groups.len(),
            });
        }
    };
    let assembled = assemble::assemble(&assemble::Parts {
        out,
        folder: &folder,
        router: &router,
        records: &records,
        panel: run.panel,
        settings: run.settings,
        seed: run.seed,
        device: run.device,
        provenance: &provenance,
        words: &words,
    })?;
    Ok(ShardedOutcome {
        shards: groups.len(),
        trained_now,
        records,
        perfection: assembled.perfection,
        model_bytes: assembled.bytes,
        seconds: started.elapsed().as_secs_f64(),
    })
}
