//! REINFORCE, the paper's "Policy Gradient", with its estimator and our documented options.
//!
//! Per iteration: play B episodes with sampled actions, weight each step's log-probability by
//! the estimator (the paper: the episode's total reward), and take one Adam step on
//!
//! ```text
//! loss = -(1/B) sum_episodes sum_t log pi(a_t | s_t) * w_t  -  entropy_coef * mean entropy
//! ```

use std::path::Path;

use nh_env::WordSchedule;
use rand_chacha::ChaCha8Rng;
use serde::{Deserialize, Serialize};
use tch::{Kind, Tensor};

use crate::adam::{Adam, AdamState};
use crate::config::{PgConfig, PgEstimator};
use crate::metrics::IterationMetrics;
use crate::model_file::Parameters;
use crate::net::Net;
use crate::neural_hash::NeuralHash;
use crate::resume::{NamedValues, RngState, prefixed};
use crate::rollout::{Collector, CollectorState, Rollout};
use crate::sampling::{mean_entropy, scalar};
use crate::seeds::{Stream, rng};
use crate::session::{CheckpointSession, load_net};
use crate::train::{Clock, TrainOutcome, TrainSetup, log_start, record_iteration};
use crate::{Error, Result};

/// Trains a policy with REINFORCE for `config.iterations` iterations (fewer when
/// `stop_at_zero_collisions` triggers), calling `progress` after each. With
/// `setup.checkpoint`, writes checkpoints (the policy, its Adam moments and step counts, the
/// action generator's and the environments' positions, the metrics) and resumes from one.
///
/// # Errors
/// Invalid configurations or word lists (naming the key), libtorch failures, checkpoints that
/// cannot be read or written, [`crate::Error::Stopped`] on a stop request.
pub fn train_pg(
    setup: &TrainSetup<'_>,
    config: &PgConfig,
    progress: &mut dyn FnMut(&IterationMetrics),
) -> Result<TrainOutcome> {
    config.validate()?;
    if config.stop_at_zero_collisions && setup.env.schedule != WordSchedule::Fixed {
        return Err(Error::config(
            "stop_at_zero_collisions",
            true,
            "needs the `fixed` schedule: with another schedule one episode without collisions \
             does not make the hash perfect on all its words",
        ));
    }
    let spec = setup.policy_spec(&config.model)?;
    let mut policy = Net::init(spec, setup.device, &mut rng(setup.seed, Stream::PolicyInit))?;
    let mut optimizer = Adam::new(policy.var_store(), config.learning_rate);
    let mut collector =
        Collector::new(setup, config.episodes_per_update, policy.spec().word_key())?;
    let mut actions_rng = rng(setup.seed, Stream::Actions);
    let mut session =
        CheckpointSession::new(setup.checkpoint, |c| setup.run_identity("pg", config, c))?;
    let mut metrics = Vec::with_capacity(config.iterations);
    let mut seconds_before = 0.0;
    if let Some(resumed) = session.resume::<PgState>()? {
        let mut run = PgRun {
            policy: &mut policy,
            optimizer: &mut optimizer,
            collector: &mut collector,
            actions_rng: &mut actions_rng,
        };
        run.load(&resumed.state, resumed.tensors, &resumed.origin)?;
        metrics = resumed.state.metrics;
        seconds_before = resumed.state.seconds;
    }
    // A run stopped by a perfect hash is over, also when resumed with a larger budget.
    let solved = |greedy: Option<f64>| config.stop_at_zero_collisions && greedy == Some(0.0);
    let finished =
        |rows: &[IterationMetrics]| rows.last().is_some_and(|r| solved(r.greedy_collisions));
    log_start("pg", setup, config.iterations);
    let clock = Clock::resumed(seconds_before);
    while metrics.len() < config.iterations && !finished(&metrics) {
        let rollout = collector.collect(&policy, &mut actions_rng)?;
        let log_probs = rollout.logits.log_softmax(-1, Kind::Float);
        let taken = log_probs
            .gather(
                1,
                &rollout.actions_tensor(policy.device()).unsqueeze(1),
                false,
            )
            .squeeze_dim(1);
        let weights = step_weights(config, &rollout, setup.env.bins);
        let weights = Tensor::from_slice(&weights).to_device(policy.device());
        let entropy = mean_entropy(&log_probs);
        let loss = -(taken * weights).sum(Kind::Float) / rollout.episodes as f64
            - &entropy * config.entropy_coef;
        if !solved(rollout.greedy_collisions) {
            optimizer.backward_step(&loss);
        }
        let row = rollout.metrics(
            metrics.len(),
            Some(scalar(&loss)),
            None,
            scalar(&entropy),
            clock.seconds(),
        );
        record_iteration("pg", row, progress, &mut metrics);
        let ending =
            finished(&metrics) || setup.out_of_time(&clock) || metrics.len() == config.iterations;
        session.after_iteration(metrics.len(), ending, || {
            let run = PgRun {
                policy: &mut policy,
                optimizer: &mut optimizer,
                collector: &mut collector,
                actions_rng: &mut actions_rng,
            };
            run.checkpoint(&metrics, clock.seconds())
        })?;
        if ending {
            break;
        }
    }
    let record = setup.record("pg", config, metrics.len());
    let model = NeuralHash::from_policy(policy, setup.encoder, setup.env.observation, record);
    Ok(TrainOutcome {
        model,
        metrics,
        checkpoints: session.into_writes(),
    })
}

