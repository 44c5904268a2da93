//! What a uniform random function does with `n` keys in `m` bins: the exact mean and variance
//! of the collision count, and the distribution of the largest bin load.
//!
//! Collisions are `n - occupied = n - m + empty`, so their moments are those of the number of
//! empty bins. With `a = (1 - 1/m)^n` and `b = (1 - 2/m)^n`:
//! `E = n - m (1 - a)` and `Var = m (m - 1) b + m a - m^2 a^2`, evaluated as
//! `m^2 a^2 expm1(n ln(1 - 1/(m-1)^2)) + m (a - b)` to avoid cancellation for large `m`.

use crate::special::gamma_q;
use crate::{Error, Result};

/// Expected collisions (`n` minus occupied bins) of `n` keys hashed uniformly into `m` bins.
///
/// `m == 0` has no bins to hash into; it returns NaN.
pub fn expected_collisions(n: usize, m: usize) -> f64 {
    if m == 0 {
        return f64::NAN;
    }
    let (n, m) = (n as f64, m as f64);
    n - m * (1.0 - empty_probability(n, m, 1.0))
}

/// Variance of the collision count of `n` keys hashed uniformly into `m` bins.
///
/// `m == 0` returns NaN.
pub fn collisions_variance(n: usize, m: usize) -> f64 {
    match (n, m) {
        (_, 0) => f64::NAN,
        // No key, or a single bin: the count is fixed.
        (0, _) | (_, 1) => 0.0,
        _ => {
            let (n, m) = (n as f64, m as f64);
            let a = empty_probability(n, m, 1.0);
            let b = empty_probability(n, m, 2.0);
            // b - a^2 = a^2 (exp(n ln((1 - 2/m) / (1 - 1/m)^2)) - 1), and that ratio is
            // 1 - 1/(m-1)^2.
            let ratio_ln = (-1.0 / ((m - 1.0) * (m - 1.0))).ln_1p();
            let b_minus_a2 = a * a * (n * ratio_ln).exp_m1();
            (m * m * b_minus_a2 + m * (a - b)).max(0.0)
        }
    }
}

/// `(1 - k/m)^n`: the chance that `k` given bins all stay empty.
fn empty_probability(n: f64, m: f64, k: f64) -> f64 {
    if n == 0.0 {
        return 1.0;
    }
    (n * (-k / m).ln_1p()).exp()
}

/// How a [`MaxLoadDistribution`] was computed.
#[derive(Clone, Copy, Debug, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
pub enum MaxLoadMethod {
    /// Exact, by a recurrence over bins (cost about `n * m * max_load`).
    Exact,
    /// Independent Poisson(`n/m`) loads: `P(max <= k) ~ F(k)^m`. Accurate when `m` is large.
    Poisson,
}

/// Distribution of the largest bin load when `n` keys are hashed uniformly into `m` bins.
///
/// ```
/// use nh_metrics::MaxLoadDistribution;
/// let dist = MaxLoadDistribution::exact(100, 100)?;
/// assert!((dist.mean() - 4.233).abs() < 1e-3);
/// let z = dist.z_score(7); // how unusual a table with max load 7 is
/// assert!(z > 3.0);
/// # Ok::<(), nh_metrics::Error>(())
/// ```
#[derive(Clone, Debug, PartialEq, serde::Serialize, serde::Deserialize)]
pub struct MaxLoadDistribution {
    n: usize,
    m: usize,
    method: MaxLoadMethod,
    /// `cdf[k] = P(max load <= k)`; beyond the end the CDF is taken as 1.
    cdf: Vec<f64>,
}

/// The CDF is extended until its complement falls below this.
const TAIL_MASS: f64 = 1e-12;
/// [`MaxLoadDistribution::new`] computes exactly while `n * m` stays at or below this.
const EXACT_WORK_BUDGET: f64 = 4e6;

impl MaxLoadDistribution {
    /// Exact when `n * m <= 4e6` (1,000 keys into 1,000 bins: 0.25 s in a release build), else the
    /// Poisson approximation (its CDF is within 0.003 of the exact one at that size).
    pub fn new(n: usize, m: usize) -> Result<Self> {
        if (n as f64) * (m as f64) <= EXACT_WORK_BUDGET {
            Self::exact(n, m)
        } else {
            Self::poisson(n, m)
        }
    }

