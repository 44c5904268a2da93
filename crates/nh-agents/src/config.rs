//! Serde configurations of every learner, with the paper's values (or documented choices where the
//! paper gives none) as defaults.
//!
//! All structs are `deny_unknown_fields` and every field has a default, so a config file lists
//! only what it changes. `validate()` names the key and value at fault.

use serde::{Deserialize, Serialize};

use crate::model_config::ModelConfig;
use crate::{Error, Result};

/// What multiplies grad log pi(a_t | s_t) in the policy-gradient estimator.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum PgEstimator {
    /// The paper's: the episode's total reward, for every step of the episode.
    #[default]
    Paper,
    /// The rewards from step t to the end of the episode (undiscounted).
    RewardToGo,
    /// The step's own reward. Exact for word-only observations, where an action cannot change
    /// later observations; it still sees placement order (the first word in a bin gets +10).
    PerStep,
    /// +1 when the word is alone in its bin among all the episode's sampled actions, -1
    /// otherwise: it does not depend on placement order.
    Symmetric,
}

/// REINFORCE (the paper's "Policy Gradient").
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields, default)]
pub struct PgConfig {
    /// The policy's shape.
    pub model: ModelConfig,
    /// Training iterations (one update each); the paper's Fig. 2 runs 100 and 1,000.
    pub iterations: usize,
    /// Adam learning rate (the paper gives none; docs/REPRODUCTION.md says how 5e-3 was chosen).
    pub learning_rate: f64,
    /// The estimator; default the paper's.
    pub estimator: PgEstimator,
    /// Episodes played per update (B); their gradients are averaged. With occupancy observations
    /// they run as B environments in lockstep.
    pub episodes_per_update: usize,
    /// Subtract the mean weight of the update's batch: the mean episode return for `paper`, the
    /// mean over all steps otherwise. With `paper` it needs at least 2 episodes per update.
    pub mean_baseline: bool,
    /// Divide the weights (after any baseline) by their standard deviation over the batch.
    pub normalize_returns: bool,
    /// Weight of the mean policy entropy added to the objective (0 = off).
    pub entropy_coef: f64,
    /// Stop as soon as the argmax placement of an iteration's words has no collision
    /// (meant for the `fixed` word schedule: the model is then a perfect hash of the set).
    pub stop_at_zero_collisions: bool,
}

impl Default for PgConfig {
    fn default() -> Self {
        PgConfig {
            model: ModelConfig::default(),
            iterations: 1000,
            learning_rate: 5e-3,
            estimator: PgEstimator::Paper,
            episodes_per_update: 1,
            mean_baseline: false,
            normalize_returns: false,
            entropy_coef: 0.0,
            stop_at_zero_collisions: false,
        }
    }
}

impl PgConfig {
    /// Checks every value.
    pub fn validate(&self) -> Result<()> {
        self.model.validate()?;
        positive_count("iterations", self.iterations)?;
        positive_rate("learning_rate", self.learning_rate)?;
        positive_count("episodes_per_update", self.episodes_per_update)?;
        non_negative("entropy_coef", self.entropy_coef)?;
        if self.estimator == PgEstimator::Paper
            && self.mean_baseline
            && self.episodes_per_update < 2
        {
            return Err(Error::config(
                "mean_baseline",
                true,
                "with the paper's estimator the baseline is the batch's mean episode return, so one \
                 episode per update would cancel every gradient; set episodes_per_update >= 2",
            ));
        }
        Ok(())
    }
}

/// The paper's actor-critic: A = r + gamma (1 - terminated) V(s') - V(s), actor step on
/// sum log pi(a|s) A, critic regressed on r + gamma V(s').
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields, default)]
pub struct AcConfig {
    /// Shape of the actor and of the critic (scalar output).
    pub model: ModelConfig,
    /// Training iterations (one actor update each).
    pub iterations: usize,
    /// Adam learning rate of the actor (5e-3, as for policy gradient).
    pub actor_learning_rate: f64,
    /// Adam learning rate of the critic.
    pub critic_learning_rate: f64,
    /// Discount; 1.0 is the paper's formula, which has none.
    pub gamma: f64,
    /// Episodes played per update.
    pub episodes_per_update: usize,
    /// Critic gradient steps per iteration, each on freshly computed targets (CS285 style),
    /// taken before the actor step.
    pub critic_steps: usize,
    /// Standardize advantages over the batch.
    pub normalize_advantages: bool,
    /// Weight of the mean policy entropy added to the actor's objective (0 = off).
    pub entropy_coef: f64,
}

