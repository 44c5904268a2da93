//! A stop request ends a learner's iteration with a checkpoint and `Error::Stopped`; training
//! resumed from it ends with the metrics and weights of a training never stopped. Checked for
//! policy gradient with lockstep environments (occupancy observations), for SAC, the learner
//! with the most state, and for the cross-entropy method with bfloat16 products.

mod common;

use std::path::Path;
use std::sync::Arc;
use std::sync::atomic::AtomicBool;

use nh_agents::{
    CemConfig, Checkpointing, Error, IterationMetrics, ModelConfig, ModelProvenance, PgConfig,
    Precision, SacConfig, TrainOutcome, TrainSetup, WEIGHTS_FILE, set_libtorch_threads, train_cem,
    train_pg, train_sac,
};
use nh_env::{EnvConfig, ObservationMode, WordSchedule};

/// Checkpoints into `dir`: resuming or not, with a stop already requested or not.
fn checkpointing(dir: &Path, resume: bool, stop: bool) -> Checkpointing {
    Checkpointing {
        dir: dir.to_path_buf(),
        every: None,
        stop: Arc::new(AtomicBool::new(stop)),
        resume,
        corpus_sha256: "0".repeat(64),
        commit: "test".into(),
    }
}

/// Metrics without wall time, and the bytes of the saved weights.
fn result(outcome: TrainOutcome, dir: &Path) -> (Vec<IterationMetrics>, Vec<u8>) {
    std::fs::create_dir_all(dir).unwrap();
    let model_dir = dir.join("model");
    let provenance = ModelProvenance {
        corpus_sha256: "0".repeat(64),
        git_commit: "test".into(),
    };
    outcome.model.save(&model_dir, &provenance).unwrap();
    let metrics = outcome
        .metrics
        .into_iter()
        .map(|m| IterationMetrics { seconds: 0.0, ..m })
        .collect();
    (
        metrics,
        std::fs::read(model_dir.join(WEIGHTS_FILE)).unwrap(),
    )
}

/// Trains `budget` iterations without a stop, and again stopped after the first iteration and
/// resumed twice (to `cut`, then to `budget`); both must end alike.
fn assert_stop_resumes_exactly<C>(
    setup: &TrainSetup<'_>,
    config: impl Fn(usize) -> C,
    train: impl Fn(&TrainSetup<'_>, &C) -> nh_agents::Result<TrainOutcome>,
    (cut, budget): (usize, usize),
) {
    let tmp = tempfile::tempdir().unwrap();
    let whole = result(
        train(setup, &config(budget)).unwrap(),
        &tmp.path().join("whole"),
    );
    assert_eq!(whole.0.len(), budget);

    let dir = tmp.path().join("cut");
    let stopped = checkpointing(&dir, false, true);
    let with = |c| TrainSetup {
        checkpoint: Some(c),
        ..*setup
    };
    match train(&with(&stopped), &config(budget)) {
        Err(Error::Stopped { iterations, .. }) => assert_eq!(iterations, 1),
        other => panic!("expected a stop after one iteration, got {other:?}"),
    }
    assert!(dir.join("checkpoint/state.json").is_file());
    let resumed = checkpointing(&dir, true, false);
    let part = train(&with(&resumed), &config(cut)).unwrap();
    assert_eq!(part.metrics.len(), cut);
    assert_eq!(part.checkpoints.len(), 1, "one checkpoint, at the end");
    let rest = train(&with(&resumed), &config(budget)).unwrap();
    assert_eq!(result(rest, &dir), whole);
}

#[test]
fn policy_gradient_with_lockstep_environments_resumes_exactly() {
    set_libtorch_threads(1).unwrap();
    let words = common::words(60, 5);
    let encoder = common::encoder();
    let env = EnvConfig::new(24, 16)
        .with_schedule(WordSchedule::Pool)
        .with_observation(ObservationMode::WordAndOccupancy);
    let setup = common::cpu_setup(&env, &words, &encoder, 2);
    let config = |iterations| PgConfig {
        model: ModelConfig::mlp(vec![16]),
        iterations,
        learning_rate: 1e-2,
        episodes_per_update: 3,
        ..PgConfig::default()
    };
    assert_stop_resumes_exactly(&setup, config, |s, c| train_pg(s, c, &mut |_| {}), (3, 6));
}

#[test]
fn sac_resumes_exactly_with_a_wrapped_replay_buffer() {
    set_libtorch_threads(1).unwrap();
    let words = common::words(60, 6);
    let encoder = common::encoder();
    let env = EnvConfig::new(24, 16).with_schedule(WordSchedule::Pool);
    let setup = common::cpu_setup(&env, &words, &encoder, 4);
    // 16 steps per episode: the 40-transition buffer wraps during the third episode, and
    // updates start in the second.
    let config = |iterations| SacConfig {
        model: ModelConfig::mlp(vec![16]),
        iterations,
        learning_starts: 20,
        batch_size: 8,
        buffer_capacity: 40,
        update_every: 2,
        ..SacConfig::default()
    };
    assert_stop_resumes_exactly(&setup, config, |s, c| train_sac(s, c, &mut |_| {}), (3, 6));
}

#[test]
fn cross_entropy_method_with_bfloat16_products_resumes_exactly() {
    set_libtorch_threads(1).unwrap();
    // 48 words into 32 bins never reach zero collisions, so every run takes its whole budget
    // in bfloat16.
    let words = common::words(48, 7);
    let encoder = common::encoder();
    let env = EnvConfig::new(32, 48).with_schedule(WordSchedule::Fixed);
    let setup = common::cpu_setup(&env, &words, &encoder, 3);
    let config = |iterations| CemConfig {
        model: ModelConfig::mlp(vec![16]).factorized(),
        iterations,
        precision: Precision::Bf16,
        ..CemConfig::default()
    };
    assert_stop_resumes_exactly(&setup, config, |s, c| train_cem(s, c, &mut |_| {}), (3, 6));
}
