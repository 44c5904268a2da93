//! Adam whose moments can be saved and restored: every learner's optimizer, so that a training
//! checkpoint holds them and the cross-entropy method's guard can roll the optimizer back
//! together with the network.
//!
//! libtorch's Adam (behind `tch::nn::Optimizer`) keeps its moments out of reach, so a rollback
//! had to restart it. A fresh Adam's first step moves every parameter by about the full learning
//! rate, whatever its gradient: on 160,000 words one such step took a network with 16,964
//! collisions to 125,782 (docs/REPRODUCTION.md). This is the same algorithm (Kingma and Ba, with
//! libtorch's defaults β1 = 0.9, β2 = 0.999, ε = 1e-8 unless set, no weight decay) written with
//! tensor operations; its float rounding can differ from libtorch's fused kernels in the last bit.

use std::path::Path;

use serde::{Deserialize, Serialize};
use tch::Tensor;
use tch::nn::VarStore;

use crate::model_file::Parameters;
use crate::resume::{NamedValues, prefixed, take_prefixed};

const BETA1: f64 = 0.9;
const BETA2: f64 = 0.999;
/// libtorch's default ε.
const EPS: f64 = 1e-8;

/// Adam over the trainable variables of one `VarStore`.
pub(crate) struct Adam {
    params: Vec<Tensor>,
    moments: Moments,
    learning_rate: f64,
    eps: f64,
}

/// Each parameter's first and second moment and its number of steps: Adam's whole state.
pub(crate) struct Moments {
    first: Vec<Tensor>,
    second: Vec<Tensor>,
    steps: Vec<i32>,
}

impl Adam {
    /// Adam with zero moments for the trainable variables of `vs`.
    pub(crate) fn new(vs: &VarStore, learning_rate: f64) -> Adam {
        let params = vs.trainable_variables();
        let zeros = || -> Vec<Tensor> { params.iter().map(Tensor::zeros_like).collect() };
        Adam {
            moments: Moments {
                first: zeros(),
                second: zeros(),
                steps: vec![0; params.len()],
            },
            params,
            learning_rate,
            eps: EPS,
        }
    }

    /// This optimizer with ε = `eps` in the denominator instead of libtorch's 1e-8.
    pub(crate) fn with_eps(self, eps: f64) -> Adam {
        Adam { eps, ..self }
    }

    /// The learning rate of the following steps.
    pub(crate) fn learning_rate(&self) -> f64 {
        self.learning_rate
    }

    /// The moments now (see [`Moments::values`]).
    pub(crate) fn moments(&self) -> &Moments {
        &self.moments
    }

    /// Mutable access to the moments, to load a checkpoint's.
    pub(crate) fn moments_mut(&mut self) -> &mut Moments {
        &mut self.moments
    }

    /// Sets the learning rate of the following steps.
    pub(crate) fn set_learning_rate(&mut self, learning_rate: f64) {
        self.learning_rate = learning_rate;
    }

    /// Clears the gradients, back-propagates `loss` and takes one step.
    pub(crate) fn backward_step(&mut self, loss: &Tensor) {
        self.zero_grad();
        loss.backward();
        self.step();
    }

    /// Sets the gradients of this optimizer's parameters to zero (for a loss whose gradients
    /// reach several optimizers' parameters: zero each, back-propagate once, step each).
    pub(crate) fn zero_grad(&mut self) {
        for p in &mut self.params {
            p.zero_grad();
        }
    }

    /// One Adam step on every parameter that has a gradient.
    pub(crate) fn step(&mut self) {
        let m = &mut self.moments;
        tch::no_grad(|| {
            for (i, param) in self.params.iter_mut().enumerate() {
                let grad = param.grad();
                if !grad.defined() {
                    continue;
                }
                m.steps[i] += 1;
                let bias1 = 1.0 - BETA1.powi(m.steps[i]);
                let bias2 = 1.0 - BETA2.powi(m.steps[i]);
                let _ = m.first[i].g_mul_scalar_(BETA1);
                let _ = m.first[i].g_add_(&(&grad * (1.0 - BETA1)));
                let _ = m.second[i].g_mul_scalar_(BETA2);
                let _ = m.second[i].g_add_(&(&grad * &grad * (1.0 - BETA2)));
                let denom = m.second[i].sqrt() / bias2.sqrt() + self.eps;
                let update = &m.first[i] / denom * (self.learning_rate / bias1);
                let _ = param.g_sub_(&update);
            }
        });
    }

    /// This optimizer's state for a training checkpoint: its step counts, and its moments as
    /// tensors named `<prefix>.first.<i>` and `<prefix>.second.<i>`. The learning rate is not
    /// included: learners that change it save it themselves.
    pub(crate) fn checkpoint(&self, prefix: &str) -> (AdamState, NamedValues) {
        let state = AdamState {
            steps: self.moments.steps.clone(),
        };
        (state, prefixed(prefix, self.moments.named_values()))
    }

