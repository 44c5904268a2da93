//! Runs as units: a killed `nh reproduce` resumed with `--resume` gives the same files as an
//! uninterrupted run; units trained one at a time (as Slurm array tasks do) and finished give the
//! same files too; the finish step refuses a run with units missing; `--slurm` submits only what
//! is not done (with a stand-in `sbatch`; the real Slurm test is in `cargo xtask test`).

use std::path::{Path, PathBuf};
use std::process::{Command, Output};
use std::time::{Duration, Instant};

use serde_json::Value;

fn nh() -> Command {
    let mut cmd = Command::new(env!("CARGO_BIN_EXE_nh"));
    cmd.current_dir(Path::new(env!("CARGO_MANIFEST_DIR")).join("../.."));
    cmd
}

fn run(cmd: &mut Command) -> Output {
    let output = cmd.output().expect("nh runs");
    assert!(
        output.status.success(),
        "{cmd:?}: {}",
        String::from_utf8_lossy(&output.stderr)
    );
    output
}

/// `nh reproduce fig5 --smoke` arguments with one unit at a time (the thread count is part of
/// the plan, so both runs compared use the same).
fn smoke_args(out: &Path) -> Vec<String> {
    [
        "reproduce",
        "fig5",
        "--smoke",
        "--quiet",
        "--device",
        "cpu",
        "--parallel",
        "1",
        "--out",
    ]
    .iter()
    .map(|s| (*s).to_owned())
    .chain([out.display().to_string()])
    .collect()
}

/// The one run directory under `out/fig5`.
fn run_dir(out: &Path) -> PathBuf {
    let mut dirs: Vec<_> = std::fs::read_dir(out.join("fig5"))
        .expect("fig5 folder")
        .map(|e| e.expect("entry").path())
        .collect();
    assert_eq!(dirs.len(), 1, "{dirs:?}");
    dirs.pop().expect("one run")
}

fn units_done(dir: &Path) -> usize {
    std::fs::read_dir(dir.join("units")).map_or(0, |entries| {
        entries
            .filter_map(Result::ok)
            .filter(|e| {
                let name = e.file_name().to_string_lossy().into_owned();
                name.ends_with(".json") && !name.ends_with(".error.json") && !name.starts_with('.')
            })
            .count()
    })
}

fn files(dir: &Path) -> Vec<(String, Vec<u8>)> {
    let mut out: Vec<_> = std::fs::read_dir(dir)
        .expect("folder")
        .map(|e| {
            let e = e.expect("entry");
            (
                e.file_name().to_string_lossy().into_owned(),
                std::fs::read(e.path()).expect("file"),
            )
        })
        .collect();
    out.sort();
    out
}

/// Curves and aggregates byte for byte, `summary.json` but for its run id.
fn assert_same_results(a: &Path, b: &Path) {
    for folder in ["curves", "aggregate"] {
        assert!(
            files(&a.join(folder)) == files(&b.join(folder)),
            "{folder}/ differs between {} and {}",
            a.display(),
            b.display()
        );
    }
    let summary = |dir: &Path| {
        let text = std::fs::read_to_string(dir.join("summary.json")).expect("summary");
        let mut v: Value = serde_json::from_str(&text).expect("json");
        v.as_object_mut().expect("object").remove("run_id");
        v
    };
    assert_eq!(summary(a), summary(b));
}

#[test]
fn a_killed_run_resumes_to_the_same_files_as_an_uninterrupted_one() {
    let whole = tempfile::tempdir().expect("temp dir");
    run(nh().args(smoke_args(whole.path())));

    let cut = tempfile::tempdir().expect("temp dir");
    let mut child = nh()
        .args(smoke_args(cut.path()))
        .spawn()
        .expect("nh starts");
    let started = Instant::now();
    let dir = loop {
        let planned = std::fs::read_dir(cut.path().join("fig5"))
            .ok()
            .and_then(|mut entries| entries.next())
            .and_then(Result::ok)
            .map(|entry| entry.path());
        if let Some(dir) = planned.filter(|dir| units_done(dir) >= 2) {
            break dir;
        }
        assert!(
            started.elapsed() < Duration::from_secs(120),
            "no units finished"
        );
        std::thread::sleep(Duration::from_millis(5));
    };
    child.kill().expect("kill");
    child.wait().expect("reaped");
    let total = 8;
    let done = units_done(&dir);
    assert!(
        done < total,
        "the run finished before it was killed ({done} units)"
    );
    assert!(!dir.join("metadata.json").exists());
    // A half-written unit: curves of a unit without a record, and a temporary file.
    std::fs::write(dir.join("curves/n1000_ours__seed1.csv"), "iteration\n1\n").expect("write");
    std::fs::write(dir.join("units/.n1000_ours__seed1.json.partial"), "{").expect("write");

    let output = run(nh()
        .arg("reproduce")
        .arg("--resume")
        .arg(&dir)
        .arg("--quiet"));
    assert!(String::from_utf8_lossy(&output.stdout).contains(&dir.display().to_string()));
    assert_eq!(units_done(&dir), total);
    assert!(!dir.join("units/.n1000_ours__seed1.json.partial").exists());
    assert_same_results(&dir, &run_dir(whole.path()));

    // Resuming a finished run changes nothing.
    let before = files(&dir.join("aggregate"));
    run(nh()
        .arg("reproduce")
        .arg("--resume")
        .arg(&dir)
        .arg("--quiet"));
    assert!(files(&dir.join("aggregate")) == before);
}

