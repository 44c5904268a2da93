//! The keyed output head: a seeded string hash of each word shifts the network's choice
//! cyclically, so a trained network stays perfect on its words while unseen words land in
//! uniformly random bins.
//!
//! Full head: bin = (label + h(w)) mod M, where label is the network's choice over its M outputs.
//! Factorized head: row = (label_a + h1(w)) mod M1, column = (label_b + h2(w)) mod M2,
//! bin = row * M2 + column. h is xxh3 of the word's UTF-8 bytes under the model's seed: its
//! 64-bit value for a full head, the two halves of its 128-bit value for a factorized one (the key
//! and these shifts are nh-hash's, which defines the hash; this module applies them to tensors).
//!
//! The policy over bins is the network's softmax relabelled per word (bin b has the probability
//! of label (b - h(w)) mod M), so every learner trains a keyed network unchanged. Greedy hashing
//! takes the first label of highest probability and shifts it, in libtorch and in pure Rust alike.

use rand::Rng;
use tch::{Kind, Tensor};

pub use nh_hash::{HeadKey, KeyHash};

use crate::model_config::ModelConfig;
use crate::seeds::{Stream, rng};

/// The policy head's key for a training seed: drawn from the seed when `model.keyed`.
pub(crate) fn policy_key(model: &ModelConfig, seed: u64) -> Option<HeadKey> {
    model
        .keyed
        .then(|| HeadKey::xxh3(rng(seed, Stream::HeadKey).random()))
}

/// A key bound to one head's shape: turns words into shifts and labels into bins.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) struct WordKey {
    key: HeadKey,
    /// (M, 1) for a full head, (M1, M2) for a factorized one.
    moduli: (usize, usize),
    factorized: bool,
}

impl WordKey {
    /// The key of a head with `bins` outputs, split as `factors` for a factorized head.
    pub fn new(key: HeadKey, bins: usize, factors: Option<(usize, usize)>) -> WordKey {
        WordKey {
            key,
            moduli: factors.unwrap_or((bins, 1)),
            factorized: factors.is_some(),
        }
    }

    /// Shifts per word: 1 for a full head, 2 (row, column) for a factorized one.
    pub fn width(&self) -> usize {
        if self.factorized { 2 } else { 1 }
    }

    /// The word's shifts, appended to `out` ([`width`](WordKey::width) values, each below its
    /// modulus).
    pub fn push_shifts(&self, word: &str, out: &mut Vec<i64>) {
        let index = |shift: usize| i64::try_from(shift).expect("a bin count fits in i64");
        let (m1, m2) = self.moduli;
        if self.factorized {
            let (s1, s2) = self.key.factor_shifts(word, m1, m2);
            out.extend([index(s1), index(s2)]);
        } else {
            out.push(index(self.key.full_shift(word, m1)));
        }
    }

    /// The bin of a word with `shifts` whose greedy label is `label` (full head) or whose two
    /// heads' greedy labels are `label / M2` and `label % M2` (factorized head, label = a * M2 + b):
    /// the reference the tensor relabelling is tested against.
    #[cfg(test)]
    pub fn bin(&self, label: usize, shifts: &[i64]) -> usize {
        let (m1, m2) = self.moduli;
        if self.factorized {
            let (a, b) = (label / m2, label % m2);
            shift(a, shifts[0], m1) * m2 + shift(b, shifts[1], m2)
        } else {
            shift(label, shifts[0], m1)
        }
    }
}

/// (label + shift) mod modulus.
#[cfg(test)]
fn shift(label: usize, shift: i64, modulus: usize) -> usize {
    (label + usize::try_from(shift).expect("shifts are non-negative")) % modulus
}

/// Label-space values (words x M) reordered into bin space: out[w][b] = values[w][(b - s_w) mod M],
/// for one column of `shifts` (words x 1, int64, on the same device).
pub(crate) fn labels_to_bins(values: &Tensor, shifts: &Tensor) -> Tensor {
    let outputs = values.size()[1];
    let bins = Tensor::arange(outputs, (Kind::Int64, values.device())).unsqueeze(0);
    let index = (bins - shifts).remainder(outputs);
    values.gather(1, &index, false)
}

