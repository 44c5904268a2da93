//! The paper's full output head against the factorized head on a large table (by default the
//! whole dictionary's 466,550 bins, which the paper did not attempt): measurement and markdown.

use std::fmt::Write;

use nh_agents::{Device, ModelConfig, NeuralHash};
use nh_encode::IndexEncoder;
use serde::{Deserialize, Serialize};

use super::method::{FactorizedHead, Forward, HashMethod};
use super::table::{Align, Table, sig3, thousands, times};
use super::timing::{Timing, time_repeated};

/// The paper's full head against the factorized head on a table of many bins.
#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct LargeTableReport {
    /// Words hashed per pass.
    pub words: usize,
    /// Bins M.
    pub bins: usize,
    /// Words per forward pass.
    pub batch: usize,
    /// One row per head and forward pass.
    pub rows: Vec<LargeTableRow>,
}

/// One head on the large table.
#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct LargeTableRow {
    /// The head and forward pass (a NeuralHash).
    pub method: HashMethod,
    /// Scalar parameters of the network.
    pub parameters: usize,
    /// Seconds per pass over the words.
    pub timing: Timing,
}

/// What the large-table comparison needs.
pub struct LargeTableInputs<'a> {
    /// The words to hash.
    pub words: &'a [String],
    /// The network's encoder.
    pub encoder: &'a IndexEncoder,
    /// The network shape (its head is replaced by each head in turn).
    pub model: &'a ModelConfig,
    /// Bins M.
    pub bins: usize,
    /// Largest words per forward pass.
    pub max_batch: usize,
    /// Timed passes per measurement.
    pub repeats: usize,
}

/// The paper's full head against the factorized head (libtorch and pure Rust) hashing the
/// words into `inputs.bins` bins, in batches small enough for a full head's logits.
pub fn measure_large_table(
    inputs: &LargeTableInputs<'_>,
    log: &mut dyn FnMut(&str),
) -> nh_agents::Result<LargeTableReport> {
    let (words, bins) = (inputs.words, inputs.bins);
    // A full head's logits take batch x M floats: keep them near 256 MiB.
    let batch = (64 * 1024 * 1024 / bins.max(1)).clamp(1, inputs.max_batch.max(1));
    let mut rows = Vec::new();
    for config in [inputs.model.clone(), inputs.model.clone().factorized()] {
        let mut model = NeuralHash::untrained(inputs.encoder, &config, bins, 0, Device::Cpu)?;
        model.set_batch_size(batch);
        let factors = model.architecture().factors;
        let head = factors.map_or_else(
            || "the paper's full head".to_owned(),
            |f| FactorizedHead(f).to_string(),
        );
        log(&format!("inference: {bins} bins, {head}"));
        let timing = time_repeated(inputs.repeats, || {
            std::hint::black_box(model.hash_words(words));
        });
        rows.push(LargeTableRow {
            method: HashMethod::NeuralHash {
                forward: Forward::Libtorch,
                factors,
            },
            parameters: model.parameter_count(),
            timing,
        });
        if factors.is_some() {
            let exact = model.to_exact()?;
            let timing = time_repeated(inputs.repeats, || {
                std::hint::black_box(exact.hash_words(words));
            });
            rows.push(LargeTableRow {
                method: HashMethod::NeuralHash {
                    forward: Forward::NhHash,
                    factors,
                },
                parameters: model.parameter_count(),
                timing,
            });
        }
    }
    Ok(LargeTableReport {
        words: words.len(),
        bins,
        batch,
        rows,
    })
}

impl LargeTableReport {
    /// The paper's full head, when measured.
    pub fn full_head(&self) -> Option<&LargeTableRow> {
        self.rows.iter().find(|r| r.method.factors().is_none())
    }

    /// The fastest factorized-head row.
    pub fn fastest_factorized(&self) -> Option<&LargeTableRow> {
        self.rows
            .iter()
            .filter(|r| r.method.factors().is_some())
            .min_by(|a, b| a.timing.median_s().total_cmp(&b.timing.median_s()))
    }

    /// The markdown subsection of the inference section.
    pub fn render(&self, out: &mut String, hidden: &[usize]) {
        let last = hidden.last().copied().unwrap_or(0);
        let _ = writeln!(
            out,
            "### A large table: M = {} bins\n\n\
             The first {} of these words hashed into M = {} bins, in batches of {} words (a full \
             head's logits take batch x M floats). The paper's full head has {} x M output weights; \
             the factorized head (our addition) splits M = M1 x M2 and has {} x (M1 + M2), with \
             bin = argmax row x M2 + argmax column. Both untrained, CPU, all threads.\n",
            thousands(self.bins as u64),
            thousands(self.words as u64),
            thousands(self.bins as u64),
            thousands(self.batch as u64),
            last,
            last,
        );
        let full = self.full_head().map(|r| r.timing.median_s());
        let mut table = Table::new(&[
            ("hash", Align::Left),
            ("output weights", Align::Right),
            ("parameters", Align::Right),
            ("median ms", Align::Right),
            ("us per word", Align::Right),
            ("faster than full head", Align::Right),
        ]);
        for row in &self.rows {
            let seconds = row.timing.median_s();
            let outputs = row.method.factors().map_or(self.bins, |(m1, m2)| m1 + m2);
            // The paper's head is this table's reference: it is named, not just "NeuralHash".
            let label = match row.method.factors() {
                None => "NeuralHash, the paper's full head".to_owned(),
                Some(_) => row.method.to_string(),
            };
            table.push(vec![
                label,
                thousands((last * outputs) as u64),
                thousands(row.parameters as u64),
                sig3(seconds * 1e3),
                sig3(seconds * 1e6 / self.words.max(1) as f64),
                full.map_or_else(|| "n/a".to_owned(), |f| times(f / seconds)),
            ]);
        }
        let _ = writeln!(out, "{}", table.to_markdown());
    }
}
