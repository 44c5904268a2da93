//! `nh train`: train one learner on one problem and save the hash and its learning curve; with
//! checkpoints, continue an interrupted training (`--resume`).

use std::path::{Path, PathBuf};
use std::sync::Arc;
use std::sync::atomic::AtomicBool;

use anyhow::{Context, Result, bail};
use indicatif::{ProgressBar, ProgressStyle};
use nh_agents::{CHECKPOINT_DIR, CheckpointEvery, Checkpointing, DeviceChoice};
use nh_corpus::Corpus;
use nh_exp::{
    Algo, CorpusRecord, Existing, Origin, Panel, Schedule, ShardSettings, TaskContext,
    check_memory, git_commit, read_params_file, run_task, save_model_into, write_file,
};
use serde::{Deserialize, Serialize};

/// Arguments of `nh train`.
#[derive(Debug, clap::Args)]
pub struct Args {
    /// Learner: pg, ac, sac, cem or supervised.
    #[arg(long, value_parser = parse_algo, required_unless_present = "resume")]
    algo: Option<Algo>,
    /// Hash-table bins M (with --words-file: default the file's word count, a minimal hash).
    #[arg(long, required_unless_present_any = ["resume", "words_file"], value_parser = crate::numbers::count, allow_negative_numbers = true)]
    bins: Option<usize>,
    /// Words per episode N (ignored by supervised, which uses the corpus).
    #[arg(long, default_value_t = 1000, value_parser = crate::numbers::count, allow_negative_numbers = true)]
    words: usize,
    /// Train on every word of this file (one per line, the corpus rules; repeated lines are
    /// merged and counted): a perfect hash of your own keys. Implies --fixed, sets --words to the
    /// file's word count, and is the corpus.
    #[arg(long, value_name = "FILE", conflicts_with_all = ["corpus", "pool", "occupancy"])]
    words_file: Option<PathBuf>,
    /// Shard the words (sharded NeuralHash): a seeded router cuts them into shards of about this
    /// many words, each trained alone (in parallel, retried with another seed until perfect) into
    /// its own small network over its own range of bins; needs --fixed and --bins equal to the
    /// words. --iterations is then each shard's budget.
    #[arg(long, value_parser = crate::numbers::count, allow_negative_numbers = true)]
    shard_words: Option<usize>,
    /// Trainings per shard (each retry with the shard's next seed) before the run fails naming it.
    #[arg(long, default_value_t = nh_exp::DEFAULT_MAX_ATTEMPTS, requires = "shard_words", value_parser = crate::numbers::count, allow_negative_numbers = true)]
    shard_attempts: usize,
    /// Shards trained at once, each on one libtorch thread (default: the machine's cores).
    #[arg(long, value_parser = crate::numbers::count, allow_negative_numbers = true)]
    threads: Option<usize>,
    /// Train on one fixed seeded set of N words (memorization, the paper's Fig. 6).
    #[arg(long, conflicts_with = "pool")]
    fixed: bool,
    /// Draw each episode's N words from a fixed pool of P words (the paper's Fig. 7).
    #[arg(long)]
    pool: Option<usize>,
    /// Show the table occupancy to the policy (the paper's Fig. 5; no longer a hash function).
    #[arg(long)]
    occupancy: bool,
    /// Training iterations (epochs for supervised; default 100); with --resume, the new total
    /// budget.
    #[arg(long, value_parser = crate::numbers::count, allow_negative_numbers = true)]
    iterations: Option<usize>,
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
    /// `precision = "bf16"` (cem) runs bfloat16 products only on a CPU with bfloat16 instructions
    /// (AVX-512 BF16, AMX, ARM BF16); elsewhere they are slower than float32, so it warns and
    /// trains in float32.
    #[arg(long)]
    params: Option<PathBuf>,
    /// Stop after the first iteration that ends past this many seconds and save what was learned
    /// (the cross-entropy method: the network with the fewest collisions), with a checkpoint to
    /// continue from. Not for supervised.
    #[arg(long, value_parser = crate::numbers::seconds, allow_negative_numbers = true)]
    max_seconds: Option<f64>,
    /// Write a checkpoint into the output folder every N iterations (epochs for supervised;
    /// `100`) or after a duration (`90s`, `15m`, `2h`); SIGTERM or Ctrl-C then stop with a
    /// checkpoint (exit status 75). Every learner.
    #[arg(long, value_parser = crate::numbers::checkpoint_every)]
    checkpoint_every: Option<CheckpointEvery>,
    /// Continue the training in this output folder from its last checkpoint (its settings come
    /// from its train.json; --iterations, --max-seconds and --checkpoint-every may change).
    #[arg(long, value_name = "OUT_DIR", conflicts_with_all = [
        "algo", "bins", "fixed", "pool", "occupancy", "corpus", "params", "out", "words_file",
        "shard_words"
    ])]
    resume: Option<PathBuf>,
    /// New directory for the model and `metrics.csv` (must not exist).
    #[arg(long, required_unless_present = "resume")]
    out: Option<PathBuf>,
}

