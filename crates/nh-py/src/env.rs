//! The native single environment: nh-env's `HashTableEnv` behind Python's calling conventions
//! (numpy observations, dict infos, exceptions instead of panics). The Gymnasium class in
//! `python/nh_env/env.py` wraps it.

use nh_env::{HashTableEnv, Step};
use numpy::PyArray1;
use pyo3::prelude::*;
use pyo3::types::PyDict;

use crate::corpus::PyCorpus;
use crate::encoder::EnvEncoder;
use crate::error::{Error, Result};
use crate::info::{info_dict, stats_dict};
use crate::settings::{Kwargs, observation_bounds, observation_name};

/// `(obs, reward, terminated, truncated, info)`, Gymnasium's step tuple.
type StepTuple<'py> = (
    Bound<'py, PyArray1<f32>>,
    f32,
    bool,
    bool,
    Bound<'py, PyDict>,
);

/// A seed from Python: an integer in `0..2^64`.
pub fn seed(seed: Option<i128>) -> Result<Option<u64>> {
    seed.map(|s| {
        u64::try_from(s).map_err(|_| Error::Seed {
            seed: s.to_string(),
        })
    })
    .transpose()
}

/// An action from Python: an integer, checked against the bins by nh-env (negative ones here).
pub fn action(action: i64, bins: usize) -> Result<usize> {
    usize::try_from(action).map_err(|_| Error::NegativeAction { action, bins })
}

/// nh-env's `HashTableEnv` with a one-hot or index encoder (`nh_env._native.HashTableEnv`).
#[pyclass(name = "HashTableEnv", module = "nh_env._native")]
pub struct PyHashTableEnv {
    env: HashTableEnv<EnvEncoder>,
}

#[pymethods]
impl PyHashTableEnv {
    #[new]
    #[pyo3(signature = (*, bins, words_per_episode, schedule, observation, load_scale, reward_empty,
        reward_collision, encoder, corpus=None, words=None, word_seed=0, pool_size=None))]
    #[allow(clippy::too_many_arguments)]
    fn new(
        bins: usize,
        words_per_episode: usize,
        schedule: &str,
        observation: &str,
        load_scale: Option<f32>,
        reward_empty: f32,
        reward_collision: f32,
        encoder: &Bound<'_, PyAny>,
        corpus: Option<&Bound<'_, PyCorpus>>,
        words: Option<Vec<String>>,
        word_seed: u64,
        pool_size: Option<usize>,
    ) -> Result<Self> {
        let settings = Kwargs {
            bins,
            words_per_episode,
            schedule,
            observation,
            load_scale,
            reward_empty,
            reward_collision,
            encoder,
            corpus,
            words,
            word_seed,
            pool_size,
        }
        .resolve()?;
        Ok(Self {
            env: HashTableEnv::new(settings.config, settings.words, settings.encoder)?,
        })
    }

    /// Starts an episode (`seed` reseeds the episode generator, `None` continues it); returns
    /// `(obs, info)`.
    #[pyo3(signature = (seed=None))]
    fn reset<'py>(
        &mut self,
        py: Python<'py>,
        seed: Option<i128>,
    ) -> PyResult<(Bound<'py, PyArray1<f32>>, Bound<'py, PyDict>)> {
        let seed = self::seed(seed)?;
        let mut obs = vec![0.0; self.env.observation_space().dim()];
        let info = self.env.try_reset(seed, &mut obs).map_err(Error::from)?;
        Ok((PyArray1::from_vec(py, obs), info_dict(py, &info)?))
    }

    /// Places the current word into bin `action`; returns `(obs, reward, terminated,
    /// truncated, info)`.
    fn step<'py>(&mut self, py: Python<'py>, action: i64) -> PyResult<StepTuple<'py>> {
        let action = self::action(action, self.env.action_space().n)?;
        let mut obs = vec![0.0; self.env.observation_space().dim()];
        let Step {
            reward,
            terminated,
            truncated,
            info,
            ..
        } = self.env.try_step(action, &mut obs).map_err(Error::from)?;
        let info = info_dict(py, &info)?;
        Ok((
            PyArray1::from_vec(py, obs),
            reward,
            terminated,
            truncated,
            info,
        ))
    }

    /// Number of bins (the `Discrete` action space's `n`).
    #[getter]
    fn bins(&self) -> usize {
        self.env.config().bins
    }

    /// Words per episode.
    #[getter]
    fn words_per_episode(&self) -> usize {
        self.env.config().words_per_episode
    }

    /// The observation mode's name.
    #[getter]
    fn observation(&self) -> &'static str {
        observation_name(self.env.config().observation)
    }

    /// The schedule's name.
    #[getter]
    fn schedule(&self) -> &'static str {
        self.env.config().schedule.name()
    }

    /// `(word_dim, table_dim)`: the observation is the word encoding, then the table part.
    #[getter]
    fn observation_dims(&self) -> (usize, usize) {
        let space = self.env.observation_space();
        (space.word_dim, space.table_dim)
    }

    /// `(low, high)`: float32 arrays bounding each observation value.
    fn observation_bounds<'py>(
        &self,
        py: Python<'py>,
    ) -> (Bound<'py, PyArray1<f32>>, Bound<'py, PyArray1<f32>>) {
        let space = self.env.observation_space();
        let env = &self.env;
        observation_bounds(
            py,
            env.config(),
            env.encoder(),
            space.word_dim,
            space.table_dim,
        )
    }

    /// Number of words in the list the environment draws from.
    #[getter]
    fn num_words(&self) -> usize {
        self.env.words().len()
    }

    /// The word at `index` of the list (`info["word"]` and `info["next_word"]` are indices).
    fn word(&self, index: usize) -> PyResult<String> {
        self.env.words().get(index).cloned().ok_or_else(|| {
            pyo3::exceptions::PyIndexError::new_err(format!(
                "word index {index} is out of range: the list has {} words",
                self.env.words().len()
            ))
        })
    }

    /// The current episode's words, in step order.
    fn episode_words(&self) -> Vec<String> {
        let words = self.env.words();
        self.env
            .episode_words()
            .iter()
            .map(|&i| words[i].clone())
            .collect()
    }

    /// The current episode's statistics so far (final once it terminated).
    fn episode_stats<'py>(&self, py: Python<'py>) -> PyResult<Bound<'py, PyDict>> {
        stats_dict(py, &self.env.episode_stats())
    }

    /// Words per bin in the current episode (int64 array of `bins` values).
    fn bin_loads<'py>(&self, py: Python<'py>) -> Bound<'py, PyArray1<i64>> {
        PyArray1::from_iter(py, self.env.bin_loads().iter().map(|&l| l as i64))
    }

    /// Whether the current episode placed all its words.
    #[getter]
    fn is_done(&self) -> bool {
        self.env.is_done()
    }
}
