//! Percentile-bootstrap confidence intervals of a mean over a few runs, seeded.
//!
//! rliable's stratified bootstrap resamples runs with replacement within each task; a figure panel
//! is one task, so the stratified bootstrap of a panel is the plain bootstrap over its seeds.

use rand::{Rng, SeedableRng};
use rand_chacha::ChaCha8Rng;

/// Resamples drawn by [`bootstrap_mean_ci95`].
pub const BOOTSTRAP_RESAMPLES: usize = 2000;

/// The 2.5% and 97.5% percentiles of the means of [`BOOTSTRAP_RESAMPLES`] resamples (with
/// replacement, same size) of `values`, drawn from `seed`; `None` for no values or a non-finite
/// one. With one value the interval is that value: a bootstrap cannot see spread it has no sample of.
///
/// ```
/// let [lo, hi] = nh_metrics::bootstrap_mean_ci95(&[1.0, 2.0, 3.0, 10.0], 0).unwrap();
/// assert!(lo >= 1.0 && hi <= 10.0 && lo < 4.0 && 4.0 < hi);
/// ```
pub fn bootstrap_mean_ci95(values: &[f64], seed: u64) -> Option<[f64; 2]> {
    if values.is_empty() || values.iter().any(|v| !v.is_finite()) {
        return None;
    }
    let mut rng = ChaCha8Rng::seed_from_u64(seed);
    let n = values.len();
    let mut means: Vec<f64> = (0..BOOTSTRAP_RESAMPLES)
        .map(|_| (0..n).map(|_| values[rng.random_range(0..n)]).sum::<f64>() / n as f64)
        .collect();
    means.sort_by(f64::total_cmp);
    let at = |q: f64| means[((q * (means.len() - 1) as f64).round()) as usize];
    Some([at(0.025), at(0.975)])
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn intervals_are_seeded_ordered_and_shrink_with_more_runs() {
        let few = [3.0, 5.0, 4.0, 9.0];
        let [lo, hi] = bootstrap_mean_ci95(&few, 1).unwrap();
        assert_eq!(bootstrap_mean_ci95(&few, 1), Some([lo, hi]));
        assert!(
            (3.0..=5.25).contains(&lo) && (5.25..=9.0).contains(&hi),
            "{lo} {hi}"
        );
        let many: Vec<f64> = (0..64).map(|i| few[i % 4]).collect();
        let [lo2, hi2] = bootstrap_mean_ci95(&many, 1).unwrap();
        assert!(hi2 - lo2 < (hi - lo) / 2.0, "{lo2} {hi2} vs {lo} {hi}");
        assert_eq!(bootstrap_mean_ci95(&[7.0], 0), Some([7.0, 7.0]));
        assert_eq!(bootstrap_mean_ci95(&[], 0), None);
        assert_eq!(bootstrap_mean_ci95(&[1.0, f64::NAN], 0), None);
    }
}
