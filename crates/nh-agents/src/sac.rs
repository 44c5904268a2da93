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

use std::path::Path;

use rand::Rng;
use rand_chacha::ChaCha8Rng;
use serde::{Deserialize, Serialize};
use tch::nn::VarStore;
use tch::{Kind, Tensor};

use crate::adam::{Adam, AdamState};
use crate::config::SacConfig;
use crate::inputs::WordIds;
use crate::metrics::IterationMetrics;
use crate::model_file::Parameters;
use crate::net::Net;
use crate::neural_hash::NeuralHash;
use crate::resume::{NamedValues, RngState, prefixed, take_prefixed};
use crate::rollout::{Collector, CollectorState, Rollout};
use crate::sampling::{mean_entropy, scalar, to_f32s};
use crate::seeds::{Stream, rng};
use crate::session::{CheckpointSession, load_net};
use crate::train::{Clock, TrainOutcome, TrainSetup, log_start, record_iteration};
use crate::{Error, Result};

/// Trains a discrete SAC agent for `config.iterations` episodes, calling `progress` after each.
/// Word-only observations only (the paper ran SAC on those). With `setup.checkpoint`, writes
/// checkpoints (the actor, both Q networks and their targets, the temperature, the four Adam
/// optimizers' moments and step counts, the replay buffer, the environment step count, the
/// random generators' and the environment's positions, the metrics) and resumes from one.
///
/// # Errors
/// Invalid configurations or word lists (naming the key), libtorch failures, checkpoints that
/// cannot be read or written, [`Error::Stopped`] on a stop request.
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
    let q_target = [q[0].duplicate()?, q[1].duplicate()?];
    let eps = config.adam_eps;
    let alpha_store = VarStore::new(setup.device);
    let log_alpha = alpha_store
        .root()
        .f_var_copy(
            "log_alpha",
            &Tensor::from_slice(&[config.alpha.ln() as f32]).to_device(setup.device),
        )
        .map_err(|e| Error::torch("creating the temperature", e))?;
    let key = actor.spec().word_key();
    let mut run = SacRun {
        optimizers: Optimizers {
            actor: Adam::new(actor.var_store(), config.policy_learning_rate).with_eps(eps),
            q: [
                Adam::new(q[0].var_store(), config.q_learning_rate).with_eps(eps),
                Adam::new(q[1].var_store(), config.q_learning_rate).with_eps(eps),
            ],
            alpha: Adam::new(&alpha_store, config.alpha_learning_rate).with_eps(eps),
        },
        actor,
        q,
        q_target,
        log_alpha,
        collector: Collector::new(setup, 1, key)?,
        actions_rng: rng(setup.seed, Stream::Actions),
        batch_rng: rng(setup.seed, Stream::Batches),
        replay: Replay::new(config.buffer_capacity),
        env_steps: 0,
    };
    let mut session =
        CheckpointSession::new(setup.checkpoint, |c| setup.run_identity("sac", config, c))?;
    let mut metrics = Vec::with_capacity(config.iterations);
    let mut seconds_before = 0.0;
    if let Some(resumed) = session.resume::<SacState>()? {
        run.load(&resumed.state, resumed.tensors, &resumed.origin)?;
        metrics = resumed.state.metrics;
        seconds_before = resumed.state.seconds;
    }
    let target_entropy = config.target_entropy_scale * (bins as f64).ln();
    log_start("sac", setup, config.iterations);
    let clock = Clock::resumed(seconds_before);
    while metrics.len() < config.iterations {
        let (policy_losses, q_losses, rollout) = run.iteration(config, target_entropy)?;
        let entropy = scalar(&mean_entropy(&rollout.logits.log_softmax(-1, Kind::Float)));
        let mean = |v: &[f64]| (!v.is_empty()).then(|| v.iter().sum::<f64>() / v.len() as f64);
        let row = rollout.metrics(
            metrics.len(),
            mean(&policy_losses),
            mean(&q_losses),
            entropy,
            clock.seconds(),
        );
        record_iteration("sac", row, progress, &mut metrics);
        let ending = setup.out_of_time(&clock) || metrics.len() == config.iterations;
        session.after_iteration(metrics.len(), ending, || {
            run.checkpoint(&metrics, clock.seconds())
        })?;
        if ending {
            break;
        }
    }
    let record = setup.record("sac", config, metrics.len());
    let model = NeuralHash::from_policy(run.actor, setup.encoder, setup.env.observation, record);
    Ok(TrainOutcome {
        model,
        metrics,
        checkpoints: session.into_writes(),
    })
}

