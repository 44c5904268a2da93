//! The on-disk model: `metadata.json` (architecture, encoder, training, provenance, weights
//! checksum) and `model.safetensors` (f32 weights), written atomically and checked on load.

use std::collections::{BTreeMap, BTreeSet};
use std::fs;
use std::io::Write;
use std::path::{Path, PathBuf};
use std::sync::atomic::{AtomicU64, Ordering};

use nh_encode::Alphabet;
use nh_env::{EnvConfig, ObservationMode};
use safetensors::tensor::TensorView;
use safetensors::{Dtype, SafeTensors};
use serde::{Deserialize, Serialize};
use sha2::{Digest, Sha256};

use crate::device::device_name;
use crate::key::HeadKey;
use crate::net::NetSpec;
use crate::{Error, Result};

/// `format` field of every metadata file.
pub const MODEL_FORMAT: &str = "neural-hash-model";
/// Current `format_version`; loading rejects others.
pub const MODEL_FORMAT_VERSION: u32 = 1;
/// Name of the weights file in a model directory.
pub const WEIGHTS_FILE: &str = "model.safetensors";
/// Name of the metadata file in a model directory.
pub const METADATA_FILE: &str = "metadata.json";
/// The first layer: an embedding-bag (sum) over character-position ids.
pub const FIRST_LAYER: &str = "embedding_bag_sum";
/// The hidden activation.
pub const ACTIVATION: &str = "relu";

/// The network's shape, as recorded in the metadata.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Architecture {
    /// What the network observes besides the word.
    pub observation: ObservationMode,
    /// Hidden layer widths.
    pub hidden: Vec<usize>,
    /// Output bins M.
    pub bins: usize,
    /// (M1, M2) of a factorized output head; absent for the paper's full head.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub factors: Option<(usize, usize)>,
    /// The key of a keyed output head (see [`HeadKey`]); absent for a plain head.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub key: Option<HeadKey>,
    /// Rows of the first-layer table (the encoder's vocabulary, padding included).
    pub vocab_size: usize,
    /// The padding id, whose table row is zero.
    pub pad_id: usize,
    /// Always [`FIRST_LAYER`].
    pub first_layer: String,
    /// Always [`ACTIVATION`].
    pub activation: String,
}

impl Architecture {
    /// The network shapes this architecture describes.
    pub(crate) fn net_spec(&self) -> NetSpec {
        NetSpec {
            vocab: self.vocab_size,
            pad_id: self.pad_id,
            occupancy: if self.observation.shows_table() {
                self.bins
            } else {
                0
            },
            hidden: self.hidden.clone(),
            outputs: self.bins,
            factors: self.factors,
            key: self.key,
        }
    }
}

/// How words become network inputs.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct EncoderSpec {
    /// The characters with their own slot (plus one "other" slot).
    pub alphabet: Alphabet,
    /// Characters encoded per word.
    pub max_len: usize,
}

/// How the model was trained.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct TrainingRecord {
    /// `pg`, `ac`, `sac`, `cem` or `supervised`.
    pub algorithm: String,
    /// The training seed.
    pub seed: u64,
    /// The device it trained on (`cpu`, `cuda:0`).
    pub device: String,
    /// The environment (absent for supervised training).
    pub env: Option<EnvConfig>,
    /// The algorithm's configuration.
    pub config: serde_json::Value,
    /// Iterations (or epochs) actually run.
    pub iterations_run: usize,
}

impl TrainingRecord {
    /// The record of a run of `algorithm` with `config` (any serializable configuration).
    pub(crate) fn new(
        algorithm: &str,
        seed: u64,
        device: tch::Device,
        env: Option<EnvConfig>,
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
}

/// Where the training data and code came from; given by the caller at save time.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct ModelProvenance {
    /// SHA-256 of the corpus file (64 lowercase hex digits).
    pub corpus_sha256: String,
    /// The git commit of the code (any non-empty text without whitespace, e.g. `abc123-dirty`).
    pub git_commit: String,
}

