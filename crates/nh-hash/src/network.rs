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

use multiversion::multiversion;
use nh_encode::IndexEncoder;

use crate::key::HeadKey;
use crate::metadata::{Architecture, EncoderSpec};
use crate::single::Parameters;
use crate::{Error, Result};

/// One dense layer, weights stored inputs x outputs, each row padded with zeros to a whole
/// number of [`BLOCK`]s.
#[derive(Debug, Clone)]
struct Dense {
    /// Outputs rounded up to whole blocks: the row length of `weights` and of `bias`.
    stride: usize,
    /// `weights[i * stride + o]` is the weight from input i to output o (0 past the outputs).
    weights: Vec<f32>,
    /// The bias, zero-padded to `stride`.
    bias: Vec<f32>,
}

impl Dense {
    /// `out = relu(input) W + b` in the order the module documents. The active inputs (those
    /// above zero) are listed first, without a branch; then each block of [`BLOCK`] outputs
    /// sums over them in registers, in input order.
    #[inline(always)]
    fn apply(&self, input: &[f32], active: &mut Vec<(f32, usize)>, out: &mut Vec<f32>) {
        active.clear();
        active.resize(input.len(), (0.0, 0));
        let mut count = 0;
        for (i, &x) in input.iter().enumerate() {
            active[count] = (x, i);
            count += usize::from(x > 0.0);
        }
        let active = &active[..count];
        out.clear();
        out.resize(self.stride, 0.0);
        for (group, chunk) in out.chunks_mut(GROUP * BLOCK).enumerate() {
            let start = group * GROUP * BLOCK;
            let rows = active.iter().map(|&(x, i)| (x, i * self.stride + start));
            match chunk.len() / BLOCK {
                1 => sum_rows::<BLOCK>(chunk, &self.weights, rows),
                2 => sum_rows::<{ 2 * BLOCK }>(chunk, &self.weights, rows),
                3 => sum_rows::<{ 3 * BLOCK }>(chunk, &self.weights, rows),
                4 => sum_rows::<{ 4 * BLOCK }>(chunk, &self.weights, rows),
                5 => sum_rows::<{ 5 * BLOCK }>(chunk, &self.weights, rows),
                6 => sum_rows::<{ 6 * BLOCK }>(chunk, &self.weights, rows),
                7 => sum_rows::<{ 7 * BLOCK }>(chunk, &self.weights, rows),
                _ => sum_rows::<{ GROUP * BLOCK }>(chunk, &self.weights, rows),
            }
        }
        for (y, &b) in out.iter_mut().zip(&self.bias) {
            *y += b;
        }
    }
}

/// Outputs summed together in registers: 16 float32 fill one AVX-512 register.
const BLOCK: usize = 16;

/// Blocks summed together: 8 x 16 float32 accumulators fit in AVX-512's registers.
const GROUP: usize = 8;

/// `out[k] = (((0 + s1 * M[r1 + k]) + s2 * M[r2 + k]) + ...)` for `(s, r)` in `rows`, in order,
/// for the `W` outputs of `out` (a whole number of blocks): one flat loop over a fixed-size
/// accumulator, which the compiler keeps in vector registers.
#[inline(always)]
fn sum_rows<const W: usize>(
    out: &mut [f32],
    matrix: &[f32],
    rows: impl Iterator<Item = (f32, usize)>,
) {
    let mut acc = [0f32; W];
    for (scale, start) in rows {
        let row: &[f32; W] = matrix[start..start + W]
            .try_into()
            .expect("whole blocks of the row");
        for (a, &m) in acc.iter_mut().zip(row) {
            *a += scale * m;
        }
    }
    out.copy_from_slice(&acc);
}

/// `n` rounded up to whole blocks.
fn padded(n: usize) -> usize {
    n.div_ceil(BLOCK) * BLOCK
}

/// The rows x cols matrix `values` with each row padded with zeros to `stride` columns.
fn pad_rows(values: &[f32], cols: usize, stride: usize) -> Vec<f32> {
    let mut out = Vec::with_capacity(values.len() / cols.max(1) * stride);
    for row in values.chunks_exact(cols) {
        out.extend_from_slice(row);
        out.resize(out.len() + stride - cols, 0.0);
    }
    out
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
    active: Vec<(f32, usize)>,
}

