//! `nh reproduce`: runs every (panel, seed) of a figure in parallel, then writes the run directory.

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};
use std::time::Instant;

use nh_agents::DeviceChoice;
use nh_corpus::Corpus;
use rayon::prelude::*;
use serde_json::json;

use crate::config::{Algo, Schedule};
use crate::config::{Experiment, experiment_path};
use crate::metadata::{git_commit, utc_stamps};
use crate::report::write_figure_outputs;
use crate::rundir::RunDir;
use crate::task::TaskOutput;
use crate::train::{TaskContext, run_task, save_model};
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
    /// (panel, seed) tasks run at once; `None` = the number of CPU cores.
    pub parallel: Option<usize>,
}

/// Receives progress while figures run (the CLI draws bars; scripts log or ignore it).
pub trait Progress: Sync {
    /// A figure starts: its tasks as (panel id, seed, iterations).
    fn figure_started(&self, figure: &str, about: &str, tasks: &[(String, u64, usize)]);
    /// A task finished an iteration (1-based count of iterations done).
    fn iteration(&self, figure: &str, panel: &str, seed: u64, done: usize);
    /// A task ended.
    fn task_finished(&self, figure: &str, panel: &str, seed: u64, seconds: f64);
    /// A figure's outputs are written.
    fn figure_finished(&self, figure: &str, dir: &Path);
}

/// One finished figure run.
#[derive(Debug, Clone)]
pub struct FigureRun {
    /// Figure id.
    pub figure: String,
    /// Its run directory.
    pub dir: PathBuf,
    /// The `summary.json` contents.
    pub summary: serde_json::Value,
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

/// Runs the figures one after another (each figure's tasks in parallel).
pub fn reproduce(
    figures: &[String],
    opts: &ReproduceOptions,
    progress: &dyn Progress,
) -> Result<Vec<FigureRun>> {
    if opts.seeds == Some(0) {
        return Err(Error::Option {
            option: "--seeds",
            message: "0 seeds would train nothing; give at least 1".into(),
        });
    }
    let experiments = figures
        .iter()
        .map(|f| {
            let exp = Experiment::from_path(&experiment_path(&opts.experiments_dir, f))?;
            exp.with_profile(&opts.profile)
        })
        .collect::<Result<Vec<_>>>()?;
    let device = opts.device.resolve().map_err(Error::Device)?;
    let corpus = Corpus::load(opts.corpus.as_deref())?;
    let mut runs = Vec::new();
    for (mut exp, about) in experiments {
        if let Some(seeds) = opts.seeds {
            exp.seeds = seeds;
        }
        runs.push(run_figure(&exp, &about, &corpus, device, opts, progress)?);
    }
    Ok(runs)
}

fn run_figure(
    exp: &Experiment,
    about: &str,
    corpus: &Corpus,
    device: nh_agents::Device,
    opts: &ReproduceOptions,
    progress: &dyn Progress,
) -> Result<FigureRun> {
    let (stamp, started_at) = utc_stamps();
    let dir = RunDir::create(&opts.results_dir, &exp.figure, &opts.profile, &stamp)?;
    let resolved = toml::to_string(exp).map_err(|e| Error::Serialize {
        path: dir.path().join("config.toml"),
        message: e.to_string(),
    })?;
    dir.write("config.toml", resolved.as_bytes())?;

    let tasks: Vec<(usize, u64)> = (0..exp.panel.len())
        .flat_map(|p| (0..exp.seeds as u64).map(move |s| (p, s)))
        .collect();
    let listing: Vec<_> = tasks
        .iter()
        .map(|&(p, s)| (exp.panel[p].id.clone(), s, exp.panel[p].iterations))
        .collect();
    progress.figure_started(&exp.figure, about, &listing);

    let cores = std::thread::available_parallelism().map_or(1, std::num::NonZero::get);
    let parallel = opts.parallel.unwrap_or(cores).clamp(1, tasks.len().max(1));
    // libtorch's intra-op pool is process-wide: split the cores between concurrent tasks.
    let threads = (cores / parallel).max(1);
    nh_agents::set_libtorch_threads(threads)
        .map_err(|source| Error::Threads { threads, source })?;
    let pool = rayon::ThreadPoolBuilder::new()
        .num_threads(parallel)
        .build()
        .map_err(|e| Error::Serialize {
            path: dir.path().to_path_buf(),
            message: e.to_string(),
        })?;
    let curves = dir.path().join("curves");
    std::fs::create_dir(&curves).map_err(|source| Error::Io {
        path: curves,
        source,
    })?;
    let models_dir = dir.path().join("models");
    std::fs::create_dir(&models_dir).map_err(|source| Error::Io {
        path: models_dir.clone(),
        source,
    })?;
    let commit = git_commit(&opts.experiments_dir);
    let ctx = TaskContext {
        corpus,
        device,
        time_limit: None,
    };
    let started = Instant::now();
    let outputs: Vec<TaskOutput> = pool.install(|| {
        tasks
            .par_iter()
            .map(|&(p, seed)| {
                let panel = &exp.panel[p];
                let mut on_iteration =
                    |done: usize| progress.iteration(&exp.figure, &panel.id, seed, done);
                let (out, model) = run_task(&ctx, panel, seed, &mut on_iteration)?;
                if panel.schedule != Schedule::Sample && panel.algo != Algo::Supervised {
                    // The memorized hashes of fixed word sets are worth keeping (`nh eval --model`).
                    let model_dir = models_dir.join(format!("{}__seed{seed}", panel.id));
                    save_model(
                        corpus,
                        &commit,
                        &model_dir,
                        &model,
                        out.train_words.as_deref(),
                    )?;
                }
                dir.write(
                    &format!("curves/{}__seed{seed}.csv", panel.id),
                    &out.metrics_csv,
                )?;
                progress.task_finished(&exp.figure, &panel.id, seed, out.wall_seconds);
                Ok(out)
            })
            .collect::<Result<Vec<_>>>()
    })?;

    let mut by_panel: BTreeMap<String, Vec<TaskOutput>> = BTreeMap::new();
    for out in outputs {
        by_panel.entry(out.panel.clone()).or_default().push(out);
    }
    let metadata = json!({
        "figure": exp.figure,
        "profile": opts.profile,
        "profile_about": about,
        "run_id": dir.id(),
        "started_at": started_at,
        "wall_seconds": started.elapsed().as_secs_f64(),
        "commit": commit,
        "command": std::env::args().collect::<Vec<_>>(),
        "seeds": (0..exp.seeds as u64).collect::<Vec<_>>(),
        "parallel_tasks": parallel,
        "device": nh_agents::device_name(device),
        "libtorch": nh_agents::libtorch_info(),
        "corpus": corpus_json(corpus),
        "wall_seconds_per_task": by_panel.iter().map(|(panel, outs)| {
            (panel.clone(), outs.iter().map(|o| json!({"seed": o.seed, "seconds": o.wall_seconds})).collect::<Vec<_>>())
        }).collect::<BTreeMap<_, _>>(),
    });
    let summary = write_figure_outputs(exp, corpus, &dir, &by_panel, &metadata)?;
    progress.figure_finished(&exp.figure, dir.path());
    Ok(FigureRun {
        figure: exp.figure.clone(),
        dir: dir.path().to_path_buf(),
        summary,
    })
}

/// The corpus provenance as recorded in run metadata.
pub fn corpus_json(corpus: &Corpus) -> serde_json::Value {
    let p = corpus.provenance();
    json!({
        "summary": p.to_string(),
        "sha256": p.sha256,
        "words": corpus.len(),
        "is_paper_corpus": corpus.is_paper_corpus(),
    })
}
