//! The Slurm check of `cargo xtask test`: `nh reproduce fig5 --smoke --slurm` on a local one-node
//! cluster must produce what the plain local run produces, `--resume --slurm` must resubmit just
//! the unit whose record was deleted, and a unit stopped by Slurm's early SIGTERM must requeue
//! itself and continue to the same files ([`crate::requeue_check`]).

use std::collections::BTreeSet;
use std::path::{Path, PathBuf};
use std::process::Command;
use std::time::{Duration, Instant};

use anyhow::{Context, Result, bail};
use serde_json::Value;

use crate::requeue_check::requeue_check_in;
use crate::setup::{repo_root, run};
use crate::slurm::LocalSlurm;
use crate::tempdir::TempDir;

/// Why the Slurm check cannot be skipped here, or how to skip it.
pub fn cannot_run_slurm(ci: bool) -> String {
    if ci {
        "the Slurm check cannot run, and CI is set, so it cannot be skipped: run CI as root on \
         Debian/Ubuntu (apt-get installs slurm-wlm and munge)"
            .to_owned()
    } else {
        "the Slurm check cannot run here; to skip it on a developer machine, run \
         `cargo xtask test --skip-slurm` (refused when CI is set)"
            .to_owned()
    }
}

/// How long each batch of Slurm jobs (the smoke run, then the resumed unit) may take.
const QUEUE_TIMEOUT: Duration = Duration::from_secs(150);

/// The Slurm check: `nh reproduce fig5 --smoke --slurm` on a local one-node cluster must produce
/// what the plain local run produces, and `--resume --slurm` must resubmit exactly the one unit
/// whose record was deleted, and finish the run again with the same results; with `requeue`, the
/// requeue check follows on the same cluster.
pub fn slurm_check(nh: &Path, ci: bool, requeue: bool) -> Result<()> {
    let started = Instant::now();
    eprintln!("xtask test: Slurm check (fig5 --smoke through a local one-node cluster)");
    let mut cluster = LocalSlurm::start().map_err(|err| err.context(cannot_run_slurm(ci)))?;
    let mut tmp = TempDir::new("nh-slurm-check")?;
    let result = slurm_check_in(nh, &mut cluster, tmp.path()).and_then(|()| {
        if requeue {
            requeue_check_in(nh, &mut cluster, tmp.path())
        } else {
            Ok(())
        }
    });
    if result.is_err() {
        tmp.keep();
        return result.with_context(|| {
            format!(
                "the Slurm check failed (kept: nh's outputs in {}, the cluster's config and logs in {})",
                tmp.path().display(),
                cluster.dir().display()
            )
        });
    }
    cluster.stop()?;
    println!(
        "xtask test: Slurm check passed in {:.0} s: fig5 --smoke through sbatch equals the local run, \
         and --resume --slurm reran the one unit whose record was deleted{}",
        started.elapsed().as_secs_f64(),
        if requeue {
            "; a unit stopped by SIGTERM requeued itself and continued to the local run's files"
        } else {
            ""
        }
    );
    Ok(())
}

