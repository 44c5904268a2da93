//! Time to a zero-collision NeuralHash of a fixed word set (bins = words), per trainer.
//!
//! The trainers stop by themselves at zero argmax collisions; otherwise they run out of
//! iterations. To turn a time cap into an iteration budget, each (trainer, size) first runs a
//! short calibration (not counted), then trains from scratch with `cap / seconds per iteration`
//! iterations. The same seed gives the same run, so the calibration run is the main run's prefix.

use std::time::Instant;

use nh_agents::{
    CemConfig, Device, Learner, ModelConfig, NeuralHash, PgConfig, PgEstimator, Precision,
    TrainOutcome, TrainSetup,
};
use nh_encode::IndexEncoder;
use nh_env::{EnvConfig, WordSchedule};
use nh_metrics::expected_collisions;
use serde::{Deserialize, Serialize};

use crate::error::agent;
use crate::{Error, Result};

pub(crate) mod markdown;

/// Iterations of the calibration run.
pub const CALIBRATION_ITERATIONS: usize = 3;

/// A learner configuration whose speed to a perfect hash is measured.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
pub enum Trainer {
    /// REINFORCE with the paper's estimator (episode return), nh-agents' defaults.
    #[serde(rename = "pg-paper")]
    PaperPg,
    /// REINFORCE weighting each step by its own reward.
    #[serde(rename = "pg-per-step")]
    PerStepPg,
    /// REINFORCE with the order-free symmetric reward and an entropy bonus (experiments/fig7.toml).
    #[serde(rename = "pg-symmetric")]
    SymmetricPg,
    /// The cross-entropy method (our addition), nh-agents' defaults.
    #[serde(rename = "cem")]
    Cem,
    /// The cross-entropy method with a factorized output head (M = M1 x M2).
    #[serde(rename = "cem-factorized")]
    CemFactorized,
    /// The cross-entropy method with a keyed factorized head (our addition).
    #[serde(rename = "cem-keyed")]
    CemKeyed,
    /// `cem-factorized` with the network's matrix products in bfloat16.
    #[serde(rename = "cem-factorized-bf16")]
    CemFactorizedBf16,
    /// `cem-keyed` with the network's matrix products in bfloat16.
    #[serde(rename = "cem-keyed-bf16")]
    CemKeyedBf16,
}

impl Trainer {
    /// Every trainer, in report order.
    pub const ALL: [Trainer; 8] = [
        Trainer::PaperPg,
        Trainer::PerStepPg,
        Trainer::SymmetricPg,
        Trainer::Cem,
        Trainer::CemFactorized,
        Trainer::CemKeyed,
        Trainer::CemFactorizedBf16,
        Trainer::CemKeyedBf16,
    ];

