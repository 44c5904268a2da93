//! Property tests of the reward and metric bookkeeping, through every path that computes it.

mod common;

use nh_env::{
    EnvConfig, EpisodeStats, HashTableEnv, ObservationMode, RewardConfig, WordSchedule,
    score_actions,
};
use proptest::prelude::*;

/// Statistics computed the slow, obvious way.
fn reference_stats(
    actions: &[usize],
    bins: usize,
    rewards: RewardConfig,
) -> (Vec<f32>, EpisodeStats) {
    let mut loads = vec![0usize; bins];
    let mut per_step = Vec::new();
    for &bin in actions {
        per_step.push(if loads[bin] == 0 {
            rewards.empty
        } else {
            rewards.collision
        });
        loads[bin] += 1;
    }
    let occupied = loads.iter().filter(|&&load| load > 0).count();
    let max_load = loads.iter().copied().max().unwrap_or(0);
    let stats = EpisodeStats::new(
        per_step.iter().copied().map(f64::from).sum(),
        actions.len(),
        occupied,
        max_load,
    );
    (per_step, stats)
}

/// Integer rewards keep every sum exact, so equalities below are exact.
fn rewards() -> impl Strategy<Value = RewardConfig> {
    (-100i16..=100, -100i16..=100)
        .prop_map(|(empty, collision)| RewardConfig::new(f32::from(empty), f32::from(collision)))
}

fn bins_and_actions(max_len: usize) -> impl Strategy<Value = (usize, Vec<usize>)> {
    (1usize..40).prop_flat_map(move |bins| (Just(bins), prop::collection::vec(0..bins, 1..max_len)))
}

fn schedule() -> impl Strategy<Value = WordSchedule> {
    prop_oneof![
        Just(WordSchedule::Sample),
        Just(WordSchedule::Fixed),
        Just(WordSchedule::Pool),
        Just(WordSchedule::Batches)
    ]
}

fn observation() -> impl Strategy<Value = ObservationMode> {
    prop_oneof![
        Just(ObservationMode::WordOnly),
        Just(ObservationMode::WordAndOccupancy),
        (1u8..10).prop_map(|tenths| ObservationMode::WordAndLoad {
            scale: f32::from(tenths) / 10.0
        }),
    ]
}

fn env_for(
    bins: usize,
    n: usize,
    extra_words: usize,
    schedule: WordSchedule,
    observation: ObservationMode,
    rewards: RewardConfig,
) -> HashTableEnv<impl nh_env::ObservationEncoder> {
    let list = match schedule {
        WordSchedule::Fixed => n,
        // Whole batches: one, plus as many more as `extra_words` holds.
        WordSchedule::Batches => n * (1 + extra_words / n),
        _ => n + extra_words,
    };
    let config = EnvConfig::new(bins, n)
        .with_schedule(schedule)
        .with_observation(observation)
        .with_rewards(rewards);
    HashTableEnv::new(config, common::words(list), common::encoder()).unwrap()
}