/// Everything REINFORCE carries from one iteration to the next besides the metrics: what a
/// checkpoint saves and a resume loads.
struct PgRun<'a> {
    policy: &'a mut Net,
    optimizer: &'a mut Adam,
    collector: &'a mut Collector,
    actions_rng: &'a mut ChaCha8Rng,
}

/// REINFORCE's checkpoint state; the policy (`policy.*`) and its Adam moments (`adam.*`) are
/// stored beside it as tensors.
#[derive(Serialize, Deserialize)]
struct PgState {
    /// Every iteration so far (the next one is `metrics.len()`).
    metrics: Vec<IterationMetrics>,
    /// Training seconds so far, across resumes.
    seconds: f64,
    adam: AdamState,
    actions_rng: RngState,
    collector: CollectorState,
}

impl PgRun<'_> {
    fn checkpoint(&self, metrics: &[IterationMetrics], seconds: f64) -> (PgState, NamedValues) {
        let (adam, mut tensors) = self.optimizer.checkpoint("adam");
        tensors.extend(prefixed("policy", self.policy.parameter_values()));
        let state = PgState {
            metrics: metrics.to_vec(),
            seconds,
            adam,
            actions_rng: RngState::of(self.actions_rng),
            collector: self.collector.state(),
        };
        (state, tensors)
    }

    fn load(&mut self, state: &PgState, mut tensors: Parameters, origin: &Path) -> Result<()> {
        load_net(self.policy, &mut tensors, "policy", origin)?;
        self.optimizer
            .load(&state.adam, &mut tensors, "adam", origin)?;
        self.collector.restore(&state.collector, origin)?;
        *self.actions_rng = state.actions_rng.restore();
        Ok(())
    }
}

/// The weight w_t of every step (episode-major), after baseline and normalization.
///
/// Episodes have equal lengths, so for the paper's estimator (the return repeated on every
/// step) the mean and spread over all steps equal those over the episodes' returns.
pub(crate) fn step_weights(config: &PgConfig, rollout: &Rollout, bins: usize) -> Vec<f32> {
    let steps = rollout.steps;
    let mut weights: Vec<f64> = rollout
        .rewards
        .chunks(steps)
        .zip(rollout.actions.chunks(steps))
        .flat_map(|(rewards, actions)| episode_weights(config.estimator, rewards, actions, bins))
        .collect();
    center_and_scale(&mut weights, config.mean_baseline, config.normalize_returns);
    weights.into_iter().map(|w| w as f32).collect()
}

/// The raw weights of one episode's steps under `estimator`.
fn episode_weights(
    estimator: PgEstimator,
    rewards: &[f32],
    actions: &[usize],
    bins: usize,
) -> Vec<f64> {
    match estimator {
        PgEstimator::Paper => {
            let total: f64 = rewards.iter().map(|&r| f64::from(r)).sum();
            vec![total; rewards.len()]
        }
        PgEstimator::RewardToGo => reward_to_go(rewards),
        PgEstimator::PerStep => rewards.iter().map(|&r| f64::from(r)).collect(),
        PgEstimator::Symmetric => symmetric(actions, bins),
    }
}

/// Undiscounted sums of the rewards from each step to the end.
fn reward_to_go(rewards: &[f32]) -> Vec<f64> {
    let mut out = vec![0.0; rewards.len()];
    let mut acc = 0.0;
    for (slot, &r) in out.iter_mut().zip(rewards).rev() {
        acc += f64::from(r);
        *slot = acc;
    }
    out
}

/// +1 for an action alone in its bin among `actions`, -1 otherwise.
fn symmetric(actions: &[usize], bins: usize) -> Vec<f64> {
    let mut loads = vec![0u32; bins];
    for &a in actions {
        loads[a] += 1;
    }
    actions
        .iter()
        .map(|&a| if loads[a] == 1 { 1.0 } else { -1.0 })
        .collect()
}

