//! `HashTableEnv`: the Gymnasium-style environment that places one word per step into a bin.

use std::sync::Arc;

use rand::SeedableRng;
use rand_chacha::ChaCha8Rng;

use crate::config::{EnvConfig, ObservationMode, WordSchedule};
use crate::encoder::ObservationEncoder;
use crate::error::{Error, Result};
use crate::rng_state::RngState;
use crate::sampler::IndexSampler;
use crate::spaces::{Discrete, ObservationSpace};
use crate::table::{EpisodeStats, Table};

/// Seed of the episode RNG until the first `reset(Some(seed))`.
const DEFAULT_SEED: u64 = 0;

/// The outcome of one [`HashTableEnv::step`]; the next observation went to the caller's buffer.
#[derive(Clone, Copy, Debug, Default, PartialEq)]
#[non_exhaustive]
pub struct Step {
    /// `rewards.empty` if the bin was empty, else `rewards.collision`.
    pub reward: f32,
    /// True on the step that places the episode's last word.
    pub terminated: bool,
    /// Always false: an episode has no time limit besides its `N` words, which is termination.
    pub truncated: bool,
    /// What happened, and the state after it.
    pub info: Info,
}

/// Typed step information (Gymnasium's `info` dict).
#[derive(Clone, Copy, Debug, Default, PartialEq)]
#[non_exhaustive]
pub struct Info {
    /// The word just placed; `None` after `reset`.
    pub placement: Option<Placement>,
    /// The word shown in the observation, as an index into [`HashTableEnv::words`]; `None` once
    /// the episode is over.
    pub next_word: Option<usize>,
    /// Words placed so far in this episode.
    pub placed: usize,
    /// Bins holding at least one word.
    pub occupied_bins: usize,
    /// The episode's statistics, on the terminating step only.
    pub episode: Option<EpisodeStats>,
}

/// Where a word went.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
#[non_exhaustive]
pub struct Placement {
    /// The word, as an index into [`HashTableEnv::words`].
    pub word: usize,
    /// The chosen bin.
    pub bin: usize,
    /// Whether the bin already held a word.
    pub collided: bool,
    /// Words in the bin after this one.
    pub load: usize,
}

impl Placement {
    /// `word` placed into `bin`, which now holds `load` words (so it collided when `load > 1`).
    pub fn new(word: usize, bin: usize, load: usize) -> Self {
        Self {
            word,
            bin,
            collided: load > 1,
            load,
        }
    }
}

/// The hash-table environment; see the [crate documentation](crate) for the model.
///
/// Episodes follow Gymnasium: [`reset`](Self::reset), then [`step`](Self::step) until
/// `terminated`. Observations are written into caller buffers of
/// [`observation_space`](Self::observation_space)`.dim()` values; stepping never allocates.
///
/// Seeding: `reset(Some(seed))` reseeds the episode RNG (a ChaCha8 generator), so a seed fixes
/// the episode's words whatever happened before; `reset(None)` continues the current RNG, which
/// starts from seed 0 when the environment is built. [`rng_state`](Self::rng_state) and
/// [`set_rng_state`](Self::set_rng_state) save and restore that RNG's position, so a training
/// can stop between episodes and continue with the same episodes.
#[derive(Clone, Debug)]
pub struct HashTableEnv<E> {
    config: EnvConfig,
    words: Arc<[String]>,
    encoder: E,
    rng: ChaCha8Rng,
    sampler: IndexSampler,
    /// Word indices of the current episode, in step order.
    episode: Vec<usize>,
    /// The batch the next episode places (`batches` schedule; 0 otherwise).
    next_batch: usize,
    table: Table,
    /// The table part of the observation (empty in `WordOnly` mode), kept up to date per step.
    table_obs: Vec<f32>,
    was_reset: bool,
}

