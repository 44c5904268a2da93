//! From the Python keyword arguments to nh-env's `EnvConfig`, word list and encoder: parsing
//! names and choosing which corpus words an environment receives; nothing about the environment.

use nh_env::{EnvConfig, ObservationMode, RewardConfig, WordSchedule};
use numpy::PyArray1;
use pyo3::prelude::*;

use crate::corpus::PyCorpus;
use crate::encoder::EnvEncoder;
use crate::error::{Error, Result};

/// What a Python environment is built from: the config, the word list and the encoder.
pub struct Settings {
    pub config: EnvConfig,
    pub words: Vec<String>,
    pub encoder: EnvEncoder,
}

/// The keyword arguments shared by `HashTableEnv` and `VecHashTableEnv` (see the Python
/// package's docstrings), each already converted to a Rust type by PyO3.
pub struct Kwargs<'a, 'py> {
    pub bins: usize,
    pub words_per_episode: usize,
    pub schedule: &'a str,
    pub observation: &'a str,
    pub load_scale: Option<f32>,
    pub reward_empty: f32,
    pub reward_collision: f32,
    pub encoder: &'a Bound<'py, PyAny>,
    pub corpus: Option<&'a Bound<'py, PyCorpus>>,
    pub words: Option<Vec<String>>,
    pub word_seed: u64,
    pub pool_size: Option<usize>,
}

impl Kwargs<'_, '_> {
    /// Parses the names and picks the words: `words` when given, else from `corpus` by the
    /// schedule (`sample`: the whole corpus; `fixed`: `words_per_episode` words chosen by
    /// `word_seed`; `pool` and `batches`: `pool_size` words chosen by `word_seed`, default 3 x
    /// `words_per_episode` as in the paper's Fig. 7).
    pub fn resolve(self) -> Result<Settings> {
        let schedule = schedule(self.schedule)?;
        let observation = observation(self.observation, self.load_scale, self.words_per_episode)?;
        let config = EnvConfig::new(self.bins, self.words_per_episode)
            .with_schedule(schedule)
            .with_observation(observation)
            .with_rewards(RewardConfig::new(self.reward_empty, self.reward_collision));
        let words = match (self.words, self.corpus) {
            (Some(words), None) => words,
            (None, Some(corpus)) => {
                let corpus = &corpus.get().inner;
                match schedule {
                    WordSchedule::Sample => corpus.words().to_vec(),
                    WordSchedule::Fixed => corpus.sample(self.words_per_episode, self.word_seed)?,
                    WordSchedule::Pool | WordSchedule::Batches => {
                        let pool = self
                            .pool_size
                            .unwrap_or(self.words_per_episode.saturating_mul(3));
                        corpus.sample(pool, self.word_seed)?
                    }
                }
            }
            (words, _) => {
                return Err(Error::Argument {
                    key: "words",
                    value: if words.is_some() { "a list" } else { "None" }.to_owned(),
                    expected: "exactly one of `words` and `corpus`".to_owned(),
                });
            }
        };
        Ok(Settings {
            config,
            words,
            encoder: EnvEncoder::from_py(self.encoder)?,
        })
    }
}

fn schedule(name: &str) -> Result<WordSchedule> {
    [
        WordSchedule::Sample,
        WordSchedule::Fixed,
        WordSchedule::Pool,
        WordSchedule::Batches,
    ]
    .into_iter()
    .find(|schedule| schedule.name() == name)
    .ok_or_else(|| Error::Argument {
        key: "schedule",
        value: format!("{name:?}"),
        expected: "one of \"sample\", \"fixed\", \"pool\", \"batches\"".to_owned(),
    })
}

fn observation(name: &str, load_scale: Option<f32>, words: usize) -> Result<ObservationMode> {
    let mode = match name {
        "word_only" => ObservationMode::WordOnly,
        "word_and_occupancy" => ObservationMode::WordAndOccupancy,
        "word_and_load" => {
            // Loads are at most `words`; 1 / N keeps every value within 0..=1.
            #[allow(clippy::cast_precision_loss)]
            let scale = load_scale.unwrap_or(1.0 / words.max(1) as f32);
            return Ok(ObservationMode::WordAndLoad { scale });
        }
        _ => {
            return Err(Error::Argument {
                key: "observation",
                value: format!("{name:?}"),
                expected: "one of \"word_only\", \"word_and_occupancy\", \"word_and_load\""
                    .to_owned(),
            });
        }
    };
    match load_scale {
        None => Ok(mode),
        Some(scale) => Err(Error::Argument {
            key: "load_scale",
            value: scale.to_string(),
            expected: "only with observation=\"word_and_load\"".to_owned(),
        }),
    }
}

/// The name of an observation mode, as the constructors accept it.
pub fn observation_name(mode: ObservationMode) -> &'static str {
    match mode {
        ObservationMode::WordOnly => "word_only",
        ObservationMode::WordAndOccupancy => "word_and_occupancy",
        ObservationMode::WordAndLoad { .. } => "word_and_load",
    }
}

/// Per-value bounds of an observation (`low`, `high`): the encoder's range for the word part;
/// for the table part `0..=1` (occupancy) or the range of `load * scale` for loads `0..=N`.
pub fn observation_bounds<'py>(
    py: Python<'py>,
    config: &EnvConfig,
    encoder: &EnvEncoder,
    word_dim: usize,
    table_dim: usize,
) -> (Bound<'py, PyArray1<f32>>, Bound<'py, PyArray1<f32>>) {
    let (word_low, word_high) = encoder.bounds();
    let (table_low, table_high) = match config.observation {
        ObservationMode::WordOnly | ObservationMode::WordAndOccupancy => (0.0, 1.0),
        ObservationMode::WordAndLoad { scale } => {
            // Loads are at most N (< 2^24 for any table that fits in memory).
            #[allow(clippy::cast_precision_loss)]
            let extreme = config.words_per_episode as f32 * scale;
            (extreme.min(0.0), extreme.max(0.0))
        }
    };
    let bound = |word: f32, table: f32| {
        let mut values = vec![word; word_dim];
        values.resize(word_dim + table_dim, table);
        PyArray1::from_vec(py, values)
    };
    (bound(word_low, table_low), bound(word_high, table_high))
}