    /// The name used on the command line and in JSON: `pg-paper`, `pg-per-step`,
    /// `pg-symmetric`, `cem`, `cem-factorized`, `cem-keyed`, `cem-factorized-bf16`,
    /// `cem-keyed-bf16`.
    pub fn id(self) -> &'static str {
        match self {
            Trainer::PaperPg => "pg-paper",
            Trainer::PerStepPg => "pg-per-step",
            Trainer::SymmetricPg => "pg-symmetric",
            Trainer::Cem => "cem",
            Trainer::CemFactorized => "cem-factorized",
            Trainer::CemKeyed => "cem-keyed",
            Trainer::CemFactorizedBf16 => "cem-factorized-bf16",
            Trainer::CemKeyedBf16 => "cem-keyed-bf16",
        }
    }

    /// Short name for tables.
    pub fn name(self) -> &'static str {
        match self {
            Trainer::PaperPg => "PG, paper's estimator",
            Trainer::PerStepPg => "PG, per-step",
            Trainer::SymmetricPg => "PG, symmetric + entropy",
            Trainer::Cem => "CEM",
            Trainer::CemFactorized => "CEM, factorized head",
            Trainer::CemKeyed => "CEM, keyed factorized head",
            Trainer::CemFactorizedBf16 => "CEM, factorized head, bf16",
            Trainer::CemKeyedBf16 => "CEM, keyed factorized head, bf16",
        }
    }

    /// The learner this trainer runs on `model` for at most `iterations` iterations, stopping at
    /// zero collisions: nh-agents' defaults except where the trainer says otherwise.
    pub fn learner(self, model: &ModelConfig, iterations: usize) -> Learner {
        let pg = |estimator, entropy_coef| {
            Learner::Pg(PgConfig {
                model: model.clone(),
                iterations,
                estimator,
                entropy_coef,
                stop_at_zero_collisions: true,
                ..PgConfig::default()
            })
        };
        let cem = |model: ModelConfig, precision| {
            Learner::Cem(CemConfig {
                model,
                iterations,
                precision,
                ..CemConfig::default()
            })
        };
        let (factorized, keyed) = (
            model.clone().factorized(),
            model.clone().factorized().with_keyed_head(),
        );
        match self {
            Trainer::PaperPg => pg(PgEstimator::Paper, 0.0),
            Trainer::PerStepPg => pg(PgEstimator::PerStep, 0.0),
            // The entropy bonus of experiments/fig7.toml's symmetric panel.
            Trainer::SymmetricPg => pg(PgEstimator::Symmetric, 0.01),
            Trainer::Cem => cem(model.clone(), Precision::F32),
            Trainer::CemFactorized => cem(factorized, Precision::F32),
            Trainer::CemKeyed => cem(keyed, Precision::F32),
            Trainer::CemFactorizedBf16 => cem(factorized, Precision::Bf16),
            Trainer::CemKeyedBf16 => cem(keyed, Precision::Bf16),
        }
    }

    /// For a trainer with bfloat16 products, the same trainer in float32.
    pub fn float32_twin(self) -> Option<Trainer> {
        match self {
            Trainer::CemFactorizedBf16 => Some(Trainer::CemFactorized),
            Trainer::CemKeyedBf16 => Some(Trainer::CemKeyed),
            _ => None,
        }
    }

    /// The configuration, in words, for the report: written from the values
    /// [`learner`](Trainer::learner) sets, so that it cannot drift from them.
    pub fn describe(self) -> String {
        match self.learner(&ModelConfig::default(), 0) {
            Learner::Pg(config) => describe_pg(&config),
            Learner::Cem(config) if self == Trainer::CemFactorized => format!(
                "the same cross-entropy method with a factorized output head: N = M1 x M2 bins \
                 (M1 the divisor of N nearest sqrt(N)), two softmax heads, bin = a * M2 + b; \
                 Adam {:e}",
                config.learning_rate
            ),
            Learner::Cem(config) if self == Trainer::CemKeyed => format!(
                "the same factorized head, keyed: a seeded xxh3 of the word shifts each head's \
                 choice, row = (a + h1) mod M1, column = (b + h2) mod M2; Adam {:e}",
                config.learning_rate
            ),
            Learner::Cem(config) if self.float32_twin().is_some() => format!(
                "as {} with the network's matrix products in bfloat16 (weights and the saved \
                 hash float32; once the bfloat16 placement has no collision the run checks it \
                 and finishes in float32); Adam {:e}",
                self.float32_twin().map_or("", Trainer::id),
                config.learning_rate
            ),
            Learner::Cem(config) => describe_cem(&config),
            other => unreachable!("the benchmark has no trainer of {other:?}"),
        }
    }
}

/// A policy-gradient configuration in words.
fn describe_pg(config: &PgConfig) -> String {
    let weights = match config.estimator {
        PgEstimator::Paper => "by the episode's total reward (the paper)",
        PgEstimator::RewardToGo => "by the rewards from its step to the episode's end",
        PgEstimator::PerStep => "by each step's own reward",
        PgEstimator::Symmetric => "+1/-1 by whether a word is alone in its sampled bin",
    };
    let entropy = if config.entropy_coef > 0.0 {
        format!(
            ", entropy bonus {} (as in experiments/fig7.toml)",
            config.entropy_coef
        )
    } else {
        String::new()
    };
    let episodes = match config.episodes_per_update {
        1 => "one episode per update".to_owned(),
        n => format!("{n} episodes per update"),
    };
    format!(
        "REINFORCE weighted {weights}{entropy}, Adam {:e}, {episodes}",
        config.learning_rate
    )
}

