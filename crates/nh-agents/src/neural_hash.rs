//! `NeuralHash`: a trained policy used as a hash function (argmax over bins), with save/load.

use std::path::Path;

use nh_encode::IndexEncoder;
use nh_env::ObservationMode;
use rand::SeedableRng;
use tch::Device;

use crate::bin_log_probs::BinLogProbs;
use crate::inputs::WordIds;
use crate::key::policy_key;
use crate::model_config::ModelConfig;
use crate::model_file::{
    ACTIVATION, Architecture, EncoderSpec, FIRST_LAYER, METADATA_FILE, MODEL_FORMAT,
    MODEL_FORMAT_VERSION, ModelMetadata, ModelProvenance, TrainingRecord, WeightsRecord, net_spec,
    training_record,
};
use crate::net::{Net, NetSpec, pad_index};
use crate::seeds::{Stream, rng};
use crate::{Error, Result};

/// Words per forward pass of [`NeuralHash::hash_batch`] unless changed with
/// [`NeuralHash::set_batch_size`].
pub const DEFAULT_HASH_BATCH: usize = 16_384;

/// A trained network used as a hash function: `hash(word)` is the bin of highest probability
/// (the paper: "the actor simply uses the action with the highest probability"). On the CPU the
/// same model file gives the same bins on every run.
///
/// A model trained with table observations (the paper's Fig. 5) is not a function of the word;
/// its `hash` is the bin it would choose in an empty table, and
/// [`place_sequence`](NeuralHash::place_sequence) replays its history-dependent placement.
pub struct NeuralHash {
    net: Net,
    encoder: IndexEncoder,
    architecture: Architecture,
    training: TrainingRecord,
    provenance: Option<ModelProvenance>,
    batch_size: usize,
}

impl std::fmt::Debug for NeuralHash {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("NeuralHash")
            .field("architecture", &self.architecture)
            .field("max_len", &self.encoder.ids_len())
            .field("training", &self.training)
            .field("provenance", &self.provenance)
            .field("device", &self.net.device())
            .finish_non_exhaustive()
    }
}

impl NeuralHash {
    /// Wraps a trained policy network.
    pub(crate) fn from_policy(
        net: Net,
        encoder: &IndexEncoder,
        observation: ObservationMode,
        training: TrainingRecord,
    ) -> NeuralHash {
        let spec = net.spec();
        let architecture = Architecture {
            observation,
            hidden: spec.hidden.clone(),
            bins: spec.outputs,
            factors: spec.factors,
            key: spec.key,
            vocab_size: spec.vocab,
            pad_id: spec.pad_id,
            first_layer: FIRST_LAYER.to_owned(),
            activation: ACTIVATION.to_owned(),
        };
        NeuralHash {
            net,
            encoder: encoder.clone(),
            architecture,
            training,
            provenance: None,
            batch_size: DEFAULT_HASH_BATCH,
        }
    }

    /// A randomly initialized, untrained word-only model with the given shape: the starting
    /// point of training (same seed, same weights), a random-policy baseline, and the subject
    /// of inference benchmarks.
    ///
    /// # Errors
    /// [`Error::Config`] for a zero width or zero bins.
    pub fn untrained(
        encoder: &IndexEncoder,
        model: &ModelConfig,
        bins: usize,
        seed: u64,
        device: Device,
    ) -> Result<NeuralHash> {
        model.validate()?;
        let spec = NetSpec {
            key: policy_key(model, seed),
            ..NetSpec::for_encoder(encoder, 0, &model.hidden, bins, model.output_factors(bins)?)
        };
        let net = Net::init(spec, device, &mut rng(seed, Stream::PolicyInit))?;
        let training = training_record("untrained", seed, device, None, model, 0);
        Ok(NeuralHash::from_policy(
            net,
            encoder,
            ObservationMode::WordOnly,
            training,
        ))
    }

    /// Number of bins M: hashes are in `0..bins()`.
    pub fn bins(&self) -> usize {
        self.architecture.bins
    }

    /// The network's shape.
    pub fn architecture(&self) -> &Architecture {
        &self.architecture
    }

