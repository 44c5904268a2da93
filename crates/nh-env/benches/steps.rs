//! Steps per second of the environment's bookkeeping: stepping, the whole-episode path, scoring.

use std::hint::black_box;

use criterion::{Criterion, Throughput};
use nh_env::{
    EnvConfig, FnEncoder, HashTableEnv, ObservationMode, RewardConfig, WordSchedule, score_actions,
};
use rand::{Rng, SeedableRng};
use rand_chacha::ChaCha8Rng;

const N: usize = 1000;
const M: usize = 1000;

fn words(count: usize) -> Vec<String> {
    (0..count).map(|i| format!("w{i}")).collect()
}

fn random_actions() -> Vec<usize> {
    let mut rng = ChaCha8Rng::seed_from_u64(1);
    (0..N).map(|_| rng.random_range(0..M)).collect()
}

/// A trivial encoder standing for pre-encoded observations: one value per word.
fn trivial_encoder() -> FnEncoder<impl Fn(&str, &mut [f32]) + Clone> {
    FnEncoder::new(1, |word: &str, out: &mut [f32]| out[0] = word.len() as f32)
}

fn bench_env(c: &mut Criterion) {
    let actions = random_actions();
    let mut group = c.benchmark_group("episode_1000_words_1000_bins");
    group.throughput(Throughput::Elements(N as u64));

    for (name, observation) in [
        ("step_word_only", ObservationMode::WordOnly),
        ("step_word_and_occupancy", ObservationMode::WordAndOccupancy),
    ] {
        let config = EnvConfig::new(M, N)
            .with_schedule(WordSchedule::Fixed)
            .with_observation(observation);
        let mut env = HashTableEnv::new(config, words(N), trivial_encoder()).unwrap();
        let mut obs = vec![0.0; env.observation_space().dim()];
        group.bench_function(name, |b| {
            b.iter(|| {
                env.reset(Some(0), &mut obs);
                let mut total = 0.0;
                for &action in &actions {
                    total += env.step(action, &mut obs).reward;
                }
                black_box(total)
            });
        });
    }

    let config = EnvConfig::new(M, N).with_schedule(WordSchedule::Fixed);
    let mut env = HashTableEnv::new(config, words(N), trivial_encoder()).unwrap();
    let mut obs = vec![0.0; 1];
    let mut rewards = vec![0.0; N];
    group.bench_function("play_episode", |b| {
        b.iter(|| {
            env.reset(Some(0), &mut obs);
            black_box(env.play_episode(&actions, &mut rewards).unwrap())
        });
    });

    group.bench_function("score_actions", |b| {
        b.iter(|| {
            black_box(score_actions(
                &actions,
                M,
                RewardConfig::default(),
                &mut rewards,
            ))
        });
    });

    let corpus = EnvConfig::new(M, N);
    let mut env = HashTableEnv::new(corpus, words(466_550), trivial_encoder()).unwrap();
    group.bench_function("sample_from_466550_and_play_episode", |b| {
        let mut seed = 0;
        b.iter(|| {
            seed += 1;
            env.reset(Some(seed), &mut obs);
            black_box(env.play_episode(&actions, &mut rewards).unwrap())
        });
    });
    group.finish();
}

fn main() {
    let mut criterion = Criterion::default().configure_from_args();
    bench_env(&mut criterion);
    criterion.final_summary();
}