/// A word-only network as a hash function into `0..bins()`.
#[derive(Debug, Clone)]
pub struct Network {
    encoder: IndexEncoder,
    pad: i64,
    /// The first layer's width rounded up to whole blocks: the row length of `table` and `input_bias`.
    stride: usize,
    /// The (vocab x stride) input table, row-major, zero past `width`.
    table: Vec<f32>,
    /// The first layer's bias, zero past `width`.
    input_bias: Vec<f32>,
    /// Scalar parameters of the model file.
    parameters: usize,
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
        let (width, stride) = (table_shape[1], padded(table_shape[1]));
        let table = pad_rows(&take("input.table", table_shape)?, width, stride);
        let (_, bias_shape) = shapes.next().expect("a first-layer bias");
        let input_bias = pad_rows(&take("input.bias", bias_shape)?, width, stride);
        let mut parameter_count = table_shape.iter().product::<usize>() + width;
        let mut layers = Vec::with_capacity(architecture.hidden.len());
        while let (Some((weight_name, weight_shape)), Some((bias_name, bias_shape))) =
            (shapes.next(), shapes.next())
        {
            let stored = take(weight_name, weight_shape)?;
            let (outputs, inputs) = (weight_shape[0], weight_shape[1]);
            parameter_count += stored.len() + outputs;
            // Stored (out x in) like nn.Linear; the forward pass wants (in x out), padded.
            let stride = padded(outputs);
            let mut weights = vec![0f32; padded(inputs) * stride];
            for o in 0..outputs {
                for i in 0..inputs {
                    weights[i * stride + o] = stored[o * inputs + i];
                }
            }
            layers.push(Dense {
                stride,
                weights,
                bias: pad_rows(&take(bias_name, bias_shape)?, outputs, stride),
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
            stride,
            table,
            input_bias,
            parameters: parameter_count,
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
        forward(self, word, scratch)
    }

    /// Scalar parameters of the network (its table included).
    pub fn parameter_count(&self) -> usize {
        self.parameters
    }
}

/// [`Network::bin`]'s forward pass, compiled for several instruction sets and chosen once at run
/// time. Each version runs the same operations in the same order for every output: a wider
/// vector advances more outputs at once and never reorders a sum (Rust does not fuse a multiply
/// and an add unless asked), so every version gives the same bins.
#[multiversion(targets(
    "x86_64+avx512f+avx512bw+avx512vl+avx2+fma",
    "x86_64+avx2+fma",
    "aarch64+neon"
))]
fn forward(network: &Network, word: &str, scratch: &mut Scratch) -> usize {
    let Scratch { ids, x, y, active } = scratch;
    ids.resize(network.encoder.ids_len(), 0);
    network.encoder.ids_into(word, ids);
    x.clear();
    x.resize(network.stride, 0.0);
    // The table rows of the word's ids (1 x t is t exactly, so this is the documented sum).
    for (block, chunk) in x.chunks_exact_mut(BLOCK).enumerate() {
        let rows = ids
            .iter()
            .filter(|&&id| id != network.pad)
            .map(|&id| (1.0, id as usize * network.stride + block * BLOCK));
        sum_rows::<BLOCK>(chunk, &network.table, rows);
    }
    for (acc, &b) in x.iter_mut().zip(&network.input_bias) {
        *acc += b;
    }
    for layer in &network.layers {
        layer.apply(x, active, y);
        std::mem::swap(x, y);
    }
    match network.head {
        Head::Full { bins } => {
            let label = first_argmax(&x[..bins]);
            match network.key {
                Some(key) => (label + key.full_shift(word, bins)) % bins,
                None => label,
            }
        }
        Head::Factorized { rows, cols } => {
            let (row_logits, col_logits) = x[..rows + cols].split_at(rows);
            let (a, b) = (first_argmax(row_logits), first_argmax(col_logits));
            match network.key {
                Some(key) => {
                    let (s1, s2) = key.factor_shifts(word, rows, cols);
                    ((a + s1) % rows) * cols + (b + s2) % cols
                }
                None => a * cols + b,
            }
        }
    }
}

