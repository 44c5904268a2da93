//! Supervised imitation of Python's string hash (the paper's Fig. 1): classify each word into
//! the bin CPython's `hash(word) % M` gives it.
//!
//! Labels come from `nh_metrics::PyStrHash` (exact CPython, `PYTHONHASHSEED` configurable);
//! cross-entropy, Adam, shuffled mini-batches; after each epoch the argmax accuracy on the
//! training words and on held-out words.

use std::path::Path;

use nh_encode::IndexEncoder;
use nh_env::ObservationMode;
use nh_metrics::PyStrHash;
use rand_chacha::ChaCha8Rng;
use serde::{Deserialize, Serialize};
use tch::{Device, Tensor};

use crate::adam::{Adam, AdamState};
use crate::config::SupervisedConfig;
use crate::device::device_name;
use crate::inputs::WordIds;
use crate::key::policy_key;
use crate::metrics::EpochMetrics;
use crate::model_file::{Parameters, training_record};
use crate::net::{Net, NetSpec};
use crate::neural_hash::NeuralHash;
use crate::resume::{Checkpointing, NamedValues, RngState, RunIdentity, prefixed, words_sha256};
use crate::sampling::{argmax_rows, scalar, shuffle};
use crate::seeds::{Stream, rng};
use crate::session::{CheckpointSession, load_net};
use crate::train::Clock;
use crate::{Error, Result};

/// Words per forward pass when measuring accuracy.
const EVAL_CHUNK: usize = 8192;

/// The problem supervised training solves.
#[derive(Debug, Clone, Copy)]
pub struct SupervisedSetup<'a> {
    /// The words to classify (labels: Python's hash mod the config's bins).
    pub train: &'a [String],
    /// Words whose accuracy is reported but never trained on (may be empty).
    pub held_out: &'a [String],
    /// Turns words into network inputs; recorded in the model.
    pub encoder: &'a IndexEncoder,
    /// Every random choice derives from this seed.
    pub seed: u64,
    /// Where the network lives.
    pub device: Device,
    /// Write training checkpoints (and resume from one); `None` for figures and benchmarks.
    pub checkpoint: Option<&'a Checkpointing>,
}

/// A trained classifier and its per-epoch metrics.
#[derive(Debug)]
pub struct SupervisedOutcome {
    /// The classifier as a hash function.
    pub model: NeuralHash,
    /// One entry per epoch.
    pub epochs: Vec<EpochMetrics>,
}

/// Trains the classifier on `setup.train` (labels: Python's hash mod `config.bins`), reporting
/// accuracy on `setup.held_out` after each epoch through `progress`. With `setup.checkpoint`,
/// writes checkpoints (the network, its Adam moments and step counts, the shuffle generator's
/// position and the word order it shuffles, the metrics) after epochs and resumes from one.
///
/// # Errors
/// Invalid configurations, an empty training set, libtorch failures, checkpoints that cannot
/// be read or written, [`Error::Stopped`] on a stop request.
pub fn train_supervised(
    setup: &SupervisedSetup<'_>,
    config: &SupervisedConfig,
    progress: &mut dyn FnMut(&EpochMetrics),
) -> Result<SupervisedOutcome> {
    config.validate()?;
    let (train, held_out, seed, device) = (setup.train, setup.held_out, setup.seed, setup.device);
    if train.is_empty() {
        return Err(Error::config(
            "train words",
            0,
            "supervised training needs at least one word",
        ));
    }
    let python = PyStrHash::new(config.python_hash_seed)?;
    let labels = |words: &[String]| -> Vec<usize> {
        words.iter().map(|w| python.bin(w, config.bins)).collect()
    };
    let (train_labels, held_out_labels) = (labels(train), labels(held_out));
    let factors = config.model.output_factors(config.bins)?;
    let spec = NetSpec {
        key: policy_key(&config.model, seed),
        ..NetSpec::for_encoder(setup.encoder, 0, &config.model.hidden, config.bins, factors)
    };
    let (train_ids, held_out_ids) = (
        WordIds::new(setup.encoder, train, spec.word_key()),
        WordIds::new(setup.encoder, held_out, spec.word_key()),
    );
    let net = Net::init(spec, device, &mut rng(seed, Stream::PolicyInit))?;
    let mut run = SupervisedRun {
        optimizer: Adam::new(net.var_store(), config.learning_rate),
        net,
        batch_rng: rng(seed, Stream::Batches),
        order: (0..train.len()).collect(),
    };
    let mut session = CheckpointSession::new(setup.checkpoint, |c| {
        RunIdentity::new(
            "supervised",
            (config, "epochs"),
            None,
            seed,
            words_sha256(&[train, held_out]),
            c,
        )
    })?;
    let mut epochs = Vec::with_capacity(config.epochs);
    let mut seconds_before = 0.0;
    if let Some(resumed) = session.resume::<SupervisedState>()? {
        run.load(&resumed.state, resumed.tensors, &resumed.origin)?;
        epochs = resumed.state.epochs;
        seconds_before = resumed.state.seconds;
    }
    tracing::info!(train = train.len(), held_out = held_out.len(), bins = config.bins, seed, device = %device_name(device), "supervised training");
    let clock = Clock::resumed(seconds_before);
    while epochs.len() < config.epochs {
        shuffle(&mut run.order, &mut run.batch_rng);
        let (mut total, mut batches) = (0.0, 0usize);
        for part in run.order.chunks(config.batch_size) {
            let targets: Vec<i64> = part.iter().map(|&w| train_labels[w] as i64).collect();
            let logits = run.net.forward(&train_ids.input(part, device));
            let loss =
                logits.cross_entropy_for_logits(&Tensor::from_slice(&targets).to_device(device));
            run.optimizer.backward_step(&loss);
            total += scalar(&loss);
            batches += 1;
        }
        let row = EpochMetrics {
            epoch: epochs.len(),
            loss: total / batches as f64,
            train_accuracy: accuracy(&run.net, &train_ids, &train_labels)
                .expect("the training set is not empty"),
            held_out_accuracy: accuracy(&run.net, &held_out_ids, &held_out_labels),
            seconds: clock.seconds(),
        };
        tracing::debug!(epoch = row.epoch, loss = row.loss, train_accuracy = row.train_accuracy, held_out_accuracy = ?row.held_out_accuracy, "epoch");
        progress(&row);
        epochs.push(row);
        let ending = epochs.len() == config.epochs;
        session.after_iteration(epochs.len(), ending, || {
            run.checkpoint(&epochs, clock.seconds())
        })?;
    }
    let record = training_record("supervised", seed, device, None, config, epochs.len());
    let model = NeuralHash::from_policy(run.net, setup.encoder, ObservationMode::WordOnly, record);
    Ok(SupervisedOutcome { model, epochs })
}

