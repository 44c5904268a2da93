//! nh-hash: a trained NeuralHash opened from its folder and queried in pure Rust, with no
//! libtorch anywhere in its dependency tree. Its arithmetic is the definition of the hash:
//! training's final perfect-hash check, `nh hash`, `nh eval` and `nh bench` all go through it.
//!
//! ```
//! use std::path::Path;
//! use nh_encode::Alphabet;
//! use nh_env::ObservationMode;
//! use nh_hash::{
//!     ACTIVATION, Architecture, EncoderSpec, FIRST_LAYER, MODEL_FORMAT, MODEL_FORMAT_VERSION,
//!     Model, ModelMetadata, ModelProvenance, TrainingRecord, WeightsRecord, write_model,
//! };
//!
//! // A tiny hand-made network: 2 letters x 2 positions (+ "other" slots and padding), one
//! // hidden unit, a full head of 2 bins. Real models come from `nh train`.
//! let encoder = EncoderSpec { alphabet: Alphabet::from_chars(['a', 'b'])?, max_len: 2 };
//! let architecture = Architecture {
//!     observation: ObservationMode::WordOnly, hidden: vec![1], bins: 2, factors: None,
//!     key: None, vocab_size: 7, pad_id: 6,
//!     first_layer: FIRST_LAYER.into(), activation: ACTIVATION.into(),
//! };
//! // Letter "a" in the first position switches the hidden unit on; the unit votes for bin 1.
//! let table = vec![1.0, 0.0, 0.0, 0.0, 0.0, 0.0, 0.0];
//! let parameters = vec![
//!     ("input.table".to_owned(), vec![7, 1], table),
//!     ("input.bias".to_owned(), vec![1], vec![0.0]),
//!     ("layer1.weight".to_owned(), vec![2, 1], vec![-1.0, 1.0]),
//!     ("layer1.bias".to_owned(), vec![2], vec![0.0, 0.0]),
//! ];
//! let metadata = ModelMetadata {
//!     format: MODEL_FORMAT.into(), format_version: MODEL_FORMAT_VERSION,
//!     architecture, encoder,
//!     training: TrainingRecord {
//!         algorithm: "by hand".into(), seed: 0, device: "cpu".into(), env: None,
//!         config: serde_json::Value::Null, iterations_run: 0,
//!     },
//!     provenance: ModelProvenance { corpus_sha256: "0".repeat(64), git_commit: "doc".into() },
//!     libtorch: None, weights: WeightsRecord::pending(),
//! };
//! let dir = tempfile::tempdir()?;
//! write_model(&dir.path().join("model"), metadata, &parameters)?;
//!
//! let model = Model::open(&dir.path().join("model"))?; // checks every checksum and shape
//! assert_eq!((model.hash("ab"), model.hash("ba")), (1, 0));
//! assert_eq!(model.hash_words(&["ab", "ba"]), vec![1, 0]);
//! assert!(model.check_perfect(&["ab", "ba"]).is_perfect());
//! # Ok::<(), Box<dyn std::error::Error>>(())
//! ```
//!
//! Design choices:
//! - **One format, read here.** A model folder is `metadata.json` plus `model.safetensors`. One
//!   network ([`MODEL_FORMAT`]: [`ModelMetadata`]) or a sharded model ([`SHARDED_FORMAT`]:
//!   [`ShardedMetadata`], a [`Router`] and a network per shard); [`Model::open`] reads both and
//!   refuses a file whose size, SHA-256, tensor names, shapes, values or function digest (the
//!   architecture, encoder and router the weights were saved with) do not match. nh-agents writes
//!   models through [`write_model`] and [`write_sharded`], so there is one definition of the
//!   format.
//! - **The arithmetic is the hash.** [`Network`] computes in float32 in one documented order
//!   (see its module): every CPU and vector width gives the same bins. libtorch, which trains the
//!   networks, sums in other orders, so a word whose two best bins are within rounding may land
//!   elsewhere there; that is why a model is called perfect only when [`Model::check_perfect`]
//!   says so.
//! - **Fast on a CPU.** Weights are stored inputs x outputs so that the inner loops run across
//!   outputs and vectorize without reordering any sum; inactive ReLU units are skipped; batches
//!   run on rayon, and a sharded model hashes the words of one shard together.
//! - **Not a hash: refused.** A model that observes the table's occupancy (the paper's Fig. 5)
//!   places a word depending on the words before it; it does not open here.

mod error;
mod files;
mod key;
mod metadata;
mod model;
mod network;
mod sharded;
mod single;

pub use error::{Error, Result};
pub use files::{NamedTensor, f32_safetensors, f32_values, sha256_hex, write_synced};
pub use key::{HeadKey, KeyHash};
pub use metadata::{
    ACTIVATION, Architecture, EncoderSpec, FIRST_LAYER, METADATA_FILE, MODEL_FORMAT,
    MODEL_FORMAT_VERSION, ModelMetadata, ModelProvenance, TRAIN_WORDS_FILE, TrainingRecord,
    WEIGHTS_FILE, WeightsRecord, parameter_shapes,
};
pub use model::{Metadata, Model, Perfection};
pub use network::{Network, Scratch};
pub use sharded::{
    Router, RouterRecord, SHARDED_FORMAT, SHARDED_FORMAT_VERSION, ShardRecord, ShardedMetadata,
    ShardedModel, ShardedTraining, write_sharded,
};
pub use single::{Parameters, read_model, write_model};
