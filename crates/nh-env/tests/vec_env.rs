//! `VecEnv` steps independent environments in lockstep, each equal to a standalone one.

mod common;

use nh_env::{EnvConfig, HashTableEnv, ObservationMode, Step, VecEnv};

const BINS: usize = 10;
const N: usize = 8;

fn config() -> EnvConfig {
    EnvConfig::new(BINS, N).with_observation(ObservationMode::WordAndOccupancy)
}

#[test]
fn env_i_is_a_standalone_env_seeded_seed_plus_i() {
    let encoder = common::encoder();
    let mut envs = VecEnv::new(config(), common::words(500), &encoder, 4).unwrap();
    let dim = envs.observation_space().dim();
    assert_eq!(dim, 2 + BINS);
    let mut obs = vec![0.0; 4 * dim];
    let mut out = vec![Step::default(); 4];
    let seed = u64::MAX - 1; // seeds wrap around
    let infos = envs.reset_all(Some(seed), &mut obs);

    let mut singles: Vec<_> = (0..4)
        .map(|_| HashTableEnv::new(config(), common::words(500), &encoder).unwrap())
        .collect();
    let mut single_obs = vec![vec![0.0; dim]; 4];
    for (i, single) in singles.iter_mut().enumerate() {
        let info = single.reset(Some(seed.wrapping_add(i as u64)), &mut single_obs[i]);
        assert_eq!(info, infos[i]);
        assert_eq!(single.episode_words(), envs.envs()[i].episode_words());
        assert_eq!(&obs[i * dim..(i + 1) * dim], single_obs[i].as_slice());
    }
    for t in 0..N {
        let actions: Vec<usize> = (0..4).map(|i| (t * i) % BINS).collect();
        envs.step_all(&actions, &mut obs, &mut out);
        for (i, single) in singles.iter_mut().enumerate() {
            let step = single.step(actions[i], &mut single_obs[i]);
            assert_eq!(step, out[i], "env {i} step {t}");
            assert_eq!(&obs[i * dim..(i + 1) * dim], single_obs[i].as_slice());
            assert_eq!(step.terminated, t + 1 == N);
        }
    }
    let stats = envs.episode_stats();
    for (i, single) in singles.iter().enumerate() {
        assert_eq!(stats[i], single.episode_stats());
    }
    // env 0 always chose bin 0: one bin, N - 1 collisions; env 1 chose bins 0..N: none.
    assert_eq!((stats[0].occupied_bins, stats[0].collisions), (1, N - 1));
    assert_eq!((stats[1].occupied_bins, stats[1].collisions), (N, 0));
}

#[test]
fn environments_draw_different_words_and_reset_none_moves_on() {
    let mut envs = VecEnv::new(config(), common::words(10_000), common::encoder(), 3).unwrap();
    let mut obs = vec![0.0; 3 * envs.observation_space().dim()];
    envs.reset_all(Some(0), &mut obs);
    let first: Vec<Vec<usize>> = envs
        .envs()
        .iter()
        .map(|env| env.episode_words().to_vec())
        .collect();
    assert_ne!(first[0], first[1]);
    assert_ne!(first[1], first[2]);
    envs.reset_all(None, &mut obs);
    for (i, env) in envs.envs().iter().enumerate() {
        assert_ne!(
            env.episode_words(),
            first[i].as_slice(),
            "env {i} repeated its episode"
        );
    }
    envs.reset_all(Some(0), &mut obs);
    for (i, env) in envs.envs().iter().enumerate() {
        assert_eq!(
            env.episode_words(),
            first[i].as_slice(),
            "env {i} did not replay its seed"
        );
    }
}

#[test]
fn saved_rng_states_continue_every_environment() {
    let mut envs = VecEnv::new(config(), common::words(1000), common::encoder(), 3).unwrap();
    let mut obs = vec![0.0; 3 * envs.observation_space().dim()];
    envs.reset_all(Some(8), &mut obs);
    let saved = envs.rng_states();
    envs.reset_all(None, &mut obs);
    let mut restored = VecEnv::new(config(), common::words(1000), common::encoder(), 3).unwrap();
    assert_eq!(
        restored.set_rng_states(&saved[..2]),
        Err(nh_env::Error::BufferLength {
            buffer: "states",
            expected: 3,
            actual: 2
        })
    );
    restored.set_rng_states(&saved).unwrap();
    restored.reset_all(None, &mut obs);
    for (i, (a, b)) in envs.envs().iter().zip(restored.envs()).enumerate() {
        assert_eq!(a.episode_words(), b.episode_words(), "env {i}");
    }
}

#[test]
fn unseeded_envs_start_from_seeds_zero_to_b_minus_one() {
    let mut envs = VecEnv::new(config(), common::words(300), common::encoder(), 2).unwrap();
    let mut obs = vec![0.0; 2 * envs.observation_space().dim()];
    envs.reset_all(None, &mut obs);
    let mut seeded = VecEnv::new(config(), common::words(300), common::encoder(), 2).unwrap();
    seeded.reset_all(Some(0), &mut obs);
    for (unseeded, seeded) in envs.envs().iter().zip(seeded.envs()) {
        assert_eq!(unseeded.episode_words(), seeded.episode_words());
    }
}

#[test]
fn word_list_is_shared_not_copied() {
    let envs = VecEnv::new(config(), common::words(50), common::encoder(), 3).unwrap();
    let first = envs.envs()[0].shared_words();
    assert!(
        envs.envs()
            .iter()
            .all(|env| std::sync::Arc::ptr_eq(env.shared_words(), first))
    );
}