fn slurm_check_in(nh: &Path, cluster: &mut LocalSlurm, tmp: &Path) -> Result<()> {
    let nh_cmd = || {
        let mut cmd = Command::new(nh);
        cmd.current_dir(repo_root());
        cmd
    };
    // a. The smoke run through Slurm.
    let slurm_out = tmp.join("slurm");
    run(nh_cmd()
        .args(["reproduce", "fig5", "--smoke", "--slurm", "--out"])
        .arg(&slurm_out)
        .envs(cluster.env()))?;
    cluster.wait_for_empty_queue(QUEUE_TIMEOUT)?;
    cluster.check_all_jobs_completed()?;
    // b. Its run folder.
    let run_dir = single_run_dir(&slurm_out.join("fig5"))?;
    if !run_dir.join("summary.json").is_file() {
        bail!(
            "the Slurm run {} has no summary.json: its finish job did not write it",
            run_dir.display()
        );
    }
    // c. The same run without Slurm, compared.
    let local_out = tmp.join("local");
    run(nh_cmd()
        .args(["reproduce", "fig5", "--smoke", "--out"])
        .arg(&local_out))?;
    let local_dir = single_run_dir(&local_out.join("fig5"))?;
    ensure_same_results(&run_dir, &local_dir)?;
    // d. Delete one unit's record and the finish step's outputs; --resume --slurm reruns that unit.
    let record = first_unit_record(&run_dir.join("units"))?;
    std::fs::remove_file(&record).with_context(|| format!("cannot delete {}", record.display()))?;
    remove_finish_outputs(&run_dir)?;
    let slurm_dir = run_dir.join("slurm");
    let before = submission_files(&slurm_dir)?;
    if before.is_empty() {
        bail!(
            "the Slurm run wrote no {}/submission-*.json",
            slurm_dir.display()
        );
    }
    run(nh_cmd()
        .args(["reproduce", "--resume"])
        .arg(&run_dir)
        .arg("--slurm")
        .envs(cluster.env()))?;
    cluster.wait_for_empty_queue(QUEUE_TIMEOUT)?;
    cluster.check_all_jobs_completed()?;
    let submission = new_submission(&before, &submission_files(&slurm_dir)?)?;
    let units = submitted_units(&submission)?;
    if units != 1 {
        bail!(
            "{} lists {units} units; the resume should resubmit exactly the one whose record was deleted",
            submission.display()
        );
    }
    if !record.is_file() {
        bail!(
            "the resumed run did not write the deleted unit record {} again",
            record.display()
        );
    }
    ensure_same_results(&run_dir, &local_dir)
        .context("after --resume --slurm, the run no longer matches the local run")
}

/// The one folder inside `parent` (a figure's output folder holds one run folder per run).
pub(crate) fn single_run_dir(parent: &Path) -> Result<PathBuf> {
    let entries =
        std::fs::read_dir(parent).with_context(|| format!("cannot list {}", parent.display()))?;
    let dirs: Vec<PathBuf> = entries
        .filter_map(|e| e.ok().map(|e| e.path()))
        .filter(|p| p.is_dir())
        .collect();
    match dirs.as_slice() {
        [one] => Ok(one.clone()),
        _ => bail!(
            "expected exactly one run folder in {}, found {dirs:?}",
            parent.display()
        ),
    }
}

/// Fails, naming every difference, unless [`result_differences`] finds none.
pub(crate) fn ensure_same_results(slurm_run: &Path, local_run: &Path) -> Result<()> {
    let diffs = result_differences(slurm_run, local_run)?;
    if !diffs.is_empty() {
        bail!(
            "the Slurm run {} and the local run {} differ:\n  {}",
            slurm_run.display(),
            local_run.display(),
            diffs.join("\n  ")
        );
    }
    Ok(())
}

/// What differs between two run folders: the files of `curves/` and `aggregate/` (same names,
/// same bytes), and `summary.json` as JSON without its top-level `run_id`. Empty when equal.
fn result_differences(a: &Path, b: &Path) -> Result<Vec<String>> {
    let mut diffs = Vec::new();
    for sub in ["curves", "aggregate"] {
        let (dir_a, dir_b) = (a.join(sub), b.join(sub));
        if !dir_a.is_dir() || !dir_b.is_dir() {
            diffs.push(format!(
                "{sub}/ is missing (Slurm run: {}, local run: {})",
                dir_a.is_dir(),
                dir_b.is_dir()
            ));
            continue;
        }
        let (files_a, files_b) = (relative_files(&dir_a)?, relative_files(&dir_b)?);
        if files_a.is_empty() && files_b.is_empty() {
            diffs.push(format!("{sub}/ is empty in both runs: nothing to compare"));
        }
        for file in files_a.symmetric_difference(&files_b) {
            let side = if files_a.contains(file) {
                "Slurm"
            } else {
                "local"
            };
            diffs.push(format!(
                "{sub}/{} exists only in the {side} run",
                file.display()
            ));
        }
        for file in files_a.intersection(&files_b) {
            if std::fs::read(dir_a.join(file))? != std::fs::read(dir_b.join(file))? {
                diffs.push(format!("{sub}/{} differs", file.display()));
            }
        }
    }
    let (summary_a, summary_b) = (summary_without_run_id(a)?, summary_without_run_id(b)?);
    if summary_a != summary_b {
        let keys: BTreeSet<&String> = summary_a.keys().chain(summary_b.keys()).collect();
        let differing: Vec<&&String> = keys
            .iter()
            .filter(|k| summary_a.get(k.as_str()) != summary_b.get(k.as_str()))
            .collect();
        diffs.push(format!(
            "summary.json differs (without run_id) in {differing:?}"
        ));
    }
    Ok(diffs)
}

