//! `Summary` of repeated measurements (mean, std, 95% CI, interquartile mean) and per-iteration
//! summaries of learning curves across seeds.

use crate::special::student_t_quantile;

/// Summary statistics of a sample, e.g. one final number per seed.
///
/// ```
/// use nh_metrics::Summary;
/// let s = Summary::of(&[1.0, 2.0, 3.0, 4.0]);
/// assert_eq!((s.n, s.mean, s.median, s.iqm), (4, 2.5, 2.5, 2.5));
/// assert!((s.std - 1.290_994_448_735_805_6).abs() < 1e-12);
/// // Student t with 3 degrees of freedom: 3.182446 * 1.290994 / sqrt(4)
/// assert!((s.ci95_half_width - 2.054_260_26).abs() < 1e-6);
/// ```
#[derive(Clone, Debug, PartialEq, serde::Serialize, serde::Deserialize)]
pub struct Summary {
    /// Number of values.
    pub n: usize,
    /// Arithmetic mean (NaN when `n == 0`).
    #[serde(deserialize_with = "null_as_nan")]
    pub mean: f64,
    /// Sample standard deviation with `n - 1` in the denominator (0 when `n == 1`).
    #[serde(deserialize_with = "null_as_nan")]
    pub std: f64,
    /// Standard error of the mean, `std / sqrt(n)`.
    #[serde(deserialize_with = "null_as_nan")]
    pub sem: f64,
    /// Half-width of the 95% confidence interval of the mean, Student t with `n - 1` degrees of
    /// freedom (NaN when `n < 2`: one value says nothing about spread).
    #[serde(deserialize_with = "null_as_nan")]
    pub ci95_half_width: f64,
    /// Interquartile mean: the mean after dropping `floor(n / 4)` values at each end.
    #[serde(deserialize_with = "null_as_nan")]
    pub iqm: f64,
    /// Median.
    #[serde(deserialize_with = "null_as_nan")]
    pub median: f64,
    /// Smallest value.
    #[serde(deserialize_with = "null_as_nan")]
    pub min: f64,
    /// Largest value.
    #[serde(deserialize_with = "null_as_nan")]
    pub max: f64,
}

/// JSON has no NaN: `serde_json` writes a non-finite value as `null`, so `null` reads back as NaN
/// (a one-value summary's confidence interval, an empty sample's moments).
fn null_as_nan<'de, D: serde::Deserializer<'de>>(deserializer: D) -> Result<f64, D::Error> {
    use serde::Deserialize;
    Ok(Option::<f64>::deserialize(deserializer)?.unwrap_or(f64::NAN))
}

impl Summary {
    /// Summarizes `values`. NaN inputs propagate into the moments; an empty slice gives `n = 0`
    /// and NaN everywhere else.
    pub fn of(values: &[f64]) -> Summary {
        let t = t_quantile_for(values.len());
        Self::with_t_quantile(values, t)
    }

    /// The 95% confidence interval `(mean - half_width, mean + half_width)`.
    pub fn ci95(&self) -> (f64, f64) {
        (
            self.mean - self.ci95_half_width,
            self.mean + self.ci95_half_width,
        )
    }

    /// Summarizes with a precomputed 0.975 quantile of Student t with `n - 1` degrees of freedom.
    fn with_t_quantile(values: &[f64], t_quantile: f64) -> Summary {
        let n = values.len();
        if n == 0 {
            return Summary {
                n,
                mean: f64::NAN,
                std: f64::NAN,
                sem: f64::NAN,
                ci95_half_width: f64::NAN,
                iqm: f64::NAN,
                median: f64::NAN,
                min: f64::NAN,
                max: f64::NAN,
            };
        }
        let mean = values.iter().sum::<f64>() / n as f64;
        let std = if n > 1 {
            let squares: f64 = values.iter().map(|v| (v - mean).powi(2)).sum();
            (squares / (n - 1) as f64).sqrt()
        } else {
            0.0
        };
        let sem = std / (n as f64).sqrt();
        let mut sorted = values.to_vec();
        sorted.sort_by(f64::total_cmp);
        let cut = n / 4;
        let middle = &sorted[cut..n - cut];
        let iqm = middle.iter().sum::<f64>() / middle.len() as f64;
        let median = if n % 2 == 1 {
            sorted[n / 2]
        } else {
            0.5 * (sorted[n / 2 - 1] + sorted[n / 2])
        };
        Summary {
            n,
            mean,
            std,
            sem,
            ci95_half_width: t_quantile * sem,
            iqm,
            median,
            min: sorted[0],
            max: sorted[n - 1],
        }
    }
}

