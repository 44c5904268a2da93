//! The Rust side of `bench/steps_per_second.py`: nh-env's own steps per second with the same
//! settings as the Python measurements (embedded corpus, one-hot encoder, `N = M = 1000`), for
//! the single environment and a `VecEnv`, printed as one JSON object.
//!
//! `cargo run --release -p nh-py --example rust_steps -- <observation> <num_envs> <seconds>`

use std::time::Instant;

use nh_corpus::Corpus;
use nh_encode::{Alphabet, DEFAULT_MAX_LEN, OneHotEncoder};
use nh_env::{EnvConfig, HashTableEnv, ObservationMode, Step, VecEnv};
use rand::{Rng, SeedableRng};

const WORDS: usize = 1000;

fn main() {
    let args: Vec<String> = std::env::args().skip(1).collect();
    let [observation, num_envs, seconds] = args.as_slice() else {
        eprintln!("usage: rust_steps <word_only|word_and_occupancy> <num_envs> <seconds>");
        std::process::exit(2);
    };
    let mode = match observation.as_str() {
        "word_only" => ObservationMode::WordOnly,
        "word_and_occupancy" => ObservationMode::WordAndOccupancy,
        other => panic!("unknown observation {other}"),
    };
    let num_envs: usize = num_envs.parse().expect("num_envs is a number");
    let seconds: f64 = seconds.parse().expect("seconds is a number");
    let corpus = Corpus::embedded();
    let encoder =
        OneHotEncoder::new(Alphabet::from_corpus(&corpus), DEFAULT_MAX_LEN).expect("valid");
    let config = EnvConfig::new(WORDS, WORDS).with_observation(mode);
    let mut rng = rand_chacha::ChaCha8Rng::seed_from_u64(0);
    let actions: Vec<usize> = (0..WORDS * num_envs)
        .map(|_| rng.random_range(0..WORDS))
        .collect();

    let mut env =
        HashTableEnv::new(config.clone(), corpus.words().to_vec(), &encoder).expect("env");
    let mut obs = vec![0.0; env.observation_space().dim()];
    let (mut steps, started) = (0_u64, Instant::now());
    while started.elapsed().as_secs_f64() < seconds {
        env.reset(None, &mut obs);
        for &action in &actions[..WORDS] {
            std::hint::black_box(env.step(action, &mut obs));
        }
        steps += WORDS as u64;
    }
    let single = steps as f64 / started.elapsed().as_secs_f64();

    let mut envs = VecEnv::new(config, corpus.words().to_vec(), &encoder, num_envs).expect("envs");
    let mut obs = vec![0.0; num_envs * envs.observation_space().dim()];
    let mut out = vec![Step::default(); num_envs];
    let (mut steps, started) = (0_u64, Instant::now());
    while started.elapsed().as_secs_f64() < seconds {
        envs.reset_all(None, &mut obs);
        for chunk in actions.chunks_exact(num_envs) {
            envs.step_all(chunk, &mut obs, &mut out);
        }
        steps += (WORDS * num_envs) as u64;
    }
    let vector = steps as f64 / started.elapsed().as_secs_f64();
    println!(
        "{{\"observation\": \"{observation}\", \"num_envs\": {num_envs}, \
         \"single_steps_per_s\": {single:.0}, \"vector_steps_per_s\": {vector:.0}}}"
    );
}
