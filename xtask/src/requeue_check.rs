//! The requeue part of the Slurm check: a unit stopped mid-training by the SIGTERM that Slurm sends
//! before a time limit writes its checkpoint, its array task requeues itself, and the requeued task
//! continues the unit to the same files as a local run.
//!
//! Slurm sends that signal at a time it only promises to within a minute, so the check sends the
//! same signal itself (`scancel --signal=TERM --batch`, what `--signal=B:TERM@lead` does) as soon
//! as the unit's first checkpoint exists. Slurm holds a requeued job for about two minutes before
//! it may start again, which is most of the check's time.

use std::path::Path;
use std::process::Command;
use std::time::{Duration, Instant};

use anyhow::{Context, Result, bail};
use serde_json::Value;

use crate::setup::{repo_root, run};
use crate::slurm::LocalSlurm;
use crate::slurm_check::{ensure_same_results, single_run_dir};

/// One unit of the cross-entropy method, long enough (tens of iterations, a checkpoint after each)
/// to be stopped after its first checkpoint and before its end.
const EXPERIMENT: &str = r#"# Written by `cargo xtask test` (xtask/src/requeue_check.rs): one unit to stop and requeue.
figure = "fig6"
title = "Slurm requeue check"
paper_claim = "None: a check that a unit stopped by Slurm continues to the same result."
seeds = 1

[[panel]]
id = "cem"
label = "Cross-entropy method"
origin = "ours"
algo = "cem"
words = 2000
bins = 2000
schedule = "fixed"
iterations = 60
"#;

/// The unit's name (`<panel>__seed<s>`).
const UNIT: &str = "cem__seed0";

/// How long the unit may take to write its first checkpoint.
const FIRST_CHECKPOINT_TIMEOUT: Duration = Duration::from_secs(120);

/// How long the stopped, requeued and continued unit and the finish job may take (Slurm holds a
/// requeued job about 120 s).
const REQUEUE_TIMEOUT: Duration = Duration::from_secs(420);

/// Runs the requeue check in `tmp` on `cluster`; see the module docs.
pub fn requeue_check_in(nh: &Path, cluster: &mut LocalSlurm, tmp: &Path) -> Result<()> {
    let experiments = tmp.join("requeue-experiments");
    std::fs::create_dir_all(&experiments)?;
    std::fs::write(experiments.join("fig6.toml"), EXPERIMENT)?;
    let nh_cmd = |out: &Path| {
        let mut cmd = Command::new(nh);
        cmd.current_dir(repo_root())
            .args([
                "reproduce",
                "fig6",
                "--checkpoint-every",
                "1",
                "--experiments",
            ])
            .arg(&experiments)
            .arg("--out")
            .arg(out);
        cmd
    };
    // a. Submit; stop the unit with Slurm's signal once it has a checkpoint. The local run below
    // gives its one unit every core as libtorch threads, and so does the task.
    let cores = std::thread::available_parallelism().map_or(1, std::num::NonZero::get);
    let slurm_out = tmp.join("requeue-slurm");
    run(nh_cmd(&slurm_out)
        .args(["--slurm", "--cpus-per-task", &cores.to_string()])
        .envs(cluster.env()))?;
    let run_dir = single_run_dir(&slurm_out.join("fig6"))?;
    let array = array_job(&run_dir.join("slurm/submission-001.json"))?;
    wait_for_first_checkpoint(&run_dir)?;
    cluster.client_output(
        "scancel",
        &["--signal=TERM", "--batch", &format!("{array}_0")],
    )?;
    // b. The task requeues itself, continues and the finish job runs.
    cluster.wait_for_empty_queue(REQUEUE_TIMEOUT)?;
    cluster.check_all_jobs_completed()?;
    let log_path = run_dir.join("slurm/logs/unit-0.out");
    let log = std::fs::read_to_string(&log_path)
        .with_context(|| format!("cannot read {}", log_path.display()))?;
    if !log.contains("checkpointed; requeueing task") {
        bail!(
            "{} does not say that the unit checkpointed and requeued itself:\n{log}",
            log_path.display()
        );
    }
    let checkpoint = run_dir.join("checkpoints").join(UNIT);
    if checkpoint.exists() {
        bail!(
            "{} is still there although the unit is done",
            checkpoint.display()
        );
    }
    // c. Equal to the same experiment run locally in one go.
    let local_out = tmp.join("requeue-local");
    run(&mut nh_cmd(&local_out))?;
    ensure_same_results(&run_dir, &single_run_dir(&local_out.join("fig6"))?)
        .context("the unit stopped, requeued and continued under Slurm differs from a local run")
}

/// The array job id a `submission-*.json` records.
fn array_job(submission: &Path) -> Result<String> {
    let text = std::fs::read_to_string(submission)
        .with_context(|| format!("cannot read {}", submission.display()))?;
    let value: Value = serde_json::from_str(&text)
        .with_context(|| format!("{} is not JSON", submission.display()))?;
    value["array_job"]
        .as_str()
        .map(str::to_owned)
        .with_context(|| format!("{} has no `array_job`", submission.display()))
}

/// Waits until the unit's checkpoint exists; fails if the unit finishes (or times out) first.
fn wait_for_first_checkpoint(run_dir: &Path) -> Result<()> {
    let state = run_dir
        .join("checkpoints")
        .join(UNIT)
        .join("checkpoint/state.json");
    let record = run_dir.join("units").join(format!("{UNIT}.json"));
    let started = Instant::now();
    while !state.is_file() {
        if record.is_file() {
            bail!(
                "the unit finished before the check could stop it: make EXPERIMENT in \
                 xtask/src/requeue_check.rs longer"
            );
        }
        if started.elapsed() > FIRST_CHECKPOINT_TIMEOUT {
            bail!(
                "no checkpoint {} within {} s",
                state.display(),
                FIRST_CHECKPOINT_TIMEOUT.as_secs()
            );
        }
        std::thread::sleep(Duration::from_millis(100));
    }
    Ok(())
}
