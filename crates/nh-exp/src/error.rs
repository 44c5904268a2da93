//! The one error type of nh-exp.

use std::path::PathBuf;

/// Everything that can go wrong while configuring, running or recording an experiment.
#[derive(Debug, thiserror::Error)]
pub enum Error {
    /// A file could not be read or written.
    #[error("{path}: {source}")]
    Io {
        /// The file or folder.
        path: PathBuf,
        /// The underlying error.
        source: std::io::Error,
    },
    /// An experiment file is malformed or asks for something impossible.
    #[error("{path}: {message}")]
    Config {
        /// The experiment file.
        path: PathBuf,
        /// What is wrong, naming the key (and line where known).
        message: String,
    },
    /// A name that becomes a file or folder name (figure, panel id, profile) is not a plain name
    /// (see [`crate::name_problem`]).
    #[error(
        "{}: {}{key} = {value} is not a plain name: {reason}; {rule}",
        path.display(), at_line(*line), rule = crate::names::NAME_RULE
    )]
    Name {
        /// The experiment file (or run record) it comes from.
        path: PathBuf,
        /// The key's line, where it could be found.
        line: Option<usize>,
        /// What the name is: `figure`, `panel id` or `profile name`.
        key: String,
        /// The value, quoted (its first 64 characters).
        value: String,
        /// Which part of the rule it breaks.
        reason: &'static str,
    },
    /// Learner parameters (a panel's `params`, `nh train --params FILE`) that training would
    /// reject: an unknown key, a wrong type, a value the learner's `validate()` refuses.
    #[error("{}: {}{key}: {message}", path.display(), at_line(*line))]
    Params {
        /// The experiment or parameters file.
        path: PathBuf,
        /// The key's line, where it could be found.
        line: Option<usize>,
        /// The key, e.g. `panel `n100` params.learning_rate`.
        key: String,
        /// What is wrong.
        message: String,
    },
    /// A run directory's record (`summary.json`, `metadata.json`, a curves CSV) is missing a value
    /// or malformed.
    #[error("{path}: {message}")]
    Record {
        /// The record file.
        path: PathBuf,
        /// What is wrong, naming the key or line.
        message: String,
    },
    /// A profile name that the experiment file does not define.
    #[error("{figure}: no profile `{profile}` (known: default, {})", known.join(", "))]
    UnknownProfile {
        /// The figure.
        figure: String,
        /// The requested profile.
        profile: String,
        /// Profiles the file defines.
        known: Vec<String>,
    },
    /// An option of the run is out of range.
    #[error("{option}: {message}")]
    Option {
        /// The option, as a user writes it (e.g. `--seeds`).
        option: &'static str,
        /// What is wrong and how to fix it.
        message: String,
    },
    /// A run's finish step found units that are not done: nothing is drawn.
    #[error(
        "{run_dir}: {} of {total} units are not done, so the figure is not drawn:\n  {}\n\
         Resume with: nh reproduce --resume {run_dir}",
        missing.len(),
        missing.iter().map(ToString::to_string).collect::<Vec<_>>().join("\n  ")
    )]
    Incomplete {
        /// The run directory.
        run_dir: PathBuf,
        /// Units in the plan.
        total: usize,
        /// The units that are not done.
        missing: Vec<crate::finish::MissingUnit>,
    },
    /// A training that cannot fit into this machine's memory, refused before allocating.
    #[error("{0}")]
    Memory(String),
    /// `sbatch` failed or is missing.
    #[error("`{command}`: {message}")]
    Slurm {
        /// The command that was run.
        command: String,
        /// What went wrong.
        message: String,
    },
    /// A figure name that has no experiment file.
    #[error("unknown figure `{0}` (expected fig1..fig7 or all)")]
    UnknownFigure(String),
    /// A result file that already exists: runs never overwrite earlier results.
    #[error("{0} already exists; results are never overwritten")]
    WouldOverwrite(PathBuf),
    /// The corpus could not be loaded.
    #[error(transparent)]
    Corpus(#[from] nh_corpus::Error),
    /// Training stopped on request (SIGTERM, Ctrl-C): nothing failed, and the units in training
    /// left checkpoints to continue from.
    #[error(
        "stopped on request: {detail}; continue with `nh reproduce --resume {}`",
        run_dir.display()
    )]
    Stopped {
        /// The run directory.
        run_dir: PathBuf,
        /// What was stopped where.
        detail: String,
    },
    /// A learner failed.
    #[error("{panel} (seed {seed}): {source}")]
    Agent {
        /// The panel id.
        panel: String,
        /// The seed.
        seed: u64,
        /// The learner's error.
        source: nh_agents::Error,
    },
    /// The requested device is not available (e.g. `--device cuda` without a GPU).
    #[error("choosing the device: {0}")]
    Device(#[source] nh_agents::Error),
    /// libtorch refused the thread count a run asked for.
    #[error("setting libtorch to {threads} threads: {source}")]
    Threads {
        /// Threads asked for.
        threads: usize,
        /// libtorch's error.
        source: nh_agents::Error,
    },
    /// Drawing a figure failed.
    #[error("drawing {path}: {message}")]
    Plot {
        /// The figure file.
        path: PathBuf,
        /// The plotting backend's message.
        message: String,
    },
    /// A model file could not be written or read back (nh-hash, which defines the format).
    #[error(transparent)]
    Model(#[from] nh_hash::Error),
    /// A shard of a sharded training found no perfect hash of its words in any attempt.
    #[error(
        "shard {shard} ({words} words): no perfect hash after {attempts} attempts ({collisions} \
         collisions left in the last, counted by nh-hash); raise --iterations, widen `[model] \
         hidden` or lower --shard-words"
    )]
    ShardFailed {
        /// The shard's index.
        shard: usize,
        /// Its words.
        words: usize,
        /// Attempts made.
        attempts: usize,
        /// Collisions of the last attempt.
        collisions: usize,
    },
    /// A sharded training stopped on request after its shards in flight were done.
    #[error(
        "stopped on request with {done} of {total} shards done; continue with `nh train --resume {}`",
        out.display()
    )]
    ShardsStopped {
        /// The training folder.
        out: PathBuf,
        /// Shards done.
        done: usize,
        /// Shards in all.
        total: usize,
    },
    /// Serializing a result failed.
    #[error("writing {path}: {message}")]
    Serialize {
        /// The file.
        path: PathBuf,
        /// What failed.
        message: String,
    },
}

/// `line N: ` for a known line, nothing otherwise.
pub(crate) fn at_line(line: Option<usize>) -> String {
    line.map(|n| format!("line {n}: ")).unwrap_or_default()
}

/// nh-exp's result type.
pub type Result<T> = std::result::Result<T, Error>;
