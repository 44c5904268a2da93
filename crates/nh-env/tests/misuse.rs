//! Every bad config is a construction error, and every misuse an error (`try_*`) or a panic.

mod common;

use nh_env::{
    EnvConfig, Error, HashTableEnv, ObservationMode, RewardConfig, Step, VecEnv, WordSchedule,
    score_actions,
};

fn build(config: EnvConfig, words: Vec<String>) -> Result<(), Error> {
    HashTableEnv::new(config, words, common::encoder()).map(drop)
}

/// A reset 4-bin, 3-word environment with the `fixed` schedule.
fn small_env(
    observation: ObservationMode,
) -> (HashTableEnv<impl nh_env::ObservationEncoder>, Vec<f32>) {
    let config = EnvConfig::new(4, 3)
        .with_schedule(WordSchedule::Fixed)
        .with_observation(observation);
    let mut env = HashTableEnv::new(config, common::words(3), common::encoder()).unwrap();
    let mut obs = vec![0.0; env.observation_space().dim()];
    env.reset(Some(1), &mut obs);
    (env, obs)
}

#[test]
fn zero_bins_is_rejected_naming_the_key() {
    let error = build(EnvConfig::new(0, 5), common::words(10)).unwrap_err();
    assert!(
        matches!(error, Error::InvalidConfig { key: "bins", .. }),
        "{error:?}"
    );
    assert!(error.to_string().contains("`bins` = 0"), "{error}");
}

#[test]
fn zero_words_per_episode_is_rejected() {
    let error = build(EnvConfig::new(5, 0), common::words(10)).unwrap_err();
    assert!(matches!(
        error,
        Error::InvalidConfig {
            key: "words_per_episode",
            ..
        }
    ));
}

#[test]
fn non_finite_rewards_and_scales_are_rejected() {
    let nan_empty = EnvConfig::new(5, 5).with_rewards(RewardConfig::new(f32::NAN, -1.0));
    let error = nan_empty.validate().unwrap_err();
    assert_eq!(
        error,
        Error::InvalidConfig {
            key: "rewards.empty",
            value: "NaN".to_owned(),
            reason: "must be a finite number"
        }
    );
    let inf_collision =
        EnvConfig::new(5, 5).with_rewards(RewardConfig::new(1.0, f32::NEG_INFINITY));
    assert!(matches!(
        inf_collision.validate(),
        Err(Error::InvalidConfig {
            key: "rewards.collision",
            ..
        })
    ));
    let bad_scale = EnvConfig::new(5, 5).with_observation(ObservationMode::WordAndLoad {
        scale: f32::INFINITY,
    });
    assert!(matches!(
        bad_scale.validate(),
        Err(Error::InvalidConfig {
            key: "observation.word_and_load.scale",
            ..
        })
    ));
}

#[test]
fn sampling_more_words_than_the_list_holds_is_rejected() {
    for schedule in [WordSchedule::Sample, WordSchedule::Pool] {
        let config = EnvConfig::new(10, 11).with_schedule(schedule);
        let error = build(config, common::words(10)).unwrap_err();
        assert_eq!(
            error,
            Error::NotEnoughWords {
                schedule: schedule.name(),
                needed: 11,
                available: 10
            }
        );
    }
    // Drawing the whole list is fine.
    build(EnvConfig::new(10, 10), common::words(10)).unwrap();
}

#[test]
fn fixed_list_must_hold_exactly_n_words() {
    let config = EnvConfig::new(10, 5).with_schedule(WordSchedule::Fixed);
    for len in [4, 6] {
        let error = build(config.clone(), common::words(len)).unwrap_err();
        assert_eq!(
            error,
            Error::FixedListLength {
                expected: 5,
                actual: len
            }
        );
    }
}

#[test]
fn batches_need_a_positive_multiple_of_the_batch_size() {
    let config = EnvConfig::new(5, 5).with_schedule(WordSchedule::Batches);
    for len in [0, 4, 11] {
        let error = build(config.clone(), common::words(len)).unwrap_err();
        assert_eq!(
            error,
            Error::BatchesListLength {
                batch: 5,
                actual: len
            }
        );
        assert!(
            error.to_string().contains("positive multiple of 5"),
            "{error}"
        );
    }
    assert!(build(config, common::words(15)).is_ok());
}

#[test]
fn duplicate_words_are_rejected_with_both_positions() {
    let mut words = common::words(6);
    words[4] = "w1".to_owned();
    let error = build(EnvConfig::new(3, 3), words).unwrap_err();
    assert_eq!(
        error,
        Error::DuplicateWord {
            word: "w1".to_owned(),
            first: 1,
            second: 4
        }
    );
}

