//! Training checkpoints: a learner's whole state written into its output folder while it trains,
//! so that a run stopped by a signal, a time limit or a crash continues to the same result.
//!
//! A checkpoint is `checkpoint/` in the output folder: `state.json` (what the run is, the iteration
//! to go on from, the metrics so far, step counts, random generators' positions) and
//! `tensors.safetensors` (networks and optimizer moments, f32 bit for bit). It is written into a
//! temporary folder and moved into place only when complete; the previous one is removed after.

use std::fs;
use std::path::PathBuf;
use std::sync::Arc;
use std::sync::atomic::{AtomicBool, Ordering};
use std::time::Instant;

use safetensors::{Dtype, SafeTensors};
use serde::de::DeserializeOwned;
use serde::{Deserialize, Serialize};

use crate::model_file::{Parameters, f32_safetensors, f32_values, sha256_hex, write_synced};
use crate::{CpuKernels, Error, Result};

/// The checkpoint's folder name inside the output folder.
pub const CHECKPOINT_DIR: &str = "checkpoint";
const STATE_FILE: &str = "state.json";
const TENSORS_FILE: &str = "tensors.safetensors";
const FORMAT: &str = "nh-training-checkpoint";
const FORMAT_VERSION: u32 = 1;
/// Where the previous checkpoint waits while a new one is swapped in.
const OLD_DIR: &str = ".checkpoint.old";

/// How often a checkpoint is written while training.
#[derive(Debug, Clone, Copy, PartialEq)]
pub enum CheckpointEvery {
    /// After every this many iterations.
    Iterations(usize),
    /// After the first iteration that ends this many seconds after the last checkpoint.
    Seconds(f64),
}

impl std::fmt::Display for CheckpointEvery {
    /// As `--checkpoint-every` takes it: `100` (iterations) or `600s`.
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            CheckpointEvery::Iterations(n) => write!(f, "{n}"),
            CheckpointEvery::Seconds(s) => write!(f, "{s}s"),
        }
    }
}

/// What a run is, as far as continuing it goes: a checkpoint is only resumed by the same run.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct RunIdentity {
    /// The learner, e.g. `cem`.
    pub algorithm: String,
    /// The learner's configuration without its iteration budget (which a resume may extend).
    pub config: serde_json::Value,
    /// The environment's configuration.
    pub env: serde_json::Value,
    /// The seed.
    pub seed: u64,
    /// SHA-256 of the training words, one per line (supervised training: then an empty line
    /// and the held-out words).
    pub words_sha256: String,
    /// SHA-256 of the corpus they came from.
    pub corpus_sha256: String,
    /// The code's commit (a different one is allowed, with a warning: results may differ).
    pub commit: String,
    /// The processor and kernel settings (a different one is allowed, with a warning).
    pub cpu: CpuKernels,
}

impl RunIdentity {
    /// The identity of a run of `algorithm` with `config`, whose iteration budget `budget_key`
    /// is left out (a resume may extend it), on `env` (`None` for supervised training), `seed`
    /// and the words hashed by [`words_sha256`].
    ///
    /// # Errors
    /// [`Error::Config`] when the config or environment does not serialize.
    pub(crate) fn new(
        algorithm: &str,
        (config, budget_key): (&impl Serialize, &str),
        env: Option<&nh_env::EnvConfig>,
        seed: u64,
        words_sha256: String,
        checkpointing: &Checkpointing,
    ) -> Result<RunIdentity> {
        let json = |value: serde_json::Result<serde_json::Value>| {
            value.map_err(|e| Error::config("checkpoint", algorithm, &e.to_string()))
        };
        let mut config = json(serde_json::to_value(config))?;
        if let Some(object) = config.as_object_mut() {
            object.remove(budget_key);
        }
        Ok(RunIdentity {
            algorithm: algorithm.to_owned(),
            config,
            env: json(serde_json::to_value(env))?,
            seed,
            words_sha256,
            corpus_sha256: checkpointing.corpus_sha256.clone(),
            commit: checkpointing.commit.clone(),
            cpu: CpuKernels::detect(),
        })
    }

