//! A sharded model written by `write_sharded` opens with every check, routes each word to the
//! shard whose bin range holds its bin, gives the same bins one word at a time, in batches on one
//! thread and on rayon's threads, and refuses weights edited on disk.

mod common;

use std::path::Path;

use nh_encode::Alphabet;
use nh_hash::{
    EncoderSpec, KeyHash, Model, ModelProvenance, NamedTensor, Router, RouterRecord,
    SHARDED_FORMAT, SHARDED_FORMAT_VERSION, ShardRecord, ShardedMetadata, ShardedTraining,
    WeightsRecord, write_sharded,
};

const SIZES: [usize; 3] = [40, 30, 30];

fn words(n: usize) -> Vec<String> {
    (0..n)
        .map(|i| format!("w{i}x{}", i * 7919 % 1000))
        .collect()
}

fn write(dir: &Path, words: &[String]) {
    let encoder = EncoderSpec {
        alphabet: Alphabet::from_words(words),
        max_len: 10,
    };
    let (router, _) = Router::split(9, words, &SIZES).unwrap();
    let mut records = Vec::new();
    let mut parameters: Vec<Vec<NamedTensor>> = Vec::new();
    for (k, &bins) in SIZES.iter().enumerate() {
        let factors = if bins == 40 { (5, 8) } else { (5, 6) };
        let architecture = common::factorized(&encoder, &[12], factors, None);
        parameters.push(common::random_tensors(&architecture, 100 + k as u64));
        records.push(ShardRecord {
            architecture,
            seed: k as u64,
            attempts: 1,
            iterations: 0,
        });
    }
    let metadata = ShardedMetadata {
        format: SHARDED_FORMAT.into(),
        format_version: SHARDED_FORMAT_VERSION,
        router: RouterRecord {
            hash: KeyHash::Xxh3,
            seed: router.seed(),
            shards: router.shards(),
        },
        encoder,
        shards: records,
        training: ShardedTraining {
            algorithm: "test".into(),
            seed: 9,
            device: "cpu".into(),
            config: serde_json::Value::Null,
            shard_words: 33,
        },
        provenance: ModelProvenance {
            corpus_sha256: "0".repeat(64),
            git_commit: "test".into(),
        },
        libtorch: None,
        weights: WeightsRecord::pending(),
    };
    write_sharded(dir, metadata, &router, &parameters).unwrap();
}

#[test]
fn a_sharded_model_hashes_alike_in_every_mode_inside_each_shard_s_range() {
    let scratch = tempfile::tempdir().unwrap();
    let dir = scratch.path().join("model");
    let words = words(SIZES.iter().sum());
    write(&dir, &words);
    let Model::Sharded(sharded) = Model::open(&dir).unwrap() else {
        panic!("a sharded model opens as one");
    };
    let model = Model::Sharded(sharded.clone());
    assert_eq!(model.bins(), 100);
    let one_by_one: Vec<usize> = words.iter().map(|w| model.hash(w)).collect();
    assert_eq!(model.hash_words(&words), one_by_one);
    assert_eq!(model.hash_words_serial(&words), one_by_one);
    let mut starts = vec![0];
    for size in SIZES {
        starts.push(starts.last().unwrap() + size);
    }
    for (word, &bin) in words.iter().zip(&one_by_one) {
        let shard = sharded.router().shard(word);
        assert!(
            (starts[shard]..starts[shard + 1]).contains(&bin),
            "{word}: bin {bin} outside shard {shard}"
        );
    }
    // The router cut the training words into the recorded sizes.
    let mut per_shard = [0; 3];
    for word in &words {
        per_shard[sharded.router().shard(word)] += 1;
    }
    assert_eq!(per_shard, SIZES);
}

#[test]
fn edited_sharded_weights_are_refused_naming_the_file() {
    let scratch = tempfile::tempdir().unwrap();
    let dir = scratch.path().join("model");
    write(&dir, &words(100));
    let weights = dir.join(nh_hash::WEIGHTS_FILE);
    let mut bytes = std::fs::read(&weights).unwrap();
    let last = bytes.len() - 1;
    bytes[last] ^= 1;
    std::fs::write(&weights, bytes).unwrap();
    let err = Model::open(&dir).unwrap_err().to_string();
    assert!(err.contains("model.safetensors"), "{err}");
}
