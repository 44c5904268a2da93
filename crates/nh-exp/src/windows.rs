//! Statistics of a panel's curves over the first and the last 10% of iterations: each seed's mean
//! over the window, summarized across seeds (mean, 95% Student-t interval, interquartile mean) and
//! with a seeded percentile-bootstrap 95% interval, the reporting rliable recommends for few runs.

use std::collections::BTreeMap;

use nh_metrics::{Summary, bootstrap_mean_ci95};
use serde::{Deserialize, Serialize};

use crate::task::{CurveName, Curves};

/// Which end of the curves a window covers: `ceil(len / 10)` iterations (at least one).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Window {
    /// The first 10% of iterations.
    First,
    /// The last 10% of iterations.
    Last,
}

impl Window {
    /// The window's part of one seed's curve; empty for an empty curve.
    fn of(self, curve: &[f64]) -> &[f64] {
        let width = curve.len().div_ceil(10);
        match self {
            Window::First => &curve[..width],
            Window::Last => &curve[curve.len() - width..],
        }
    }
}

/// Each seed's mean of `name` over `window`, for the seeds that have the curve.
pub fn seed_means<'a>(
    curves: impl IntoIterator<Item = &'a Curves>,
    name: CurveName,
    window: Window,
) -> Vec<f64> {
    curves
        .into_iter()
        .filter_map(|c| c.get(&name))
        .filter(|c| !c.is_empty())
        .map(|c| {
            let part = window.of(c);
            part.iter().sum::<f64>() / part.len() as f64
        })
        .collect()
}

/// The seeds' window means summarized; `None` when no seed has the curve.
pub fn window_summary(means: &[f64]) -> Option<Summary> {
    (!means.is_empty()).then(|| Summary::of(means))
}

/// Percentile-bootstrap 95% intervals of the mean over seeds, for the first and the last 10%.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
pub struct BootstrapIntervals {
    /// Over the first 10% of iterations; `None` without values.
    pub first_10_percent: Option<[f64; 2]>,
    /// Over the last 10% of iterations; `None` without values.
    pub last_10_percent: Option<[f64; 2]>,
}

/// The bootstrap seed of a curve's intervals: fixed, so a summary is the same on every run.
const BOOTSTRAP_SEED: u64 = 0xB007;

/// Both windows' bootstrap intervals of every curve in `names`.
pub fn bootstrap_intervals(
    curves: &[&Curves],
    names: &[CurveName],
) -> BTreeMap<CurveName, BootstrapIntervals> {
    names
        .iter()
        .map(|&name| {
            let interval = |window| {
                bootstrap_mean_ci95(
                    &seed_means(curves.iter().copied(), name, window),
                    BOOTSTRAP_SEED,
                )
            };
            (
                name,
                BootstrapIntervals {
                    first_10_percent: interval(Window::First),
                    last_10_percent: interval(Window::Last),
                },
            )
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    fn curves(values: Vec<f64>) -> Curves {
        [(CurveName::Reward, values)].into_iter().collect()
    }

    #[test]
    fn windows_take_a_tenth_of_each_seed_at_either_end() {
        let seeds = [
            curves((1..=20).map(f64::from).collect()),
            curves(vec![5.0, 7.0]),
        ];
        // Seed 0: first 2 of 20 -> 1.5, last 2 -> 19.5. Seed 1: one value each end.
        assert_eq!(
            seed_means(&seeds, CurveName::Reward, Window::First),
            vec![1.5, 5.0]
        );
        assert_eq!(
            seed_means(&seeds, CurveName::Reward, Window::Last),
            vec![19.5, 7.0]
        );
        assert!(seed_means(&seeds, CurveName::Loss, Window::Last).is_empty());
        let refs: Vec<&Curves> = seeds.iter().collect();
        let intervals = bootstrap_intervals(&refs, &[CurveName::Reward, CurveName::Loss]);
        let [lo, hi] = intervals[&CurveName::Reward].last_10_percent.unwrap();
        assert!((7.0..=19.5).contains(&lo) && (7.0..=19.5).contains(&hi) && lo <= hi);
        assert_eq!(intervals[&CurveName::Loss], BootstrapIntervals::default());
        let summary = window_summary(&[19.5, 7.0]).unwrap();
        assert_eq!((summary.n, summary.mean), (2, 13.25));
        assert!(window_summary(&[]).is_none());
    }
}
