//! A figure run's plan (`plan.json`): every unit (panel x seed) with its budget, and what every unit
//! shares (corpus, device, libtorch threads), fixed before the first unit trains.
//!
//! The plan is what makes a run resumable and spreadable: a unit's outputs depend only on the
//! resolved config (`config.toml`), the plan and the unit's seed, so a unit trained alone, later, or
//! on another node of a cluster gives the same files as in one uninterrupted local run.

use std::path::{Path, PathBuf};

use nh_agents::DeviceChoice;
use nh_corpus::{Corpus, Origin as CorpusOrigin};
use serde::{Deserialize, Serialize};

use crate::config::Experiment;
use crate::{Error, Result};

/// The plan's file name inside a run directory.
pub const PLAN_FILE: &str = "plan.json";

/// Everything fixed when a figure run is planned.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Plan {
    /// Figure id.
    pub figure: String,
    /// Budget profile.
    pub profile: String,
    /// What the profile means (from the experiment file).
    pub profile_about: String,
    /// The run id (the run directory's name).
    pub run_id: String,
    /// When the run was planned (RFC 3339, UTC).
    pub created_at: String,
    /// The same moment in seconds since the Unix epoch.
    pub created_unix_seconds: f64,
    /// The git commit of the code that planned it.
    pub commit: String,
    /// The command line that planned it.
    pub command: Vec<String>,
    /// Seeds of every panel.
    pub seeds: Vec<u64>,
    /// Where units train (resolved on the machine that trains them).
    pub device: DeviceChoice,
    /// libtorch intra-op threads of every unit (a different count may round differently).
    pub libtorch_threads: usize,
    /// Units trained at once by a local run.
    pub parallel: usize,
    /// The word list.
    pub corpus: CorpusRecord,
    /// The units, in order; a unit's index is its Slurm array task id.
    pub units: Vec<Unit>,
}

/// One panel trained with one seed.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Unit {
    /// Position in [`Plan::units`].
    pub index: usize,
    /// Panel id.
    pub panel: String,
    /// Seed.
    pub seed: u64,
    /// Iterations (epochs) budgeted.
    pub iterations: usize,
}

impl Unit {
    /// The unit's file stem: `<panel>__seed<seed>` (curves, model, record).
    pub fn name(&self) -> String {
        format!("{}__seed{}", self.panel, self.seed)
    }
}

/// The corpus a run trains on, as recorded in its plan and metadata.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct CorpusRecord {
    /// Human-readable provenance.
    pub summary: String,
    /// SHA-256 of the word list.
    pub sha256: String,
    /// Distinct words.
    pub words: usize,
    /// Whether it is the paper's word list.
    pub is_paper_corpus: bool,
    /// The file it was read from (absolute); `None` for the embedded list (and in records written
    /// before plans existed).
    #[serde(default)]
    pub path: Option<PathBuf>,
}

impl CorpusRecord {
    /// The record of a loaded corpus.
    pub fn of(corpus: &Corpus) -> CorpusRecord {
        let p = corpus.provenance();
        CorpusRecord {
            summary: p.to_string(),
            sha256: p.sha256.clone(),
            words: corpus.len(),
            is_paper_corpus: corpus.is_paper_corpus(),
            path: match &p.origin {
                CorpusOrigin::File(path) => Some(std::path::absolute(path).unwrap_or(path.clone())),
                _ => None,
            },
        }
    }

    /// Loads the recorded corpus again and checks that it is the same word list.
    ///
    /// # Errors
    /// The file is gone or unreadable, or its SHA-256 differs from the record.
    pub fn load(&self, plan_path: &Path) -> Result<Corpus> {
        // Not `Corpus::load`: NH_CORPUS on the resuming machine must not replace the recorded list.
        let corpus = match &self.path {
            Some(path) => Corpus::from_path(path)?,
            None => Corpus::embedded(),
        };
        let sha = &corpus.provenance().sha256;
        if *sha != self.sha256 {
            return Err(Error::Record {
                path: plan_path.to_path_buf(),
                message: format!(
                    "the run was planned on a corpus with SHA-256 {}, but {} now has {sha}; \
                     restore that word list (or start a new run)",
                    self.sha256,
                    self.path
                        .as_deref()
                        .map_or("the embedded list".to_owned(), |p| p.display().to_string())
                ),
            });
        }
        Ok(corpus)
    }
}

