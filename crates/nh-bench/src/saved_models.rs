//! Saved models (`nh bench --model DIR`, one network or sharded) queried through nh-hash, the
//! definition of the hash: each checked perfect on its own training words, its size in bits per
//! key (every byte of the model's two files), and its query time on one thread and on every
//! thread, beside CPython's hash loop on the same words and minimal perfect hashes on the same
//! keys, all measured in the same run.

use std::fmt::Write;
use std::path::{Path, PathBuf};
use std::time::Instant;

use nh_hash::{METADATA_FILE, Metadata, Model, TRAIN_WORDS_FILE, WEIGHTS_FILE};
use serde::{Deserialize, Serialize};

use crate::perfect_hash::{PerfectHashRow, measure_mphfs};
use crate::python::PythonOutcome;
use crate::table::{Align, Table, sig3, thousands, times};
use crate::timing::{Timing, time_repeated};
use crate::{Error, Result};

/// What kind of model a folder holds.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(tag = "kind", rename_all = "kebab-case")]
pub enum SavedKind {
    /// One network.
    Network,
    /// A router and this many shard networks.
    Sharded {
        /// Number of shards.
        shards: usize,
    },
}

/// One saved model, measured.
#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct SavedModelRow {
    /// The folder, as given on the command line.
    pub path: PathBuf,
    /// One network or sharded.
    pub kind: SavedKind,
    /// Whether its head is keyed.
    pub keyed: bool,
    /// Its training words (`train_words.txt`), the keys.
    pub keys: usize,
    /// Bins.
    pub bins: usize,
    /// Collisions of the keys, counted by nh-hash (0: a perfect hash).
    pub collisions: usize,
    /// Bytes of `metadata.json` and `model.safetensors`.
    pub bytes: u64,
    /// Seconds to open the folder (checksums and shapes checked).
    pub open_seconds: f64,
    /// The query words, on one thread (`hash_words_serial`).
    pub one_thread: Timing,
    /// The query words on rayon's threads (`hash_words`).
    pub all_threads: Timing,
    /// Minimal perfect hashes built over the same keys.
    pub mphfs: Vec<PerfectHashRow>,
}

impl SavedModelRow {
    /// Size in bits per key.
    pub fn bits_per_key(&self) -> f64 {
        self.bytes as f64 * 8.0 / self.keys.max(1) as f64
    }
}

/// The saved-models section.
#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct SavedModelsReport {
    /// Query words per pass (the inference words).
    pub words: usize,
    /// Rayon's threads.
    pub threads: usize,
    /// CPython's loop over the same query words.
    pub python: PythonOutcome,
    /// One row per model.
    pub models: Vec<SavedModelRow>,
}

/// Measures every model in `dirs` on `words` (the query words), beside `python`, CPython's loop
/// over the same words (the inference section's, when it ran in this run).
///
/// # Errors
/// [`Error::SavedModel`] naming the folder that cannot be opened or has no training words;
/// [`Error::PerfectHash`] when a minimal perfect hash fails.
pub fn measure_saved_models(
    dirs: &[PathBuf],
    words: &[String],
    repeats: usize,
    python: PythonOutcome,
    log: &mut dyn FnMut(&str),
) -> Result<SavedModelsReport> {
    let mut models = Vec::with_capacity(dirs.len());
    for dir in dirs {
        log(&format!("saved model: {}", dir.display()));
        models.push(measure_one(dir, words, repeats)?);
    }
    Ok(SavedModelsReport {
        words: words.len(),
        threads: rayon::current_num_threads(),
        python,
        models,
    })
}

fn measure_one(dir: &Path, words: &[String], repeats: usize) -> Result<SavedModelRow> {
    let fail = |message: String| Error::SavedModel {
        path: dir.to_path_buf(),
        message,
    };
    let started = Instant::now();
    let (model, metadata) = Model::open_with_metadata(dir).map_err(|e| fail(e.to_string()))?;
    let open_seconds = started.elapsed().as_secs_f64();
    let (kind, keyed) = match &metadata {
        Metadata::Network(m) => (SavedKind::Network, m.architecture.key.is_some()),
        Metadata::Sharded(m) => (
            SavedKind::Sharded {
                shards: m.shards.len(),
            },
            m.shards.iter().any(|s| s.architecture.key.is_some()),
        ),
    };
    let keys_path = dir.join(TRAIN_WORDS_FILE);
    let keys = nh_corpus::read_word_list(&keys_path)
        .map_err(|e| fail(format!("its keys: {e} (saved beside fixed-set models)")))?;
    let mut bytes = 0;
    for file in [METADATA_FILE, WEIGHTS_FILE] {
        let path = dir.join(file);
        bytes += std::fs::metadata(&path)
            .map_err(|source| Error::Io { path, source })?
            .len();
    }
    let collisions = model.check_perfect(&keys).collisions;
    let one_thread = time_repeated(repeats, || {
        std::hint::black_box(model.hash_words_serial(words));
    });
    let all_threads = time_repeated(repeats, || {
        std::hint::black_box(model.hash_words(words));
    });
    Ok(SavedModelRow {
        path: dir.to_path_buf(),
        kind,
        keyed,
        keys: keys.len(),
        bins: model.bins(),
        collisions,
        bytes,
        open_seconds,
        one_thread,
        all_threads,
        mphfs: measure_mphfs(&keys, repeats)?,
    })
}

impl SavedModelsReport {
    /// CPython's loop, median seconds over the query words, when measured.
    fn python_seconds(&self) -> Option<f64> {
        match &self.python {
            PythonOutcome::Measured(t) => Some(t.fresh.median_s()),
            PythonOutcome::Skipped(_) => None,
        }
    }

