//! Supervised imitation of Python's string hash (the paper's Fig. 1): classify each word into
//! the bin CPython's `hash(word) % M` gives it.
//!
//! Labels come from `nh_metrics::PyStrHash` (exact CPython, `PYTHONHASHSEED` configurable);
//! cross-entropy, Adam, shuffled mini-batches; after each epoch the argmax accuracy on the
//! training words and on held-out words.

use nh_encode::IndexEncoder;
use nh_env::ObservationMode;
use nh_metrics::PyStrHash;
use tch::{Device, Tensor};

use crate::adam::Adam;
use crate::checkpoint::TrainingRecord;
use crate::config::SupervisedConfig;
use crate::device::device_name;
use crate::inputs::WordIds;
use crate::key::policy_key;
use crate::metrics::EpochMetrics;
use crate::net::{Net, NetSpec};
use crate::neural_hash::NeuralHash;
use crate::sampling::{argmax_rows, scalar, shuffle};
use crate::seeds::{Stream, rng};
use crate::train::Clock;
use crate::{Error, Result};

/// Words per forward pass when measuring accuracy.
const EVAL_CHUNK: usize = 8192;

/// A trained classifier and its per-epoch metrics.
#[derive(Debug)]
pub struct SupervisedOutcome {
    /// The classifier as a hash function.
    pub model: NeuralHash,
    /// One entry per epoch.
    pub epochs: Vec<EpochMetrics>,
}

/// Trains the classifier on `train` (labels: Python's hash mod `config.bins`), reporting
/// accuracy on `held_out` (may be empty) after each epoch through `progress`.
///
/// # Errors
/// Invalid configurations, an empty training set, libtorch failures.
pub fn train_supervised(
    train: &[String],
    held_out: &[String],
    encoder: &IndexEncoder,
    config: &SupervisedConfig,
    seed: u64,
    device: Device,
    progress: &mut dyn FnMut(&EpochMetrics),
) -> Result<SupervisedOutcome> {
    config.validate()?;
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
        ..NetSpec::for_encoder(encoder, 0, &config.model.hidden, config.bins, factors)
    };
    let (train_ids, held_out_ids) = (
        WordIds::new(encoder, train, spec.word_key()),
        WordIds::new(encoder, held_out, spec.word_key()),
    );
    let net = Net::init(spec, device, &mut rng(seed, Stream::PolicyInit))?;
    let mut optimizer = Adam::new(net.var_store(), config.learning_rate);
    let mut batch_rng = rng(seed, Stream::Batches);
    let mut order: Vec<usize> = (0..train.len()).collect();
    tracing::info!(train = train.len(), held_out = held_out.len(), bins = config.bins, seed, device = %device_name(device), "supervised training");
    let clock = Clock::start();
    let mut epochs = Vec::with_capacity(config.epochs);
    for epoch in 0..config.epochs {
        shuffle(&mut order, &mut batch_rng);
        let (mut total, mut batches) = (0.0, 0usize);
        for part in order.chunks(config.batch_size) {
            let targets: Vec<i64> = part.iter().map(|&w| train_labels[w] as i64).collect();
            let logits = net.forward(&train_ids.input(part, device));
            let loss =
                logits.cross_entropy_for_logits(&Tensor::from_slice(&targets).to_device(device));
            optimizer.backward_step(&loss);
            total += scalar(&loss);
            batches += 1;
        }
        let row = EpochMetrics {
            epoch,
            loss: total / batches as f64,
            train_accuracy: accuracy(&net, &train_ids, &train_labels)
                .expect("the training set is not empty"),
            held_out_accuracy: accuracy(&net, &held_out_ids, &held_out_labels),
            seconds: clock.seconds(),
        };
        tracing::debug!(epoch, loss = row.loss, train_accuracy = row.train_accuracy, held_out_accuracy = ?row.held_out_accuracy, "epoch");
        progress(&row);
        epochs.push(row);
    }
    let record = TrainingRecord::new("supervised", seed, device, None, config, epochs.len());
    let model = NeuralHash::from_policy(net, encoder, ObservationMode::WordOnly, record);
    Ok(SupervisedOutcome { model, epochs })
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
