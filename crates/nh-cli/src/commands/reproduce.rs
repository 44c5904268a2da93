//! `nh reproduce`: plan a figure run, train its units and finish it; resume a run; or submit it to
//! Slurm as an array of units and a finish job.

use std::path::PathBuf;

use anyhow::{Context, Result, bail};
use nh_agents::{CheckpointEvery, DeviceChoice};
use nh_exp::{
    ReproduceOptions, Requeue, SlurmOptions, Submission, UnitCheckpoints, figure_list, finish,
    reproduce, reproduce_on_slurm, resume, run_single_unit, submit,
};

use crate::progress::Reporter;

/// Arguments of `nh reproduce`.
#[derive(Debug, clap::Args)]
pub struct Args {
    /// fig1..fig7, or all (not with --resume).
    #[arg(required_unless_present = "resume", conflicts_with = "resume")]
    figure: Option<String>,
    /// Tiny budgets (what CI runs); same as `--profile smoke`.
    #[arg(long, conflicts_with = "profile")]
    smoke: bool,
    /// Budget profile: default, smoke, or paper (the long runs the paper's curves need).
    #[arg(long, default_value = "default")]
    profile: String,
    /// Seeds per panel (default: the experiment file's).
    #[arg(long, value_parser = crate::numbers::count, allow_negative_numbers = true)]
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
    /// (panel, seed) units trained at once (default: CPU cores; with --resume: the run's).
    #[arg(long, value_parser = crate::numbers::count, allow_negative_numbers = true)]
    parallel: Option<usize>,
    /// No progress output (for scripts).
    #[arg(long)]
    quiet: bool,
    /// How often each unit writes its training checkpoint: iterations (`100`) or a duration
    /// (`90s`, `15m`, `2h`). SIGTERM or Ctrl-C stop units with a checkpoint (exit status 75) and
    /// `--resume` continues them; results are the same as without a stop.
    #[arg(long, default_value = "10m", value_parser = crate::numbers::checkpoint_every)]
    checkpoint_every: CheckpointEvery,

    /// Continue the planned run in RUN_DIR: train the units not yet done, then finish it. Its
    /// config, seeds, corpus and device come from the run itself.
    #[arg(
        long,
        value_name = "RUN_DIR",
        conflicts_with_all = ["smoke", "seeds", "corpus", "experiments"]
    )]
    resume: Option<PathBuf>,
    /// With --resume: train only this unit (its index in plan.json; a Slurm array task).
    #[arg(long, requires = "resume", conflicts_with_all = ["finish", "slurm"], value_parser = crate::numbers::count, allow_negative_numbers = true)]
    unit: Option<usize>,
    /// With --resume: only the finish step (fails listing the units that are not done).
    #[arg(long, requires = "resume", conflicts_with = "slurm")]
    finish: bool,

    /// Submit to Slurm: one array task per unit, then a finish job after the array.
    #[arg(long)]
    slurm: bool,
    /// Slurm partition.
    #[arg(long, requires = "slurm")]
    partition: Option<String>,
    /// Time limit of each array task and of the finish job (e.g. 02:00:00).
    #[arg(long, requires = "slurm")]
    time: Option<String>,
    /// CPUs per array task (also each unit's libtorch threads).
    #[arg(long, requires = "slurm", default_value_t = 1, value_parser = crate::numbers::count, allow_negative_numbers = true)]
    cpus_per_task: usize,
    /// GPUs per array task; above 0 the units train on CUDA.
    #[arg(long, requires = "slurm", default_value_t = 0, value_parser = crate::numbers::count, allow_negative_numbers = true)]
    gpus_per_task: usize,
    /// At most K array tasks at once.
    #[arg(long, requires = "slurm", value_name = "K", value_parser = crate::numbers::count, allow_negative_numbers = true)]
    max_parallel: Option<usize>,
    /// Slurm account.
    #[arg(long, requires = "slurm")]
    account: Option<String>,
    /// One more sbatch option for both scripts (repeatable), e.g. --sbatch-arg=--qos=long.
    #[arg(long, requires = "slurm", allow_hyphen_values = true)]
    sbatch_arg: Vec<String>,
    /// A job script template replacing ours; placeholders: {{directives}}, {{command}} (required),
    /// {{job_name}}, {{run_dir}}, {{nh}}.
    #[arg(long, requires = "slurm", value_name = "FILE")]
    slurm_template: Option<PathBuf>,
    /// With --slurm: Slurm asks each unit to checkpoint this many seconds before its time limit;
    /// the array task then requeues itself and continues.
    #[arg(long, requires = "slurm", default_value_t = 300, value_name = "SECONDS", value_parser = clap::value_parser!(u32).range(1..=65535))]
    checkpoint_lead: u32,
    /// With --slurm: requeues of one array task before it gives up (continue it with --resume
    /// --slurm).
    #[arg(long, requires = "slurm", default_value_t = 10, value_parser = clap::value_parser!(u32))]
    max_requeues: u32,
    /// With --slurm: write the scripts, submit nothing.
    #[arg(long, requires = "slurm")]
    dry_run: bool,
}

