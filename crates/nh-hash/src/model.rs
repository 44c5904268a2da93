//! [`Model`]: any saved model folder (one network or sharded), opened and checked, hashing words
//! one at a time or in parallel batches, and the perfect-hash check that uses the same arithmetic.

use std::cell::RefCell;
use std::path::Path;

use rayon::prelude::*;

use crate::metadata::{METADATA_FILE, MODEL_FORMAT, ModelMetadata};
use crate::network::{Network, Scratch};
use crate::sharded::{
    SHARDED_FORMAT, ShardedMetadata, ShardedModel, format_of, read_metadata_bytes, read_sharded,
};
use crate::{Error, Result};

/// Words per parallel task in batch hashing.
const CHUNK_WORDS: usize = 4096;

thread_local! {
    static SCRATCH: RefCell<Scratch> = RefCell::new(Scratch::default());
}

/// What a model folder's `metadata.json` says, by kind.
#[derive(Debug, Clone)]
pub enum Metadata {
    /// One network.
    Network(Box<ModelMetadata>),
    /// A router and shards.
    Sharded(Box<ShardedMetadata>),
}

/// A hash function into `0..bins()`: one network or a sharded model.
#[derive(Debug, Clone)]
pub enum Model {
    /// One network over all bins.
    Network(Box<Network>),
    /// A router and one network per shard.
    Sharded(ShardedModel),
}

impl Model {
    /// Opens a model folder of either kind, checking every checksum, name, shape and value.
    ///
    /// # Errors
    /// [`Error::InvalidModel`] naming the file and what is wrong (also for a table-observing
    /// model, which is not a hash function of the word); I/O errors naming the path.
    pub fn open(dir: &Path) -> Result<Model> {
        Model::open_with_metadata(dir).map(|(model, _)| model)
    }

    /// Whether the folder `dir` holds a sharded model, from its `metadata.json` alone (nothing
    /// else is read or checked: [`open`](Model::open) does that).
    ///
    /// # Errors
    /// An I/O error naming `metadata.json` when it cannot be read.
    pub fn is_sharded_folder(dir: &Path) -> Result<bool> {
        Ok(format_of(&read_metadata_bytes(dir)?).as_deref() == Some(SHARDED_FORMAT))
    }

    /// [`open`](Model::open), also returning the metadata.
    ///
    /// # Errors
    /// As [`open`](Model::open).
    pub fn open_with_metadata(dir: &Path) -> Result<(Model, Metadata)> {
        let bytes = read_metadata_bytes(dir)?;
        let meta_path = dir.join(METADATA_FILE);
        match format_of(&bytes).as_deref() {
            Some(SHARDED_FORMAT) => {
                let (metadata, model) = read_sharded(dir, &bytes)?;
                Ok((Model::Sharded(model), Metadata::Sharded(Box::new(metadata))))
            }
            Some(MODEL_FORMAT) | None => {
                let (metadata, parameters) = crate::single::read_model(dir)?;
                let network = Network::new(
                    &meta_path,
                    &metadata.architecture,
                    &metadata.encoder,
                    parameters,
                )?;
                Ok((
                    Model::Network(Box::new(network)),
                    Metadata::Network(Box::new(metadata)),
                ))
            }
            Some(other) => Err(Error::invalid(
                &meta_path,
                format!("format = {other:?}, expected {MODEL_FORMAT:?} or {SHARDED_FORMAT:?}"),
            )),
        }
    }

    /// Number of bins M: bins are in `0..bins()`.
    pub fn bins(&self) -> usize {
        match self {
            Model::Network(network) => network.bins(),
            Model::Sharded(sharded) => sharded.bins(),
        }
    }

    /// The bin of one word.
    pub fn hash(&self, word: &str) -> usize {
        SCRATCH.with_borrow_mut(|scratch| self.hash_with(word, scratch))
    }

    /// The bin of one word, with the caller's buffers.
    pub fn hash_with(&self, word: &str, scratch: &mut Scratch) -> usize {
        match self {
            Model::Network(network) => network.bin(word, scratch),
            Model::Sharded(sharded) => sharded.bin(word, scratch),
        }
    }

