//! What a panel with the `batches` schedule learned about each of its fixed batches: when each
//! batch's argmax placement first had no collision, and how many collisions the saved hash leaves
//! in each batch.

use nh_agents::IterationMetrics;
use serde::{Deserialize, Serialize};

use crate::config::Algo;

/// Per-batch results of one (panel, seed) unit; batch `b` holds words `b * N .. (b + 1) * N` of
/// the unit's word list.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct BatchResults {
    /// Per batch, the number of iterations after which its argmax placement first had zero
    /// collisions (`None`: never). Policy gradient plays one batch per iteration, iteration `i`
    /// playing batch `i mod B`, so each batch is seen every B iterations. Absent for the
    /// cross-entropy method, whose iterations score all batches together (their mean is its
    /// `collisions` column, and its `iterations_to_perfect` is when every batch is zero).
    pub first_zero: Option<Vec<Option<usize>>>,
    /// The saved hash's collisions on each batch (each batch alone into the model's bins).
    pub final_collisions: Vec<usize>,
}

impl BatchResults {
    /// The results of a run of `algo` that produced `rows` and the hash `hash` (nh-hash's
    /// arithmetic) on `words`, cut into batches of `batch` words.
    pub fn of(
        algo: Algo,
        rows: &[IterationMetrics],
        hash: &nh_hash::Model,
        words: &[String],
        batch: usize,
    ) -> BatchResults {
        let count = words.len() / batch;
        let first_zero = (algo != Algo::Cem).then(|| first_zero_per_batch(rows, count));
        let final_collisions = words
            .chunks(batch)
            .map(|chunk| hash.check_perfect(chunk).collisions)
            .collect();
        BatchResults {
            first_zero,
            final_collisions,
        }
    }
}

/// Per batch, the iterations after which its argmax placement first had zero collisions, when
/// iteration `i` plays batch `i mod count`.
fn first_zero_per_batch(rows: &[IterationMetrics], count: usize) -> Vec<Option<usize>> {
    (0..count)
        .map(|b| {
            rows.iter()
                .skip(b)
                .step_by(count)
                .position(is_zero)
                .map(|k| b + k * count + 1)
        })
        .collect()
}

/// Iterations until the argmax hash had no collision on any of its `count` batches (1 for a
/// `fixed` word set: the first zero iteration): for the cross-entropy method the first iteration
/// whose mean over the batches is zero, for one-batch-per-iteration learners the first iteration
/// that ends a run of `count` consecutive zero iterations (one per batch).
pub fn iterations_to_perfect(algo: Algo, rows: &[IterationMetrics], count: usize) -> Option<usize> {
    let run = if algo == Algo::Cem { 1 } else { count };
    let mut streak = 0;
    rows.iter()
        .position(|row| {
            streak = if is_zero(row) { streak + 1 } else { 0 };
            streak == run
        })
        .map(|i| i + 1)
}

/// Whether an iteration's argmax placement had no collision.
fn is_zero(row: &IterationMetrics) -> bool {
    row.greedy_collisions.unwrap_or(row.collisions) == 0.0
}

#[cfg(test)]
mod tests {
    use super::*;

    fn rows(greedy: &[f64]) -> Vec<IterationMetrics> {
        greedy
            .iter()
            .enumerate()
            .map(|(iteration, &g)| IterationMetrics {
                iteration,
                reward: 0.0,
                collisions: 99.0,
                max_load: 1.0,
                max_collisions_in_bin: 0.0,
                greedy_collisions: Some(g),
                loss: None,
                critic_loss: None,
                entropy: 0.0,
                seconds: 0.0,
            })
            .collect()
    }

    #[test]
    fn every_batch_zero_needs_one_zero_per_batch_in_a_row() {
        // Batches 0, 1, 2, 0, 1, 2, 0: zeros at iterations 1, 2, 4, 5, 6.
        let r = rows(&[3.0, 0.0, 0.0, 1.0, 0.0, 0.0, 0.0]);
        assert_eq!(iterations_to_perfect(Algo::Pg, &r, 3), Some(7));
        assert_eq!(iterations_to_perfect(Algo::Pg, &r[..6], 3), None);
        assert_eq!(iterations_to_perfect(Algo::Cem, &r, 3), Some(2));
        // One batch (a fixed word set): the first zero iteration, for every learner.
        assert_eq!(iterations_to_perfect(Algo::Pg, &r, 1), Some(2));
        assert_eq!(first_zero_per_batch(&r, 3), [Some(7), Some(2), Some(3)]);
        assert_eq!(first_zero_per_batch(&r[..2], 3), [None, Some(2), None]);
    }
}
