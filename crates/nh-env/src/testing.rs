//! `check_env`: verifies the environment contract end to end, for your tests and your encoders.

use rand::{Rng, SeedableRng};
use rand_chacha::ChaCha8Rng;

use crate::config::{ObservationMode, WordSchedule};
use crate::encoder::ObservationEncoder;
use crate::env::HashTableEnv;
use crate::error::Error;
use crate::table::EpisodeStats;

/// Checks that `env` (with its encoder) honours the contract of [`HashTableEnv`], playing a few
/// episodes from `seed`, and panics with a description of the first violation:
///
/// - spaces: `bins` actions; observations of the encoder's `dim` plus one value per bin in the
///   modes that show the table;
/// - every observation is finite (buffers are filled with NaN first), its word part equals the
///   encoder's output for the word announced in `info.next_word` (zero once the episode is over)
///   and its table part matches the bin loads;
/// - episode words are distinct, in range, `words_per_episode` long, in list order for the
///   `fixed` schedule;
/// - rewards, `info` and the final [`EpisodeStats`] agree with a bookkeeping kept here, using a
///   policy that collides on purpose every other step;
/// - `terminated` exactly on the last word, never `truncated`; misuse is reported as an error
///   and leaves the environment unchanged;
/// - the same seed replays the same episode;
/// - [`HashTableEnv::play_episode`] (`WordOnly` only) and [`HashTableEnv::encode_episode`]
///   agree with stepping.
///
/// The environment is left at the end of an episode.
///
/// ```
/// use nh_env::{EnvConfig, FnEncoder, HashTableEnv};
///
/// let words: Vec<String> = (0..50).map(|i| format!("w{i}")).collect();
/// let encoder = FnEncoder::new(2, |word: &str, out: &mut [f32]| {
///     out[0] = word.len() as f32;
///     out[1] = f32::from(word.as_bytes()[1]);
/// });
/// let mut env = HashTableEnv::new(EnvConfig::new(10, 20), words, encoder).unwrap();
/// nh_env::testing::check_env(&mut env, 7);
/// ```
///
/// # Panics
/// On the first violation found.
pub fn check_env<E: ObservationEncoder>(env: &mut HashTableEnv<E>, seed: u64) {
    check_spaces(env);
    let first = play_checked_episode(env, seed);
    let replay = play_checked_episode(env, seed);
    assert_eq!(first, replay, "the same seed must replay the same episode");
    check_misuse(env, seed);
    check_encode_episode(env, seed);
    if env.config().observation == ObservationMode::WordOnly {
        check_play_episode(env, seed, &first);
    }
}

/// What an episode produced, to compare replays.
#[derive(Debug, PartialEq)]
struct Transcript {
    words: Vec<usize>,
    actions: Vec<usize>,
    rewards: Vec<f32>,
    observations: Vec<f32>,
    stats: EpisodeStats,
}

fn check_spaces<E: ObservationEncoder>(env: &HashTableEnv<E>) {
    let config = env.config();
    assert_eq!(
        env.action_space().n,
        config.bins,
        "action space must have `bins` actions"
    );
    let space = env.observation_space();
    assert_eq!(
        space.word_dim,
        env.encoder().dim(),
        "word part must be the encoder's dim"
    );
    let table_dim = if config.observation.shows_table() {
        config.bins
    } else {
        0
    };
    assert_eq!(
        space.table_dim, table_dim,
        "table part must have one value per bin or none"
    );
    assert_eq!(space.dim(), space.word_dim + space.table_dim);
}

