//! `nh reproduce`: plans a figure run, trains its units not yet done (in parallel), then finishes
//! it; `--resume` continues a planned run; `--unit` trains one unit (a Slurm array task).

use std::path::{Path, PathBuf};

use nh_agents::DeviceChoice;
use nh_corpus::Corpus;
use rayon::prelude::*;

use crate::config::{Experiment, experiment_path};
use crate::finish::{FigureRun, finish};
use crate::metadata::{git_commit, json_bytes, utc_stamps};
use crate::plan::{PLAN_FILE, Plan, PlanHeader, Unit};
use crate::rundir::RunDir;
use crate::slurm::{SlurmOptions, Submission, check_slurm_options, submit};
use crate::unit::{UNIT_FOLDERS, UnitCheckpoints, UnitContext, is_done, run_unit};
use crate::{Error, Result};

/// The figures `all` stands for, in order.
pub const FIGURES: [&str; 7] = ["fig1", "fig2", "fig3", "fig4", "fig5", "fig6", "fig7"];

/// What `nh reproduce` was asked to do.
#[derive(Debug, Clone)]
pub struct ReproduceOptions {
    /// Folder with `figN.toml` files.
    pub experiments_dir: PathBuf,
    /// Root of the results tree (`results/`).
    pub results_dir: PathBuf,
    /// Budget profile: `default`, `smoke`, `paper`, or any the file defines.
    pub profile: String,
    /// Seeds per panel, overriding the file.
    pub seeds: Option<usize>,
    /// Where the networks train.
    pub device: DeviceChoice,
    /// Corpus file; `None` = `NH_CORPUS`, else the embedded default.
    pub corpus: Option<PathBuf>,
    /// (panel, seed) units run at once; `None` = the number of CPU cores.
    pub parallel: Option<usize>,
}

/// Receives progress while figures run (the CLI draws bars; scripts log or ignore it).
pub trait Progress: Sync {
    /// A figure run's directory exists and holds its plan (printed on Ctrl-C: the run to resume).
    fn figure_planned(&self, figure: &str, dir: &Path);
    /// A figure starts training: its pending units as (panel id, seed, iterations).
    fn figure_started(&self, figure: &str, about: &str, tasks: &[(String, u64, usize)]);
    /// A unit finished an iteration (1-based count of iterations done).
    fn iteration(&self, figure: &str, panel: &str, seed: u64, done: usize);
    /// A unit ended.
    fn task_finished(&self, figure: &str, panel: &str, seed: u64, seconds: f64);
    /// A figure's outputs are written.
    fn figure_finished(&self, figure: &str, dir: &Path);
}

/// Expands `all` and checks figure names.
pub fn figure_list(name: &str) -> Result<Vec<String>> {
    if name == "all" {
        return Ok(FIGURES.iter().map(|f| (*f).to_owned()).collect());
    }
    if FIGURES.contains(&name) {
        Ok(vec![name.to_owned()])
    } else {
        Err(Error::UnknownFigure(name.to_owned()))
    }
}

/// The experiments of `figures` under the options' profile and seeds, checked before any work;
/// the results folder is created (when missing) and checked to take new files.
///
/// # Errors
/// Zero seeds, a profile that is not a plain name, an unknown figure or profile, a malformed
/// experiment file, a results folder that cannot hold results.
pub fn load_experiments(
    figures: &[String],
    opts: &ReproduceOptions,
) -> Result<Vec<(Experiment, String)>> {
    if opts.seeds == Some(0) {
        return Err(Error::Option {
            option: "--seeds",
            message: "0 seeds would train nothing; give at least 1".into(),
        });
    }
    if let Some(reason) = crate::name_problem(&opts.profile) {
        return Err(Error::Option {
            option: "--profile",
            message: format!(
                "{} is not a plain name: {reason}; {}",
                crate::names::quoted(&opts.profile),
                crate::names::NAME_RULE
            ),
        });
    }
    let experiments = figures
        .iter()
        .map(|f| {
            let (mut exp, about) =
                Experiment::from_path(&experiment_path(&opts.experiments_dir, f))?
                    .with_profile(&opts.profile)?;
            if let Some(seeds) = opts.seeds {
                exp.seeds = seeds;
            }
            Ok((exp, about))
        })
        .collect::<Result<_>>()?;
    crate::rundir::prepare_results_dir(&opts.results_dir)?;
    Ok(experiments)
}

