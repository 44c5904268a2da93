//! Hashing the same words with a NeuralHash of the paper's architecture (libtorch on the CPU and
//! on CUDA when present, nh-hash's exact forward pass, the factorized head), Rust's baseline hashes
//! and CPython's own loop; and a large table where only the factorized head is practical.

use std::path::Path;

use nh_agents::{Device, ModelConfig, NeuralHash};
use nh_encode::IndexEncoder;
use nh_metrics::baseline_hashers;
use serde::{Deserialize, Serialize};

use crate::Result;
use crate::efficiency::{EfficiencyReport, ProbeInputs, forward_flops, mean_ids, probe_efficiency};
use crate::error::agent;
use crate::large_table::{LargeTableInputs, LargeTableReport, measure_large_table};
use crate::method::{Forward, HashMethod};
use crate::python::{PythonOutcome, cpython_outcome};
use crate::timing::{Timing, time_repeated};

mod markdown;

/// One hash function hashing all words.
#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct InferenceRow {
    /// The hash function.
    pub method: HashMethod,
    /// `cpu` or `cuda:0`.
    pub device: String,
    /// CPU threads it used.
    pub threads: usize,
    /// Seconds per pass over all words.
    pub timing: Timing,
}

/// Everything the inference section measured.
#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct InferenceReport {
    /// Words hashed per pass.
    pub words: usize,
    /// Bins M.
    pub bins: usize,
    /// Hidden widths of the network.
    pub hidden: Vec<usize>,
    /// Words per forward pass.
    pub batch: usize,
    /// Scalar parameters of the network.
    pub parameters: usize,
    /// Mean non-padding ids per word (embedding-bag rows).
    pub mean_ids: f64,
    /// One-hot grid size of the paper's dense first layer.
    pub one_hot_dim: usize,
    /// NeuralHash rows first, then the Rust baselines.
    pub rows: Vec<InferenceRow>,
    /// CPython's loops.
    pub python: PythonOutcome,
    /// GFLOP/s against GEMM throughput, per device.
    pub efficiency: Vec<EfficiencyReport>,
    /// The full and factorized heads on a large table, when measured.
    #[serde(default)]
    pub large_table: Option<LargeTableReport>,
}

impl InferenceReport {
    /// The paper's NeuralHash through libtorch on the CPU with all threads (the headline), if
    /// measured.
    pub fn neural_cpu(&self) -> Option<&InferenceRow> {
        self.rows
            .iter()
            .find(|r| r.method == HashMethod::PAPER && r.device == "cpu")
    }

    /// CPython's `for w in words: hash(w)` on fresh strings, median seconds, when measured.
    pub fn cpython_seconds(&self) -> Option<f64> {
        match &self.python {
            PythonOutcome::Measured(t) => Some(t.fresh.median_s()),
            PythonOutcome::Skipped(_) => None,
        }
    }
}

/// What the inference section needs.
pub struct InferenceInputs<'a> {
    /// The words to hash.
    pub words: &'a [String],
    /// The network's encoder.
    pub encoder: &'a IndexEncoder,
    /// The network shape.
    pub model: &'a ModelConfig,
    /// Bins M.
    pub bins: usize,
    /// Words per forward pass.
    pub batch: usize,
    /// Timed passes per measurement.
    pub repeats: usize,
    /// Devices for the NeuralHash (the CPU first).
    pub devices: &'a [Device],
    /// The interpreter for CPython's loop; `None` skips it.
    pub python: Option<&'a Path>,
    /// (words, bins) of the large-table comparison; `None` skips it.
    pub large_table: Option<(usize, usize)>,
}

