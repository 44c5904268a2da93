//! The Rust side of "a saved model hashes alike in Python and Rust": two small model folders with
//! seeded random weights (one keyed network with a factorized head, one sharded model of three
//! plain networks), written by nh-hash into `tests/fixtures/models/`, and the bins nh-hash gives
//! their words in `tests/fixtures/models.json`, which `tests/test_hash_model.py` checks through
//! the Python package. `NH_BLESS=1 cargo test -p nh-py --test model_fixture` rewrites them.

use std::path::{Path, PathBuf};

use nh_encode::{Alphabet, IndexEncoder};
use nh_env::ObservationMode;
use nh_hash::{
    ACTIVATION, Architecture, EncoderSpec, FIRST_LAYER, HeadKey, MODEL_FORMAT,
    MODEL_FORMAT_VERSION, Model, ModelMetadata, ModelProvenance, NamedTensor, Router,
    SHARDED_FORMAT, SHARDED_FORMAT_VERSION, ShardRecord, ShardedMetadata, ShardedTraining,
    TrainingRecord, WeightsRecord, write_model, write_sharded,
};
use rand::{Rng, SeedableRng};
use rand_chacha::ChaCha8Rng;
use serde_json::json;

const MAX_LEN: usize = 8;
const WORDS: usize = 48;

fn fixtures() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/fixtures")
}

/// `n` distinct seeded words of 2 to 8 letters from a to h.
fn words(n: usize, seed: u64) -> Vec<String> {
    let mut rng = ChaCha8Rng::seed_from_u64(seed);
    let mut out: Vec<String> = Vec::new();
    while out.len() < n {
        let len = rng.random_range(2..=MAX_LEN);
        let word: String = (0..len)
            .map(|_| char::from(b'a' + rng.random_range(0..8u8)))
            .collect();
        if !out.contains(&word) {
            out.push(word);
        }
    }
    out
}

fn encoder_spec() -> EncoderSpec {
    EncoderSpec {
        alphabet: Alphabet::from_chars("abcdefgh".chars()).unwrap(),
        max_len: MAX_LEN,
    }
}

fn architecture(
    bins: usize,
    factors: Option<(usize, usize)>,
    key: Option<HeadKey>,
) -> Architecture {
    let encoder = IndexEncoder::new(encoder_spec().alphabet, MAX_LEN).unwrap();
    Architecture {
        observation: ObservationMode::WordOnly,
        hidden: vec![6],
        bins,
        factors,
        key,
        vocab_size: encoder.vocab_size(),
        pad_id: encoder.pad_id() as usize,
        first_layer: FIRST_LAYER.into(),
        activation: ACTIVATION.into(),
    }
}

/// Seeded random values for every parameter of `architecture`, in its canonical order.
fn random_parameters(architecture: &Architecture, seed: u64) -> Vec<NamedTensor> {
    let mut rng = ChaCha8Rng::seed_from_u64(seed);
    architecture
        .parameter_shapes()
        .into_iter()
        .map(|(name, shape)| {
            let values = (0..shape.iter().product::<usize>())
                .map(|_| rng.random_range(-1.0f32..1.0))
                .collect();
            (name, shape, values)
        })
        .collect()
}

fn provenance() -> ModelProvenance {
    ModelProvenance {
        corpus_sha256: "0".repeat(64),
        git_commit: "fixture".into(),
    }
}

fn write_network(dir: &Path) {
    let architecture = architecture(WORDS, Some((6, 8)), Some(HeadKey::xxh3(7)));
    let parameters = random_parameters(&architecture, 1);
    let metadata = ModelMetadata {
        format: MODEL_FORMAT.into(),
        format_version: MODEL_FORMAT_VERSION,
        architecture,
        encoder: encoder_spec(),
        training: TrainingRecord {
            algorithm: "fixture".into(),
            seed: 1,
            device: "cpu".into(),
            env: None,
            config: serde_json::Value::Null,
            iterations_run: 0,
        },
        provenance: provenance(),
        libtorch: None,
        weights: WeightsRecord::pending(),
    };
    write_model(dir, metadata, &parameters).unwrap();
}

fn write_shards(dir: &Path, words: &[String]) {
    let sizes = [16, 16, 16];
    let (router, _) = Router::split(5, words, &sizes).unwrap();
    let mut records = Vec::new();
    let mut parameters = Vec::new();
    for (k, &size) in sizes.iter().enumerate() {
        let architecture = architecture(size, Some((4, 4)), None);
        parameters.push(random_parameters(&architecture, 10 + k as u64));
        records.push(ShardRecord {
            architecture,
            seed: 10 + k as u64,
            attempts: 1,
            iterations: 0,
        });
    }
    let metadata = ShardedMetadata {
        format: SHARDED_FORMAT.into(),
        format_version: SHARDED_FORMAT_VERSION,
        router: nh_hash::RouterRecord {
            hash: nh_hash::KeyHash::Xxh3,
            seed: router.seed(),
            shards: router.shards(),
        },
        encoder: encoder_spec(),
        shards: records,
        training: ShardedTraining {
            algorithm: "fixture".into(),
            seed: 5,
            device: "cpu".into(),
            config: serde_json::Value::Null,
            shard_words: 16,
        },
        provenance: provenance(),
        libtorch: None,
        weights: WeightsRecord::pending(),
    };
    write_sharded(dir, metadata, &router, &parameters).unwrap();
}

/// Writes both models into a fresh folder and returns the expected JSON.
fn build(root: &Path) -> serde_json::Value {
    let words = words(WORDS, 3);
    write_network(&root.join("network"));
    write_shards(&root.join("sharded"), &words);
    let mut cases = serde_json::Map::new();
    for name in ["network", "sharded"] {
        let model = Model::open(&root.join(name)).unwrap();
        cases.insert(
            name.to_owned(),
            json!({
                "bins": model.bins(),
                "hashes": model.hash_words(&words),
                "collisions": model.check_perfect(&words).collisions,
            }),
        );
    }
    json!({ "words": words, "models": cases })
}

#[test]
fn the_model_fixture_is_what_nh_hash_writes_and_reads() {
    let scratch = tempfile::tempdir().unwrap();
    let expected = build(scratch.path());
    let models = fixtures().join("models");
    let json_path = fixtures().join("models.json");
    if std::env::var_os("NH_BLESS").is_some() {
        if models.exists() {
            std::fs::remove_dir_all(&models).unwrap();
        }
        std::fs::create_dir_all(&models).unwrap();
        for name in ["network", "sharded"] {
            std::fs::rename(scratch.path().join(name), models.join(name)).unwrap();
        }
        let mut text = serde_json::to_string_pretty(&expected).unwrap();
        text.push('\n');
        std::fs::write(&json_path, text).unwrap();
        return;
    }
    // The committed files are byte for byte what nh-hash writes today, and read back the same.
    for name in ["network", "sharded"] {
        for file in [nh_hash::METADATA_FILE, nh_hash::WEIGHTS_FILE] {
            let fresh = std::fs::read(scratch.path().join(name).join(file)).unwrap();
            let committed = std::fs::read(models.join(name).join(file)).unwrap_or_else(|e| {
                panic!(
                    "{}: {e} (NH_BLESS=1 writes it)",
                    models.join(name).display()
                )
            });
            assert!(
                fresh == committed,
                "{name}/{file} differs from what nh-hash writes"
            );
        }
    }
    let committed: serde_json::Value =
        serde_json::from_str(&std::fs::read_to_string(&json_path).unwrap()).unwrap();
    assert_eq!(committed, expected);
}