/// Everything SAC carries from one episode to the next besides the metrics: what a
/// checkpoint saves and a resume loads.
struct SacRun {
    actor: Net,
    q: [Net; 2],
    q_target: [Net; 2],
    log_alpha: Tensor,
    optimizers: Optimizers,
    collector: Collector,
    actions_rng: ChaCha8Rng,
    batch_rng: ChaCha8Rng,
    replay: Replay,
    /// Environment steps so far (updates start after `learning_starts`).
    env_steps: usize,
}

/// The Adam optimizers of the actor, the two Q networks and the temperature.
struct Optimizers {
    actor: Adam,
    q: [Adam; 2],
    alpha: Adam,
}

/// SAC's checkpoint state; the networks (`actor.*`, `q0.*`, `q1.*`, `q0_target.*`,
/// `q1_target.*`), the temperature (`log_alpha`) and the optimizers' moments (`actor_adam.*`,
/// `q0_adam.*`, `q1_adam.*`, `alpha_adam.*`) are stored beside it as tensors.
#[derive(Serialize, Deserialize)]
struct SacState {
    /// Every iteration so far (the next one is `metrics.len()`).
    metrics: Vec<IterationMetrics>,
    /// Training seconds so far, across resumes.
    seconds: f64,
    env_steps: usize,
    replay: Replay,
    actor_adam: AdamState,
    q_adam: [AdamState; 2],
    alpha_adam: AdamState,
    actions_rng: RngState,
    batch_rng: RngState,
    collector: CollectorState,
}

impl SacRun {
    /// Plays one episode into the replay buffer, with a gradient step every `update_every`
    /// environment steps after `learning_starts`; returns the steps' actor and Q losses and the
    /// episode.
    fn iteration(
        &mut self,
        config: &SacConfig,
        target_entropy: f64,
    ) -> Result<(Vec<f64>, Vec<f64>, Rollout)> {
        let rollout = tch::no_grad(|| self.collector.collect(&self.actor, &mut self.actions_rng))?;
        let learner = Learner {
            actor: &self.actor,
            q: &self.q,
            config,
            target_entropy,
        };
        let ids = self.collector.ids();
        let (mut policy_losses, mut q_losses) = (Vec::new(), Vec::new());
        for t in 0..rollout.steps {
            let last = t + 1 == rollout.steps;
            self.replay.push(Transition {
                row: rollout.rows[t],
                action: rollout.actions[t],
                reward: rollout.rewards[t],
                next_row: rollout.rows[if last { t } else { t + 1 }],
                done: last,
            });
            self.env_steps += 1;
            if self.env_steps > config.learning_starts
                && self.env_steps.is_multiple_of(config.update_every)
            {
                let batch: Vec<Transition> = (0..config.batch_size)
                    .map(|_| {
                        let i = self.batch_rng.random_range(0..self.replay.items.len());
                        self.replay.items[i]
                    })
                    .collect();
                let (q_loss, policy_loss) = learner.update(
                    &batch,
                    ids,
                    &self.q_target,
                    &self.log_alpha,
                    &mut self.optimizers,
                );
                for (target, online) in self.q_target.iter_mut().zip(&self.q) {
                    target.soft_update_from(online, config.tau);
                }
                q_losses.push(q_loss);
                policy_losses.push(policy_loss);
            }
        }
        Ok((policy_losses, q_losses, rollout))
    }