impl Default for AcConfig {
    fn default() -> Self {
        AcConfig {
            model: ModelConfig::default(),
            iterations: 1000,
            actor_learning_rate: 5e-3,
            critic_learning_rate: 5e-3,
            gamma: 1.0,
            episodes_per_update: 1,
            critic_steps: 1,
            normalize_advantages: false,
            entropy_coef: 0.0,
        }
    }
}

impl AcConfig {
    /// Checks every value.
    pub fn validate(&self) -> Result<()> {
        self.model.validate()?;
        positive_count("iterations", self.iterations)?;
        positive_rate("actor_learning_rate", self.actor_learning_rate)?;
        positive_rate("critic_learning_rate", self.critic_learning_rate)?;
        unit_interval("gamma", self.gamma)?;
        positive_count("episodes_per_update", self.episodes_per_update)?;
        positive_count("critic_steps", self.critic_steps)?;
        non_negative("entropy_coef", self.entropy_coef)
    }
}

/// Discrete Soft Actor-Critic (Christodoulou 2019), the paper's "SAC" on a discrete action space.
///
/// The paper gives no constants; the defaults follow CleanRL's `sac_atari` (discrete SAC).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields, default)]
pub struct SacConfig {
    /// Shape of the actor and of both Q networks (M outputs).
    pub model: ModelConfig,
    /// Training iterations: one episode each, with gradient steps interleaved.
    pub iterations: usize,
    /// Discount.
    pub gamma: f64,
    /// Polyak factor of the target Q networks, applied after every gradient step.
    pub tau: f64,
    /// Adam learning rate of the actor.
    pub policy_learning_rate: f64,
    /// Adam learning rate of the Q networks.
    pub q_learning_rate: f64,
    /// Adam learning rate of the temperature.
    pub alpha_learning_rate: f64,
    /// Adam epsilon of all three optimizers.
    pub adam_eps: f64,
    /// Transitions per gradient step.
    pub batch_size: usize,
    /// Replay buffer capacity (transitions); the oldest are overwritten.
    pub buffer_capacity: usize,
    /// Environment steps before the first gradient step.
    pub learning_starts: usize,
    /// Environment steps per gradient step.
    pub update_every: usize,
    /// Tune the temperature toward the target entropy.
    pub autotune: bool,
    /// Target entropy = scale x ln(M) (the maximum entropy).
    pub target_entropy_scale: f64,
    /// Initial temperature; constant when `autotune` is off.
    pub alpha: f64,
}

impl Default for SacConfig {
    fn default() -> Self {
        SacConfig {
            model: ModelConfig::default(),
            iterations: 1000,
            gamma: 0.99,
            tau: 0.005,
            policy_learning_rate: 3e-4,
            q_learning_rate: 3e-4,
            alpha_learning_rate: 3e-4,
            adam_eps: 1e-4,
            batch_size: 64,
            buffer_capacity: 100_000,
            learning_starts: 1_000,
            update_every: 4,
            autotune: true,
            target_entropy_scale: 0.89,
            alpha: 1.0,
        }
    }
}

impl SacConfig {
    /// Checks every value.
    pub fn validate(&self) -> Result<()> {
        self.model.validate()?;
        positive_count("iterations", self.iterations)?;
        unit_interval("gamma", self.gamma)?;
        if !(self.tau > 0.0 && self.tau <= 1.0) {
            return Err(Error::config("tau", self.tau, "must be in (0, 1]"));
        }
        positive_rate("policy_learning_rate", self.policy_learning_rate)?;
        positive_rate("q_learning_rate", self.q_learning_rate)?;
        positive_rate("alpha_learning_rate", self.alpha_learning_rate)?;
        positive_rate("adam_eps", self.adam_eps)?;
        positive_count("batch_size", self.batch_size)?;
        positive_count("buffer_capacity", self.buffer_capacity)?;
        positive_count("update_every", self.update_every)?;
        unit_interval("target_entropy_scale", self.target_entropy_scale)?;
        positive_rate("alpha", self.alpha)
    }
}