/// A cross-entropy-method configuration in words.
fn describe_cem(config: &CemConfig) -> String {
    let movers = if config.sticky_targets {
        "every other word keeps its previous target while that bin is free, else samples a free \
         bin from the policy"
    } else {
        "every other word samples a free bin from the policy"
    };
    let batch = config
        .batch_size
        .map_or_else(|| "full batch".to_owned(), |b| format!("batches of {b}"));
    format!(
        "cross-entropy method: keep the argmax bins that are alone; {movers}; fit with \
         cross-entropy (Adam {:e}, {batch})",
        config.learning_rate
    )
}

impl std::str::FromStr for Trainer {
    type Err = Error;

    fn from_str(s: &str) -> Result<Trainer> {
        Trainer::ALL
            .into_iter()
            .find(|t| t.id() == s.trim())
            .ok_or_else(|| Error::UnknownName {
                what: "trainer",
                name: s.to_owned(),
                expected: "pg-paper, pg-per-step, pg-symmetric, cem, cem-factorized, cem-keyed, \
                           cem-factorized-bf16 or cem-keyed-bf16",
            })
    }
}

/// One word-set size and its time caps.
#[derive(Debug, Clone, Copy, PartialEq, Serialize, Deserialize)]
pub struct TrainingCase {
    /// Words, and bins.
    pub words: usize,
    /// Time cap of each policy-gradient trainer, in seconds.
    pub pg_seconds: f64,
    /// Time cap of the cross-entropy method (either head), in seconds.
    pub cem_seconds: f64,
}

impl TrainingCase {
    /// The cap of `trainer`.
    pub fn cap(&self, trainer: Trainer) -> f64 {
        if matches!(
            trainer,
            Trainer::Cem
                | Trainer::CemFactorized
                | Trainer::CemKeyed
                | Trainer::CemFactorizedBf16
                | Trainer::CemKeyedBf16
        ) {
            self.cem_seconds
        } else {
            self.pg_seconds
        }
    }
}

/// One (size, trainer, device) run.
#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct TrainingRow {
    /// Words (and bins).
    pub words: usize,
    /// The trainer.
    pub trainer: Trainer,
    /// `cpu` or `cuda:0`.
    pub device: String,
    /// The time cap.
    pub cap_seconds: f64,
    /// Seconds per iteration in the calibration run.
    pub calibration_seconds_per_iteration: f64,
    /// Iterations allowed (from the cap).
    pub budget: usize,
    /// Iterations run.
    pub iterations: usize,
    /// Wall-clock seconds of the run (network initialization included).
    pub seconds: f64,
    /// Argmax collisions of the returned model on its words (0 = a perfect hash).
    pub collisions: usize,
    /// Collisions a uniformly random function would make on average.
    pub random_collisions: f64,
}

impl TrainingRow {
    /// Whether the run produced a perfect hash.
    pub fn reached_zero(&self) -> bool {
        self.collisions == 0
    }
}

/// The shared inputs of the training runs.
pub struct TrainingInputs<'a> {
    /// The network shape (the paper's).
    pub model: &'a ModelConfig,
    /// The input encoder.
    pub encoder: &'a IndexEncoder,
    /// Seed of every run.
    pub seed: u64,
    /// Upper bound on any budget.
    pub max_iterations: usize,
}