/// `run/summary.json` as a JSON object, without its top-level `run_id`.
fn summary_without_run_id(run: &Path) -> Result<serde_json::Map<String, Value>> {
    let path = run.join("summary.json");
    let text = std::fs::read_to_string(&path)
        .with_context(|| format!("cannot read {}", path.display()))?;
    let value: Value =
        serde_json::from_str(&text).with_context(|| format!("{} is not JSON", path.display()))?;
    let Value::Object(mut map) = value else {
        bail!("{} is not a JSON object", path.display());
    };
    map.remove("run_id");
    Ok(map)
}

/// The files below `dir`, as paths relative to it.
fn relative_files(dir: &Path) -> Result<BTreeSet<PathBuf>> {
    fn walk(root: &Path, dir: &Path, out: &mut BTreeSet<PathBuf>) -> Result<()> {
        for entry in
            std::fs::read_dir(dir).with_context(|| format!("cannot list {}", dir.display()))?
        {
            let path = entry?.path();
            if path.is_dir() {
                walk(root, &path, out)?;
            } else {
                out.insert(path.strip_prefix(root)?.to_path_buf());
            }
        }
        Ok(())
    }
    let mut out = BTreeSet::new();
    walk(dir, dir, &mut out)?;
    Ok(out)
}

/// The first unit record (`<panel>__seed<s>.json`), by name, in a run's `units/`.
fn first_unit_record(units: &Path) -> Result<PathBuf> {
    let mut records: Vec<PathBuf> = std::fs::read_dir(units)
        .with_context(|| format!("cannot list {}", units.display()))?
        .filter_map(|e| e.ok().map(|e| e.path()))
        .filter(|p| p.is_file() && p.extension().is_some_and(|e| e == "json"))
        .collect();
    records.sort();
    records
        .into_iter()
        .next()
        .with_context(|| format!("{} holds no unit record (*.json)", units.display()))
}

/// Deletes what a run's finish step writes (it refuses to overwrite), where present.
fn remove_finish_outputs(run: &Path) -> Result<()> {
    for file in ["summary.json", "summary.md", "metadata.json", "fig5.png"] {
        let path = run.join(file);
        if path.exists() {
            std::fs::remove_file(&path)
                .with_context(|| format!("cannot delete {}", path.display()))?;
        }
    }
    let aggregate = run.join("aggregate");
    if aggregate.exists() {
        std::fs::remove_dir_all(&aggregate)
            .with_context(|| format!("cannot delete {}", aggregate.display()))?;
    }
    Ok(())
}

/// The `submission-*.json` files in a run's `slurm/` folder (none if the folder is missing).
fn submission_files(slurm_dir: &Path) -> Result<BTreeSet<PathBuf>> {
    let Ok(entries) = std::fs::read_dir(slurm_dir) else {
        return Ok(BTreeSet::new());
    };
    let mut files = BTreeSet::new();
    for entry in entries {
        let path = entry?.path();
        let name = path.file_name().unwrap_or_default().to_string_lossy();
        if name.starts_with("submission-") && name.ends_with(".json") {
            files.insert(path);
        }
    }
    Ok(files)
}

/// The one submission file in `after` that is not in `before` (the newest submission).
fn new_submission(before: &BTreeSet<PathBuf>, after: &BTreeSet<PathBuf>) -> Result<PathBuf> {
    let new: Vec<&PathBuf> = after.difference(before).collect();
    match new.as_slice() {
        [one] => Ok((*one).clone()),
        _ => bail!("expected one new submission-*.json after the resume, found {new:?}"),
    }
}

