//! What one (panel, seed) training produces, independent of the learner that produced it, and the
//! named curves a figure draws from it.

use std::collections::BTreeMap;

use serde::{Deserialize, Serialize};

use crate::config::Algo;

/// Curves and results of one panel trained with one seed, before they are written to disk.
#[derive(Debug, Clone)]
pub struct TaskOutput {
    /// The learner's per-iteration metrics as CSV (its own columns, among them the
    /// [`CurveName`]s of its kind).
    pub metrics_csv: Vec<u8>,
    /// Python's hash on this task's own word sets (RL panels), the figure's reference line.
    pub reference: Option<crate::reference::Reference>,
    /// Held-out test of the trained hash, when the panel asks for one.
    pub generalization: Option<GeneralizationResult>,
    /// Iterations until the argmax hash had zero collisions on the training words, if reached.
    pub iterations_to_perfect: Option<usize>,
    /// The trained hash's collisions on the training words of a fixed-set, word-only panel,
    /// counted by nh-hash (the definition of the hash; the model is perfect only if this says so).
    pub model_check: Option<nh_hash::Perfection>,
    /// Per-batch results of a `batches` panel.
    pub batches: Option<crate::batch_results::BatchResults>,
    /// Iterations (epochs) the learner ran.
    pub completed_iterations: usize,
    /// The last iteration's metrics (reinforcement-learning and cross-entropy learners).
    pub last_iteration: Option<nh_agents::IterationMetrics>,
    /// The words a fixed-set panel trained on (`None` for fresh samples of the whole corpus).
    pub train_words: Option<Vec<String>>,
    /// Wall time of this task in seconds.
    pub wall_seconds: f64,
}

/// A per-iteration quantity that figures and aggregates use: the name of its column in a unit's
/// curves CSV.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum CurveName {
    /// Mean episode reward.
    Reward,
    /// Collisions (words minus occupied bins).
    Collisions,
    /// Max collisions in one bin (max load - 1).
    MaxCollisionsInBin,
    /// Max load of one bin.
    MaxLoad,
    /// Supervised cross-entropy loss.
    Loss,
    /// Supervised accuracy on the training words.
    TrainAccuracy,
    /// Supervised accuracy on held-out words.
    HeldOutAccuracy,
}

impl CurveName {
    /// The curves of reinforcement-learning and cross-entropy panels.
    pub const RL: [CurveName; 4] = [
        CurveName::Reward,
        CurveName::Collisions,
        CurveName::MaxCollisionsInBin,
        CurveName::MaxLoad,
    ];
    /// The curves of the supervised panel.
    pub const SUPERVISED: [CurveName; 3] = [
        CurveName::Loss,
        CurveName::TrainAccuracy,
        CurveName::HeldOutAccuracy,
    ];

    /// The curves a panel of this learner records.
    pub fn of(algo: Algo) -> &'static [CurveName] {
        if algo == Algo::Supervised {
            &Self::SUPERVISED
        } else {
            &Self::RL
        }
    }

    /// The column name in a curves CSV (also the key in `summary.json`).
    pub fn as_str(self) -> &'static str {
        match self {
            CurveName::Reward => "reward",
            CurveName::Collisions => "collisions",
            CurveName::MaxCollisionsInBin => "max_collisions_in_bin",
            CurveName::MaxLoad => "max_load",
            CurveName::Loss => "loss",
            CurveName::TrainAccuracy => "train_accuracy",
            CurveName::HeldOutAccuracy => "held_out_accuracy",
        }
    }
}

/// One seed's curves by name (a missing value, such as a held-out accuracy not measured in an
/// epoch, is NaN).
pub type Curves = BTreeMap<CurveName, Vec<f64>>;

/// The trained hash against Python's hash on the same unseen word samples.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct GeneralizationResult {
    /// Unseen words per sample.
    pub words: usize,
    /// Bins.
    pub bins: usize,
    /// Samples.
    pub samples: usize,
    /// Mean collisions of the neural hash.
    pub neural_collisions: nh_metrics::Summary,
    /// Max load of the neural hash.
    pub neural_max_load: nh_metrics::Summary,
    /// Mean collisions of Python's hash on the same samples.
    pub python_collisions: nh_metrics::Summary,
    /// Max load of Python's hash on the same samples.
    pub python_max_load: nh_metrics::Summary,
    /// Exact expectation for a uniform random function.
    pub uniform_expected_collisions: f64,
}

impl GeneralizationResult {
    /// Standard errors by which a mean of `samples` collision counts exceeds (positive) or
    /// undercuts a uniform random function's expectation, with the random function's exact
    /// variance: |z| < 2 is what a random function gives 95% of the time.
    pub fn z_against_random(&self, mean_collisions: f64) -> f64 {
        let variance = nh_metrics::collisions_variance(self.words, self.bins);
        let standard_error = (variance / self.samples as f64).sqrt();
        (mean_collisions - self.uniform_expected_collisions) / standard_error
    }
}