/// The cross-entropy method for a fixed word set: our addition beyond the paper.
///
/// Each iteration takes the policy's argmax placement; a word alone in its bin is an "elite" and
/// keeps its bin as target, a colliding bin keeps its most confident word, and the other words
/// get new targets sampled from the policy restricted to the free bins. The policy is then
/// fitted to the targets with cross-entropy. Training stops at zero argmax collisions.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields, default)]
pub struct CemConfig {
    /// The policy's shape.
    pub model: ModelConfig,
    /// Maximum iterations (it stops earlier at zero argmax collisions).
    pub iterations: usize,
    /// Adam learning rate, for both heads (the measurements behind 3e-2 are in
    /// docs/REPRODUCTION.md).
    pub learning_rate: f64,
    /// Fitting passes over the word set per iteration.
    pub fit_steps: usize,
    /// Words per Adam step; `None` = the whole set in one step (fastest while logits fit in memory).
    pub batch_size: Option<usize>,
    /// The factor, in (0, 1], that shrinks the learning rate after a collapse (far more
    /// collisions than the best so far), when the network with the fewest collisions comes back
    /// with its Adam moments.
    pub lr_decay: f64,
    /// A word that must move keeps last iteration's target while that bin is free, instead of
    /// sampling a new one every iteration (docs/REPRODUCTION.md, "Sticky targets", compares the
    /// two).
    pub sticky_targets: bool,
    /// The number format of the hidden and output layers' matrix products while training
    /// (`f32` or `bf16`). With `bf16` the weights stay float32 and so does the trained hash:
    /// once an iteration's bfloat16 placement has no collision, the run switches to float32
    /// for good and stops only at zero float32 collisions.
    #[serde(skip_serializing_if = "Precision::is_f32")]
    pub precision: Precision,
}

/// The number format of a network's matrix products (its weights are float32 either way).
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum Precision {
    /// IEEE float32 throughout: the function a saved model computes.
    #[default]
    F32,
    /// Activations and weights rounded to bfloat16 for each product, accumulated in float32
    /// (on CPUs with AMX or AVX-512 BF16 several times faster than float32 products).
    Bf16,
}

impl Precision {
    /// Whether this is float32, the default.
    pub fn is_f32(&self) -> bool {
        *self == Precision::F32
    }
}

impl Default for CemConfig {
    fn default() -> Self {
        CemConfig {
            model: ModelConfig::default(),
            iterations: 1000,
            learning_rate: 3e-2,
            fit_steps: 1,
            batch_size: None,
            lr_decay: 0.5,
            sticky_targets: true,
            precision: Precision::F32,
        }
    }
}

impl CemConfig {
    /// Checks every value.
    pub fn validate(&self) -> Result<()> {
        self.model.validate()?;
        positive_count("iterations", self.iterations)?;
        positive_rate("learning_rate", self.learning_rate)?;
        positive_count("fit_steps", self.fit_steps)?;
        if self.batch_size == Some(0) {
            return Err(Error::config(
                "batch_size",
                0,
                "must be positive (or absent for full batch)",
            ));
        }
        if !(self.lr_decay > 0.0 && self.lr_decay <= 1.0) {
            return Err(Error::config(
                "lr_decay",
                self.lr_decay,
                "must be in (0, 1]",
            ));
        }
        Ok(())
    }
}

/// Supervised imitation of Python's string hash (the paper's Fig. 1).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields, default)]
pub struct SupervisedConfig {
    /// The classifier's shape; the paper: hidden layers of 200 and 300.
    pub model: ModelConfig,
    /// Classes M (the paper: 1,000 bins).
    pub bins: usize,
    /// Passes over the training words.
    pub epochs: usize,
    /// Words per Adam step.
    pub batch_size: usize,
    /// Adam learning rate (PyTorch's default; the paper gives none).
    pub learning_rate: f64,
    /// `PYTHONHASHSEED` of the reference labels (0 = CPython without hash randomization).
    pub python_hash_seed: u64,
}

