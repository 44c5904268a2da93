//! Training one unit (panel x seed) of a planned run into durable files, and reading them back.
//!
//! A unit writes its curves CSV, its per-iteration timings, its model (fixed word sets) and last its
//! record `units/<unit>.json`: the record is the unit's "done" mark. Files of a unit without a
//! record are leftovers of an interrupted attempt; they are removed and the unit trains again, never
//! trusted. A unit that fails writes `units/<unit>.error.json` instead.
//!
//! While it trains, a unit checkpoints into `checkpoints/<unit>/` (see [`UnitCheckpoints`]); the next
//! attempt continues from there to the same result, and the folder is removed once the record is
//! written.

use std::path::{Path, PathBuf};
use std::sync::Arc;
use std::sync::atomic::{AtomicBool, Ordering};

use nh_corpus::Corpus;
use serde::{Deserialize, Serialize};

use crate::batch_results::BatchResults;
use crate::config::{Algo, Experiment, Schedule};
use crate::metadata::{json_bytes, read_json, utc_stamps};
use crate::plan::{Plan, Unit};
use crate::records::split_column;
use crate::reference::Reference;
use crate::rundir::{Existing, write_file};
use crate::task::GeneralizationResult;
use crate::train::{TaskContext, run_task, save_model};
use crate::{Error, Result};

/// A finished unit: what the finish step and `nh replot` need besides its curves CSV.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct UnitRecord {
    /// Position in the plan.
    pub index: usize,
    /// Panel id.
    pub panel: String,
    /// Seed.
    pub seed: u64,
    /// Iterations (epochs) the learner ran.
    pub completed_iterations: usize,
    /// Wall seconds of the training.
    pub wall_seconds: f64,
    /// The device it trained on (`cpu`, `cuda:0`).
    pub device: String,
    /// The machine it trained on.
    pub host: String,
    /// When it finished (RFC 3339, UTC).
    pub finished_at: String,
    /// Python's hash on the unit's word sets (RL panels).
    pub reference: Option<Reference>,
    /// The trained hash on unseen words, when the panel asks.
    pub generalization: Option<GeneralizationResult>,
    /// Iterations to a zero-collision argmax hash of the training words (for a `batches` panel:
    /// of every batch), if reached.
    pub iterations_to_perfect: Option<usize>,
    /// The saved hash's collisions on its training words (fixed word-only panels), counted by
    /// nh-hash, the definition of the hash (absent in records written before it existed).
    #[serde(default)]
    pub model_check: Option<nh_hash::Perfection>,
    /// Per-batch results of a `batches` panel (absent in records written before it existed).
    #[serde(default)]
    pub batches: Option<BatchResults>,
    /// The curves file, relative to the run directory.
    pub curves: PathBuf,
    /// The saved model folder, relative to the run directory (fixed word sets only).
    pub model: Option<PathBuf>,
}

/// A unit that failed: the finish step lists it with its message.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct UnitFailure {
    /// Position in the plan.
    pub index: usize,
    /// The error.
    pub message: String,
    /// The exit status `nh` ended with.
    pub exit_status: i32,
    /// When it failed (RFC 3339, UTC).
    pub failed_at: String,
    /// The machine.
    pub host: String,
}

/// Where a unit's files live inside a run directory.
pub struct UnitPaths {
    /// `units/<unit>.json`, the done mark.
    pub record: PathBuf,
    /// `units/<unit>.error.json`.
    pub failure: PathBuf,
    /// `curves/<unit>.csv`.
    pub curves: PathBuf,
    /// `timings/<unit>.csv`.
    pub timings: PathBuf,
    /// `models/<unit>/`.
    pub model: PathBuf,
    /// `checkpoints/<unit>/`: the training checkpoint of an unfinished attempt.
    pub checkpoint: PathBuf,
}

impl UnitPaths {
    /// The paths of `unit` in `run_dir`.
    pub fn of(run_dir: &Path, unit: &Unit) -> UnitPaths {
        let name = unit.name();
        UnitPaths {
            record: run_dir.join("units").join(format!("{name}.json")),
            failure: run_dir.join("units").join(format!("{name}.error.json")),
            curves: run_dir.join("curves").join(format!("{name}.csv")),
            timings: run_dir.join("timings").join(format!("{name}.csv")),
            model: run_dir.join("models").join(&name),
            checkpoint: run_dir.join(CHECKPOINTS_FOLDER).join(&name),
        }
    }
}

/// The folders every run directory has for its units.
pub const UNIT_FOLDERS: [&str; 4] = ["units", "curves", "timings", "models"];

/// The folder of the units' training checkpoints (created by the first checkpoint).
pub const CHECKPOINTS_FOLDER: &str = "checkpoints";

