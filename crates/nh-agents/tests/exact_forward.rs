//! nh-hash's exact forward pass (`NeuralHash::to_exact`) gives the libtorch model's bins on
//! ordinary words, for the paper's full head and for a factorized head, trained or not (at a
//! rounding tie the two may differ, and nh-hash decides: exact_agreement.rs).

mod common;

use nh_agents::{CemConfig, ModelConfig, NeuralHash, set_libtorch_threads, train_cem};
use nh_env::{EnvConfig, WordSchedule};
use tch::Device;

/// Words whose nh-hash bin differs from libtorch's.
fn mismatches(model: &NeuralHash, words: &[String]) -> usize {
    let rust = model.to_exact().unwrap();
    assert_eq!(rust.bins(), model.bins());
    let torch = model.hash_words(words);
    let ours = rust.hash_words(words);
    assert_eq!(ours.len(), words.len());
    torch.iter().zip(&ours).filter(|(a, b)| a != b).count()
}

#[test]
fn untrained_paper_and_factorized_models_hash_alike() {
    let words = common::words(5000, 8);
    for config in [ModelConfig::default(), ModelConfig::default().factorized()] {
        let model =
            NeuralHash::untrained(&common::encoder(), &config, 1000, 3, Device::Cpu).unwrap();
        // Float sums in another order may flip a near-tie; none do for these words.
        assert_eq!(mismatches(&model, &words), 0, "{config:?}");
    }
}

#[test]
fn a_trained_perfect_hash_stays_perfect() {
    set_libtorch_threads(1).unwrap();
    let words = common::words(64, 4);
    let env = EnvConfig::new(64, 64).with_schedule(WordSchedule::Fixed);
    let encoder = common::encoder();
    let setup = common::cpu_setup(&env, &words, &encoder, 2);
    let config = CemConfig {
        model: ModelConfig::mlp(vec![64]).factorized(),
        iterations: 300,
        ..CemConfig::default()
    };
    let model = train_cem(&setup, &config, &mut |_| {}).unwrap().model;
    assert_eq!(mismatches(&model, &words), 0);
    assert_eq!(
        common::distinct(&model.to_exact().unwrap().hash_words(&words)),
        64
    );
}