    /// The fields that must match for a resume, by name.
    fn binding(&self) -> [(&'static str, serde_json::Value); 6] {
        [
            ("algorithm", self.algorithm.clone().into()),
            ("learner config", self.config.clone()),
            ("environment", self.env.clone()),
            ("seed", self.seed.into()),
            ("training words (SHA-256)", self.words_sha256.clone().into()),
            ("corpus (SHA-256)", self.corpus_sha256.clone().into()),
        ]
    }

    /// Every difference that forbids resuming `self` (a checkpoint's) as `now`, one line each,
    /// naming the key inside a config.
    fn differences(&self, now: &RunIdentity) -> Vec<String> {
        let mut out = Vec::new();
        for ((name, was), (_, is)) in self.binding().into_iter().zip(now.binding()) {
            match (&was, &is) {
                (serde_json::Value::Object(a), serde_json::Value::Object(b)) => {
                    let keys: std::collections::BTreeSet<&String> =
                        a.keys().chain(b.keys()).collect();
                    for key in keys {
                        let (x, y) = (a.get(key), b.get(key));
                        if x != y {
                            out.push(format!(
                                "{name} `{key}`: {} in the checkpoint, {} now",
                                x.map_or("absent".into(), ToString::to_string),
                                y.map_or("absent".into(), ToString::to_string)
                            ));
                        }
                    }
                }
                _ if was != is => out.push(format!("{name}: {was} in the checkpoint, {is} now")),
                _ => {}
            }
        }
        out
    }
}

/// Checkpointing of one training run: where, how often, and the signal to stop on.
#[derive(Debug, Clone)]
pub struct Checkpointing {
    /// The output folder (the checkpoint goes to `<dir>/checkpoint/`).
    pub dir: PathBuf,
    /// How often; `None` writes one only when training ends or stops.
    pub every: Option<CheckpointEvery>,
    /// Set (e.g. by a SIGTERM handler) to stop after the current iteration with a checkpoint.
    pub stop: Arc<AtomicBool>,
    /// Continue from the checkpoint in `dir` instead of starting afresh.
    pub resume: bool,
    /// The corpus's SHA-256 and the commit, recorded in the identity.
    pub corpus_sha256: String,
    /// The code's commit.
    pub commit: String,
}

impl Checkpointing {
    /// Whether a stop was requested.
    pub(crate) fn stop_requested(&self) -> bool {
        self.stop.load(Ordering::SeqCst)
    }

    /// The checkpoint folder.
    pub fn checkpoint_dir(&self) -> PathBuf {
        self.dir.join(CHECKPOINT_DIR)
    }

    /// Whether `dir` holds a checkpoint to resume from (also the previous one that a crash
    /// between the two renames of a replacement leaves).
    pub fn has_checkpoint(&self) -> bool {
        self.folder_to_resume().is_some()
    }

    /// The checkpoint folder to resume from: the current one, else the previous one.
    fn folder_to_resume(&self) -> Option<PathBuf> {
        [self.checkpoint_dir(), self.dir.join(OLD_DIR)]
            .into_iter()
            .find(|dir| dir.join(STATE_FILE).is_file())
    }
}

/// When the next periodic checkpoint is due.
pub(crate) struct Schedule {
    every: Option<CheckpointEvery>,
    last: Instant,
    since_last: usize,
}

impl Schedule {
    pub(crate) fn new(every: Option<CheckpointEvery>) -> Schedule {
        Schedule {
            every,
            last: Instant::now(),
            since_last: 0,
        }
    }