/// Optionally subtracts the mean and divides by the standard deviation (when positive).
fn center_and_scale(values: &mut [f64], center: bool, scale: bool) {
    let n = values.len() as f64;
    let mean = values.iter().sum::<f64>() / n;
    if center {
        values.iter_mut().for_each(|v| *v -= mean);
    }
    if scale {
        let m = if center { 0.0 } else { mean };
        let std = (values.iter().map(|v| (v - m).powi(2)).sum::<f64>() / n).sqrt();
        if std > 0.0 {
            values.iter_mut().for_each(|v| *v /= std);
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::net::NetInput;
    use proptest::prelude::*;

    fn rollout(actions: Vec<usize>, rewards: Vec<f32>, episodes: usize) -> Rollout {
        let steps = actions.len() / episodes;
        Rollout {
            input: NetInput {
                ids: Tensor::zeros([0], (Kind::Int64, tch::Device::Cpu)),
                offsets: Tensor::zeros([0], (Kind::Int64, tch::Device::Cpu)),
                occupancy: None,
                shifts: None,
            },
            logits: Tensor::zeros([0], (Kind::Float, tch::Device::Cpu)),
            rows: Vec::new(),
            actions,
            rewards,
            episodes,
            steps,
            stats: Vec::new(),
            greedy_collisions: None,
        }
    }

    fn weights(estimator: PgEstimator, baseline: bool, normalize: bool, r: &Rollout) -> Vec<f32> {
        let config = PgConfig {
            estimator,
            mean_baseline: baseline,
            normalize_returns: normalize,
            ..PgConfig::default()
        };
        step_weights(&config, r, 4)
    }

    #[test]
    fn estimators_on_a_hand_example() {
        // Episode 0 places into bins 1, 1, 2 (rewards +10, -10, +10); episode 1 into 0, 3, 0.
        let r = rollout(
            vec![1, 1, 2, 0, 3, 0],
            vec![10.0, -10.0, 10.0, 10.0, 10.0, -10.0],
            2,
        );
        assert_eq!(
            weights(PgEstimator::Paper, false, false, &r),
            vec![10.0, 10.0, 10.0, 10.0, 10.0, 10.0]
        );
        assert_eq!(weights(PgEstimator::PerStep, false, false, &r), r.rewards);
        assert_eq!(
            weights(PgEstimator::RewardToGo, false, false, &r),
            vec![10.0, 0.0, 10.0, 10.0, 0.0, -10.0]
        );
        assert_eq!(
            weights(PgEstimator::Symmetric, false, false, &r),
            vec![-1.0, -1.0, 1.0, -1.0, 1.0, -1.0]
        );
        // Mean over all six steps of the per-step rewards is 10/3.
        let centered = weights(PgEstimator::PerStep, true, false, &r);
        assert!((centered[1] - (-10.0 - 10.0 / 3.0)).abs() < 1e-5);
        let standardized = weights(PgEstimator::Symmetric, true, true, &r);
        let mean: f32 = standardized.iter().sum::<f32>() / 6.0;
        let var: f32 = standardized.iter().map(|w| (w - mean).powi(2)).sum::<f32>() / 6.0;
        assert!(mean.abs() < 1e-6 && (var - 1.0).abs() < 1e-5);
    }

    #[test]
    fn paper_baseline_uses_episode_returns() {
        let r = rollout(vec![0, 0, 1, 2], vec![10.0, -10.0, 10.0, 10.0], 2);
        // Returns 0 and 20, mean 10.
        assert_eq!(
            weights(PgEstimator::Paper, true, false, &r),
            vec![-10.0, -10.0, 10.0, 10.0]
        );
        assert_eq!(
            weights(PgEstimator::Paper, true, true, &r),
            vec![-1.0, -1.0, 1.0, 1.0]
        );
    }

    proptest! {
        #[test]
        fn symmetric_weights_do_not_depend_on_order(actions in proptest::collection::vec(0usize..8, 1..40), rotate in 0usize..40) {
            let w = symmetric(&actions, 8);
            let k = rotate % actions.len();
            let mut rotated = actions.clone();
            rotated.rotate_left(k);
            let mut w_rot = w.clone();
            w_rot.rotate_left(k);
            prop_assert_eq!(symmetric(&rotated, 8), w_rot);
            let alone = w.iter().filter(|&&x| x > 0.0).count();
            let distinct: std::collections::BTreeSet<_> = actions.iter().collect();
            prop_assert!(alone <= distinct.len());
        }

        #[test]
        fn reward_to_go_starts_at_the_return(rewards in proptest::collection::vec(-10i8..=10, 1..30)) {
            let r: Vec<f32> = rewards.iter().map(|&x| f32::from(x)).collect();
            let rtg = reward_to_go(&r);
            prop_assert!((rtg[0] - r.iter().map(|&x| f64::from(x)).sum::<f64>()).abs() < 1e-9);
            prop_assert!((rtg[r.len() - 1] - f64::from(r[r.len() - 1])).abs() < 1e-9);
        }
    }
}
