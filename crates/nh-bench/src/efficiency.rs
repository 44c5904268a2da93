//! Floating-point work of the neural forward pass, and the GEMM throughput libtorch reaches for
//! its layer shapes on this machine.
//!
//! nh-bench may not call libtorch directly (only nh-agents may), and nh-agents exposes no bare
//! matrix product. So the GEMM rate is measured *by difference* through `NeuralHash` itself: two
//! models that differ only by extra layers of one shape hash the same words, and the extra time
//! is the time of those layers' matrix products (`linear`: GEMM plus bias, then ReLU) at the
//! batch size inference uses. Everything else (encoding, host-to-device copies, the
//! embedding-bag, the argmax) cancels out.

use nh_agents::{Device, ModelConfig, NeuralHash};
use nh_encode::IndexEncoder;
use serde::{Deserialize, Serialize};

use super::timing::{Timing, time_repeated};
use crate::error::agent;
use crate::{Error, Result};

/// Floating-point operations per hashed word, by layer. A multiply-add counts 2; the
/// embedding-bag's row sums count 1 per added value; biases, ReLU and argmax are not counted.
#[derive(Debug, Clone, Copy, PartialEq, Serialize, Deserialize)]
pub struct ForwardFlops {
    /// The embedding-bag first layer: mean ids per word x first hidden width.
    pub bag: f64,
    /// The hidden-to-hidden products.
    pub hidden: f64,
    /// The last hidden layer to the M bins.
    pub output: f64,
    /// The paper's dense first layer (one-hot grid x first hidden width, as multiply-adds),
    /// which the embedding-bag replaces.
    pub dense_first_layer: f64,
}

impl ForwardFlops {
    /// Operations of the forward pass as computed (embedding-bag first layer).
    pub fn total(&self) -> f64 {
        self.bag + self.hidden + self.output
    }

    /// Operations the paper's dense one-hot first layer would need for the same function.
    pub fn dense_total(&self) -> f64 {
        self.dense_first_layer + self.hidden + self.output
    }
}

/// Counts the forward pass of an MLP with `hidden` widths and `bins` outputs, whose words have
/// `mean_ids` non-padding ids on average, against a one-hot grid of `one_hot_dim` values.
pub fn forward_flops(
    mean_ids: f64,
    hidden: &[usize],
    bins: usize,
    one_hot_dim: usize,
) -> ForwardFlops {
    let first = hidden.first().copied().unwrap_or(bins);
    let last = hidden.last().copied().unwrap_or(first);
    let hidden_products: usize = hidden.windows(2).map(|pair| pair[0] * pair[1]).sum();
    ForwardFlops {
        bag: mean_ids * first as f64,
        hidden: 2.0 * hidden_products as f64,
        output: if hidden.is_empty() {
            0.0
        } else {
            2.0 * (last * bins) as f64
        },
        dense_first_layer: 2.0 * (one_hot_dim * first) as f64,
    }
}

/// The mean number of non-padding ids per word: the embedding-bag's rows per word.
pub fn mean_ids(encoder: &IndexEncoder, words: &[String]) -> f64 {
    if words.is_empty() {
        return 0.0;
    }
    let pad = encoder.pad_id();
    let mut buffer = vec![0i64; encoder.ids_len()];
    let total: usize = words
        .iter()
        .map(|word| {
            encoder.ids_into(word, &mut buffer);
            buffer.iter().filter(|&&id| id != pad).count()
        })
        .sum();
    total as f64 / words.len() as f64
}

/// One layer shape's GEMM rate, measured by difference.
#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct GemmProbe {
    /// The product, e.g. `16384x300 * 300x1000`.
    pub shape: String,
    /// Which layers of the paper's network have this shape.
    pub layers: String,
    /// Operations of the extra layers over all words.
    pub flops: f64,
    /// Median seconds of the model with the extra layers.
    pub with: Timing,
    /// Median seconds of the model without them.
    pub without: Timing,
}

impl GemmProbe {
    /// Operations per second of the extra layers; NaN when noise made the difference non-positive.
    pub fn flops_per_second(&self) -> f64 {
        let extra = self.with.median_s() - self.without.median_s();
        if extra > 0.0 {
            self.flops / extra
        } else {
            f64::NAN
        }
    }
}

/// Efficiency of the forward pass on one device.
#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct EfficiencyReport {
    /// `cpu` or `cuda:0`.
    pub device: String,
    /// The paper's model: seconds to hash all words, end to end.
    pub forward: Timing,
    /// Words hashed per timed run.
    pub words: usize,
    /// Per-word operations.
    pub flops: ForwardFlops,
    /// The hidden-to-hidden layer shape's GEMM rate.
    pub hidden_gemm: Option<GemmProbe>,
    /// The output layer shape's GEMM rate.
    pub output_gemm: GemmProbe,
}

impl EfficiencyReport {
    /// Operations per second achieved end to end (encoding and argmax included).
    pub fn achieved_flops_per_second(&self) -> f64 {
        self.flops.total() * self.words as f64 / self.forward.median_s()
    }

    /// Seconds the products alone would take at the measured GEMM rates.
    pub fn gemm_bound_seconds(&self) -> f64 {
        let n = self.words as f64;
        let hidden = match &self.hidden_gemm {
            Some(probe) => self.flops.hidden * n / probe.flops_per_second(),
            None => 0.0,
        };
        hidden + self.flops.output * n / self.output_gemm.flops_per_second()
    }
}