/// Trains `trainer` on the fixed `words` (bins = words) within `cap_seconds`; returns the row and
/// the model.
///
/// # Errors
/// [`Error::Agent`] when the learner fails.
pub fn train_to_zero(
    inputs: &TrainingInputs<'_>,
    words: &[String],
    trainer: Trainer,
    cap_seconds: f64,
    device: Device,
) -> Result<(TrainingRow, NeuralHash)> {
    let n = words.len();
    let env = EnvConfig::new(n, n).with_schedule(WordSchedule::Fixed);
    let setup = TrainSetup {
        env: &env,
        words,
        encoder: inputs.encoder,
        seed: inputs.seed,
        device,
        time_limit: None,
        checkpoint: None,
    };
    let agent_err = agent(format!("training {} on {n} words", trainer.name()));
    let run = |iterations| -> Result<(TrainOutcome, f64)> {
        let start = Instant::now();
        let outcome = trainer
            .learner(inputs.model, iterations)
            .train(&setup, &mut |_| {})
            .map_err(&agent_err)?;
        Ok((outcome, start.elapsed().as_secs_f64()))
    };
    let calibration_iterations = CALIBRATION_ITERATIONS.min(inputs.max_iterations);
    let (calibration, calibration_seconds) = run(calibration_iterations)?;
    let per_iteration = seconds_per_iteration(&calibration, calibration_seconds);
    let stopped_early = calibration.metrics.len() < calibration_iterations;
    let budget = iteration_budget(
        cap_seconds,
        per_iteration,
        calibration_iterations,
        inputs.max_iterations,
    );
    let (outcome, seconds) = if stopped_early || budget <= calibration_iterations {
        (calibration, calibration_seconds)
    } else {
        run(budget)?
    };
    let bins = outcome.model.hash_words(words);
    let row = TrainingRow {
        words: n,
        trainer,
        device: nh_agents::device_name(device),
        cap_seconds,
        calibration_seconds_per_iteration: per_iteration,
        budget: budget.max(outcome.metrics.len()),
        iterations: outcome.metrics.len(),
        seconds,
        collisions: collisions(&bins),
        random_collisions: expected_collisions(n, n),
    };
    Ok((row, outcome.model))
}

/// Seconds per iteration of a run: the later iterations' pace when there are several (the first
/// one carries one-time allocations), else the whole run.
fn seconds_per_iteration(outcome: &TrainOutcome, wall_seconds: f64) -> f64 {
    match outcome.metrics.as_slice() {
        [first, .., last] => (last.seconds - first.seconds) / (outcome.metrics.len() - 1) as f64,
        _ => wall_seconds,
    }
}

/// The iterations that fit into `cap_seconds`, between `floor` and `max`.
fn iteration_budget(cap_seconds: f64, per_iteration: f64, floor: usize, max: usize) -> usize {
    let fitting = if per_iteration > 0.0 {
        (cap_seconds / per_iteration).floor()
    } else {
        max as f64
    };
    (fitting.min(max as f64) as usize).max(floor)
}

/// Words placed into an occupied bin: words minus distinct bins.
pub fn collisions(bins: &[usize]) -> usize {
    let mut sorted = bins.to_vec();
    sorted.sort_unstable();
    sorted.dedup();
    bins.len() - sorted.len()
}

#[cfg(test)]
mod tests {
    use super::*;
    use nh_encode::Alphabet;

    #[test]
    fn descriptions_quote_the_values_the_trainers_use() {
        let adam = format!("Adam {:e}", CemConfig::default().learning_rate);
        for trainer in [Trainer::Cem, Trainer::CemFactorized] {
            assert!(trainer.describe().contains(&adam), "{adam}");
        }
        let adam = format!("Adam {:e}", PgConfig::default().learning_rate);
        for trainer in [Trainer::PaperPg, Trainer::PerStepPg, Trainer::SymmetricPg] {
            assert!(trainer.describe().contains(&adam), "{adam}");
        }
        // The texts of docs/PERFORMANCE.md, as long as nh-agents' defaults stay what they are.
        assert_eq!(
            Trainer::PaperPg.describe(),
            "REINFORCE weighted by the episode's total reward (the paper), Adam 5e-3, one \
             episode per update"
        );
        assert_eq!(
            Trainer::Cem.describe(),
            "cross-entropy method: keep the argmax bins that are alone; every other word keeps \
             its previous target while that bin is free, else samples a free bin from the \
             policy; fit with cross-entropy (Adam 3e-2, full batch)"
        );
        let sticky = CemConfig {
            sticky_targets: false,
            batch_size: Some(256),
            ..CemConfig::default()
        };
        assert!(describe_cem(&sticky).ends_with(
            "samples a free bin from the policy; fit with cross-entropy (Adam 3e-2, batches of 256)"
        ));
        let symmetric = Trainer::SymmetricPg.describe();
        assert!(
            symmetric.contains("entropy bonus 0.01 (as in"),
            "{symmetric}"
        );
    }

