//! `BinLogProbs`: a policy's log-probabilities over the M bins in the form its head makes
//! cheapest, with what the cross-entropy method needs (argmax, entropy, sampling among free
//! bins, cross-entropy): M values per word for the paper's full head, M1 + M2 for a factorized
//! head, whose joint distribution over the M bins is never built.

use rand::Rng;
use tch::{Kind, Tensor};

use crate::net::{Net, NetInput};
use crate::sampling::{sample_rows, scalar, to_f32s, to_indices};

/// Log-probabilities of a batch of words over the bins.
pub(crate) enum BinLogProbs {
    /// Full head: (words x M).
    Joint(Tensor),
    /// Factorized head: the row head (words x M1) and the column head (words x M2);
    /// log p(a * M2 + b) = rows[a] + cols[b].
    Factored { rows: Tensor, cols: Tensor },
}

impl BinLogProbs {
    /// The policy's log-probabilities for `input` (with autograd unless the caller disables it).
    pub fn of(policy: &Net, input: &NetInput) -> BinLogProbs {
        match policy.factor_logits(input) {
            Some((rows, cols)) => BinLogProbs::Factored {
                rows: rows.log_softmax(-1, Kind::Float),
                cols: cols.log_softmax(-1, Kind::Float),
            },
            None => BinLogProbs::Joint(policy.forward(input).log_softmax(-1, Kind::Float)),
        }
    }

    /// The same values without autograd history.
    pub fn detach(&self) -> BinLogProbs {
        self.map(Tensor::detach)
    }

    /// The rows (words) at `index` (an int64 tensor on the same device).
    pub fn select(&self, index: &Tensor) -> BinLogProbs {
        self.map(|t| t.index_select(0, index))
    }

    fn map(&self, f: impl Fn(&Tensor) -> Tensor) -> BinLogProbs {
        match self {
            BinLogProbs::Joint(joint) => BinLogProbs::Joint(f(joint)),
            BinLogProbs::Factored { rows, cols } => BinLogProbs::Factored {
                rows: f(rows),
                cols: f(cols),
            },
        }
    }

    /// Number of words.
    pub fn len(&self) -> i64 {
        match self {
            BinLogProbs::Joint(t) | BinLogProbs::Factored { rows: t, .. } => t.size()[0],
        }
    }

    /// Each word's most likely bin (the first on ties) and its log-probability.
    pub fn greedy(&self) -> (Vec<usize>, Vec<f32>) {
        match self {
            BinLogProbs::Joint(joint) => {
                let (best, bins) = joint.max_dim(-1, false);
                (to_indices(&bins), to_f32s(&best))
            }
            BinLogProbs::Factored { rows, cols } => {
                let (row_best, a) = rows.max_dim(-1, false);
                let (col_best, b) = cols.max_dim(-1, false);
                let m2 = cols.size()[1];
                (to_indices(&(a * m2 + b)), to_f32s(&(row_best + col_best)))
            }
        }
    }

    /// Sum over words of the entropy (nats); the two heads' entropies add up.
    pub fn total_entropy(&self) -> f64 {
        let entropy = |lp: &Tensor| scalar(&-(lp.exp() * lp).sum(Kind::Double));
        match self {
            BinLogProbs::Joint(joint) => entropy(joint),
            BinLogProbs::Factored { rows, cols } => entropy(rows) + entropy(cols),
        }
    }

    /// One bin per word drawn from the policy restricted to the bins where `free` (M floats,
    /// 1 = free, 0 = held) is 1. A factorized head draws the row a with weight
    /// p(a) * sum over free (a, b) of p(b), then the column among that row's free bins: exactly
    /// the restricted product distribution, in (words x M1) memory.
    pub fn sample_free(&self, free: &Tensor, rng: &mut impl Rng) -> Vec<usize> {
        match self {
            BinLogProbs::Joint(joint) => sample_rows(&(joint.exp() * free), rng),
            BinLogProbs::Factored { rows, cols } => {
                let (m1, m2) = (rows.size()[1], cols.size()[1]);
                let free = free.reshape([m1, m2]);
                let col_probs = cols.exp();
                let row_weights = rows.exp() * col_probs.matmul(&free.tr());
                let a = sample_rows(&row_weights, rng);
                let a_index: Vec<i64> = a.iter().map(|&r| r as i64).collect();
                let free_rows =
                    free.index_select(0, &Tensor::from_slice(&a_index).to_device(free.device()));
                let b = sample_rows(&(col_probs * free_rows), rng);
                a.iter().zip(b).map(|(&r, c)| r * m2 as usize + c).collect()
            }
        }
    }

