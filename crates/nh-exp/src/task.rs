//! What one (panel, seed) training produces, independent of the learner that produced it.

use std::collections::BTreeMap;

use serde::Serialize;

/// Curves and results of one panel trained with one seed.
#[derive(Debug, Clone)]
pub struct TaskOutput {
    /// Panel id.
    pub panel: String,
    /// Seed.
    pub seed: u64,
    /// The learner's per-iteration metrics as CSV (its own columns).
    pub metrics_csv: Vec<u8>,
    /// Named per-iteration curves used by figures and aggregates (e.g. `reward`).
    pub curves: BTreeMap<&'static str, Vec<f64>>,
    /// Python's hash on this task's own word sets (RL panels), the figure's reference line.
    pub reference: Option<crate::reference::Reference>,
    /// Held-out test of the trained hash, when the panel asks for one.
    pub generalization: Option<GeneralizationResult>,
    /// Iterations until the argmax hash had zero collisions on the training words, if reached.
    pub iterations_to_perfect: Option<usize>,
    /// The words a fixed-set panel trained on (`None` for fresh samples of the whole corpus).
    pub train_words: Option<Vec<String>>,
    /// Wall time of this task in seconds.
    pub wall_seconds: f64,
}

/// The trained hash against Python's hash on the same unseen word samples.
#[derive(Debug, Clone, Serialize)]
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
