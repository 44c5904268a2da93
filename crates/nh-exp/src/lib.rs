//! nh-exp: the paper's experiments as data, run over seed grids, recorded as run directories.
//!
//! Each figure of the paper is a TOML file in `experiments/` ([`Experiment`]): panels (a learner on a
//! problem), seeds, and budget profiles (`smoke` for CI, `paper` for the long runs the paper's curves
//! need). [`reproduce`] plans a run in `results/<figure>/<run-id>/` (the resolved config and
//! `plan.json`: every unit, i.e. panel x seed), trains the units in parallel with rayon, each writing
//! its curves and then its record, and finishes the run from those records: aggregate CSVs (mean and
//! 95% CI), the PNG figure, `summary.json`, `summary.md` and `metadata.json` (commit, seeds, device,
//! libtorch, corpus). [`resume`] continues an interrupted run; [`run_single_unit`] and [`finish`]
//! are what Slurm array tasks and the finish job run, and [`submit`] submits them. [`replot`] draws
//! a finished run's figure again from its files. Speed measurements (`nh bench`) are nh-bench's
//! job, not this crate's.
//!
//! ```
//! use std::path::Path;
//! use nh_exp::Experiment;
//!
//! let text = r#"
//! figure = "demo"
//! title = "policy gradient, 10 words into 10 bins"
//! paper_claim = "none"
//! seeds = 2
//! [[panel]]
//! id = "pg"
//! label = "PG"
//! origin = "paper"
//! algo = "pg"
//! words = 10
//! bins = 10
//! schedule = "sample"
//! iterations = 5
//! "#;
//! let exp = Experiment::from_toml(text, Path::new("demo.toml")).unwrap();
//! assert_eq!(exp.panel[0].bins, 10);
//! ```
//!
//! Design choices:
//! - Every number lives in the experiment file; unknown keys are errors naming the key and line.
//! - Results are never overwritten: run ids are claimed with `create_dir`, files are written to a
//!   temporary name and hard-linked into place.
//! - A unit's outputs depend only on the config, the plan and its seed; its record is written last
//!   and is the only sign that it is done, so local, resumed and Slurm runs give the same files.
//! - libtorch threads are split between concurrent tasks so rayon and libtorch do not oversubscribe
//!   the cores; learners are seed-local, so parallel runs equal sequential ones.
//! - Every RL panel records Python's hash on its own word sets: the paper's reference line.

mod batch_results;
mod config;
mod error;
mod finish;
mod generalization_plot;
mod memory;
mod metadata;
mod names;
mod params;
mod plan;
mod plot;
mod records;
mod reference;
mod replot;
mod report;
mod requeue;
mod rundir;
mod runner;
mod sharded;
mod slurm;
mod spans;
mod summary;
mod task;
mod train;
mod unit;
mod windows;

pub use config::{
    Algo, Experiment, Generalization, Origin, Panel, Profile, Schedule, experiment_path,
};
pub use error::{Error, Result};
pub use finish::{FigureRun, METADATA_FILE, MissingUnit, finish, is_finished, missing_units};
pub use generalization_plot::draw_generalization;
pub use metadata::{RunMetadata, SeedSeconds, git_commit, utc_stamps};
pub use names::{MAX_NAME_LEN, name_problem};
pub use params::{check_memory, read_params_file};
pub use plan::{CorpusRecord, PLAN_FILE, Plan, Unit};
pub use reference::{Reference, python_reference};
pub use replot::replot;
pub use requeue::{Requeue, STOPPED_WITH_CHECKPOINT};
pub use rundir::{Existing, RunDir, write_file};
pub use runner::{
    FIGURES, Progress, ReproduceOptions, figure_list, load_experiments, reproduce,
    reproduce_on_slurm, resume, run_single_unit,
};
pub use sharded::{
    DEFAULT_MAX_ATTEMPTS, SHARDS_FOLDER, ShardDone, ShardSettings, ShardedOutcome, ShardedRun,
    check_sharded, shard_sizes, train_sharded,
};
pub use slurm::{SlurmOptions, Submission, TEMPLATE_PLACEHOLDERS, check_slurm_options, submit};
pub use summary::{FigureSummary, PanelSummary};
pub use task::{CurveName, Curves, GeneralizationResult, TaskOutput};
pub use train::{
    GeneralizationSamples, Placer, TRAIN_WORDS_FILE, TaskContext, generalization_samples,
    generalize, run_task, save_model, save_model_into,
};
pub use unit::{CHECKPOINTS_FOLDER, UnitCheckpoints, UnitFailure, UnitRecord};
pub use windows::BootstrapIntervals;
