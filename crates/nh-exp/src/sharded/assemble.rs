//! The finished shards assembled into one sharded model folder, written into the training folder
//! and checked perfect over every training word by nh-hash, the code that queries it.

use std::path::Path;

use nh_agents::{Device, ModelProvenance, device_name};
use nh_hash::{
    KeyHash, METADATA_FILE, Model, Perfection, Router, RouterRecord, SHARDED_FORMAT,
    SHARDED_FORMAT_VERSION, ShardRecord, ShardedMetadata, ShardedTraining, WEIGHTS_FILE,
    WeightsRecord,
};

use crate::config::Panel;
use crate::rundir::{Existing, write_file};
use crate::sharded::plan::{ShardDone, ShardSettings};
use crate::sharded::shard::shard_dir;
use crate::train::{TRAIN_WORDS_FILE, move_staged_model};
use crate::{Error, Result};

/// Everything the assembly reads.
pub(crate) struct Parts<'a> {
    pub out: &'a Path,
    pub folder: &'a Path,
    pub router: &'a Router,
    pub records: &'a [ShardDone],
    pub panel: &'a Panel,
    pub settings: &'a ShardSettings,
    pub seed: u64,
    pub device: Device,
    pub provenance: &'a ModelProvenance,
    /// Every training word.
    pub words: &'a [String],
}

/// The assembled model's check and size.
pub(crate) struct Assembled {
    pub perfection: Perfection,
    pub bytes: u64,
}

/// Writes the sharded model into `parts.out` (`model.safetensors`, then `metadata.json`; with
/// `train_words.txt` and `shards.csv`), reopens it and checks it perfect on every word.
pub(crate) fn assemble(parts: &Parts<'_>) -> Result<Assembled> {
    let mut shard_records = Vec::with_capacity(parts.records.len());
    let mut shard_parameters = Vec::with_capacity(parts.records.len());
    let mut encoder = None;
    let mut libtorch = None;
    for done in parts.records {
        let (metadata, parameters) = nh_hash::read_model(&shard_dir(parts.folder, done.shard))?;
        if encoder.get_or_insert_with(|| metadata.encoder.clone()) != &metadata.encoder {
            return Err(Error::Record {
                path: shard_dir(parts.folder, done.shard),
                message: "its encoder differs from shard 0's: the folder mixes trainings".into(),
            });
        }
        libtorch = libtorch.or(metadata.libtorch);
        let names = metadata.architecture.parameter_shapes();
        shard_parameters.push(
            names
                .into_iter()
                .map(|(name, _)| {
                    let (shape, values) = parameters[&name].clone();
                    (name, shape, values)
                })
                .collect::<Vec<_>>(),
        );
        shard_records.push(ShardRecord {
            architecture: metadata.architecture,
            seed: done.seed,
            attempts: done.attempts,
            iterations: done.iterations,
        });
    }
    let metadata = ShardedMetadata {
        format: SHARDED_FORMAT.to_owned(),
        format_version: SHARDED_FORMAT_VERSION,
        router: RouterRecord {
            hash: KeyHash::Xxh3,
            seed: parts.router.seed(),
            shards: parts.router.shards(),
        },
        encoder: encoder.expect("at least one shard"),
        shards: shard_records,
        training: ShardedTraining {
            algorithm: parts.panel.algo.name().to_owned(),
            seed: parts.seed,
            device: device_name(parts.device),
            config: serde_json::to_value(&parts.panel.params).expect("params serialize"),
            shard_words: parts.settings.shard_words,
        },
        provenance: parts.provenance.clone(),
        libtorch,
        weights: WeightsRecord::pending(),
    };
    let staging = parts.out.join(".model.partial");
    if staging.exists() {
        std::fs::remove_dir_all(&staging).map_err(|source| Error::Io {
            path: staging.clone(),
            source,
        })?;
    }
    nh_hash::write_sharded(&staging, metadata, parts.router, &shard_parameters)?;
    move_staged_model(&staging, parts.out)?;
    let mut text = parts.words.join("\n");
    text.push('\n');
    write_file(
        &parts.out.join(TRAIN_WORDS_FILE),
        text.as_bytes(),
        Existing::Replace,
    )?;
    write_file(
        &parts.out.join("shards.csv"),
        shards_csv(parts.records).as_bytes(),
        Existing::Replace,
    )?;
    let model = Model::open(parts.out)?;
    let perfection = model.check_perfect(parts.words);
    let bytes = [WEIGHTS_FILE, METADATA_FILE]
        .iter()
        .map(|name| std::fs::metadata(parts.out.join(name)).map_or(0, |m| m.len()))
        .sum();
    Ok(Assembled { perfection, bytes })
}

/// One line per shard: index, words, attempts, iterations, seconds, seed.
fn shards_csv(records: &[ShardDone]) -> String {
    let mut csv = String::from("shard,words,attempts,iterations,seconds,seed\n");
    for r in records {
        csv.push_str(&format!(
            "{},{},{},{},{:.3},{}\n",
            r.shard, r.words, r.attempts, r.iterations, r.seconds, r.seed
        ));
    }
    csv
}
