//! Saving and loading NeuralHash models: identical bins after a round trip, and every kind of
//! damaged or mismatched model directory rejected with an error naming what is wrong.

mod common;

use std::fs;
use std::path::Path;

use nh_agents::{Error, METADATA_FILE, ModelConfig, ModelProvenance, NeuralHash, WEIGHTS_FILE};
use tch::Device;

fn provenance() -> ModelProvenance {
    ModelProvenance {
        corpus_sha256: "39a4ead879cc8283de87f2ec58e7b4b340d6caa724db1b52a91dccf2f273c5e7"
            .to_owned(),
        git_commit: "0123abc-dirty".to_owned(),
    }
}

fn small_model(seed: u64) -> NeuralHash {
    NeuralHash::untrained(
        &common::encoder(),
        &ModelConfig::mlp(vec![16]),
        32,
        seed,
        Device::Cpu,
    )
    .unwrap()
}

fn saved_small_model(dir: &Path) {
    small_model(1).save(dir, &provenance()).unwrap();
}

fn load_error(dir: &Path) -> String {
    let err = NeuralHash::load(dir, Device::Cpu).expect_err("a damaged model must be rejected");
    err.to_string()
}

#[test]
fn factorized_models_round_trip_and_record_their_factors() {
    let words = common::words(2000, 3);
    let config = ModelConfig::mlp(vec![32]).factorized();
    let model = NeuralHash::untrained(&common::encoder(), &config, 1000, 5, Device::Cpu).unwrap();
    assert_eq!(model.architecture().factors, Some((25, 40)));
    assert_eq!(model.parameter_count(), 325 * 32 + 32 + 32 * 65 + 65);
    let before = model.hash_words(&words);
    assert!(before.iter().all(|&bin| bin < 1000));
    let tmp = tempfile::tempdir().unwrap();
    let dir = tmp.path().join("model");
    model.save(&dir, &provenance()).unwrap();
    let metadata = fs::read_to_string(dir.join(METADATA_FILE)).unwrap();
    assert!(metadata.contains("\"factors\""), "{metadata}");
    let loaded = NeuralHash::load(&dir, Device::Cpu).unwrap();
    assert_eq!(loaded.architecture(), model.architecture());
    assert_eq!(loaded.hash_words(&words), before);
}

#[test]
fn round_trip_gives_identical_bins_for_10_000_words() {
    let words = common::words(10_000, 42);
    let model = NeuralHash::untrained(
        &common::encoder(),
        &ModelConfig::default(),
        1000,
        7,
        Device::Cpu,
    )
    .unwrap();
    let before = model.hash_words(&words);
    let tmp = tempfile::tempdir().unwrap();
    let dir = tmp.path().join("model");
    model.save(&dir, &provenance()).unwrap();
    let loaded = NeuralHash::load(&dir, Device::Cpu).unwrap();
    assert_eq!(loaded.hash_words(&words), before);
    assert_eq!(loaded.provenance(), Some(&provenance()));
    assert_eq!(loaded.architecture(), model.architecture());
    assert_eq!(loaded.training(), model.training());
    assert_eq!(loaded.encoder(), model.encoder());
    // Table (12 x 27 + 1 padding rows) x 300, then 300 x 300 and 300 x 1000, with biases.
    assert_eq!(
        loaded.parameter_count(),
        325 * 300 + 300 + 300 * 300 + 300 + 300 * 1000 + 1000
    );
    // Not a constant function (an untrained ReLU network concentrates its argmax on a few dozen
    // bins: 74 here, far from a hash's ~6,300 of 10,000 but far from 1).
    let distinct = common::distinct(&before);
    assert!(distinct > 50, "{distinct}");
    // Single-word and batched paths agree.
    let refs: Vec<&str> = words[..50].iter().map(String::as_str).collect();
    let single: Vec<usize> = refs.iter().map(|w| loaded.hash(w)).collect();
    assert_eq!(single, loaded.hash_batch(&refs));
    // No temporary directory left behind.
    assert_eq!(fs::read_dir(tmp.path()).unwrap().count(), 1);
}

#[test]
fn save_refuses_a_non_empty_directory_and_accepts_an_empty_one() {
    let tmp = tempfile::tempdir().unwrap();
    let dir = tmp.path().join("model");
    saved_small_model(&dir);
    let err = small_model(2).save(&dir, &provenance()).unwrap_err();
    assert!(matches!(err, Error::ModelDirExists(_)), "{err}");
    // The first model is untouched.
    let loaded = NeuralHash::load(&dir, Device::Cpu).unwrap();
    assert_eq!(loaded.training().seed, 1);
    let empty = tmp.path().join("empty");
    fs::create_dir(&empty).unwrap();
    small_model(3).save(&empty, &provenance()).unwrap();
    assert_eq!(
        NeuralHash::load(&empty, Device::Cpu)
            .unwrap()
            .training()
            .seed,
        3
    );
}

#[test]
fn malformed_provenance_is_rejected_at_save() {
    let tmp = tempfile::tempdir().unwrap();
    let bad = ModelProvenance {
        corpus_sha256: "xyz".to_owned(),
        ..provenance()
    };
    let err = small_model(1)
        .save(&tmp.path().join("m"), &bad)
        .unwrap_err()
        .to_string();
    assert!(err.contains("corpus_sha256"), "{err}");
    let bad = ModelProvenance {
        git_commit: String::new(),
        ..provenance()
    };
    assert!(small_model(1).save(&tmp.path().join("m"), &bad).is_err());
    assert!(!tmp.path().join("m").exists());
}

