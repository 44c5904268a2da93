//! `nh train`: train one learner on one problem and save the hash and its learning curve.

use std::path::{Path, PathBuf};

use anyhow::{Context, Result, bail};
use indicatif::{ProgressBar, ProgressStyle};
use nh_agents::DeviceChoice;
use nh_corpus::Corpus;
use nh_exp::{
    Algo, Existing, Origin, Panel, Schedule, TaskContext, git_commit, read_params_file, run_task,
    save_model, write_file,
};

/// Arguments of `nh train`.
#[derive(Debug, clap::Args)]
pub struct Args {
    /// Learner: pg, ac, sac, cem or supervised.
    #[arg(long, value_parser = parse_algo)]
    algo: Algo,
    /// Hash-table bins M.
    #[arg(long, value_parser = crate::numbers::count, allow_negative_numbers = true)]
    bins: usize,
    /// Words per episode N (ignored by supervised, which uses the corpus).
    #[arg(long, default_value_t = 1000, value_parser = crate::numbers::count, allow_negative_numbers = true)]
    words: usize,
    /// Train on one fixed seeded set of N words (memorization, the paper's Fig. 6).
    #[arg(long, conflicts_with = "pool")]
    fixed: bool,
    /// Draw each episode's N words from a fixed pool of P words (the paper's Fig. 7).
    #[arg(long, value_parser = crate::numbers::count, allow_negative_numbers = true)]
    pool: Option<usize>,
    /// Show the table occupancy to the policy (the paper's Fig. 5; no longer a hash function).
    #[arg(long)]
    occupancy: bool,
    /// Training iterations (epochs for supervised).
    #[arg(long, default_value_t = 100, value_parser = crate::numbers::count, allow_negative_numbers = true)]
    iterations: usize,
    /// Seed of every random choice.
    #[arg(long, default_value_t = 0, value_parser = crate::numbers::seed, allow_negative_numbers = true)]
    seed: u64,
    /// cpu, cuda or auto.
    #[arg(long, default_value = "auto")]
    device: DeviceChoice,
    /// Word list file; default: NH_CORPUS, else the embedded list.
    #[arg(long)]
    corpus: Option<PathBuf>,
    /// TOML file with the learner's hyper-parameters (keys of its config, e.g. `learning_rate`).
    #[arg(long)]
    params: Option<PathBuf>,
    /// Stop after the first iteration that ends past this many seconds and save what was learned
    /// (the cross-entropy method: the network with the fewest collisions). Not for supervised.
    #[arg(long, value_parser = crate::numbers::seconds, allow_negative_numbers = true)]
    max_seconds: Option<f64>,
    /// New directory for the model and `metrics.csv` (must not exist).
    #[arg(long)]
    out: PathBuf,
}

fn parse_algo(s: &str) -> Result<Algo, String> {
    toml::Value::String(s.to_owned())
        .try_into()
        .map_err(|_| format!("unknown algorithm `{s}` (expected pg, ac, sac, cem or supervised)"))
}

/// Refuses, before any training, an output path the model could not be saved to: it must not
/// exist (not even as a dangling link) and its parent must be an existing folder that takes a new
/// entry (checked by creating `out` and removing it again).
fn check_out_dir(out: &Path) -> Result<()> {
    if out.symlink_metadata().is_ok() {
        bail!(
            "--out {}: already exists; `nh train` never overwrites a model",
            out.display()
        );
    }
    let parent = out
        .parent()
        .filter(|p| !p.as_os_str().is_empty())
        .unwrap_or(Path::new("."));
    if !parent.is_dir() {
        bail!(
            "--out {}: the parent folder {} does not exist (or is not a folder); create it first",
            out.display(),
            parent.display()
        );
    }
    std::fs::create_dir(out)
        .and_then(|()| std::fs::remove_dir(out))
        .with_context(|| format!("--out {}: cannot create the model folder", out.display()))
}

/// Trains, then writes the model directory and its metrics.
pub fn run(args: &Args) -> Result<()> {
    check_out_dir(&args.out)?;
    let schedule = match (args.fixed, args.pool) {
        (true, _) => Schedule::Fixed,
        (false, Some(_)) => Schedule::Pool,
        (false, None) => Schedule::Sample,
    };
    let mut panel = Panel {
        id: "train".into(),
        label: "nh train".into(),
        origin: Origin::Ours,
        algo: args.algo,
        words: args.words,
        bins: args.bins,
        schedule,
        pool: args.pool.unwrap_or(0),
        occupancy: args.occupancy,
        iterations: args.iterations,
        params: toml::Table::new(),
        generalization: None,
        max_corpus: None,
    };
    panel
        .validate()
        .map_err(|m| anyhow::anyhow!("invalid options: {m}"))?;
    if let Some(path) = &args.params {
        panel.params = read_params_file(path, &panel)?;
    }
    let time_limit = match args.max_seconds {
        None => None,
        Some(_) if args.algo == Algo::Supervised => {
            bail!("--max-seconds: supervised training runs whole epochs; use --iterations")
        }
        Some(s) => Some(
            std::time::Duration::try_from_secs_f64(s)
                .map_err(|_| anyhow::anyhow!("--max-seconds: {s} is not a duration"))?,
        ),
    };
    let corpus = Corpus::load(args.corpus.as_deref())?;
    let device = args.device.resolve()?;
    let ctx = TaskContext {
        corpus: &corpus,
        device,
        time_limit,
    };
    let bar = ProgressBar::new(args.iterations as u64);
    bar.set_style(
        ProgressStyle::with_template("[{bar:40}] {pos}/{len} {elapsed} ETA {eta}")
            .expect("valid template"),
    );
    let (output, model) = run_task(&ctx, &panel, args.seed, &mut |done| {
        bar.set_position(done as u64);
    })
    .with_context(|| match &args.params {
        Some(path) => format!("training with learner file {}", path.display()),
        None => "training".to_owned(),
    })?;
    bar.finish_and_clear();
    let commit = git_commit(&std::env::current_dir()?);
    save_model(
        &corpus,
        &commit,
        &args.out,
        &model,
        output.train_words.as_deref(),
    )?;
    write_file(
        &args.out.join("metrics.csv"),
        &output.metrics_csv,
        Existing::Refuse,
    )?;
    // Iterations run, when a time limit may have cut them short.
    let iterations_run = time_limit.map(|_| output.completed_iterations);
    println!("model: {}", args.out.display());
    if let Some(last) = &output.last_iteration {
        println!(
            "last iteration: reward {:.1}, collisions {:.1}",
            last.reward, last.collisions
        );
    }
    if let Some(iterations) = output.iterations_to_perfect {
        println!("zero collisions on the training words after {iterations} iterations");
    } else if let Some(ran) = iterations_run.filter(|&ran| ran < args.iterations) {
        println!("stopped by --max-seconds after {ran} iterations");
    }
    Ok(())
}
