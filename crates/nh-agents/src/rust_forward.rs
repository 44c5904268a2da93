//! `RustNeuralHash`: a word-only NeuralHash's greedy forward pass in pure Rust (ndarray GEMMs,
//! rayon over word chunks), for CPU inference that makes no libtorch call.

use ndarray::{Array1, Array2, ArrayView1, Axis};
use nh_encode::IndexEncoder;
use rayon::prelude::*;

use crate::key::WordKey;

/// Words per chunk: one chunk is one set of GEMMs on one rayon thread.
const CHUNK_WORDS: usize = 512;

/// The weights of a [`NeuralHash`](crate::NeuralHash) copied into ndarray matrices. It gives
/// the same bins as the libtorch model up to float rounding (the sums run in another order, so a
/// word whose two best bins are within rounding of each other may land on the other one).
#[derive(Debug, Clone)]
pub struct RustNeuralHash {
    encoder: IndexEncoder,
    /// First-layer table, (vocab x H0); the padding row is zero and skipped.
    table: Array2<f32>,
    input_bias: Array1<f32>,
    /// (weight as in x out, bias) per layer after the first, the output layer last.
    layers: Vec<(Array2<f32>, Array1<f32>)>,
    factors: Option<(usize, usize)>,
    /// A keyed head's word key: greedy labels are shifted per word into bins.
    key: Option<WordKey>,
    bins: usize,
}

impl RustNeuralHash {
    /// Builds the forward pass from a word-only network's parameters, as (name, shape, values)
    /// in canonical order (input table, input bias, then each layer's weight and bias).
    ///
    /// # Panics
    /// When the parameters are not those of a word-only network (a caller bug).
    pub(crate) fn from_parameters(
        encoder: &IndexEncoder,
        parameters: Vec<(String, Vec<usize>, Vec<f32>)>,
        factors: Option<(usize, usize)>,
        key: Option<WordKey>,
        bins: usize,
    ) -> RustNeuralHash {
        let mut matrices = parameters.into_iter().map(|(name, shape, values)| {
            let dims = match shape[..] {
                [rows, cols] => (rows, cols),
                [len] => (1, len),
                _ => panic!("parameter `{name}` has shape {shape:?}"),
            };
            let matrix = Array2::from_shape_vec(dims, values).expect("shapes match values");
            (name, matrix)
        });
        let mut next = |expected: &str| {
            let (name, matrix) = matrices.next().expect("a word-only network's parameters");
            assert!(
                name.starts_with(expected),
                "expected `{expected}`, found `{name}`"
            );
            matrix
        };
        let table = next("input.table");
        let input_bias = next("input.bias").row(0).to_owned();
        let mut layers = Vec::new();
        while let Some((name, weight)) = matrices.next() {
            assert!(
                name.ends_with(".weight"),
                "expected a layer weight, found `{name}`"
            );
            let (_, bias) = matrices.next().expect("every layer has a bias");
            // Stored (out x in) like nn.Linear; the GEMM wants (in x out).
            let weight = weight.reversed_axes().as_standard_layout().into_owned();
            layers.push((weight, bias.row(0).to_owned()));
        }
        RustNeuralHash {
            encoder: encoder.clone(),
            table,
            input_bias,
            layers,
            factors,
            key,
            bins,
        }
    }

    /// Number of bins M.
    pub fn bins(&self) -> usize {
        self.bins
    }

    /// The bins of `words`: chunks of 512 words in parallel on rayon's pool.
    pub fn hash_words<S: AsRef<str> + Sync>(&self, words: &[S]) -> Vec<usize> {
        words
            .par_chunks(CHUNK_WORDS)
            .flat_map_iter(|chunk| self.hash_chunk(chunk))
            .collect()
    }

    fn hash_chunk<S: AsRef<str>>(&self, words: &[S]) -> Vec<usize> {
        let mut x = Array2::<f32>::zeros((words.len(), self.table.ncols()));
        let mut ids = vec![0i64; self.encoder.ids_len()];
        let pad = self.encoder.pad_id();
        for (word, mut row) in words.iter().zip(x.rows_mut()) {
            self.encoder.ids_into(word.as_ref(), &mut ids);
            row.assign(&self.input_bias);
            for &id in ids.iter().filter(|&&id| id != pad) {
                row += &self.table.row(id as usize);
            }
        }
        for (weight, bias) in &self.layers {
            x.mapv_inplace(|v| v.max(0.0));
            x = x.dot(weight) + bias;
        }
        let labels = x.axis_iter(Axis(0)).map(|logits| match self.factors {
            None => first_argmax(logits),
            Some((rows, cols)) => {
                let (row_logits, col_logits) = logits.split_at(Axis(0), rows);
                first_argmax(row_logits) * cols + first_argmax(col_logits)
            }
        });
        match self.key {
            None => labels.collect(),
            Some(key) => {
                let mut shifts = Vec::with_capacity(key.width());
                labels
                    .zip(words)
                    .map(|(label, word)| {
                        shifts.clear();
                        key.push_shifts(word.as_ref(), &mut shifts);
                        key.bin(label, &shifts)
                    })
                    .collect()
            }
        }
    }
}

/// The index of the first largest value (libtorch's argmax on ties).
fn first_argmax(values: ArrayView1<'_, f32>) -> usize {
    let mut best = 0;
    for (i, &v) in values.iter().enumerate() {
        if v > values[best] {
            best = i;
        }
    }
    best
}
