//! `cargo xtask slurm-selftest [--induce-failure]`: starts the local Slurm cluster, runs a 4-task
//! array and a job that depends on it (`afterany`), checks both finished, and stops the cluster.
//!
//! `--induce-failure` also submits a job that outlives a 5 s wait, so the wait fails: this shows
//! that the error path still cancels the job and stops every daemon.

use std::time::{Duration, Instant};

use anyhow::{Context, Result, bail};

use crate::slurm::LocalSlurm;

/// Runs the self-test; see the module docs.
pub fn selftest(args: &[String]) -> Result<()> {
    let induce_failure = match args {
        [] => false,
        [flag] if flag == "--induce-failure" => true,
        _ => bail!("usage: cargo xtask slurm-selftest [--induce-failure] (got {args:?})"),
    };
    let started = Instant::now();
    let mut cluster = LocalSlurm::start()?;
    let dir = cluster.dir().join("selftest");
    std::fs::create_dir(&dir)?;
    let d = dir.display();
    let array = submit(
        &cluster,
        &[
            "--array=0-3",
            &format!("--output={d}/array-%a.out"),
            "--wrap",
            &format!("echo $SLURM_ARRAY_TASK_ID > {d}/task-$SLURM_ARRAY_TASK_ID.txt"),
        ],
    )?;
    let after = submit(
        &cluster,
        &[
            &format!("--dependency=afterany:{array}"),
            &format!("--output={d}/after.out"),
            "--wrap",
            &format!("cat {d}/task-*.txt | sort | tr '\\n' ' ' > {d}/after.txt"),
        ],
    )?;
    eprintln!("slurm selftest: submitted array job {array} and dependent job {after}");
    if induce_failure {
        let sleeper = submit(&cluster, &["--output=/dev/null", "--wrap", "sleep 600"])?;
        eprintln!("slurm selftest: submitted job {sleeper} (sleep 600); waiting only 5 s");
        cluster.wait_for_empty_queue(Duration::from_secs(5))?;
        bail!("the queue emptied although job {sleeper} sleeps for 600 s");
    }
    cluster.wait_for_empty_queue(Duration::from_secs(60))?;
    cluster.check_all_jobs_completed()?;
    eprint!(
        "{}",
        cluster.client_output("squeue", &["-t", "all", "-o", "%.12i %.10T %.20j %.10M"])?
    );
    let seen = std::fs::read_to_string(dir.join("after.txt"))
        .context("the dependent job wrote no after.txt")?;
    if seen.trim() != "0 1 2 3" {
        bail!("the dependent job saw array outputs {seen:?}, expected \"0 1 2 3\"");
    }
    cluster.stop()?;
    println!(
        "slurm selftest: ok in {:.1} s (array {array}: 4 tasks; job {after} ran after them and saw all 4)",
        started.elapsed().as_secs_f64()
    );
    Ok(())
}

/// `sbatch --parsable ARGS`; returns the job id.
fn submit(cluster: &LocalSlurm, args: &[&str]) -> Result<String> {
    let mut all = vec!["--parsable"];
    all.extend_from_slice(args);
    let out = cluster.client_output("sbatch", &all)?;
    let id = out.trim().split(';').next().unwrap_or_default().to_owned();
    if id.is_empty() {
        bail!("sbatch printed no job id");
    }
    Ok(id)
}
