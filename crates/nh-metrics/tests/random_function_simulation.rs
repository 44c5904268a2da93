//! Property tests: the exact random-function formulas against seeded simulation, and
//! `TableStats` bookkeeping invariants on arbitrary assignments.

use nh_metrics::{MaxLoadDistribution, TableStats, collisions_variance, expected_collisions};
use proptest::prelude::*;
use proptest::test_runner::RngSeed;
use rand::{Rng, SeedableRng};
use rand_chacha::ChaCha8Rng;

const TRIALS: usize = 20_000;

/// Collisions and max load of `TRIALS` uniform assignments of `n` keys into `m` bins.
fn simulate(n: usize, m: usize, seed: u64) -> (Vec<f64>, Vec<usize>) {
    let mut rng = ChaCha8Rng::seed_from_u64(seed);
    let mut bins = vec![0usize; n];
    let mut collisions = Vec::with_capacity(TRIALS);
    let mut max_loads = Vec::with_capacity(TRIALS);
    for _ in 0..TRIALS {
        bins.iter_mut().for_each(|b| *b = rng.random_range(0..m));
        let stats = TableStats::from_bins(&bins, m);
        collisions.push(stats.collisions as f64);
        max_loads.push(stats.max_load);
    }
    (collisions, max_loads)
}

proptest! {
    // A fixed proptest seed keeps the simulated draws, and so the test, reproducible.
    #![proptest_config(ProptestConfig {
        cases: 48,
        rng_seed: RngSeed::Fixed(20_240_601),
        ..ProptestConfig::default()
    })]

    #[test]
    fn collision_moments_match_simulation(n in 0usize..60, m in 1usize..50, seed in any::<u64>()) {
        let (collisions, _) = simulate(n, m, seed);
        let trials = TRIALS as f64;
        let mean = collisions.iter().sum::<f64>() / trials;
        let variance = collisions.iter().map(|c| (c - mean).powi(2)).sum::<f64>() / (trials - 1.0);
        let fourth = collisions.iter().map(|c| (c - mean).powi(4)).sum::<f64>() / trials;
        let exact_mean = expected_collisions(n, m);
        let exact_variance = collisions_variance(n, m);
        // 5 standard errors of the mean. The sample variance's standard error is estimated from
        // the sample's fourth moment, sqrt((m4 - s^4) / T); 10/T of slack covers counts so rare
        // that the sample may not contain a single collision.
        let mean_tolerance = 5.0 * (exact_variance / trials).sqrt() + 1e-9;
        prop_assert!((mean - exact_mean).abs() <= mean_tolerance,
            "n={} m={}: simulated mean {} vs exact {}", n, m, mean, exact_mean);
        let variance_error = ((fourth - variance * variance).max(0.0) / trials).sqrt();
        let variance_tolerance = 5.0 * variance_error + 10.0 / trials;
        prop_assert!((variance - exact_variance).abs() <= variance_tolerance,
            "n={} m={}: simulated variance {} vs exact {}", n, m, variance, exact_variance);
    }

    #[test]
    fn max_load_distribution_matches_simulation(n in 0usize..40, m in 1usize..30, seed in any::<u64>()) {
        let (_, max_loads) = simulate(n, m, seed);
        let dist = MaxLoadDistribution::exact(n, m).unwrap();
        for k in 0..=n {
            // Compare counts: 5 binomial standard deviations plus 3 counts of slack for
            // probabilities so close to 0 or 1 that the normal approximation fails.
            let p = dist.cdf(k);
            let expected = p * TRIALS as f64;
            let observed = max_loads.iter().filter(|&&l| l <= k).count() as f64;
            let tolerance = 5.0 * (expected * (1.0 - p)).sqrt() + 3.0;
            prop_assert!((observed - expected).abs() <= tolerance,
                "n={} m={} k={}: {} of {} simulated vs {} expected", n, m, k, observed, TRIALS, expected);
        }
    }

    #[test]
    fn table_stats_bookkeeping_holds(m in 1usize..40, bins in proptest::collection::vec(0usize..1000, 0..200)) {
        let bins: Vec<usize> = bins.into_iter().map(|b| b % m).collect();
        let stats = TableStats::from_bins(&bins, m);
        prop_assert_eq!(stats.n, bins.len());
        prop_assert_eq!(stats.collisions + stats.occupied, stats.n);
        prop_assert_eq!(stats.load_histogram.iter().sum::<usize>(), m);
        let keys: usize = stats.load_histogram.iter().enumerate().map(|(k, &c)| k * c).sum();
        prop_assert_eq!(keys, stats.n);
        prop_assert_eq!(stats.load_histogram.len(), stats.max_load + 1);
        prop_assert_eq!(stats.max_collisions_in_bin, stats.max_load.saturating_sub(1));
        prop_assert!(stats.chi_square >= 0.0);
        prop_assert!((0.0..=1.0).contains(&stats.p_value));
    }
}