/// Plans, trains and finishes the figures one after another (each figure's units in parallel,
/// checkpointing as `checkpoints` says).
///
/// # Errors
/// Bad options or experiment files (before any work), a stop request ([`Error::Stopped`]), a
/// failed unit, a write failure.
pub fn reproduce(
    figures: &[String],
    opts: &ReproduceOptions,
    checkpoints: &UnitCheckpoints,
    progress: &dyn Progress,
) -> Result<Vec<FigureRun>> {
    let experiments = load_experiments(figures, opts)?;
    // A device that is not there, or a panel too large for this machine, is an error before any
    // work.
    if opts.device.resolve().map_err(Error::Device)? == nh_agents::Device::Cpu {
        for (exp, _) in &experiments {
            exp.panel.iter().try_for_each(crate::params::check_memory)?;
        }
    }
    let corpus = Corpus::load(opts.corpus.as_deref())?;
    let cores = available_cores();
    let mut runs = Vec::new();
    for (exp, about) in &experiments {
        let units = exp.panel.len() * exp.seeds;
        let parallel = opts.parallel.unwrap_or(cores).clamp(1, units.max(1));
        // libtorch's intra-op pool is process-wide: split the cores between concurrent units.
        let threads = (cores / parallel).max(1);
        let (dir, plan) = plan_run(exp, about, &corpus, opts, threads, parallel)?;
        progress.figure_planned(&exp.figure, dir.path());
        let training = Training {
            run_dir: dir.path(),
            exp,
            plan: &plan,
            corpus: &corpus,
            checkpoints,
        };
        train_pending(&training, parallel, about, progress)?;
        runs.push(finish_reported(dir.path(), &exp.figure, progress)?);
    }
    Ok(runs)
}

/// Creates a run directory for `exp` with its resolved config, its plan and the unit folders;
/// returns it with the plan.
///
/// # Errors
/// A write failure.
pub fn plan_run(
    exp: &Experiment,
    about: &str,
    corpus: &Corpus,
    opts: &ReproduceOptions,
    threads: usize,
    parallel: usize,
) -> Result<(RunDir, Plan)> {
    let (stamp, created_at) = utc_stamps();
    let dir = RunDir::create(&opts.results_dir, &exp.figure, &opts.profile, &stamp)?;
    let resolved = toml::to_string(exp).map_err(|e| Error::Serialize {
        path: dir.path().join("config.toml"),
        message: e.to_string(),
    })?;
    dir.write("config.toml", resolved.as_bytes())?;
    for folder in UNIT_FOLDERS {
        let path = dir.path().join(folder);
        std::fs::create_dir(&path).map_err(|source| Error::Io { path, source })?;
    }
    let header = PlanHeader {
        profile: opts.profile.clone(),
        profile_about: about.to_owned(),
        run_id: dir.id().to_owned(),
        created_at,
        commit: git_commit(&opts.experiments_dir),
        device: opts.device,
        libtorch_threads: threads,
        parallel,
    };
    let plan = Plan::new(exp, header, corpus);
    dir.write(PLAN_FILE, &json_bytes(&plan))?;
    Ok((dir, plan))
}

/// Continues the run in `run_dir`: trains the units that are not done (`parallel` at once, default
/// the plan's; a unit with a checkpoint continues from it), then finishes it. A finished run is
/// returned as it is.
///
/// # Errors
/// Not a planned run, a changed corpus, a stop request ([`Error::Stopped`]), a failed unit, a
/// write failure.
pub fn resume(
    run_dir: &Path,
    parallel: Option<usize>,
    checkpoints: &UnitCheckpoints,
    progress: &dyn Progress,
) -> Result<FigureRun> {
    let (plan, exp, corpus) = open_run(run_dir)?;
    if crate::finish::is_finished(run_dir) {
        return finish(run_dir);
    }
    progress.figure_planned(&plan.figure, run_dir);
    let pending = plan.units.iter().filter(|u| !is_done(run_dir, u)).count();
    let parallel = parallel.unwrap_or(plan.parallel).clamp(1, pending.max(1));
    let training = Training {
        run_dir,
        exp: &exp,
        plan: &plan,
        corpus: &corpus,
        checkpoints,
    };
    train_pending(&training, parallel, &plan.profile_about, progress)?;
    finish_reported(run_dir, &plan.figure, progress)
}

/// Trains the one unit `index` of the run in `run_dir` (a Slurm array task), continuing from its
/// checkpoint if it has one; a unit that is already done is left as it is.
///
/// # Errors
/// Not a planned run, an index outside the plan, a stop request ([`Error::Stopped`]: the unit
/// checkpointed), a failed unit.
pub fn run_single_unit(
    run_dir: &Path,
    index: usize,
    checkpoints: &UnitCheckpoints,
    progress: &dyn Progress,
) -> Result<()> {
    let (plan, exp, corpus) = open_run(run_dir)?;
    let unit = plan.unit(index)?;
    if is_done(run_dir, unit) {
        return Ok(());
    }
    progress.figure_planned(&plan.figure, run_dir);
    let training = Training {
        run_dir,
        exp: &exp,
        plan: &plan,
        corpus: &corpus,
        checkpoints,
    };
    train_units(&training, std::slice::from_ref(unit), 1, progress)
}