#[test]
fn step_before_reset_is_an_error() {
    let config = EnvConfig::new(4, 3).with_schedule(WordSchedule::Fixed);
    let mut env = HashTableEnv::new(config, common::words(3), common::encoder()).unwrap();
    let mut obs = vec![0.0; env.observation_space().dim()];
    assert_eq!(env.try_step(0, &mut obs), Err(Error::NotReset));
    assert_eq!(env.current_word(), None);
    let mut rewards = [0.0; 3];
    assert_eq!(
        env.play_episode(&[0, 1, 2], &mut rewards),
        Err(Error::NotReset)
    );
    assert_eq!(env.encode_episode(&mut [0.0; 6]), Err(Error::NotReset));
}

#[test]
#[should_panic(expected = "never reset")]
fn step_before_reset_panics() {
    let mut env =
        HashTableEnv::new(EnvConfig::new(4, 3), common::words(3), common::encoder()).unwrap();
    env.step(0, &mut [0.0; 2]);
}

#[test]
fn step_after_termination_is_an_error() {
    let (mut env, mut obs) = small_env(ObservationMode::WordOnly);
    for bin in 0..3 {
        env.step(bin, &mut obs);
    }
    assert_eq!(
        env.try_step(0, &mut obs),
        Err(Error::EpisodeOver { placed: 3 })
    );
    assert_eq!(
        env.episode_stats().occupied_bins,
        3,
        "the rejected step changed nothing"
    );
}

#[test]
#[should_panic(expected = "episode is over")]
fn step_after_termination_panics() {
    let (mut env, mut obs) = small_env(ObservationMode::WordOnly);
    for bin in 0..4 {
        env.step(bin, &mut obs);
    }
}

#[test]
fn action_out_of_range_is_an_error() {
    let (mut env, mut obs) = small_env(ObservationMode::WordOnly);
    assert_eq!(
        env.try_step(4, &mut obs),
        Err(Error::ActionOutOfRange { action: 4, bins: 4 })
    );
    assert_eq!(env.episode_stats().occupied_bins, 0);
    assert_eq!(env.try_step(3, &mut obs).map(|step| step.reward), Ok(10.0));
}

#[test]
#[should_panic(expected = "action 4 is out of range")]
fn action_out_of_range_panics() {
    let (mut env, mut obs) = small_env(ObservationMode::WordOnly);
    env.step(4, &mut obs);
}

#[test]
fn wrong_observation_buffer_is_an_error() {
    let (mut env, _) = small_env(ObservationMode::WordAndOccupancy);
    // Encoder dim 2 plus 4 bins.
    let mut short = vec![0.0; 2];
    let expected = Error::BufferLength {
        buffer: "obs",
        expected: 6,
        actual: 2,
    };
    assert_eq!(env.try_reset(None, &mut short), Err(expected.clone()));
    assert_eq!(env.try_step(0, &mut short), Err(expected));
}

#[test]
#[should_panic(expected = "`obs` has length 3, expected 2")]
fn wrong_observation_buffer_panics_in_reset() {
    let (mut env, _) = small_env(ObservationMode::WordOnly);
    env.reset(None, &mut [0.0; 3]);
}

#[test]
#[should_panic(expected = "`obs` has length 1, expected 2")]
fn wrong_observation_buffer_panics_in_step() {
    let (mut env, _) = small_env(ObservationMode::WordOnly);
    env.step(0, &mut [0.0; 1]);
}

#[test]
fn play_episode_rejects_misuse_and_leaves_the_env_unchanged() {
    let (mut table_env, _) = small_env(ObservationMode::WordAndOccupancy);
    assert_eq!(
        table_env.play_episode(&[0, 1, 2], &mut [0.0; 3]),
        Err(Error::NeedsWordOnly)
    );

    let (mut env, mut obs) = small_env(ObservationMode::WordOnly);
    let mut rewards = [0.0; 3];
    let too_short = Error::BufferLength {
        buffer: "actions",
        expected: 3,
        actual: 2,
    };
    assert_eq!(env.play_episode(&[0, 1], &mut rewards), Err(too_short));
    let wrong_out = Error::BufferLength {
        buffer: "rewards_out",
        expected: 3,
        actual: 4,
    };
    assert_eq!(env.play_episode(&[0, 1, 2], &mut [0.0; 4]), Err(wrong_out));
    let out_of_range = Error::ActionOutOfRange { action: 9, bins: 4 };
    assert_eq!(
        env.play_episode(&[0, 9, 2], &mut rewards),
        Err(out_of_range)
    );
    assert_eq!(
        env.episode_stats().occupied_bins,
        0,
        "rejected calls placed nothing"
    );

    let stats = env.play_episode(&[0, 0, 2], &mut rewards).unwrap();
    assert_eq!(rewards, [10.0, -10.0, 10.0]);
    assert_eq!(
        (stats.collisions, stats.max_load, stats.total_reward),
        (1, 2, 10.0)
    );
    assert_eq!(
        env.play_episode(&[0, 0, 2], &mut rewards),
        Err(Error::EpisodeStarted { placed: 3 })
    );

    env.reset(None, &mut obs);
    env.step(1, &mut obs);
    assert_eq!(
        env.play_episode(&[0, 0, 2], &mut rewards),
        Err(Error::EpisodeStarted { placed: 1 })
    );
}