    /// Loads a state saved by [`Adam::checkpoint`] of an optimizer over the same parameters,
    /// taking its moments out of `tensors`.
    ///
    /// # Errors
    /// [`crate::Error::Checkpoint`] naming a missing or misshapen moment.
    pub(crate) fn load(
        &mut self,
        state: &AdamState,
        tensors: &mut Parameters,
        prefix: &str,
        origin: &Path,
    ) -> crate::Result<()> {
        self.moments
            .load(&take_prefixed(tensors, prefix), &state.steps, origin)
    }

    /// A copy of the moments, to [`Adam::restore`] later.
    pub(crate) fn save(&self) -> Moments {
        let copy = |ts: &[Tensor]| ts.iter().map(Tensor::copy).collect();
        Moments {
            first: copy(&self.moments.first),
            second: copy(&self.moments.second),
            steps: self.moments.steps.clone(),
        }
    }

    /// Overwrites `saved` (an earlier [`Adam::save`] of this optimizer) with the moments now.
    pub(crate) fn save_into(&self, saved: &mut Moments) {
        saved.copy_from(&self.moments);
    }

    /// Copies saved moments (of this optimizer's parameters) back in.
    pub(crate) fn restore(&mut self, saved: &Moments) {
        self.moments.copy_from(saved);
    }
}

/// An optimizer's step counts in a training checkpoint (its moments are stored beside them as
/// tensors).
#[derive(Debug, Clone, Serialize, Deserialize)]
pub(crate) struct AdamState {
    steps: Vec<i32>,
}

impl Moments {
    /// Overwrites these moments with `source`'s, in place.
    fn copy_from(&mut self, source: &Moments) {
        tch::no_grad(|| {
            for (dst, src) in self.first.iter_mut().zip(&source.first) {
                dst.copy_(src);
            }
            for (dst, src) in self.second.iter_mut().zip(&source.second) {
                dst.copy_(src);
            }
        });
        self.steps.clone_from(&source.steps);
    }

    /// Each parameter's step count.
    pub(crate) fn steps(&self) -> &[i32] {
        &self.steps
    }

    /// The moments as named values (`first.<i>`, `second.<i>`), for a checkpoint.
    pub(crate) fn named_values(&self) -> NamedValues {
        let named = |kind: &str, ts: &[Tensor]| -> Vec<(String, Vec<usize>, Vec<f32>)> {
            ts.iter()
                .enumerate()
                .map(|(i, t)| {
                    let shape = t.size().iter().map(|&d| d as usize).collect();
                    let values =
                        Vec::<f32>::try_from(&t.flatten(0, -1).to_device(tch::Device::Cpu))
                            .expect("Adam moments are f32");
                    (format!("{kind}.{i}"), shape, values)
                })
                .collect()
        };
        let mut out = named("first", &self.first);
        out.extend(named("second", &self.second));
        out
    }

    /// Loads moments saved by [`Moments::named_values`] (same parameters) and their step counts.
    ///
    /// # Errors
    /// [`crate::Error::Checkpoint`] naming a missing or misshapen moment.
    pub(crate) fn load(
        &mut self,
        values: &Parameters,
        steps: &[i32],
        origin: &Path,
    ) -> crate::Result<()> {
        let bad = |reason: String| crate::Error::Checkpoint {
            path: origin.to_path_buf(),
            reason,
        };
        if steps.len() != self.steps.len() {
            return Err(bad(format!(
                "{} Adam step counts, the network has {} parameters",
                steps.len(),
                self.steps.len()
            )));
        }
        for (kind, tensors) in [("first", &mut self.first), ("second", &mut self.second)] {
            for (i, t) in tensors.iter_mut().enumerate() {
                let name = format!("{kind}.{i}");
                let (shape, data) = values
                    .get(&name)
                    .ok_or_else(|| bad(format!("no Adam moment `{name}`")))?;
                let expected: Vec<usize> = t.size().iter().map(|&d| d as usize).collect();
                if *shape != expected {
                    return Err(bad(format!(
                        "Adam moment `{name}` has shape {shape:?}, expected {expected:?}"
                    )));
                }
                let dims: Vec<i64> = expected.iter().map(|&d| d as i64).collect();
                let loaded = Tensor::from_slice(data)
                    .reshape(&dims[..])
                    .to_device(t.device());
                tch::no_grad(|| t.copy_(&loaded));
            }
        }
        self.steps = steps.to_vec();
        Ok(())
    }

