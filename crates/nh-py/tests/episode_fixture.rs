//! The Rust side of "seeded episodes are identical in Python and Rust": plays fixed episodes with
//! nh-env, nh-encode and nh-corpus directly (not through the binding) and checks them against
//! `tests/fixtures/episodes.json`, which `tests/test_fixture.py` replays through the Python
//! package. `NH_BLESS=1 cargo test -p nh-py --test episode_fixture` rewrites the file.

use nh_corpus::Corpus;
use nh_encode::{Alphabet, DEFAULT_MAX_LEN, IndexEncoder, OneHotEncoder};
use nh_env::{EnvConfig, HashTableEnv, ObservationEncoder, ObservationMode, WordSchedule};
use serde_json::{Value, json};

const FIXTURE: &str = concat!(env!("CARGO_MANIFEST_DIR"), "/tests/fixtures/episodes.json");

/// One environment of the fixture, described by the Python keyword arguments that build it.
struct Case {
    name: &'static str,
    bins: usize,
    words_per_episode: usize,
    schedule: WordSchedule,
    observation: ObservationMode,
    /// The Python `observation` name and `load_scale`.
    observation_kwargs: (&'static str, Option<f32>),
    index_encoder: bool,
    word_seed: u64,
    pool_size: Option<usize>,
    /// Episode seeds: `None` continues the generator.
    seeds: &'static [Option<u64>],
}

const CASES: &[Case] = &[
    Case {
        name: "sample_occupancy_one_hot",
        bins: 16,
        words_per_episode: 20,
        schedule: WordSchedule::Sample,
        observation: ObservationMode::WordAndOccupancy,
        observation_kwargs: ("word_and_occupancy", None),
        index_encoder: false,
        word_seed: 0,
        pool_size: None,
        seeds: &[Some(7), None, Some(7)],
    },
    Case {
        name: "pool_load_index",
        bins: 12,
        words_per_episode: 10,
        schedule: WordSchedule::Pool,
        observation: ObservationMode::WordAndLoad { scale: 0.25 },
        observation_kwargs: ("word_and_load", Some(0.25)),
        index_encoder: true,
        word_seed: 5,
        pool_size: Some(40),
        seeds: &[Some(123), None],
    },
    Case {
        name: "fixed_word_only_one_hot",
        bins: 8,
        words_per_episode: 8,
        schedule: WordSchedule::Fixed,
        observation: ObservationMode::WordOnly,
        observation_kwargs: ("word_only", None),
        index_encoder: false,
        word_seed: 11,
        pool_size: None,
        seeds: &[Some(0)],
    },
];

/// The action at step `t` of episode `e`: a fixed rule that both collides and misses.
fn action(t: usize, e: usize, bins: usize) -> usize {
    (t * 7 + 3 * e + t * t) % bins
}

fn play<E: ObservationEncoder>(case: &Case, mut env: HashTableEnv<E>) -> Vec<Value> {
    let mut obs = vec![0.0; env.observation_space().dim()];
    let nonzero = |obs: &[f32]| -> Value {
        obs.iter()
            .enumerate()
            .filter(|(_, v)| **v != 0.0)
            .map(|(i, v)| json!([i, v]))
            .collect()
    };
    let mut episodes = Vec::new();
    for (e, &seed) in case.seeds.iter().enumerate() {
        env.reset(seed, &mut obs);
        let mut record = json!({
            "seed": seed,
            "words": env.episode_words().iter().map(|&i| env.words()[i].clone()).collect::<Vec<_>>(),
            "obs_nonzero": [nonzero(&obs)],
            "actions": [], "rewards": [], "collided": [], "loads": [], "occupied_bins": [],
        });
        for t in 0..case.words_per_episode {
            let a = action(t, e, case.bins);
            let step = env.step(a, &mut obs);
            let placement = step.info.placement.expect("a step places a word");
            assert_eq!(placement.bin, a);
            for (key, value) in [
                ("actions", json!(a)),
                ("rewards", json!(step.reward)),
                ("collided", json!(placement.collided)),
                ("loads", json!(placement.load)),
                ("occupied_bins", json!(step.info.occupied_bins)),
                ("obs_nonzero", nonzero(&obs)),
            ] {
                record[key].as_array_mut().expect("a list").push(value);
            }
            assert_eq!(step.terminated, t + 1 == case.words_per_episode);
            if let Some(stats) = step.info.episode {
                record["stats"] = serde_json::to_value(stats).expect("stats serialize");
            }
        }
        episodes.push(record);
    }
    episodes
}

fn record(case: &Case, corpus: &Corpus) -> Value {
    let words = match case.schedule {
        WordSchedule::Sample => corpus.words().to_vec(),
        WordSchedule::Fixed => corpus
            .sample(case.words_per_episode, case.word_seed)
            .expect("enough"),
        WordSchedule::Pool | WordSchedule::Batches => corpus
            .sample(case.pool_size.expect("a pool size"), case.word_seed)
            .expect("enough"),
    };
    let config = EnvConfig::new(case.bins, case.words_per_episode)
        .with_schedule(case.schedule)
        .with_observation(case.observation);
    let alphabet = Alphabet::from_corpus(corpus);
    let episodes = if case.index_encoder {
        let encoder = IndexEncoder::new(alphabet, DEFAULT_MAX_LEN).expect("valid");
        play(
            case,
            HashTableEnv::new(config, words, encoder).expect("valid env"),
        )
    } else {
        let encoder = OneHotEncoder::new(alphabet, DEFAULT_MAX_LEN).expect("valid");
        play(
            case,
            HashTableEnv::new(config, words, encoder).expect("valid env"),
        )
    };
    json!({
        "name": case.name,
        "kwargs": {
            "bins": case.bins,
            "words_per_episode": case.words_per_episode,
            "schedule": case.schedule.name(),
            "observation": case.observation_kwargs.0,
            "load_scale": case.observation_kwargs.1,
            "encoder": if case.index_encoder { "index" } else { "one_hot" },
            "word_seed": case.word_seed,
            "pool_size": case.pool_size,
        },
        "episodes": episodes,
    })
}

fn fixture() -> Value {
    let corpus = Corpus::embedded();
    json!({
        "about": "Seeded episodes of nh-env on the embedded corpus, written by \
                  crates/nh-py/tests/episode_fixture.rs (NH_BLESS=1 rewrites it) and replayed \
                  through the Python package by crates/nh-py/tests/test_fixture.py.",
        "corpus_sha256": corpus.provenance().sha256,
        "cases": CASES.iter().map(|case| record(case, &corpus)).collect::<Vec<_>>(),
    })
}

#[test]
fn rust_episodes_match_the_committed_fixture() {
    let expected = fixture();
    if std::env::var_os("NH_BLESS").is_some() {
        let text = serde_json::to_string_pretty(&expected).expect("serializes") + "\n";
        std::fs::write(FIXTURE, text).expect("fixture written");
    }
    let text =
        std::fs::read_to_string(FIXTURE).expect("the fixture is committed (NH_BLESS=1 writes it)");
    let committed: Value = serde_json::from_str(&text).expect("the fixture is JSON");
    assert!(
        committed == expected,
        "nh-env's seeded episodes differ from {FIXTURE}: if the change is intended, rerun with \
         NH_BLESS=1 and review the diff"
    );
}

#[test]
fn the_fixture_exercises_collisions_and_every_case() {
    let fixture = fixture();
    let cases = fixture["cases"].as_array().expect("cases");
    assert_eq!(cases.len(), CASES.len());
    for case in cases {
        for episode in case["episodes"].as_array().expect("episodes") {
            let collided = episode["collided"].as_array().expect("collided");
            let hits = collided
                .iter()
                .filter(|c| c.as_bool() == Some(true))
                .count();
            assert!(
                hits > 0 && hits < collided.len(),
                "{}: {hits} collisions",
                case["name"]
            );
        }
    }
    // A reseeded episode repeats the first; a continued one differs from it.
    let first = &cases[0]["episodes"];
    assert_eq!(first[0]["words"], first[2]["words"]);
    assert_ne!(first[0]["words"], first[1]["words"]);
}
