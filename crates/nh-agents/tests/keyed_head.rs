//! The keyed output head: an untrained keyed network is a random function, every learner trains
//! it, libtorch and pure Rust give the same bins, and the key round-trips through model files
//! (a missing or malformed key is refused).

mod common;

use nh_agents::{
    AcConfig, CemConfig, HeadKey, METADATA_FILE, ModelConfig, ModelProvenance, NeuralHash,
    PgConfig, PgEstimator, SacConfig, SupervisedConfig, SupervisedSetup, set_libtorch_threads,
    train_actor_critic, train_cem, train_pg, train_sac, train_supervised,
};
use nh_env::{EnvConfig, WordSchedule};
use nh_metrics::TableStats;
use tch::Device;

/// A change made to a saved model's `metadata.json`.
type MetadataEdit = fn(&mut serde_json::Value);

fn provenance() -> ModelProvenance {
    ModelProvenance {
        corpus_sha256: "0".repeat(64),
        git_commit: "test".to_owned(),
    }
}

#[test]
fn an_untrained_keyed_network_is_a_random_function_and_a_plain_one_is_not() {
    let words = common::words(2000, 1);
    for head in [
        ModelConfig::mlp(vec![64]),
        ModelConfig::mlp(vec![64]).factorized(),
    ] {
        let mut keyed_z = Vec::new();
        for seed in 0..4 {
            let keyed = head.clone().with_keyed_head();
            let model =
                NeuralHash::untrained(&common::encoder(), &keyed, 2000, seed, Device::Cpu).unwrap();
            let stats = TableStats::from_bins(&model.hash_words(&words), 2000);
            keyed_z.push(stats.collisions_z_score());
            let plain =
                NeuralHash::untrained(&common::encoder(), &head, 2000, seed, Device::Cpu).unwrap();
            let plain_stats = TableStats::from_bins(&plain.hash_words(&words), 2000);
            // An untrained MLP's argmax sends most words to a few bins.
            assert!(plain_stats.collisions > 1500, "{head:?}: {plain_stats:?}");
        }
        // Four independent z-scores of a random function: their mean has standard deviation 0.5.
        let mean_z = keyed_z.iter().sum::<f64>() / keyed_z.len() as f64;
        assert!(mean_z.abs() < 2.0, "{head:?}: z-scores {keyed_z:?}");
        assert!(
            keyed_z.iter().all(|z| z.abs() < 4.0),
            "{head:?}: {keyed_z:?}"
        );
    }
}

#[test]
fn keyed_models_hash_alike_in_pure_rust_and_round_trip_with_their_key() {
    let words = common::words(3000, 2);
    for head in [ModelConfig::default(), ModelConfig::default().factorized()] {
        let model = NeuralHash::untrained(
            &common::encoder(),
            &head.with_keyed_head(),
            1000,
            5,
            Device::Cpu,
        )
        .unwrap();
        let key = model
            .architecture()
            .key
            .expect("a keyed model records its key");
        let bins = model.hash_words(&words);
        let exact = model.to_exact().unwrap();
        assert_eq!(exact.hash_words(&words), bins);
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("model");
        model.save(&path, &provenance()).unwrap();
        let loaded = NeuralHash::load(&path, Device::Cpu).unwrap();
        assert_eq!(loaded.architecture().key, Some(key));
        assert_eq!(loaded.hash_words(&words), bins);
    }
}

