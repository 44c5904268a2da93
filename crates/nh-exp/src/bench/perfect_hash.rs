//! Minimal perfect hashes (`ptr_hash`, `ph`'s FMPH and PHast) next to a NeuralHash trained to
//! zero collisions on the same keys: build or training time, bits per key, query time.

use nh_agents::NeuralHash;
use nh_metrics::{MinimalPerfectHash, MphKind};
use serde::{Deserialize, Serialize};

use super::timing::{median, time_repeated};
use super::training::{TrainingRow, collisions};
use crate::{Error, Result};

/// Queries per query-time measurement of a minimal perfect hash (rounded to whole passes).
const MPHF_QUERIES: usize = 2_000_000;
/// Words queried one at a time when timing a NeuralHash's single-word latency.
const NEURAL_SINGLE_QUERIES: usize = 1_000;

/// One structure over one key set.
#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct PerfectHashRow {
    /// Keys (and, for the NeuralHash, bins).
    pub keys: usize,
    /// `ptr_hash`, `ph-fmph`, `ph-phast` or `NeuralHash (<trainer>)`.
    pub method: String,
    /// Build seconds (minimal perfect hashes) or training seconds (NeuralHash); `None` when the
    /// model was not trained in this run.
    pub build_seconds: Option<f64>,
    /// Size in bits per key: the structure, or the network's float32 parameters.
    pub bits_per_key: f64,
    /// Nanoseconds per query, one key at a time.
    pub query_ns: f64,
    /// Nanoseconds per key when the whole key set is hashed in batches (NeuralHash only).
    pub batched_query_ns: Option<f64>,
    /// Collisions on the key set (0 for every minimal perfect hash, checked).
    pub collisions: usize,
}

/// Builds every minimal perfect hash kind over `keys`, checks it, and times its queries.
///
/// # Errors
/// [`Error::Bench`] when a build fails or a result is not a bijection onto `0..n`.
pub fn measure_mphfs(keys: &[String], repeats: usize) -> Result<Vec<PerfectHashRow>> {
    let rounds = (MPHF_QUERIES / keys.len().max(1)).max(1);
    MphKind::ALL
        .iter()
        .map(|&kind| {
            let fail = |message: String| Error::Bench {
                stage: format!("perfect hash {}", kind.name()),
                message,
            };
            let mphf = MinimalPerfectHash::build(kind, keys).map_err(|e| fail(e.to_string()))?;
            let values: Vec<usize> = keys.iter().map(|k| mphf.index(k)).collect();
            let clashes = collisions(&values);
            if clashes > 0 || values.iter().any(|&v| v >= keys.len()) {
                return Err(fail(format!(
                    "not a bijection onto 0..{}: {clashes} collisions",
                    keys.len()
                )));
            }
            let queries: Vec<f64> = (0..repeats.max(1))
                .map(|_| mphf.measure_query(keys, rounds))
                .collect();
            Ok(PerfectHashRow {
                keys: keys.len(),
                method: kind.name().to_owned(),
                build_seconds: Some(mphf.build_time().as_secs_f64()),
                bits_per_key: mphf.bits_per_key(),
                query_ns: median(&queries),
                batched_query_ns: None,
                collisions: 0,
            })
        })
        .collect()
}

/// The NeuralHash row for `keys`: `training` is the run that produced `model` (if any).
pub fn measure_neural(
    keys: &[String],
    model: &NeuralHash,
    training: Option<&TrainingRow>,
    repeats: usize,
) -> PerfectHashRow {
    let n = keys.len().max(1);
    let batched = time_repeated(repeats, || {
        std::hint::black_box(model.hash_words(keys));
    });
    let single_keys = &keys[..keys.len().min(NEURAL_SINGLE_QUERIES)];
    let single = time_repeated(repeats, || {
        for key in single_keys {
            std::hint::black_box(model.hash(key));
        }
    });
    let method = match training {
        Some(row) => format!("NeuralHash ({})", row.trainer.name()),
        None => "NeuralHash (untrained)".to_owned(),
    };
    PerfectHashRow {
        keys: keys.len(),
        method,
        build_seconds: training.map(|row| row.seconds),
        bits_per_key: model.parameter_count() as f64 * 32.0 / n as f64,
        query_ns: single.median_s() * 1e9 / single_keys.len().max(1) as f64,
        batched_query_ns: Some(batched.median_s() * 1e9 / n as f64),
        collisions: collisions(&model.hash_words(keys)),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use nh_agents::{Device, ModelConfig};
    use nh_encode::{Alphabet, IndexEncoder};

    #[test]
    fn every_kind_is_checked_and_sized() {
        let keys: Vec<String> = (0..500).map(|i| format!("key-{i}")).collect();
        let rows = measure_mphfs(&keys, 1).unwrap();
        let names: Vec<&str> = rows.iter().map(|r| r.method.as_str()).collect();
        assert_eq!(names, ["ptr_hash", "ph-fmph", "ph-phast"]);
        for row in &rows {
            assert_eq!((row.keys, row.collisions), (500, 0));
            assert!(row.bits_per_key > 1.0 && row.bits_per_key < 64.0, "{row:?}");
            assert!(row.query_ns > 0.0 && row.build_seconds.is_some(), "{row:?}");
        }
        let duplicate = vec!["a".to_owned(), "a".to_owned()];
        let err = measure_mphfs(&duplicate, 1).unwrap_err();
        assert!(err.to_string().contains("ptr_hash"), "{err}");
    }

    #[test]
    fn neural_rows_count_parameter_bits() {
        let encoder = IndexEncoder::new(Alphabet::lowercase(), 4).unwrap();
        let model = NeuralHash::untrained(&encoder, &ModelConfig::mlp(vec![8]), 10, 0, Device::Cpu)
            .unwrap();
        let keys: Vec<String> = ["ab", "cd", "ef", "gh"].map(String::from).to_vec();
        let row = measure_neural(&keys, &model, None, 1);
        assert_eq!(row.method, "NeuralHash (untrained)");
        assert_eq!(row.bits_per_key, model.parameter_count() as f64 * 8.0);
        // vocab = 4 x 27 + 1 padding row; 109 x 8 + 8 + 8 x 10 + 10 parameters.
        assert_eq!(model.parameter_count(), 109 * 8 + 8 + 80 + 10);
        assert_eq!(row.build_seconds, None);
        assert!(row.batched_query_ns.is_some() && row.query_ns > 0.0);
        assert_eq!(row.collisions, collisions(&model.hash_words(&keys)));
    }
}