/// How units checkpoint while they train, and the flag that stops them.
///
/// Checkpoints never change results: a unit continued from one ends with the same curves and
/// model, bit for bit on the same CPU type, as one trained in a single go.
#[derive(Debug, Clone)]
pub struct UnitCheckpoints {
    /// How often a training unit writes its checkpoint.
    pub every: nh_agents::CheckpointEvery,
    /// Set (by SIGTERM or Ctrl-C) to stop: training units checkpoint after their current
    /// iteration, and no further unit starts.
    pub stop: Arc<AtomicBool>,
}

impl UnitCheckpoints {
    /// Every ten minutes: a long unit loses at most that much to a crash or a time limit, and a
    /// short one writes only the checkpoint that ends its training.
    pub const DEFAULT_EVERY: nh_agents::CheckpointEvery =
        nh_agents::CheckpointEvery::Seconds(600.0);

    /// Checkpoints `every`, with a stop flag nothing has set yet.
    pub fn new(every: nh_agents::CheckpointEvery) -> UnitCheckpoints {
        UnitCheckpoints {
            every,
            stop: Arc::new(AtomicBool::new(false)),
        }
    }

    /// Whether a stop was requested.
    pub fn stop_requested(&self) -> bool {
        self.stop.load(Ordering::SeqCst)
    }
}

/// Whether the unit's record exists (it is written last).
pub fn is_done(run_dir: &Path, unit: &Unit) -> bool {
    UnitPaths::of(run_dir, unit).record.is_file()
}

/// Reads a finished unit's record and checks that it belongs to `unit`.
///
/// # Errors
/// A missing, malformed or mismatched record, naming the file.
pub fn read_record(run_dir: &Path, unit: &Unit) -> Result<UnitRecord> {
    let path = UnitPaths::of(run_dir, unit).record;
    let record: UnitRecord = read_json(&path)?;
    if (record.index, record.panel.as_str(), record.seed) != (unit.index, &unit.panel, unit.seed) {
        return Err(Error::Record {
            path,
            message: format!(
                "records unit {} ({} seed {}), but the plan's unit {} is {} seed {}",
                record.index, record.panel, record.seed, unit.index, unit.panel, unit.seed
            ),
        });
    }
    Ok(record)
}

/// Reads a unit's failure record, if it has one.
pub fn read_failure(run_dir: &Path, unit: &Unit) -> Option<UnitFailure> {
    read_json(&UnitPaths::of(run_dir, unit).failure).ok()
}

/// What every unit of a run shares while it trains.
pub struct UnitContext<'a> {
    /// The run directory.
    pub run_dir: &'a Path,
    /// The resolved experiment.
    pub exp: &'a Experiment,
    /// The plan.
    pub plan: &'a Plan,
    /// The recorded corpus, loaded.
    pub corpus: &'a Corpus,
    /// The device, resolved on this machine.
    pub device: nh_agents::Device,
    /// Checkpointing, and the stop flag.
    pub checkpoints: &'a UnitCheckpoints,
}

/// Trains `unit` (continuing from its checkpoint when an earlier attempt left one) and writes its
/// files, record last. Leftovers of an earlier, interrupted attempt are removed first; a failure
/// writes the unit's error record and returns the error.
///
/// # Errors
/// The unit is already done ([`Error::WouldOverwrite`] on its record), a stop was requested
/// ([`Error::Stopped`], no error record: the unit continues from its checkpoint next time), the
/// learner failed, or a file could not be written.
pub fn run_unit(
    ctx: &UnitContext<'_>,
    unit: &Unit,
    on_iteration: &mut dyn FnMut(usize),
) -> Result<UnitRecord> {
    let paths = UnitPaths::of(ctx.run_dir, unit);
    if paths.record.exists() {
        return Err(Error::WouldOverwrite(paths.record));
    }
    let result = clear_leftovers(&paths)
        .and_then(|()| train_unit(ctx, unit, &paths, on_iteration))
        .map_err(|error| match error {
            Error::Agent {
                source: nh_agents::Error::Stopped { iterations, .. },
                ..
            } => Error::Stopped {
                run_dir: ctx.run_dir.to_path_buf(),
                detail: format!(
                    "unit {} ({}) checkpointed after {iterations} iterations",
                    unit.index,
                    unit.name()
                ),
            },
            other => other,
        });
    if let Err(error) = &result
        && !matches!(error, Error::Stopped { .. })
    {
        let failure = UnitFailure {
            index: unit.index,
            message: error.to_string(),
            exit_status: 1,
            failed_at: utc_stamps().1,
            host: host_name(),
        };
        // Best effort: the error itself is what the caller reports.
        let _ = write_file(&paths.failure, &json_bytes(&failure), Existing::Replace);
    }
    result
}