    /// Every moment's values and the step counts, to compare states in tests.
    #[cfg(test)]
    pub(crate) fn values(&self) -> (Vec<Vec<f32>>, Vec<i32>) {
        let values = self
            .first
            .iter()
            .chain(&self.second)
            .map(|t| Vec::<f32>::try_from(&t.flatten(0, -1)).unwrap())
            .collect();
        (values, self.steps.clone())
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use tch::nn::{self, Module, OptimizerConfig};
    use tch::{Device, Kind};

    /// Held while a test seeds and draws from libtorch's global generator: tests run on
    /// concurrent threads, and another draw between the seed and ours would change the problem.
    static GLOBAL_GENERATOR: std::sync::Mutex<()> = std::sync::Mutex::new(());

    /// A small regression model, its inputs and targets, built the same way for every optimizer.
    fn problem() -> (VarStore, nn::Sequential, Tensor, Tensor) {
        let _only_us = GLOBAL_GENERATOR
            .lock()
            .unwrap_or_else(std::sync::PoisonError::into_inner);
        tch::manual_seed(7);
        let vs = VarStore::new(Device::Cpu);
        let model = nn::seq()
            .add(nn::linear(vs.root() / "a", 6, 8, Default::default()))
            .add_fn(Tensor::relu)
            .add(nn::linear(vs.root() / "b", 8, 3, Default::default()));
        let x = Tensor::randn([32, 6], (Kind::Float, Device::Cpu));
        let y = Tensor::randn([32, 3], (Kind::Float, Device::Cpu));
        (vs, model, x, y)
    }

    fn loss(model: &nn::Sequential, x: &Tensor, y: &Tensor) -> Tensor {
        (model.forward(x) - y).square().mean(Kind::Float)
    }

    fn flat(vs: &VarStore) -> Vec<f32> {
        let all = Tensor::cat(
            &vs.trainable_variables()
                .iter()
                .map(|t| t.flatten(0, -1))
                .collect::<Vec<_>>(),
            0,
        );
        Vec::<f32>::try_from(&all).unwrap()
    }

    #[test]
    fn takes_the_same_steps_as_libtorchs_adam() {
        // libtorch's default ε, and SAC's kind of setting (large enough to change every step).
        for eps in [None, Some(0.1)] {
            let (ours_vs, ours_model, x, y) = problem();
            let mut ours = Adam::new(&ours_vs, 1e-2);
            let (theirs_vs, theirs_model, _, _) = problem();
            let mut theirs = nn::Adam::default();
            if let Some(eps) = eps {
                ours = ours.with_eps(eps);
                theirs = theirs.eps(eps);
            }
            let mut theirs = theirs.build(&theirs_vs, 1e-2).unwrap();
            assert_eq!(flat(&ours_vs), flat(&theirs_vs));
            let start = flat(&ours_vs);
            for _ in 0..50 {
                ours.backward_step(&loss(&ours_model, &x, &y));
                theirs.backward_step(&loss(&theirs_model, &x, &y));
            }
            let (a, b) = (flat(&ours_vs), flat(&theirs_vs));
            let moved = a
                .iter()
                .zip(&start)
                .map(|(p, s)| (p - s).abs())
                .fold(0f32, f32::max);
            let apart = a
                .iter()
                .zip(&b)
                .map(|(p, q)| (p - q).abs())
                .fold(0f32, f32::max);
            assert!(
                moved > 0.05,
                "eps {eps:?}: 50 steps at 1e-2 should move a weight: {moved}"
            );
            assert!(
                apart < 1e-5,
                "eps {eps:?}: ours and libtorch's Adam drifted {apart} apart"
            );
        }
    }

    #[test]
    fn restoring_saved_moments_and_weights_replays_the_same_steps() {
        let (vs, model, x, y) = problem();
        let mut adam = Adam::new(&vs, 1e-2);
        for _ in 0..5 {
            adam.backward_step(&loss(&model, &x, &y));
        }
        let saved_weights: Vec<Tensor> =
            vs.trainable_variables().iter().map(Tensor::copy).collect();
        let saved_moments = adam.save();
        let run = |adam: &mut Adam| {
            for _ in 0..5 {
                adam.backward_step(&loss(&model, &x, &y));
            }
            flat(&vs)
        };
        let restore_weights = || {
            tch::no_grad(|| {
                for (mut p, saved) in vs.trainable_variables().into_iter().zip(&saved_weights) {
                    p.copy_(saved);
                }
            });
        };
        let first = run(&mut adam);
        restore_weights();
        adam.restore(&saved_moments);
        assert_eq!(run(&mut adam), first);
        // Without the moments, the same weights take different steps (a fresh Adam's first
        // step is the full learning rate on every parameter).
        restore_weights();
        let mut fresh = Adam::new(&vs, 1e-2);
        assert_ne!(run(&mut fresh), first);
    }
}
