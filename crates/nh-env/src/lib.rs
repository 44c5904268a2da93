//! A hash-table environment for reinforcement learning, after "Neural Hash Functions": an agent
//! places words into the bins of a hash table, one word per step, and is rewarded for avoiding
//! collisions. A policy that sees only the word *is* a hash function; this crate lets any RL code
//! train one, with Gymnasium's conventions, no machine-learning dependency and no allocation per
//! step.
//!
//! # The model
//!
//! A table has `M` bins ([`EnvConfig::bins`]). An episode places `N` distinct words
//! ([`EnvConfig::words_per_episode`]). At step `t` the agent observes an encoding of the `t`-th
//! word and answers with a bin `a` in `0..M`. The episode terminates when the `N`-th word is placed.
//!
//! **Reward.** `+10` when bin `a` was empty, `-10` when it already held a word
//! ([`RewardConfig`], both configurable).
//!
//! **Metrics** ([`EpisodeStats`], in `Info::episode` on the last step and from
//! [`HashTableEnv::episode_stats`]): `total_reward`; `collisions`, the words placed into an occupied
//! bin, which equals `N - occupied_bins` (Python's string hash scores about 369 at `N = M = 1000`,
//! a uniformly random one 367.70 on average); `occupied_bins`; `max_load`, the words in the fullest
//! bin; `max_collisions_in_bin = max_load - 1`. So `total_reward = empty * occupied_bins +
//! collision * collisions`.
//!
//! **Observation modes** ([`ObservationMode`]). `WordOnly`: the observation is the word's
//! encoding alone, so a policy is a function of the word, as a hash function must be (the
//! paper's main setting). `WordAndOccupancy`: the encoding followed by one value per bin, `1.0` for
//! an occupied bin and `0.0` for an empty one (the paper's Fig. 5 sanity check: a policy that sees
//! the table can avoid collisions, but is no longer a function). `WordAndLoad { scale }`: the
//! same with each bin's word count times `scale`.
//!
//! **Word schedules** ([`WordSchedule`]) say which words an episode places, from the list given
//! at construction. `Sample`: `N` distinct words drawn afresh each episode from the episode seed
//! (the list is a corpus). `Fixed`: the whole list, exactly `N` words, in list order every episode
//! (the memorization experiments, Fig. 6). `Pool`: `N` words drawn per episode from a small pool,
//! the same draw as `Sample` (Fig. 7: a pool of 3,000 words, 1,000 per episode). `Batches`: the
//! list cut into batches of `N` consecutive words, episodes cycling through them in order (the
//! other reading of Fig. 7: three fixed batches of 1,000). Words must be distinct: collisions
//! between equal keys would mean nothing.
//!
//! # Example: one episode of a random policy
//!
//! ```
//! use nh_env::{EnvConfig, FnEncoder, HashTableEnv};
//! use rand::{Rng, SeedableRng};
//!
//! // Any list of distinct words; nh-corpus provides the paper's 466,550-word dictionary.
//! let words: Vec<String> = (0..5000).map(|i| format!("w{i}")).collect();
//! // Observe each word by its length (a real agent uses a one-hot encoding, see nh-encode).
//! let encoder = FnEncoder::new(1, |word: &str, out: &mut [f32]| out[0] = word.len() as f32);
//! let mut env = HashTableEnv::new(EnvConfig::new(100, 100), words, encoder)?;
//!
//! let mut obs = vec![0.0; env.observation_space().dim()];
//! let mut policy = rand_chacha::ChaCha8Rng::seed_from_u64(7);
//! env.reset(Some(42), &mut obs);
//! loop {
//!     let action = policy.random_range(0..env.action_space().n);
//!     let step = env.step(action, &mut obs);
//!     if step.terminated {
//!         let stats = step.info.episode.expect("the last step reports the episode");
//!         assert_eq!(stats.collisions, 100 - stats.occupied_bins);
//!         assert_eq!(stats.total_reward, 10.0 * (stats.occupied_bins as f64 - stats.collisions as f64));
//!         assert!(stats.collisions > 20 && stats.collisions < 50, "about 36.6 expected");
//!         break;
//!     }
//! }
//! # Ok::<(), nh_env::Error>(())
//! ```
//!
//! # API at a glance
//!
//! - [`HashTableEnv::reset`]`(seed, obs) -> Info` and [`HashTableEnv::step`]`(action, obs) ->
//!   Step { reward, terminated, truncated, info }` write observations into caller buffers of
//!   [`HashTableEnv::observation_space`]`().dim()` values; [`HashTableEnv::action_space`] is
//!   `Discrete { n: M }`. [`Info`] tells the bin, whether it collided, the word index, the table's
//!   occupancy so far and, at the end, the [`EpisodeStats`].
//! - Whole-episode fast path for `WordOnly`: a hash policy does not look at the table, so after a
//!   reset it can compute all `N` actions at once (from [`HashTableEnv::episode_words`] or
//!   [`HashTableEnv::encode_episode`]) and [`HashTableEnv::play_episode`] scores them in one pass.
//!   [`score_actions`] does the same bookkeeping without an environment.
//! - [`VecEnv`] steps `B` environments in lockstep for batched policies (environment `i` seeded
//!   `seed + i`).
//! - [`EnvConfig`] is a serde struct (`deny_unknown_fields`), so experiments describe
//!   environments in TOML or JSON files.
//! - [`testing::check_env`] checks the whole contract on your environment and encoder.
//!
//! # Plugging in your own encoder
//!
//! The environment receives words as strings and turns them into observations through the
//! [`ObservationEncoder`] trait: a `dim` and an `encode(word, out)` that writes `dim` values. The
//! environment zero-fills `out` before each call, so a sparse encoder need only write its
//! non-zero values. Implement the trait on your type (nh-encode's `OneHotEncoder` does), or wrap a
//! closure in [`FnEncoder`]; references and boxes of encoders are encoders too. Then run
//! [`testing::check_env`] on an environment built with it.
//!
//! ```
//! use nh_env::{EnvConfig, HashTableEnv, ObservationEncoder, WordSchedule};
//!
//! /// One-hot of the first letter, `a` to `z`, other characters on a 27th slot.
//! struct FirstLetter;
//!
//! impl ObservationEncoder for FirstLetter {
//!     fn dim(&self) -> usize {
//!         27
//!     }
//!     fn encode(&self, word: &str, out: &mut [f32]) {
//!         let slot = match word.bytes().next() {
//!             Some(byte @ b'a'..=b'z') => usize::from(byte - b'a'),
//!             _ => 26,
//!         };
//!         out[slot] = 1.0;
//!     }
//! }
//!
//! let words = ["apple", "banana", "cherry", "7up"].map(String::from).to_vec();
//! let config = EnvConfig::new(4, 4).with_schedule(WordSchedule::Fixed);
//! let mut env = HashTableEnv::new(config, words, FirstLetter)?;
//! nh_env::testing::check_env(&mut env, 0);
//! # Ok::<(), nh_env::Error>(())
//! ```
//!
//! # Design choices
//!
//! - Misuse of the hot path (`step` before `reset` or after termination, `action >= M`, a buffer
//!   of the wrong length) panics with a message; `try_reset`, `try_step` and
//!   [`VecEnv::try_step_all`] return the same cases as [`Error`]s instead, leaving the environment
//!   unchanged. Bad configurations and word lists are construction errors.
//! - Determinism: all randomness comes from a ChaCha8 generator seeded by `reset(Some(seed))`
//!   (seed 0 until then); `reset(None)` continues it. Sampling without replacement is exact and
//!   allocation-free after the first episode, with memory proportional to `N`, not to the corpus.
//!   [`HashTableEnv::rng_state`] saves the generator's position ([`RngState`], serde) and
//!   [`HashTableEnv::set_rng_state`] restores it (with the `Batches` cycle's position), so a
//!   training checkpoint continues the same episodes.
//! - Words are shared (`Arc<[String]>`) between the environments of a [`VecEnv`].
//! - Other projects use this crate, so what may grow is `#[non_exhaustive]`: [`Step`], [`Info`],
//!   [`Placement`], [`EpisodeStats`], [`EnvConfig`], [`RewardConfig`] and [`Error`]. Build them
//!   with their constructors ([`EnvConfig::new`] and its `with_*` methods, [`RewardConfig::new`],
//!   [`Placement::new`], [`EpisodeStats::new`]); a new field then breaks no caller.
//! - Speed: a step is a few array updates plus the encoder. With a trivial encoder at
//!   `N = M = 1000`, the benchmark (`cargo bench -p nh-env`) measures about 90 million steps per
//!   second through `step` (25 million in `WordAndOccupancy`, which copies the `M` table values
//!   into every observation) and over 600 million through `play_episode`, on one core: the
//!   environment is never the bottleneck of training.

mod config;
mod encoder;
mod env;
mod error;
mod rng_state;
mod sampler;
mod spaces;
mod table;
pub mod testing;
mod vec_env;

pub use config::{EnvConfig, ObservationMode, RewardConfig, WordSchedule};
pub use encoder::{FnEncoder, ObservationEncoder};
pub use env::{HashTableEnv, Info, Placement, Step};
pub use error::{Error, Result};
pub use rng_state::RngState;
pub use spaces::{Discrete, ObservationSpace};
pub use table::{EpisodeStats, score_actions};
pub use vec_env::VecEnv;
