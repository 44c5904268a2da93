//! The cross-entropy method's guard: the network with the fewest collisions seen, with its Adam
//! moments, and a rollback to both when training collapses.

use std::path::Path;

use serde::{Deserialize, Serialize};

use crate::Result;
use crate::adam::{Adam, Moments};
use crate::config::CemConfig;
use crate::model_file::Parameters;
use crate::net::Net;
use crate::resume::{NamedValues, prefixed, take_prefixed};

/// A collapse: the argmax collisions of an iteration exceed `COLLAPSE_FACTOR` times the fewest
/// seen plus one in `COLLAPSE_SLACK` of the words. Ordinary iteration-to-iteration noise is a
/// few collisions; a collapse (a large update that kills the hidden ReLUs) sends nearly every
/// word into a handful of bins.
const COLLAPSE_FACTOR: usize = 2;
const COLLAPSE_SLACK: usize = 100;

/// The best network so far, the optimizer's moments at that point, and the learning rate to go
/// on with.
pub(crate) struct BestSoFar {
    network: Net,
    moments: Moments,
    collisions: Option<usize>,
    learning_rate: f64,
    lr_decay: f64,
    words: usize,
}

impl BestSoFar {
    /// Starts with a copy of `policy` (not yet evaluated), of `optimizer`'s moments and the
    /// configured learning rate.
    pub(crate) fn new(
        policy: &Net,
        optimizer: &Adam,
        config: &CemConfig,
        words: usize,
    ) -> Result<BestSoFar> {
        Ok(BestSoFar {
            network: policy.duplicate()?,
            moments: optimizer.save(),
            collisions: None,
            learning_rate: config.learning_rate,
            lr_decay: config.lr_decay,
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

    /// Records the argmax collisions of `policy` (before this iteration's fit, with `optimizer`
    /// as it stands). Returns true for a collapse, after shrinking the learning rate: the caller
    /// then restores the best network and moments.
    pub(crate) fn observe(&mut self, policy: &Net, optimizer: &Adam, collisions: usize) -> bool {
        match self.collisions {
            Some(best) if collisions > COLLAPSE_FACTOR * best + self.words / COLLAPSE_SLACK => {
                self.learning_rate *= self.lr_decay;
                true
            }
            Some(best) if collisions >= best => false,
            _ => {
                self.network.copy_from(policy);
                optimizer.save_into(&mut self.moments);
                self.collisions = Some(collisions);
                false
            }
        }
    }

    /// The guard's state for a training checkpoint: the numbers, and the network and moments as
    /// named tensors (`net.*`, `first.*`, `second.*`).
    pub(crate) fn checkpoint(&self) -> (BestState, NamedValues) {
        let mut tensors = prefixed("net", self.network.parameter_values());
        tensors.extend(self.moments.named_values());
        let state = BestState {
            collisions: self.collisions,
            learning_rate: self.learning_rate,
            adam_steps: self.moments.steps().to_vec(),
        };
        (state, tensors)
    }

    /// Loads a state saved by [`BestSoFar::checkpoint`].
    ///
    /// # Errors
    /// [`crate::Error::Checkpoint`] when a tensor is missing or misshapen.
    pub(crate) fn load(
        &mut self,
        state: &BestState,
        mut tensors: Parameters,
        origin: &Path,
    ) -> Result<()> {
        let net = Net::from_values(
            self.network.spec().clone(),
            self.network.device(),
            take_prefixed(&mut tensors, "net"),
        )
        .map_err(|e| crate::Error::Checkpoint {
            path: origin.to_path_buf(),
            reason: format!("the best network: {e}"),
        })?;
        self.network.copy_from(&net);
        self.moments.load(&tensors, &state.adam_steps, origin)?;
        self.collisions = state.collisions;
        self.learning_rate = state.learning_rate;
        Ok(())
    }

    /// Copies the best network into `policy`.
    pub(crate) fn restore(&self, policy: &mut Net) {
        policy.copy_from(&self.network);
    }

    /// After a collapse: restores the best network and copies its moments into `optimizer`,
    /// which goes on at the (shrunk) learning rate.
    pub(crate) fn roll_back(&self, policy: &mut Net, optimizer: &mut Adam) {
        self.restore(policy);
        optimizer.restore(&self.moments);
        optimizer.set_learning_rate(self.learning_rate);
    }
}

/// The guard's numbers in a training checkpoint (its tensors are stored beside them).
#[derive(Debug, Clone, Serialize, Deserialize)]
pub(crate) struct BestState {
    collisions: Option<usize>,
    learning_rate: f64,
    adam_steps: Vec<i32>,
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::net::{NetInput, NetSpec};
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
            key: None,
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
    fn a_collapse_shrinks_the_rate_and_restores_the_best_network_and_moments() {
        let config = CemConfig {
            learning_rate: 0.1,
            lr_decay: 0.5,
            ..CemConfig::default()
        };
        let first = net(1);
        let mut second = net(2);
        let mut optimizer = Adam::new(second.var_store(), config.learning_rate);
        let mut guard = BestSoFar::new(&first, &optimizer, &config, 1000).unwrap();
        assert!(!guard.observe(&first, &optimizer, 400));
        assert!(!guard.observe(&first, &optimizer, 394));
        let at_best = optimizer.save();
        assert_ne!(values(&first), values(&second));
        // Steps after the best change the moments; they must come back with the network.
        let input = NetInput {
            ids: tch::Tensor::from_slice(&[0i64, 1, 2, 3]),
            offsets: tch::Tensor::from_slice(&[0i64, 2]),
            occupancy: None,
            shifts: None,
        };
        for _ in 0..3 {
            optimizer.backward_step(&second.forward(&input).square().sum(tch::Kind::Float));
        }
        assert_ne!(optimizer.save().values(), at_best.values());
        // Not a new best: `second` is not kept. 2 x 394 + 1000 / 100 = 798 is not a collapse.
        assert!(!guard.observe(&second, &optimizer, 798));
        assert_eq!(guard.learning_rate(), 0.1);
        assert!(guard.observe(&second, &optimizer, 799));
        assert!((guard.learning_rate() - 0.05).abs() < 1e-12);
        guard.roll_back(&mut second, &mut optimizer);
        assert_eq!(values(&first), values(&second));
        assert_eq!(optimizer.save().values(), at_best.values());
        assert_eq!(guard.collisions(), Some(394));
    }
}
