//! The bridge from an experiment panel to a learner of nh-agents: words, environment, encoder and
//! config in; curves, Python reference, generalization test and the saved model out.

use std::collections::HashSet;
use std::path::{Path, PathBuf};
use std::time::Instant;

use nh_agents::{
    Device, IterationMetrics, Learner, ModelProvenance, NeuralHash, SupervisedConfig,
    SupervisedSetup, TrainSetup,
};
use nh_corpus::Corpus;
use nh_encode::{Alphabet, DEFAULT_MAX_LEN, IndexEncoder};
use nh_env::{EnvConfig, ObservationMode, RewardConfig, WordSchedule};
use nh_metrics::{PyStrHash, Summary, TableStats, expected_collisions};
use rand::SeedableRng;
use rand::seq::index::sample;
use rand_chacha::ChaCha8Rng;
use serde::de::DeserializeOwned;

use crate::batch_results::{BatchResults, iterations_to_perfect};
use crate::config::{Algo, Panel, Schedule};
use crate::params::config_from_params;
use crate::records::to_csv;
use crate::reference::python_reference;
use crate::task::{GeneralizationResult, TaskOutput};
use crate::{Error, Result};

pub use nh_hash::TRAIN_WORDS_FILE;
/// Samples of Python's hash behind each reference line.
const REFERENCE_SAMPLES: usize = 200;
/// Share of the corpus held out from supervised training.
const SUPERVISED_HELD_OUT: f64 = 0.1;

/// What every task of a figure shares.
pub struct TaskContext<'a> {
    /// The corpus words come from.
    pub corpus: &'a Corpus,
    /// Where networks train.
    pub device: Device,
    /// Stop reinforcement-learning and cross-entropy training after the first iteration past
    /// this wall time (`None` for figures: they run their whole budgets, reproducibly).
    pub time_limit: Option<std::time::Duration>,
    /// Training checkpoints (`nh train --checkpoint-every`, `--resume`); `None` for figures.
    pub checkpoint: Option<nh_agents::Checkpointing>,
}

/// Trains one panel with one seed.
pub fn run_task(
    ctx: &TaskContext<'_>,
    panel: &Panel,
    seed: u64,
    on_iteration: &mut dyn FnMut(usize),
) -> Result<(TaskOutput, NeuralHash)> {
    if ctx.device == Device::Cpu {
        crate::params::check_memory(panel)?;
    }
    let started = Instant::now();
    let agent_err = |source| Error::Agent {
        panel: panel.id.clone(),
        seed,
        source,
    };
    let alphabet = Alphabet::from_words(ctx.corpus.words());
    let encoder = IndexEncoder::new(alphabet, DEFAULT_MAX_LEN).map_err(|e| Error::Config {
        path: PathBuf::from(&panel.id),
        message: e.to_string(),
    })?;
    if panel.algo == Algo::Supervised {
        return run_supervised(ctx, panel, seed, &encoder, started, on_iteration);
    }
    let (words, schedule) = panel_words(ctx.corpus, panel, seed)?;
    let env = EnvConfig::new(panel.bins, panel.words)
        .with_schedule(schedule)
        .with_observation(if panel.occupancy {
            ObservationMode::WordAndOccupancy
        } else {
            ObservationMode::WordOnly
        });
    let setup = TrainSetup {
        env: &env,
        words: &words,
        encoder: &encoder,
        seed,
        device: ctx.device,
        time_limit: ctx.time_limit,
        checkpoint: ctx.checkpoint.as_ref(),
    };
    let mut done = 0;
    let mut progress = |_: &IterationMetrics| {
        done += 1;
        on_iteration(done);
    };
    let learner = panel_learner(panel)?;
    let outcome = learner.train(&setup, &mut progress).map_err(agent_err)?;
    let rows = &outcome.metrics;
    let iterations_to_perfect = match panel.schedule {
        Schedule::Fixed => iterations_to_perfect(panel.algo, rows, 1),
        Schedule::Batches => iterations_to_perfect(panel.algo, rows, words.len() / panel.words),
        Schedule::Sample | Schedule::Pool => None,
    };
    // The hash as nh-hash computes it (the definition of the hash): what the saved model's checks
    // and tests of a word-only model use. A table-observing model is not a hash function.
    let exact = if panel.occupancy {
        None
    } else {
        Some(outcome.model.to_exact().map_err(agent_err)?)
    };
    let batches = match (&exact, panel.schedule) {
        (Some(hash), Schedule::Batches) => Some(BatchResults::of(
            panel.algo,
            rows,
            hash,
            &words,
            panel.words,
        )),
        _ => None,
    };
    let model_check = match (&exact, panel.schedule) {
        (Some(hash), Schedule::Fixed) => Some(hash.check_perfect(&words)),
        _ => None,
    };
    let rewards = RewardConfig::default();
    let reference = python_reference(
        &words,
        panel.words,
        panel.bins,
        REFERENCE_SAMPLES,
        seed,
        (f64::from(rewards.empty), f64::from(rewards.collision)),
    );
    let generalization = match (&panel.generalization, &exact) {
        (Some(g), Some(hash)) => Some(generalize(
            ctx.corpus, &words, hash, g.words, g.samples, seed,
        )),
        (Some(_), None) => {
            return Err(Error::Config {
                path: PathBuf::from(&panel.id),
                message: "a generalization test needs a word-only model (occupancy = false)"
                    .to_owned(),
            });
        }
        (None, _) => None,
    };
    let metrics_csv = to_csv(rows).map_err(|e| Error::Serialize {
        path: PathBuf::from(&panel.id),
        message: e.to_string(),
    })?;
    let output = TaskOutput {
        metrics_csv,
        reference: Some(reference),
        generalization,
        iterations_to_perfect,
        model_check,
        batches,
        completed_iterations: rows.len(),
        last_iteration: rows.last().cloned(),
        train_words: (panel.schedule != Schedule::Sample).then_some(words),
        wall_seconds: started.elapsed().as_secs_f64(),
    };
    Ok((output, outcome.model))
}