fn play_checked_episode<E: ObservationEncoder>(env: &mut HashTableEnv<E>, seed: u64) -> Transcript {
    let config = env.config().clone();
    let dim = env.observation_space().dim();
    let mut obs = vec![f32::NAN; dim];
    let info = env.reset(Some(seed), &mut obs);
    let words = env.episode_words().to_vec();
    check_episode_words(env, &words);
    assert_eq!(info.placed, 0, "reset must start with an empty table");
    assert_eq!(info.placement, None, "reset places no word");
    assert_eq!(
        info.next_word,
        Some(words[0]),
        "reset must announce the first word"
    );

    let mut loads = vec![0usize; config.bins];
    let mut policy = ChaCha8Rng::seed_from_u64(seed ^ 0x5eed);
    let mut transcript = Transcript {
        words: words.clone(),
        actions: Vec::new(),
        rewards: Vec::new(),
        observations: Vec::new(),
        stats: EpisodeStats::default(),
    };
    check_observation(env, &obs, Some(words[0]), &loads);
    transcript.observations.extend_from_slice(&obs);
    for t in 0..words.len() {
        // Every other step repeats the previous bin, so collisions are certain.
        let action = match transcript.actions.last() {
            Some(&previous) if t % 2 == 1 => previous,
            _ => policy.random_range(0..config.bins),
        };
        obs.fill(f32::NAN);
        let step = env.step(action, &mut obs);
        let collided = loads[action] > 0;
        loads[action] += 1;
        let expected_reward = if collided {
            config.rewards.collision
        } else {
            config.rewards.empty
        };
        let last = t + 1 == words.len();
        let next_word = words.get(t + 1).copied();
        assert_eq!(
            step.reward, expected_reward,
            "step {t}: wrong reward for bin {action}"
        );
        assert_eq!(
            step.terminated, last,
            "step {t}: terminated must be set on the last word only"
        );
        assert!(!step.truncated, "step {t}: episodes are never truncated");
        let placement = step
            .info
            .placement
            .expect("a step must report its placement");
        assert_eq!(placement.word, words[t], "step {t}: placed the wrong word");
        assert_eq!(
            (placement.bin, placement.collided, placement.load),
            (action, collided, loads[action])
        );
        assert_eq!(
            step.info.placed,
            t + 1,
            "step {t}: wrong count of placed words"
        );
        assert_eq!(step.info.next_word, next_word, "step {t}: wrong next word");
        let occupied = loads.iter().filter(|&&load| load > 0).count();
        assert_eq!(
            step.info.occupied_bins, occupied,
            "step {t}: wrong occupied bins"
        );
        assert_eq!(
            step.info.episode.is_some(),
            last,
            "episode stats come with termination only"
        );
        check_observation(env, &obs, next_word, &loads);
        transcript.actions.push(action);
        transcript.rewards.push(step.reward);
        transcript.observations.extend_from_slice(&obs);
    }
    let stats = env.episode_stats();
    check_stats(
        &stats,
        &loads,
        &transcript.rewards,
        config.rewards.empty,
        config.rewards.collision,
    );
    transcript.stats = stats;
    transcript
}

fn check_episode_words<E: ObservationEncoder>(env: &HashTableEnv<E>, words: &[usize]) {
    let config = env.config();
    assert_eq!(
        words.len(),
        config.words_per_episode,
        "an episode places `words_per_episode` words"
    );
    let mut seen = vec![false; env.words().len()];
    for &word in words {
        assert!(
            word < env.words().len(),
            "episode word index {word} out of range"
        );
        assert!(!seen[word], "episode word {word} drawn twice");
        seen[word] = true;
    }
    if config.schedule == WordSchedule::Fixed {
        assert!(
            words.iter().copied().eq(0..words.len()),
            "`fixed` must place the list in order"
        );
    }
    if config.schedule == WordSchedule::Batches {
        let first = words.first().copied().unwrap_or(0);
        assert!(
            first.is_multiple_of(words.len())
                && words.iter().copied().eq(first..first + words.len()),
            "`batches` must place one whole batch in list order"
        );
    }
}

fn check_observation<E: ObservationEncoder>(
    env: &HashTableEnv<E>,
    obs: &[f32],
    word: Option<usize>,
    loads: &[usize],
) {
    assert!(
        obs.iter().all(|value| value.is_finite()),
        "observation must be fully written and finite"
    );
    let space = env.observation_space();
    let mut expected = vec![0.0; space.word_dim];
    if let Some(word) = word {
        env.encoder().encode(&env.words()[word], &mut expected);
    }
    assert_eq!(
        &obs[..space.word_dim],
        expected.as_slice(),
        "word part must be the encoder's output"
    );
    if space.table_dim > 0 {
        let table: Vec<f32> = match env.config().observation {
            ObservationMode::WordOnly => Vec::new(),
            ObservationMode::WordAndOccupancy => loads
                .iter()
                .map(|&load| if load > 0 { 1.0 } else { 0.0 })
                .collect(),
            #[allow(clippy::cast_precision_loss)]
            ObservationMode::WordAndLoad { scale } => {
                loads.iter().map(|&load| load as f32 * scale).collect()
            }
        };
        assert_eq!(
            &obs[space.word_dim..],
            table.as_slice(),
            "table part must match the loads"
        );
    }
}