/// One run's training: its folder, experiment, plan, corpus and checkpointing.
#[derive(Clone, Copy)]
struct Training<'a> {
    run_dir: &'a Path,
    exp: &'a Experiment,
    plan: &'a Plan,
    corpus: &'a Corpus,
    checkpoints: &'a UnitCheckpoints,
}

/// Reads a run's plan and config, and loads its recorded corpus.
fn open_run(run_dir: &Path) -> Result<(Plan, Experiment, Corpus)> {
    RunDir::open(run_dir)?;
    let plan = Plan::read(run_dir)?;
    let exp = Experiment::from_path(&run_dir.join("config.toml"))?;
    let corpus = plan.corpus.load(&run_dir.join(PLAN_FILE))?;
    Ok((plan, exp, corpus))
}

fn train_pending(
    training: &Training<'_>,
    parallel: usize,
    about: &str,
    progress: &dyn Progress,
) -> Result<()> {
    let pending: Vec<Unit> = training
        .plan
        .units
        .iter()
        .filter(|u| !is_done(training.run_dir, u))
        .cloned()
        .collect();
    let listing: Vec<_> = pending
        .iter()
        .map(|u| (u.panel.clone(), u.seed, u.iterations))
        .collect();
    progress.figure_started(&training.exp.figure, about, &listing);
    train_units(training, &pending, parallel, progress)
}

fn train_units(
    training: &Training<'_>,
    units: &[Unit],
    parallel: usize,
    progress: &dyn Progress,
) -> Result<()> {
    let Training {
        run_dir,
        exp,
        plan,
        corpus,
        checkpoints,
    } = *training;
    let device = plan.device.resolve().map_err(Error::Device)?;
    let threads = plan.libtorch_threads;
    nh_agents::set_libtorch_threads(threads)
        .map_err(|source| Error::Threads { threads, source })?;
    let pool = rayon::ThreadPoolBuilder::new()
        .num_threads(parallel)
        .build()
        .map_err(|e| Error::Serialize {
            path: run_dir.to_path_buf(),
            message: e.to_string(),
        })?;
    let ctx = UnitContext {
        run_dir,
        exp,
        plan,
        corpus,
        device,
        checkpoints,
    };
    pool.install(|| {
        units.par_iter().try_for_each(|unit| {
            if checkpoints.stop_requested() {
                return Err(Error::Stopped {
                    run_dir: run_dir.to_path_buf(),
                    detail: format!("unit {} ({}) not started", unit.index, unit.name()),
                });
            }
            let mut on_iteration =
                |done: usize| progress.iteration(&exp.figure, &unit.panel, unit.seed, done);
            let record = run_unit(&ctx, unit, &mut on_iteration)?;
            progress.task_finished(&exp.figure, &unit.panel, unit.seed, record.wall_seconds);
            Ok(())
        })
    })
}

fn finish_reported(run_dir: &Path, figure: &str, progress: &dyn Progress) -> Result<FigureRun> {
    let run = finish(run_dir)?;
    progress.figure_finished(figure, run_dir);
    Ok(run)
}

fn available_cores() -> usize {
    std::thread::available_parallelism().map_or(1, std::num::NonZero::get)
}

/// Plans the figures and submits each run's units and finish step to Slurm (see
/// [`crate::submit`]); returns the submissions.
///
/// # Errors
/// Bad options, template or experiment files (before any run is planned), or a failed
/// submission.
pub fn reproduce_on_slurm(
    figures: &[String],
    opts: &ReproduceOptions,
    slurm: &SlurmOptions,
) -> Result<Vec<Submission>> {
    check_slurm_options(slurm)?;
    let experiments = load_experiments(figures, opts)?;
    let corpus = Corpus::load(opts.corpus.as_deref())?;
    let opts = ReproduceOptions {
        device: if slurm.gpus_per_task > 0 {
            DeviceChoice::Cuda
        } else {
            opts.device
        },
        ..opts.clone()
    };
    experiments
        .iter()
        .map(|(exp, about)| {
            let (dir, _) = plan_run(exp, about, &corpus, &opts, slurm.cpus_per_task, 1)?;
            submit(dir.path(), slurm)
        })
        .collect()
}