fn run_supervised(
    ctx: &TaskContext<'_>,
    panel: &Panel,
    seed: u64,
    encoder: &IndexEncoder,
    started: Instant,
    on_iteration: &mut dyn FnMut(usize),
) -> Result<(TaskOutput, NeuralHash)> {
    let n = panel
        .max_corpus
        .unwrap_or(ctx.corpus.len())
        .min(ctx.corpus.len());
    let mut words = ctx.corpus.sample(n, seed)?;
    let held_out =
        words.split_off(n - ((n as f64 * SUPERVISED_HELD_OUT).round() as usize).min(n - 1));
    let mut config: SupervisedConfig = learner_config(panel, "epochs")?;
    config.bins = panel.bins;
    let mut done = 0;
    let setup = SupervisedSetup {
        train: &words,
        held_out: &held_out,
        encoder,
        seed,
        device: ctx.device,
        checkpoint: ctx.checkpoint.as_ref(),
    };
    let outcome = nh_agents::train_supervised(&setup, &config, &mut |_| {
        done += 1;
        on_iteration(done);
    })
    .map_err(|source| Error::Agent {
        panel: panel.id.clone(),
        seed,
        source,
    })?;
    let rows = &outcome.epochs;
    let metrics_csv = to_csv(rows).map_err(|e| Error::Serialize {
        path: PathBuf::from(&panel.id),
        message: e.to_string(),
    })?;
    let output = TaskOutput {
        metrics_csv,
        reference: None,
        generalization: None,
        iterations_to_perfect: None,
        model_check: None,
        batches: None,
        completed_iterations: rows.len(),
        last_iteration: None,
        train_words: None,
        wall_seconds: started.elapsed().as_secs_f64(),
    };
    Ok((output, outcome.model))
}

/// The panel's reinforcement-learning or cross-entropy learner with its config (not supervised).
pub(crate) fn panel_learner(panel: &Panel) -> Result<Learner> {
    Ok(match panel.algo {
        Algo::Pg => Learner::Pg(learner_config(panel, "iterations")?),
        Algo::Ac => Learner::ActorCritic(learner_config(panel, "iterations")?),
        Algo::Sac => Learner::Sac(learner_config(panel, "iterations")?),
        Algo::Cem => Learner::Cem(learner_config(panel, "iterations")?),
        Algo::Supervised => {
            return Err(Error::Option {
                option: "--algo",
                message: "supervised imitation trains on the whole corpus, not on a fixed word \
                          set or shards; choose pg, ac, sac or cem"
                    .to_owned(),
            });
        }
    })
}

