//! Seed-local random streams: every random choice of a trainer comes from its own seed.
//!
//! libtorch's global generator is shared by all threads of a process, so nothing here touches
//! it: weights are initialized and actions sampled from ChaCha8 streams derived from the seed.

use rand::SeedableRng;
use rand_chacha::ChaCha8Rng;

/// The independent purposes a trainer draws random numbers for.
#[derive(Debug, Clone, Copy)]
pub(crate) enum Stream {
    /// Weight initialization of the policy (or actor).
    PolicyInit = 1,
    /// Weight initialization of critics and Q networks.
    CriticInit = 2,
    /// Environment seeds (word samples, orders).
    Env = 3,
    /// Action sampling.
    Actions = 4,
    /// Mini-batch shuffles and replay sampling.
    Batches = 5,
    /// The seed of a keyed output head's string hash.
    HeadKey = 6,
}

/// The ChaCha8 stream for `purpose` under `seed`.
pub(crate) fn rng(seed: u64, purpose: Stream) -> ChaCha8Rng {
    let mut rng = ChaCha8Rng::seed_from_u64(seed);
    rng.set_stream(purpose as u64);
    rng
}
