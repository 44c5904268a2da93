//! The sharded model: a router (a seeded xxh3 of the word and S - 1 split points) sends each word
//! to one of S small networks, and each network owns a contiguous range of the bins. Saved as one
//! folder: `metadata.json` ([`ShardedMetadata`]) and `model.safetensors` (`router.splits` as u64,
//! then every shard's parameters prefixed `shardK.`).

use std::collections::BTreeSet;
use std::fs;
use std::path::Path;

use safetensors::{Dtype, SafeTensors};
use serde::{Deserialize, Serialize};
use xxhash_rust::xxh3::xxh3_64_with_seed;

use crate::files::{
    NamedTensor, check_function_digest, expect_f32, read_checked_weights, sha256_hex, u64_values,
    write_model_dir,
};
use crate::key::KeyHash;
use crate::metadata::{
    Architecture, EncoderSpec, METADATA_FILE, ModelProvenance, WEIGHTS_FILE, WeightsRecord,
};
use crate::network::{Network, Scratch};
use crate::single::Parameters;
use crate::{Error, Result};

/// `format` field of a sharded model's metadata file.
pub const SHARDED_FORMAT: &str = "neural-hash-sharded-model";
/// Current `format_version` of [`SHARDED_FORMAT`].
pub const SHARDED_FORMAT_VERSION: u32 = 1;
/// The tensor holding the router's split points.
const SPLITS_TENSOR: &str = "router.splits";

/// The router: word -> shard. A word's shard is the number of split points at or below its
/// seeded 64-bit xxh3, so shard k holds the hashes in `[splits[k-1], splits[k])`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Router {
    seed: u64,
    splits: Vec<u64>,
}

impl Router {
    /// A router with the given seed and sorted split points (S - 1 of them for S shards).
    ///
    /// # Errors
    /// [`Error::InvalidModel`] (naming `path`) when the split points are not strictly increasing.
    pub fn new(path: &Path, seed: u64, splits: Vec<u64>) -> Result<Router> {
        if let Some(i) = splits.windows(2).position(|w| w[0] >= w[1]) {
            return Err(Error::invalid(
                path,
                format!("router split points {i} and {} are not increasing", i + 1),
            ));
        }
        Ok(Router { seed, splits })
    }

    /// Splits `words` into consecutive runs of `sizes` words in the order of their router hash
    /// under `seed`: the router that sends each run to its own shard, and each run's word indices.
    ///
    /// # Errors
    /// [`Error::InvalidModel`] when `sizes` do not add up to the word count, or when two words on
    /// either side of a split share their 64-bit hash (choose another seed).
    pub fn split<S: AsRef<str>>(
        seed: u64,
        words: &[S],
        sizes: &[usize],
    ) -> Result<(Router, Vec<Vec<usize>>)> {
        let here = Path::new("<router>");
        if sizes.iter().sum::<usize>() != words.len() || sizes.contains(&0) {
            return Err(Error::invalid(
                here,
                format!(
                    "shard sizes {sizes:?} must be positive and add up to the {} words",
                    words.len()
                ),
            ));
        }
        let mut order: Vec<(u64, usize)> = words
            .iter()
            .enumerate()
            .map(|(i, w)| (xxh3_64_with_seed(w.as_ref().as_bytes(), seed), i))
            .collect();
        order.sort_unstable();
        let mut splits = Vec::with_capacity(sizes.len().saturating_sub(1));
        let mut shards = Vec::with_capacity(sizes.len());
        let mut start = 0;
        for &size in sizes {
            if start > 0 {
                let (before, first) = (order[start - 1].0, order[start].0);
                if before == first {
                    return Err(Error::invalid(
                        here,
                        format!(
                            "words {:?} and {:?} share their router hash under seed {seed}; choose another seed",
                            words[order[start - 1].1].as_ref(),
                            words[order[start].1].as_ref()
                        ),
                    ));
                }
                splits.push(first);
            }
            shards.push(order[start..start + size].iter().map(|&(_, i)| i).collect());
            start += size;
        }
        Ok((Router { seed, splits }, shards))
    }

    /// The shard of `word`.
    pub fn shard(&self, word: &str) -> usize {
        let h = xxh3_64_with_seed(word.as_bytes(), self.seed);
        self.splits.partition_point(|&s| s <= h)
    }

    /// Number of shards.
    pub fn shards(&self) -> usize {
        self.splits.len() + 1
    }

    /// The router's seed.
    pub fn seed(&self) -> u64 {
        self.seed
    }

    /// The split points.
    pub fn splits(&self) -> &[u64] {
        &self.splits
    }
}

/// The router as recorded in the metadata (its split points live in the weights file).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct RouterRecord {
    /// The string hash.
    pub hash: KeyHash,
    /// Its seed.
    pub seed: u64,
    /// Number of shards S.
    pub shards: usize,
}

