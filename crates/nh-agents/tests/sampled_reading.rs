//! `NeuralHash::sample_words`: the stochastic actor's placements, seeded, for every head.

mod common;

use nh_agents::{ModelConfig, NeuralHash};
use nh_metrics::{TableStats, expected_collisions};
use tch::Device;

#[test]
fn samples_are_seeded_in_range_and_follow_the_policy() {
    let words = common::words(2000, 6);
    for head in [
        ModelConfig::mlp(vec![32]),
        ModelConfig::mlp(vec![32]).factorized(),
        ModelConfig::mlp(vec![32]).factorized().with_keyed_head(),
    ] {
        let model = NeuralHash::untrained(&common::encoder(), &head, 2000, 1, Device::Cpu).unwrap();
        let a = model.sample_words(&words, 7);
        assert_eq!(a, model.sample_words(&words, 7), "{head:?}");
        assert_ne!(a, model.sample_words(&words, 8), "{head:?}");
        assert!(a.iter().all(|&b| b < 2000));
        // An untrained network's softmax is nearly uniform, so its draws spread like a random
        // function (within 10% of the expectation), while its argmax piles words onto few bins
        // (unkeyed heads).
        let sampled = TableStats::from_bins(&a, 2000).collisions as f64;
        let expected = expected_collisions(2000, 2000);
        assert!(
            (sampled - expected).abs() < 0.1 * expected,
            "{head:?}: {sampled}"
        );
        if !head.keyed {
            let argmax = TableStats::from_bins(&model.hash_words(&words), 2000).collisions;
            assert!(argmax > 1500, "{head:?}: {argmax}");
        }
    }
}
