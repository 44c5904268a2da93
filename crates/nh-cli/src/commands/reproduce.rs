//! `nh reproduce`: run a figure's experiment file over seeds and write its run directory.

use std::path::PathBuf;

use anyhow::Result;
use nh_agents::DeviceChoice;
use nh_exp::{ReproduceOptions, figure_list, reproduce};

use crate::progress::Reporter;

/// Arguments of `nh reproduce`.
#[derive(Debug, clap::Args)]
pub struct Args {
    /// fig1..fig7, or all.
    figure: String,
    /// Tiny budgets (what CI runs); same as `--profile smoke`.
    #[arg(long, conflicts_with = "profile")]
    smoke: bool,
    /// Budget profile: default, smoke, or paper (the long runs the paper's curves need).
    #[arg(long, default_value = "default")]
    profile: String,
    /// Seeds per panel (default: the experiment file's).
    #[arg(long)]
    seeds: Option<usize>,
    /// cpu, cuda or auto.
    #[arg(long, default_value = "auto")]
    device: DeviceChoice,
    /// Word list file; default: NH_CORPUS, else the embedded list.
    #[arg(long)]
    corpus: Option<PathBuf>,
    /// Root of the results tree.
    #[arg(long, default_value = "results")]
    out: PathBuf,
    /// Folder of the experiment files.
    #[arg(long, default_value = "experiments")]
    experiments: PathBuf,
    /// (panel, seed) tasks trained at once (default: CPU cores).
    #[arg(long)]
    parallel: Option<usize>,
    /// No progress output (for scripts).
    #[arg(long)]
    quiet: bool,
}

/// Runs the figures and prints where their results are.
pub fn run(args: &Args) -> Result<()> {
    let figures = figure_list(&args.figure)?;
    let opts = ReproduceOptions {
        experiments_dir: args.experiments.clone(),
        results_dir: args.out.clone(),
        profile: if args.smoke {
            "smoke".into()
        } else {
            args.profile.clone()
        },
        seeds: args.seeds,
        device: args.device,
        corpus: args.corpus.clone(),
        parallel: args.parallel,
    };
    let reporter = Reporter::new(args.quiet);
    for run in reproduce(&figures, &opts, &reporter)? {
        println!("{}: {}", run.figure, run.dir.display());
    }
    Ok(())
}
