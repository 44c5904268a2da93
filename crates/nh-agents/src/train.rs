//! What every trainer takes (`TrainSetup`) and returns (`TrainOutcome`), and the helpers they share.

use std::time::{Duration, Instant};

use nh_encode::IndexEncoder;
use nh_env::EnvConfig;
use serde::Serialize;
use tch::Device;

use crate::device::device_name;
use crate::key::policy_key;
use crate::metrics::IterationMetrics;
use crate::model_config::ModelConfig;
use crate::model_file::{TrainingRecord, training_record};
use crate::net::NetSpec;
use crate::neural_hash::NeuralHash;
use crate::resume::{Checkpointing, RunIdentity, words_sha256};
use crate::{Error, Result};

/// The problem a reinforcement-learning trainer solves.
#[derive(Debug, Clone, Copy)]
pub struct TrainSetup<'a> {
    /// The environment: bins, words per episode, rewards, observation, word schedule.
    pub env: &'a EnvConfig,
    /// The environment's word list (a corpus, a pool or the fixed set, per `env.schedule`).
    pub words: &'a [String],
    /// Turns words into network inputs; recorded in the model.
    pub encoder: &'a IndexEncoder,
    /// Every random choice derives from this seed.
    pub seed: u64,
    /// Where the networks live.
    pub device: Device,
    /// Stop after the first iteration that ends past this much wall time (`None`: run the whole
    /// budget). A stop by time is not reproducible; the model records the iterations run.
    pub time_limit: Option<Duration>,
    /// Write training checkpoints (and resume from one); `None` for figures and benchmarks.
    pub checkpoint: Option<&'a Checkpointing>,
}

impl TrainSetup<'_> {
    /// The policy's network shape for this problem: one output per bin, through the model's head.
    ///
    /// # Errors
    /// [`Error::Config`] when a factorized head's rows do not divide the bins.
    pub(crate) fn policy_spec(&self, model: &ModelConfig) -> Result<NetSpec> {
        Ok(NetSpec {
            factors: model.output_factors(self.env.bins)?,
            key: policy_key(model, self.seed),
            ..self.value_spec(model, self.env.bins)
        })
    }

    /// A critic's or Q network's shape: `outputs` values through a full head.
    pub(crate) fn value_spec(&self, model: &ModelConfig, outputs: usize) -> NetSpec {
        let occupancy = if self.env.observation.shows_table() {
            self.env.bins
        } else {
            0
        };
        NetSpec::for_encoder(self.encoder, occupancy, &model.hidden, outputs, None)
    }

    /// The training record stored in the model.
    pub(crate) fn record(
        &self,
        algorithm: &str,
        config: &impl Serialize,
        iterations_run: usize,
    ) -> TrainingRecord {
        training_record(
            algorithm,
            self.seed,
            self.device,
            Some(self.env.clone()),
            config,
            iterations_run,
        )
    }

    /// Whether the time limit, if any, has passed (in this session, not counting earlier ones
    /// of a resumed run).
    pub(crate) fn out_of_time(&self, clock: &Clock) -> bool {
        self.time_limit
            .is_some_and(|limit| clock.started.elapsed() >= limit)
    }

    /// What this run is, for its checkpoints: the learner and its config without the iteration
    /// budget, the environment, the seed, the words, the corpus, the commit and the CPU.
    pub(crate) fn run_identity(
        &self,
        algorithm: &str,
        config: &impl Serialize,
        checkpointing: &Checkpointing,
    ) -> Result<RunIdentity> {
        RunIdentity::new(
            algorithm,
            (config, "iterations"),
            Some(self.env),
            self.seed,
            words_sha256(&[self.words]),
            checkpointing,
        )
    }

    /// Rejects an environment configuration the trainer cannot run.
    pub(crate) fn require_word_only(&self, algorithm: &'static str) -> Result<()> {
        if self.env.observation.shows_table() {
            return Err(Error::config(
                "env.observation",
                format!("{:?}", self.env.observation),
                &format!("{algorithm} supports word_only observations (as in the paper)"),
            ));
        }
        Ok(())
    }
}

/// A trained model and its learning curve.
#[derive(Debug)]
pub struct TrainOutcome {
    /// The trained policy as a hash function.
    pub model: NeuralHash,
    /// One entry per iteration run.
    pub metrics: Vec<IterationMetrics>,
    /// The checkpoints this session wrote (empty without [`TrainSetup::checkpoint`]).
    pub checkpoints: Vec<CheckpointWrite>,
}

/// One checkpoint written while training: when, how large, how long it took.
#[derive(Debug, Clone, PartialEq)]
pub struct CheckpointWrite {
    /// Iterations done when it was written.
    pub iterations: usize,
    /// Bytes of its files.
    pub bytes: u64,
    /// Seconds to write it (serializing, writing, syncing, swapping in).
    pub seconds: f64,
}

/// Logs an iteration (tracing, debug level), reports it to the caller and keeps it.
pub(crate) fn record_iteration(
    algorithm: &'static str,
    row: IterationMetrics,
    progress: &mut dyn FnMut(&IterationMetrics),
    metrics: &mut Vec<IterationMetrics>,
) {
    tracing::debug!(
        algorithm,
        iteration = row.iteration,
        reward = row.reward,
        collisions = row.collisions,
        greedy_collisions = ?row.greedy_collisions,
        loss = ?row.loss,
        entropy = row.entropy,
        "iteration"
    );
    progress(&row);
    metrics.push(row);
}

/// Logs the start of a training run (tracing, info level).
pub(crate) fn log_start(algorithm: &'static str, setup: &TrainSetup<'_>, iterations: usize) {
    tracing::info!(
        algorithm,
        device = %device_name(setup.device),
        bins = setup.env.bins,
        words_per_episode = setup.env.words_per_episode,
        words = setup.words.len(),
        seed = setup.seed,
        iterations,
        "training"
    );
}

/// Training seconds: this session's, plus those of earlier sessions of a resumed run.
pub(crate) struct Clock {
    started: Instant,
    before: f64,
}

impl Clock {
    /// A clock that goes on from `before` seconds of earlier sessions.
    pub fn resumed(before: f64) -> Clock {
        Clock {
            started: Instant::now(),
            before,
        }
    }

    pub fn seconds(&self) -> f64 {
        self.before + self.started.elapsed().as_secs_f64()
    }
}