/// How many units a `submission-*.json` lists (its `units` array).
fn submitted_units(submission: &Path) -> Result<usize> {
    let text = std::fs::read_to_string(submission)
        .with_context(|| format!("cannot read {}", submission.display()))?;
    let value: Value = serde_json::from_str(&text)
        .with_context(|| format!("{} is not JSON", submission.display()))?;
    value["units"]
        .as_array()
        .map(Vec::len)
        .with_context(|| format!("{} has no `units` array", submission.display()))
}

#[cfg(test)]
mod tests {
    use std::path::Path;

    use super::*;

    fn write(path: &Path, text: &str) {
        std::fs::create_dir_all(path.parent().unwrap()).unwrap();
        std::fs::write(path, text).unwrap();
    }

    /// A run folder with two curves, one aggregate file and a summary naming `run_id`.
    fn fake_run(root: &Path, run_id: &str) -> PathBuf {
        let run = root.join("fig5").join(run_id);
        write(&run.join("curves/a__seed0.csv"), "1,2\n");
        write(&run.join("curves/sub/b.csv"), "3,4\n");
        write(&run.join("aggregate/a.csv"), "mean\n");
        write(
            &run.join("summary.json"),
            &format!(r#"{{"run_id": "{run_id}", "units": 2, "mean": 0.5}}"#),
        );
        run
    }

    /// Runs the real Slurm check with `xtask/tests/fixtures/fake-nh*.sh` (a shell stand-in that
    /// follows nh's CLI contract): a broken one must fail naming the differing files, a correct
    /// one must pass, and no daemon may be left. One test, because both need ports 6817/6818.
    #[test]
    #[ignore = "needs root, apt-get and free ports 6817/6818: starts a real Slurm cluster"]
    fn slurm_check_with_a_fake_nh() {
        let fixtures = Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/fixtures");
        let err = slurm_check(&fixtures.join("fake-nh-broken.sh"), false, false).unwrap_err();
        let err = format!("{err:#}");
        eprintln!("the broken fake nh failed as it should: {err}");
        assert!(err.contains("curves/a__seed0.csv differs"), "{err}");
        assert!(err.contains("aggregate/all.csv differs"), "{err}");
        slurm_check(&fixtures.join("fake-nh.sh"), false, false).unwrap();
        let left = Command::new("pgrep")
            .args(["-x", "slurmctld|slurmd"])
            .output()
            .unwrap();
        assert!(!left.status.success(), "daemons left: {left:?}");
    }

    #[test]
    fn equal_runs_differ_only_in_run_id() {
        let tmp = TempDir::new("xtask-test").unwrap();
        let a = fake_run(&tmp.path().join("a"), "run-1");
        let b = fake_run(&tmp.path().join("b"), "run-2");
        assert_eq!(result_differences(&a, &b).unwrap(), Vec::<String>::new());
        ensure_same_results(&a, &b).unwrap();
        assert_eq!(single_run_dir(&tmp.path().join("a/fig5")).unwrap(), a);
    }

    #[test]
    fn every_difference_is_named() {
        let tmp = TempDir::new("xtask-test").unwrap();
        let a = fake_run(&tmp.path().join("a"), "run-1");
        let b = fake_run(&tmp.path().join("b"), "run-2");
        write(&b.join("curves/sub/b.csv"), "3,5\n");
        write(&a.join("aggregate/only_slurm.csv"), "x\n");
        write(&b.join("curves/only_local.csv"), "y\n");
        write(
            &b.join("summary.json"),
            r#"{"run_id": "run-2", "units": 2, "mean": 0.25}"#,
        );
        let diffs = result_differences(&a, &b).unwrap();
        assert_eq!(
            diffs,
            [
                "curves/only_local.csv exists only in the local run",
                "curves/sub/b.csv differs",
                "aggregate/only_slurm.csv exists only in the Slurm run",
                "summary.json differs (without run_id) in [\"mean\"]",
            ]
        );
        let err = format!("{:#}", ensure_same_results(&a, &b).unwrap_err());
        assert!(err.contains("curves/sub/b.csv differs"), "{err}");
    }

    #[test]
    fn missing_or_empty_folders_are_differences_not_passes() {
        let tmp = TempDir::new("xtask-test").unwrap();
        let a = fake_run(&tmp.path().join("a"), "run-1");
        let b = fake_run(&tmp.path().join("b"), "run-2");
        std::fs::remove_dir_all(a.join("aggregate")).unwrap();
        std::fs::remove_dir_all(a.join("curves")).unwrap();
        std::fs::remove_dir_all(b.join("curves")).unwrap();
        std::fs::create_dir(a.join("curves")).unwrap();
        std::fs::create_dir(b.join("curves")).unwrap();
        let diffs = result_differences(&a, &b).unwrap();
        assert_eq!(
            diffs,
            [
                "curves/ is empty in both runs: nothing to compare",
                "aggregate/ is missing (Slurm run: false, local run: true)",
            ]
        );
        std::fs::remove_file(b.join("summary.json")).unwrap();
        assert!(result_differences(&a, &b).is_err());
    }

    #[test]
    fn a_figure_folder_must_hold_exactly_one_run() {
        let tmp = TempDir::new("xtask-test").unwrap();
        assert!(single_run_dir(&tmp.path().join("nothing")).is_err());
        fake_run(tmp.path(), "run-1");
        fake_run(tmp.path(), "run-2");
        assert!(single_run_dir(&tmp.path().join("fig5")).is_err());
    }

    #[test]
    fn the_first_unit_record_by_name_is_picked() {
        let tmp = TempDir::new("xtask-test").unwrap();
        let units = tmp.path().join("units");
        for name in [
            "b__seed0.json",
            "a__seed1.json",
            "a__seed0.log",
            "a__seed10.json",
        ] {
            write(&units.join(name), "{}");
        }
        std::fs::create_dir(units.join("a.json")).unwrap();
        assert_eq!(
            first_unit_record(&units).unwrap(),
            units.join("a__seed1.json")
        );
        assert!(first_unit_record(&tmp.path().join("none")).is_err());
    }

    #[test]
    fn finish_outputs_are_removed_and_the_rest_is_kept() {
        let tmp = TempDir::new("xtask-test").unwrap();
        let run = fake_run(tmp.path(), "run-1");
        write(&run.join("fig5.png"), "png");
        write(&run.join("units/a__seed0.json"), "{}");
        remove_finish_outputs(&run).unwrap();
        assert!(!run.join("summary.json").exists());
        assert!(!run.join("fig5.png").exists());
        assert!(!run.join("aggregate").exists());
        assert!(run.join("curves/a__seed0.csv").exists());
        assert!(run.join("units/a__seed0.json").exists());
        remove_finish_outputs(&run).unwrap();
    }

    #[test]
    fn the_new_submission_is_found_and_its_units_counted() {
        let tmp = TempDir::new("xtask-test").unwrap();
        let slurm = tmp.path().join("slurm");
        assert!(submission_files(&slurm).unwrap().is_empty());
        write(
            &slurm.join("submission-1.json"),
            r#"{"array_job": "7", "finish_job": "8", "units": [0, 1, 2, 3]}"#,
        );
        write(&slurm.join("unit-0.out"), "");
        let before = submission_files(&slurm).unwrap();
        assert_eq!(before.len(), 1);
        assert!(new_submission(&before, &before).is_err());
        write(
            &slurm.join("submission-2.json"),
            r#"{"array_job": "9", "finish_job": "10", "units": [2]}"#,
        );
        let new = new_submission(&before, &submission_files(&slurm).unwrap()).unwrap();
        assert_eq!(new, slurm.join("submission-2.json"));
        assert_eq!(submitted_units(&new).unwrap(), 1);
        assert_eq!(
            submitted_units(&slurm.join("submission-1.json")).unwrap(),
            4
        );
        write(&slurm.join("submission-3.json"), r#"{"units": 3}"#);
        assert!(submitted_units(&slurm.join("submission-3.json")).is_err());
    }
}
