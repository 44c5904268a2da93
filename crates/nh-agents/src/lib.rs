//! nh-agents: the learners of "Neural Hash Functions" on libtorch (CPU or CUDA through tch),
//! and [`NeuralHash`], the trained network used as a hash function.
//!
//! Every learner of the paper's Methods section has one readable file, CleanRL style:
//! [`train_pg`] (REINFORCE with the paper's estimator and documented options), [`train_actor_critic`],
//! [`train_sac`] (discrete Soft Actor-Critic), [`train_supervised`] (imitating Python's hash,
//! Fig. 1), plus [`train_cem`], a cross-entropy method for fixed word sets that is *our addition
//! beyond the paper* and the fast route to a perfect hash.
//!
//! ```
//! use nh_agents::{CemConfig, DeviceChoice, ModelConfig, TrainSetup, train_cem};
//! use nh_encode::{Alphabet, IndexEncoder};
//! use nh_env::{EnvConfig, WordSchedule};
//!
//! let words: Vec<String> = ["ant", "bee", "cat", "dog", "eel", "fox", "gnu", "hen"]
//!     .map(String::from)
//!     .to_vec();
//! let encoder = IndexEncoder::new(Alphabet::lowercase(), 8)?;
//! let env = EnvConfig::new(8, 8).with_schedule(WordSchedule::Fixed);
//! let device = DeviceChoice::Cpu.resolve()?;
//! let setup = TrainSetup {
//!     env: &env, words: &words, encoder: &encoder, seed: 1, device, time_limit: None, checkpoint: None,
//! };
//! let config = CemConfig { model: ModelConfig::mlp(vec![32]), ..CemConfig::default() };
//! let outcome = train_cem(&setup, &config, &mut |m| println!("{} collisions", m.collisions))?;
//!
//! // A perfect hash of the eight words: eight distinct bins.
//! let mut bins = outcome.model.hash_words(&words);
//! bins.sort_unstable();
//! bins.dedup();
//! assert_eq!(bins.len(), 8);
//! # Ok::<(), nh_agents::Error>(())
//! ```
//!
//! Design choices:
//! - **Network.** An MLP (the paper: two hidden layers of 300, ReLU, softmax over the M bins)
//!   whose first layer is an embedding-bag (sum) over nh-encode's [`nh_encode::IndexEncoder`]
//!   ids: the same function as the paper's dense product with a one-hot grid, with L instead of
//!   dim x H multiply-adds per word. With occupancy observations the table part of the input is
//!   a dense product added to the bag. Initialization is PyTorch's `nn.Linear` default
//!   (uniform +-1/sqrt(fan_in)).
//! - **Batching.** Word-only observations play whole episodes with one forward pass; occupancy
//!   observations step B environments in lockstep. Inference is argmax without autograd, in
//!   large batches. [`NeuralHash::to_exact`] copies a word-only model into an
//!   `nh_hash::Model`, whose arithmetic defines the hash: every perfect-hash verdict comes from it.
//! - **Determinism.** Weights are initialized and actions sampled from seed-local ChaCha8
//!   streams (libtorch's global generator is never used), so the same config and seed give the
//!   same metrics on the CPU, also when several seeds train at once on different threads (set
//!   [`set_libtorch_threads`] to avoid oversubscription). Results are bit-identical for a fixed
//!   libtorch build, thread count and [`CpuKernels`] (processor type and kernel variables); on
//!   another processor type libtorch's kernels round differently and trajectories diverge, so
//!   runs and models record [`CpuKernels`]. `nh` flushes denormal floats to zero
//!   ([`flush_denormals`], recorded there too): MKL's products slow down a hundredfold on them.
//! - **Keyed head** (`[model] keyed = true`, our addition). A seeded xxh3 of the word shifts the
//!   network's choice cyclically, bin = (label + h(w)) mod M (each head's label for a factorized
//!   head). Learners see the same softmax relabelled per word, so they train it unchanged; on
//!   words it never trained on, the bin is uniform whatever the network outputs. The key
//!   ([`HeadKey`]) is drawn from the training seed and stored in the model.
//! - **Models on disk.** A directory with `metadata.json` (architecture, alphabet, max_len,
//!   training config, corpus SHA-256, git commit, libtorch and CPU facts, weights SHA-256) and `model.safetensors`,
//!   written atomically, never over an existing model; loading checks everything and names the
//!   file and field at fault. The format is nh-hash's (`nh_hash::write_model`, `read_model`),
//!   whose pure-Rust arithmetic ([`NeuralHash::to_exact`]) defines the hash.
//! - **Training checkpoints.** Given [`Checkpointing`] ([`TrainSetup::checkpoint`],
//!   [`SupervisedSetup::checkpoint`]), every learner writes its whole state (networks, Adam
//!   moments and step counts, random generators' and environments' positions, metrics, and its
//!   own extras such as SAC's replay buffer) periodically, at the end and when asked to stop
//!   ([`Error::Stopped`]), and a resumed training continues bit for bit. For that every learner
//!   uses our Adam, whose moments can be saved, instead of libtorch's; the two agree up to float
//!   rounding.
//! - **Errors.** One [`Error`] enum. Tensor shape mistakes inside the learners are bugs and
//!   panic; bad configurations, word lists, devices and model files are errors.

mod actor_critic;
mod adam;
mod best_so_far;
mod bin_log_probs;
mod cem;
mod cem_tables;
mod config;
mod cpu;
mod device;
mod error;
mod inputs;
mod key;
mod learner;
mod metrics;
mod model_config;
mod model_file;
mod net;
mod neural_hash;
mod pg;
mod resume;
mod rollout;
mod sac;
mod sampling;
mod seeds;
mod session;
mod supervised;
mod train;

pub use actor_critic::train_actor_critic;
pub use cem::train_cem;
pub use config::{
    AcConfig, CemConfig, PgConfig, PgEstimator, Precision, SacConfig, SupervisedConfig,
};
pub use cpu::{CpuKernels, KERNEL_VARIABLES, denormals_flushed, flush_denormals};
pub use device::{
    DeviceChoice, LIBTORCH_VERSION, LibtorchInfo, device_name, libtorch_info, set_libtorch_threads,
};
pub use error::{Error, Result};
pub use key::{HeadKey, KeyHash};
pub use learner::Learner;
pub use metrics::{EpochMetrics, IterationMetrics};
pub use model_config::{ModelConfig, OutputHead};
pub use model_file::{
    ACTIVATION, Architecture, EncoderSpec, FIRST_LAYER, METADATA_FILE, MODEL_FORMAT,
    MODEL_FORMAT_VERSION, ModelMetadata, ModelProvenance, TrainingRecord, WEIGHTS_FILE,
    WeightsRecord,
};
pub use neural_hash::{DEFAULT_HASH_BATCH, NeuralHash};
pub use pg::train_pg;
pub use resume::{CHECKPOINT_DIR, CheckpointEvery, Checkpointing, RunIdentity};
pub use sac::train_sac;
pub use supervised::{SupervisedOutcome, SupervisedSetup, train_supervised};
/// The libtorch device type, re-exported so that callers need no direct tch dependency.
pub use tch::Device;
pub use train::{CheckpointWrite, TrainOutcome, TrainSetup};