impl<E: ObservationEncoder> HashTableEnv<E> {
    /// Builds an environment placing words of `words` (see [`WordSchedule`] for how the list is
    /// used), observed through `encoder`.
    ///
    /// # Errors
    /// An invalid config ([`EnvConfig::validate`]), a word list too short for the schedule
    /// ([`Error::NotEnoughWords`], [`Error::FixedListLength`]) or holding a word twice
    /// ([`Error::DuplicateWord`]).
    pub fn new(config: EnvConfig, words: Vec<String>, encoder: E) -> Result<Self> {
        Self::with_shared_words(config, words.into(), encoder)
    }

    /// Like [`new`](Self::new), sharing a word list with other environments.
    ///
    /// # Errors
    /// As [`new`](Self::new).
    pub fn with_shared_words(config: EnvConfig, words: Arc<[String]>, encoder: E) -> Result<Self> {
        config.validate_words(&words)?;
        Ok(Self::from_checked(config, words, encoder, DEFAULT_SEED))
    }

    /// Builds from a config already validated against `words`.
    pub(crate) fn from_checked(
        config: EnvConfig,
        words: Arc<[String]>,
        encoder: E,
        seed: u64,
    ) -> Self {
        let episode = match config.schedule {
            WordSchedule::Fixed => (0..config.words_per_episode).collect(),
            WordSchedule::Sample | WordSchedule::Pool | WordSchedule::Batches => {
                Vec::with_capacity(config.words_per_episode)
            }
        };
        let table_dim = if config.observation.shows_table() {
            config.bins
        } else {
            0
        };
        Self {
            table: Table::new(config.bins, config.rewards),
            table_obs: vec![0.0; table_dim],
            config,
            words,
            encoder,
            rng: ChaCha8Rng::seed_from_u64(seed),
            sampler: IndexSampler::default(),
            episode,
            next_batch: 0,
            was_reset: false,
        }
    }

    /// The configuration.
    pub fn config(&self) -> &EnvConfig {
        &self.config
    }

    /// The encoder.
    pub fn encoder(&self) -> &E {
        &self.encoder
    }

    /// The word list given at construction.
    pub fn words(&self) -> &[String] {
        &self.words
    }

    /// The word list, shareable with other environments.
    pub fn shared_words(&self) -> &Arc<[String]> {
        &self.words
    }

    /// The current episode's words, as indices into [`words`](Self::words), in step order
    /// (empty before the first reset, except with the `fixed` schedule).
    pub fn episode_words(&self) -> &[usize] {
        &self.episode
    }

    /// The word the agent must place next, as an index into [`words`](Self::words); `None`
    /// before the first reset and once the episode is over.
    pub fn current_word(&self) -> Option<usize> {
        if self.was_reset {
            self.episode.get(self.table.placed()).copied()
        } else {
            None
        }
    }

    /// One action per bin.
    pub fn action_space(&self) -> Discrete {
        Discrete {
            n: self.config.bins,
        }
    }

    /// The shape of observations: the encoder's `dim`, plus one value per bin when the mode
    /// shows the table.
    pub fn observation_space(&self) -> ObservationSpace {
        ObservationSpace {
            word_dim: self.encoder.dim(),
            table_dim: self.table_obs.len(),
        }
    }

    /// Words per bin in the current episode.
    pub fn bin_loads(&self) -> &[usize] {
        self.table.loads()
    }

    /// Statistics of the current episode so far (final once it terminated).
    pub fn episode_stats(&self) -> EpisodeStats {
        self.table.stats()
    }

    /// The position of the episode RNG (and, for the `batches` schedule, of the batch cycle):
    /// with [`set_rng_state`](Self::set_rng_state) on an environment of the same config and
    /// words, the episodes that follow `reset(None)` are the ones this environment would play
    /// next.
    pub fn rng_state(&self) -> RngState {
        RngState::of(&self.rng).with_next_batch(self.next_batch)
    }

    /// Moves the episode RNG (and the batch cycle) to `state` (from
    /// [`rng_state`](Self::rng_state)); the current episode is unchanged, the next `reset(None)`
    /// draws from there.
    pub fn set_rng_state(&mut self, state: &RngState) {
        self.rng = state.restore();
        self.next_batch = state.next_batch() % self.batch_count();
    }