#[test]
fn corrupted_weights_are_rejected() {
    let tmp = tempfile::tempdir().unwrap();
    let dir = tmp.path().join("model");
    saved_small_model(&dir);
    let path = dir.join(WEIGHTS_FILE);
    let mut bytes = fs::read(&path).unwrap();
    let last = bytes.len() - 3;
    bytes[last] ^= 0x40;
    fs::write(&path, &bytes).unwrap();
    let err = load_error(&dir);
    assert!(
        err.contains(WEIGHTS_FILE) && err.contains("corrupted"),
        "{err}"
    );
}

#[test]
fn truncated_weights_are_rejected() {
    let tmp = tempfile::tempdir().unwrap();
    let dir = tmp.path().join("model");
    saved_small_model(&dir);
    let path = dir.join(WEIGHTS_FILE);
    let bytes = fs::read(&path).unwrap();
    fs::write(&path, &bytes[..bytes.len() / 2]).unwrap();
    let err = load_error(&dir);
    assert!(err.contains("truncated"), "{err}");
}

/// Rewrites the metadata with `edit` applied to its JSON.
fn edit_metadata(dir: &Path, edit: impl FnOnce(&mut serde_json::Value)) {
    let path = dir.join(METADATA_FILE);
    let mut json: serde_json::Value = serde_json::from_slice(&fs::read(&path).unwrap()).unwrap();
    edit(&mut json);
    fs::write(&path, serde_json::to_vec_pretty(&json).unwrap()).unwrap();
}

#[test]
fn weights_that_do_not_fit_the_architecture_are_rejected_even_with_a_matching_checksum() {
    let tmp = tempfile::tempdir().unwrap();
    let (a, b) = (tmp.path().join("a"), tmp.path().join("b"));
    saved_small_model(&a);
    NeuralHash::untrained(
        &common::encoder(),
        &ModelConfig::mlp(vec![8]),
        32,
        1,
        Device::Cpu,
    )
    .unwrap()
    .save(&b, &provenance())
    .unwrap();
    // Put b's weights (hidden 8) under a's metadata (hidden 16), fixing size and checksum.
    fs::copy(b.join(WEIGHTS_FILE), a.join(WEIGHTS_FILE)).unwrap();
    let weights: serde_json::Value =
        serde_json::from_slice::<serde_json::Value>(&fs::read(b.join(METADATA_FILE)).unwrap())
            .unwrap()["weights"]
            .clone();
    edit_metadata(&a, |json| json["weights"] = weights);
    let err = load_error(&a);
    assert!(
        err.contains("shape") && err.contains("input.table"),
        "{err}"
    );
}

#[test]
fn metadata_problems_name_the_field() {
    let tmp = tempfile::tempdir().unwrap();
    // (text the error must contain, JSON pointer, replacement value)
    let cases = [
        ("format_version", "/format_version", serde_json::json!(99)),
        ("colour", "/architecture/colour", serde_json::json!("blue")),
        ("max_len", "/encoder/max_len", serde_json::json!(5)),
        (
            "git_commit",
            "/provenance/git_commit",
            serde_json::json!("a b"),
        ),
        ("bins", "/architecture/bins", serde_json::json!(0)),
    ];
    for (i, (needle, pointer, value)) in cases.into_iter().enumerate() {
        let dir = tmp.path().join(format!("m{i}"));
        saved_small_model(&dir);
        edit_metadata(&dir, |json| {
            let (parent, key) = pointer.rsplit_once('/').unwrap();
            json.pointer_mut(parent).unwrap()[key] = value;
        });
        let err = load_error(&dir);
        assert!(
            err.contains(needle) && err.contains(METADATA_FILE),
            "{needle}: {err}"
        );
    }
    let missing = tmp.path().join("missing");
    assert!(matches!(
        NeuralHash::load(&missing, Device::Cpu),
        Err(Error::Io { .. })
    ));
}

#[test]
fn an_edited_alphabet_is_caught_although_the_weights_are_intact() {
    let tmp = tempfile::tempdir().unwrap();
    let dir = tmp.path().join("m");
    saved_small_model(&dir);
    let before = NeuralHash::load(&dir, Device::Cpu).unwrap();
    assert!(before.architecture().bins > 0);
    // Swap two characters of the alphabet: same size, same shapes, another function.
    edit_metadata(&dir, |json| {
        let alphabet = json.pointer_mut("/encoder/alphabet").unwrap();
        let text = serde_json::to_string(alphabet).unwrap();
        let swapped = text
            .replacen('a', "\u{1}", 1)
            .replacen('b', "a", 1)
            .replacen('\u{1}', "b", 1);
        assert_ne!(text, swapped, "the alphabet has an a and a b: {text}");
        *alphabet = serde_json::from_str(&swapped).unwrap();
    });
    let err = load_error(&dir);
    assert!(
        err.contains("edited after saving") && err.contains(METADATA_FILE),
        "{err}"
    );
}
