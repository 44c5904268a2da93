//! Discrete Soft Actor-Critic (Christodoulou 2019), the paper's "SAC" on a discrete action space.
//!
//! Per iteration: play one episode with actions sampled from the actor and store its
//! transitions (word, bin, reward, next word, terminal) in a replay buffer. Every
//! `update_every` environment steps after `learning_starts`, one gradient step on a sampled
//! mini-batch:
//!
//! ```text
//! y        = r + gamma (1 - d) sum_a' pi(a'|s') [min_j Q'_j(s', a') - alpha log pi(a'|s')]
//! L_Q      = sum_j mean (Q_j(s, a) - y)^2
//! L_pi     = mean sum_a pi(a|s) [alpha log pi(a|s) - min_j Q_j(s, a)]
//! L_alpha  = mean sum_a pi(a|s) [-alpha (log pi(a|s) + H_target)],  H_target = scale ln M
//! Q'_j    <- (1 - tau) Q'_j + tau Q_j
//! ```

use rand::Rng;
use tch::nn::VarStore;
use tch::{Kind, Tensor};

use crate::adam::Adam;
use crate::config::SacConfig;
use crate::inputs::WordIds;
use crate::metrics::IterationMetrics;
use crate::net::Net;
use crate::neural_hash::NeuralHash;
use crate::rollout::Collector;
use crate::sampling::{mean_entropy, scalar};
use crate::seeds::{Stream, rng};
use crate::train::{Clock, TrainOutcome, TrainSetup, log_start, record_iteration};
use crate::{Error, Result};

/// Trains a discrete SAC agent for `config.iterations` episodes, calling `progress` after each.
/// Word-only observations only (the paper ran SAC on those).
///
/// # Errors
/// Invalid configurations or word lists (naming the key), libtorch failures.
pub fn train_sac(
    setup: &TrainSetup<'_>,
    config: &SacConfig,
    progress: &mut dyn FnMut(&IterationMetrics),
) -> Result<TrainOutcome> {
    config.validate()?;
    setup.require_word_only("sac")?;
    let bins = setup.env.bins;
    let actor = Net::init(
        setup.policy_spec(&config.model)?,
        setup.device,
        &mut rng(setup.seed, Stream::PolicyInit),
    )?;
    let mut critic_rng = rng(setup.seed, Stream::CriticInit);
    let q = [
        Net::init(
            setup.value_spec(&config.model, bins),
            setup.device,
            &mut critic_rng,
        )?,
        Net::init(
            setup.value_spec(&config.model, bins),
            setup.device,
            &mut critic_rng,
        )?,
    ];
    let mut q_target = [q[0].duplicate()?, q[1].duplicate()?];
    let eps = config.adam_eps;
    let mut actor_opt = Adam::new(actor.var_store(), config.policy_learning_rate).with_eps(eps);
    let mut q_opts = [
        Adam::new(q[0].var_store(), config.q_learning_rate).with_eps(eps),
        Adam::new(q[1].var_store(), config.q_learning_rate).with_eps(eps),
    ];
    let alpha_store = VarStore::new(setup.device);
    let log_alpha = alpha_store
        .root()
        .f_var_copy(
            "log_alpha",
            &Tensor::from_slice(&[config.alpha.ln() as f32]).to_device(setup.device),
        )
        .map_err(|e| Error::torch("creating the temperature", e))?;
    let mut alpha_opt = Adam::new(&alpha_store, config.alpha_learning_rate).with_eps(eps);
    let learner = Learner {
        actor: &actor,
        q: &q,
        config,
        target_entropy: config.target_entropy_scale * (bins as f64).ln(),
    };

    let mut collector = Collector::new(setup, 1, actor.spec().word_key())?;
    let mut actions_rng = rng(setup.seed, Stream::Actions);
    let mut batch_rng = rng(setup.seed, Stream::Batches);
    let mut replay = Replay::new(config.buffer_capacity);
    let mut env_steps = 0usize;
    log_start("sac", setup, config.iterations);
    let clock = Clock::start();
    let mut metrics = Vec::with_capacity(config.iterations);
    for iteration in 0..config.iterations {
        let rollout = tch::no_grad(|| collector.collect(&actor, &mut actions_rng))?;
        let entropy = scalar(&mean_entropy(&rollout.logits.log_softmax(-1, Kind::Float)));
        let ids = collector.ids();
        let (mut policy_losses, mut q_losses) = (Vec::new(), Vec::new());
        for t in 0..rollout.steps {
            let last = t + 1 == rollout.steps;
            replay.push(Transition {
                row: rollout.rows[t],
                action: rollout.actions[t],
                reward: rollout.rewards[t],
                next_row: rollout.rows[if last { t } else { t + 1 }],
                done: last,
            });
            env_steps += 1;
            if env_steps > config.learning_starts && env_steps.is_multiple_of(config.update_every) {
                let batch: Vec<Transition> = (0..config.batch_size)
                    .map(|_| replay.items[batch_rng.random_range(0..replay.items.len())])
                    .collect();
                let (q_loss, policy_loss) = learner.update(
                    &batch,
                    ids,
                    &q_target,
                    &log_alpha,
                    &mut q_opts,
                    &mut actor_opt,
                    &mut alpha_opt,
                );
                for (target, online) in q_target.iter_mut().zip(&q) {
                    target.soft_update_from(online, config.tau);
                }
                q_losses.push(q_loss);
                policy_losses.push(policy_loss);
            }
        }
        let mean = |v: &[f64]| (!v.is_empty()).then(|| v.iter().sum::<f64>() / v.len() as f64);
        let row = rollout.metrics(
            iteration,
            mean(&policy_losses),
            mean(&q_losses),
            entropy,
            clock.seconds(),
        );
        record_iteration("sac", row, progress, &mut metrics);
        if setup.out_of_time(&clock) {
            break;
        }
    }
    let record = setup.record("sac", config, metrics.len());
    let model = NeuralHash::from_policy(actor, setup.encoder, setup.env.observation, record);
    Ok(TrainOutcome {
        model,
        metrics,
        checkpoints: Vec::new(),
    })
}