/// The 0.975 quantile of Student t for a sample of `n` values (NaN when `n < 2`).
fn t_quantile_for(n: usize) -> f64 {
    if n < 2 {
        f64::NAN
    } else {
        student_t_quantile(0.975, (n - 1) as f64)
    }
}

/// Per-index summaries across curves, e.g. reward per iteration across seeds.
///
/// The result is as long as the longest curve; entry `i` summarizes the curves that reach index
/// `i`, so its `n` drops where shorter curves end.
///
/// ```
/// use nh_metrics::summarize_curves;
/// let curves = vec![vec![1.0, 2.0, 3.0], vec![3.0, 4.0]];
/// let per_step = summarize_curves(&curves);
/// assert_eq!(per_step.len(), 3);
/// assert_eq!((per_step[0].mean, per_step[1].mean), (2.0, 3.0));
/// assert_eq!((per_step[2].n, per_step[2].mean), (1, 3.0));
/// ```
pub fn summarize_curves(curves: &[Vec<f64>]) -> Vec<Summary> {
    let length = curves.iter().map(Vec::len).max().unwrap_or(0);
    let mut column = Vec::with_capacity(curves.len());
    let mut cached_t: Option<(usize, f64)> = None;
    (0..length)
        .map(|i| {
            column.clear();
            column.extend(curves.iter().filter_map(|curve| curve.get(i).copied()));
            let t = match cached_t {
                Some((n, t)) if n == column.len() => t,
                _ => {
                    let t = t_quantile_for(column.len());
                    cached_t = Some((column.len(), t));
                    t
                }
            };
            Summary::with_t_quantile(&column, t)
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn single_value_has_zero_std_and_undefined_interval() {
        let s = Summary::of(&[5.0]);
        assert_eq!(
            (s.n, s.mean, s.std, s.iqm, s.median),
            (1, 5.0, 0.0, 5.0, 5.0)
        );
        assert!(s.ci95_half_width.is_nan());
    }

    #[test]
    fn empty_input_gives_nan() {
        let s = Summary::of(&[]);
        assert_eq!(s.n, 0);
        assert!(s.mean.is_nan() && s.iqm.is_nan() && s.median.is_nan());
        assert!(summarize_curves(&[]).is_empty());
    }

    #[test]
    fn iqm_drops_a_quarter_at_each_end() {
        // n = 8, sorted -50 1 2 3 4 5 6 100: drop 2 at each end, keep 2 3 4 5.
        let s = Summary::of(&[100.0, 6.0, 1.0, 5.0, 2.0, 4.0, 3.0, -50.0]);
        assert_eq!(s.iqm, 3.5);
        assert_eq!((s.min, s.max, s.median), (-50.0, 100.0, 3.5));
    }

    #[test]
    fn large_sample_interval_approaches_the_normal_one() {
        let values: Vec<f64> = (0..10_000).map(|i| f64::from(i % 100)).collect();
        let s = Summary::of(&values);
        let ratio = s.ci95_half_width / s.sem;
        assert!((ratio - 1.960_2).abs() < 1e-3, "{ratio}");
        let (low, high) = s.ci95();
        assert!((high - low - 2.0 * s.ci95_half_width).abs() < 1e-12);
    }

    #[test]
    fn curves_summaries_equal_per_index_summaries() {
        let curves = vec![
            vec![1.0, 5.0, 2.0],
            vec![2.0, 7.0, 2.5],
            vec![4.0, 6.0, 3.5],
        ];
        let per_step = summarize_curves(&curves);
        for (i, summary) in per_step.iter().enumerate() {
            let column: Vec<f64> = curves.iter().map(|c| c[i]).collect();
            assert_eq!(*summary, Summary::of(&column));
        }
    }
}