    /// Mean cross-entropy of the words against their target bins (int64, on the device).
    pub fn nll(&self, targets: &Tensor) -> Tensor {
        match self {
            BinLogProbs::Joint(joint) => joint.nll_loss(targets),
            BinLogProbs::Factored { rows, cols } => {
                let m2 = cols.size()[1];
                rows.nll_loss(&targets.divide_scalar_mode(m2, "floor"))
                    + cols.nll_loss(&targets.remainder(m2))
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::net::NetSpec;
    use rand::SeedableRng;
    use rand_chacha::ChaCha8Rng;
    use tch::Device;

    fn nets() -> (Net, NetInput) {
        let spec = NetSpec {
            vocab: 6,
            pad_id: 5,
            occupancy: 0,
            hidden: vec![8],
            outputs: 6,
            factors: Some((2, 3)),
            key: None,
        };
        let net = Net::init(spec, Device::Cpu, &mut ChaCha8Rng::seed_from_u64(4)).unwrap();
        let input = NetInput {
            ids: Tensor::from_slice(&[0i64, 1, 2, 3, 4, 0]),
            offsets: Tensor::from_slice(&[0i64, 2, 4]),
            occupancy: None,
            shifts: None,
        };
        (net, input)
    }

    #[test]
    fn factored_values_equal_the_joint_distributions() {
        let (net, input) = nets();
        let factored = BinLogProbs::of(&net, &input);
        let joint = BinLogProbs::Joint(net.forward(&input).log_softmax(-1, Kind::Float));
        assert_eq!(factored.len(), 3);
        let ((fb, fc), (jb, jc)) = (factored.greedy(), joint.greedy());
        assert_eq!(fb, jb);
        for (f, j) in fc.iter().zip(&jc) {
            assert!((f - j).abs() < 1e-5);
        }
        assert!((factored.total_entropy() - joint.total_entropy()).abs() < 1e-4);
        let targets = Tensor::from_slice(&[5i64, 0, 3]);
        let diff = scalar(&(factored.nll(&targets) - joint.nll(&targets)));
        assert!(diff.abs() < 1e-5, "{diff}");
    }

    #[test]
    fn factored_sampling_stays_on_free_bins_with_the_restricted_frequencies() {
        let (net, input) = nets();
        let factored = BinLogProbs::of(&net, &input).detach();
        let BinLogProbs::Joint(joint) =
            BinLogProbs::Joint(net.forward(&input).log_softmax(-1, Kind::Float)).detach()
        else {
            unreachable!()
        };
        let free = [1.0f32, 0.0, 1.0, 0.0, 1.0, 1.0];
        let free_t = Tensor::from_slice(&free);
        let restricted = joint.exp() * &free_t;
        let expected = &restricted / restricted.sum_dim_intlist(-1, true, Kind::Float);
        let expected = to_f32s(&expected);
        let mut rng = ChaCha8Rng::seed_from_u64(9);
        let mut counts = [[0usize; 6]; 3];
        let draws = 6000;
        for _ in 0..draws {
            for (word, bin) in factored
                .sample_free(&free_t, &mut rng)
                .into_iter()
                .enumerate()
            {
                counts[word][bin] += 1;
            }
        }
        for word in 0..3 {
            for bin in 0..6 {
                let share = counts[word][bin] as f64 / f64::from(draws);
                if free[bin] == 0.0 {
                    assert_eq!(counts[word][bin], 0);
                }
                assert!((share - f64::from(expected[word * 6 + bin])).abs() < 0.025);
            }
        }
    }
}
