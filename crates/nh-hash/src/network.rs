//! One network's greedy forward pass in float32, in a fixed order of operations: the arithmetic
//! that defines which bin a word gets.
//!
//! For a word with character-position ids `i_1, ..., i_L` (padding skipped, in position order):
//! 1. `x[j] = ((0 + T[i_1][j]) + T[i_2][j]) + ... + T[i_L][j]`, then `x[j] += b0[j]`;
//! 2. for each layer (weights W, bias b): `y[o] = (sum over i in order of relu(x[i]) * W[o][i])
//!    + b[o]`, each product and sum rounded to float32 (no fused multiply-add), terms whose
//!    `relu(x[i])` is zero skipped (they add a signed zero, which changes no value);
//! 3. the label is the first index of the largest output (per head for a factorized head:
//!    `a * M2 + b`), shifted into a bin by the key of a keyed head ([`HeadKey`]).
//!
//! Each output's sum runs over the inputs in one order whatever the vector width, so the loops
//! vectorize across outputs (the weights are stored inputs x outputs) and every CPU gives the
//! same bins.

use std::path::Path;

use nh_encode::IndexEncoder;

use crate::key::HeadKey;
use crate::metadata::{Architecture, EncoderSpec};
use crate::single::Parameters;
use crate::{Error, Result};

/// One dense layer, weights stored inputs x outputs.
#[derive(Debug, Clone)]
struct Dense {
    outputs: usize,
    /// `weights[i * outputs + o]` is the weight from input i to output o.
    weights: Vec<f32>,
    bias: Vec<f32>,
}

impl Dense {
    /// `out = relu(input) W + b` in the order the module documents.
    fn apply(&self, input: &[f32], out: &mut Vec<f32>) {
        out.clear();
        out.resize(self.outputs, 0.0);
        for (&x, row) in input.iter().zip(self.weights.chunks_exact(self.outputs)) {
            if x > 0.0 {
                for (y, &w) in out.iter_mut().zip(row) {
                    *y += x * w;
                }
            }
        }
        for (y, &b) in out.iter_mut().zip(&self.bias) {
            *y += b;
        }
    }
}

/// The output head: how the last layer's outputs become a bin.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Head {
    /// One output per bin.
    Full { bins: usize },
    /// `rows + cols` outputs; bin = row x cols + column.
    Factorized { rows: usize, cols: usize },
}

/// Reusable buffers for hashing words one after another without allocating.
#[derive(Debug, Default, Clone)]
pub struct Scratch {
    ids: Vec<i64>,
    x: Vec<f32>,
    y: Vec<f32>,
}

/// A word-only network as a hash function into `0..bins()`.
#[derive(Debug, Clone)]
pub struct Network {
    encoder: IndexEncoder,
    pad: i64,
    /// Width of the first layer.
    width: usize,
    /// The (vocab x width) input table, row-major.
    table: Vec<f32>,
    input_bias: Vec<f32>,
    layers: Vec<Dense>,
    head: Head,
    key: Option<HeadKey>,
    bins: usize,
}

impl Network {
    /// The network of `architecture` with `parameters` (names and shapes as
    /// [`Architecture::parameter_shapes`]), reading words as `encoder` says; `path` names the
    /// model in errors.
    ///
    /// # Errors
    /// [`Error::InvalidModel`] for a table-observing model (its bins depend on the table, so it
    /// is not a hash function of the word), an encoder that does not fit the architecture, or
    /// parameters of other names or shapes.
    pub fn new(
        path: &Path,
        architecture: &Architecture,
        encoder: &EncoderSpec,
        mut parameters: Parameters,
    ) -> Result<Network> {
        architecture.validate(path)?;
        if architecture.observation.shows_table() {
            return Err(Error::invalid(
                path,
                format!(
                    "architecture.observation = {:?}: the model reads the table's occupancy, so \
                     its bin depends on the words placed before and it is not a hash function of \
                     the word; only word-only models hash",
                    architecture.observation
                ),
            ));
        }
        let encoder = IndexEncoder::new(encoder.alphabet.clone(), encoder.max_len)
            .map_err(|e| Error::invalid(path, format!("encoder: {e}")))?;
        let pad = encoder.pad_id();
        if encoder.vocab_size() != architecture.vocab_size
            || usize::try_from(pad).ok() != Some(architecture.pad_id)
        {
            return Err(Error::invalid(
                path,
                format!(
                    "the encoder (alphabet of {} slots, max_len {}) has vocab_size {} and pad_id \
                     {pad}, the architecture records {} and {}",
                    encoder.alphabet().size(),
                    encoder.ids_len(),
                    encoder.vocab_size(),
                    architecture.vocab_size,
                    architecture.pad_id
                ),
            ));
        }
        let mut take = |name: &str, shape: &[usize]| -> Result<Vec<f32>> {
            match parameters.remove(name) {
                Some((actual, values))
                    if actual == shape && values.len() == shape.iter().product::<usize>() =>
                {
                    Ok(values)
                }
                Some((actual, _)) => Err(Error::invalid(
                    path,
                    format!("parameter `{name}` has shape {actual:?}, expected {shape:?}"),
                )),
                None => Err(Error::invalid(path, format!("missing parameter `{name}`"))),
            }
        };
        let shapes = architecture.parameter_shapes();
        let mut shapes = shapes.iter();
        let (_, table_shape) = shapes.next().expect("a table");
        let table = take("input.table", table_shape)?;
        let (_, bias_shape) = shapes.next().expect("a first-layer bias");
        let input_bias = take("input.bias", bias_shape)?;
        let mut layers = Vec::with_capacity(architecture.hidden.len());
        while let (Some((weight_name, weight_shape)), Some((bias_name, bias_shape))) =
            (shapes.next(), shapes.next())
        {
            let stored = take(weight_name, weight_shape)?;
            let (outputs, inputs) = (weight_shape[0], weight_shape[1]);
            // Stored (out x in) like nn.Linear; the forward pass wants (in x out).
            let mut weights = vec![0f32; stored.len()];
            for o in 0..outputs {
                for i in 0..inputs {
                    weights[i * outputs + o] = stored[o * inputs + i];
                }
            }
            layers.push(Dense {
                outputs,
                weights,
                bias: take(bias_name, bias_shape)?,
            });
        }
        if let Some(extra) = parameters.keys().next() {
            return Err(Error::invalid(
                path,
                format!("unexpected parameter `{extra}` for this architecture"),
            ));
        }
        let head = match architecture.factors {
            Some((rows, cols)) => Head::Factorized { rows, cols },
            None => Head::Full {
                bins: architecture.bins,
            },
        };
        Ok(Network {
            encoder,
            pad,
            width: table_shape[1],
            table,
            input_bias,
            layers,
            head,
            key: architecture.key,
            bins: architecture.bins,
        })
    }