/// One shard as recorded in the metadata.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct ShardRecord {
    /// The shard network's shape (its bins are the shard's own range, starting at 0).
    pub architecture: Architecture,
    /// The training seed of the attempt that was kept.
    pub seed: u64,
    /// Training attempts (1 when the first one was perfect).
    pub attempts: usize,
    /// Iterations of the kept attempt.
    pub iterations: usize,
}

/// How a sharded model was trained.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct ShardedTraining {
    /// The learner (`cem`, `pg`, ...).
    pub algorithm: String,
    /// The run's seed (router and shard seeds come from it).
    pub seed: u64,
    /// The device it trained on.
    pub device: String,
    /// The learner's configuration.
    pub config: serde_json::Value,
    /// Target words per shard.
    pub shard_words: usize,
}

/// The content of a sharded model's `metadata.json`.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct ShardedMetadata {
    /// Always [`SHARDED_FORMAT`].
    pub format: String,
    /// Always [`SHARDED_FORMAT_VERSION`].
    pub format_version: u32,
    /// The router.
    pub router: RouterRecord,
    /// The input encoding every shard shares.
    pub encoder: EncoderSpec,
    /// Every shard, in bin order: shard k owns the bins after those of shards 0..k.
    pub shards: Vec<ShardRecord>,
    /// How it was trained.
    pub training: ShardedTraining,
    /// Corpus and code provenance.
    pub provenance: ModelProvenance,
    /// The trainer's libtorch facts (informational, as for one network).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub libtorch: Option<serde_json::Value>,
    /// The weights file.
    pub weights: WeightsRecord,
}

impl ShardedMetadata {
    /// Total bins: the sum of the shards' bins.
    pub fn bins(&self) -> usize {
        self.shards.iter().map(|s| s.architecture.bins).sum()
    }
}

/// A sharded model in memory.
#[derive(Debug, Clone)]
pub struct ShardedModel {
    router: Router,
    shards: Vec<Network>,
    /// First bin of each shard.
    offsets: Vec<usize>,
    bins: usize,
}

impl ShardedModel {
    /// A model of `router` and one network per shard (bins in shard order); `path` names the
    /// model in errors.
    ///
    /// # Errors
    /// [`Error::InvalidModel`] when the router's shard count differs from the networks'.
    pub fn new(path: &Path, router: Router, shards: Vec<Network>) -> Result<ShardedModel> {
        if router.shards() != shards.len() {
            return Err(Error::invalid(
                path,
                format!(
                    "the router has {} shards, the model {} networks",
                    router.shards(),
                    shards.len()
                ),
            ));
        }
        let mut offsets = Vec::with_capacity(shards.len());
        let mut bins = 0usize;
        for shard in &shards {
            offsets.push(bins);
            bins += shard.bins();
        }
        Ok(ShardedModel {
            router,
            shards,
            offsets,
            bins,
        })
    }

    /// Total bins.
    pub fn bins(&self) -> usize {
        self.bins
    }

    /// The router.
    pub fn router(&self) -> &Router {
        &self.router
    }

    /// The shard networks, in bin order.
    pub fn shards(&self) -> &[Network] {
        &self.shards
    }

    /// The bin of `word` in shard `shard` (which must be the router's choice for it).
    pub(crate) fn bin_in(&self, shard: usize, word: &str, scratch: &mut Scratch) -> usize {
        self.offsets[shard] + self.shards[shard].bin(word, scratch)
    }

    /// The bin of `word`.
    pub fn bin(&self, word: &str, scratch: &mut Scratch) -> usize {
        self.bin_in(self.router.shard(word), word, scratch)
    }
}

/// Writes a sharded model into the new directory `dir`, atomically: `metadata` (its `weights`
/// field filled here), the router's split points and each shard's parameters (in the canonical
/// order of its architecture).
///
/// # Errors
/// [`Error::ModelDirExists`] when `dir` exists and is not empty; [`Error::InvalidModel`] when the
/// parts do not fit together; I/O errors naming the path.
pub fn write_sharded(
    dir: &Path,
    mut metadata: ShardedMetadata,
    router: &Router,
    shard_parameters: &[Vec<NamedTensor>],
) -> Result<()> {
    metadata.provenance.validate(dir)?;
    if metadata.shards.len() != shard_parameters.len() || router.shards() != shard_parameters.len()
    {
        return Err(Error::invalid(
            dir,
            format!(
                "{} shard records, {} parameter sets and a router of {} shards",
                metadata.shards.len(),
                shard_parameters.len(),
                router.shards()
            ),
        ));
    }
    let tensors: Vec<NamedTensor> = shard_parameters
        .iter()
        .enumerate()
        .flat_map(|(k, parameters)| {
            parameters.iter().map(move |(name, shape, values)| {
                (format!("shard{k}.{name}"), shape.clone(), values.clone())
            })
        })
        .collect();
    let splits = [(SPLITS_TENSOR.to_owned(), router.splits.clone())];
    let digest = function_digest(&metadata);
    write_model_dir(dir, &tensors, &splits, digest, &mut metadata, |m| {
        &mut m.weights
    })
}