/// The learner's config from the panel's `params`, with the panel's iteration budget under `key`.
fn learner_config<T: DeserializeOwned>(panel: &Panel, key: &str) -> Result<T> {
    config_from_params(&panel.params, panel.iterations, key).map_err(|problem| Error::Params {
        path: PathBuf::from(format!("panel `{}`", panel.id)),
        line: None,
        key: problem.key_or_params(),
        message: problem.message,
    })
}

/// The environment's word list and schedule for a panel; the words depend on the seed only.
pub(crate) fn panel_words(
    corpus: &Corpus,
    panel: &Panel,
    seed: u64,
) -> Result<(Vec<String>, WordSchedule)> {
    let words_seed = seed ^ 0x5EED_F5A3_B1E5;
    Ok(match panel.schedule {
        Schedule::Sample => (corpus.words().to_vec(), WordSchedule::Sample),
        Schedule::Fixed => (corpus.sample(panel.words, words_seed)?, WordSchedule::Fixed),
        Schedule::Pool => (corpus.sample(panel.pool, words_seed)?, WordSchedule::Pool),
        Schedule::Batches => (
            corpus.sample(panel.pool, words_seed)?,
            WordSchedule::Batches,
        ),
    })
}

/// The trained hash and Python's hash on the same samples of words the model never saw,
/// summarized (see [`generalization_samples`]).
pub fn generalize(
    corpus: &Corpus,
    trained: &[String],
    hash: &nh_hash::Model,
    n: usize,
    samples: usize,
    seed: u64,
) -> GeneralizationResult {
    generalization_samples(corpus, trained, Placer::Hash(hash), n, samples, seed).summary()
}

/// How a trained model places words: the paper's two readings of "the actor".
#[derive(Clone, Copy)]
pub enum Placer<'a> {
    /// The bin of highest probability, computed by nh-hash: the hash function itself.
    Hash(&'a nh_hash::Model),
    /// A bin drawn from the policy's softmax, as during training: not a function.
    Sampled(&'a NeuralHash),
}

impl Placer<'_> {
    /// Number of bins the words go into.
    pub fn bins(self) -> usize {
        match self {
            Placer::Hash(hash) => hash.bins(),
            Placer::Sampled(policy) => policy.bins(),
        }
    }

    /// The bins of `words` (`seed` seeds the draws of `Sampled`).
    pub fn place(self, words: &[&str], seed: u64) -> Vec<usize> {
        match self {
            Placer::Hash(hash) => hash.hash_words(words),
            Placer::Sampled(policy) => policy.sample_words(words, seed),
        }
    }
}

/// Each sample's collisions and max load, for the trained hash and for Python's hash.
#[derive(Debug, Clone, PartialEq)]
pub struct GeneralizationSamples {
    /// Unseen words per sample.
    pub words: usize,
    /// Bins.
    pub bins: usize,
    /// The neural hash's collisions, one per sample.
    pub neural_collisions: Vec<f64>,
    /// The neural hash's max load, one per sample.
    pub neural_max_load: Vec<f64>,
    /// Python's hash's collisions on the same samples.
    pub python_collisions: Vec<f64>,
    /// Python's hash's max load on the same samples.
    pub python_max_load: Vec<f64>,
}

impl GeneralizationSamples {
    /// Means and intervals over the samples, with the random function's expectation.
    pub fn summary(&self) -> GeneralizationResult {
        GeneralizationResult {
            words: self.words,
            bins: self.bins,
            samples: self.neural_collisions.len(),
            neural_collisions: Summary::of(&self.neural_collisions),
            neural_max_load: Summary::of(&self.neural_max_load),
            python_collisions: Summary::of(&self.python_collisions),
            python_max_load: Summary::of(&self.python_max_load),
            uniform_expected_collisions: expected_collisions(self.words, self.bins),
        }
    }
}