    /// Counts a finished iteration; true when a checkpoint is due now.
    pub(crate) fn tick(&mut self) -> bool {
        self.since_last += 1;
        let due = match self.every {
            None => false,
            Some(CheckpointEvery::Iterations(n)) => self.since_last >= n,
            Some(CheckpointEvery::Seconds(s)) => self.last.elapsed().as_secs_f64() >= s,
        };
        if due {
            self.since_last = 0;
            self.last = Instant::now();
        }
        due
    }
}

/// A random generator's position: its seed, stream and word position (nh-env's type, so that
/// learners and environments save their generators alike).
pub(crate) use nh_env::RngState;

/// SHA-256 of word lists, one word per line, lists separated by an empty line (words are never
/// empty, so the lists can be told apart).
pub(crate) fn words_sha256(lists: &[&[String]]) -> String {
    let mut text = String::new();
    for (i, words) in lists.iter().enumerate() {
        if i > 0 {
            text.push('\n');
        }
        for word in *words {
            text.push_str(word);
            text.push('\n');
        }
    }
    sha256_hex(text.as_bytes())
}

/// Named f32 tensors as `(name, shape, values)`.
pub(crate) type NamedValues = Vec<(String, Vec<usize>, Vec<f32>)>;

/// The file header of `state.json`: format, identity, and the learner's own state.
#[derive(Serialize, Deserialize)]
struct StateFile<S> {
    format: String,
    format_version: u32,
    identity: RunIdentity,
    /// SHA-256 of `tensors.safetensors`, checked on load.
    tensors_sha256: String,
    state: S,
}

/// Writes a checkpoint of `state` and `tensors` for `identity` into `<dir>/checkpoint/`,
/// replacing the previous one only once the new one is complete; returns its size in bytes.
pub(crate) fn write_checkpoint<S: Serialize>(
    checkpointing: &Checkpointing,
    identity: &RunIdentity,
    state: &S,
    tensors: &NamedValues,
) -> Result<u64> {
    let target = checkpointing.checkpoint_dir();
    let temp = checkpointing
        .dir
        .join(format!(".{CHECKPOINT_DIR}.tmp-{}", std::process::id()));
    let old = checkpointing.dir.join(OLD_DIR);
    let tensor_bytes = f32_safetensors(tensors, None)
        .map_err(|e| Error::invalid_model(&temp, format!("serializing the checkpoint: {e}")))?;
    let file = StateFile {
        format: FORMAT.to_owned(),
        format_version: FORMAT_VERSION,
        identity: identity.clone(),
        tensors_sha256: sha256_hex(&tensor_bytes),
        state,
    };
    let json = serde_json::to_vec_pretty(&file)
        .map_err(|e| Error::invalid_model(&temp, format!("serializing the checkpoint: {e}")))?;
    let _ = fs::remove_dir_all(&temp);
    fs::create_dir_all(&temp).map_err(|e| Error::io(&temp, e))?;
    write_synced(&temp.join(TENSORS_FILE), &tensor_bytes)?;
    write_synced(&temp.join(STATE_FILE), &json)?;
    if target.exists() {
        let _ = fs::remove_dir_all(&old);
        fs::rename(&target, &old).map_err(|e| Error::io(&target, e))?;
    }
    fs::rename(&temp, &target).map_err(|e| Error::io(&target, e))?;
    let _ = fs::remove_dir_all(&old);
    Ok((tensor_bytes.len() + json.len()) as u64)
}

/// Reads the checkpoint in `<dir>/checkpoint/` (or the previous one, when a crash came between
/// the two renames of a replacement) and checks that it belongs to `identity`.
///
/// # Errors
/// [`Error::Checkpoint`] when there is none, it is corrupt, or it belongs to another run (naming
/// what differs).
pub(crate) fn read_checkpoint<S: DeserializeOwned>(
    checkpointing: &Checkpointing,
    identity: &RunIdentity,
) -> Result<(S, Parameters)> {
    let Some(dir) = checkpointing.folder_to_resume() else {
        return Err(Error::Checkpoint {
            path: checkpointing.checkpoint_dir(),
            reason:
                "no checkpoint to resume from (train with --checkpoint-every, or --max-seconds, \
                     to leave one)"
                    .into(),
        });
    };
    let bad = |reason: String| Error::Checkpoint {
        path: dir.clone(),
        reason,
    };
    let state_path = dir.join(STATE_FILE);
    let bytes = fs::read(&state_path).map_err(|e| Error::io(&state_path, e))?;
    let file: StateFile<S> =
        serde_json::from_slice(&bytes).map_err(|e| bad(format!("{STATE_FILE}: {e}")))?;
    if file.format != FORMAT || file.format_version != FORMAT_VERSION {
        return Err(bad(format!(
            "format {} version {}, this build reads {FORMAT} version {FORMAT_VERSION}",
            file.format, file.format_version
        )));
    }
    let differences = file.identity.differences(identity);
    if !differences.is_empty() {
        return Err(bad(format!(
            "belongs to another run; resume with the same settings, or train afresh into a new \
             folder. Differences:\n  {}",
            differences.join("\n  ")
        )));
    }
    if file.identity.commit != identity.commit {
        tracing::warn!(
            checkpoint = %file.identity.commit,
            now = %identity.commit,
            "resuming a checkpoint written by another commit: results may differ from an uninterrupted run"
        );
    }
    if file.identity.cpu != identity.cpu {
        tracing::warn!(
            "resuming a checkpoint written on another CPU type or kernel setting: results may \
             differ from an uninterrupted run"
        );
    }
    let tensors_path = dir.join(TENSORS_FILE);
    let tensor_bytes = fs::read(&tensors_path).map_err(|e| Error::io(&tensors_path, e))?;
    if sha256_hex(&tensor_bytes) != file.tensors_sha256 {
        return Err(bad(format!(
            "{TENSORS_FILE} does not match the SHA-256 in {STATE_FILE} (corrupted or replaced)"
        )));
    }
    let tensors = deserialize(&tensor_bytes).map_err(|e| bad(format!("{TENSORS_FILE}: {e}")))?;
    Ok((file.state, tensors))
}

fn deserialize(bytes: &[u8]) -> std::result::Result<Parameters, String> {
    let tensors = SafeTensors::deserialize(bytes).map_err(|e| e.to_string())?;
    tensors
        .tensors()
        .into_iter()
        .map(|(name, view)| {
            if view.dtype() != Dtype::F32 {
                return Err(format!("`{name}` is {:?}, expected F32", view.dtype()));
            }
            Ok((name, (view.shape().to_vec(), f32_values(&view))))
        })
        .collect()
}

/// Takes the tensors whose names start with `prefix.` out of `tensors`, without the prefix.
pub(crate) fn take_prefixed(tensors: &mut Parameters, prefix: &str) -> Parameters {
    let start = format!("{prefix}.");
    let names: Vec<String> = tensors
        .keys()
        .filter(|k| k.starts_with(&start))
        .cloned()
        .collect();
    names
        .into_iter()
        .filter_map(|name| {
            let value = tensors.remove(&name)?;
            Some((name[start.len()..].to_owned(), value))
        })
        .collect()
}

/// `values` with every name prefixed by `prefix.`.
pub(crate) fn prefixed(prefix: &str, values: NamedValues) -> NamedValues {
    values
        .into_iter()
        .map(|(name, shape, data)| (format!("{prefix}.{name}"), shape, data))
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_checkpoint_to_resume_is_the_current_one_else_the_previous_one() {
        let dir = tempfile::tempdir().expect("temp dir");
        let checkpointing = Checkpointing {
            dir: dir.path().to_path_buf(),
            every: None,
            stop: Arc::new(AtomicBool::new(false)),
            resume: true,
            corpus_sha256: String::new(),
            commit: String::new(),
        };
        assert!(!checkpointing.has_checkpoint());
        let old = dir.path().join(OLD_DIR);
        fs::create_dir(&old).expect("mkdir");
        fs::write(old.join(STATE_FILE), "{}").expect("write");
        assert_eq!(checkpointing.folder_to_resume(), Some(old));
        let current = checkpointing.checkpoint_dir();
        fs::create_dir(&current).expect("mkdir");
        fs::write(current.join(STATE_FILE), "{}").expect("write");
        assert_eq!(checkpointing.folder_to_resume(), Some(current));
        assert!(checkpointing.has_checkpoint());
    }

    fn words(list: &[&str]) -> Vec<String> {
        list.iter().map(|&w| w.to_owned()).collect()
    }

    #[test]
    fn one_word_list_hashes_as_its_lines_and_lists_are_told_apart() {
        let (ab, c) = (words(&["ant", "bee"]), words(&["cat"]));
        // One list: its words one per line, as checkpoints written before lists were hashed.
        assert_eq!(words_sha256(&[&ab]), sha256_hex(b"ant\nbee\n"));
        let (a, bc) = (words(&["ant"]), words(&["bee", "cat"]));
        assert_ne!(words_sha256(&[&ab, &c]), words_sha256(&[&a, &bc]));
        assert_ne!(words_sha256(&[&ab, &[]]), words_sha256(&[&ab]));
    }
}
