//! `TrainSetup::time_limit`: every reinforcement-learning trainer stops after the first iteration
//! that ends past the limit, and the model records the iterations it ran.

mod common;

use std::time::Duration;

use nh_agents::{
    AcConfig, CemConfig, ModelConfig, PgConfig, SacConfig, TrainOutcome, set_libtorch_threads,
    train_actor_critic, train_cem, train_pg, train_sac,
};
use nh_env::{EnvConfig, WordSchedule};

const BUDGET: usize = 50;

fn assert_one_iteration(name: &str, outcome: &TrainOutcome) {
    assert_eq!(outcome.metrics.len(), 1, "{name}");
    assert_eq!(outcome.model.training().iterations_run, 1, "{name}");
}

#[test]
fn a_zero_time_limit_stops_every_trainer_after_one_iteration() {
    set_libtorch_threads(1).unwrap();
    let env = EnvConfig::new(32, 32).with_schedule(WordSchedule::Fixed);
    let words = common::words(32, 3);
    let encoder = common::encoder();
    let model = ModelConfig::mlp(vec![16]);
    let unlimited = common::cpu_setup(&env, &words, &encoder, 0);
    let setup = nh_agents::TrainSetup {
        time_limit: Some(Duration::ZERO),
        checkpoint: None,
        ..unlimited
    };
    let pg = PgConfig {
        model: model.clone(),
        iterations: BUDGET,
        ..PgConfig::default()
    };
    assert_one_iteration("pg", &train_pg(&setup, &pg, &mut |_| {}).unwrap());
    let ac = AcConfig {
        model: model.clone(),
        iterations: BUDGET,
        ..AcConfig::default()
    };
    assert_one_iteration("ac", &train_actor_critic(&setup, &ac, &mut |_| {}).unwrap());
    let sac = SacConfig {
        model: model.clone(),
        iterations: BUDGET,
        ..SacConfig::default()
    };
    assert_one_iteration("sac", &train_sac(&setup, &sac, &mut |_| {}).unwrap());
    let cem = CemConfig {
        model,
        iterations: BUDGET,
        ..CemConfig::default()
    };
    assert_one_iteration("cem", &train_cem(&setup, &cem, &mut |_| {}).unwrap());
    // Without the limit the same run goes on.
    let longer = train_pg(
        &unlimited,
        &PgConfig {
            iterations: 3,
            ..pg
        },
        &mut |_| {},
    )
    .unwrap();
    assert_eq!(longer.metrics.len(), 3);
}