#[test]
fn a_missing_or_malformed_key_is_refused() {
    let model = NeuralHash::untrained(
        &common::encoder(),
        &ModelConfig::mlp(vec![16]).with_keyed_head(),
        50,
        1,
        Device::Cpu,
    )
    .unwrap();
    let edits: [(&str, MetadataEdit); 3] = [
        ("missing", |m| {
            m["architecture"].as_object_mut().unwrap().remove("key");
        }),
        ("another seed", |m| {
            m["architecture"]["key"]["seed"] = serde_json::json!(12345);
        }),
        ("unknown hash", |m| {
            m["architecture"]["key"]["hash"] = serde_json::json!("md5");
        }),
    ];
    for (what, edit) in edits {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("model");
        model.save(&path, &provenance()).unwrap();
        let meta_path = path.join(METADATA_FILE);
        let mut meta: serde_json::Value =
            serde_json::from_slice(&std::fs::read(&meta_path).unwrap()).unwrap();
        edit(&mut meta);
        std::fs::write(&meta_path, serde_json::to_vec_pretty(&meta).unwrap()).unwrap();
        let err = NeuralHash::load(&path, Device::Cpu)
            .unwrap_err()
            .to_string();
        assert!(err.contains(METADATA_FILE), "{what}: {err}");
    }
    // A plain model's metadata has no key at all (old models load unchanged).
    let plain = NeuralHash::untrained(
        &common::encoder(),
        &ModelConfig::mlp(vec![16]),
        50,
        1,
        Device::Cpu,
    )
    .unwrap();
    assert_eq!(plain.architecture().key, None);
    assert_eq!(
        serde_json::to_value(plain.architecture())
            .unwrap()
            .get("key"),
        None
    );
    assert_ne!(model.architecture().key, Some(HeadKey::xxh3(0)));
}

/// Every learner runs with a keyed head; the fixed-set learners reach a perfect hash.
#[test]
fn every_learner_trains_a_keyed_head() {
    set_libtorch_threads(1).unwrap();
    let encoder = common::encoder();
    let keyed = ModelConfig::mlp(vec![64]).with_keyed_head();
    let words = common::words(64, 3);
    let fixed = EnvConfig::new(64, 64).with_schedule(WordSchedule::Fixed);
    for seed in 0..3 {
        let setup = common::cpu_setup(&fixed, &words, &encoder, seed);
        for model in [keyed.clone(), keyed.clone().factorized()] {
            let config = CemConfig {
                model: model.clone(),
                iterations: 200,
                ..CemConfig::default()
            };
            let outcome = train_cem(&setup, &config, &mut |_| {}).unwrap();
            assert_eq!(common::distinct(&outcome.model.hash_words(&words)), 64);
            assert!(outcome.model.architecture().key.is_some());
        }
    }
    // The policy-gradient family and supervised imitation run and record the key.
    let sample = EnvConfig::new(32, 32);
    let corpus = common::words(400, 4);
    let setup = common::cpu_setup(&sample, &corpus, &encoder, 0);
    let pg = PgConfig {
        model: keyed.clone(),
        estimator: PgEstimator::PerStep,
        iterations: 3,
        ..PgConfig::default()
    };
    let ac = AcConfig {
        model: keyed.clone(),
        iterations: 3,
        ..AcConfig::default()
    };
    let sac = SacConfig {
        model: keyed.clone(),
        iterations: 3,
        ..SacConfig::default()
    };
    let outcomes = [
        train_pg(&setup, &pg, &mut |_| {}).unwrap(),
        train_actor_critic(&setup, &ac, &mut |_| {}).unwrap(),
        train_sac(&setup, &sac, &mut |_| {}).unwrap(),
    ];
    for outcome in outcomes {
        assert!(outcome.model.architecture().key.is_some());
        assert_eq!(outcome.metrics.len(), 3);
    }
    let supervised = SupervisedConfig {
        model: keyed,
        bins: 32,
        epochs: 2,
        ..SupervisedConfig::default()
    };
    let (train, held_out) = corpus.split_at(300);
    let setup = SupervisedSetup {
        train,
        held_out,
        encoder: &encoder,
        seed: 0,
        device: Device::Cpu,
        checkpoint: None,
    };
    let outcome = train_supervised(&setup, &supervised, &mut |_| {}).unwrap();
    assert!(outcome.model.architecture().key.is_some());
}
