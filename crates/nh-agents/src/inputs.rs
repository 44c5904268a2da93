//! Words as network inputs: the non-padding ids of nh-encode's `IndexEncoder`, ready for the
//! embedding-bag first layer, and a keyed head's per-word shifts.

use nh_encode::IndexEncoder;
use tch::{Device, Tensor};

use crate::key::WordKey;
use crate::net::NetInput;

/// The ids of a list of words, concatenated, with the start of each word, and each word's shifts
/// when they are for a keyed network.
#[derive(Debug, Clone)]
pub(crate) struct WordIds {
    ids: Vec<i64>,
    starts: Vec<usize>,
    /// `shift_width` values per word; empty for an unkeyed network.
    shifts: Vec<i64>,
    shift_width: usize,
}

impl WordIds {
    /// Encodes `words` once for a network whose word key is `key` (`None`: unkeyed); padding ids
    /// are dropped (their table row is zero anyway).
    pub fn new<S: AsRef<str>>(
        encoder: &IndexEncoder,
        words: &[S],
        key: Option<WordKey>,
    ) -> WordIds {
        let pad = encoder.pad_id();
        let mut buffer = vec![0i64; encoder.ids_len()];
        let mut ids = Vec::with_capacity(words.len() * 8);
        let mut starts = Vec::with_capacity(words.len() + 1);
        let shift_width = key.map_or(0, |key| key.width());
        let mut shifts = Vec::with_capacity(words.len() * shift_width);
        starts.push(0);
        for word in words {
            encoder.ids_into(word.as_ref(), &mut buffer);
            ids.extend(buffer.iter().copied().filter(|&id| id != pad));
            starts.push(ids.len());
            if let Some(key) = key {
                key.push_shifts(word.as_ref(), &mut shifts);
            }
        }
        WordIds {
            ids,
            starts,
            shifts,
            shift_width,
        }
    }

    /// Number of words.
    pub fn len(&self) -> usize {
        self.starts.len() - 1
    }

    /// The network input for the words at `rows` (in that order), on `device`.
    pub fn input(&self, rows: &[usize], device: Device) -> NetInput {
        let mut ids = Vec::with_capacity(rows.len() * 8);
        let mut offsets = Vec::with_capacity(rows.len());
        let width = self.shift_width;
        let mut shifts = Vec::with_capacity(rows.len() * width);
        for &row in rows {
            offsets.push(ids.len() as i64);
            ids.extend_from_slice(&self.ids[self.starts[row]..self.starts[row + 1]]);
            shifts.extend_from_slice(&self.shifts[row * width..(row + 1) * width]);
        }
        NetInput {
            ids: to_device(&ids, device),
            offsets: to_device(&offsets, device),
            occupancy: None,
            shifts: self.shift_tensor(&shifts, device),
        }
    }

    /// The network input for all words, in order, on `device`.
    pub fn all(&self, device: Device) -> NetInput {
        let offsets: Vec<i64> = self.starts[..self.len()]
            .iter()
            .map(|&s| s as i64)
            .collect();
        NetInput {
            ids: to_device(&self.ids, device),
            offsets: to_device(&offsets, device),
            occupancy: None,
            shifts: self.shift_tensor(&self.shifts, device),
        }
    }

    /// Shifts as a (words x width) tensor on `device`; `None` when unkeyed.
    fn shift_tensor(&self, shifts: &[i64], device: Device) -> Option<Tensor> {
        (self.shift_width > 0)
            .then(|| to_device(shifts, device).reshape([-1, self.shift_width as i64]))
    }
}

/// An int64 host slice as a tensor on `device`.
fn to_device(values: &[i64], device: Device) -> Tensor {
    Tensor::from_slice(values).to_device(device)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::net::{Net, NetSpec};
    use nh_encode::{Alphabet, OneHotEncoder};
    use rand::SeedableRng;
    use std::collections::BTreeMap;

    #[test]
    fn embedding_bag_equals_dense_one_hot_forward() {
        let (alphabet, max_len) = (Alphabet::lowercase(), 6);
        let index = IndexEncoder::new(alphabet.clone(), max_len).unwrap();
        let one_hot = OneHotEncoder::new(alphabet, max_len).unwrap();
        // Short, exactly max_len, longer than max_len, unknown characters, empty.
        let words = ["a", "hash", "tables", "collisions", "Zürich-9", ""];
        let spec = NetSpec {
            vocab: index.vocab_size(),
            pad_id: usize::try_from(index.pad_id()).unwrap(),
            occupancy: 0,
            hidden: vec![16, 8],
            outputs: 5,
            factors: None,
            key: None,
        };
        let net = Net::init(
            spec,
            Device::Cpu,
            &mut rand_chacha::ChaCha8Rng::seed_from_u64(5),
        )
        .unwrap();
        let bag = net.forward(&WordIds::new(&index, &words, None).all(Device::Cpu));

        let dim = one_hot.dim();
        let mut dense = vec![0f32; words.len() * dim];
        for (word, row) in words.iter().zip(dense.chunks_exact_mut(dim)) {
            one_hot.encode_into(word, row);
        }
        let x = Tensor::from_slice(&dense).reshape([words.len() as i64, dim as i64]);
        let p: BTreeMap<_, _> = net.named_parameters().into_iter().collect();
        let first = x.matmul(&p["input.table"].narrow(0, 0, dim as i64)) + &p["input.bias"];
        let hidden = first
            .relu()
            .linear(&p["layer1.weight"], Some(&p["layer1.bias"]));
        let expected = hidden
            .relu()
            .linear(&p["layer2.weight"], Some(&p["layer2.bias"]));
        let diff = f64::try_from((bag - expected).abs().max()).unwrap();
        assert!(diff < 1e-6, "max abs difference {diff}");
    }

    #[test]
    fn batches_select_rows_in_order() {
        let index = IndexEncoder::new(Alphabet::lowercase(), 4).unwrap();
        let ids = WordIds::new(&index, &["ab", "c", "defgh"], None);
        assert_eq!(ids.len(), 3);
        let input = ids.input(&[2, 0, 2], Device::Cpu);
        assert_eq!(Vec::<i64>::try_from(&input.offsets).unwrap(), vec![0, 4, 6]);
        let all = Vec::<i64>::try_from(&ids.all(Device::Cpu).ids).unwrap();
        // "ab": a at position 0, b at position 1 (alphabet size 27).
        assert_eq!(&all[..2], &[0, 27 + 1]);
        assert_eq!(all.len(), 2 + 1 + 4);
    }
}