/// Draws `samples` seeded samples of `n` corpus words that are not in `trained`, and places each
/// with `placer` and with Python's hash (seed 0) into the model's bins. The samples
/// depend only on the corpus, `trained`, `n`, `samples` and `seed`, so models trained on the same
/// words are tested on the same samples.
pub fn generalization_samples(
    corpus: &Corpus,
    trained: &[String],
    placer: Placer<'_>,
    n: usize,
    samples: usize,
    seed: u64,
) -> GeneralizationSamples {
    let seen: HashSet<&str> = trained.iter().map(String::as_str).collect();
    let unseen: Vec<&str> = corpus
        .words()
        .iter()
        .map(String::as_str)
        .filter(|w| !seen.contains(w))
        .collect();
    let n = n.min(unseen.len());
    let m = placer.bins();
    let python = PyStrHash::new(0).expect("seed 0 is valid");
    let mut rng = ChaCha8Rng::seed_from_u64(seed ^ 0x6E4E_7A11);
    let mut out = GeneralizationSamples {
        words: n,
        bins: m,
        neural_collisions: Vec::with_capacity(samples),
        neural_max_load: Vec::with_capacity(samples),
        python_collisions: Vec::with_capacity(samples),
        python_max_load: Vec::with_capacity(samples),
    };
    for k in 0..samples {
        let pick: Vec<&str> = sample(&mut rng, unseen.len(), n)
            .iter()
            .map(|i| unseen[i])
            .collect();
        let neural = TableStats::from_bins(&placer.place(&pick, seed ^ k as u64), m);
        let py_bins: Vec<usize> = pick.iter().map(|w| python.bin(w, m)).collect();
        let py = TableStats::from_bins(&py_bins, m);
        out.neural_collisions.push(neural.collisions as f64);
        out.neural_max_load.push(neural.max_load as f64);
        out.python_collisions.push(py.collisions as f64);
        out.python_max_load.push(py.max_load as f64);
    }
    out
}

/// Saves a trained hash into the training folder `dir` (which already holds `train.json` and a
/// checkpoint, and after a resume the model of the previous session): the files are written into
/// a hidden folder inside it, then moved into place one by one, `metadata.json` last, so that a
/// model is only read once all its files are there.
pub fn save_model_into(
    corpus: &Corpus,
    commit: &str,
    dir: &Path,
    model: &NeuralHash,
    train_words: Option<&[String]>,
) -> Result<()> {
    let staging = dir.join(".model.partial");
    if staging.exists() {
        std::fs::remove_dir_all(&staging).map_err(|source| Error::Io {
            path: staging.clone(),
            source,
        })?;
    }
    save_model(corpus, commit, &staging, model, train_words)?;
    move_staged_model(&staging, dir)
}

/// Moves every file of the model folder `staging` into `dir`, `metadata.json` last (it names the
/// weights' checksum, so a model is only read once all its files are there), then removes
/// `staging`.
pub(crate) fn move_staged_model(staging: &Path, dir: &Path) -> Result<()> {
    let mut names: Vec<_> = std::fs::read_dir(staging)
        .map_err(|source| Error::Io {
            path: staging.to_path_buf(),
            source,
        })?
        .filter_map(|e| e.ok().map(|e| e.file_name()))
        .collect();
    names.sort_by_key(|n| n == nh_agents::METADATA_FILE);
    for name in names {
        let target = dir.join(&name);
        std::fs::rename(staging.join(&name), &target).map_err(|source| Error::Io {
            path: target,
            source,
        })?;
    }
    std::fs::remove_dir(staging).map_err(|source| Error::Io {
        path: staging.to_path_buf(),
        source,
    })
}

/// Saves a trained hash into the new directory `dir` with the corpus and commit it came from.
///
/// A fixed-set model also gets `train_words.txt` (one word per line), so that `nh eval --held-out`
/// can leave them out.
pub fn save_model(
    corpus: &Corpus,
    commit: &str,
    dir: &Path,
    model: &NeuralHash,
    train_words: Option<&[String]>,
) -> Result<()> {
    let provenance = ModelProvenance {
        corpus_sha256: corpus.provenance().sha256.clone(),
        git_commit: commit.to_owned(),
    };
    model
        .save(dir, &provenance)
        .map_err(|source| Error::Agent {
            panel: dir.display().to_string(),
            seed: 0,
            source,
        })?;
    if let Some(words) = train_words {
        let mut text = words.join("\n");
        text.push('\n');
        crate::rundir::write_file(
            &dir.join(TRAIN_WORDS_FILE),
            text.as_bytes(),
            crate::rundir::Existing::Refuse,
        )?;
    }
    Ok(())
}