    fn checkpoint(&self, metrics: &[IterationMetrics], seconds: f64) -> (SacState, NamedValues) {
        let mut tensors = prefixed("actor", self.actor.parameter_values());
        for (name, net) in [
            ("q0", &self.q[0]),
            ("q1", &self.q[1]),
            ("q0_target", &self.q_target[0]),
            ("q1_target", &self.q_target[1]),
        ] {
            tensors.extend(prefixed(name, net.parameter_values()));
        }
        tensors.push((
            "alpha.log_alpha".to_owned(),
            vec![1],
            to_f32s(&self.log_alpha),
        ));
        let opts = &self.optimizers;
        let (actor_adam, moments) = opts.actor.checkpoint("actor_adam");
        tensors.extend(moments);
        let (q0_adam, moments) = opts.q[0].checkpoint("q0_adam");
        tensors.extend(moments);
        let (q1_adam, moments) = opts.q[1].checkpoint("q1_adam");
        tensors.extend(moments);
        let (alpha_adam, moments) = opts.alpha.checkpoint("alpha_adam");
        tensors.extend(moments);
        let state = SacState {
            metrics: metrics.to_vec(),
            seconds,
            env_steps: self.env_steps,
            replay: self.replay.clone(),
            actor_adam,
            q_adam: [q0_adam, q1_adam],
            alpha_adam,
            actions_rng: RngState::of(&self.actions_rng),
            batch_rng: RngState::of(&self.batch_rng),
            collector: self.collector.state(),
        };
        (state, tensors)
    }

    fn load(&mut self, state: &SacState, mut tensors: Parameters, origin: &Path) -> Result<()> {
        load_net(&mut self.actor, &mut tensors, "actor", origin)?;
        let [q0, q1] = &mut self.q;
        let [t0, t1] = &mut self.q_target;
        for (name, net) in [("q0", q0), ("q1", q1), ("q0_target", t0), ("q1_target", t1)] {
            load_net(net, &mut tensors, name, origin)?;
        }
        let bad = |reason: String| Error::Checkpoint {
            path: origin.to_path_buf(),
            reason,
        };
        match take_prefixed(&mut tensors, "alpha").remove("log_alpha") {
            Some((shape, values)) if shape == [1] => {
                let value = Tensor::from_slice(&values).to_device(self.log_alpha.device());
                tch::no_grad(|| self.log_alpha.copy_(&value));
            }
            _ => return Err(bad("no temperature `alpha.log_alpha` of shape [1]".into())),
        }
        let opts = &mut self.optimizers;
        opts.actor
            .load(&state.actor_adam, &mut tensors, "actor_adam", origin)?;
        opts.q[0].load(&state.q_adam[0], &mut tensors, "q0_adam", origin)?;
        opts.q[1].load(&state.q_adam[1], &mut tensors, "q1_adam", origin)?;
        opts.alpha
            .load(&state.alpha_adam, &mut tensors, "alpha_adam", origin)?;
        if !state.replay.fits(self.replay.capacity) {
            return Err(bad(format!(
                "a replay buffer of {} transitions (next slot {}) does not fit the capacity {}",
                state.replay.items.len(),
                state.replay.next,
                self.replay.capacity
            )));
        }
        self.replay = state.replay.clone();
        self.env_steps = state.env_steps;
        self.collector.restore(&state.collector, origin)?;
        self.actions_rng = state.actions_rng.restore();
        self.batch_rng = state.batch_rng.restore();
        Ok(())
    }
}

/// One stored step.
#[derive(Debug, Clone, Copy, Serialize, Deserialize)]
struct Transition {
    row: usize,
    action: usize,
    reward: f32,
    next_row: usize,
    done: bool,
}

/// A ring buffer of transitions.
#[derive(Debug, Clone, Serialize, Deserialize)]
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

    /// Whether this buffer (read from a checkpoint) is one of `capacity` transitions.
    fn fits(&self, capacity: usize) -> bool {
        self.capacity == capacity && self.items.len() <= capacity && self.next < capacity
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
    fn update(
        &self,
        batch: &[Transition],
        ids: &WordIds,
        q_target: &[Net; 2],
        log_alpha: &Tensor,
        optimizers: &mut Optimizers,
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
        optimizers.q.iter_mut().for_each(Adam::zero_grad);
        q_loss.backward();
        optimizers.q.iter_mut().for_each(Adam::step);

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
        optimizers.actor.backward_step(&policy_loss);

        if self.config.autotune {
            let weights = probs.detach() * (log_probs.detach() + self.target_entropy);
            let alpha_loss = (-log_alpha.exp() * weights)
                .sum_dim_intlist(-1, false, Kind::Float)
                .mean(Kind::Float);
            optimizers.alpha.backward_step(&alpha_loss);
        }
        (scalar(&q_loss), scalar(&policy_loss))
    }
}
