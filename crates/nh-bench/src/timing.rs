//! Repeated wall-clock measurements and their median.

use std::time::Instant;

use serde::{Deserialize, Serialize};

/// Seconds of repeated runs of one measurement (after one untimed warm-up run).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Timing {
    /// Every timed run, in order.
    pub samples_s: Vec<f64>,
}

impl Timing {
    /// The median run.
    pub fn median_s(&self) -> f64 {
        median(&self.samples_s)
    }

    /// The median run in milliseconds.
    pub fn median_ms(&self) -> f64 {
        self.median_s() * 1e3
    }
}

/// Runs `f` once untimed (caches, allocator, lazy initialization), then `repeats` timed times.
pub fn time_repeated(repeats: usize, mut f: impl FnMut()) -> Timing {
    f();
    let samples_s = (0..repeats.max(1))
        .map(|_| {
            let start = Instant::now();
            f();
            start.elapsed().as_secs_f64()
        })
        .collect();
    Timing { samples_s }
}

/// Items per second of `f` (which processes `items_per_call` items per call): `repeats` rounds,
/// each calling `f` until `min_seconds` have passed; the median round's rate.
pub fn rate_per_second(
    repeats: usize,
    min_seconds: f64,
    items_per_call: usize,
    mut f: impl FnMut(),
) -> f64 {
    f();
    let rates: Vec<f64> = (0..repeats.max(1))
        .map(|_| {
            let start = Instant::now();
            let mut calls = 0u64;
            loop {
                f();
                calls += 1;
                let elapsed = start.elapsed().as_secs_f64();
                if elapsed >= min_seconds {
                    return calls as f64 * items_per_call as f64 / elapsed;
                }
            }
        })
        .collect();
    median(&rates)
}

/// The median of `values` (the mean of the middle two for an even count); NaN when empty.
pub fn median(values: &[f64]) -> f64 {
    if values.is_empty() {
        return f64::NAN;
    }
    let mut sorted = values.to_vec();
    sorted.sort_by(f64::total_cmp);
    let mid = sorted.len() / 2;
    if sorted.len() % 2 == 1 {
        sorted[mid]
    } else {
        (sorted[mid - 1] + sorted[mid]) / 2.0
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn median_of_odd_and_even_counts() {
        assert_eq!(median(&[3.0, 1.0, 2.0]), 2.0);
        assert_eq!(median(&[4.0, 1.0, 3.0, 2.0]), 2.5);
        assert!(median(&[]).is_nan());
    }

    #[test]
    fn repeated_timing_warms_up_once_and_counts_runs() {
        let mut calls = 0;
        let timing = time_repeated(3, || calls += 1);
        assert_eq!(calls, 4);
        assert_eq!(timing.samples_s.len(), 3);
        assert!(timing.samples_s.iter().all(|&s| s >= 0.0));
        let mut counted = 0usize;
        let rate = rate_per_second(2, 0.0, 10, || counted += 1);
        // One warm-up call, then one call per round (min_seconds 0 ends a round after one call).
        assert_eq!(counted, 3);
        assert!(rate > 0.0);
    }
}