/// Reads and checks a sharded model directory whose metadata file holds `bytes`.
pub(crate) fn read_sharded(dir: &Path, bytes: &[u8]) -> Result<(ShardedMetadata, ShardedModel)> {
    let meta_path = dir.join(METADATA_FILE);
    let metadata: ShardedMetadata =
        serde_json::from_slice(bytes).map_err(|e| Error::invalid(&meta_path, e.to_string()))?;
    if metadata.format_version != SHARDED_FORMAT_VERSION {
        return Err(Error::invalid(
            &meta_path,
            format!(
                "format_version = {}, this build reads version {SHARDED_FORMAT_VERSION}",
                metadata.format_version
            ),
        ));
    }
    metadata.provenance.validate(&meta_path)?;
    if metadata.router.shards != metadata.shards.len() || metadata.shards.is_empty() {
        return Err(Error::invalid(
            &meta_path,
            format!(
                "router.shards = {} but {} shards are listed",
                metadata.router.shards,
                metadata.shards.len()
            ),
        ));
    }
    for (k, shard) in metadata.shards.iter().enumerate() {
        shard
            .architecture
            .validate(&meta_path)
            .map_err(|e| Error::invalid(&meta_path, format!("shards[{k}]: {e}")))?;
    }
    let weights = read_checked_weights(dir, &metadata.weights, &meta_path)?;
    check_function_digest(&weights, &function_digest(&metadata), &meta_path)?;
    let weights_path = dir.join(WEIGHTS_FILE);
    let file = SafeTensors::deserialize(&weights)
        .map_err(|e| Error::invalid(&weights_path, format!("not a safetensors file: {e}")))?;
    let mut expected = BTreeSet::from([SPLITS_TENSOR.to_owned()]);
    let mut networks = Vec::with_capacity(metadata.shards.len());
    for (k, shard) in metadata.shards.iter().enumerate() {
        let mut parameters = Parameters::new();
        for (name, shape) in shard.architecture.parameter_shapes() {
            let full = format!("shard{k}.{name}");
            let values = expect_f32(&file, &full, &shape)
                .map_err(|reason| Error::invalid(&weights_path, reason))?;
            parameters.insert(name, (shape, values));
            expected.insert(full);
        }
        networks.push(Network::new(
            &meta_path,
            &shard.architecture,
            &metadata.encoder,
            parameters,
        )?);
    }
    if let Some(extra) = file.names().into_iter().find(|n| !expected.contains(*n)) {
        return Err(Error::invalid(
            &weights_path,
            format!("unexpected tensor `{extra}` for this model"),
        ));
    }
    let splits = file
        .tensor(SPLITS_TENSOR)
        .ok()
        .filter(|v| v.dtype() == Dtype::U64 && v.shape() == [metadata.shards.len() - 1])
        .map(|v| u64_values(&v))
        .ok_or_else(|| {
            Error::invalid(
                &weights_path,
                format!(
                    "tensor `{SPLITS_TENSOR}` must be u64 with {} values",
                    metadata.shards.len() - 1
                ),
            )
        })?;
    let router = Router::new(&weights_path, metadata.router.seed, splits)?;
    let model = ShardedModel::new(dir, router, networks)?;
    Ok((metadata, model))
}

/// SHA-256 of the router record, the encoder and the shards' architectures.
fn function_digest(metadata: &ShardedMetadata) -> String {
    let architectures: Vec<&Architecture> =
        metadata.shards.iter().map(|s| &s.architecture).collect();
    let json = serde_json::to_vec(&(&metadata.router, &metadata.encoder, architectures))
        .expect("router, encoder and architectures serialize to JSON");
    sha256_hex(&json)
}

/// The `format` field of a metadata file's bytes, if it has one.
pub(crate) fn format_of(bytes: &[u8]) -> Option<String> {
    #[derive(Deserialize)]
    struct Format {
        format: String,
    }
    serde_json::from_slice::<Format>(bytes)
        .ok()
        .map(|f| f.format)
}

/// Reads a metadata file's bytes.
pub(crate) fn read_metadata_bytes(dir: &Path) -> Result<Vec<u8>> {
    let path = dir.join(METADATA_FILE);
    fs::read(&path).map_err(|e| Error::io(&path, e))
}