#[test]
fn units_trained_one_by_one_then_finished_equal_a_local_run() {
    let whole = tempfile::tempdir().expect("temp dir");
    run(nh().args(smoke_args(whole.path())));

    let out = tempfile::tempdir().expect("temp dir");
    let mut args = smoke_args(out.path());
    args.extend([
        "--slurm".into(),
        "--cpus-per-task".into(),
        "2".into(),
        "--dry-run".into(),
    ]);
    run(nh().args(&args));
    let dir = run_dir(out.path());
    assert!(dir.join("slurm/units-001.sh").is_file());
    assert!(dir.join("slurm/finish-001.sh").is_file());
    assert_eq!(units_done(&dir), 0, "a dry run trains nothing");

    // Array tasks run in any order, each alone.
    for index in (1..8).rev() {
        run(nh()
            .args(["reproduce", "--quiet", "--resume"])
            .arg(&dir)
            .args(["--unit", &index.to_string()]));
    }
    let early = nh()
        .args(["reproduce", "--resume"])
        .arg(&dir)
        .arg("--finish")
        .output()
        .expect("nh runs");
    let stderr = String::from_utf8_lossy(&early.stderr);
    assert!(
        !early.status.success(),
        "finishing with a unit missing must fail"
    );
    assert!(
        stderr.contains("1 of 8 units are not done") && stderr.contains("unit 0 (n100__seed0)"),
        "{stderr}"
    );
    assert!(!dir.join("summary.json").exists() && !dir.join("fig5.png").exists());

    run(nh()
        .args(["reproduce", "--quiet", "--resume"])
        .arg(&dir)
        .args(["--unit", "0"]));
    run(nh()
        .args(["reproduce", "--quiet", "--resume"])
        .arg(&dir)
        .arg("--finish"));
    assert_same_results(&dir, &run_dir(whole.path()));
}

#[test]
fn slurm_submits_only_the_units_that_are_not_done() {
    let bin = tempfile::tempdir().expect("temp dir");
    let log = bin.path().join("calls");
    let sbatch = bin.path().join("sbatch");
    std::fs::write(
        &sbatch,
        format!(
            "#!/bin/sh\necho \"$@\" >> '{}'\necho \"$(( $(wc -l < '{}') + 100 ));test\"\n",
            log.display(),
            log.display()
        ),
    )
    .expect("write");
    let mut perms = std::fs::metadata(&sbatch).expect("meta").permissions();
    std::os::unix::fs::PermissionsExt::set_mode(&mut perms, 0o755);
    std::fs::set_permissions(&sbatch, perms).expect("chmod");
    let path = format!(
        "{}:{}",
        bin.path().display(),
        std::env::var("PATH").unwrap_or_default()
    );

    let out = tempfile::tempdir().expect("temp dir");
    let mut args = smoke_args(out.path());
    args.push("--slurm".into());
    run(nh().args(&args).env("PATH", &path));
    let dir = run_dir(out.path());
    let first: Value = serde_json::from_slice(
        &std::fs::read(dir.join("slurm/submission-001.json")).expect("submission"),
    )
    .expect("json");
    assert_eq!(first["units"].as_array().map(Vec::len), Some(8));
    assert_eq!(first["array_job"], "101");
    assert_eq!(first["finish_job"], "102");
    let calls = std::fs::read_to_string(&log).expect("calls");
    assert!(calls.contains("--dependency=afterany:101"), "{calls}");

    // Two units finish (trained here, as their array tasks would), then the run is resubmitted.
    for index in [2, 5] {
        run(nh()
            .args(["reproduce", "--quiet", "--resume"])
            .arg(&dir)
            .args(["--unit", &index.to_string()]));
    }
    run(nh()
        .args(["reproduce", "--resume"])
        .arg(&dir)
        .arg("--slurm")
        .env("PATH", &path));
    let second: Value = serde_json::from_slice(
        &std::fs::read(dir.join("slurm/submission-002.json")).expect("submission"),
    )
    .expect("json");
    assert_eq!(second["units"], serde_json::json!([0, 1, 3, 4, 6, 7]));
    let script = std::fs::read_to_string(dir.join("slurm/units-002.sh")).expect("script");
    assert!(script.contains("#SBATCH --array=0-1,3-4,6-7\n"), "{script}");
}
