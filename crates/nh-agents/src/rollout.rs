//! Playing episodes with the current policy: B episodes per update, batched forward passes.
//!
//! Word-only observations take the whole-episode path: the policy cannot see the table, so all
//! B x N actions come from one forward pass and `HashTableEnv::play_episode` scores them.
//! Occupancy observations step B environments in lockstep (`VecEnv`), one forward pass over the
//! B current states per step without autograd, then one forward pass with autograd over all
//! recorded states for the update.

use std::path::Path;

use nh_env::{EpisodeStats, FnEncoder, HashTableEnv, RngState, Step, VecEnv, score_actions};
use rand::Rng;
use serde::{Deserialize, Serialize};
use tch::{Device, Kind, Tensor};

use crate::inputs::WordIds;
use crate::key::WordKey;
use crate::metrics::IterationMetrics;
use crate::net::{Net, NetInput};
use crate::sampling::{argmax_rows, sample_rows};
use crate::seeds::{Stream, rng};
use crate::train::TrainSetup;
use crate::{Error, Result};

/// The environments' encoder: the word part of observations is empty, because the networks
/// read words through [`WordIds`]; what remains of an observation is the table part.
pub(crate) type TableOnly = FnEncoder<fn(&str, &mut [f32])>;

/// An encoder that writes nothing.
pub(crate) fn table_only() -> TableOnly {
    fn ignore(_: &str, _: &mut [f32]) {}
    FnEncoder::new(0, ignore as fn(&str, &mut [f32]))
}

/// B episodes played by the policy, states in episode-major order (row = episode x N + step).
pub(crate) struct Rollout {
    /// Every visited state.
    pub input: NetInput,
    /// Policy logits on `input`, with autograd (unless collected under `no_grad`).
    pub logits: Tensor,
    /// The word (index into the environment's list) of every state.
    pub rows: Vec<usize>,
    /// The sampled actions.
    pub actions: Vec<usize>,
    /// The rewards the environment gave.
    pub rewards: Vec<f32>,
    /// Number of episodes B.
    pub episodes: usize,
    /// Steps per episode N.
    pub steps: usize,
    /// Per-episode statistics.
    pub stats: Vec<EpisodeStats>,
    /// Mean collisions of the argmax placement of each episode's words (word-only only).
    pub greedy_collisions: Option<f64>,
}

impl Rollout {
    /// The sampled actions as an int64 tensor on `device`.
    pub fn actions_tensor(&self, device: Device) -> Tensor {
        let actions: Vec<i64> = self.actions.iter().map(|&a| a as i64).collect();
        Tensor::from_slice(&actions).to_device(device)
    }
}

/// Plays episodes of one environment configuration.
pub(crate) enum Collector {
    /// Word-only observations: B independent environments, whole-episode path.
    WordOnly {
        /// One environment per episode of an update.
        envs: Vec<HashTableEnv<TableOnly>>,
        /// Ids of the environment's word list.
        ids: WordIds,
        /// Seed of the first reset (environment i gets seed + i); `None` afterwards.
        seed: Option<u64>,
    },
    /// Observations that show the table: B environments in lockstep.
    Table {
        /// The lockstep environments.
        envs: VecEnv<TableOnly>,
        /// Ids of the environment's word list.
        ids: WordIds,
        /// Seed of the first reset; `None` afterwards.
        seed: Option<u64>,
    },
}

impl Collector {
    /// Environments for `episodes` episodes per update over the setup's words, first reset with
    /// a seed drawn from the setup's environment stream; `key` is the policy's word key.
    pub fn new(setup: &TrainSetup<'_>, episodes: usize, key: Option<WordKey>) -> Result<Collector> {
        let (config, words) = (setup.env, setup.words);
        let seed = rng(setup.seed, Stream::Env).random();
        let ids = WordIds::new(setup.encoder, words, key);
        if config.observation.shows_table() {
            let envs = VecEnv::new(config.clone(), words.to_vec(), table_only(), episodes)?;
            Ok(Collector::Table {
                envs,
                ids,
                seed: Some(seed),
            })
        } else {
            let shared: std::sync::Arc<[String]> = words.into();
            let envs = (0..episodes)
                .map(|_| {
                    HashTableEnv::with_shared_words(config.clone(), shared.clone(), table_only())
                })
                .collect::<nh_env::Result<Vec<_>>>()?;
            Ok(Collector::WordOnly {
                envs,
                ids,
                seed: Some(seed),
            })
        }
    }