impl ModelProvenance {
    fn validate(&self, path: &Path) -> Result<()> {
        let hex = |s: &str| {
            s.len() == 64
                && s.bytes()
                    .all(|b| b.is_ascii_digit() || (b'a'..=b'f').contains(&b))
        };
        if !hex(&self.corpus_sha256) {
            return Err(Error::invalid_model(
                path,
                format!(
                    "provenance.corpus_sha256 = {:?} is not 64 lowercase hex digits",
                    self.corpus_sha256
                ),
            ));
        }
        if self.git_commit.is_empty() || self.git_commit.chars().any(char::is_whitespace) {
            return Err(Error::invalid_model(
                path,
                format!(
                    "provenance.git_commit = {:?} must be non-empty without whitespace",
                    self.git_commit
                ),
            ));
        }
        Ok(())
    }
}

/// The weights file's name, size and checksum.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct WeightsRecord {
    /// File name inside the model directory (always [`WEIGHTS_FILE`]).
    pub file: String,
    /// Size in bytes.
    pub bytes: u64,
    /// SHA-256 of the file, lowercase hex.
    pub sha256: String,
}

/// The content of `metadata.json`.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct ModelMetadata {
    /// Always [`MODEL_FORMAT`].
    pub format: String,
    /// Always [`MODEL_FORMAT_VERSION`].
    pub format_version: u32,
    /// The network's shape.
    pub architecture: Architecture,
    /// The input encoding.
    pub encoder: EncoderSpec,
    /// How it was trained.
    pub training: TrainingRecord,
    /// Corpus and code provenance.
    pub provenance: ModelProvenance,
    /// The libtorch build, thread count and CPU kernels of the process that saved the model
    /// (absent in models saved before it was recorded).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub libtorch: Option<crate::LibtorchInfo>,
    /// The weights file.
    pub weights: WeightsRecord,
}

/// Parameter values by name: (shape, row-major f32 values).
pub(crate) type Parameters = BTreeMap<String, (Vec<usize>, Vec<f32>)>;

/// Writes `metadata` (its `weights` field filled here) and `parameters` into a new directory
/// `dir`, atomically: both files go to a temporary sibling directory that is renamed at the end.
///
/// # Errors
/// [`Error::ModelDirExists`] when `dir` exists and is not an empty directory; I/O errors.
pub(crate) fn write_model(
    dir: &Path,
    mut metadata: ModelMetadata,
    parameters: &[(String, Vec<usize>, Vec<f32>)],
) -> Result<()> {
    metadata.provenance.validate(dir)?;
    let target_is_empty_dir = match fs::read_dir(dir) {
        Ok(mut entries) => entries.next().is_none(),
        Err(err) if err.kind() == std::io::ErrorKind::NotFound => false,
        Err(_) => return Err(Error::ModelDirExists(dir.to_path_buf())),
    };
    if dir.exists() && !target_is_empty_dir {
        return Err(Error::ModelDirExists(dir.to_path_buf()));
    }
    let weights = serialize_weights(parameters, &function_digest(&metadata))
        .map_err(|e| Error::invalid_model(dir, format!("serializing weights: {e}")))?;
    metadata.weights = WeightsRecord {
        file: WEIGHTS_FILE.to_owned(),
        bytes: weights.len() as u64,
        sha256: sha256_hex(&weights),
    };
    let json = serde_json::to_vec_pretty(&metadata)
        .map_err(|e| Error::invalid_model(dir, format!("serializing metadata: {e}")))?;

    let temp = temporary_sibling(dir)?;
    let written = (|| {
        fs::create_dir(&temp).map_err(|e| Error::io(&temp, e))?;
        write_synced(&temp.join(WEIGHTS_FILE), &weights)?;
        write_synced(&temp.join(METADATA_FILE), &json)?;
        if target_is_empty_dir {
            fs::remove_dir(dir).map_err(|e| Error::io(dir, e))?;
        }
        fs::rename(&temp, dir).map_err(|e| Error::io(dir, e))
    })();
    if written.is_err() {
        let _ = fs::remove_dir_all(&temp);
    }
    written
}