impl Default for SupervisedConfig {
    fn default() -> Self {
        SupervisedConfig {
            model: ModelConfig::mlp(vec![200, 300]),
            bins: 1000,
            epochs: 20,
            batch_size: 256,
            learning_rate: 1e-3,
            python_hash_seed: 0,
        }
    }
}

impl SupervisedConfig {
    /// Checks every value.
    pub fn validate(&self) -> Result<()> {
        self.model.validate()?;
        positive_count("bins", self.bins)?;
        positive_count("epochs", self.epochs)?;
        positive_count("batch_size", self.batch_size)?;
        positive_rate("learning_rate", self.learning_rate)
    }
}

fn positive_count(key: &'static str, value: usize) -> Result<()> {
    if value == 0 {
        return Err(Error::config(key, value, "must be at least 1"));
    }
    Ok(())
}

fn positive_rate(key: &'static str, value: f64) -> Result<()> {
    if !(value.is_finite() && value > 0.0) {
        return Err(Error::config(
            key,
            value,
            "must be a positive finite number",
        ));
    }
    Ok(())
}

fn non_negative(key: &'static str, value: f64) -> Result<()> {
    if !(value.is_finite() && value >= 0.0) {
        return Err(Error::config(
            key,
            value,
            "must be a non-negative finite number",
        ));
    }
    Ok(())
}

fn unit_interval(key: &'static str, value: f64) -> Result<()> {
    if !(0.0..=1.0).contains(&value) {
        return Err(Error::config(key, value, "must be in [0, 1]"));
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn defaults_are_the_papers_and_valid() {
        let pg = PgConfig::default();
        assert_eq!(pg.model.hidden, vec![300, 300]);
        assert_eq!(pg.estimator, PgEstimator::Paper);
        pg.validate().unwrap();
        AcConfig::default().validate().unwrap();
        SacConfig::default().validate().unwrap();
        CemConfig::default().validate().unwrap();
        let sup = SupervisedConfig::default();
        assert_eq!((sup.model.hidden.clone(), sup.bins), (vec![200, 300], 1000));
        sup.validate().unwrap();
    }

    #[test]
    fn partial_json_fills_defaults_and_unknown_keys_fail() {
        let pg: PgConfig =
            serde_json::from_str(r#"{"estimator": "symmetric", "entropy_coef": 0.5}"#).unwrap();
        assert_eq!(pg.estimator, PgEstimator::Symmetric);
        assert_eq!(pg.iterations, 1000);
        let err = serde_json::from_str::<PgConfig>(r#"{"learning_rat": 0.1}"#).unwrap_err();
        assert!(err.to_string().contains("learning_rat"), "{err}");
        let back: PgConfig = serde_json::from_str(&serde_json::to_string(&pg).unwrap()).unwrap();
        assert_eq!(back, pg);
    }

    #[test]
    fn invalid_values_name_their_key() {
        let cem = CemConfig {
            lr_decay: 1.5,
            ..CemConfig::default()
        };
        let message = cem.validate().unwrap_err().to_string();
        assert!(message.contains("lr_decay"), "{message}");
        let pg = PgConfig {
            mean_baseline: true,
            ..PgConfig::default()
        };
        assert!(
            pg.validate()
                .unwrap_err()
                .to_string()
                .contains("mean_baseline")
        );
        let ok = PgConfig {
            mean_baseline: true,
            episodes_per_update: 2,
            ..PgConfig::default()
        };
        ok.validate().unwrap();
        let sac = SacConfig {
            tau: 0.0,
            ..SacConfig::default()
        };
        assert!(sac.validate().unwrap_err().to_string().contains("`tau`"));
        let ac = AcConfig {
            gamma: 1.5,
            ..AcConfig::default()
        };
        assert!(
            ac.validate()
                .unwrap_err()
                .to_string()
                .contains("`gamma` = 1.5")
        );
        let model = ModelConfig::mlp(vec![300, 0]);
        assert!(model.validate().is_err());
        let cem = CemConfig {
            batch_size: Some(0),
            ..CemConfig::default()
        };
        assert!(cem.validate().is_err());
    }
}