/// Greedy labels (one per word) shifted into bins: (label + s_w) mod M, for one column of
/// `shifts` (words x 1, int64).
pub(crate) fn shift_labels(labels: &Tensor, shifts: &Tensor, outputs: i64) -> Tensor {
    (labels + shifts.squeeze_dim(1)).remainder(outputs)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::inputs::WordIds;
    use crate::net::{Net, NetInput, NetSpec};
    use crate::sampling::argmax_rows;
    use nh_encode::{Alphabet, IndexEncoder};
    use rand::SeedableRng;
    use rand_chacha::ChaCha8Rng;
    use tch::Device;
    use xxhash_rust::xxh3::xxh3_128_with_seed;

    /// A keyed network and the same weights unkeyed, on `words` encoded for each.
    fn keyed_pair(factors: Option<(usize, usize)>, words: &[&str]) -> [(Net, NetInput); 2] {
        let encoder = IndexEncoder::new(Alphabet::lowercase(), 6).unwrap();
        let plain = NetSpec::for_encoder(&encoder, 0, &[16], 12, factors);
        let keyed = NetSpec {
            key: Some(HeadKey::xxh3(99)),
            ..plain.clone()
        };
        [plain, keyed].map(|spec| {
            let net = Net::init(spec, Device::Cpu, &mut ChaCha8Rng::seed_from_u64(8)).unwrap();
            let input = WordIds::new(&encoder, words, net.spec().word_key()).all(Device::Cpu);
            (net, input)
        })
    }

    #[test]
    fn keyed_heads_relabel_the_plain_heads_per_word() {
        let words = [
            "ant", "bee", "cat", "dog", "eel", "fox", "gnu", "hen", "ibis",
        ];
        for factors in [None, Some((3, 4))] {
            let [(plain, plain_input), (keyed, keyed_input)] = keyed_pair(factors, &words);
            let key = keyed.spec().word_key().unwrap();
            let plain_logits = plain.forward(&plain_input);
            let keyed_logits = keyed.forward(&keyed_input);
            let plain_labels = plain.greedy(&plain_input);
            let keyed_bins = keyed.greedy(&keyed_input);
            for (w, word) in words.iter().enumerate() {
                let mut shifts = Vec::new();
                key.push_shifts(word, &mut shifts);
                // Every label's logit moves to that label's bin.
                for label in 0..12 {
                    let bin = key.bin(label, &shifts) as i64;
                    let moved = keyed_logits.double_value(&[w as i64, bin]);
                    let original = plain_logits.double_value(&[w as i64, label as i64]);
                    assert!(
                        (moved - original).abs() < 1e-6,
                        "{factors:?} {word} {label}"
                    );
                }
                assert_eq!(keyed_bins[w], key.bin(plain_labels[w], &shifts));
            }
            // The greedy bins are the argmax of the relabelled logits (no ties in random floats).
            assert_eq!(keyed_bins, argmax_rows(&keyed_logits), "{factors:?}");
        }
    }

    #[test]
    fn full_head_bins_are_shifted_labels_and_spread_uniformly() {
        let key = WordKey::new(HeadKey::xxh3(7), 10, None);
        assert_eq!(key.width(), 1);
        let mut counts = [0usize; 10];
        let mut shifts = Vec::new();
        for i in 0..10_000 {
            shifts.clear();
            key.push_shifts(&format!("word{i}"), &mut shifts);
            assert!(shifts[0] < 10);
            counts[key.bin(0, &shifts)] += 1;
            assert_eq!(key.bin(3, &shifts), (3 + shifts[0] as usize) % 10);
        }
        // 1,000 expected per bin; 5 standard deviations (about 150) is a generous margin.
        assert!(counts.iter().all(|&c| c.abs_diff(1000) < 150), "{counts:?}");
    }

    #[test]
    fn factorized_shifts_are_independent_halves() {
        let key = WordKey::new(HeadKey::xxh3(1), 12, Some((3, 4)));
        let mut shifts = Vec::new();
        key.push_shifts("hash", &mut shifts);
        let h = xxh3_128_with_seed(b"hash", 1);
        assert_eq!(
            shifts,
            vec![(h as u64 % 3) as i64, ((h >> 64) as u64 % 4) as i64]
        );
        // Label (a, b) = (2, 3) moves to ((2 + s1) mod 3, (3 + s2) mod 4).
        let bin = key.bin(2 * 4 + 3, &shifts);
        assert_eq!(
            bin,
            ((2 + shifts[0] as usize) % 3) * 4 + (3 + shifts[1] as usize) % 4
        );
        let other = WordKey::new(HeadKey::xxh3(2), 12, Some((3, 4)));
        let differs = (0..50).any(|i| {
            let (mut a, mut b) = (Vec::new(), Vec::new());
            key.push_shifts(&format!("w{i}"), &mut a);
            other.push_shifts(&format!("w{i}"), &mut b);
            a != b
        });
        assert!(differs, "another seed must give other shifts");
    }

    #[test]
    fn relabelling_moves_label_values_to_their_bins() {
        let values =
            Tensor::from_slice(&[0.0f32, 1.0, 2.0, 3.0, 10.0, 11.0, 12.0, 13.0]).reshape([2, 4]);
        let shifts = Tensor::from_slice(&[1i64, 3]).reshape([2, 1]);
        let bins = labels_to_bins(&values, &shifts);
        // Word 0, shift 1: bin b holds label b - 1. Word 1, shift 3: bin b holds label b - 3.
        let expected = [3.0f32, 0.0, 1.0, 2.0, 11.0, 12.0, 13.0, 10.0];
        assert_eq!(Vec::<f32>::try_from(bins.reshape([-1])).unwrap(), expected);
        let labels = Tensor::from_slice(&[3i64, 2]);
        let moved = shift_labels(&labels, &shifts, 4);
        assert_eq!(Vec::<i64>::try_from(moved).unwrap(), vec![0, 1]);
    }
}
