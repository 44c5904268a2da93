//! Episode content: schedules, observations of each mode, infos, by hand-computed examples.

mod common;

use nh_env::{EnvConfig, FnEncoder, HashTableEnv, ObservationMode, Placement, WordSchedule};

fn fixed_env(
    bins: usize,
    words: &[&str],
    observation: ObservationMode,
) -> HashTableEnv<impl nh_env::ObservationEncoder> {
    let config = EnvConfig::new(bins, words.len())
        .with_schedule(WordSchedule::Fixed)
        .with_observation(observation);
    let encoder = FnEncoder::new(1, |word: &str, out: &mut [f32]| out[0] = word.len() as f32);
    HashTableEnv::new(
        config,
        words.iter().map(|&word| word.to_owned()).collect(),
        encoder,
    )
    .unwrap()
}

#[test]
fn word_and_occupancy_observations_show_the_table_as_zeros_and_ones() {
    let mut env = fixed_env(3, &["a", "bb", "ccc"], ObservationMode::WordAndOccupancy);
    let mut obs = vec![f32::NAN; 4];
    let info = env.reset(Some(9), &mut obs);
    assert_eq!(obs, [1.0, 0.0, 0.0, 0.0]);
    assert_eq!(
        (
            info.placement,
            info.next_word,
            info.placed,
            info.occupied_bins,
            info.episode
        ),
        (None, Some(0), 0, 0, None)
    );
    let step = env.step(2, &mut obs);
    assert_eq!(obs, [2.0, 0.0, 0.0, 1.0]);
    assert_eq!(step.reward, 10.0);
    assert_eq!(step.info.placement, Some(Placement::new(0, 2, 1)));
    let step = env.step(2, &mut obs);
    assert_eq!(
        obs,
        [3.0, 0.0, 0.0, 1.0],
        "0/1 occupancy does not count words"
    );
    assert_eq!(step.reward, -10.0);
    assert_eq!(step.info.placement, Some(Placement::new(1, 2, 2)));
    let step = env.step(0, &mut obs);
    assert_eq!(
        obs,
        [0.0, 1.0, 0.0, 1.0],
        "no next word: zero word part, final table"
    );
    assert!(step.terminated);
    assert_eq!(step.info.next_word, None);
    let stats = step.info.episode.unwrap();
    assert_eq!(
        (stats.total_reward, stats.collisions, stats.occupied_bins),
        (10.0, 1, 2)
    );
    assert_eq!((stats.max_load, stats.max_collisions_in_bin), (2, 1));
    assert_eq!(env.bin_loads(), [1, 0, 2]);
}

#[test]
fn word_and_load_observations_scale_the_counts() {
    let mut env = fixed_env(
        2,
        &["a", "b", "c", "d"],
        ObservationMode::WordAndLoad { scale: 0.25 },
    );
    let mut obs = vec![0.0; 3];
    env.reset(None, &mut obs);
    for _ in 0..3 {
        env.step(1, &mut obs);
    }
    assert_eq!(obs, [1.0, 0.0, 0.75]);
    env.step(0, &mut obs);
    assert_eq!(obs, [0.0, 0.25, 0.75]);
    env.reset(None, &mut obs);
    assert_eq!(obs, [1.0, 0.0, 0.0], "reset empties the table");
}

#[test]
fn fixed_schedule_replays_the_list_in_order_whatever_the_seed() {
    let mut env = fixed_env(5, &["x", "yy", "zzz"], ObservationMode::WordOnly);
    let mut obs = vec![0.0; 1];
    for seed in [None, Some(0), Some(77)] {
        env.reset(seed, &mut obs);
        assert_eq!(env.episode_words(), [0, 1, 2]);
        assert_eq!(env.current_word(), Some(0));
    }
    let mut all = vec![0.0; 3];
    env.encode_episode(&mut all).unwrap();
    assert_eq!(all, [1.0, 2.0, 3.0]);
}

#[test]
fn sample_schedule_draws_fresh_distinct_words_covering_the_list() {
    let config = EnvConfig::new(10, 10);
    let mut env = HashTableEnv::new(config, common::words(30), common::encoder()).unwrap();
    let mut obs = vec![0.0; 2];
    let mut seen = [false; 30];
    let mut episodes = Vec::new();
    for _ in 0..50 {
        env.reset(None, &mut obs);
        let mut words = env.episode_words().to_vec();
        for &word in &words {
            seen[word] = true;
        }
        words.sort_unstable();
        words.dedup();
        assert_eq!(words.len(), 10, "words within an episode are distinct");
        episodes.push(env.episode_words().to_vec());
    }
    assert!(
        seen.iter().all(|&seen| seen),
        "50 episodes of 10 out of 30 reach every word"
    );
    episodes.sort();
    episodes.dedup();
    assert_eq!(episodes.len(), 50, "episodes differ");
}