/// What a GEMM probe needs: the words, the paper's model shape, its measured timing.
pub struct ProbeInputs<'a> {
    /// The words hashed.
    pub words: &'a [String],
    /// The encoder of the paper's model.
    pub encoder: &'a IndexEncoder,
    /// The paper's hidden widths.
    pub hidden: &'a [usize],
    /// The paper's bins.
    pub bins: usize,
    /// Words per forward pass.
    pub batch: usize,
    /// The paper's model, timed end to end.
    pub forward: Timing,
    /// Timed runs per model.
    pub repeats: usize,
    /// The per-word operation count.
    pub flops: ForwardFlops,
}

/// Measures the GEMM rates of the paper model's layer shapes on `device` by difference.
///
/// # Errors
/// [`Error::NoHiddenLayer`] for a network without one; [`Error::Agent`] when a probe model
/// cannot be built.
pub fn probe_efficiency(inputs: &ProbeInputs<'_>, device: Device) -> Result<EfficiencyReport> {
    let n = inputs.words.len();
    let last = *inputs.hidden.last().ok_or(Error::NoHiddenLayer)?;
    let time_model = |hidden: Vec<usize>, bins: usize| -> Result<Timing> {
        let config = ModelConfig::mlp(hidden);
        let mut model = NeuralHash::untrained(inputs.encoder, &config, bins, 0, device)
            .map_err(agent("efficiency probe"))?;
        model.set_batch_size(inputs.batch);
        Ok(time_repeated(inputs.repeats, || {
            std::hint::black_box(model.hash_words(inputs.words));
        }))
    };
    // Same network with a single output: its time is everything but the 300 x M product.
    let narrow = time_model(inputs.hidden.to_vec(), 1)?;
    let output_gemm = GemmProbe {
        shape: format!("{}x{last} * {last}x{}", inputs.batch.min(n), inputs.bins),
        layers: "output".to_owned(),
        flops: 2.0 * (last * (inputs.bins - 1)) as f64 * n as f64,
        with: inputs.forward.clone(),
        without: narrow.clone(),
    };
    let hidden_gemm = if inputs.hidden.len() >= 2 {
        // Two more hidden layers of the last width, still with a single output.
        let mut deeper = inputs.hidden.to_vec();
        deeper.extend([last, last]);
        Some(GemmProbe {
            shape: format!("{}x{last} * {last}x{last}", inputs.batch.min(n)),
            layers: "hidden".to_owned(),
            flops: 2.0 * 2.0 * (last * last) as f64 * n as f64,
            with: time_model(deeper, 1)?,
            without: narrow,
        })
    } else {
        None
    };
    Ok(EfficiencyReport {
        device: nh_agents::device_name(device),
        forward: inputs.forward.clone(),
        words: n,
        flops: inputs.flops,
        hidden_gemm,
        output_gemm,
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn counts_the_papers_network() {
        // 9 ids per word, two hidden layers of 300, 1,000 bins, a 70 x 24 one-hot grid.
        let flops = forward_flops(9.0, &[300, 300], 1000, 70 * 24);
        assert_eq!(flops.bag, 2_700.0);
        assert_eq!(flops.hidden, 180_000.0);
        assert_eq!(flops.output, 600_000.0);
        assert_eq!(flops.total(), 782_700.0);
        assert_eq!(flops.dense_first_layer, 2.0 * 1680.0 * 300.0);
        assert_eq!(flops.dense_total(), 1_008_000.0 + 780_000.0);
        let single = forward_flops(4.0, &[64], 10, 100);
        assert_eq!(
            (single.bag, single.hidden, single.output),
            (256.0, 0.0, 1280.0)
        );
    }

    #[test]
    fn counts_ids_without_padding() {
        let encoder = IndexEncoder::new(nh_encode::Alphabet::lowercase(), 6).unwrap();
        let words = ["ab", "hash", "collisions"].map(String::from);
        // 2 + 4 + 6 (truncated to max_len) ids.
        assert_eq!(mean_ids(&encoder, &words), 4.0);
        assert_eq!(mean_ids(&encoder, &[]), 0.0);
    }

    #[test]
    fn rates_come_from_the_time_difference() {
        let probe = GemmProbe {
            shape: "2x3 * 3x4".to_owned(),
            layers: "output".to_owned(),
            flops: 6e9,
            with: Timing {
                samples_s: vec![5.0, 4.0, 4.5],
            },
            without: Timing {
                samples_s: vec![1.5],
            },
        };
        assert_eq!(probe.flops_per_second(), 2e9);
        let noisy = GemmProbe {
            without: Timing {
                samples_s: vec![9.0],
            },
            ..probe
        };
        assert!(noisy.flops_per_second().is_nan());
    }

    #[test]
    fn probes_a_tiny_network() {
        let encoder = IndexEncoder::new(nh_encode::Alphabet::lowercase(), 8).unwrap();
        let words: Vec<String> = (0..50).map(|i| format!("w{i}x")).collect();
        let flops = forward_flops(
            mean_ids(&encoder, &words),
            &[16, 16],
            32,
            encoder.one_hot_dim(),
        );
        let inputs = ProbeInputs {
            words: &words,
            encoder: &encoder,
            hidden: &[16, 16],
            bins: 32,
            batch: 64,
            forward: Timing {
                samples_s: vec![1.0],
            },
            repeats: 1,
            flops,
        };
        let report = probe_efficiency(&inputs, Device::Cpu).unwrap();
        assert_eq!(report.device, "cpu");
        assert_eq!(report.output_gemm.shape, "50x16 * 16x32");
        assert_eq!(report.output_gemm.flops, 2.0 * 16.0 * 31.0 * 50.0);
        let hidden = report.hidden_gemm.unwrap();
        assert_eq!(hidden.flops, 4.0 * 256.0 * 50.0);
        assert_eq!(hidden.with.samples_s.len(), 1);
    }
}
