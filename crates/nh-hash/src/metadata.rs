//! `metadata.json` of a one-network model: architecture, encoder, training, provenance and the
//! weights' checksum, with the canonical parameter names and shapes of every network file.

use std::path::Path;

use nh_encode::Alphabet;
use nh_env::{EnvConfig, ObservationMode};
use serde::{Deserialize, Serialize};

use crate::key::HeadKey;
use crate::{Error, Result};

/// `format` field of a one-network model's metadata file.
pub const MODEL_FORMAT: &str = "neural-hash-model";
/// Current `format_version` of [`MODEL_FORMAT`]; loading rejects others.
pub const MODEL_FORMAT_VERSION: u32 = 1;
/// Name of the weights file in a model directory.
pub const WEIGHTS_FILE: &str = "model.safetensors";
/// Name of the metadata file in a model directory.
pub const METADATA_FILE: &str = "metadata.json";
/// Name of the file of training words (one per line) that a fixed-set model's folder holds beside
/// its model: the keys of the hash. Not part of the model's checksums.
pub const TRAIN_WORDS_FILE: &str = "train_words.txt";
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
    /// Width of the dense occupancy input: the bins for table-observing models, else 0.
    pub fn occupancy_width(&self) -> usize {
        if self.observation.shows_table() {
            self.bins
        } else {
            0
        }
    }

    /// Width of the output layer: M1 + M2 for a factorized head, M for a full one.
    pub fn output_width(&self) -> usize {
        match self.factors {
            Some((rows, cols)) => rows + cols,
            None => self.bins,
        }
    }

    /// Every parameter's name and shape, in the canonical (file) order.
    pub fn parameter_shapes(&self) -> Vec<(String, Vec<usize>)> {
        parameter_shapes(
            self.vocab_size,
            self.occupancy_width(),
            &self.hidden,
            self.output_width(),
        )
    }

    /// Checks the fixed layer names, positive widths, a head whose factors multiply to the bins
    /// and a padding id that is a table row; `path` names the file in the error.
    pub fn validate(&self, path: &Path) -> Result<()> {
        let fail = |reason: String| Err(Error::invalid(path, reason));
        if self.first_layer != FIRST_LAYER || self.activation != ACTIVATION {
            return fail(format!(
                "architecture.first_layer = {:?} / activation = {:?}, expected {FIRST_LAYER:?} / {ACTIVATION:?}",
                self.first_layer, self.activation
            ));
        }
        if let Some(pos) = self.hidden.iter().position(|&h| h == 0) {
            return fail(format!(
                "architecture.hidden = {:?}: layer {pos} has width 0",
                self.hidden
            ));
        }
        if self.bins == 0 {
            return fail("architecture.bins = 0: must be at least 1".to_owned());
        }
        if let Some((rows, cols)) = self.factors
            && rows.checked_mul(cols) != Some(self.bins)
        {
            return fail(format!(
                "architecture.factors = {rows} x {cols} must equal the {} bins",
                self.bins
            ));
        }
        if self.pad_id >= self.vocab_size || self.vocab_size < 2 {
            return fail(format!(
                "architecture.pad_id = {} must be a row of a table with at least 2 rows (vocab_size {})",
                self.pad_id, self.vocab_size
            ));
        }
        Ok(())
    }
}

/// The canonical parameter names and shapes of a network with a `vocab x widths[0]` input table,
/// an optional `occupancy x widths[0]` dense input, hidden layers `hidden` and an output layer
/// of `outputs`: `input.table`, `input.occupancy` (only when `occupancy > 0`), `input.bias`, then
/// `layerK.weight` (out x in) and `layerK.bias` for K = 1, 2, ..., the output layer last.
pub fn parameter_shapes(
    vocab: usize,
    occupancy: usize,
    hidden: &[usize],
    outputs: usize,
) -> Vec<(String, Vec<usize>)> {
    let widths: Vec<usize> = hidden.iter().copied().chain([outputs]).collect();
    let mut shapes = vec![("input.table".to_owned(), vec![vocab, widths[0]])];
    if occupancy > 0 {
        shapes.push(("input.occupancy".to_owned(), vec![occupancy, widths[0]]));
    }
    shapes.push(("input.bias".to_owned(), vec![widths[0]]));
    for (i, pair) in widths.windows(2).enumerate() {
        shapes.push((format!("layer{}.weight", i + 1), vec![pair[1], pair[0]]));
        shapes.push((format!("layer{}.bias", i + 1), vec![pair[1]]));
    }
    shapes
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
    /// Checks the digest's form and the commit's; `path` names the file in the error.
    pub fn validate(&self, path: &Path) -> Result<()> {
        let hex = |s: &str| {
            s.len() == 64
                && s.bytes()
                    .all(|b| b.is_ascii_digit() || (b'a'..=b'f').contains(&b))
        };
        if !hex(&self.corpus_sha256) {
            return Err(Error::invalid(
                path,
                format!(
                    "provenance.corpus_sha256 = {:?} is not 64 lowercase hex digits",
                    self.corpus_sha256
                ),
            ));
        }
        if self.git_commit.is_empty() || self.git_commit.chars().any(char::is_whitespace) {
            return Err(Error::invalid(
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

impl WeightsRecord {
    /// A record to be filled in when the weights are written.
    pub fn pending() -> WeightsRecord {
        WeightsRecord {
            file: WEIGHTS_FILE.to_owned(),
            bytes: 0,
            sha256: String::new(),
        }
    }
}

/// The content of a one-network model's `metadata.json`.
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
    /// The libtorch build, thread count and CPU kernels of the process that saved the model, as
    /// the trainer recorded them (absent in models saved before it was recorded). Informational:
    /// the hash does not depend on it.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub libtorch: Option<serde_json::Value>,
    /// The weights file.
    pub weights: WeightsRecord,
}