/// The index of the first largest value (libtorch's argmax on ties; 0 when the first value is
/// NaN, and NaN elsewhere never wins). The largest value is found over independent lanes, which
/// vectorize and do not branch (a maximum is exact in any order), then its first position.
#[inline(always)]
fn first_argmax(values: &[f32]) -> usize {
    const LANES: usize = 16;
    let Some(&first) = values.first() else {
        return 0;
    };
    if first.is_nan() {
        return 0;
    }
    let mut lanes = [first; LANES];
    let mut chunks = values.chunks_exact(LANES);
    for chunk in &mut chunks {
        let chunk: &[f32; LANES] = chunk.try_into().expect("a whole chunk");
        for (m, &v) in lanes.iter_mut().zip(chunk) {
            *m = if v > *m { v } else { *m };
        }
    }
    let mut largest = first;
    for &v in lanes.iter().chain(chunks.remainder()) {
        if v > largest {
            largest = v;
        }
    }
    values.iter().position(|&v| v == largest).unwrap_or(0)
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Seeded values in [-1, 1) from a 64-bit LCG (no crate needed for test noise).
    fn noise(seed: u64, n: usize) -> Vec<f32> {
        let mut state = seed
            .wrapping_mul(6364136223846793005)
            .wrapping_add(1442695040888963407);
        (0..n)
            .map(|_| {
                state = state
                    .wrapping_mul(6364136223846793005)
                    .wrapping_add(1442695040888963407);
                ((state >> 40) as f32 / (1u64 << 24) as f32) * 2.0 - 1.0
            })
            .collect()
    }

    /// The module's documented order, one scalar operation at a time (`widths`: the first
    /// layer's, then each layer's outputs).
    #[allow(clippy::needless_range_loop)]
    fn reference_bin(network: &Network, widths: &[usize], word: &str) -> usize {
        let mut ids = vec![0; network.encoder.ids_len()];
        network.encoder.ids_into(word, &mut ids);
        let mut x = vec![0f32; widths[0]];
        for &id in ids.iter().filter(|&&id| id != network.pad) {
            for j in 0..widths[0] {
                x[j] += network.table[id as usize * network.stride + j];
            }
        }
        for j in 0..widths[0] {
            x[j] += network.input_bias[j];
        }
        for (layer, &outputs) in network.layers.iter().zip(&widths[1..]) {
            let mut y = vec![0f32; outputs];
            for (o, out) in y.iter_mut().enumerate() {
                for (i, &xi) in x.iter().enumerate() {
                    if xi > 0.0 {
                        *out += xi * layer.weights[i * layer.stride + o];
                    }
                }
                *out += layer.bias[o];
            }
            x = y;
        }
        match network.head {
            Head::Full { .. } => first_argmax(&x),
            Head::Factorized { rows, cols } => {
                first_argmax(&x[..rows]) * cols + first_argmax(&x[rows..])
            }
        }
    }

    /// A network with seeded random weights, and its widths for [`reference_bin`].
    fn random_network(
        hidden: &[usize],
        bins: usize,
        factors: Option<(usize, usize)>,
    ) -> (Network, Vec<usize>) {
        let encoder = EncoderSpec {
            alphabet: nh_encode::Alphabet::lowercase(),
            max_len: 12,
        };
        let index = IndexEncoder::new(encoder.alphabet.clone(), encoder.max_len).unwrap();
        let architecture = Architecture {
            observation: nh_env::ObservationMode::WordOnly,
            hidden: hidden.to_vec(),
            bins,
            factors,
            key: None,
            vocab_size: index.vocab_size(),
            pad_id: index.pad_id() as usize,
            first_layer: crate::metadata::FIRST_LAYER.into(),
            activation: crate::metadata::ACTIVATION.into(),
        };
        let parameters = architecture
            .parameter_shapes()
            .into_iter()
            .enumerate()
            .map(|(k, (name, shape))| {
                let n = shape.iter().product();
                (name, (shape, noise(k as u64, n)))
            })
            .collect();
        let mut widths = hidden.to_vec();
        widths.push(architecture.output_width());
        let network = Network::new(Path::new("<test>"), &architecture, &encoder, parameters);
        (network.unwrap(), widths)
    }

    #[test]
    fn every_instruction_set_gives_the_documented_scalar_order_s_bins() {
        // Widths that leave remainders for every vector width (16, 8, 4 floats).
        let networks = [
            random_network(&[37], 53, None),
            random_network(&[32, 19], 1000, Some((25, 40))),
        ];
        let words: Vec<String> = (0..3000u32)
            .map(|i| {
                let letters = noise(u64::from(i) + 99, 1 + i as usize % 11);
                letters
                    .iter()
                    .map(|v| char::from(b'a' + ((v + 1.0) * 13.0) as u8 % 26))
                    .collect()
            })
            .collect();
        let mut scratch = Scratch::default();
        for (network, widths) in &networks {
            for word in &words {
                assert_eq!(
                    network.bin(word, &mut scratch),
                    reference_bin(network, widths, word),
                    "{word}"
                );
            }
        }
    }

    #[test]
    fn ties_go_to_the_first_label() {
        assert_eq!(first_argmax(&[1.0, 3.0, 3.0, 2.0]), 1);
        assert_eq!(first_argmax(&[0.0, -0.0]), 0);
        assert_eq!(first_argmax(&[-0.0, 0.0]), 0);
        assert_eq!(first_argmax(&[-1.0, -0.0, 0.0]), 1);
        assert_eq!(first_argmax(&[f32::NAN, 5.0]), 0);
        assert_eq!(first_argmax(&[1.0, f32::NAN, 5.0, 5.0]), 2);
        assert_eq!(first_argmax(&[]), 0);
        // Longer than the lanes, the largest in the remainder and repeated across lanes.
        let mut long: Vec<f32> = (0..40).map(|i| (i % 7) as f32).collect();
        assert_eq!(first_argmax(&long), 6);
        long[37] = 9.0;
        long[39] = 9.0;
        assert_eq!(first_argmax(&long), 37);
    }

    #[test]
    fn a_dense_layer_skips_inactive_inputs_and_adds_the_bias_last() {
        let layer = Dense {
            stride: BLOCK,
            weights: pad_rows(&[1.0, 2.0, 100.0, 100.0, 0.5, -1.0], 2, BLOCK),
            bias: pad_rows(&[0.25, 0.0], 2, BLOCK),
        };
        let mut out = Vec::new();
        layer.apply(&[2.0, -3.0, 4.0], &mut Vec::new(), &mut out);
        out.truncate(2);
        assert_eq!(out, vec![2.0 + 2.0 + 0.25, 4.0 - 4.0]);
    }
}
