//! The MLP shared by every learner: an embedding-bag first layer, ReLU hidden layers, linear output.
//!
//! The paper's network multiplies a one-hot character grid (dim = alphabet size x max_len) by a
//! dense (dim x H) matrix. A one-hot vector has one 1 per character, so that product is the sum
//! of the matrix rows picked by the character ids: an embedding-bag (sum) over the ids of
//! [`nh_encode::IndexEncoder`]. We store the matrix as a (vocab x H) table whose padding row stays
//! zero and is never indexed, which computes the same function with L instead of dim x H
//! multiply-adds per word. With occupancy observations the (bins x H) occupancy part of the
//! paper's first layer is a dense product added to the bag.
//!
//! A factorized output head (M = M1 x M2) is one last layer of width M1 + M2 whose two parts
//! are the logits of the row a and the column b of bin a * M2 + b. Its logits over the M bins
//! are the sums la[a] + lb[b], so softmax over them is the product of the two heads' softmaxes
//! and every learner works unchanged; greedy hashing takes the two argmaxes instead.

use std::collections::BTreeMap;

use nh_encode::IndexEncoder;
use rand::Rng;
use tch::nn::VarStore;
use tch::{Device, Kind, Tensor};

use crate::config::Precision;
use crate::key::{HeadKey, WordKey, labels_to_bins, shift_labels};
use crate::sampling::to_indices;
use crate::{Error, Result};

/// Shapes of one network: inputs, hidden widths and outputs.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct NetSpec {
    /// Rows of the first-layer table (the encoder's vocabulary, padding included).
    pub vocab: usize,
    /// The id whose row stays zero (the encoder's padding id).
    pub pad_id: usize,
    /// Width of the dense occupancy input; 0 for word-only observations.
    pub occupancy: usize,
    /// Hidden layer widths, first to last.
    pub hidden: Vec<usize>,
    /// Output width (bins for a policy or Q network, 1 for a critic).
    pub outputs: usize,
    /// (M1, M2) with M1 x M2 = `outputs` for a factorized head; `None` for a full one.
    pub factors: Option<(usize, usize)>,
    /// The key of a keyed head (its outputs are labels, shifted per word into bins); `None` for
    /// a plain head, and always for critics and Q networks.
    pub key: Option<HeadKey>,
}

impl NetSpec {
    /// A network reading `encoder`'s word ids, plus `occupancy` dense inputs (0 for word-only
    /// observations), through `hidden` layers into `outputs` (split as `factors` for a
    /// factorized head): the one place a spec is built for an encoder.
    pub fn for_encoder(
        encoder: &IndexEncoder,
        occupancy: usize,
        hidden: &[usize],
        outputs: usize,
        factors: Option<(usize, usize)>,
    ) -> NetSpec {
        NetSpec {
            vocab: encoder.vocab_size(),
            pad_id: pad_index(encoder),
            occupancy,
            hidden: hidden.to_vec(),
            outputs,
            factors,
            key: None,
        }
    }

    /// The key bound to this head's shape, for turning words into shifts; `None` when unkeyed.
    pub fn word_key(&self) -> Option<WordKey> {
        self.key
            .map(|key| WordKey::new(key, self.outputs, self.factors))
    }

    /// Widths of every layer's output, the output layer last.
    fn widths(&self) -> Vec<usize> {
        let last = match self.factors {
            Some((rows, cols)) => rows + cols,
            None => self.outputs,
        };
        self.hidden.iter().copied().chain([last]).collect()
    }

    /// Fan-in of the paper's dense first layer: the one-hot grid (padding excluded) plus occupancy.
    fn first_fan_in(&self) -> usize {
        self.vocab - 1 + self.occupancy
    }

    /// Every parameter's name and shape, in the canonical (initialization and file) order.
    pub fn parameter_shapes(&self) -> Vec<(String, Vec<usize>)> {
        let widths = self.widths();
        let (hidden, output) = widths.split_at(widths.len() - 1);
        nh_hash::parameter_shapes(self.vocab, self.occupancy, hidden, output[0])
    }

    /// Number of scalar parameters.
    pub fn parameter_count(&self) -> usize {
        self.parameter_shapes()
            .iter()
            .map(|(_, shape)| shape.iter().product::<usize>())
            .sum()
    }

