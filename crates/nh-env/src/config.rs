//! The serde configuration of an environment: table size, rewards, observation mode, word schedule.

use serde::{Deserialize, Serialize};

use crate::error::{Error, Result};

/// The reward for placing a word, depending on whether its bin was empty.
#[derive(Clone, Copy, Debug, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
#[non_exhaustive]
pub struct RewardConfig {
    /// Reward when the chosen bin was empty (the paper: `+10`).
    pub empty: f32,
    /// Reward when the chosen bin already held a word (the paper: `-10`).
    pub collision: f32,
}

impl RewardConfig {
    /// `empty` for a word placed into an empty bin, `collision` for one placed into an occupied
    /// bin (checked by [`EnvConfig::validate`]: both finite).
    pub fn new(empty: f32, collision: f32) -> Self {
        Self { empty, collision }
    }
}

impl Default for RewardConfig {
    /// The paper's rewards: `+10` for an empty bin, `-10` for a collision.
    fn default() -> Self {
        Self {
            empty: 10.0,
            collision: -10.0,
        }
    }
}

/// What the agent observes at each step.
///
/// In config files the variants are spelled `"word_only"`, `"word_and_occupancy"` and
/// `{ word_and_load = { scale = 0.1 } }`.
#[derive(Clone, Copy, Debug, Default, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case", deny_unknown_fields)]
pub enum ObservationMode {
    /// Only the current word's encoding: a policy of this observation is a true hash function.
    #[default]
    WordOnly,
    /// The word's encoding followed by one value per bin: `1.0` if the bin holds a word, else
    /// `0.0` (the paper's Fig. 5 sanity check, which lets the policy see the table).
    WordAndOccupancy,
    /// The word's encoding followed by one value per bin: the number of words in the bin times
    /// `scale`.
    WordAndLoad {
        /// Factor applied to each bin's word count (e.g. `1 / words_per_episode`).
        scale: f32,
    },
}

impl ObservationMode {
    /// Whether the observation includes the table (one value per bin after the word encoding).
    pub fn shows_table(&self) -> bool {
        !matches!(self, Self::WordOnly)
    }

    /// The observation value of a bin holding `load` words.
    pub(crate) fn bin_value(&self, load: usize) -> f32 {
        match self {
            Self::WordOnly | Self::WordAndOccupancy => f32::from(u8::from(load > 0)),
            // Loads are small integers; the conversion is exact below 2^24.
            #[allow(clippy::cast_precision_loss)]
            Self::WordAndLoad { scale } => load as f32 * scale,
        }
    }
}

/// Which words an episode places, and in which order.
///
/// In config files the variants are spelled `"sample"`, `"fixed"`, `"pool"` and `"batches"`.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum WordSchedule {
    /// The list is a corpus: each episode places `words_per_episode` distinct words drawn
    /// uniformly without replacement, in random order, from the episode's seed (the paper's
    /// main experiments, fresh words every episode).
    #[default]
    Sample,
    /// The list is the episode: it must hold exactly `words_per_episode` words, placed in list
    /// order every episode (the paper's memorization experiments, Fig. 6). The seed is unused.
    Fixed,
    /// The list is a small training pool: each episode draws `words_per_episode` of it exactly as
    /// `Sample` does (the paper's Fig. 7: a pool of 3,000 words, 1,000 per episode). It differs
    /// from `Sample` in intent only, which configs and reports record.
    Pool,
    /// The list is `B` fixed batches of `words_per_episode` consecutive words (its length a
    /// multiple of it): episodes cycle through them in order, batch 0, 1, ..., B - 1, 0, ..., each
    /// placed in list order into a fresh table (the other reading of the paper's Fig. 7: 3,000
    /// words as three batches of 1,000, where a hash perfect on every batch exists). The cycle
    /// restarts at batch 0 on `reset(Some(seed))`; the seed is otherwise unused.
    Batches,
}

impl WordSchedule {
    /// The schedule's name as spelled in config files.
    pub fn name(&self) -> &'static str {
        match self {
            Self::Sample => "sample",
            Self::Fixed => "fixed",
            Self::Pool => "pool",
            Self::Batches => "batches",
        }
    }
}

