//! `TableStats`: collisions, loads and a uniformity test for one assignment of keys to bins.

use crate::random_function::{collisions_variance, expected_collisions};
use crate::special::chi_square_survival;
use crate::{Error, MaxLoadDistribution, Result};

/// Statistics of `n` keys placed into `m` bins.
///
/// ```
/// use nh_metrics::TableStats;
/// // Four keys into four bins: bins 0 and 2 hold two keys each.
/// let stats = TableStats::from_bins(&[0, 2, 0, 2], 4);
/// assert_eq!((stats.collisions, stats.occupied, stats.max_load), (2, 2, 2));
/// assert_eq!(stats.max_collisions_in_bin, 1);
/// assert_eq!(stats.load_histogram, vec![2, 0, 2]);
/// assert!((stats.chi_square - 4.0).abs() < 1e-12);
/// ```
#[derive(Clone, Debug, PartialEq, serde::Serialize, serde::Deserialize)]
pub struct TableStats {
    /// Number of keys.
    pub n: usize,
    /// Number of bins.
    pub m: usize,
    /// Keys that landed in an already occupied bin: `n - occupied`.
    pub collisions: usize,
    /// Bins holding at least one key.
    pub occupied: usize,
    /// Keys in the fullest bin (0 for an empty table).
    pub max_load: usize,
    /// Collisions in the fullest bin: `max_load - 1` (0 for an empty table).
    pub max_collisions_in_bin: usize,
    /// `load_histogram[k]` = number of bins holding exactly `k` keys, for `k` in `0..=max_load`.
    pub load_histogram: Vec<usize>,
    /// Pearson's chi-square statistic of the loads against the uniform expectation `n / m`.
    pub chi_square: f64,
    /// Chance that a uniform random function gives a chi-square at least this large
    /// (`m - 1` degrees of freedom); 1 when `n == 0` or `m == 1`.
    pub p_value: f64,
}

impl TableStats {
    /// Statistics of the assignment `bins[i]` = bin of key `i`, with `m` bins.
    ///
    /// # Panics
    /// When `m == 0` or a bin is `>= m`; [`TableStats::try_from_bins`] reports these instead.
    pub fn from_bins(bins: &[usize], m: usize) -> TableStats {
        match Self::try_from_bins(bins, m) {
            Ok(stats) => stats,
            Err(error) => panic!("TableStats::from_bins: {error}"),
        }
    }

    /// Like [`TableStats::from_bins`], with an error for `m == 0` or an out-of-range bin.
    pub fn try_from_bins(bins: &[usize], m: usize) -> Result<TableStats> {
        if m == 0 {
            return Err(Error::ZeroBins);
        }
        let mut loads = vec![0usize; m];
        for (position, &bin) in bins.iter().enumerate() {
            let load = loads
                .get_mut(bin)
                .ok_or(Error::BinOutOfRange { position, bin, m })?;
            *load += 1;
        }
        Self::from_loads(&loads)
    }

    /// Statistics from per-bin loads (`loads[b]` = keys in bin `b`; `m = loads.len()`).
    pub fn from_loads(loads: &[usize]) -> Result<TableStats> {
        let m = loads.len();
        if m == 0 {
            return Err(Error::ZeroBins);
        }
        let max_load = loads.iter().copied().max().unwrap_or(0);
        let mut load_histogram = vec![0usize; max_load + 1];
        for &load in loads {
            load_histogram[load] += 1;
        }
        let n: usize = loads.iter().sum();
        let occupied = m - load_histogram[0];
        let (chi_square, p_value) = uniformity_test(&load_histogram, n, m);
        Ok(TableStats {
            n,
            m,
            collisions: n - occupied,
            occupied,
            max_load,
            max_collisions_in_bin: max_load.saturating_sub(1),
            load_histogram,
            chi_square,
            p_value,
        })
    }

    /// Collisions a uniform random function would make on average with the same `n` and `m`.
    pub fn expected_collisions(&self) -> f64 {
        expected_collisions(self.n, self.m)
    }