    /// How many batches the `batches` schedule cycles through (1 for the other schedules).
    pub fn batch_count(&self) -> usize {
        match self.config.schedule {
            WordSchedule::Batches => self.words.len() / self.config.words_per_episode,
            _ => 1,
        }
    }

    /// Whether the current episode placed all its words (false before the first reset).
    pub fn is_done(&self) -> bool {
        self.was_reset && self.table.placed() == self.config.words_per_episode
    }

    /// Starts an episode: draws its words (see [`WordSchedule`]), empties the table and writes
    /// the first observation into `obs`. `Some(seed)` reseeds the RNG; `None` continues it.
    ///
    /// # Panics
    /// When `obs.len()` differs from `observation_space().dim()`; see
    /// [`try_reset`](Self::try_reset).
    pub fn reset(&mut self, seed: Option<u64>, obs: &mut [f32]) -> Info {
        self.try_reset(seed, obs)
            .unwrap_or_else(|error| panic!("{error}"))
    }

    /// [`reset`](Self::reset) that reports a wrong buffer instead of panicking.
    ///
    /// # Errors
    /// [`Error::BufferLength`] when `obs.len()` differs from `observation_space().dim()`; the
    /// environment is then unchanged.
    pub fn try_reset(&mut self, seed: Option<u64>, obs: &mut [f32]) -> Result<Info> {
        self.check_obs_len(obs.len())?;
        if let Some(seed) = seed {
            self.rng = ChaCha8Rng::seed_from_u64(seed);
            self.next_batch = 0;
        }
        let (population, n) = (self.words.len(), self.config.words_per_episode);
        match self.config.schedule {
            WordSchedule::Fixed => {}
            WordSchedule::Sample | WordSchedule::Pool => {
                self.sampler
                    .sample_into(&mut self.rng, population, n, &mut self.episode);
            }
            WordSchedule::Batches => {
                let first = self.next_batch * n;
                self.episode.clear();
                self.episode.extend(first..first + n);
                self.next_batch = (self.next_batch + 1) % self.batch_count();
            }
        }
        self.table.clear();
        self.table_obs.fill(0.0);
        self.was_reset = true;
        self.write_observation(obs);
        Ok(self.info(None))
    }

    /// Places the current word into bin `action`, writes the next observation into `obs` and
    /// returns the reward. On the terminating step the word part of `obs` is zero (there is no
    /// next word) and the table part shows the final table.
    ///
    /// # Panics
    /// On misuse, with the message of the [`Error`] that [`try_step`](Self::try_step) returns:
    /// before the first reset, after termination, `action >= bins`, or a wrong `obs` length.
    pub fn step(&mut self, action: usize, obs: &mut [f32]) -> Step {
        self.try_step(action, obs)
            .unwrap_or_else(|error| panic!("{error}"))
    }

    /// [`step`](Self::step) that reports misuse instead of panicking.
    ///
    /// # Errors
    /// [`Error::NotReset`], [`Error::EpisodeOver`], [`Error::BufferLength`] or
    /// [`Error::ActionOutOfRange`]; the environment is then unchanged.
    pub fn try_step(&mut self, action: usize, obs: &mut [f32]) -> Result<Step> {
        self.check_step(action, obs.len())?;
        Ok(self.step_checked(action, obs))
    }

    /// Checks what [`try_step`](Self::try_step) checks, for a buffer of `obs_len` values.
    pub(crate) fn check_step(&self, action: usize, obs_len: usize) -> Result<()> {
        if !self.was_reset {
            return Err(Error::NotReset);
        }
        if self.is_done() {
            return Err(Error::EpisodeOver {
                placed: self.table.placed(),
            });
        }
        self.check_obs_len(obs_len)?;
        self.check_action(action)
    }