fn train_unit(
    ctx: &UnitContext<'_>,
    unit: &Unit,
    paths: &UnitPaths,
    on_iteration: &mut dyn FnMut(usize),
) -> Result<UnitRecord> {
    let panel = ctx
        .exp
        .panel
        .iter()
        .find(|p| p.id == unit.panel)
        .ok_or_else(|| Error::Record {
            path: ctx.run_dir.join(crate::plan::PLAN_FILE),
            message: format!(
                "unit {} names panel `{}`, which config.toml lacks",
                unit.index, unit.panel
            ),
        })?;
    let mut checkpoint = nh_agents::Checkpointing {
        dir: paths.checkpoint.clone(),
        every: Some(ctx.checkpoints.every),
        stop: Arc::clone(&ctx.checkpoints.stop),
        resume: false,
        corpus_sha256: ctx.plan.corpus.sha256.clone(),
        commit: ctx.plan.commit.clone(),
    };
    checkpoint.resume = checkpoint.has_checkpoint();
    let task_ctx = TaskContext {
        corpus: ctx.corpus,
        device: ctx.device,
        time_limit: None,
        checkpoint: Some(checkpoint),
    };
    let (out, model) = run_task(&task_ctx, panel, unit.seed, on_iteration)?;
    let relative = |path: &Path| {
        path.strip_prefix(ctx.run_dir)
            .map_or_else(|_| path.to_path_buf(), Path::to_path_buf)
    };
    let model_dir = (panel.schedule != Schedule::Sample && panel.algo != Algo::Supervised)
        .then(|| {
            // The memorized hashes of fixed word sets are worth keeping (`nh eval --model`).
            save_model(
                ctx.corpus,
                &ctx.plan.commit,
                &paths.model,
                &model,
                out.train_words.as_deref(),
            )
            .map(|()| relative(&paths.model))
        })
        .transpose()?;
    let (curves, timings) =
        split_column(&out.metrics_csv, "seconds").map_err(|message| Error::Serialize {
            path: paths.curves.clone(),
            message,
        })?;
    write_file(&paths.curves, &curves, Existing::Refuse)?;
    write_file(&paths.timings, &timings, Existing::Refuse)?;
    let record = UnitRecord {
        index: unit.index,
        panel: unit.panel.clone(),
        seed: unit.seed,
        completed_iterations: out.completed_iterations,
        wall_seconds: out.wall_seconds,
        device: nh_agents::device_name(ctx.device),
        host: host_name(),
        finished_at: utc_stamps().1,
        reference: out.reference,
        generalization: out.generalization,
        iterations_to_perfect: out.iterations_to_perfect,
        model_check: out.model_check,
        batches: out.batches,
        curves: relative(&paths.curves),
        model: model_dir,
    };
    // A failure of an earlier attempt no longer applies.
    let _ = std::fs::remove_file(&paths.failure);
    write_file(&paths.record, &json_bytes(&record), Existing::Refuse)?;
    // The unit is done: its checkpoint is no longer needed (and may be large). Leaving it behind
    // changes nothing, so a failure to remove it is only reported.
    if let Err(error) = std::fs::remove_dir_all(&paths.checkpoint)
        && error.kind() != std::io::ErrorKind::NotFound
    {
        tracing::warn!(path = %paths.checkpoint.display(), %error, "cannot remove a done unit's checkpoint");
    }
    // The last unit's checkpoint gone, the folder goes too (it fails while others remain).
    if let Some(folder) = paths.checkpoint.parent() {
        let _ = std::fs::remove_dir(folder);
    }
    Ok(record)
}

/// Removes what an interrupted attempt of a unit may have left (its curves, timings, model, and
/// the hidden temporary files and folders of half-finished writes, `.<file>.*`), so that the unit
/// trains from nothing.
fn clear_leftovers(paths: &UnitPaths) -> Result<()> {
    for path in [&paths.curves, &paths.timings, &paths.model, &paths.record] {
        let (Some(folder), Some(name)) = (path.parent(), path.file_name()) else {
            continue;
        };
        let hidden = format!(".{}.", name.to_string_lossy());
        let entries = std::fs::read_dir(folder).map_err(|source| Error::Io {
            path: folder.to_path_buf(),
            source,
        })?;
        for entry in entries.flatten() {
            let entry_name = entry.file_name().to_string_lossy().into_owned();
            let is_own_file = path != &paths.record && entry_name == name.to_string_lossy();
            if is_own_file || entry_name.starts_with(&hidden) {
                remove_path(&entry.path())?;
            }
        }
    }
    Ok(())
}

fn remove_path(path: &Path) -> Result<()> {
    let removed = if path.is_dir() {
        std::fs::remove_dir_all(path)
    } else {
        std::fs::remove_file(path)
    };
    removed.map_err(|source| Error::Io {
        path: path.to_path_buf(),
        source,
    })
}

/// This machine's name (`unknown` when it cannot be read).
fn host_name() -> String {
    std::fs::read_to_string("/proc/sys/kernel/hostname")
        .or_else(|_| std::fs::read_to_string("/etc/hostname"))
        .map_or_else(|_| "unknown".to_owned(), |h| h.trim().to_owned())
}
