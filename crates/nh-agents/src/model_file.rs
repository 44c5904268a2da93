//! The saved-model format as nh-agents uses it: nh-hash defines the files (and is the one code
//! that reads them); this module fills in what only a libtorch trainer knows (the device, the
//! network's spec) and turns nh-hash's errors into this crate's.

use serde::Serialize;

pub use nh_hash::{
    ACTIVATION, Architecture, EncoderSpec, FIRST_LAYER, METADATA_FILE, MODEL_FORMAT,
    MODEL_FORMAT_VERSION, ModelMetadata, ModelProvenance, Parameters, TrainingRecord, WEIGHTS_FILE,
    WeightsRecord,
};
pub(crate) use nh_hash::{f32_safetensors, f32_values, sha256_hex, write_synced};

use crate::Error;
use crate::device::device_name;
use crate::net::NetSpec;

/// The record of a run of `algorithm` with `config` (any serializable configuration).
pub(crate) fn training_record(
    algorithm: &str,
    seed: u64,
    device: tch::Device,
    env: Option<nh_env::EnvConfig>,
    config: &impl Serialize,
    iterations_run: usize,
) -> TrainingRecord {
    TrainingRecord {
        algorithm: algorithm.to_owned(),
        seed,
        device: device_name(device),
        env,
        config: serde_json::to_value(config).expect("configs serialize to JSON"),
        iterations_run,
    }
}

/// The network shapes an architecture describes.
pub(crate) fn net_spec(architecture: &Architecture) -> NetSpec {
    NetSpec {
        vocab: architecture.vocab_size,
        pad_id: architecture.pad_id,
        occupancy: architecture.occupancy_width(),
        hidden: architecture.hidden.clone(),
        outputs: architecture.bins,
        factors: architecture.factors,
        key: architecture.key,
    }
}

impl From<nh_hash::Error> for Error {
    fn from(err: nh_hash::Error) -> Error {
        match err {
            nh_hash::Error::Io { path, source } => Error::Io { path, source },
            nh_hash::Error::InvalidModel { path, reason } => Error::InvalidModel { path, reason },
            nh_hash::Error::ModelDirExists(path) => Error::ModelDirExists(path),
            other => Error::InvalidModel {
                path: std::path::PathBuf::from("<model>"),
                reason: other.to_string(),
            },
        }
    }
}