    /// Checks that every width is positive and the padding id is a table row.
    pub fn validate(&self) -> Result<()> {
        if let Some(pos) = self.hidden.iter().position(|&h| h == 0) {
            return Err(Error::config(
                "model.hidden",
                format!("{:?}", self.hidden),
                &format!("layer {pos} has width 0"),
            ));
        }
        if self.outputs == 0 {
            return Err(Error::config("bins", 0, "must be at least 1"));
        }
        if let Some((rows, cols)) = self.factors
            && rows * cols != self.outputs
        {
            return Err(Error::config(
                "model.factor_rows",
                rows,
                &format!("{rows} x {cols} must equal the {} bins", self.outputs),
            ));
        }
        if self.pad_id >= self.vocab || self.vocab < 2 {
            return Err(Error::config(
                "encoder.vocab_size",
                self.vocab,
                &format!(
                    "padding id {} must be a row of a table with at least 2 rows",
                    self.pad_id
                ),
            ));
        }
        Ok(())
    }
}

/// The padding id of an encoder as a table row index.
pub(crate) fn pad_index(encoder: &IndexEncoder) -> usize {
    usize::try_from(encoder.pad_id()).expect("nh-encode's padding id is non-negative")
}

/// A batch of network inputs, already on the network's device.
pub(crate) struct NetInput {
    /// Non-padding ids of all words, concatenated (int64).
    pub ids: Tensor,
    /// Start of each word in `ids` (int64, one per word).
    pub offsets: Tensor,
    /// Occupancy features, (words x occupancy width), for occupancy networks only.
    pub occupancy: Option<Tensor>,
    /// Each word's shifts (words x 1 for a full head, words x 2 for a factorized one, int64), for
    /// keyed networks only.
    pub shifts: Option<Tensor>,
}

/// An MLP whose parameters live in their own [`VarStore`] (so each network has its own optimizer).
pub(crate) struct Net {
    spec: NetSpec,
    vs: VarStore,
    table: Tensor,
    occupancy: Option<Tensor>,
    bias: Tensor,
    layers: Vec<(Tensor, Tensor)>,
    /// The number format of the layers' matrix products (float32 unless a learner says).
    products: Kind,
}

impl Net {
    /// A network initialized like PyTorch's `nn.Linear` (weights and biases uniform in
    /// +-1/sqrt(fan_in)), from the seed-local `rng`, with the padding row set to zero.
    pub fn init(spec: NetSpec, device: Device, rng: &mut impl Rng) -> Result<Net> {
        spec.validate()?;
        let mut tensors = BTreeMap::new();
        let mut fan_in = spec.first_fan_in();
        for (name, shape) in spec.parameter_shapes() {
            if name.starts_with("layer") && name.ends_with(".weight") {
                fan_in = shape[1];
            }
            let bound = 1.0 / (fan_in as f32).sqrt();
            let count: usize = shape.iter().product();
            let mut values: Vec<f32> = (0..count)
                .map(|_| (rng.random::<f32>() * 2.0 - 1.0) * bound)
                .collect();
            if name == "input.table" {
                let width = shape[1];
                values[spec.pad_id * width..(spec.pad_id + 1) * width].fill(0.0);
            }
            tensors.insert(name, (shape, values));
        }
        Net::from_values(spec, device, tensors)
    }

    /// A network with the given parameter values (name -> (shape, row-major values)).
    ///
    /// Callers guarantee the names and shapes match `spec.parameter_shapes()`.
    pub fn from_values(
        spec: NetSpec,
        device: Device,
        mut values: BTreeMap<String, (Vec<usize>, Vec<f32>)>,
    ) -> Result<Net> {
        crate::cpu::prime_elementwise_kernels();
        let vs = VarStore::new(device);
        let mut take = |name: &str| -> Result<Tensor> {
            let (shape, data) = values.remove(name).ok_or_else(|| {
                Error::invalid_model("<weights>", format!("missing parameter `{name}`"))
            })?;
            let dims: Vec<i64> = shape.iter().map(|&d| d as i64).collect();
            let tensor = Tensor::from_slice(&data)
                .reshape(&dims[..])
                .to_device(device);
            let (group, leaf) = name.split_once('.').unwrap_or(("", name));
            vs.root()
                .sub(group)
                .f_var_copy(leaf, &tensor)
                .map_err(|e| Error::torch(format!("creating parameter `{name}`"), e))
        };
        let table = take("input.table")?;
        let occupancy = if spec.occupancy > 0 {
            Some(take("input.occupancy")?)
        } else {
            None
        };
        let bias = take("input.bias")?;
        let layers = (1..=spec.hidden.len())
            .map(|i| {
                Ok((
                    take(&format!("layer{i}.weight"))?,
                    take(&format!("layer{i}.bias"))?,
                ))
            })
            .collect::<Result<Vec<_>>>()?;
        Ok(Net {
            spec,
            vs,
            table,
            occupancy,
            bias,
            layers,
            products: Kind::Float,
        })
    }