/// What a training folder's `train.json` records: everything needed to continue it.
#[derive(Debug, Clone, Serialize, Deserialize)]
struct TrainJob {
    panel: Panel,
    seed: u64,
    device: DeviceChoice,
    corpus: CorpusRecord,
    commit: String,
    /// Set for a sharded training.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    shards: Option<ShardSettings>,
}

const JOB_FILE: &str = "train.json";

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

/// Trains (or continues a training), then writes the model directory and its metrics.
pub fn run(args: &Args) -> Result<()> {
    let ((job, corpus), out, resuming) = match &args.resume {
        Some(out) => (resumed_job(args, out)?, out.clone(), true),
        None => {
            let out = args
                .out
                .clone()
                .expect("clap requires --out without --resume");
            check_out_dir(&out)?;
            (new_job(args)?, out, false)
        }
    };
    if let Some(settings) = job.shards.clone() {
        return crate::commands::train_sharded::run(
            &crate::commands::train_sharded::Job {
                panel: &job.panel,
                settings: &settings,
                seed: job.seed,
                device: job.device,
                commit: &job.commit,
                corpus: &corpus,
                threads: args.threads,
                max_seconds: args.max_seconds,
            },
            &out,
            resuming,
            || job_json(&job),
        );
    }
    let panel = &job.panel;
    let time_limit = match args.max_seconds {
        None => None,
        Some(_) if panel.algo == Algo::Supervised => {
            bail!("--max-seconds: supervised training runs whole epochs; use --iterations")
        }
        Some(s) => Some(
            std::time::Duration::try_from_secs_f64(s)
                .map_err(|_| anyhow::anyhow!("--max-seconds: {s} is not a duration"))?,
        ),
    };
    let checkpoints = resuming || args.checkpoint_every.is_some() || time_limit.is_some();
    let device = job.device.resolve()?;
    if device == nh_agents::Device::Cpu {
        // Before the output folder exists: a size that cannot fit leaves nothing behind.
        check_memory(panel)?;
    }
    if !resuming {
        std::fs::create_dir(&out).with_context(|| format!("creating {}", out.display()))?;
        write_file(&out.join(JOB_FILE), &job_json(&job)?, Existing::Refuse)?;
    }
    let stop = Arc::new(AtomicBool::new(false));
    let checkpoint = checkpoints.then(|| {
        crate::interrupt::stop_on_signal(Arc::clone(&stop));
        Checkpointing {
            dir: out.clone(),
            every: args.checkpoint_every,
            stop: Arc::clone(&stop),
            resume: resuming,
            corpus_sha256: job.corpus.sha256.clone(),
            commit: job.commit.clone(),
        }
    });
    let ctx = TaskContext {
        corpus: &corpus,
        device,
        time_limit,
        checkpoint,
    };
    let bar = ProgressBar::new(panel.iterations as u64);
    bar.set_style(
        ProgressStyle::with_template("[{bar:40}] {pos}/{len} {elapsed} ETA {eta}")
            .expect("valid template"),
    );
    let (output, model) = run_task(&ctx, panel, job.seed, &mut |done| {
        bar.set_position(done as u64);
    })
    .with_context(|| match &args.params {
        Some(path) => format!("training with learner file {}", path.display()),
        None => "training".to_owned(),
    })?;
    bar.finish_and_clear();
    save_model_into(
        &corpus,
        &job.commit,
        &out,
        &model,
        output.train_words.as_deref(),
    )?;
    write_file(
        &out.join("metrics.csv"),
        &output.metrics_csv,
        if resuming {
            Existing::Replace
        } else {
            Existing::Refuse
        },
    )?;
    println!("model: {}", out.display());
    if let Some(last) = &output.last_iteration {
        println!(
            "last iteration: reward {:.1}, collisions {:.1}",
            last.reward, last.collisions
        );
    }
    if let Some(iterations) = output.iterations_to_perfect {
        println!("zero collisions on the training words after {iterations} iterations");
    }
    if let Some(check) = &output.model_check {
        println!(
            "nh-hash's check of the saved model: {} training words, {} collisions: {}",
            check.words,
            check.collisions,
            if check.is_perfect() {
                "a perfect hash"
            } else {
                "not a perfect hash"
            }
        );
    }
    if output.iterations_to_perfect.is_none()
        && output.completed_iterations < panel.iterations
        && time_limit.is_some()
    {
        println!(
            "stopped by --max-seconds after {} iterations",
            output.completed_iterations
        );
    }
    if checkpoints {
        println!(
            "checkpoint: {} (continue with `nh train --resume {}`)",
            out.join(CHECKPOINT_DIR).display(),
            out.display()
        );
    }
    Ok(())
}