/// A complete description of an environment, loadable from TOML or JSON.
///
/// ```
/// use nh_env::{EnvConfig, ObservationMode, WordSchedule};
///
/// let config: EnvConfig = toml::from_str(
///     r#"
///     bins = 1000
///     words_per_episode = 1000
///     observation = "word_and_occupancy"
///     schedule = "pool"
///     rewards = { empty = 1.0, collision = -1.0 }
///     "#,
/// )
/// .unwrap();
/// assert_eq!(config.observation, ObservationMode::WordAndOccupancy);
/// assert_eq!(config.schedule, WordSchedule::Pool);
/// config.validate().unwrap();
/// ```
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
#[non_exhaustive]
pub struct EnvConfig {
    /// Number of bins `M` of the hash table; the action space is `0..bins`.
    pub bins: usize,
    /// Number of words `N` placed per episode (one per step).
    pub words_per_episode: usize,
    /// Rewards; default `+10` / `-10`.
    #[serde(default)]
    pub rewards: RewardConfig,
    /// Observation mode; default `word_only`.
    #[serde(default)]
    pub observation: ObservationMode,
    /// Word schedule; default `sample`.
    #[serde(default)]
    pub schedule: WordSchedule,
}

impl Default for EnvConfig {
    /// The paper's main setting: 1,000 words into 1,000 bins, word-only observations, fresh words.
    fn default() -> Self {
        Self::new(1000, 1000)
    }
}

impl EnvConfig {
    /// `words_per_episode` words into `bins` bins, with the paper's rewards, word-only
    /// observations and freshly sampled words.
    pub fn new(bins: usize, words_per_episode: usize) -> Self {
        Self {
            bins,
            words_per_episode,
            rewards: RewardConfig::default(),
            observation: ObservationMode::default(),
            schedule: WordSchedule::default(),
        }
    }

    /// This config with another observation mode.
    #[must_use]
    pub fn with_observation(mut self, observation: ObservationMode) -> Self {
        self.observation = observation;
        self
    }

    /// This config with another word schedule.
    #[must_use]
    pub fn with_schedule(mut self, schedule: WordSchedule) -> Self {
        self.schedule = schedule;
        self
    }

    /// This config with other rewards.
    #[must_use]
    pub fn with_rewards(mut self, rewards: RewardConfig) -> Self {
        self.rewards = rewards;
        self
    }

    /// Checks the values that do not depend on the word list.
    ///
    /// # Errors
    /// [`Error::InvalidConfig`] naming the key when `bins` or `words_per_episode` is zero, or a
    /// reward or the load scale is not finite.
    pub fn validate(&self) -> Result<()> {
        if self.bins == 0 {
            return Err(invalid("bins", 0, "a table needs at least one bin"));
        }
        if self.words_per_episode == 0 {
            return Err(invalid(
                "words_per_episode",
                0,
                "an episode places at least one word",
            ));
        }
        let finite = "must be a finite number";
        if !self.rewards.empty.is_finite() {
            return Err(invalid("rewards.empty", self.rewards.empty, finite));
        }
        if !self.rewards.collision.is_finite() {
            return Err(invalid("rewards.collision", self.rewards.collision, finite));
        }
        if let ObservationMode::WordAndLoad { scale } = self.observation
            && !scale.is_finite()
        {
            return Err(invalid("observation.word_and_load.scale", scale, finite));
        }
        Ok(())
    }

    /// Checks the word list against the schedule (run by the environment constructors).
    pub(crate) fn validate_words(&self, words: &[String]) -> Result<()> {
        self.validate()?;
        let needed = self.words_per_episode;
        match self.schedule {
            WordSchedule::Fixed if words.len() != needed => {
                return Err(Error::FixedListLength {
                    expected: needed,
                    actual: words.len(),
                });
            }
            WordSchedule::Batches if words.is_empty() || !words.len().is_multiple_of(needed) => {
                return Err(Error::BatchesListLength {
                    batch: needed,
                    actual: words.len(),
                });
            }
            WordSchedule::Sample | WordSchedule::Pool if words.len() < needed => {
                return Err(Error::NotEnoughWords {
                    schedule: self.schedule.name(),
                    needed,
                    available: words.len(),
                });
            }
            _ => {}
        }
        check_distinct(words)
    }
}

fn invalid(key: &'static str, value: impl std::fmt::Display, reason: &'static str) -> Error {
    Error::InvalidConfig {
        key,
        value: value.to_string(),
        reason,
    }
}

/// Fails on the first word that occurs twice. Uses a fixed-key hasher: no OS randomness.
fn check_distinct(words: &[String]) -> Result<()> {
    use std::collections::HashMap;
    use std::collections::hash_map::{DefaultHasher, Entry};
    use std::hash::BuildHasherDefault;

    let mut first_seen: HashMap<&str, usize, BuildHasherDefault<DefaultHasher>> =
        HashMap::with_capacity_and_hasher(words.len(), BuildHasherDefault::default());
    for (position, word) in words.iter().enumerate() {
        match first_seen.entry(word) {
            Entry::Occupied(first) => {
                return Err(Error::DuplicateWord {
                    word: word.clone(),
                    first: *first.get(),
                    second: position,
                });
            }
            Entry::Vacant(slot) => {
                slot.insert(position);
            }
        }
    }
    Ok(())
}
