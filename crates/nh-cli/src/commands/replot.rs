//! `nh replot`: draw a finished run's figure again from its recorded curves, without training.

use std::path::PathBuf;

use anyhow::Result;

/// Arguments of `nh replot`.
#[derive(Debug, clap::Args)]
pub struct Args {
    /// A run directory written by `nh reproduce` (e.g. results/fig5/fig5__default__<time>).
    run_dir: PathBuf,
    /// New PNG file (must not exist); default: <RUN_DIR>/<figure>.replotted.png.
    #[arg(long)]
    out: Option<PathBuf>,
}

/// Draws the figure and prints where it went.
pub fn run(args: &Args) -> Result<()> {
    let png = nh_exp::replot(&args.run_dir, args.out.as_deref())?;
    println!("{}", png.display());
    Ok(())
}
