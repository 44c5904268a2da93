//! The finish step: a figure's aggregates, PNG, summaries and metadata, built from its units'
//! records and curves alone (whether the units trained in one local run, across resumes, or as
//! Slurm array tasks).

use std::collections::BTreeMap;
use std::fmt;
use std::path::{Path, PathBuf};

use crate::config::Experiment;
use crate::metadata::{RunMetadata, SeedSeconds, read_json, unix_seconds, utc_stamps};
use crate::plan::{Plan, Unit};
use crate::records::read_curves;
use crate::report::{FinishedUnit, write_figure_outputs};
use crate::rundir::{RunDir, partial_name};
use crate::summary::FigureSummary;
use crate::task::CurveName;
use crate::unit::{UnitPaths, is_done, read_failure, read_record};
use crate::{Error, Result};

/// The file written last by the finish step: a run that has it is complete.
pub const METADATA_FILE: &str = "metadata.json";

/// One finished figure run.
#[derive(Debug, Clone)]
pub struct FigureRun {
    /// Figure id.
    pub figure: String,
    /// Its run directory.
    pub dir: PathBuf,
    /// Its `summary.json`.
    pub summary: FigureSummary,
}

/// A unit the finish step cannot use: it never finished, or it failed.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct MissingUnit {
    /// Its index in the plan.
    pub index: usize,
    /// `<panel>__seed<s>`.
    pub name: String,
    /// The failure message, when the unit recorded one.
    pub failure: Option<String>,
}

impl fmt::Display for MissingUnit {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match &self.failure {
            Some(message) => write!(f, "unit {} ({}): failed: {message}", self.index, self.name),
            None => write!(
                f,
                "unit {} ({}): not done (never ran, still running, or interrupted)",
                self.index, self.name
            ),
        }
    }
}

/// The units of `plan` that have no record, with their failures.
pub fn missing_units(run_dir: &Path, plan: &Plan) -> Vec<MissingUnit> {
    plan.units
        .iter()
        .filter(|unit| !is_done(run_dir, unit))
        .map(|unit| MissingUnit {
            index: unit.index,
            name: unit.name(),
            failure: read_failure(run_dir, unit).map(|f| f.message),
        })
        .collect()
}

/// Whether the run in `run_dir` is finished (its metadata, written last, exists).
pub fn is_finished(run_dir: &Path) -> bool {
    run_dir.join(METADATA_FILE).is_file()
}

/// Builds the figure of the run in `run_dir` from its unit records; a finished run is returned as
/// it is.
///
/// # Errors
/// [`Error::Incomplete`] listing every unit that is not done (nothing is drawn), a malformed
/// record or curves file (naming it), or a write failure.
pub fn finish(run_dir: &Path) -> Result<FigureRun> {
    let dir = RunDir::open(run_dir)?;
    let plan = Plan::read(run_dir)?;
    if is_finished(run_dir) {
        let summary = read_json(&run_dir.join("summary.json"))?;
        return Ok(FigureRun {
            figure: plan.figure,
            dir: run_dir.to_path_buf(),
            summary,
        });
    }
    let exp = Experiment::from_path(&run_dir.join("config.toml"))?;
    let missing = missing_units(run_dir, &plan);
    if !missing.is_empty() {
        return Err(Error::Incomplete {
            run_dir: run_dir.to_path_buf(),
            total: plan.units.len(),
            missing,
        });
    }
    clear_unfinished_outputs(run_dir, &exp.figure)?;
    let mut by_panel: BTreeMap<String, Vec<FinishedUnit>> = BTreeMap::new();
    for unit in &plan.units {
        by_panel
            .entry(unit.panel.clone())
            .or_default()
            .push(read_unit(run_dir, &exp, unit)?);
    }
    let mut devices: Vec<String> = by_panel
        .values()
        .flatten()
        .map(|u| u.record.device.clone())
        .collect();
    devices.sort();
    devices.dedup();
    let metadata = RunMetadata {
        figure: plan.figure.clone(),
        profile: plan.profile.clone(),
        profile_about: plan.profile_about.clone(),
        run_id: plan.run_id.clone(),
        started_at: plan.created_at.clone(),
        finished_at: Some(utc_stamps().1),
        wall_seconds: unix_seconds() - plan.created_unix_seconds,
        commit: plan.commit.clone(),
        command: plan.command.clone(),
        seeds: plan.seeds.clone(),
        parallel_tasks: plan.parallel,
        device: devices.join(", "),
        libtorch: Some(nh_agents::libtorch_info()),
        corpus: plan.corpus.clone(),
        wall_seconds_per_task: by_panel
            .iter()
            .map(|(panel, units)| {
                let seconds = units
                    .iter()
                    .map(|u| SeedSeconds {
                        seed: u.record.seed,
                        seconds: u.record.wall_seconds,
                    })
                    .collect();
                (panel.clone(), seconds)
            })
            .collect(),
    };
    let summary = write_figure_outputs(&exp, &dir, &by_panel, &metadata)?;
    Ok(FigureRun {
        figure: plan.figure,
        dir: run_dir.to_path_buf(),
        summary,
    })
}

fn read_unit(run_dir: &Path, exp: &Experiment, unit: &Unit) -> Result<FinishedUnit> {
    let record = read_record(run_dir, unit)?;
    let algo = exp
        .panel
        .iter()
        .find(|p| p.id == unit.panel)
        .map(|p| p.algo)
        .ok_or_else(|| Error::Record {
            path: run_dir.join("config.toml"),
            message: format!("no panel `{}` (the plan's unit {})", unit.panel, unit.index),
        })?;
    let curves = read_curves(&UnitPaths::of(run_dir, unit).curves, CurveName::of(algo))?;
    Ok(FinishedUnit { record, curves })
}

/// Removes what an interrupted finish step may have written (it writes `metadata.json` last, so
/// these are derived files of a run that is not finished) so that it can run again.
fn clear_unfinished_outputs(run_dir: &Path, figure: &str) -> Result<()> {
    let aggregate = run_dir.join("aggregate");
    if aggregate.is_dir() {
        std::fs::remove_dir_all(&aggregate).map_err(|source| Error::Io {
            path: aggregate,
            source,
        })?;
    }
    let png = format!("{figure}.png");
    for name in ["summary.json", "summary.md", png.as_str(), METADATA_FILE] {
        let path = run_dir.join(name);
        for file in [partial_name(&path), path.clone()] {
            match std::fs::remove_file(&file) {
                Err(e) if e.kind() != std::io::ErrorKind::NotFound => {
                    return Err(Error::Io {
                        path: file,
                        source: e,
                    });
                }
                _ => {}
            }
        }
    }
    // The figure is drawn through a temporary file of its own.
    let _ = std::fs::remove_file(run_dir.join(format!(".{png}.partial.png")));
    Ok(())
}
