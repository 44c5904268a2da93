//! One shard: trained with retries until nh-hash counts no collision among its words, saved as a
//! one-network model folder, then marked done by its record.

use std::path::{Path, PathBuf};
use std::time::Instant;

use nh_agents::{Device, Learner, ModelProvenance, NeuralHash, TrainSetup};
use nh_encode::IndexEncoder;
use nh_env::{EnvConfig, WordSchedule};
use nh_hash::sha256_hex;

use crate::rundir::{Existing, write_file};
use crate::sharded::plan::{ShardDone, shard_seed};
use crate::{Error, Result};

/// What every shard of a run shares.
pub(crate) struct ShardJob<'a> {
    pub learner: &'a Learner,
    pub encoder: &'a IndexEncoder,
    pub device: Device,
    pub seed: u64,
    pub max_attempts: usize,
    pub provenance: &'a ModelProvenance,
    /// `<out>/shards`.
    pub folder: &'a Path,
}

/// The model folder of shard `k`.
pub(crate) fn shard_dir(folder: &Path, k: usize) -> PathBuf {
    folder.join(format!("{k:05}"))
}

/// The record of shard `k`.
pub(crate) fn shard_record(folder: &Path, k: usize) -> PathBuf {
    folder.join(format!("{k:05}.json"))
}

/// SHA-256 of a shard's words, one per line.
pub(crate) fn words_digest(words: &[String]) -> String {
    let mut text = words.join("\n");
    text.push('\n');
    sha256_hex(text.as_bytes())
}

/// The record of shard `k` if it is done with these words; a record of other words is an error.
pub(crate) fn finished(folder: &Path, k: usize, words: &[String]) -> Result<Option<ShardDone>> {
    let path = shard_record(folder, k);
    let bytes = match std::fs::read(&path) {
        Ok(bytes) => bytes,
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => return Ok(None),
        Err(source) => return Err(Error::Io { path, source }),
    };
    let done: ShardDone = serde_json::from_slice(&bytes).map_err(|e| Error::Record {
        path: path.clone(),
        message: e.to_string(),
    })?;
    if done.shard != k || done.words_sha256 != words_digest(words) {
        return Err(Error::Record {
            path,
            message: format!(
                "the record is of shard {} with other words than this run's shard {k}: the \
                 folder belongs to another training; use a new --out",
                done.shard
            ),
        });
    }
    Ok(Some(done))
}

/// Trains shard `k` on `words` (bins = words) until nh-hash finds its hash perfect, at most
/// `max_attempts` times with the shard's successive seeds; saves it and writes its record.
pub(crate) fn train_shard(job: &ShardJob<'_>, k: usize, words: &[String]) -> Result<ShardDone> {
    let started = Instant::now();
    let env = EnvConfig::new(words.len(), words.len()).with_schedule(WordSchedule::Fixed);
    let mut last_collisions = 0;
    for attempt in 0..job.max_attempts {
        let seed = shard_seed(job.seed, k, attempt);
        let setup = TrainSetup {
            env: &env,
            words,
            encoder: job.encoder,
            seed,
            device: job.device,
            time_limit: None,
            checkpoint: None,
        };
        let outcome = job
            .learner
            .train(&setup, &mut |_| {})
            .map_err(|source| agent_error(k, seed, source))?;
        let collisions = exact_collisions(&outcome.model, words, k, seed)?;
        if collisions == 0 {
            let dir = shard_dir(job.folder, k);
            if dir.exists() {
                // A leftover of a run stopped between the model and its record: never trusted.
                std::fs::remove_dir_all(&dir).map_err(|source| Error::Io {
                    path: dir.clone(),
                    source,
                })?;
            }
            outcome
                .model
                .save(&dir, job.provenance)
                .map_err(|source| agent_error(k, seed, source))?;
            let done = ShardDone {
                shard: k,
                words: words.len(),
                words_sha256: words_digest(words),
                seed,
                attempts: attempt + 1,
                iterations: outcome.metrics.len(),
                seconds: started.elapsed().as_secs_f64(),
            };
            let mut json = serde_json::to_vec_pretty(&done).expect("records serialize");
            json.push(b'\n');
            write_file(&shard_record(job.folder, k), &json, Existing::Refuse)?;
            return Ok(done);
        }
        tracing::info!(
            shard = k,
            attempt,
            collisions,
            "shard not perfect; retrying"
        );
        last_collisions = collisions;
    }
    Err(Error::ShardFailed {
        shard: k,
        words: words.len(),
        attempts: job.max_attempts,
        collisions: last_collisions,
    })
}

/// Collisions of `model` on `words` in nh-hash's arithmetic (the definition of the hash).
fn exact_collisions(model: &NeuralHash, words: &[String], k: usize, seed: u64) -> Result<usize> {
    let hash = model
        .to_exact()
        .map_err(|source| agent_error(k, seed, source))?;
    Ok(hash.check_perfect(words).collisions)
}

fn agent_error(k: usize, seed: u64, source: nh_agents::Error) -> Error {
    Error::Agent {
        panel: format!("shard {k}"),
        seed,
        source,
    }
}
