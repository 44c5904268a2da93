//! The paper's actor-critic: an actor (the policy) and a critic V(s) of the same shape.
//!
//! Per iteration: play B episodes; regress the critic on r + gamma (1 - terminated) V(s')
//! (`critic_steps` times, targets recomputed each time, V(s') without gradient); then take one
//! actor step on
//!
//! ```text
//! loss = -(1/B) sum_i log pi(a_i | s_i) A_i - entropy_coef * mean entropy,
//! A_i = r_i + gamma (1 - terminated_i) V(s'_i) - V(s_i)
//! ```
//!
//! States are words (and the table, for occupancy observations); s' is the next step of the
//! same episode, and the last step of an episode is terminal.

use std::path::Path;

use rand_chacha::ChaCha8Rng;
use serde::{Deserialize, Serialize};
use tch::{Kind, Tensor};

use crate::Result;
use crate::adam::{Adam, AdamState};
use crate::config::AcConfig;
use crate::metrics::IterationMetrics;
use crate::model_file::Parameters;
use crate::net::{Net, NetInput};
use crate::neural_hash::NeuralHash;
use crate::resume::{NamedValues, RngState, prefixed};
use crate::rollout::{Collector, CollectorState, Rollout};
use crate::sampling::{mean_entropy, scalar};
use crate::seeds::{Stream, rng};
use crate::session::{CheckpointSession, load_net};
use crate::train::{Clock, TrainOutcome, TrainSetup, log_start, record_iteration};

/// Trains an actor and a critic for `config.iterations` iterations, calling `progress` after each.
/// With `setup.checkpoint`, writes checkpoints (both networks, their Adam moments and step
/// counts, the action generator's and the environments' positions, the metrics) and resumes
/// from one.
///
/// # Errors
/// Invalid configurations or word lists (naming the key), libtorch failures, checkpoints that
/// cannot be read or written, [`crate::Error::Stopped`] on a stop request.
pub fn train_actor_critic(
    setup: &TrainSetup<'_>,
    config: &AcConfig,
    progress: &mut dyn FnMut(&IterationMetrics),
) -> Result<TrainOutcome> {
    config.validate()?;
    let mut actor = Net::init(
        setup.policy_spec(&config.model)?,
        setup.device,
        &mut rng(setup.seed, Stream::PolicyInit),
    )?;
    let mut critic = Net::init(
        setup.value_spec(&config.model, 1),
        setup.device,
        &mut rng(setup.seed, Stream::CriticInit),
    )?;
    let mut actor_opt = Adam::new(actor.var_store(), config.actor_learning_rate);
    let mut critic_opt = Adam::new(critic.var_store(), config.critic_learning_rate);
    let mut collector = Collector::new(setup, config.episodes_per_update, actor.spec().word_key())?;
    let mut actions_rng = rng(setup.seed, Stream::Actions);
    let mut session =
        CheckpointSession::new(setup.checkpoint, |c| setup.run_identity("ac", config, c))?;
    let mut metrics = Vec::with_capacity(config.iterations);
    let mut seconds_before = 0.0;
    if let Some(resumed) = session.resume::<AcState>()? {
        let mut run = AcRun {
            actor: &mut actor,
            critic: &mut critic,
            actor_opt: &mut actor_opt,
            critic_opt: &mut critic_opt,
            collector: &mut collector,
            actions_rng: &mut actions_rng,
        };
        run.load(&resumed.state, resumed.tensors, &resumed.origin)?;
        metrics = resumed.state.metrics;
        seconds_before = resumed.state.seconds;
    }
    log_start("ac", setup, config.iterations);
    let clock = Clock::resumed(seconds_before);
    while metrics.len() < config.iterations {
        let rollout = collector.collect(&actor, &mut actions_rng)?;
        let device = actor.device();
        let rewards = Tensor::from_slice(&rollout.rewards).to_device(device);
        let not_last = not_terminal_mask(&rollout).to_device(device);
        let mut critic_loss = 0.0;
        for _ in 0..config.critic_steps {
            let values = critic_values(&critic, &rollout.input);
            let targets = td_targets(&values.detach(), &rewards, &not_last, config.gamma);
            let loss = values.mse_loss(&targets, tch::Reduction::Mean);
            critic_opt.backward_step(&loss);
            critic_loss = scalar(&loss);
        }
        let values = tch::no_grad(|| critic_values(&critic, &rollout.input));
        let mut advantages = td_targets(&values, &rewards, &not_last, config.gamma) - &values;
        if config.normalize_advantages {
            advantages =
                (&advantages - advantages.mean(Kind::Float)) / (advantages.std(false) + 1e-8);
        }
        let log_probs = rollout.logits.log_softmax(-1, Kind::Float);
        let taken = log_probs
            .gather(1, &rollout.actions_tensor(device).unsqueeze(1), false)
            .squeeze_dim(1);
        let entropy = mean_entropy(&log_probs);
        let loss = -(taken * advantages).sum(Kind::Float) / rollout.episodes as f64
            - &entropy * config.entropy_coef;
        actor_opt.backward_step(&loss);
        let row = rollout.metrics(
            metrics.len(),
            Some(scalar(&loss)),
            Some(critic_loss),
            scalar(&entropy),
            clock.seconds(),
        );
        record_iteration("ac", row, progress, &mut metrics);
        let ending = setup.out_of_time(&clock) || metrics.len() == config.iterations;
        session.after_iteration(metrics.len(), ending, || {
            let run = AcRun {
                actor: &mut actor,
                critic: &mut critic,
                actor_opt: &mut actor_opt,
                critic_opt: &mut critic_opt,
                collector: &mut collector,
                actions_rng: &mut actions_rng,
            };
            run.checkpoint(&metrics, clock.seconds())
        })?;
        if ending {
            break;
        }
    }
    let record = setup.record("ac", config, metrics.len());
    let model = NeuralHash::from_policy(actor, setup.encoder, setup.env.observation, record);
    Ok(TrainOutcome {
        model,
        metrics,
        checkpoints: session.into_writes(),
    })
}

