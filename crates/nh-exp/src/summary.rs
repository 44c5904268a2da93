//! A finished run's `summary.json`: per panel, the seeds, first and final values of every curve,
//! iterations to a perfect hash, Python's reference and the generalization test. Written by the
//! finish step and read back by `nh replot` through the same types.

use std::collections::BTreeMap;

use nh_metrics::Summary;
use serde::{Deserialize, Serialize};

use crate::config::{Algo, Origin, Schedule};
use crate::reference::Reference;
use crate::task::{CurveName, GeneralizationResult};
use crate::windows::BootstrapIntervals;

/// The whole figure.
#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct FigureSummary {
    /// Figure id.
    pub figure: String,
    /// The figure's title.
    pub title: String,
    /// What the paper claims.
    pub paper_claim: String,
    /// The run id.
    pub run_id: String,
    /// One entry per panel, in the experiment file's order.
    pub panels: Vec<PanelSummary>,
}

/// One panel over its seeds (every per-seed list is in the order of `seeds`).
#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct PanelSummary {
    /// Panel id.
    pub id: String,
    /// Label.
    pub label: String,
    /// The paper's setup or ours.
    pub origin: Origin,
    /// Learner.
    pub algo: Algo,
    /// Words per episode.
    pub words: usize,
    /// Bins.
    pub bins: usize,
    /// Word schedule.
    pub schedule: Schedule,
    /// Whether the observation includes the table's occupancy.
    pub occupancy: bool,
    /// Iterations budgeted.
    pub iterations: usize,
    /// Seeds, in the order of every list below.
    pub seeds: Vec<u64>,
    /// Each curve's per-seed mean over the last 10% of iterations, summarized across seeds.
    pub final_last_10_percent: BTreeMap<CurveName, Option<Summary>>,
    /// The same over the first 10% of iterations (absent in runs finished before it existed).
    #[serde(default)]
    pub first_10_percent: BTreeMap<CurveName, Option<Summary>>,
    /// Percentile-bootstrap 95% intervals over seeds of both windows' means (absent in runs
    /// finished before it existed).
    #[serde(default)]
    pub bootstrap_ci95: BTreeMap<CurveName, BootstrapIntervals>,
    /// Each curve's first value per seed.
    pub first_iteration: BTreeMap<CurveName, Vec<Option<f64>>>,
    /// Iterations to a zero-collision hash of the training words per seed (fixed word sets;
    /// for `batches` panels: of every batch).
    pub iterations_to_perfect: Vec<Option<usize>>,
    /// Each seed's per-batch results (`batches` panels; absent in runs finished before them).
    #[serde(default)]
    pub batches: Vec<Option<crate::batch_results::BatchResults>>,
    /// Python's hash on each seed's word sets (RL panels).
    pub python_reference: Vec<Option<Reference>>,
    /// Each seed's generalization test, when the panel has one.
    pub generalization: Vec<Option<GeneralizationResult>>,
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn summaries_with_one_seed_read_back_with_nan_intervals() {
        let one = Summary::of(&[3.5]);
        assert!(one.ci95_half_width.is_nan());
        let finals: BTreeMap<CurveName, Option<Summary>> = [
            (CurveName::Reward, Some(one.clone())),
            (CurveName::Loss, None),
        ]
        .into();
        let text = serde_json::to_string(&finals).unwrap();
        let back: BTreeMap<CurveName, Option<Summary>> = serde_json::from_str(&text).unwrap();
        let reward = back[&CurveName::Reward].as_ref().unwrap();
        assert_eq!((reward.n, reward.mean), (1, 3.5));
        assert!(reward.ci95_half_width.is_nan());
        assert!(back[&CurveName::Loss].is_none());
    }
}