/// Runs, resumes or submits, and prints where the results are.
pub fn run(args: &Args) -> Result<()> {
    let reporter = Reporter::new(args.quiet);
    let checkpoints = UnitCheckpoints::new(args.checkpoint_every);
    crate::interrupt::stop_units_on_signal(std::sync::Arc::clone(&checkpoints.stop));
    if let Some(run_dir) = &args.resume {
        if args.profile != "default" {
            bail!("--profile: a resumed run keeps its own profile; leave --profile out");
        }
        if args.slurm {
            print_submission(&submit(run_dir, &slurm_options(args)?)?);
        } else if let Some(index) = args.unit {
            run_single_unit(run_dir, index, &checkpoints, &reporter)?;
        } else if args.finish {
            let run = finish(run_dir)?;
            println!("{}: {}", run.figure, run.dir.display());
        } else {
            let run = resume(run_dir, args.parallel, &checkpoints, &reporter)?;
            println!("{}: {}", run.figure, run.dir.display());
        }
        return Ok(());
    }
    let figure = args
        .figure
        .as_deref()
        .expect("clap requires a figure without --resume");
    let figures = figure_list(figure)?;
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
    if args.slurm {
        for submission in reproduce_on_slurm(&figures, &opts, &slurm_options(args)?)? {
            print_submission(&submission);
        }
        return Ok(());
    }
    for run in reproduce(&figures, &opts, &checkpoints, &reporter)? {
        println!("{}: {}", run.figure, run.dir.display());
    }
    Ok(())
}

fn slurm_options(args: &Args) -> Result<SlurmOptions> {
    let nh = std::env::current_exe()
        .and_then(std::fs::canonicalize)
        .context("finding the nh binary that the job scripts will call")?;
    Ok(SlurmOptions {
        nh,
        partition: args.partition.clone(),
        time: args.time.clone(),
        cpus_per_task: args.cpus_per_task,
        gpus_per_task: args.gpus_per_task,
        max_parallel: args.max_parallel,
        account: args.account.clone(),
        sbatch_args: args.sbatch_arg.clone(),
        template: args.slurm_template.clone(),
        dry_run: args.dry_run,
        requeue: Requeue {
            lead_seconds: args.checkpoint_lead,
            max_requeues: args.max_requeues,
            checkpoint_every: args.checkpoint_every,
        },
    })
}

fn print_submission(s: &Submission) {
    let run = s.run_dir.display();
    if s.dry_run {
        println!("{run}: dry run, nothing submitted");
        if !s.units.is_empty() {
            println!(
                "  units ({}): sbatch --parsable {}",
                s.units.len(),
                s.units_script.display()
            );
        }
        println!(
            "  finish:    sbatch --parsable --dependency=afterany:<array job id> {}",
            s.finish_script.display()
        );
        return;
    }
    println!("{run}: submission {}", s.number);
    if let Some(array) = &s.array_job {
        println!("  units: array job {array} ({} tasks)", s.units.len());
    }
    if let Some(finish) = &s.finish_job {
        println!("  finish: job {finish} (runs after the array)");
    }
    println!("  logs:   {}", s.logs.display());
    println!("  watch:  squeue --me");
    println!("  resume after a failure or time limit: nh reproduce --resume {run} --slurm");
}