/// Everything supervised training carries from one epoch to the next besides the metrics:
/// what a checkpoint saves and a resume loads.
struct SupervisedRun {
    net: Net,
    optimizer: Adam,
    batch_rng: ChaCha8Rng,
    /// The training words' order, shuffled again (not afresh) every epoch.
    order: Vec<usize>,
}

/// Supervised training's checkpoint state; the network (`net.*`) and its Adam moments
/// (`adam.*`) are stored beside it as tensors.
#[derive(Serialize, Deserialize)]
struct SupervisedState {
    /// Every epoch so far (the next one is `epochs.len()`).
    epochs: Vec<EpochMetrics>,
    /// Training seconds so far, across resumes.
    seconds: f64,
    adam: AdamState,
    batch_rng: RngState,
    order: Vec<usize>,
}

impl SupervisedRun {
    fn checkpoint(&self, epochs: &[EpochMetrics], seconds: f64) -> (SupervisedState, NamedValues) {
        let (adam, mut tensors) = self.optimizer.checkpoint("adam");
        tensors.extend(prefixed("net", self.net.parameter_values()));
        let state = SupervisedState {
            epochs: epochs.to_vec(),
            seconds,
            adam,
            batch_rng: RngState::of(&self.batch_rng),
            order: self.order.clone(),
        };
        (state, tensors)
    }

    fn load(
        &mut self,
        state: &SupervisedState,
        mut tensors: Parameters,
        origin: &Path,
    ) -> Result<()> {
        load_net(&mut self.net, &mut tensors, "net", origin)?;
        self.optimizer
            .load(&state.adam, &mut tensors, "adam", origin)?;
        let mut sorted = state.order.clone();
        sorted.sort_unstable();
        if !sorted.iter().copied().eq(0..self.order.len()) {
            return Err(Error::Checkpoint {
                path: origin.to_path_buf(),
                reason: format!(
                    "the word order is not a permutation of the {} training words",
                    self.order.len()
                ),
            });
        }
        self.order.clone_from(&state.order);
        self.batch_rng = state.batch_rng.restore();
        Ok(())
    }
}

/// Share of words whose argmax class is their label (`None` for no words).
fn accuracy(net: &Net, ids: &WordIds, labels: &[usize]) -> Option<f64> {
    if labels.is_empty() {
        return None;
    }
    let rows: Vec<usize> = (0..ids.len()).collect();
    let mut correct = 0usize;
    for part in rows.chunks(EVAL_CHUNK) {
        let predicted = tch::no_grad(|| argmax_rows(&net.forward(&ids.input(part, net.device()))));
        correct += part
            .iter()
            .zip(predicted)
            .filter(|&(&w, p)| labels[w] == p)
            .count();
    }
    Some(correct as f64 / labels.len() as f64)
}
