//! Minimal perfect hashes (`ptr_hash`, `ph`'s FMPH and PHast) next to a NeuralHash trained to
//! zero collisions on the same keys: build or training time, bits per key, query time.

use std::fmt::Write;

use nh_agents::NeuralHash;
use nh_metrics::{MinimalPerfectHash, MphKind};
use serde::{Deserialize, Serialize};

use crate::method::PerfectHashMethod;
use crate::table::{Align, Table, sig3, thousands, times};
use crate::timing::{median, time_repeated};
use crate::training::{TrainingRow, collisions};
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
    /// A minimal perfect hash or a NeuralHash.
    pub method: PerfectHashMethod,
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
/// [`Error::PerfectHash`] when a build fails or a result is not a bijection onto `0..n`.
pub fn measure_mphfs(keys: &[String], repeats: usize) -> Result<Vec<PerfectHashRow>> {
    let rounds = (MPHF_QUERIES / keys.len().max(1)).max(1);
    MphKind::ALL
        .iter()
        .map(|&kind| {
            let fail = |message: String| Error::PerfectHash {
                kind: kind.name(),
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
                method: PerfectHashMethod::Minimal { mph: kind },
                build_seconds: Some(mphf.build_time().as_secs_f64()),
                bits_per_key: mphf.bits_per_key(),
                query_ns: median(&queries),
                batched_query_ns: None,
                collisions: 0,
            })
        })
        .collect()
}

/// The NeuralHash row for `keys`: `training` is the run that produced `model` (if any). Queries
/// and the collision count go through nh-hash, the definition of the hash.
///
/// # Errors
/// [`Error::Agent`] when the model cannot be copied into nh-hash.
pub fn measure_neural(
    keys: &[String],
    model: &NeuralHash,
    training: Option<&TrainingRow>,
    repeats: usize,
) -> Result<PerfectHashRow> {
    let n = keys.len().max(1);
    let parameters = model.parameter_count();
    let model = model
        .to_exact()
        .map_err(crate::error::agent("perfect hash"))?;
    let batched = time_repeated(repeats, || {
        std::hint::black_box(model.hash_words(keys));
    });
    let single_keys = &keys[..keys.len().min(NEURAL_SINGLE_QUERIES)];
    let single = time_repeated(repeats, || {
        for key in single_keys {
            std::hint::black_box(model.hash(key));
        }
    });
    Ok(PerfectHashRow {
        keys: keys.len(),
        method: PerfectHashMethod::NeuralHash {
            trainer: training.map(|row| row.trainer),
        },
        build_seconds: training.map(|row| row.seconds),
        bits_per_key: parameters as f64 * 32.0 / n as f64,
        query_ns: single.median_s() * 1e9 / single_keys.len().max(1) as f64,
        batched_query_ns: Some(batched.median_s() * 1e9 / n as f64),
        collisions: model.check_perfect(keys).collisions,
    })
}

/// Section 4: every structure over every key set.
pub(crate) fn render(out: &mut String, rows: &[PerfectHashRow]) {
    let _ = writeln!(out, "## 4. Perfect hashes side by side\n");
    let _ = writeln!(
        out,
        "The same key sets as the training section. Minimal perfect hashes from nh-metrics \
         (`ptr_hash` 2 and `ph` 0.11, checked to be bijections onto 0..N): build seconds, size, and \
         one-key-at-a-time query time over about 2 million queries. NeuralHash: the fastest model of \
         the training section that reached zero collisions on the CPU (else the one with fewest \
         collisions, or an untrained one when training did not run): its training seconds, its \
         float32 parameters per key, and query time one word at a time (`hash`, up to 1,000 words) \
         and in batches over the whole set.\n"
    );
    let mut table = Table::new(&[
        ("keys", Align::Right),
        ("method", Align::Left),
        ("build / train s", Align::Right),
        ("bits/key", Align::Right),
        ("query ns", Align::Right),
        ("batched ns/key", Align::Right),
        ("collisions", Align::Right),
    ]);
    for row in rows {
        table.push(perfect_hash_row(row));
    }
    let _ = writeln!(out, "{}", table.to_markdown());
}

fn perfect_hash_row(row: &PerfectHashRow) -> Vec<String> {
    vec![
        thousands(row.keys as u64),
        row.method.to_string(),
        row.build_seconds.map_or_else(|| "-".to_owned(), sig3),
        sig3(row.bits_per_key),
        sig3(row.query_ns),
        row.batched_query_ns.map_or_else(|| "-".to_owned(), sig3),
        thousands(row.collisions as u64),
    ]
}

/// The perfect-hash sentence of "What the numbers mean".
pub(crate) fn meaning(rows: &[PerfectHashRow]) -> Vec<String> {
    let is_neural = |r: &PerfectHashRow| r.method.is_neural();
    // The largest key set with a perfect NeuralHash, else the largest one.
    let perfect = rows
        .iter()
        .filter(|r| is_neural(r) && r.collisions == 0)
        .map(|r| r.keys)
        .max();
    let Some(largest) = perfect.or_else(|| rows.iter().map(|r| r.keys).max()) else {
        return Vec::new();
    };
    let at = |f: &dyn Fn(&PerfectHashRow) -> bool| {
        rows.iter()
            .filter(|r| r.keys == largest && f(r))
            .collect::<Vec<_>>()
    };
    let mphfs = at(&|r| !is_neural(r));
    let neural = at(&is_neural);
    let (Some(smallest), Some(nh)) = (
        mphfs
            .iter()
            .min_by(|a, b| a.bits_per_key.total_cmp(&b.bits_per_key)),
        neural.first(),
    ) else {
        return Vec::new();
    };
    let fastest = mphfs
        .iter()
        .min_by(|a, b| a.query_ns.total_cmp(&b.query_ns))
        .unwrap_or(smallest);
    let quality = if nh.collisions == 0 {
        "a perfect".to_owned()
    } else {
        format!(
            "a not yet perfect ({} collisions)",
            thousands(nh.collisions as u64)
        )
    };
    vec![format!(
        "For {} keys a minimal perfect hash needs {} bits per key ({}) and answers a query in {} ns \
         ({}); {quality} NeuralHash stores {} bits of parameters per key ({} more) and answers one \
         word in {} ns.",
        thousands(largest as u64),
        sig3(smallest.bits_per_key),
        smallest.method,
        sig3(fastest.query_ns),
        fastest.method,
        sig3(nh.bits_per_key),
        times(nh.bits_per_key / smallest.bits_per_key),
        sig3(nh.query_ns)
    )]
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
        let kinds: Vec<PerfectHashMethod> = rows.iter().map(|r| r.method).collect();
        let expected = MphKind::ALL.map(|mph| PerfectHashMethod::Minimal { mph });
        assert_eq!(kinds, expected);
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
        let row = measure_neural(&keys, &model, None, 1).unwrap();
        assert_eq!(row.method, PerfectHashMethod::NeuralHash { trainer: None });
        assert_eq!(row.bits_per_key, model.parameter_count() as f64 * 8.0);
        // vocab = 4 x 27 + 1 padding row; 109 x 8 + 8 + 8 x 10 + 10 parameters.
        assert_eq!(model.parameter_count(), 109 * 8 + 8 + 80 + 10);
        assert_eq!(row.build_seconds, None);
        assert!(row.batched_query_ns.is_some() && row.query_ns > 0.0);
        assert_eq!(row.collisions, collisions(&model.hash_words(&keys)));
    }
}
