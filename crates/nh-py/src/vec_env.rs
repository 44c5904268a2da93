//! The native vectorized environment: nh-env's `VecEnv`, stepped in one call with numpy arrays in
//! and out. The Gymnasium `VectorEnv` in `python/nh_env/vector.py` wraps it.

use nh_env::{Step, VecEnv};
use numpy::ndarray::Array2;
use numpy::{IntoPyArray, PyArray1, PyArray2, PyReadonlyArray1};
use pyo3::prelude::*;
use pyo3::types::PyDict;

use crate::corpus::PyCorpus;
use crate::encoder::EnvEncoder;
use crate::env::{action, seed};
use crate::error::{Error, Result};
use crate::info::{info_arrays, stats_arrays, stats_dict};
use crate::settings::{Kwargs, observation_bounds};

/// `(obs, rewards, terminated, truncated, infos)` of all environments (rewards as float64, as
/// Gymnasium's own vector environments return them).
type StepArrays<'py> = (
    Bound<'py, PyArray2<f32>>,
    Bound<'py, PyArray1<f64>>,
    Bound<'py, PyArray1<bool>>,
    Bound<'py, PyArray1<bool>>,
    Bound<'py, PyDict>,
);

/// nh-env's `VecEnv` (`nh_env._native.VecHashTableEnv`): `num_envs` environments, environment
/// `i` seeded `seed + i`, all stepped by one call.
#[pyclass(name = "VecHashTableEnv", module = "nh_env._native")]
pub struct PyVecEnv {
    envs: VecEnv<EnvEncoder>,
    /// Scratch space reused by every step: the actions as `usize`, and each environment's step.
    actions: Vec<usize>,
    steps: Vec<Step>,
}

impl PyVecEnv {
    fn obs_buffer(&self) -> Vec<f32> {
        vec![0.0; self.envs.num_envs() * self.envs.observation_space().dim()]
    }

    fn obs_array<'py>(&self, py: Python<'py>, obs: Vec<f32>) -> Bound<'py, PyArray2<f32>> {
        let shape = (self.envs.num_envs(), self.envs.observation_space().dim());
        Array2::from_shape_vec(shape, obs)
            .expect("the buffer holds num_envs * dim values")
            .into_pyarray(py)
    }
}

#[pymethods]
impl PyVecEnv {
    #[new]
    #[pyo3(signature = (*, num_envs, bins, words_per_episode, schedule, observation, load_scale,
        reward_empty, reward_collision, encoder, corpus=None, words=None, word_seed=0,
        pool_size=None))]
    #[allow(clippy::too_many_arguments)]
    fn new(
        num_envs: usize,
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
        let envs = VecEnv::new(settings.config, settings.words, settings.encoder, num_envs)?;
        Ok(Self {
            actions: Vec::with_capacity(num_envs),
            steps: vec![Step::default(); num_envs],
            envs,
        })
    }

    /// Resets every environment (environment `i` with `seed + i`, or continuing its generator
    /// for `None`); returns `(obs, infos)`, `obs` of shape `(num_envs, dim)`.
    #[pyo3(signature = (seed=None))]
    fn reset<'py>(
        &mut self,
        py: Python<'py>,
        seed: Option<i128>,
    ) -> PyResult<(Bound<'py, PyArray2<f32>>, Bound<'py, PyDict>)> {
        let seed = self::seed(seed)?;
        let mut obs = self.obs_buffer();
        let infos = self.envs.reset_all(seed, &mut obs);
        Ok((self.obs_array(py, obs), info_arrays(py, infos.iter())?))
    }

    /// Steps environment `i` with `actions[i]` (an int64 array of `num_envs` values); returns
    /// `(obs, rewards, terminated, truncated, infos)` as arrays over the environments. Nothing
    /// changes when any action or the state is invalid.
    fn step<'py>(
        &mut self,
        py: Python<'py>,
        actions: PyReadonlyArray1<'py, i64>,
    ) -> PyResult<StepArrays<'py>> {
        let bins = self.envs.action_space().n;
        self.actions.clear();
        for &a in actions.as_array() {
            self.actions.push(action(a, bins)?);
        }
        let mut obs = self.obs_buffer();
        self.envs
            .try_step_all(&self.actions, &mut obs, &mut self.steps)
            .map_err(Error::from)?;
        let steps = &self.steps;
        Ok((
            self.obs_array(py, obs),
            PyArray1::from_iter(py, steps.iter().map(|s| f64::from(s.reward))),
            PyArray1::from_iter(py, steps.iter().map(|s| s.terminated)),
            PyArray1::from_iter(py, steps.iter().map(|s| s.truncated)),
            info_arrays(py, steps.iter().map(|s| &s.info))?,
        ))
    }

    /// Number of environments.
    #[getter]
    fn num_envs(&self) -> usize {
        self.envs.num_envs()
    }

    /// Number of bins of each environment.
    #[getter]
    fn bins(&self) -> usize {
        self.envs.action_space().n
    }

    /// `(word_dim, table_dim)` of one environment's observation.
    #[getter]
    fn observation_dims(&self) -> (usize, usize) {
        let space = self.envs.observation_space();
        (space.word_dim, space.table_dim)
    }

    /// `(low, high)` bounding each value of one environment's observation.
    fn observation_bounds<'py>(
        &self,
        py: Python<'py>,
    ) -> (Bound<'py, PyArray1<f32>>, Bound<'py, PyArray1<f32>>) {
        let space = self.envs.observation_space();
        let env = &self.envs.envs()[0];
        observation_bounds(
            py,
            env.config(),
            env.encoder(),
            space.word_dim,
            space.table_dim,
        )
    }

    /// The words of environment `index`'s current episode, in step order.
    fn episode_words(&self, index: usize) -> PyResult<Vec<String>> {
        let env = self.envs.envs().get(index).ok_or_else(|| {
            pyo3::exceptions::PyIndexError::new_err(format!(
                "environment {index} does not exist: there are {}",
                self.envs.num_envs()
            ))
        })?;
        let words = env.words();
        Ok(env
            .episode_words()
            .iter()
            .map(|&i| words[i].clone())
            .collect())
    }

    /// Statistics of every environment's current episode, one array per key.
    fn episode_stats<'py>(&self, py: Python<'py>) -> PyResult<Bound<'py, PyDict>> {
        stats_arrays(py, &self.envs.episode_stats())
    }

    /// Statistics of environment `index`'s current episode, as a dict of numbers.
    fn env_episode_stats<'py>(
        &self,
        py: Python<'py>,
        index: usize,
    ) -> PyResult<Bound<'py, PyDict>> {
        let stats = self.envs.episode_stats();
        let stats = stats.get(index).ok_or_else(|| {
            pyo3::exceptions::PyIndexError::new_err(format!(
                "environment {index} does not exist: there are {}",
                self.envs.num_envs()
            ))
        })?;
        stats_dict(py, stats)
    }
}