/// Runs the inference section.
///
/// # Errors
/// [`Error::Agent`](crate::Error::Agent) when a model cannot be built or libtorch threads cannot be set.
pub fn measure_inference(
    inputs: &InferenceInputs<'_>,
    log: &mut dyn FnMut(&str),
) -> Result<InferenceReport> {
    let agent_err = agent("inference");
    let words = inputs.words;
    let threads = nh_agents::libtorch_info().threads.max(1) as usize;
    let mean_ids = mean_ids(inputs.encoder, words);
    let flops = forward_flops(
        mean_ids,
        &inputs.model.hidden,
        inputs.bins,
        inputs.encoder.one_hot_dim(),
    );
    let mut rows = Vec::new();
    let mut efficiency = Vec::new();
    let mut parameters = 0;
    for &device in inputs.devices {
        let mut model = NeuralHash::untrained(inputs.encoder, inputs.model, inputs.bins, 0, device)
            .map_err(&agent_err)?;
        model.set_batch_size(inputs.batch);
        parameters = model.parameter_count();
        let device_name = nh_agents::device_name(device);
        let time = || {
            time_repeated(inputs.repeats, || {
                std::hint::black_box(model.hash_words(words));
            })
        };
        log(&format!("inference: NeuralHash on {device_name}"));
        let timing = time();
        let cpu_threads = if device == Device::Cpu { threads } else { 1 };
        rows.push(InferenceRow {
            method: HashMethod::PAPER,
            device: device_name.clone(),
            threads: cpu_threads,
            timing: timing.clone(),
        });
        if device == Device::Cpu && threads > 1 {
            log("inference: NeuralHash on cpu, 1 thread");
            nh_agents::set_libtorch_threads(1).map_err(&agent_err)?;
            let single = time();
            nh_agents::set_libtorch_threads(threads).map_err(&agent_err)?;
            rows.push(InferenceRow {
                method: HashMethod::PAPER,
                device: device_name.clone(),
                threads: 1,
                timing: single,
            });
        }
        if device == Device::Cpu {
            rows.extend(cpu_variants(inputs, &model, threads, log).map_err(&agent_err)?);
        }
        log(&format!("inference: GEMM probes on {device_name}"));
        let probe = ProbeInputs {
            words,
            encoder: inputs.encoder,
            hidden: &inputs.model.hidden,
            bins: inputs.bins,
            batch: inputs.batch,
            forward: timing,
            repeats: inputs.repeats,
            flops,
        };
        efficiency.push(probe_efficiency(&probe, device)?);
    }
    log("inference: Rust baseline hashes");
    for hasher in baseline_hashers() {
        let timing = time_repeated(inputs.repeats, || {
            let sum: usize = words.iter().map(|w| hasher.bin(w, inputs.bins)).sum();
            std::hint::black_box(sum);
        });
        rows.push(InferenceRow {
            method: HashMethod::Baseline {
                name: hasher.name().to_owned(),
                cpython: hasher.is_cpython(),
            },
            device: "cpu".to_owned(),
            threads: 1,
            timing,
        });
    }
    let python = cpython_outcome(
        "inference",
        inputs.python,
        words,
        inputs.bins,
        inputs.repeats,
        log,
    );
    let large_table = match inputs.large_table {
        Some((count, bins)) => Some(
            measure_large_table(
                &LargeTableInputs {
                    words: &words[..count.min(words.len())],
                    encoder: inputs.encoder,
                    model: inputs.model,
                    bins,
                    max_batch: inputs.batch,
                    repeats: inputs.repeats,
                },
                log,
            )
            .map_err(&agent_err)?,
        ),
        None => None,
    };
    Ok(InferenceReport {
        large_table,
        words: words.len(),
        bins: inputs.bins,
        hidden: inputs.model.hidden.clone(),
        batch: inputs.batch,
        parameters,
        mean_ids,
        one_hot_dim: inputs.encoder.one_hot_dim(),
        rows,
        python,
        efficiency,
    })
}