    /// The input encoder (alphabet and max_len).
    pub fn encoder(&self) -> &IndexEncoder {
        &self.encoder
    }

    /// How the model was trained.
    pub fn training(&self) -> &TrainingRecord {
        &self.training
    }

    /// Corpus and code provenance: present on loaded models, absent before the first save.
    pub fn provenance(&self) -> Option<&ModelProvenance> {
        self.provenance.as_ref()
    }

    /// Number of scalar parameters (for bits-per-key comparisons).
    pub fn parameter_count(&self) -> usize {
        self.net.spec().parameter_count()
    }

    /// The device the weights live on.
    pub fn device(&self) -> Device {
        self.net.device()
    }

    /// Sets how many words one forward pass of [`hash_batch`](NeuralHash::hash_batch) takes
    /// (memory: batch x M floats for the logits). A `batch_size` of 0 is treated as 1.
    pub fn set_batch_size(&mut self, batch_size: usize) {
        self.batch_size = batch_size.max(1);
    }

    /// The bin of one word.
    pub fn hash(&self, word: &str) -> usize {
        self.hash_batch(&[word])[0]
    }

    /// The bins of many words: batched forward passes without autograd.
    pub fn hash_batch(&self, words: &[&str]) -> Vec<usize> {
        self.hash_words(words)
    }

    /// [`hash_batch`](NeuralHash::hash_batch) for any list of strings.
    pub fn hash_words<S: AsRef<str>>(&self, words: &[S]) -> Vec<usize> {
        let _guard = tch::no_grad_guard();
        let mut bins = Vec::with_capacity(words.len());
        for chunk in words.chunks(self.batch_size) {
            let input = WordIds::new(&self.encoder, chunk, self.net.spec().word_key())
                .all(self.net.device());
            bins.extend(self.net.greedy(&input));
        }
        bins
    }

    /// One bin per word drawn from the policy's softmax (the stochastic actor of training, not
    /// a function: the same word may get another bin on the next call), from a ChaCha8 stream
    /// seeded with `seed`. A table-observing model is sampled as in an empty table.
    pub fn sample_words<S: AsRef<str>>(&self, words: &[S], seed: u64) -> Vec<usize> {
        let _guard = tch::no_grad_guard();
        let device = self.net.device();
        let mut rng = rand_chacha::ChaCha8Rng::seed_from_u64(seed);
        let free = tch::Tensor::ones([self.bins() as i64], (tch::Kind::Float, device));
        let mut bins = Vec::with_capacity(words.len());
        for chunk in words.chunks(self.batch_size) {
            let mut input =
                WordIds::new(&self.encoder, chunk, self.net.spec().word_key()).all(device);
            if self.architecture.observation.shows_table() {
                input.occupancy = Some(tch::Tensor::zeros(
                    [chunk.len() as i64, self.bins() as i64],
                    (tch::Kind::Float, device),
                ));
            }
            bins.extend(BinLogProbs::of(&self.net, &input).sample_free(&free, &mut rng));
        }
        bins
    }

    /// The same hash function in nh-hash's arithmetic, the definition of the hash: what a
    /// perfect-hash check and every query use (no libtorch call).
    ///
    /// # Errors
    /// [`Error::InvalidModel`] for a model trained with table observations (not a hash function
    /// of the word).
    pub fn to_exact(&self) -> Result<nh_hash::Model> {
        let parameters = self
            .net
            .parameter_values()
            .into_iter()
            .map(|(name, shape, values)| (name, (shape, values)))
            .collect();
        let network = nh_hash::Network::new(
            std::path::Path::new("<trained model>"),
            &self.architecture,
            &self.encoder_spec(),
            parameters,
        )?;
        Ok(nh_hash::Model::Network(Box::new(network)))
    }

    /// Every parameter copied to the CPU as (name, shape, row-major values), in the canonical
    /// order of the model file.
    pub fn parameters(&self) -> Vec<nh_hash::NamedTensor> {
        self.net.parameter_values()
    }

    /// The encoder as the model file records it.
    pub fn encoder_spec(&self) -> EncoderSpec {
        EncoderSpec {
            alphabet: self.encoder.alphabet().clone(),
            max_len: self.encoder.ids_len(),
        }
    }