impl Plan {
    /// The units of `exp` (panels in file order, seeds 0..seeds) and what they share.
    pub fn new(exp: &Experiment, header: PlanHeader, corpus: &Corpus) -> Plan {
        let seeds: Vec<u64> = (0..exp.seeds as u64).collect();
        let units = exp
            .panel
            .iter()
            .flat_map(|panel| {
                seeds
                    .iter()
                    .map(move |&seed| (panel.id.clone(), seed, panel.iterations))
            })
            .enumerate()
            .map(|(index, (panel, seed, iterations))| Unit {
                index,
                panel,
                seed,
                iterations,
            })
            .collect();
        Plan {
            figure: exp.figure.clone(),
            profile: header.profile,
            profile_about: header.profile_about,
            run_id: header.run_id,
            created_at: header.created_at,
            created_unix_seconds: crate::metadata::unix_seconds(),
            commit: header.commit,
            command: std::env::args().collect(),
            seeds,
            device: header.device,
            libtorch_threads: header.libtorch_threads,
            parallel: header.parallel,
            corpus: CorpusRecord::of(corpus),
            units,
        }
    }

    /// Reads `plan.json` of the run in `run_dir`.
    ///
    /// # Errors
    /// A missing or malformed plan, naming the file; a figure or unit panel that is not a plain
    /// name (they become file names, so an edited plan must not lead outside the run).
    pub fn read(run_dir: &Path) -> Result<Plan> {
        let path = run_dir.join(PLAN_FILE);
        let plan: Plan = crate::metadata::read_json(&path)?;
        let names = std::iter::once(("figure", &plan.figure))
            .chain(plan.units.iter().map(|u| ("unit panel", &u.panel)));
        for (key, value) in names {
            if let Some(reason) = crate::name_problem(value) {
                return Err(Error::Name {
                    path,
                    line: None,
                    key: key.to_owned(),
                    value: crate::names::quoted(value),
                    reason,
                });
            }
        }
        Ok(plan)
    }

    /// The unit with this index, or an error naming the valid range.
    ///
    /// # Errors
    /// [`Error::Option`] (`--unit`) when `index` is out of range.
    pub fn unit(&self, index: usize) -> Result<&Unit> {
        self.units.get(index).ok_or_else(|| Error::Option {
            option: "--unit",
            message: format!(
                "run {} has units 0..={}; {index} is not one of them",
                self.run_id,
                self.units.len().saturating_sub(1)
            ),
        })
    }
}

/// What a plan records besides the experiment's units.
#[derive(Debug, Clone)]
pub struct PlanHeader {
    /// Budget profile.
    pub profile: String,
    /// What the profile means.
    pub profile_about: String,
    /// The run id.
    pub run_id: String,
    /// When the run was planned.
    pub created_at: String,
    /// The code's commit.
    pub commit: String,
    /// Where units train.
    pub device: DeviceChoice,
    /// libtorch threads per unit.
    pub libtorch_threads: usize,
    /// Units at once in a local run.
    pub parallel: usize,
}

#[cfg(test)]
mod tests {
    use std::path::Path;

    use super::*;

    #[test]
    fn a_plan_whose_names_would_leave_the_run_is_refused() {
        let text = "figure = \"f\"\ntitle = \"t\"\npaper_claim = \"c\"\nseeds = 1\n[[panel]]\n\
                    id = \"a\"\nlabel = \"A\"\norigin = \"ours\"\nalgo = \"pg\"\nwords = 2\n\
                    bins = 2\nschedule = \"sample\"\niterations = 1\n";
        let exp = Experiment::from_toml(text, Path::new("f.toml")).unwrap();
        let header = PlanHeader {
            profile: "default".into(),
            profile_about: "a".into(),
            run_id: "f__default__t".into(),
            created_at: "t".into(),
            commit: "c".into(),
            device: DeviceChoice::Cpu,
            libtorch_threads: 1,
            parallel: 1,
        };
        let corpus = Corpus::from_text("w", b"cat\ndog\n").unwrap();
        let dir = tempfile::tempdir().unwrap();
        let plan = Plan::new(&exp, header, &corpus);
        let write = |plan: &Plan| {
            std::fs::write(
                dir.path().join(PLAN_FILE),
                crate::metadata::json_bytes(plan),
            )
            .unwrap();
        };
        write(&plan);
        assert_eq!(Plan::read(dir.path()).unwrap(), plan);
        for (figure, panel) in [("../../x", "a"), ("f", "../../x"), ("f", "/abs")] {
            let mut bad = plan.clone();
            bad.figure = figure.into();
            bad.units[0].panel = panel.into();
            write(&bad);
            let err = Plan::read(dir.path()).unwrap_err();
            assert!(matches!(err, Error::Name { .. }), "{err}");
            assert!(err.to_string().contains(PLAN_FILE), "{err}");
        }
    }
}
