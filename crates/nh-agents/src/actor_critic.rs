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

use tch::{Kind, Tensor};

use crate::Result;
use crate::adam::Adam;
use crate::config::AcConfig;
use crate::metrics::IterationMetrics;
use crate::net::{Net, NetInput};
use crate::neural_hash::NeuralHash;
use crate::rollout::{Collector, Rollout};
use crate::sampling::{mean_entropy, scalar};
use crate::seeds::{Stream, rng};
use crate::train::{Clock, TrainOutcome, TrainSetup, log_start, record_iteration};

/// Trains an actor and a critic for `config.iterations` iterations, calling `progress` after each.
///
/// # Errors
/// Invalid configurations or word lists (naming the key), libtorch failures.
pub fn train_actor_critic(
    setup: &TrainSetup<'_>,
    config: &AcConfig,
    progress: &mut dyn FnMut(&IterationMetrics),
) -> Result<TrainOutcome> {
    config.validate()?;
    let actor = Net::init(
        setup.policy_spec(&config.model)?,
        setup.device,
        &mut rng(setup.seed, Stream::PolicyInit),
    )?;
    let critic = Net::init(
        setup.value_spec(&config.model, 1),
        setup.device,
        &mut rng(setup.seed, Stream::CriticInit),
    )?;
    let mut actor_opt = Adam::new(actor.var_store(), config.actor_learning_rate);
    let mut critic_opt = Adam::new(critic.var_store(), config.critic_learning_rate);
    let mut collector = Collector::new(setup, config.episodes_per_update, actor.spec().word_key())?;
    let mut actions_rng = rng(setup.seed, Stream::Actions);
    log_start("ac", setup, config.iterations);
    let clock = Clock::start();
    let mut metrics = Vec::with_capacity(config.iterations);
    for iteration in 0..config.iterations {
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
            iteration,
            Some(scalar(&loss)),
            Some(critic_loss),
            scalar(&entropy),
            clock.seconds(),
        );
        record_iteration("ac", row, progress, &mut metrics);
        if setup.out_of_time(&clock) {
            break;
        }
    }
    let record = setup.record("ac", config, metrics.len());
    let model = NeuralHash::from_policy(actor, setup.encoder, setup.env.observation, record);
    Ok(TrainOutcome {
        model,
        metrics,
        checkpoints: Vec::new(),
    })
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