fn check_stats(stats: &EpisodeStats, loads: &[usize], rewards: &[f32], empty: f32, collision: f32) {
    let occupied = loads.iter().filter(|&&load| load > 0).count();
    let max_load = loads.iter().copied().max().unwrap_or(0);
    let collisions = rewards.len() - occupied;
    let expected = EpisodeStats {
        total_reward: rewards.iter().copied().map(f64::from).sum(),
        collisions,
        occupied_bins: occupied,
        max_load,
        max_collisions_in_bin: max_load.saturating_sub(1),
    };
    assert_eq!(
        EpisodeStats::new(expected.total_reward, rewards.len(), occupied, max_load),
        expected
    );
    assert_eq!(
        *stats, expected,
        "episode statistics disagree with the steps"
    );
    let by_formula = f64::from(empty) * occupied as f64 + f64::from(collision) * collisions as f64;
    assert!(
        (stats.total_reward - by_formula).abs() <= 1e-6 * by_formula.abs().max(1.0),
        "total reward {} must equal empty * occupied + collision * collisions = {by_formula}",
        stats.total_reward
    );
}

fn check_misuse<E: ObservationEncoder>(env: &mut HashTableEnv<E>, seed: u64) {
    let dim = env.observation_space().dim();
    let bins = env.config().bins;
    let mut obs = vec![0.0; dim];
    let placed = env.config().words_per_episode;
    assert_eq!(
        env.try_step(0, &mut obs),
        Err(Error::EpisodeOver { placed }),
        "step after the end"
    );
    let mut short = vec![0.0; dim + 1];
    let wrong_buffer = Error::BufferLength {
        buffer: "obs",
        expected: dim,
        actual: dim + 1,
    };
    assert_eq!(
        env.try_reset(Some(seed), &mut short),
        Err(wrong_buffer.clone())
    );
    env.reset(Some(seed), &mut obs);
    let out_of_range = Error::ActionOutOfRange { action: bins, bins };
    assert_eq!(
        env.try_step(bins, &mut obs),
        Err(out_of_range),
        "action == bins"
    );
    assert_eq!(
        env.try_step(0, &mut short),
        Err(wrong_buffer),
        "wrong obs length"
    );
    assert_eq!(
        env.episode_stats().occupied_bins,
        0,
        "rejected steps must not change the table"
    );
    assert_eq!(env.current_word(), env.episode_words().first().copied());
}

fn check_encode_episode<E: ObservationEncoder>(env: &mut HashTableEnv<E>, seed: u64) {
    let dim = env.encoder().dim();
    let mut obs = vec![0.0; env.observation_space().dim()];
    env.reset(Some(seed), &mut obs);
    let mut all = vec![f32::NAN; env.episode_words().len() * dim];
    env.encode_episode(&mut all)
        .expect("encode_episode after reset");
    let mut row = vec![0.0; dim];
    for (t, &word) in env.episode_words().iter().enumerate() {
        row.fill(0.0);
        env.encoder().encode(&env.words()[word], &mut row);
        assert_eq!(
            &all[t * dim..(t + 1) * dim],
            row.as_slice(),
            "encode_episode row {t}"
        );
    }
}

fn check_play_episode<E: ObservationEncoder>(
    env: &mut HashTableEnv<E>,
    seed: u64,
    stepped: &Transcript,
) {
    let mut obs = vec![0.0; env.observation_space().dim()];
    env.reset(Some(seed), &mut obs);
    let mut rewards = vec![f32::NAN; stepped.actions.len()];
    let stats = env
        .play_episode(&stepped.actions, &mut rewards)
        .expect("play_episode after reset");
    assert_eq!(
        rewards, stepped.rewards,
        "play_episode rewards must equal stepping's"
    );
    assert_eq!(
        stats, stepped.stats,
        "play_episode statistics must equal stepping's"
    );
    assert_eq!(env.episode_stats(), stats);
    assert!(env.is_done(), "play_episode finishes the episode");
}