    /// Places `words` one after the other, as during training: a table-observing model sees the
    /// occupancy left by the previous words (for a word-only model this equals `hash_words`).
    pub fn place_sequence<S: AsRef<str>>(&self, words: &[S]) -> Vec<usize> {
        let observation = self.architecture.observation;
        if !observation.shows_table() {
            return self.hash_words(words);
        }
        let _guard = tch::no_grad_guard();
        let (bins, device) = (self.bins(), self.net.device());
        let ids = WordIds::new(&self.encoder, words, self.net.spec().word_key());
        let mut loads = vec![0usize; bins];
        let mut table = vec![0f32; bins];
        let mut placed = Vec::with_capacity(words.len());
        for row in 0..words.len() {
            let mut input = ids.input(&[row], device);
            input.occupancy = Some(
                tch::Tensor::from_slice(&table)
                    .reshape([1, bins as i64])
                    .to_device(device),
            );
            let bin = self.net.greedy(&input)[0];
            loads[bin] += 1;
            table[bin] = bin_value(observation, loads[bin]);
            placed.push(bin);
        }
        placed
    }

    /// Writes the model into the new directory `dir` (metadata.json + model.safetensors),
    /// atomically, recording `provenance`.
    ///
    /// # Errors
    /// [`Error::ModelDirExists`] when `dir` exists and is not empty; [`Error::InvalidModel`]
    /// when the provenance is malformed; I/O errors naming the path.
    pub fn save(&self, dir: &Path, provenance: &ModelProvenance) -> Result<()> {
        let metadata = ModelMetadata {
            format: MODEL_FORMAT.to_owned(),
            format_version: MODEL_FORMAT_VERSION,
            architecture: self.architecture.clone(),
            encoder: self.encoder_spec(),
            training: self.training.clone(),
            provenance: provenance.clone(),
            libtorch: Some(
                serde_json::to_value(crate::libtorch_info()).expect("libtorch facts serialize"),
            ),
            weights: WeightsRecord::pending(),
        };
        Ok(nh_hash::write_model(
            dir,
            metadata,
            &self.net.parameter_values(),
        )?)
    }

    /// Loads a model directory written by [`save`](NeuralHash::save) onto `device`, checking the
    /// metadata, the weights' size and SHA-256, every tensor's name, dtype and shape, and that
    /// the encoder matches the architecture.
    ///
    /// # Errors
    /// [`Error::InvalidModel`] naming the file and what is wrong; I/O errors naming the path.
    pub fn load(dir: &Path, device: Device) -> Result<NeuralHash> {
        let (metadata, parameters) = nh_hash::read_model(dir)?;
        let meta_path = dir.join(METADATA_FILE);
        let encoder =
            IndexEncoder::new(metadata.encoder.alphabet.clone(), metadata.encoder.max_len)
                .map_err(|e| Error::invalid_model(&meta_path, format!("encoder: {e}")))?;
        let arch = metadata.architecture;
        if encoder.vocab_size() != arch.vocab_size || pad_index(&encoder) != arch.pad_id {
            return Err(Error::invalid_model(
                &meta_path,
                format!(
                    "the encoder (alphabet of {} slots, max_len {}) has vocab_size {} and pad_id {}, \
                 the architecture records {} and {}",
                    metadata.encoder.alphabet.size(),
                    metadata.encoder.max_len,
                    encoder.vocab_size(),
                    encoder.pad_id(),
                    arch.vocab_size,
                    arch.pad_id
                ),
            ));
        }
        let net = Net::from_values(net_spec(&arch), device, parameters)?;
        Ok(NeuralHash {
            net,
            encoder,
            architecture: arch,
            training: metadata.training,
            provenance: Some(metadata.provenance),
            batch_size: DEFAULT_HASH_BATCH,
        })
    }
}

/// The table value of a bin holding `load` words, as nh-env writes it into observations.
fn bin_value(observation: ObservationMode, load: usize) -> f32 {
    match observation {
        ObservationMode::WordOnly | ObservationMode::WordAndOccupancy => {
            f32::from(u8::from(load > 0))
        }
        ObservationMode::WordAndLoad { scale } => load as f32 * scale,
    }
}
