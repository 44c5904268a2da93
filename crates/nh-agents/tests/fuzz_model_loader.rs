//! Fuzzing the model loader with proptest: a saved model with random bytes flipped, inserted or cut
//! in its metadata or weights never panics on load, and a model that still loads hashes every
//! word into its bins. `NH_FUZZ_CASES=N` sets the number of cases (64 in `cargo xtask test`).

mod common;

use std::fs;
use std::path::Path;

use nh_agents::{Device, METADATA_FILE, ModelConfig, ModelProvenance, NeuralHash, WEIGHTS_FILE};
use proptest::prelude::*;

fn cases() -> u32 {
    std::env::var("NH_FUZZ_CASES")
        .ok()
        .and_then(|v| v.parse::<u32>().ok())
        .map_or(64, |n| n / 4)
}

fn saved_model(dir: &Path) {
    let provenance = ModelProvenance {
        corpus_sha256: "0".repeat(64),
        git_commit: "fuzz".to_owned(),
    };
    NeuralHash::untrained(
        &common::encoder(),
        &ModelConfig::mlp(vec![8]),
        16,
        1,
        Device::Cpu,
    )
    .unwrap()
    .save(dir, &provenance)
    .unwrap();
}

/// One damage: which file, where (a fraction of its length), and what.
#[derive(Debug, Clone)]
enum Damage {
    Flip(u8),
    Insert(Vec<u8>),
    Cut(usize),
}

fn damage() -> impl Strategy<Value = (bool, f64, Damage)> {
    let kind = prop_oneof![
        any::<u8>().prop_map(Damage::Flip),
        proptest::collection::vec(any::<u8>(), 1..8).prop_map(Damage::Insert),
        (1usize..64).prop_map(Damage::Cut),
    ];
    (any::<bool>(), 0.0..1.0f64, kind)
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(cases()))]

    #[test]
    fn damaged_models_never_panic_on_load(damages in proptest::collection::vec(damage(), 1..4)) {
        let tmp = tempfile::tempdir().unwrap();
        let dir = tmp.path().join("m");
        saved_model(&dir);
        for (metadata, at, damage) in damages {
            let path = dir.join(if metadata { METADATA_FILE } else { WEIGHTS_FILE });
            let mut bytes = fs::read(&path).unwrap();
            let i = ((bytes.len() as f64) * at) as usize;
            match damage {
                Damage::Flip(mask) => {
                    if let Some(b) = bytes.get_mut(i) {
                        *b ^= mask.max(1);
                    }
                }
                Damage::Insert(extra) => {
                    bytes.splice(i..i, extra);
                }
                Damage::Cut(n) => {
                    bytes.drain(i..(i + n).min(bytes.len()));
                }
            }
            fs::write(&path, bytes).unwrap();
        }
        if let Ok(model) = NeuralHash::load(&dir, Device::Cpu) {
            let bins = model.bins();
            prop_assert!(model.hash_batch(&["cat", "dog", "zebra"]).iter().all(|&b| b < bins));
        }
    }
}