    /// The shapes this network was built with.
    pub fn spec(&self) -> &NetSpec {
        &self.spec
    }

    /// The parameters, for optimizers.
    pub fn var_store(&self) -> &VarStore {
        &self.vs
    }

    /// The device the parameters live on.
    pub fn device(&self) -> Device {
        self.vs.device()
    }

    /// Output logits (or values) over the `outputs`, one row per input word. A keyed head's
    /// logits are relabelled into bins: bin b gets the logit of label (b - shift) mod M.
    pub fn forward(&self, input: &NetInput) -> Tensor {
        match self.factor_logits(input) {
            None => {
                let logits = self.last_layer(input);
                match self.shifts(input) {
                    Some(shifts) => labels_to_bins(&logits, shifts),
                    None => logits,
                }
            }
            Some((row_logits, col_logits)) => {
                let bins = self.spec.outputs as i64;
                (row_logits.unsqueeze(2) + col_logits.unsqueeze(1)).reshape([-1, bins])
            }
        }
    }

    /// Each word's bin of highest score. The first label of highest score is taken (per head
    /// for a factorized head) and, for a keyed head, shifted into its bin; this never builds the
    /// M logits of a factorized head nor relabels a full head's.
    pub fn greedy(&self, input: &NetInput) -> Vec<usize> {
        let last = self.last_layer(input);
        let shifts = self.shifts(input);
        let shifted = |labels: Tensor, column: i64, modulus: usize| match shifts {
            Some(shifts) => shift_labels(&labels, &shifts.narrow(1, column, 1), modulus as i64),
            None => labels,
        };
        let bins = match self.spec.factors {
            None => shifted(last.argmax(-1, false), 0, self.spec.outputs),
            Some((rows, cols)) => {
                let (row_logits, col_logits) = split_factors(&last, rows, cols);
                let a = shifted(row_logits.argmax(-1, false), 0, rows);
                let b = shifted(col_logits.argmax(-1, false), 1, cols);
                a * cols as i64 + b
            }
        };
        to_indices(&bins)
    }

    /// The row-head and column-head logits of a factorized head (relabelled into rows and
    /// columns for a keyed head); `None` for a full head.
    pub fn factor_logits(&self, input: &NetInput) -> Option<(Tensor, Tensor)> {
        let (rows, cols) = self.spec.factors?;
        let (row_logits, col_logits) = split_factors(&self.last_layer(input), rows, cols);
        Some(match self.shifts(input) {
            Some(shifts) => (
                labels_to_bins(&row_logits, &shifts.narrow(1, 0, 1)),
                labels_to_bins(&col_logits, &shifts.narrow(1, 1, 1)),
            ),
            None => (row_logits, col_logits),
        })
    }