/// Reads and checks a model directory: metadata, weights checksum and size, tensor names,
/// dtypes, shapes and finiteness.
pub(crate) fn read_model(dir: &Path) -> Result<(ModelMetadata, Parameters)> {
    let meta_path = dir.join(METADATA_FILE);
    let bytes = fs::read(&meta_path).map_err(|e| Error::io(&meta_path, e))?;
    let metadata: ModelMetadata = serde_json::from_slice(&bytes)
        .map_err(|e| Error::invalid_model(&meta_path, e.to_string()))?;
    if metadata.format != MODEL_FORMAT {
        return Err(Error::invalid_model(
            &meta_path,
            format!("format = {:?}, expected {MODEL_FORMAT:?}", metadata.format),
        ));
    }
    if metadata.format_version != MODEL_FORMAT_VERSION {
        return Err(Error::invalid_model(
            &meta_path,
            format!(
                "format_version = {}, this build reads version {MODEL_FORMAT_VERSION}",
                metadata.format_version
            ),
        ));
    }
    let arch = &metadata.architecture;
    if arch.first_layer != FIRST_LAYER || arch.activation != ACTIVATION {
        return Err(Error::invalid_model(
            &meta_path,
            format!(
                "architecture.first_layer = {:?} / activation = {:?}, expected {FIRST_LAYER:?} / {ACTIVATION:?}",
                arch.first_layer, arch.activation
            ),
        ));
    }
    arch.net_spec()
        .validate()
        .map_err(|e| Error::invalid_model(&meta_path, e.to_string()))?;
    metadata.provenance.validate(&meta_path)?;
    if metadata.weights.file != WEIGHTS_FILE {
        return Err(Error::invalid_model(
            &meta_path,
            format!(
                "weights.file = {:?}, expected {WEIGHTS_FILE:?}",
                metadata.weights.file
            ),
        ));
    }

    let weights_path = dir.join(WEIGHTS_FILE);
    let weights = fs::read(&weights_path).map_err(|e| Error::io(&weights_path, e))?;
    if weights.len() as u64 != metadata.weights.bytes {
        return Err(Error::invalid_model(
            &weights_path,
            format!(
                "{} bytes, but the metadata records {} (truncated or replaced file)",
                weights.len(),
                metadata.weights.bytes
            ),
        ));
    }
    let actual = sha256_hex(&weights);
    if actual != metadata.weights.sha256 {
        return Err(Error::invalid_model(
            &weights_path,
            format!(
                "SHA-256 {actual} differs from the metadata's {} (corrupted file)",
                metadata.weights.sha256
            ),
        ));
    }
    let parameters = parse_weights(&weights, &arch.net_spec())
        .map_err(|reason| Error::invalid_model(&weights_path, reason))?;
    check_function_digest(&weights, &metadata, &meta_path)?;
    Ok((metadata, parameters))
}

/// Checks that `metadata.json`'s architecture and encoder are the ones the weights were saved
/// with (models saved before the digest existed have none and load as before).
fn check_function_digest(weights: &[u8], metadata: &ModelMetadata, meta_path: &Path) -> Result<()> {
    let recorded = SafeTensors::read_metadata(weights)
        .ok()
        .and_then(|(_, header)| header.metadata().as_ref()?.get(FUNCTION_KEY).cloned());
    match recorded {
        Some(recorded) if recorded != function_digest(metadata) => Err(Error::invalid_model(
            meta_path,
            "its architecture (layers, head, key) or encoder (alphabet, max_len) is not the \
             one the weights were saved with: the file was edited after saving; restore it, or train again",
        )),
        _ => Ok(()),
    }
}

/// Checks a safetensors buffer against the expected parameter shapes and decodes it.
fn parse_weights(bytes: &[u8], spec: &NetSpec) -> std::result::Result<Parameters, String> {
    let file =
        SafeTensors::deserialize(bytes).map_err(|e| format!("not a safetensors file: {e}"))?;
    let expected = spec.parameter_shapes();
    let expected_names: BTreeSet<&str> = expected.iter().map(|(name, _)| name.as_str()).collect();
    if let Some(extra) = file
        .names()
        .into_iter()
        .find(|name| !expected_names.contains(name))
    {
        return Err(format!("unexpected tensor `{extra}` for this architecture"));
    }
    let mut parameters = Parameters::new();
    for (name, shape) in expected {
        let view = file
            .tensor(&name)
            .map_err(|_| format!("missing tensor `{name}`"))?;
        if view.dtype() != Dtype::F32 {
            return Err(format!(
                "tensor `{name}` has dtype {:?}, expected F32",
                view.dtype()
            ));
        }
        if view.shape() != shape.as_slice() {
            return Err(format!(
                "tensor `{name}` has shape {:?}, expected {shape:?}",
                view.shape()
            ));
        }
        let values = f32_values(&view);
        if let Some(i) = values.iter().position(|v| !v.is_finite()) {
            return Err(format!(
                "tensor `{name}` holds a non-finite value at flat index {i}"
            ));
        }
        parameters.insert(name, (shape, values));
    }
    Ok(parameters)
}