    /// The bins of `words`, in order, on rayon's pool (a sharded model hashes the words of one
    /// shard together, so each shard's weights are read while they are in cache).
    pub fn hash_words<S: AsRef<str> + Sync>(&self, words: &[S]) -> Vec<usize> {
        match self {
            Model::Network(network) => words
                .par_chunks(CHUNK_WORDS)
                .flat_map_iter(|chunk| {
                    let mut scratch = Scratch::default();
                    chunk
                        .iter()
                        .map(|w| network.bin(w.as_ref(), &mut scratch))
                        .collect::<Vec<_>>()
                })
                .collect(),
            Model::Sharded(sharded) => hash_by_shard(sharded, words, true),
        }
    }

    /// The bins of `words` on the calling thread only (a sharded model's words grouped by shard,
    /// as in [`hash_words`](Model::hash_words)).
    pub fn hash_words_serial<S: AsRef<str> + Sync>(&self, words: &[S]) -> Vec<usize> {
        match self {
            Model::Network(network) => {
                let mut scratch = Scratch::default();
                words
                    .iter()
                    .map(|w| network.bin(w.as_ref(), &mut scratch))
                    .collect()
            }
            Model::Sharded(sharded) => hash_by_shard(sharded, words, false),
        }
    }

    /// Whether the model places `words` into distinct bins, counted by the arithmetic that
    /// queries it (this crate's: the definition of the hash).
    pub fn check_perfect<S: AsRef<str> + Sync>(&self, words: &[S]) -> Perfection {
        let bins = self.hash_words(words);
        let mut seen = vec![false; self.bins()];
        let mut collisions = 0;
        for &bin in &bins {
            if std::mem::replace(&mut seen[bin], true) {
                collisions += 1;
            }
        }
        Perfection {
            words: words.len(),
            collisions,
        }
    }
}

/// A sharded model's bins of `words`: route, group by shard, hash each group, put back in order;
/// on rayon's threads when `parallel`, else on the calling thread.
fn hash_by_shard<S: AsRef<str> + Sync>(
    model: &ShardedModel,
    words: &[S],
    parallel: bool,
) -> Vec<usize> {
    let router = model.router();
    let shard_of: Vec<usize> = if parallel {
        words.par_iter().map(|w| router.shard(w.as_ref())).collect()
    } else {
        words.iter().map(|w| router.shard(w.as_ref())).collect()
    };
    let mut starts = vec![0usize; router.shards() + 1];
    for &s in &shard_of {
        starts[s + 1] += 1;
    }
    for k in 1..starts.len() {
        starts[k] += starts[k - 1];
    }
    let mut order = vec![0usize; words.len()];
    let mut next = starts.clone();
    for (i, &s) in shard_of.iter().enumerate() {
        order[next[s]] = i;
        next[s] += 1;
    }
    let hash_chunk = |chunk: &[usize]| {
        let mut scratch = Scratch::default();
        chunk
            .iter()
            .map(|&i| model.bin_in(shard_of[i], words[i].as_ref(), &mut scratch))
            .collect::<Vec<_>>()
    };
    let sorted_bins: Vec<usize> = if parallel {
        order
            .par_chunks(CHUNK_WORDS)
            .flat_map_iter(hash_chunk)
            .collect()
    } else {
        hash_chunk(&order)
    };
    let mut bins = vec![0usize; words.len()];
    for (&i, &bin) in order.iter().zip(&sorted_bins) {
        bins[i] = bin;
    }
    bins
}

/// The result of [`Model::check_perfect`].
#[derive(Debug, Clone, Copy, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
pub struct Perfection {
    /// Words checked.
    pub words: usize,
    /// Words that landed in a bin an earlier word already took (0 for a perfect hash).
    pub collisions: usize,
}

impl Perfection {
    /// True when no two words share a bin.
    pub fn is_perfect(&self) -> bool {
        self.collisions == 0
    }

    /// Distinct bins taken.
    pub fn distinct_bins(&self) -> usize {
        self.words - self.collisions
    }
}
