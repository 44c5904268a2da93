//! `VecEnv`: B independent environments stepped in lockstep, for batched policies.

use std::sync::Arc;

use crate::config::EnvConfig;
use crate::encoder::ObservationEncoder;
use crate::env::{HashTableEnv, Info, Step};
use crate::error::{Error, Result};
use crate::rng_state::RngState;
use crate::spaces::{Discrete, ObservationSpace};
use crate::table::EpisodeStats;

/// `B` independent copies of one environment, stepped together with one action each.
///
/// Observations of all environments share one row-major buffer of `B * dim` values (row `i`
/// belongs to environment `i`). Environment `i` is seeded with `seed + i` (wrapping).
///
/// No auto-reset: every environment places the same `N` words, so all of them terminate on the
/// same step; call [`reset_all`](Self::reset_all) to start the next batch of episodes
/// (`reset_all(None)` continues each environment's RNG, so successive batches differ).
///
/// ```
/// use nh_env::{EnvConfig, FnEncoder, ObservationMode, Step, VecEnv};
///
/// let words: Vec<String> = (0..100).map(|i| format!("w{i}")).collect();
/// let config = EnvConfig::new(8, 8).with_observation(ObservationMode::WordAndOccupancy);
/// let encoder = FnEncoder::new(1, |word: &str, out: &mut [f32]| out[0] = word.len() as f32);
/// let mut envs = VecEnv::new(config, words, encoder, 4).unwrap();
/// let mut obs = vec![0.0; envs.num_envs() * envs.observation_space().dim()];
/// let mut steps = vec![Step::default(); envs.num_envs()];
/// envs.reset_all(Some(1), &mut obs);
/// for t in 0..8 {
///     envs.step_all(&[t, t, 0, 7], &mut obs, &mut steps);
/// }
/// assert!(steps.iter().all(|step| step.terminated));
/// assert_eq!(envs.episode_stats()[0].collisions, 0);
/// assert_eq!(envs.episode_stats()[2].collisions, 7);
/// ```
#[derive(Clone, Debug)]
pub struct VecEnv<E> {
    envs: Vec<HashTableEnv<E>>,
}

impl<E: ObservationEncoder + Clone> VecEnv<E> {
    /// `num_envs` environments sharing `words` and a clone of `encoder` each (pass `&encoder`
    /// to share one encoder). Before the first seeded reset, environment `i` uses seed `i`.
    ///
    /// # Errors
    /// As [`HashTableEnv::new`], plus [`Error::InvalidConfig`] when `num_envs` is 0.
    pub fn new(config: EnvConfig, words: Vec<String>, encoder: E, num_envs: usize) -> Result<Self> {
        if num_envs == 0 {
            return Err(Error::InvalidConfig {
                key: "num_envs",
                value: "0".to_owned(),
                reason: "a vectorized environment needs at least one environment",
            });
        }
        let words: Arc<[String]> = words.into();
        config.validate_words(&words)?;
        let envs = (0..num_envs)
            .map(|i| {
                let seed = i as u64;
                HashTableEnv::from_checked(
                    config.clone(),
                    Arc::clone(&words),
                    encoder.clone(),
                    seed,
                )
            })
            .collect();
        Ok(Self { envs })
    }
}

impl<E: ObservationEncoder> VecEnv<E> {
    /// Number of environments `B`.
    pub fn num_envs(&self) -> usize {
        self.envs.len()
    }

    /// The environments, e.g. to read [`HashTableEnv::episode_words`] of each.
    pub fn envs(&self) -> &[HashTableEnv<E>] {
        &self.envs
    }

    /// The action space of each environment.
    pub fn action_space(&self) -> Discrete {
        self.envs[0].action_space()
    }

    /// The observation space of each environment (one row of the batched buffer).
    pub fn observation_space(&self) -> ObservationSpace {
        self.envs[0].observation_space()
    }

    /// Statistics of each environment's current episode.
    pub fn episode_stats(&self) -> Vec<EpisodeStats> {
        self.envs.iter().map(HashTableEnv::episode_stats).collect()
    }

    /// The position of each environment's episode RNG (see [`HashTableEnv::rng_state`]).
    pub fn rng_states(&self) -> Vec<RngState> {
        self.envs.iter().map(HashTableEnv::rng_state).collect()
    }

    /// Moves environment `i`'s episode RNG to `states[i]` (see [`HashTableEnv::set_rng_state`]).
    ///
    /// # Errors
    /// [`Error::BufferLength`] unless `states` holds `num_envs` values; then no RNG moved.
    pub fn set_rng_states(&mut self, states: &[RngState]) -> Result<()> {
        if states.len() != self.envs.len() {
            return Err(Error::BufferLength {
                buffer: "states",
                expected: self.envs.len(),
                actual: states.len(),
            });
        }
        for (env, state) in self.envs.iter_mut().zip(states) {
            env.set_rng_state(state);
        }
        Ok(())
    }

    /// Resets every environment, environment `i` with `seed + i` (or continuing its RNG for
    /// `None`), writing the first observations into `obs`; returns each environment's info.
    ///
    /// # Panics
    /// When `obs` does not hold `num_envs * dim` values.
    pub fn reset_all(&mut self, seed: Option<u64>, obs: &mut [f32]) -> Vec<Info> {
        let dim = self.observation_space().dim();
        let expected = self.envs.len() * dim;
        assert_eq!(
            obs.len(),
            expected,
            "reset_all: `obs` must hold num_envs * dim values"
        );
        let mut infos = Vec::with_capacity(self.envs.len());
        for (i, env) in self.envs.iter_mut().enumerate() {
            let seed = seed.map(|seed| seed.wrapping_add(i as u64));
            let row = &mut obs[i * dim..(i + 1) * dim];
            infos.push(env.reset(seed, row));
        }
        infos
    }

    /// Steps environment `i` with `actions[i]`, writing its next observation into row `i` of
    /// `obs` and its outcome into `out[i]`.
    ///
    /// # Panics
    /// On misuse, with the message of the [`Error`] that [`try_step_all`](Self::try_step_all)
    /// returns.
    pub fn step_all(&mut self, actions: &[usize], obs: &mut [f32], out: &mut [Step]) {
        self.try_step_all(actions, obs, out)
            .unwrap_or_else(|error| panic!("{error}"));
    }

    /// [`step_all`](Self::step_all) that reports misuse instead of panicking. Every check runs
    /// before any environment steps, so on error no environment changed.
    ///
    /// # Errors
    /// [`Error::BufferLength`] unless `actions` and `out` hold `num_envs` values and `obs`
    /// `num_envs * dim`; otherwise the first error of [`HashTableEnv::try_step`] among the
    /// environments.
    pub fn try_step_all(
        &mut self,
        actions: &[usize],
        obs: &mut [f32],
        out: &mut [Step],
    ) -> Result<()> {
        let count = self.envs.len();
        let dim = self.observation_space().dim();
        for (buffer, expected, actual) in [
            ("actions", count, actions.len()),
            ("out", count, out.len()),
            ("obs", count * dim, obs.len()),
        ] {
            if expected != actual {
                return Err(Error::BufferLength {
                    buffer,
                    expected,
                    actual,
                });
            }
        }
        for (env, &action) in self.envs.iter().zip(actions) {
            env.check_step(action, dim)?;
        }
        for (i, (env, step)) in self.envs.iter_mut().zip(out).enumerate() {
            *step = env.step_checked(actions[i], &mut obs[i * dim..(i + 1) * dim]);
        }
        Ok(())
    }
}
