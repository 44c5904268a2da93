//! Per-iteration and per-epoch training metrics (serde, one CSV row each).

use serde::{Deserialize, Serialize};

/// What one training iteration did. Every field except `seconds` is deterministic for a given
/// config, seed and CPU thread count.
///
/// `reward`, `collisions`, `max_load` and `max_collisions_in_bin` are means over the iteration's
/// episodes, played with *sampled* actions (for the cross-entropy method: the argmax placement).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct IterationMetrics {
    /// 0-based iteration index.
    pub iteration: usize,
    /// Mean total episode reward.
    pub reward: f64,
    /// Mean collisions (words placed into an occupied bin).
    pub collisions: f64,
    /// Mean load of the fullest bin.
    pub max_load: f64,
    /// Mean `max_load - 1`, the paper's "maximum collisions in one bin".
    pub max_collisions_in_bin: f64,
    /// Mean collisions of the argmax placement of the same words (the hash itself), before this
    /// iteration's update; `None` for occupancy observations, where argmax depends on history.
    pub greedy_collisions: Option<f64>,
    /// The (actor's) training loss of the iteration; `None` when no update ran (SAC warm-up,
    /// the cross-entropy method's final, collision-free iteration).
    pub loss: Option<f64>,
    /// Critic loss (actor-critic: value regression; SAC: both Q losses summed); `None` otherwise.
    pub critic_loss: Option<f64>,
    /// Mean policy entropy over the iteration's states (nats; ln M is uniform).
    pub entropy: f64,
    /// Wall-clock seconds since training started.
    pub seconds: f64,
}

/// What one supervised epoch did.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct EpochMetrics {
    /// 0-based epoch index.
    pub epoch: usize,
    /// Mean cross-entropy over the epoch's mini-batches.
    pub loss: f64,
    /// Argmax accuracy on the training words after the epoch.
    pub train_accuracy: f64,
    /// Argmax accuracy on the held-out words after the epoch (`None` when there are none).
    pub held_out_accuracy: Option<f64>,
    /// Wall-clock seconds since training started.
    pub seconds: f64,
}