    /// The words' shifts when this head is keyed.
    ///
    /// # Panics
    /// When a keyed network is given an input without shifts (a caller bug: inputs come from
    /// `WordIds` built with the network's word key).
    fn shifts<'a>(&self, input: &'a NetInput) -> Option<&'a Tensor> {
        self.spec.key?;
        Some(
            input
                .shifts
                .as_ref()
                .expect("a keyed network's input carries the words' shifts"),
        )
    }

    /// The last layer's output: the logits of a full head, the two heads' logits side by side.
    fn last_layer(&self, input: &NetInput) -> Tensor {
        let (bag, _, _, _) = Tensor::embedding_bag(
            &self.table,
            &input.ids,
            &input.offsets,
            false,
            0, // mode 0 = sum
            false,
            None::<Tensor>,
            false,
        );
        let mut x = bag + &self.bias;
        if let (Some(weight), Some(occupancy)) = (&self.occupancy, &input.occupancy) {
            x += occupancy.matmul(weight);
        }
        // `to_kind` to the tensor's own kind returns the tensor itself: float32 runs unchanged.
        let products = self.products;
        for (weight, bias) in &self.layers {
            x = x
                .relu()
                .to_kind(products)
                .linear(&weight.to_kind(products), Some(&bias.to_kind(products)));
        }
        x.to_kind(Kind::Float)
    }

    /// Sets the number format of the layers' matrix products from now on; the parameters stay
    /// float32, and gradients reach them through the roundings.
    pub fn set_precision(&mut self, precision: Precision) {
        self.products = match precision {
            Precision::F32 => Kind::Float,
            Precision::Bf16 => Kind::BFloat16,
        };
    }

    /// Every parameter as (name, tensor), in canonical order.
    pub fn named_parameters(&self) -> Vec<(String, Tensor)> {
        let mut all = vec![("input.table".to_owned(), self.table.shallow_clone())];
        if let Some(occupancy) = &self.occupancy {
            all.push(("input.occupancy".to_owned(), occupancy.shallow_clone()));
        }
        all.push(("input.bias".to_owned(), self.bias.shallow_clone()));
        for (i, (weight, bias)) in self.layers.iter().enumerate() {
            all.push((format!("layer{}.weight", i + 1), weight.shallow_clone()));
            all.push((format!("layer{}.bias", i + 1), bias.shallow_clone()));
        }
        all
    }

    /// Every parameter copied to the CPU as (name, shape, row-major values).
    pub fn parameter_values(&self) -> Vec<(String, Vec<usize>, Vec<f32>)> {
        self.named_parameters()
            .into_iter()
            .map(|(name, tensor)| {
                let shape = tensor.size().iter().map(|&d| d as usize).collect();
                let flat = tensor
                    .detach()
                    .to_device(Device::Cpu)
                    .to_kind(Kind::Float)
                    .reshape([-1]);
                let values =
                    Vec::<f32>::try_from(&flat).expect("a float tensor converts to Vec<f32>");
                (name, shape, values)
            })
            .collect()
    }

    /// A copy of this network (same device, same values, fresh parameters).
    pub fn duplicate(&self) -> Result<Net> {
        let values = self
            .parameter_values()
            .into_iter()
            .map(|(name, shape, values)| (name, (shape, values)))
            .collect();
        Net::from_values(self.spec.clone(), self.device(), values)
    }

    /// Copies every parameter value of `source`, a network of the same spec, into this one.
    pub fn copy_from(&mut self, source: &Net) {
        self.assign_from(source, |_, src| src.shallow_clone());
    }

    /// Polyak averaging: self <- (1 - tau) self + tau source. `tau = 1` copies.
    pub fn soft_update_from(&mut self, source: &Net, tau: f64) {
        self.assign_from(source, |dst, src| dst * (1.0 - tau) + src * tau);
    }

    /// Sets each parameter to `value(own, source's)`, pairing parameters by canonical order.
    fn assign_from(&mut self, source: &Net, value: impl Fn(&Tensor, &Tensor) -> Tensor) {
        tch::no_grad(|| {
            for ((_, mut dst), (_, src)) in self
                .named_parameters()
                .into_iter()
                .zip(source.named_parameters())
            {
                let new = value(&dst, &src);
                dst.copy_(&new);
            }
        });
    }
}

