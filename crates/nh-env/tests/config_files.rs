//! `EnvConfig` in TOML: defaults, every variant's spelling, round trips, unknown keys rejected.

use nh_env::{EnvConfig, ObservationMode, RewardConfig, WordSchedule};

#[test]
fn minimal_file_takes_the_paper_defaults() {
    let config: EnvConfig = toml::from_str("bins = 1000\nwords_per_episode = 1000\n").unwrap();
    assert_eq!(config, EnvConfig::default());
    assert_eq!(config.rewards, RewardConfig::new(10.0, -10.0));
    assert_eq!(config.observation, ObservationMode::WordOnly);
    assert_eq!(config.schedule, WordSchedule::Sample);
}

#[test]
fn every_variant_is_spelled_in_snake_case() {
    let parse = |extra: &str| -> EnvConfig {
        toml::from_str(&format!("bins = 3\nwords_per_episode = 2\n{extra}\n")).unwrap()
    };
    assert_eq!(parse("schedule = \"fixed\"").schedule, WordSchedule::Fixed);
    assert_eq!(parse("schedule = \"pool\"").schedule, WordSchedule::Pool);
    assert_eq!(
        parse("observation = \"word_only\"").observation,
        ObservationMode::WordOnly
    );
    assert_eq!(
        parse("observation = \"word_and_occupancy\"").observation,
        ObservationMode::WordAndOccupancy
    );
    assert_eq!(
        parse("observation = { word_and_load = { scale = 0.25 } }").observation,
        ObservationMode::WordAndLoad { scale: 0.25 }
    );
}

#[test]
fn configs_round_trip_through_toml() {
    let config = EnvConfig::new(100, 30)
        .with_observation(ObservationMode::WordAndLoad { scale: 0.5 })
        .with_schedule(WordSchedule::Pool)
        .with_rewards(RewardConfig::new(1.0, -2.5));
    let text = toml::to_string(&config).unwrap();
    assert_eq!(toml::from_str::<EnvConfig>(&text).unwrap(), config);
}

#[test]
fn unknown_keys_and_variants_are_rejected() {
    let base = "bins = 3\nwords_per_episode = 2\n";
    for (extra, culprit) in [
        ("bin = 4", "bin"),
        (
            "rewards = { empty = 1.0, collision = -1.0, bonus = 3.0 }",
            "bonus",
        ),
        ("schedule = \"shuffled\"", "shuffled"),
        (
            "observation = { word_and_load = { scale = 1.0, offset = 2.0 } }",
            "offset",
        ),
    ] {
        let error = toml::from_str::<EnvConfig>(&format!("{base}{extra}\n")).unwrap_err();
        assert!(error.to_string().contains(culprit), "{extra}: {error}");
    }
}

#[test]
fn missing_required_keys_are_rejected() {
    let error = toml::from_str::<EnvConfig>("bins = 3\n").unwrap_err();
    assert!(error.to_string().contains("words_per_episode"), "{error}");
}
