//! `RngState`: where a ChaCha8 generator (an environment's episode generator, or a learner's)
//! stands, to save and continue it later.

use rand::SeedableRng;
use rand_chacha::ChaCha8Rng;
use serde::{Deserialize, Serialize};

/// The position of an environment's ChaCha8 episode generator (its seed, stream and word
/// position) and, for the `batches` schedule, the batch its next episode places. Between
/// episodes it is all the state that decides the words of the following episodes
/// (`reset(None)`), so a training that saves it with
/// [`HashTableEnv::rng_state`](crate::HashTableEnv::rng_state) and gives it to a new
/// environment of the same config and words with
/// [`HashTableEnv::set_rng_state`](crate::HashTableEnv::set_rng_state) plays the same episodes
/// as one that never stopped. Serde, with private fields: what it holds is the generator's.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct RngState {
    seed: [u8; 32],
    stream: u64,
    word_pos: u128,
    /// The `batches` schedule's next batch (absent in states saved before that schedule: 0).
    #[serde(default)]
    next_batch: usize,
}

impl RngState {
    /// The position of `rng` (any ChaCha8 generator: learners save theirs the same way).
    pub fn of(rng: &ChaCha8Rng) -> RngState {
        RngState {
            seed: rng.get_seed(),
            stream: rng.get_stream(),
            word_pos: rng.get_word_pos(),
            next_batch: 0,
        }
    }

    /// This state with the batch cycle at `next_batch`.
    pub(crate) fn with_next_batch(mut self, next_batch: usize) -> RngState {
        self.next_batch = next_batch;
        self
    }

    /// The `batches` schedule's next batch.
    pub(crate) fn next_batch(&self) -> usize {
        self.next_batch
    }

    /// A generator at this position.
    pub fn restore(&self) -> ChaCha8Rng {
        let mut rng = ChaCha8Rng::from_seed(self.seed);
        rng.set_stream(self.stream);
        rng.set_word_pos(self.word_pos);
        rng
    }
}