    /// `n` distinct lowercase words: `i` written in base 26 after an `x`.
    fn letter_words(n: usize) -> Vec<String> {
        (0..n)
            .map(|mut i| {
                let mut word = String::from("x");
                loop {
                    word.push(char::from(b'a' + (i % 26) as u8));
                    i /= 26;
                    if i == 0 {
                        return word;
                    }
                }
            })
            .collect()
    }

    #[test]
    fn trainers_parse_by_id() {
        for trainer in Trainer::ALL {
            assert_eq!(trainer.id().parse::<Trainer>().unwrap(), trainer);
            assert_eq!(
                serde_json::to_string(&trainer).unwrap(),
                format!("\"{}\"", trainer.id())
            );
        }
        assert!(
            "sac"
                .parse::<Trainer>()
                .unwrap_err()
                .to_string()
                .contains("unknown trainer `sac`")
        );
    }

    #[test]
    fn budgets_follow_the_cap() {
        assert_eq!(iteration_budget(60.0, 0.5, 3, 10_000), 120);
        assert_eq!(iteration_budget(1.0, 2.0, 3, 10_000), 3);
        assert_eq!(iteration_budget(1e9, 1e-6, 3, 500), 500);
        assert_eq!(iteration_budget(10.0, 0.0, 3, 500), 500);
        assert_eq!(collisions(&[3, 1, 3, 3, 0]), 2);
        assert_eq!(collisions(&[]), 0);
    }

    #[test]
    fn cem_memorizes_a_small_set_and_reports_it() {
        nh_agents::set_libtorch_threads(1).unwrap();
        let encoder = IndexEncoder::new(Alphabet::lowercase(), 12).unwrap();
        let words = letter_words(40);
        let model = ModelConfig::mlp(vec![64]);
        let inputs = TrainingInputs {
            model: &model,
            encoder: &encoder,
            seed: 3,
            max_iterations: 300,
        };
        let (row, hash) = train_to_zero(&inputs, &words, Trainer::Cem, 30.0, Device::Cpu).unwrap();
        assert!(row.reached_zero(), "{row:?}");
        assert_eq!(collisions(&hash.hash_words(&words)), 0);
        assert!(
            row.iterations >= 1 && row.iterations <= row.budget,
            "{row:?}"
        );
        assert!((row.random_collisions - expected_collisions(40, 40)).abs() < 1e-12);
        assert_eq!(row.device, "cpu");
    }

    #[test]
    fn a_tiny_cap_ends_policy_gradient_at_its_budget() {
        nh_agents::set_libtorch_threads(1).unwrap();
        let encoder = IndexEncoder::new(Alphabet::lowercase(), 12).unwrap();
        let words = letter_words(30);
        let model = ModelConfig::mlp(vec![16]);
        let inputs = TrainingInputs {
            model: &model,
            encoder: &encoder,
            seed: 1,
            max_iterations: 1000,
        };
        let (row, _) = train_to_zero(&inputs, &words, Trainer::PaperPg, 0.0, Device::Cpu).unwrap();
        // A zero cap leaves the calibration run: three iterations, far from a perfect hash.
        assert_eq!((row.budget, row.iterations), (3, 3));
        assert!(row.collisions > 0);
    }
}