/// The row-head and column-head logits of a factorized last layer.
fn split_factors(last: &Tensor, rows: usize, cols: usize) -> (Tensor, Tensor) {
    (
        last.narrow(1, 0, rows as i64),
        last.narrow(1, rows as i64, cols as i64),
    )
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::sampling::argmax_rows;
    use rand::SeedableRng;
    use rand_chacha::ChaCha8Rng;

    fn spec(occupancy: usize) -> NetSpec {
        NetSpec {
            vocab: 13,
            pad_id: 12,
            occupancy,
            hidden: vec![7, 5],
            outputs: 4,
            factors: None,
            key: None,
        }
    }

    fn input(ids: &[i64], offsets: &[i64], occupancy: Option<&[f32]>) -> NetInput {
        NetInput {
            ids: Tensor::from_slice(ids),
            offsets: Tensor::from_slice(offsets),
            occupancy: occupancy.map(|o| Tensor::from_slice(o).reshape([offsets.len() as i64, -1])),
            shifts: None,
        }
    }

    #[test]
    fn same_seed_same_weights_and_padding_row_is_zero() {
        let a = Net::init(spec(0), Device::Cpu, &mut ChaCha8Rng::seed_from_u64(3)).unwrap();
        let b = Net::init(spec(0), Device::Cpu, &mut ChaCha8Rng::seed_from_u64(3)).unwrap();
        let c = Net::init(spec(0), Device::Cpu, &mut ChaCha8Rng::seed_from_u64(4)).unwrap();
        assert_eq!(a.parameter_values(), b.parameter_values());
        assert_ne!(a.parameter_values(), c.parameter_values());
        let (_, shape, table) = &a.parameter_values()[0];
        assert_eq!(shape, &vec![13, 7]);
        assert!(table[12 * 7..].iter().all(|&v| v == 0.0));
        let bound = 1.0 / 12f32.sqrt();
        assert!(table.iter().all(|v| v.abs() <= bound));
        assert_eq!(
            a.spec().parameter_count(),
            13 * 7 + 7 + 7 * 5 + 5 + 5 * 4 + 4
        );
    }

    #[test]
    fn forward_matches_dense_first_layer_with_occupancy() {
        let net = Net::init(spec(3), Device::Cpu, &mut ChaCha8Rng::seed_from_u64(9)).unwrap();
        // Two words: ids {0, 5, 11} and {2}; occupancies [1, 0, 2] and [0, 1, 0].
        let occ = [1.0, 0.0, 2.0, 0.0, 1.0, 0.0];
        let out = net.forward(&input(&[0, 5, 11, 2], &[0, 3], Some(&occ)));
        let mut dense = vec![0f32; 2 * 12];
        for (row, ids) in [vec![0, 5, 11], vec![2]].iter().enumerate() {
            for &id in ids {
                dense[row * 12 + id] = 1.0;
            }
        }
        let params: BTreeMap<_, _> = net.named_parameters().into_iter().collect();
        let x = Tensor::from_slice(&dense).reshape([2, 12]);
        let first = x.matmul(&params["input.table"].narrow(0, 0, 12))
            + Tensor::from_slice(&occ)
                .reshape([2, 3])
                .matmul(&params["input.occupancy"])
            + &params["input.bias"];
        let h = first
            .relu()
            .linear(&params["layer1.weight"], Some(&params["layer1.bias"]));
        let expected = h
            .relu()
            .linear(&params["layer2.weight"], Some(&params["layer2.bias"]));
        let diff = f64::try_from((out - expected).abs().max()).unwrap();
        assert!(diff < 1e-6, "max abs difference {diff}");
    }

    #[test]
    fn factorized_head_is_a_product_distribution_with_matching_greedy_bins() {
        let factorized = NetSpec {
            outputs: 12,
            factors: Some((3, 4)),
            ..spec(0)
        };
        assert_eq!(
            factorized.parameter_count(),
            13 * 7 + 7 + 7 * 5 + 5 + 5 * 7 + 7
        );
        let net = Net::init(factorized, Device::Cpu, &mut ChaCha8Rng::seed_from_u64(5)).unwrap();
        let words = input(&[0, 5, 11, 2, 3, 4, 7], &[0, 3, 4, 6], None);
        let log_probs = net.forward(&words).log_softmax(-1, Kind::Float);
        assert_eq!(log_probs.size(), vec![4, 12]);
        let last = net.last_layer(&words);
        let rows = last.narrow(1, 0, 3).log_softmax(-1, Kind::Float);
        let cols = last.narrow(1, 3, 4).log_softmax(-1, Kind::Float);
        let product = (rows.unsqueeze(2) + cols.unsqueeze(1)).reshape([4, 12]);
        let diff = f64::try_from((log_probs.shallow_clone() - product).abs().max()).unwrap();
        assert!(diff < 1e-6, "max abs difference {diff}");
        assert_eq!(net.greedy(&words), argmax_rows(&log_probs));
        let bad = NetSpec {
            outputs: 12,
            factors: Some((5, 3)),
            ..spec(0)
        };
        assert!(
            bad.validate()
                .unwrap_err()
                .to_string()
                .contains("factor_rows")
        );
    }

    #[test]
    fn soft_update_moves_toward_source() {
        let mut target =
            Net::init(spec(0), Device::Cpu, &mut ChaCha8Rng::seed_from_u64(1)).unwrap();
        let source = Net::init(spec(0), Device::Cpu, &mut ChaCha8Rng::seed_from_u64(2)).unwrap();
        let before = target.parameter_values();
        target.soft_update_from(&source, 0.25);
        let after = target.parameter_values();
        let src = source.parameter_values();
        for ((a, b), s) in before.iter().zip(&after).zip(&src) {
            for ((x, y), z) in a.2.iter().zip(&b.2).zip(&s.2) {
                assert!((y - (0.75 * x + 0.25 * z)).abs() < 1e-6);
            }
        }
        target.soft_update_from(&source, 1.0);
        assert_eq!(target.parameter_values(), src);
        let copy = source.duplicate().unwrap();
        assert_eq!(copy.parameter_values(), src);
    }
}