/// On the CPU: `model` through nh-hash (every thread, then one), then the factorized head through
/// libtorch and through nh-hash on every thread (`libtorch_threads` of them for libtorch).
fn cpu_variants(
    inputs: &InferenceInputs<'_>,
    model: &NeuralHash,
    libtorch_threads: usize,
    log: &mut dyn FnMut(&str),
) -> nh_agents::Result<Vec<InferenceRow>> {
    let words = inputs.words;
    let rust_threads = rayon::current_num_threads();
    let row = |forward, factors, threads: usize, timing: Timing| InferenceRow {
        method: HashMethod::NeuralHash { forward, factors },
        device: "cpu".to_owned(),
        threads,
        timing,
    };
    let mut rows = Vec::new();
    log("inference: NeuralHash through nh-hash, every thread and one");
    let exact = model.to_exact()?;
    let timing = time_repeated(inputs.repeats, || {
        std::hint::black_box(exact.hash_words(words));
    });
    rows.push(row(Forward::NhHash, None, rust_threads, timing));
    if rust_threads > 1 {
        let timing = time_repeated(inputs.repeats, || {
            std::hint::black_box(exact.hash_words_serial(words));
        });
        rows.push(row(Forward::NhHash, None, 1, timing));
    }
    let factorized_config = inputs.model.clone().factorized();
    let mut factorized = NeuralHash::untrained(
        inputs.encoder,
        &factorized_config,
        inputs.bins,
        0,
        Device::Cpu,
    )?;
    factorized.set_batch_size(inputs.batch);
    let factors = factorized.architecture().factors;
    let method = HashMethod::NeuralHash {
        forward: Forward::Libtorch,
        factors,
    };
    log(&format!("inference: {method}"));
    let timing = time_repeated(inputs.repeats, || {
        std::hint::black_box(factorized.hash_words(words));
    });
    rows.push(row(Forward::Libtorch, factors, libtorch_threads, timing));
    let exact = factorized.to_exact()?;
    let timing = time_repeated(inputs.repeats, || {
        std::hint::black_box(exact.hash_words(words));
    });
    rows.push(row(Forward::NhHash, factors, rust_threads, timing));
    Ok(rows)
}

#[cfg(test)]
mod tests {
    use super::*;
    use nh_encode::Alphabet;

    #[test]
    fn measures_neural_and_baseline_rows() {
        let encoder = IndexEncoder::new(Alphabet::lowercase(), 8).unwrap();
        let words: Vec<String> = (0..200).map(|i| format!("word{i}")).collect();
        let model = ModelConfig::mlp(vec![32, 32]);
        let inputs = InferenceInputs {
            words: &words,
            encoder: &encoder,
            model: &model,
            bins: 50,
            batch: 64,
            repeats: 1,
            devices: &[Device::Cpu],
            python: None,
            large_table: Some((100, 600)),
        };
        let mut lines = Vec::new();
        let report = measure_inference(&inputs, &mut |l| lines.push(l.to_owned())).unwrap();
        let neural = report.neural_cpu().unwrap();
        assert_eq!(
            (neural.device.as_str(), neural.timing.samples_s.len()),
            ("cpu", 1)
        );
        let baselines: Vec<String> = report
            .rows
            .iter()
            .filter(|r| !r.method.is_neural())
            .map(|r| r.method.to_string())
            .collect();
        assert_eq!(baselines.len(), 5);
        assert!(
            baselines.contains(&"xxh3".to_owned())
                && baselines.contains(&"std-siphash13".to_owned()),
            "{baselines:?}"
        );
        let cpython = report
            .rows
            .iter()
            .filter(|r| matches!(r.method, HashMethod::Baseline { cpython: true, .. }))
            .count();
        assert_eq!(cpython, 1);
        assert_eq!(
            report.parameters,
            217 * 32 + 32 + 32 * 32 + 32 + 32 * 50 + 50
        );
        let neural: Vec<String> = report
            .rows
            .iter()
            .filter(|r| r.method.is_neural())
            .map(|r| r.method.to_string())
            .collect();
        assert_eq!(
            neural,
            [
                "NeuralHash",
                "NeuralHash",
                "NeuralHash, nh-hash (exact, no libtorch)",
                "NeuralHash, nh-hash (exact, no libtorch)",
                "NeuralHash, factorized head 5 x 10",
                "NeuralHash, factorized head 5 x 10, nh-hash"
            ]
        );
        let large = report.large_table.as_ref().unwrap();
        assert_eq!((large.words, large.bins, large.batch), (100, 600, 64));
        let factors: Vec<_> = large.rows.iter().map(|r| r.method.factors()).collect();
        assert_eq!(factors, [None, Some((24, 25)), Some((24, 25))]);
        assert_eq!(
            large.full_head().unwrap().parameters,
            217 * 32 + 32 + 32 * 32 + 32 + 32 * 600 + 600
        );
        assert_eq!(report.efficiency.len(), 1);
        assert!(report.cpython_seconds().is_none());
        assert!(matches!(&report.python, PythonOutcome::Skipped(r) if r.contains("--no-python")));
        assert!(
            lines.iter().any(|l| l.contains("Rust baseline")),
            "{lines:?}"
        );
    }
}