/// The header key of the weights file that holds [`function_digest`].
const FUNCTION_KEY: &str = "function_sha256";

/// SHA-256 of what, besides the weights, decides which bin a word gets: the architecture and the
/// encoder (alphabet and length). Stored in the weights file's header, which `metadata.json`
/// checksums, so that an edited alphabet or shape in `metadata.json` is caught on load.
fn function_digest(metadata: &ModelMetadata) -> String {
    let json = serde_json::to_vec(&(&metadata.architecture, &metadata.encoder))
        .expect("architecture and encoder serialize to JSON");
    sha256_hex(&json)
}

/// The safetensors encoding of the parameters (little-endian f32), with the function digest in its
/// header.
fn serialize_weights(
    parameters: &[(String, Vec<usize>, Vec<f32>)],
    function: &str,
) -> std::result::Result<Vec<u8>, safetensors::SafeTensorError> {
    // One entry only: safetensors writes the header map in hash-map order, and a model file must be
    // the same bytes every time (the format itself is named in metadata.json).
    let info = std::collections::HashMap::from([(FUNCTION_KEY.to_owned(), function.to_owned())]);
    f32_safetensors(parameters, Some(info))
}

/// Named f32 tensors as a safetensors file (little-endian), with an optional header map: the one
/// encoder of model weights and training checkpoints.
pub(crate) fn f32_safetensors(
    tensors: &[(String, Vec<usize>, Vec<f32>)],
    header: Option<std::collections::HashMap<String, String>>,
) -> std::result::Result<Vec<u8>, safetensors::SafeTensorError> {
    let bytes: Vec<Vec<u8>> = tensors
        .iter()
        .map(|(_, _, values)| values.iter().flat_map(|v| v.to_le_bytes()).collect())
        .collect();
    let views = tensors
        .iter()
        .zip(&bytes)
        .map(|((name, shape, _), data)| {
            Ok((
                name.as_str(),
                TensorView::new(Dtype::F32, shape.clone(), data)?,
            ))
        })
        .collect::<std::result::Result<Vec<_>, safetensors::SafeTensorError>>()?;
    safetensors::serialize(views, header)
}

/// The values of a little-endian f32 tensor: the one decoder of model weights and training
/// checkpoints (the caller checks the dtype).
pub(crate) fn f32_values(view: &safetensors::tensor::TensorView<'_>) -> Vec<f32> {
    view.data()
        .chunks_exact(4)
        .map(|b| f32::from_le_bytes([b[0], b[1], b[2], b[3]]))
        .collect()
}

/// Lowercase hex SHA-256 of `bytes`.
pub(crate) fn sha256_hex(bytes: &[u8]) -> String {
    Sha256::digest(bytes)
        .iter()
        .map(|b| format!("{b:02x}"))
        .collect()
}

/// A fresh, unused temporary directory path next to `dir`.
fn temporary_sibling(dir: &Path) -> Result<PathBuf> {
    static COUNTER: AtomicU64 = AtomicU64::new(0);
    let name = dir
        .file_name()
        .ok_or_else(|| Error::invalid_model(dir, "a model directory path must end in a name"))?;
    let parent = dir
        .parent()
        .filter(|p| !p.as_os_str().is_empty())
        .unwrap_or(Path::new("."));
    let unique = format!(
        ".{}.tmp-{}-{}",
        name.to_string_lossy(),
        std::process::id(),
        COUNTER.fetch_add(1, Ordering::Relaxed)
    );
    Ok(parent.join(unique))
}

/// Writes a file and flushes it to disk.
/// Writes `bytes` to the new file `path` and syncs it to disk.
pub(crate) fn write_synced(path: &Path, bytes: &[u8]) -> Result<()> {
    let mut file = fs::File::create(path).map_err(|e| Error::io(path, e))?;
    file.write_all(bytes)
        .and_then(|()| file.sync_all())
        .map_err(|e| Error::io(path, e))
}