/// The job of a new training from the command line, and its corpus.
fn new_job(args: &Args) -> Result<(TrainJob, Corpus)> {
    let words_file = args.words_file.as_deref();
    let corpus = Corpus::load(words_file.or(args.corpus.as_deref()))?;
    if let Some(path) = words_file {
        let p = corpus.provenance();
        if p.duplicates_removed > 0 {
            eprintln!(
                "--words-file {}: {} repeated lines merged; training on its {} distinct words",
                path.display(),
                p.duplicates_removed,
                corpus.len()
            );
        }
    }
    let words = if words_file.is_some() {
        corpus.len()
    } else {
        args.words
    };
    let schedule = match (args.fixed || words_file.is_some(), args.pool) {
        (true, _) => Schedule::Fixed,
        (false, Some(_)) => Schedule::Pool,
        (false, None) => Schedule::Sample,
    };
    let mut panel = Panel {
        id: "train".into(),
        label: "nh train".into(),
        origin: Origin::Ours,
        algo: args.algo.expect("clap requires --algo without --resume"),
        words,
        bins: args.bins.unwrap_or(words),
        schedule,
        pool: args.pool.unwrap_or(0),
        occupancy: args.occupancy,
        iterations: args.iterations.unwrap_or(100),
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
    let shards = args.shard_words.map(|shard_words| ShardSettings {
        shard_words,
        max_attempts: args.shard_attempts,
    });
    if let Some(settings) = &shards {
        nh_exp::check_sharded(&panel, settings)?;
    }
    let job = TrainJob {
        panel,
        seed: args.seed,
        device: args.device,
        corpus: CorpusRecord::of(&corpus),
        commit: git_commit(&std::env::current_dir()?),
        shards,
    };
    Ok((job, corpus))
}

/// The job recorded in `out/train.json`, with a new iteration budget if given and the current
/// checkout's commit, and the corpus it recorded (checked against its SHA-256).
fn resumed_job(args: &Args, out: &Path) -> Result<(TrainJob, Corpus)> {
    let path = out.join(JOB_FILE);
    let text = std::fs::read_to_string(&path).with_context(|| {
        format!(
            "reading {} (is {} a folder written by `nh train --checkpoint-every` or `--max-seconds`?)",
            path.display(),
            out.display()
        )
    })?;
    let mut job: TrainJob =
        serde_json::from_str(&text).with_context(|| format!("{}", path.display()))?;
    if let Some(iterations) = args.iterations {
        job.panel.iterations = iterations;
    }
    // The code that goes on: the checkpoint's check warns when it differs from the code that
    // wrote the checkpoint, and the saved model names it (train.json keeps the first one).
    job.commit = git_commit(&std::env::current_dir()?);
    let corpus = job
        .corpus
        .load(&path)
        .with_context(|| format!("loading the corpus recorded in {}", path.display()))?;
    Ok((job, corpus))
}

fn job_json(job: &TrainJob) -> Result<Vec<u8>> {
    let mut bytes = serde_json::to_vec_pretty(job)?;
    bytes.push(b'\n');
    Ok(bytes)
}