/// Everything actor-critic carries from one iteration to the next besides the metrics: what a
/// checkpoint saves and a resume loads.
struct AcRun<'a> {
    actor: &'a mut Net,
    critic: &'a mut Net,
    actor_opt: &'a mut Adam,
    critic_opt: &'a mut Adam,
    collector: &'a mut Collector,
    actions_rng: &'a mut ChaCha8Rng,
}

/// Actor-critic's checkpoint state; the networks (`actor.*`, `critic.*`) and their Adam
/// moments (`actor_adam.*`, `critic_adam.*`) are stored beside it as tensors.
#[derive(Serialize, Deserialize)]
struct AcState {
    /// Every iteration so far (the next one is `metrics.len()`).
    metrics: Vec<IterationMetrics>,
    /// Training seconds so far, across resumes.
    seconds: f64,
    actor_adam: AdamState,
    critic_adam: AdamState,
    actions_rng: RngState,
    collector: CollectorState,
}

impl AcRun<'_> {
    fn checkpoint(&self, metrics: &[IterationMetrics], seconds: f64) -> (AcState, NamedValues) {
        let (actor_adam, mut tensors) = self.actor_opt.checkpoint("actor_adam");
        let (critic_adam, critic_moments) = self.critic_opt.checkpoint("critic_adam");
        tensors.extend(critic_moments);
        tensors.extend(prefixed("actor", self.actor.parameter_values()));
        tensors.extend(prefixed("critic", self.critic.parameter_values()));
        let state = AcState {
            metrics: metrics.to_vec(),
            seconds,
            actor_adam,
            critic_adam,
            actions_rng: RngState::of(self.actions_rng),
            collector: self.collector.state(),
        };
        (state, tensors)
    }

    fn load(&mut self, state: &AcState, mut tensors: Parameters, origin: &Path) -> Result<()> {
        load_net(self.actor, &mut tensors, "actor", origin)?;
        load_net(self.critic, &mut tensors, "critic", origin)?;
        self.actor_opt
            .load(&state.actor_adam, &mut tensors, "actor_adam", origin)?;
        self.critic_opt
            .load(&state.critic_adam, &mut tensors, "critic_adam", origin)?;
        self.collector.restore(&state.collector, origin)?;
        *self.actions_rng = state.actions_rng.restore();
        Ok(())
    }
}

/// V(s) for every state, as a vector.
fn critic_values(critic: &Net, input: &NetInput) -> Tensor {
    critic.forward(input).squeeze_dim(1)
}

/// 0 for the last step of each episode, 1 elsewhere (episode-major).
fn not_terminal_mask(rollout: &Rollout) -> Tensor {
    let mask: Vec<f32> = (0..rollout.episodes * rollout.steps)
        .map(|i| {
            if (i + 1).is_multiple_of(rollout.steps) {
                0.0
            } else {
                1.0
            }
        })
        .collect();
    Tensor::from_slice(&mask)
}

/// r + gamma (1 - terminated) V(s'), where s' is the next row (masked at episode ends).
fn td_targets(values: &Tensor, rewards: &Tensor, not_last: &Tensor, gamma: f64) -> Tensor {
    let n = values.size()[0];
    let next = Tensor::cat(
        &[
            values.narrow(0, 1, n - 1),
            values.zeros_like().narrow(0, 0, 1),
        ],
        0,
    );
    rewards + next * not_last * gamma
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn td_targets_bootstrap_within_episodes_only() {
        let values = Tensor::from_slice(&[1.0f32, 2.0, 3.0, 4.0]);
        let rewards = Tensor::from_slice(&[10.0f32, -10.0, 10.0, 10.0]);
        // Two episodes of two steps: rows 1 and 3 are terminal.
        let not_last = Tensor::from_slice(&[1.0f32, 0.0, 1.0, 0.0]);
        let targets = Vec::<f32>::try_from(&td_targets(&values, &rewards, &not_last, 0.5)).unwrap();
        assert_eq!(targets, vec![11.0, -10.0, 12.0, 10.0]);
    }
}