/// One stored step.
#[derive(Debug, Clone, Copy)]
struct Transition {
    row: usize,
    action: usize,
    reward: f32,
    next_row: usize,
    done: bool,
}

/// A ring buffer of transitions.
struct Replay {
    items: Vec<Transition>,
    capacity: usize,
    next: usize,
}

impl Replay {
    fn new(capacity: usize) -> Replay {
        Replay {
            items: Vec::with_capacity(capacity.min(1 << 20)),
            capacity,
            next: 0,
        }
    }

    fn push(&mut self, transition: Transition) {
        if self.items.len() < self.capacity {
            self.items.push(transition);
        } else {
            self.items[self.next] = transition;
        }
        self.next = (self.next + 1) % self.capacity;
    }
}

/// The networks and constants of one gradient step.
struct Learner<'a> {
    actor: &'a Net,
    q: &'a [Net; 2],
    config: &'a SacConfig,
    target_entropy: f64,
}

impl Learner<'_> {
    /// One gradient step of the Q networks, the actor and the temperature; returns
    /// (Q loss, actor loss).
    #[allow(clippy::too_many_arguments)]
    fn update(
        &self,
        batch: &[Transition],
        ids: &WordIds,
        q_target: &[Net; 2],
        log_alpha: &Tensor,
        q_opts: &mut [Adam; 2],
        actor_opt: &mut Adam,
        alpha_opt: &mut Adam,
    ) -> (f64, f64) {
        let device = self.actor.device();
        let rows: Vec<usize> = batch.iter().map(|t| t.row).collect();
        let next_rows: Vec<usize> = batch.iter().map(|t| t.next_row).collect();
        let actions: Vec<i64> = batch.iter().map(|t| t.action as i64).collect();
        let rewards: Vec<f32> = batch.iter().map(|t| t.reward).collect();
        let not_done: Vec<f32> = batch
            .iter()
            .map(|t| if t.done { 0.0 } else { 1.0 })
            .collect();
        let (state, next_state) = (ids.input(&rows, device), ids.input(&next_rows, device));
        let actions = Tensor::from_slice(&actions).to_device(device).unsqueeze(1);
        let rewards = Tensor::from_slice(&rewards).to_device(device);
        let not_done = Tensor::from_slice(&not_done).to_device(device);
        let alpha = log_alpha.detach().exp();

        let targets = tch::no_grad(|| {
            let next_log_probs = self.actor.forward(&next_state).log_softmax(-1, Kind::Float);
            let min_q = q_target[0]
                .forward(&next_state)
                .minimum(&q_target[1].forward(&next_state));
            let soft_value = (next_log_probs.exp() * (min_q - &alpha * &next_log_probs))
                .sum_dim_intlist(-1, false, Kind::Float);
            &rewards + soft_value * &not_done * self.config.gamma
        });
        let q_loss = self
            .q
            .iter()
            .map(|q| {
                q.forward(&state)
                    .gather(1, &actions, false)
                    .squeeze_dim(1)
                    .mse_loss(&targets, tch::Reduction::Mean)
            })
            .fold(Tensor::zeros([], (Kind::Float, device)), |acc, l| acc + l);
        q_opts.iter_mut().for_each(Adam::zero_grad);
        q_loss.backward();
        q_opts.iter_mut().for_each(Adam::step);

        let log_probs = self.actor.forward(&state).log_softmax(-1, Kind::Float);
        let probs = log_probs.exp();
        let min_q = tch::no_grad(|| {
            self.q[0]
                .forward(&state)
                .minimum(&self.q[1].forward(&state))
        });
        let policy_loss = (&probs * (&alpha * &log_probs - min_q))
            .sum_dim_intlist(-1, false, Kind::Float)
            .mean(Kind::Float);
        actor_opt.backward_step(&policy_loss);

        if self.config.autotune {
            let weights = probs.detach() * (log_probs.detach() + self.target_entropy);
            let alpha_loss = (-log_alpha.exp() * weights)
                .sum_dim_intlist(-1, false, Kind::Float)
                .mean(Kind::Float);
            alpha_opt.backward_step(&alpha_loss);
        }
        (scalar(&q_loss), scalar(&policy_loss))
    }
}