    /// The exact distribution. Cost grows as `n * m * max_load`: 0.25 s for 1,000 keys in 1,000
    /// bins in a release build, 1.6 s for 3,000 keys in 1,000 bins.
    ///
    /// For each `k`, `h_i(j)` is the chance that `j` keys thrown into `i` bins leave every load
    /// at most `k`. Bin `i` receives `t` of the `j` keys with Binomial(`j`, `1/i`) probability,
    /// so `h_i(j) = sum_t Binom(j, 1/i)(t) h_{i-1}(j - t)` over `t <= k`, and
    /// `P(max <= k) = h_m(n)`. Every term is a probability, so nothing over- or underflows.
    pub fn exact(n: usize, m: usize) -> Result<Self> {
        Self::build(n, m, MaxLoadMethod::Exact, |k| exact_cdf_at(n, m, k))
    }

    /// The Poisson approximation `P(max <= k) ~ P(Poisson(n/m) <= k)^m`.
    pub fn poisson(n: usize, m: usize) -> Result<Self> {
        let lambda = n as f64 / m as f64;
        Self::build(n, m, MaxLoadMethod::Poisson, |k| {
            poisson_cdf(lambda, k).powf(m as f64)
        })
    }

    /// Tabulates `cdf(k)` for `k = 0, 1, ..` until the remaining mass is negligible.
    fn build(
        n: usize,
        m: usize,
        method: MaxLoadMethod,
        cdf_at: impl Fn(usize) -> f64,
    ) -> Result<Self> {
        if m == 0 {
            return Err(Error::ZeroBins);
        }
        // The largest bin holds at least ceil(n / m) keys.
        let least = n.div_ceil(m);
        let mut cdf = vec![0.0; least];
        for k in least..=n {
            let value = if k == n { 1.0 } else { cdf_at(k).min(1.0) };
            cdf.push(value);
            if 1.0 - value < TAIL_MASS {
                break;
            }
        }
        Ok(Self { n, m, method, cdf })
    }

    /// Number of keys.
    pub fn n(&self) -> usize {
        self.n
    }

    /// Number of bins.
    pub fn m(&self) -> usize {
        self.m
    }

    /// How the distribution was computed.
    pub fn method(&self) -> MaxLoadMethod {
        self.method
    }

    /// `P(max load <= k)`.
    pub fn cdf(&self, k: usize) -> f64 {
        self.cdf.get(k).copied().unwrap_or(1.0)
    }

    /// `P(max load == k)`.
    pub fn pmf(&self, k: usize) -> f64 {
        let below = if k == 0 { 0.0 } else { self.cdf(k - 1) };
        (self.cdf(k) - below).max(0.0)
    }

    /// Expected maximum load.
    pub fn mean(&self) -> f64 {
        (0..self.cdf.len()).map(|k| k as f64 * self.pmf(k)).sum()
    }

    /// Standard deviation of the maximum load.
    pub fn std_dev(&self) -> f64 {
        let mean = self.mean();
        let variance: f64 = (0..self.cdf.len())
            .map(|k| (k as f64 - mean).powi(2) * self.pmf(k))
            .sum();
        variance.sqrt()
    }

    /// How many standard deviations `max_load` lies above (positive) or below the random mean.
    pub fn z_score(&self, max_load: usize) -> f64 {
        let std_dev = self.std_dev();
        let offset = max_load as f64 - self.mean();
        if std_dev > 0.0 { offset / std_dev } else { 0.0 }
    }
}

/// `P(max load <= k)` for `n` keys in `m` bins, exactly (see [`MaxLoadDistribution::exact`]).
fn exact_cdf_at(n: usize, m: usize, k: usize) -> f64 {
    // h[j] for the bins processed so far; one bin holds j keys with probability 1 iff j <= k.
    let mut h: Vec<f64> = (0..=n).map(|j| if j <= k { 1.0 } else { 0.0 }).collect();
    let mut next = vec![0.0; n + 1];
    for i in 2..=m {
        // i bins hold at most i*k keys, and the m - i bins still to come at most (m - i) k.
        let high = n.min(i.saturating_mul(k));
        let low = n.saturating_sub((m - i).saturating_mul(k));
        let stay = 1.0 - 1.0 / i as f64; // a key misses bin i
        let odds = 1.0 / (i - 1) as f64; // p / (1 - p) with p = 1/i
        next.fill(0.0);
        let mut none_in_bin = stay.powf(low as f64); // (1 - 1/i)^j, updated along j
        for j in low..=high {
            let mut binomial = none_in_bin;
            let mut sum = 0.0;
            for t in 0..=k.min(j) {
                sum += binomial * h[j - t];
                binomial *= (j - t) as f64 / (t + 1) as f64 * odds;
            }
            next[j] = sum;
            none_in_bin *= stay;
        }
        std::mem::swap(&mut h, &mut next);
    }
    h[n]
}