#[test]
fn encode_episode_rejects_a_wrong_buffer() {
    let (env, _) = small_env(ObservationMode::WordOnly);
    let expected = Error::BufferLength {
        buffer: "out",
        expected: 6,
        actual: 5,
    };
    assert_eq!(env.encode_episode(&mut [0.0; 5]), Err(expected));
}

#[test]
#[should_panic(expected = "action 5 is out of range for 5 bins")]
fn score_actions_panics_on_an_out_of_range_action() {
    score_actions(&[0, 5], 5, RewardConfig::default(), &mut [0.0; 2]);
}

#[test]
#[should_panic(expected = "one slot per action")]
fn score_actions_panics_on_a_wrong_reward_buffer() {
    score_actions(&[0, 1], 5, RewardConfig::default(), &mut [0.0; 1]);
}

fn vec_env() -> VecEnv<impl nh_env::ObservationEncoder + Clone> {
    let config = EnvConfig::new(4, 3).with_observation(ObservationMode::WordAndOccupancy);
    VecEnv::new(config, common::words(20), common::encoder(), 3).unwrap()
}

#[test]
fn vec_env_needs_an_env_and_a_valid_config() {
    let zero = VecEnv::new(
        EnvConfig::new(4, 3),
        common::words(20),
        common::encoder(),
        0,
    );
    assert!(matches!(
        zero.map(drop),
        Err(Error::InvalidConfig {
            key: "num_envs",
            ..
        })
    ));
    let too_few_words = VecEnv::new(
        EnvConfig::new(4, 30),
        common::words(20),
        common::encoder(),
        2,
    );
    assert!(matches!(
        too_few_words.map(drop),
        Err(Error::NotEnoughWords { .. })
    ));
}

#[test]
fn vec_env_checks_everything_before_stepping_any_env() {
    let mut envs = vec_env();
    let dim = envs.observation_space().dim();
    let mut obs = vec![0.0; 3 * dim];
    let mut out = vec![Step::default(); 3];
    assert_eq!(
        envs.try_step_all(&[0, 0, 0], &mut obs, &mut out),
        Err(Error::NotReset)
    );
    envs.reset_all(Some(5), &mut obs);
    let wrong_actions = Error::BufferLength {
        buffer: "actions",
        expected: 3,
        actual: 2,
    };
    assert_eq!(
        envs.try_step_all(&[0, 0], &mut obs, &mut out),
        Err(wrong_actions)
    );
    let wrong_out = Error::BufferLength {
        buffer: "out",
        expected: 3,
        actual: 2,
    };
    assert_eq!(
        envs.try_step_all(&[0, 0, 0], &mut obs, &mut out[..2]),
        Err(wrong_out)
    );
    let wrong_obs = Error::BufferLength {
        buffer: "obs",
        expected: 3 * dim,
        actual: dim,
    };
    assert_eq!(
        envs.try_step_all(&[0, 0, 0], &mut obs[..dim], &mut out),
        Err(wrong_obs)
    );
    let out_of_range = Error::ActionOutOfRange { action: 4, bins: 4 };
    assert_eq!(
        envs.try_step_all(&[0, 1, 4], &mut obs, &mut out),
        Err(out_of_range)
    );
    assert!(
        envs.envs()
            .iter()
            .all(|env| env.episode_stats().occupied_bins == 0)
    );
    for _ in 0..3 {
        envs.step_all(&[0, 1, 2], &mut obs, &mut out);
    }
    assert_eq!(
        envs.try_step_all(&[0, 1, 2], &mut obs, &mut out),
        Err(Error::EpisodeOver { placed: 3 })
    );
}

#[test]
#[should_panic(expected = "action 7 is out of range")]
fn vec_env_step_all_panics_on_misuse() {
    let mut envs = vec_env();
    let mut obs = vec![0.0; 3 * envs.observation_space().dim()];
    envs.reset_all(None, &mut obs);
    envs.step_all(&[7, 0, 0], &mut obs, &mut [Step::default(); 3]);
}

#[test]
#[should_panic(expected = "num_envs * dim")]
fn vec_env_reset_all_panics_on_a_wrong_buffer() {
    let mut envs = vec_env();
    envs.reset_all(None, &mut [0.0; 4]);
}
