//! The memory a training needs, estimated from its configuration before anything is allocated,
//! against what this machine has: an impossible size is refused with the estimate, what is
//! available and the keys that set it, instead of an allocation failure minutes later.

use nh_agents::{ModelConfig, OutputHead};

use crate::config::{Algo, Panel};

/// Bytes of one f32.
const F32: f64 = 4.0;
/// An upper bound on the characters of the embedding table (the alphabet plus padding and
/// "other") times the encoded word length: small beside any output layer.
const INPUT_ROWS: f64 = 128.0 * 32.0;

/// What a training needs, in bytes, with its largest part named.
#[derive(Debug, Clone, PartialEq)]
pub(crate) struct MemoryNeed {
    /// Everything together.
    pub total: f64,
    /// Parameters of every network, times the copies the learner keeps (gradients, Adam's two
    /// moments, target networks, the best network so far).
    pub parameters: f64,
    /// The largest per-update tensors (inputs, logits and their gradients).
    pub activations: f64,
}

/// The learner's shape as far as memory goes.
pub(crate) struct LearnerShape<'a> {
    /// The policy network.
    pub model: &'a ModelConfig,
    /// Rows of one update's forward pass (episodes x words, a mini-batch, or every word).
    pub rows: f64,
}

/// Estimates the memory `panel` needs with a learner of `shape`.
pub(crate) fn training_need(panel: &Panel, shape: &LearnerShape<'_>) -> MemoryNeed {
    let bins = panel.bins as f64;
    let outputs = match shape.model.head {
        OutputHead::Full => bins,
        // At least 2 sqrt(M): the two heads of the nearest factorization.
        OutputHead::Factorized => 2.0 * bins.sqrt(),
    };
    let network = |outputs: f64| {
        let mut width_in = INPUT_ROWS;
        let mut params = 0.0;
        for &h in &shape.model.hidden {
            params += width_in * h as f64 + h as f64;
            width_in = h as f64;
        }
        params + width_in * outputs + outputs
    };
    let policy = network(outputs);
    // Weights, gradients and Adam's two moments of each network the learner trains.
    let copies = match panel.algo {
        Algo::Pg | Algo::Supervised => 4.0 * policy,
        Algo::Ac => 4.0 * (policy + network(1.0)),
        // The actor, two Q networks and their two targets.
        Algo::Sac => 4.0 * policy + 4.0 * 2.0 * network(bins) + 2.0 * network(bins),
        // The guard keeps the best network and its two moments besides.
        Algo::Cem => 7.0 * policy,
    };
    let occupancy_inputs = if panel.occupancy {
        shape.rows * bins
    } else {
        0.0
    };
    // Logits, their log-softmax and the gradient, per row; a keyed head relabels its logits
    // through an int64 index (two floats' worth) into a copy.
    let per_output = if shape.model.keyed { 6.0 } else { 3.0 };
    let activations = per_output * shape.rows * outputs + occupancy_inputs;
    let table = 2.0 * bins;
    let parameters = copies * F32;
    let activations = activations * F32;
    MemoryNeed {
        total: parameters + activations + table * F32,
        parameters,
        activations,
    }
}

/// Bytes this machine can still allocate (Linux's `MemAvailable`), if known.
pub(crate) fn available_memory() -> Option<f64> {
    let text = std::fs::read_to_string("/proc/meminfo").ok()?;
    let line = text.lines().find(|l| l.starts_with("MemAvailable:"))?;
    let kib: f64 = line.split_whitespace().nth(1)?.parse().ok()?;
    Some(kib * 1024.0)
}

/// The refusal message when `need` does not fit into `available` bytes, else `None`.
pub(crate) fn refusal(panel: &Panel, need: &MemoryNeed, available: f64) -> Option<String> {
    (need.total > available).then(|| {
        format!(
            "training panel `{}` needs about {} of memory ({} for the networks' parameters with \
             their gradients and optimizer state, {} for one update's logits), but this machine \
             has {} available; lower `bins` ({}) or the words per update, or use a factorized \
             output head (`model.head = \"factorized\"` in the learner's parameters)",
            panel.id,
            gigabytes(need.total),
            gigabytes(need.parameters),
            gigabytes(need.activations),
            gigabytes(available),
            panel.bins
        )
    })
}

fn gigabytes(bytes: f64) -> String {
    if bytes >= 1e9 {
        format!("{:.1} GB", bytes / 1e9)
    } else {
        format!("{:.0} MB", bytes / 1e6)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::config::{Origin, Schedule};

    fn panel(algo: Algo, bins: usize, words: usize) -> Panel {
        Panel {
            id: "p".into(),
            label: "p".into(),
            origin: Origin::Ours,
            algo,
            words,
            bins,
            schedule: Schedule::Fixed,
            pool: 0,
            occupancy: false,
            iterations: 1,
            params: toml::Table::new(),
            generalization: None,
            max_corpus: None,
        }
    }

    #[test]
    fn the_issue_example_is_refused_and_the_paper_sizes_fit() {
        let model = ModelConfig::default();
        // `nh train --bins 100000000`: the output layer alone is 120 GB.
        let huge = panel(Algo::Pg, 100_000_000, 1000);
        let need = training_need(
            &huge,
            &LearnerShape {
                model: &model,
                rows: 1000.0,
            },
        );
        assert!(
            need.parameters > 4.0 * 120e9 && need.total.is_finite(),
            "{need:?}"
        );
        let message = refusal(&huge, &need, 24e9).expect("refused");
        assert!(
            message.contains("`bins` (100000000)") && message.contains("24.0 GB"),
            "{message}"
        );
        // The paper's network on 1,000 bins: a few tens of megabytes.
        let paper = panel(Algo::Pg, 1000, 1000);
        let need = training_need(
            &paper,
            &LearnerShape {
                model: &model,
                rows: 1000.0,
            },
        );
        assert!(need.total < 100e6, "{need:?}");
        assert!(refusal(&paper, &need, 24e9).is_none());
    }

    #[test]
    fn absurd_sizes_give_finite_estimates_not_overflows() {
        let model = ModelConfig::default();
        let p = panel(Algo::Sac, usize::MAX, usize::MAX);
        let need = training_need(
            &p,
            &LearnerShape {
                model: &model,
                rows: usize::MAX as f64,
            },
        );
        assert!(need.total.is_finite() && need.total > 1e30);
        let factorized = ModelConfig::default().factorized();
        let whole = panel(Algo::Cem, 466_550, 466_550);
        let full = training_need(
            &whole,
            &LearnerShape {
                model: &model,
                rows: 466_550.0,
            },
        );
        let split = training_need(
            &whole,
            &LearnerShape {
                model: &factorized,
                rows: 466_550.0,
            },
        );
        assert!(split.total * 50.0 < full.total, "{split:?} vs {full:?}");
    }
}