/// `P(Poisson(lambda) <= k) = Q(k + 1, lambda)`, stable for any `lambda`.
fn poisson_cdf(lambda: f64, k: usize) -> f64 {
    gamma_q(k as f64 + 1.0, lambda)
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Exact moments and max-load CDF by enumerating all m^n assignments.
    fn enumerate(n: usize, m: usize) -> (f64, f64, Vec<f64>) {
        let total = m.pow(n as u32);
        let mut collisions = Vec::with_capacity(total);
        let mut max_counts = vec![0usize; n + 1];
        for code in 0..total {
            let mut loads = vec![0usize; m];
            let mut rest = code;
            for _ in 0..n {
                loads[rest % m] += 1;
                rest /= m;
            }
            let occupied = loads.iter().filter(|&&l| l > 0).count();
            collisions.push((n - occupied) as f64);
            max_counts[loads.iter().copied().max().unwrap_or(0)] += 1;
        }
        let mean = collisions.iter().sum::<f64>() / total as f64;
        let variance = collisions.iter().map(|c| (c - mean).powi(2)).sum::<f64>() / total as f64;
        let mut running = 0.0;
        let cdf = max_counts
            .iter()
            .map(|&count| {
                running += count as f64 / total as f64;
                running
            })
            .collect();
        (mean, variance, cdf)
    }

    #[test]
    fn moments_and_max_load_match_full_enumeration() {
        for (n, m) in [
            (1, 1),
            (3, 1),
            (2, 2),
            (3, 3),
            (5, 3),
            (4, 5),
            (6, 4),
            (7, 2),
        ] {
            let (mean, variance, cdf) = enumerate(n, m);
            assert!(
                (expected_collisions(n, m) - mean).abs() < 1e-12,
                "E n={n} m={m}"
            );
            assert!(
                (collisions_variance(n, m) - variance).abs() < 1e-12,
                "Var n={n} m={m}: {} vs {variance}",
                collisions_variance(n, m)
            );
            let dist = MaxLoadDistribution::exact(n, m).unwrap();
            for (k, expected) in cdf.iter().enumerate() {
                assert!(
                    (dist.cdf(k) - expected).abs() < 1e-12,
                    "cdf n={n} m={m} k={k}: {} vs {expected}",
                    dist.cdf(k)
                );
            }
        }
    }

    #[test]
    fn paper_reference_expectation_is_367_70() {
        // 1000 - 1000 (1 - 0.999^1000) = 367.695...
        let e = expected_collisions(1000, 1000);
        assert!((e - 367.695_425_0).abs() < 1e-6, "{e}");
        assert_eq!(expected_collisions(0, 10), 0.0);
        assert!(expected_collisions(3, 0).is_nan());
    }

    #[test]
    fn variance_is_stable_for_huge_tables() {
        // Sparse regime: collisions are nearly Poisson with mean n^2 / (2m).
        let (n, m) = (1_000, 1_000_000_000);
        let variance = collisions_variance(n, m);
        let mean = expected_collisions(n, m);
        assert!((mean - 4.995e-4).abs() < 1e-6, "{mean}");
        assert!((variance - mean).abs() < 1e-6, "{variance}");
    }

    #[test]
    fn exact_and_poisson_max_load_agree_at_the_paper_size() {
        let exact = MaxLoadDistribution::exact(1000, 1000).unwrap();
        let poisson = MaxLoadDistribution::poisson(1000, 1000).unwrap();
        assert_eq!(exact.method(), MaxLoadMethod::Exact);
        assert_eq!(poisson.method(), MaxLoadMethod::Poisson);
        assert!((exact.mean() - poisson.mean()).abs() < 0.01);
        for k in 0..12 {
            assert!((exact.cdf(k) - poisson.cdf(k)).abs() < 0.01, "k = {k}");
        }
        let total: f64 = (0..20).map(|k| exact.pmf(k)).sum();
        assert!((total - 1.0).abs() < 1e-9);
    }

    #[test]
    fn degenerate_tables_are_handled() {
        assert_eq!(MaxLoadDistribution::new(5, 0), Err(Error::ZeroBins));
        let empty = MaxLoadDistribution::new(0, 4).unwrap();
        assert_eq!(
            (empty.cdf(0), empty.mean(), empty.z_score(0)),
            (1.0, 0.0, 0.0)
        );
        let single_bin = MaxLoadDistribution::new(6, 1).unwrap();
        assert_eq!(single_bin.cdf(5), 0.0);
        assert_eq!(single_bin.cdf(6), 1.0);
        assert_eq!(single_bin.mean(), 6.0);
    }
}