proptest! {
    #[test]
    fn score_actions_matches_the_definitions((bins, actions) in bins_and_actions(300), rewards in rewards()) {
        let mut out = vec![f32::NAN; actions.len()];
        let stats = score_actions(&actions, bins, rewards, &mut out);
        let (expected_rewards, expected) = reference_stats(&actions, bins, rewards);
        prop_assert_eq!(&out, &expected_rewards);
        prop_assert_eq!(stats, expected);
        prop_assert_eq!(stats.collisions + stats.occupied_bins, actions.len());
        prop_assert_eq!(stats.max_collisions_in_bin + 1, stats.max_load);
        let by_formula = f64::from(rewards.empty) * stats.occupied_bins as f64
            + f64::from(rewards.collision) * stats.collisions as f64;
        prop_assert_eq!(stats.total_reward, by_formula);
        prop_assert_eq!(stats.total_reward, out.iter().copied().map(f64::from).sum::<f64>());
    }

    #[test]
    fn stepping_play_episode_and_score_actions_agree(
        (bins, actions) in bins_and_actions(60),
        extra_words in 0usize..100,
        schedule in schedule(),
        rewards in rewards(),
        seed in any::<u64>(),
    ) {
        let n = actions.len();
        let mut stepped = env_for(bins, n, extra_words, schedule, ObservationMode::WordOnly, rewards);
        let mut obs = vec![0.0; stepped.observation_space().dim()];
        stepped.reset(Some(seed), &mut obs);
        let mut step_rewards = Vec::new();
        for &action in &actions {
            let step = stepped.step(action, &mut obs);
            step_rewards.push(step.reward);
            if step.terminated {
                prop_assert_eq!(step.info.episode, Some(stepped.episode_stats()));
            }
        }

        let mut played = env_for(bins, n, extra_words, schedule, ObservationMode::WordOnly, rewards);
        played.reset(Some(seed), &mut obs);
        prop_assert_eq!(played.episode_words(), stepped.episode_words());
        let mut play_rewards = vec![f32::NAN; n];
        let play_stats = played.play_episode(&actions, &mut play_rewards).unwrap();

        let mut scored_rewards = vec![f32::NAN; n];
        let scored = score_actions(&actions, bins, rewards, &mut scored_rewards);
        prop_assert_eq!(&step_rewards, &play_rewards);
        prop_assert_eq!(&step_rewards, &scored_rewards);
        prop_assert_eq!(stepped.episode_stats(), play_stats);
        prop_assert_eq!(play_stats, scored);
        prop_assert_eq!(played.bin_loads(), stepped.bin_loads());
    }

    #[test]
    fn partial_episode_stats_count_what_was_placed(
        (bins, actions) in bins_and_actions(60),
        cut in any::<prop::sample::Index>(),
        rewards in rewards(),
    ) {
        let n = actions.len();
        let placed = cut.index(n + 1);
        let mut env = env_for(bins, n, 0, WordSchedule::Fixed, ObservationMode::WordOnly, rewards);
        let mut obs = vec![0.0; env.observation_space().dim()];
        env.reset(None, &mut obs);
        for &action in &actions[..placed] {
            env.step(action, &mut obs);
        }
        let (_, expected) = reference_stats(&actions[..placed], bins, rewards);
        prop_assert_eq!(env.episode_stats(), expected);
        prop_assert_eq!(env.is_done(), placed == n);
    }

    #[test]
    fn a_seed_fixes_the_episode_whatever_came_before(
        n in 1usize..50,
        extra_words in 0usize..200,
        schedule in schedule(),
        earlier_seeds in prop::collection::vec(any::<u64>(), 0..4),
        seed in any::<u64>(),
    ) {
        let rewards = RewardConfig::default();
        let mut fresh = env_for(7, n, extra_words, schedule, ObservationMode::WordOnly, rewards);
        let mut used = env_for(7, n, extra_words, schedule, ObservationMode::WordOnly, rewards);
        let mut obs = vec![0.0; fresh.observation_space().dim()];
        for earlier in earlier_seeds {
            used.reset(Some(earlier), &mut obs);
            used.step(0, &mut obs);
            used.reset(None, &mut obs);
        }
        let mut fresh_obs = vec![0.0; obs.len()];
        fresh.reset(Some(seed), &mut fresh_obs);
        used.reset(Some(seed), &mut obs);
        prop_assert_eq!(fresh.episode_words(), used.episode_words());
        prop_assert_eq!(fresh_obs, obs);
    }
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(64))]

    #[test]
    fn check_env_passes_for_any_valid_config(
        bins in 1usize..30,
        n in 1usize..40,
        extra_words in 0usize..60,
        schedule in schedule(),
        observation in observation(),
        rewards in rewards(),
        seed in any::<u64>(),
    ) {
        let mut env = env_for(bins, n, extra_words, schedule, observation, rewards);
        nh_env::testing::check_env(&mut env, seed);
    }
}