    /// Standard deviations by which the collisions exceed (positive) or undercut the random mean.
    ///
    /// 0 when the count is fixed (`n <= 1` or `m == 1`).
    pub fn collisions_z_score(&self) -> f64 {
        let std_dev = collisions_variance(self.n, self.m).sqrt();
        let offset = self.collisions as f64 - self.expected_collisions();
        if std_dev > 0.0 { offset / std_dev } else { 0.0 }
    }

    /// Standard deviations by which the max load lies above the random mean, under `dist`.
    ///
    /// `dist` should be `MaxLoadDistribution::new(self.n, self.m)`; it is passed in because it is
    /// costly and the same for every table of this size.
    pub fn max_load_z_score(&self, dist: &MaxLoadDistribution) -> f64 {
        dist.z_score(self.max_load)
    }
}

/// Pearson's chi-square of the loads against `n / m` per bin, and its p-value.
fn uniformity_test(load_histogram: &[usize], n: usize, m: usize) -> (f64, f64) {
    if n == 0 {
        return (0.0, 1.0);
    }
    let expected = n as f64 / m as f64;
    let chi_square: f64 = load_histogram
        .iter()
        .enumerate()
        .map(|(load, &bins)| bins as f64 * (load as f64 - expected).powi(2) / expected)
        .sum();
    let p_value = chi_square_survival(chi_square, (m - 1) as f64);
    (chi_square, p_value)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn perfect_table_has_no_collisions_and_p_value_one() {
        let stats = TableStats::from_bins(&[3, 1, 0, 2], 4);
        assert_eq!(stats.collisions, 0);
        assert_eq!(stats.occupied, 4);
        assert_eq!(stats.max_load, 1);
        assert_eq!(stats.max_collisions_in_bin, 0);
        assert_eq!(stats.load_histogram, vec![0, 4]);
        assert_eq!(stats.chi_square, 0.0);
        assert!((stats.p_value - 1.0).abs() < 1e-12);
        // Fewer collisions than random: a negative z-score.
        assert!(stats.collisions_z_score() < 0.0);
    }

    #[test]
    fn all_keys_in_one_bin_is_extreme() {
        let bins = vec![7usize; 100];
        let stats = TableStats::from_bins(&bins, 10);
        assert_eq!(stats.collisions, 99);
        assert_eq!(stats.max_load, 100);
        assert_eq!(stats.max_collisions_in_bin, 99);
        // chi2 = (100-10)^2/10 + 9 * 10 = 900
        assert!((stats.chi_square - 900.0).abs() < 1e-9);
        assert!(stats.p_value < 1e-100);
        assert!(stats.collisions_z_score() > 10.0);
    }

    #[test]
    fn empty_and_degenerate_tables() {
        let empty = TableStats::from_bins(&[], 5);
        assert_eq!((empty.n, empty.collisions, empty.max_load), (0, 0, 0));
        assert_eq!(empty.max_collisions_in_bin, 0);
        assert_eq!(empty.load_histogram, vec![5]);
        assert_eq!((empty.chi_square, empty.p_value), (0.0, 1.0));
        assert_eq!(empty.collisions_z_score(), 0.0);
        let one_bin = TableStats::from_bins(&[0, 0, 0], 1);
        assert_eq!((one_bin.collisions, one_bin.p_value), (2, 1.0));
        assert_eq!(one_bin.collisions_z_score(), 0.0);
    }

    #[test]
    fn bad_input_is_reported() {
        assert_eq!(TableStats::try_from_bins(&[0], 0), Err(Error::ZeroBins));
        assert_eq!(
            TableStats::try_from_bins(&[0, 4, 1], 4),
            Err(Error::BinOutOfRange {
                position: 1,
                bin: 4,
                m: 4
            })
        );
        assert_eq!(TableStats::from_loads(&[]), Err(Error::ZeroBins));
    }

    #[test]
    #[should_panic(expected = "out of range")]
    fn from_bins_panics_on_out_of_range_bins() {
        let _ = TableStats::from_bins(&[9], 3);
    }

    #[test]
    fn from_loads_agrees_with_from_bins() {
        let bins = [0, 0, 1, 4, 4, 4, 2];
        let from_bins = TableStats::from_bins(&bins, 6);
        let from_loads = TableStats::from_loads(&[2, 1, 1, 0, 3, 0]).unwrap();
        assert_eq!(from_bins, from_loads);
    }
}