    /// Ids of the environment's word list (rows of [`Rollout::rows`] index it).
    pub fn ids(&self) -> &WordIds {
        match self {
            Collector::WordOnly { ids, .. } | Collector::Table { ids, .. } => ids,
        }
    }

    /// Where the collector stands between iterations, for a training checkpoint.
    pub fn state(&self) -> CollectorState {
        match self {
            Collector::WordOnly { envs, seed, .. } => CollectorState {
                seed: *seed,
                envs: envs.iter().map(HashTableEnv::rng_state).collect(),
            },
            Collector::Table { envs, seed, .. } => CollectorState {
                seed: *seed,
                envs: envs.rng_states(),
            },
        }
    }

    /// Goes on from `state` (of a collector built with the same setup and episodes per update):
    /// the following rollouts are those the saved collector would have played.
    ///
    /// # Errors
    /// [`Error::Checkpoint`] when `state` holds another number of environments.
    pub fn restore(&mut self, state: &CollectorState, origin: &Path) -> Result<()> {
        let bad = |count: usize| Error::Checkpoint {
            path: origin.to_path_buf(),
            reason: format!(
                "{} environment states, the training plays {count} episodes per update",
                state.envs.len()
            ),
        };
        match self {
            Collector::WordOnly { envs, seed, .. } => {
                if envs.len() != state.envs.len() {
                    return Err(bad(envs.len()));
                }
                for (env, rng) in envs.iter_mut().zip(&state.envs) {
                    env.set_rng_state(rng);
                }
                *seed = state.seed;
            }
            Collector::Table { envs, seed, .. } => {
                envs.set_rng_states(&state.envs)
                    .map_err(|_| bad(envs.num_envs()))?;
                *seed = state.seed;
            }
        }
        Ok(())
    }

    /// Plays one episode per environment with actions sampled from `policy`.
    pub fn collect(&mut self, policy: &Net, rng: &mut impl Rng) -> Result<Rollout> {
        match self {
            Collector::WordOnly { envs, ids, seed } => {
                collect_word_only(envs, ids, seed.take(), policy, rng)
            }
            Collector::Table { envs, ids, seed } => {
                collect_lockstep(envs, ids, seed.take(), policy, rng)
            }
        }
    }
}

/// A collector's state between iterations: all that decides its next episodes' words.
#[derive(Debug, Clone, Serialize, Deserialize)]
pub(crate) struct CollectorState {
    /// The seed of the first reset, while it is still to come.
    seed: Option<u64>,
    /// Each environment's episode generator.
    envs: Vec<RngState>,
}

/// One forward pass over all B x N words, sampled actions scored by `play_episode`.
fn collect_word_only(
    envs: &mut [HashTableEnv<TableOnly>],
    ids: &WordIds,
    seed: Option<u64>,
    policy: &Net,
    rng: &mut impl Rng,
) -> Result<Rollout> {
    let mut rows = Vec::new();
    for (i, env) in envs.iter_mut().enumerate() {
        env.try_reset(seed.map(|s| s.wrapping_add(i as u64)), &mut [])?;
        rows.extend_from_slice(env.episode_words());
    }
    let steps = rows.len() / envs.len();
    let input = ids.input(&rows, policy.device());
    let logits = policy.forward(&input);
    let probs = logits.detach().softmax(-1, Kind::Float);
    let actions = sample_rows(&probs, rng);
    let greedy = argmax_rows(&logits.detach());
    let mut rewards = vec![0f32; rows.len()];
    let mut scratch = vec![0f32; steps];
    let mut stats = Vec::with_capacity(envs.len());
    let mut greedy_total = 0.0;
    for (i, env) in envs.iter_mut().enumerate() {
        let span = i * steps..(i + 1) * steps;
        stats.push(env.play_episode(&actions[span.clone()], &mut rewards[span.clone()])?);
        let bins = env.config().bins;
        greedy_total += score_actions(&greedy[span], bins, env.config().rewards, &mut scratch)
            .collisions as f64;
    }
    Ok(Rollout {
        input,
        logits,
        rows,
        actions,
        rewards,
        episodes: envs.len(),
        steps,
        stats,
        greedy_collisions: Some(greedy_total / envs.len() as f64),
    })
}