#[test]
fn a_saved_rng_state_continues_the_same_episodes_in_a_new_environment() {
    let config = EnvConfig::new(10, 10);
    let mut env = HashTableEnv::new(config.clone(), common::words(30), common::encoder()).unwrap();
    let mut obs = vec![0.0; 2];
    env.reset(Some(4), &mut obs);
    env.reset(None, &mut obs);
    let saved = env.rng_state();
    let text = serde_json::to_string(&saved).unwrap();
    let next: Vec<Vec<usize>> = (0..5)
        .map(|_| {
            env.reset(None, &mut obs);
            env.episode_words().to_vec()
        })
        .collect();
    // A fresh environment would start from seed 0 and play other episodes.
    let mut fresh = HashTableEnv::new(config, common::words(30), common::encoder()).unwrap();
    fresh.reset(None, &mut obs);
    assert_ne!(fresh.episode_words(), next[0].as_slice());
    fresh.set_rng_state(&serde_json::from_str(&text).unwrap());
    assert_eq!(fresh.rng_state(), saved);
    for (k, episode) in next.iter().enumerate() {
        fresh.reset(None, &mut obs);
        assert_eq!(fresh.episode_words(), episode.as_slice(), "episode {k}");
    }
}

#[test]
fn pool_schedule_draws_within_the_pool_as_sample_does() {
    let pool = common::words(12);
    let mut as_pool = HashTableEnv::new(
        EnvConfig::new(4, 9).with_schedule(WordSchedule::Pool),
        pool.clone(),
        common::encoder(),
    )
    .unwrap();
    let mut as_sample = HashTableEnv::new(EnvConfig::new(4, 9), pool, common::encoder()).unwrap();
    let mut obs = vec![0.0; 2];
    for seed in 0..20 {
        as_pool.reset(Some(seed), &mut obs);
        as_sample.reset(Some(seed), &mut obs);
        assert_eq!(as_pool.episode_words(), as_sample.episode_words());
        assert!(as_pool.episode_words().iter().all(|&word| word < 12));
    }
}

#[test]
fn batches_cycle_in_list_order_and_restart_on_a_seeded_reset() {
    let config = EnvConfig::new(4, 3).with_schedule(WordSchedule::Batches);
    let mut env = HashTableEnv::new(config, common::words(9), common::encoder()).unwrap();
    assert_eq!(env.batch_count(), 3);
    let mut obs = vec![0.0; 2];
    let mut episodes = Vec::new();
    for seed in [Some(5), None, None, None, Some(6), None] {
        env.reset(seed, &mut obs);
        episodes.push(env.episode_words().to_vec());
    }
    let batch = |b: usize| (3 * b..3 * b + 3).collect::<Vec<usize>>();
    assert_eq!(
        episodes,
        [batch(0), batch(1), batch(2), batch(0), batch(0), batch(1)]
    );
}

#[test]
fn a_saved_state_continues_the_batch_cycle() {
    let config = EnvConfig::new(4, 2).with_schedule(WordSchedule::Batches);
    let mut env = HashTableEnv::new(config.clone(), common::words(6), common::encoder()).unwrap();
    let mut obs = vec![0.0; 2];
    env.reset(Some(1), &mut obs);
    let text = serde_json::to_string(&env.rng_state()).unwrap();
    env.reset(None, &mut obs);
    let next = env.episode_words().to_vec();
    assert_eq!(next, [2, 3]);
    let mut fresh = HashTableEnv::new(config, common::words(6), common::encoder()).unwrap();
    fresh.set_rng_state(&serde_json::from_str(&text).unwrap());
    fresh.reset(None, &mut obs);
    assert_eq!(fresh.episode_words(), next.as_slice());
}

#[test]
fn observations_encode_the_announced_word() {
    let mut env =
        HashTableEnv::new(EnvConfig::new(7, 5), common::words(1000), common::encoder()).unwrap();
    let mut obs = vec![0.0; 2];
    let mut info = env.reset(Some(3), &mut obs);
    for _ in 0..5 {
        let word = info.next_word.unwrap();
        assert_eq!(obs[1], word as f32, "the encoder writes the word's number");
        assert_eq!(obs[0], env.words()[word].len() as f32);
        info = env.step(word % 7, &mut obs).info;
    }
    assert_eq!(obs, [0.0, 0.0]);
}

#[test]
fn spaces_match_the_config() {
    let env = fixed_env(6, &["a", "b"], ObservationMode::WordAndOccupancy);
    assert_eq!(env.action_space().n, 6);
    assert!(env.action_space().contains(5));
    assert!(!env.action_space().contains(6));
    let space = env.observation_space();
    assert_eq!(
        (space.word_dim, space.table_dim, space.shape()),
        (1, 6, [7])
    );
}