    /// The step itself, after [`check_step`](Self::check_step) passed.
    pub(crate) fn step_checked(&mut self, action: usize, obs: &mut [f32]) -> Step {
        let word = self.episode[self.table.placed()];
        let (reward, load) = self.table.place(action);
        if let Some(value) = self.table_obs.get_mut(action) {
            *value = self.config.observation.bin_value(load);
        }
        self.write_observation(obs);
        let terminated = self.is_done();
        let mut info = self.info(Some(Placement::new(word, action, load)));
        if terminated {
            info.episode = Some(self.table.stats());
        }
        Step {
            reward,
            terminated,
            truncated: false,
            info,
        }
    }

    /// Plays the whole episode at once: `actions[t]` is the bin of the `t`-th word of
    /// [`episode_words`](Self::episode_words), `rewards_out[t]` receives its reward. Equivalent to
    /// `N` calls of [`step`](Self::step) without writing observations, for `WordOnly` policies
    /// whose actions do not depend on the table.
    ///
    /// # Errors
    /// [`Error::NeedsWordOnly`] in a mode that shows the table, [`Error::NotReset`],
    /// [`Error::EpisodeStarted`] if steps were taken since the reset, [`Error::BufferLength`]
    /// unless both slices hold `words_per_episode` values, [`Error::ActionOutOfRange`]; the
    /// environment is then unchanged.
    pub fn play_episode(
        &mut self,
        actions: &[usize],
        rewards_out: &mut [f32],
    ) -> Result<EpisodeStats> {
        if self.config.observation != ObservationMode::WordOnly {
            return Err(Error::NeedsWordOnly);
        }
        if !self.was_reset {
            return Err(Error::NotReset);
        }
        if self.table.placed() > 0 {
            return Err(Error::EpisodeStarted {
                placed: self.table.placed(),
            });
        }
        let n = self.config.words_per_episode;
        check_len("actions", n, actions.len())?;
        check_len("rewards_out", n, rewards_out.len())?;
        for &action in actions {
            self.check_action(action)?;
        }
        self.table.place_all(actions, rewards_out);
        Ok(self.table.stats())
    }

    /// Writes the encodings of the episode's words, in step order, into `out` (row-major,
    /// `words_per_episode` rows of the encoder's `dim`), for policies that act on the whole
    /// episode at once.
    ///
    /// # Errors
    /// [`Error::NotReset`] before the first reset; [`Error::BufferLength`] when `out` does not
    /// hold `words_per_episode * dim` values.
    pub fn encode_episode(&self, out: &mut [f32]) -> Result<()> {
        if !self.was_reset {
            return Err(Error::NotReset);
        }
        let dim = self.encoder.dim();
        check_len("out", self.episode.len() * dim, out.len())?;
        out.fill(0.0);
        if dim > 0 {
            for (&word, row) in self.episode.iter().zip(out.chunks_exact_mut(dim)) {
                self.encoder.encode(&self.words[word], row);
            }
        }
        Ok(())
    }

    fn info(&self, placement: Option<Placement>) -> Info {
        Info {
            placement,
            next_word: self.current_word(),
            placed: self.table.placed(),
            occupied_bins: self.table.occupied(),
            episode: None,
        }
    }

    fn write_observation(&self, obs: &mut [f32]) {
        let (word_part, table_part) = obs.split_at_mut(self.encoder.dim());
        word_part.fill(0.0);
        if let Some(word) = self.current_word() {
            self.encoder.encode(&self.words[word], word_part);
        }
        table_part.copy_from_slice(&self.table_obs);
    }

    fn check_obs_len(&self, len: usize) -> Result<()> {
        check_len("obs", self.observation_space().dim(), len)
    }

    fn check_action(&self, action: usize) -> Result<()> {
        if action < self.table.bins() {
            Ok(())
        } else {
            Err(Error::ActionOutOfRange {
                action,
                bins: self.table.bins(),
            })
        }
    }
}

fn check_len(buffer: &'static str, expected: usize, actual: usize) -> Result<()> {
    if expected == actual {
        Ok(())
    } else {
        Err(Error::BufferLength {
            buffer,
            expected,
            actual,
        })
    }
}