/// N lockstep steps of B environments (one forward pass per step, no autograd), then one
/// forward pass with autograd over all recorded states.
fn collect_lockstep(
    envs: &mut VecEnv<TableOnly>,
    ids: &WordIds,
    seed: Option<u64>,
    policy: &Net,
    rng: &mut impl Rng,
) -> Result<Rollout> {
    let (b, device) = (envs.num_envs(), policy.device());
    let bins = envs.action_space().n;
    let steps = envs.envs()[0].config().words_per_episode;
    let mut obs = vec![0f32; b * bins];
    envs.reset_all(seed, &mut obs);
    let mut rows = vec![0usize; b * steps];
    let mut states = vec![0f32; b * steps * bins];
    let mut actions = vec![0usize; b * steps];
    let mut rewards = vec![0f32; b * steps];
    let mut stats = vec![EpisodeStats::default(); b];
    let mut out = vec![Step::default(); b];
    let mut current = vec![0usize; b];
    for t in 0..steps {
        for (i, env) in envs.envs().iter().enumerate() {
            current[i] = env
                .current_word()
                .expect("an episode in progress has a current word");
            let row = i * steps + t;
            rows[row] = current[i];
            states[row * bins..(row + 1) * bins].copy_from_slice(&obs[i * bins..(i + 1) * bins]);
        }
        let mut input = ids.input(&current, device);
        input.occupancy = Some(
            Tensor::from_slice(&obs)
                .reshape([b as i64, bins as i64])
                .to_device(device),
        );
        let probs = tch::no_grad(|| policy.forward(&input).softmax(-1, Kind::Float));
        let step_actions = sample_rows(&probs, rng);
        envs.try_step_all(&step_actions, &mut obs, &mut out)?;
        for (i, (step, action)) in out.iter().zip(&step_actions).enumerate() {
            actions[i * steps + t] = *action;
            rewards[i * steps + t] = step.reward;
            if let Some(episode) = step.info.episode {
                stats[i] = episode;
            }
        }
    }
    let mut input = ids.input(&rows, device);
    input.occupancy = Some(
        Tensor::from_slice(&states)
            .reshape([(b * steps) as i64, bins as i64])
            .to_device(device),
    );
    let logits = policy.forward(&input);
    Ok(Rollout {
        input,
        logits,
        rows,
        actions,
        rewards,
        episodes: b,
        steps,
        stats,
        greedy_collisions: None,
    })
}

impl Rollout {
    /// The iteration's metrics row: means of the episode statistics plus what the trainer adds.
    pub(crate) fn metrics(
        &self,
        iteration: usize,
        loss: Option<f64>,
        critic_loss: Option<f64>,
        entropy: f64,
        seconds: f64,
    ) -> IterationMetrics {
        let n = self.stats.len() as f64;
        let mean = |f: &dyn Fn(&EpisodeStats) -> f64| self.stats.iter().map(f).sum::<f64>() / n;
        IterationMetrics {
            iteration,
            reward: mean(&|s| s.total_reward),
            collisions: mean(&|s| s.collisions as f64),
            max_load: mean(&|s| s.max_load as f64),
            max_collisions_in_bin: mean(&|s| s.max_collisions_in_bin as f64),
            greedy_collisions: self.greedy_collisions,
            loss,
            critic_loss,
            entropy,
            seconds,
        }
    }
}