    /// Number of bins M: bins are in `0..bins()`.
    pub fn bins(&self) -> usize {
        self.bins
    }

    /// The encoder that turns words into the network's ids.
    pub fn encoder(&self) -> &IndexEncoder {
        &self.encoder
    }

    /// The bin of `word`, using `scratch`'s buffers.
    pub fn bin(&self, word: &str, scratch: &mut Scratch) -> usize {
        let Scratch { ids, x, y } = scratch;
        ids.resize(self.encoder.ids_len(), 0);
        self.encoder.ids_into(word, ids);
        x.clear();
        x.resize(self.width, 0.0);
        for &id in ids.iter().filter(|&&id| id != self.pad) {
            let start = id as usize * self.width;
            for (acc, &t) in x.iter_mut().zip(&self.table[start..start + self.width]) {
                *acc += t;
            }
        }
        for (acc, &b) in x.iter_mut().zip(&self.input_bias) {
            *acc += b;
        }
        for layer in &self.layers {
            layer.apply(x, y);
            std::mem::swap(x, y);
        }
        match self.head {
            Head::Full { bins } => {
                let label = first_argmax(x);
                match self.key {
                    Some(key) => (label + key.full_shift(word, bins)) % bins,
                    None => label,
                }
            }
            Head::Factorized { rows, cols } => {
                let (row_logits, col_logits) = x.split_at(rows);
                let (a, b) = (first_argmax(row_logits), first_argmax(col_logits));
                match self.key {
                    Some(key) => {
                        let (s1, s2) = key.factor_shifts(word, rows, cols);
                        ((a + s1) % rows) * cols + (b + s2) % cols
                    }
                    None => a * cols + b,
                }
            }
        }
    }

    /// Scalar parameters of the network (its table included).
    pub fn parameter_count(&self) -> usize {
        self.table.len()
            + self.input_bias.len()
            + self
                .layers
                .iter()
                .map(|l| l.weights.len() + l.bias.len())
                .sum::<usize>()
    }
}

/// The index of the first largest value (libtorch's argmax on ties).
fn first_argmax(values: &[f32]) -> usize {
    let mut best = 0;
    for (i, &v) in values.iter().enumerate() {
        if v > values[best] {
            best = i;
        }
    }
    best
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn ties_go_to_the_first_label() {
        assert_eq!(first_argmax(&[1.0, 3.0, 3.0, 2.0]), 1);
        assert_eq!(first_argmax(&[0.0, -0.0]), 0);
        assert_eq!(first_argmax(&[-0.0, 0.0]), 0);
    }

    #[test]
    fn a_dense_layer_skips_inactive_inputs_and_adds_the_bias_last() {
        let layer = Dense {
            outputs: 2,
            weights: vec![1.0, 2.0, 100.0, 100.0, 0.5, -1.0],
            bias: vec![0.25, 0.0],
        };
        let mut out = Vec::new();
        layer.apply(&[2.0, -3.0, 4.0], &mut out);
        assert_eq!(out, vec![2.0 + 2.0 + 0.25, 4.0 - 4.0]);
    }
}
