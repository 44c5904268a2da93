//! Drawing actions from policy probabilities with a seed-local Rust RNG, on any device.
//!
//! The uniforms come from the trainer's ChaCha8 stream; libtorch only turns them into categories
//! by inverse-CDF lookup (cumulative sum + binary search), so no libtorch generator is involved
//! and only one number per row crosses between host and device.

use rand::Rng;
use tch::{Kind, Tensor};

/// Fisher-Yates shuffle from a seed-local stream (mini-batch orders).
pub(crate) fn shuffle(values: &mut [usize], rng: &mut impl Rng) {
    for i in (1..values.len()).rev() {
        values.swap(i, rng.random_range(0..=i));
    }
}

/// Draws one category per row of `probs` (rows x categories, non-negative, any device).
///
/// Rows need not sum to one (masked rows are fine) but must have a positive sum.
/// Categories of probability zero are never drawn.
pub(crate) fn sample_rows(probs: &Tensor, rng: &mut impl Rng) -> Vec<usize> {
    let size = probs.size();
    let (rows, cols) = (size[0], size[1]);
    let uniforms: Vec<f32> = (0..rows).map(|_| rng.random::<f32>()).collect();
    let cdf = probs.detach().cumsum(-1, Kind::Float);
    let totals = cdf.narrow(1, cols - 1, 1);
    let targets = Tensor::from_slice(&uniforms)
        .to_device(probs.device())
        .reshape([rows, 1])
        * totals;
    // With right = true the result is the first column whose cumulative sum exceeds the target,
    // which skips zero-probability columns; rounding can only push it past the end, hence the clamp.
    let picked = targets
        .searchsorted(&cdf, false, true, "right", None::<Tensor>)
        .clamp_max(cols - 1);
    to_indices(&picked)
}

/// Argmax of each row (first maximum on ties), as bin indices.
pub(crate) fn argmax_rows(logits: &Tensor) -> Vec<usize> {
    to_indices(&logits.argmax(-1, false))
}

/// Copies an integer tensor of any shape to the host as `usize`s.
pub(crate) fn to_indices(tensor: &Tensor) -> Vec<usize> {
    let flat = tensor
        .to_device(tch::Device::Cpu)
        .to_kind(Kind::Int64)
        .reshape([-1]);
    let values = Vec::<i64>::try_from(&flat).expect("an int64 tensor converts to Vec<i64>");
    values
        .into_iter()
        .map(|v| usize::try_from(v).expect("indices are non-negative"))
        .collect()
}

/// Copies a tensor of any shape to the host as `f32`s.
pub(crate) fn to_f32s(tensor: &Tensor) -> Vec<f32> {
    let flat = tensor
        .detach()
        .to_device(tch::Device::Cpu)
        .to_kind(Kind::Float)
        .reshape([-1]);
    Vec::<f32>::try_from(&flat).expect("a float tensor converts to Vec<f32>")
}

/// A scalar tensor as `f64`.
pub(crate) fn scalar(tensor: &Tensor) -> f64 {
    tensor
        .detach()
        .to_device(tch::Device::Cpu)
        .to_kind(Kind::Double)
        .double_value(&[])
}

/// Mean entropy (nats) of the rows of a log-probability matrix.
pub(crate) fn mean_entropy(log_probs: &Tensor) -> Tensor {
    -(log_probs.exp() * log_probs)
        .sum_dim_intlist(-1, false, Kind::Float)
        .mean(Kind::Float)
}

#[cfg(test)]
mod tests {
    use super::*;
    use rand::SeedableRng;
    use rand_chacha::ChaCha8Rng;

    #[test]
    fn frequencies_follow_probabilities_and_skip_zeros() {
        let probs =
            Tensor::from_slice(&[0.0f32, 0.2, 0.0, 0.8, 0.5, 0.5, 0.0, 0.0]).reshape([2, 4]);
        let mut rng = ChaCha8Rng::seed_from_u64(1);
        let mut counts = [[0usize; 4]; 2];
        let draws = 4000;
        for _ in 0..draws {
            for (row, bin) in sample_rows(&probs, &mut rng).into_iter().enumerate() {
                counts[row][bin] += 1;
            }
        }
        assert_eq!(counts[0][0] + counts[0][2] + counts[1][2] + counts[1][3], 0);
        let share = counts[0][3] as f64 / f64::from(draws);
        assert!((share - 0.8).abs() < 0.03, "{share}");
        let share = counts[1][0] as f64 / f64::from(draws);
        assert!((share - 0.5).abs() < 0.03, "{share}");
    }

    #[test]
    fn same_seed_same_draws() {
        let probs = Tensor::from_slice(&[0.1f32; 50]).reshape([5, 10]);
        let a = sample_rows(&probs, &mut ChaCha8Rng::seed_from_u64(7));
        let b = sample_rows(&probs, &mut ChaCha8Rng::seed_from_u64(7));
        assert_eq!(a, b);
        assert!(a.iter().all(|&bin| bin < 10));
    }

    #[test]
    fn argmax_and_entropy() {
        let logits = Tensor::from_slice(&[1.0f32, 3.0, 3.0, 0.0]).reshape([2, 2]);
        assert_eq!(argmax_rows(&logits), vec![1, 0]);
        let uniform = Tensor::from_slice(&[0.25f32; 8]).reshape([2, 4]).log();
        assert!((scalar(&mean_entropy(&uniform)) - 4f64.ln()).abs() < 1e-6);
    }
}
