//! Same config and seed on the CPU give identical metrics and models, also when two seeds train
//! at the same time on two rayon threads (tch's global generator is never used).

mod common;

use nh_agents::{
    IterationMetrics, ModelConfig, PgConfig, PgEstimator, SacConfig, set_libtorch_threads,
    train_pg, train_sac,
};
use nh_env::{EnvConfig, ObservationMode};

/// Metrics without wall-clock time, and the trained model's bins on the corpus.
type Run = (Vec<IterationMetrics>, Vec<usize>);

fn without_time(metrics: Vec<IterationMetrics>) -> Vec<IterationMetrics> {
    metrics
        .into_iter()
        .map(|m| IterationMetrics { seconds: 0.0, ..m })
        .collect()
}

fn pg_run(seed: u64, observation: ObservationMode) -> Run {
    let words = common::words(200, 9);
    let encoder = common::encoder();
    let env = EnvConfig::new(24, 16).with_observation(observation);
    let setup = common::cpu_setup(&env, &words, &encoder, seed);
    let config = PgConfig {
        model: ModelConfig::mlp(vec![32]),
        iterations: 30,
        learning_rate: 1e-2,
        estimator: PgEstimator::PerStep,
        episodes_per_update: 3,
        entropy_coef: 0.1,
        ..PgConfig::default()
    };
    let outcome = train_pg(&setup, &config, &mut |_| {}).unwrap();
    (
        without_time(outcome.metrics),
        outcome.model.hash_words(&words),
    )
}

fn sac_run(seed: u64) -> Run {
    let words = common::words(200, 9);
    let encoder = common::encoder();
    let env = EnvConfig::new(24, 16);
    let setup = common::cpu_setup(&env, &words, &encoder, seed);
    let config = SacConfig {
        model: ModelConfig::mlp(vec![32]),
        iterations: 12,
        learning_starts: 32,
        batch_size: 16,
        ..SacConfig::default()
    };
    let outcome = train_sac(&setup, &config, &mut |_| {}).unwrap();
    (
        without_time(outcome.metrics),
        outcome.model.hash_words(&words),
    )
}

fn assert_same_alone_and_concurrent(run: impl Fn(u64) -> Run + Sync) {
    let (alone_1, alone_2) = (run(1), run(2));
    let (together_1, together_2) = rayon::join(|| run(1), || run(2));
    assert_eq!(alone_1, together_1);
    assert_eq!(alone_2, together_2);
    assert_eq!(alone_1, run(1));
    // Different seeds really differ (so the equalities above are not vacuous).
    assert_ne!(alone_1.0, alone_2.0);
}

#[test]
fn pg_is_deterministic_across_threads() {
    set_libtorch_threads(1).unwrap();
    assert_same_alone_and_concurrent(|seed| pg_run(seed, ObservationMode::WordOnly));
}

#[test]
fn lockstep_occupancy_pg_is_deterministic_across_threads() {
    set_libtorch_threads(1).unwrap();
    assert_same_alone_and_concurrent(|seed| pg_run(seed, ObservationMode::WordAndOccupancy));
}

#[test]
fn sac_is_deterministic_across_threads() {
    set_libtorch_threads(1).unwrap();
    assert_same_alone_and_concurrent(sac_run);
}
