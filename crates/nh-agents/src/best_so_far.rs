//! The cross-entropy method's guard: the network with the fewest collisions seen, a learning
//! rate that decays when progress stalls, and a rollback when training collapses.

use crate::Result;
use crate::config::CemConfig;
use crate::net::Net;

/// A collapse: the argmax collisions of an iteration exceed `COLLAPSE_FACTOR` times the fewest
/// seen plus one in `COLLAPSE_SLACK` of the words. Ordinary iteration-to-iteration noise is a
/// few collisions; a collapse (a large update that kills the hidden ReLUs, measured on 30,000
/// words with a factorized head) sends nearly every word into a handful of bins.
const COLLAPSE_FACTOR: usize = 2;
const COLLAPSE_SLACK: usize = 100;

/// What one iteration's collisions mean for training.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Verdict {
    /// Fewer collisions than ever: the network was saved as the best so far.
    Improved,
    /// Neither a new best, nor a stall, nor a collapse.
    Steady,
    /// `patience` iterations without a new best: the learning rate was multiplied by `lr_decay`.
    Stalled,
    /// Far more collisions than the best: restore the best network and restart Adam at the
    /// (decayed) learning rate.
    Collapsed,
}

/// The best network so far and the learning rate schedule around it.
pub(crate) struct BestSoFar {
    network: Net,
    collisions: Option<usize>,
    since_best: usize,
    learning_rate: f64,
    lr_decay: f64,
    patience: Option<usize>,
    words: usize,
}

impl BestSoFar {
    /// Starts with a copy of `policy` (not yet evaluated) and the configured learning rate.
    pub(crate) fn new(policy: &Net, config: &CemConfig, words: usize) -> Result<BestSoFar> {
        Ok(BestSoFar {
            network: policy.duplicate()?,
            collisions: None,
            since_best: 0,
            learning_rate: config.initial_learning_rate(),
            lr_decay: config.lr_decay,
            patience: config.patience,
            words,
        })
    }

    /// The learning rate to train with now.
    pub(crate) fn learning_rate(&self) -> f64 {
        self.learning_rate
    }

    /// The fewest argmax collisions seen, if any iteration was observed.
    pub(crate) fn collisions(&self) -> Option<usize> {
        self.collisions
    }

    /// Records the argmax collisions of `policy` (before this iteration's fit).
    pub(crate) fn observe(&mut self, policy: &Net, collisions: usize) -> Verdict {
        let Some(best) = self.collisions else {
            return self.improve(policy, collisions);
        };
        if collisions < best {
            return self.improve(policy, collisions);
        }
        if collisions > COLLAPSE_FACTOR * best + self.words / COLLAPSE_SLACK {
            self.decay();
            return Verdict::Collapsed;
        }
        self.since_best += 1;
        match self.patience {
            Some(patience) if self.since_best >= patience => {
                self.decay();
                Verdict::Stalled
            }
            _ => Verdict::Steady,
        }
    }

    /// Copies the best network into `policy`.
    pub(crate) fn restore(&self, policy: &mut Net) {
        policy.copy_from(&self.network);
    }

    fn improve(&mut self, policy: &Net, collisions: usize) -> Verdict {
        self.network.copy_from(policy);
        self.collisions = Some(collisions);
        self.since_best = 0;
        Verdict::Improved
    }

    fn decay(&mut self) {
        self.learning_rate *= self.lr_decay;
        self.since_best = 0;
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::net::NetSpec;
    use rand::SeedableRng;
    use rand_chacha::ChaCha8Rng;
    use tch::Device;

    fn net(seed: u64) -> Net {
        let spec = NetSpec {
            vocab: 5,
            pad_id: 4,
            occupancy: 0,
            hidden: vec![3],
            outputs: 4,
            factors: None,
        };
        Net::init(spec, Device::Cpu, &mut ChaCha8Rng::seed_from_u64(seed)).unwrap()
    }

    fn values(net: &Net) -> Vec<Vec<f32>> {
        net.parameter_values()
            .into_iter()
            .map(|(_, _, v)| v)
            .collect()
    }

    #[test]
    fn stalls_decay_the_rate_and_collapses_restore_the_best_network() {
        let config = CemConfig {
            learning_rate: Some(0.1),
            lr_decay: 0.5,
            patience: Some(2),
            ..CemConfig::default()
        };
        let first = net(1);
        let mut guard = BestSoFar::new(&first, &config, 1000).unwrap();
        assert_eq!(guard.observe(&first, 400), Verdict::Improved);
        assert_eq!(guard.observe(&first, 405), Verdict::Steady);
        assert_eq!(guard.observe(&first, 401), Verdict::Stalled);
        assert!((guard.learning_rate() - 0.05).abs() < 1e-12);
        assert_eq!(guard.observe(&first, 810), Verdict::Steady);
        // 2 x 400 + 1000 / 100 = 810 is the last count that is not a collapse.
        let mut second = net(2);
        assert_ne!(values(&first), values(&second));
        assert_eq!(guard.observe(&second, 811), Verdict::Collapsed);
        assert!((guard.learning_rate() - 0.025).abs() < 1e-12);
        guard.restore(&mut second);
        assert_eq!(values(&first), values(&second));
        assert_eq!(guard.collisions(), Some(400));
    }

    #[test]
    fn without_patience_the_rate_only_decays_on_a_collapse() {
        let config = CemConfig {
            patience: None,
            ..CemConfig::default()
        };
        let policy = net(3);
        let mut guard = BestSoFar::new(&policy, &config, 10).unwrap();
        assert_eq!(guard.observe(&policy, 5), Verdict::Improved);
        for _ in 0..100 {
            assert_eq!(guard.observe(&policy, 5), Verdict::Steady);
        }
        assert_eq!(guard.learning_rate(), config.initial_learning_rate());
    }
}