    fn ns_per_word(&self, timing: &Timing) -> f64 {
        timing.median_s() * 1e9 / self.words.max(1) as f64
    }

    /// The smallest and the fastest minimal perfect hash over a row's keys.
    fn best_mphfs(row: &SavedModelRow) -> Option<(&PerfectHashRow, &PerfectHashRow)> {
        let smallest = row
            .mphfs
            .iter()
            .min_by(|a, b| a.bits_per_key.total_cmp(&b.bits_per_key))?;
        let fastest = row
            .mphfs
            .iter()
            .min_by(|a, b| a.query_ns.total_cmp(&b.query_ns))?;
        Some((smallest, fastest))
    }

    /// One headline line per perfect saved model.
    pub(crate) fn headline(&self) -> Vec<String> {
        self.models
            .iter()
            .filter(|row| row.collisions == 0)
            .map(|row| {
                let versus = self.python_seconds().map_or_else(String::new, |p| {
                    format!(" ({} CPython's loop)", times(row.one_thread.median_s() / p))
                });
                format!(
                    "Saved model `{}`: a perfect hash of {} keys in {} bits per key, {} ns per \
                     word on one thread through nh-hash{versus}.",
                    row.path.display(),
                    thousands(row.keys as u64),
                    sig3(row.bits_per_key()),
                    sig3(self.ns_per_word(&row.one_thread)),
                )
            })
            .collect()
    }

    /// Where the saved models stand against CPython's loop and minimal perfect hashes.
    pub(crate) fn meaning(&self) -> Vec<String> {
        let mut sentences = Vec::new();
        for row in &self.models {
            let Some((smallest, fastest)) = Self::best_mphfs(row) else {
                continue;
            };
            let quality = if row.collisions == 0 {
                "a perfect hash".to_owned()
            } else {
                format!(
                    "not perfect ({} collisions)",
                    thousands(row.collisions as u64)
                )
            };
            let versus = self.python_seconds().map_or_else(String::new, |p| {
                format!(
                    ", {} CPython's loop on one thread",
                    times(row.one_thread.median_s() / p)
                )
            });
            sentences.push(format!(
                "The saved model `{}` is {quality} of its {} keys, checked by the code that \
                 queries it; it takes {} bits per key and {} ns per word{versus}. A minimal \
                 perfect hash of the same keys takes {} bits per key ({}, {} less) and answers in \
                 {} ns ({}): as a data structure the neural hash is far behind; what it offers \
                 is a hash that was learned, not built.",
                row.path.display(),
                thousands(row.keys as u64),
                sig3(row.bits_per_key()),
                sig3(self.ns_per_word(&row.one_thread)),
                sig3(smallest.bits_per_key),
                smallest.method,
                times(row.bits_per_key() / smallest.bits_per_key),
                sig3(fastest.query_ns),
                fastest.method,
            ));
        }
        sentences
    }

    /// The section's markdown.
    pub(crate) fn render(&self, out: &mut String) {
        let _ = writeln!(out, "## 7. Saved models, queried through nh-hash\n");
        let python = self.python_seconds();
        let _ = writeln!(
            out,
            "Each model folder given with `--model`, opened by nh-hash (every checksum checked) and \
             checked on its own training words (`train_words.txt`, the keys) by the code that \
             queries it. Size: every byte of `metadata.json` and `model.safetensors`. Query: \
             {} words (the inference words), ns per word on one thread and on {} threads, against \
             CPython's `for w in words: hash(w)` over the same fresh strings ({}). Beside each, \
             the minimal perfect hashes built over the same keys in this run.\n",
            thousands(self.words as u64),
            self.threads,
            python.map_or_else(
                || "not measured".to_owned(),
                |s| format!("{} ns per word", sig3(s * 1e9 / self.words.max(1) as f64))
            )
        );
        let per_word = |t: &Timing| self.ns_per_word(t);
        let mut table = Table::new(&[
            ("model", Align::Left),
            ("keys", Align::Right),
            ("collisions", Align::Right),
            ("bits/key", Align::Right),
            ("open s", Align::Right),
            ("ns/word, 1 thread", Align::Right),
            ("vs CPython", Align::Right),
            (&format!("ns/word, {} threads", self.threads), Align::Right),
        ]);
        for row in &self.models {
            let kind = match row.kind {
                SavedKind::Network => "one network".to_owned(),
                SavedKind::Sharded { shards } => format!("{shards} shards"),
            };
            table.push(vec![
                format!(
                    "`{}` ({kind}{})",
                    row.path.display(),
                    if row.keyed { ", keyed" } else { "" }
                ),
                thousands(row.keys as u64),
                thousands(row.collisions as u64),
                sig3(row.bits_per_key()),
                sig3(row.open_seconds),
                sig3(per_word(&row.one_thread)),
                python.map_or_else(|| "-".to_owned(), |p| times(row.one_thread.median_s() / p)),
                sig3(per_word(&row.all_threads)),
            ]);
        }
        let _ = writeln!(out, "{}", table.to_markdown());
        for row in &self.models {
            let mut mphfs = Table::new(&[
                ("minimal perfect hash", Align::Left),
                ("build s", Align::Right),
                ("bits/key", Align::Right),
                ("query ns", Align::Right),
            ]);
            for m in &row.mphfs {
                mphfs.push(vec![
                    m.method.to_string(),
                    m.build_seconds.map_or_else(|| "-".to_owned(), sig3),
                    sig3(m.bits_per_key),
                    sig3(m.query_ns),
                ]);
            }
            let _ = writeln!(
                out,
                "Over the {} keys of `{}`:\n\n{}",
                thousands(row.keys as u64),
                row.path.display(),
                mphfs.to_markdown()
            );
        }
    }
}
