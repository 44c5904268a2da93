//! Smoke runs of every figure through the real `nh` binary: outputs exist, parse, hold finite
//! numbers, `nh replot` draws the same figure again from the records, and a fixed seed gives
//! identical summaries twice.

use std::path::{Path, PathBuf};
use std::process::Command;

use serde_json::Value;

const FIGURES: [&str; 7] = ["fig1", "fig2", "fig3", "fig4", "fig5", "fig6", "fig7"];

fn experiments() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("../../experiments")
}

/// Runs `nh reproduce <figure> --smoke` into `out` and returns the run directory it printed.
fn smoke(figure: &str, out: &Path) -> PathBuf {
    let output = Command::new(env!("CARGO_BIN_EXE_nh"))
        .args([
            "reproduce",
            figure,
            "--smoke",
            "--quiet",
            "--device",
            "cpu",
            "--parallel",
            "2",
        ])
        .arg("--out")
        .arg(out)
        .arg("--experiments")
        .arg(experiments())
        .output()
        .expect("nh runs");
    assert!(
        output.status.success(),
        "{figure}: {}",
        String::from_utf8_lossy(&output.stderr)
    );
    let stdout = String::from_utf8(output.stdout).expect("utf-8");
    let dir = stdout
        .trim()
        .strip_prefix(&format!("{figure}: "))
        .expect("prints `figN: DIR`");
    PathBuf::from(dir)
}

/// Runs `nh replot` with extra arguments; returns (success, stdout, stderr).
fn replot(dir: &Path, extra: &[&Path]) -> (bool, String, String) {
    let output = Command::new(env!("CARGO_BIN_EXE_nh"))
        .arg("replot")
        .arg(dir)
        .args(extra)
        .output()
        .expect("nh runs");
    (
        output.status.success(),
        String::from_utf8_lossy(&output.stdout).into_owned(),
        String::from_utf8_lossy(&output.stderr).into_owned(),
    )
}

/// `nh replot` of an untouched run draws its figure byte for byte, refuses to overwrite, and
/// names the file and line of a corrupted curve.
fn assert_replot_matches(figure: &str, dir: &Path) {
    let original = std::fs::read(dir.join(format!("{figure}.png"))).expect("figure PNG");
    let (ok, stdout, stderr) = replot(dir, &[]);
    assert!(ok, "{figure}: {stderr}");
    let again = PathBuf::from(stdout.trim());
    assert_eq!(again, dir.join(format!("{figure}.replotted.png")));
    assert!(
        std::fs::read(&again).expect("replotted PNG") == original,
        "{figure}: the replotted figure differs from the run's"
    );
    let (ok, _, stderr) = replot(dir, &[]);
    assert!(
        !ok && stderr.contains("already exists"),
        "{figure}: {stderr}"
    );
}

fn json(path: &Path) -> Value {
    serde_json::from_slice(
        &std::fs::read(path).unwrap_or_else(|e| panic!("{}: {e}", path.display())),
    )
    .unwrap_or_else(|e| panic!("{}: {e}", path.display()))
}

/// Every number in the aggregate CSVs is finite (empty cells are allowed: a CI of one seed).
fn assert_finite_csv(path: &Path) {
    let text = std::fs::read_to_string(path).expect("aggregate CSV");
    let mut lines = text.lines();
    let header = lines.next().expect("header");
    assert!(
        header.starts_with("iteration,seeds,"),
        "{}: {header}",
        path.display()
    );
    let mut rows = 0;
    for line in lines {
        rows += 1;
        for cell in line.split(',').filter(|c| !c.is_empty()) {
            let v: f64 = cell
                .parse()
                .unwrap_or_else(|_| panic!("{}: `{cell}` is not a number", path.display()));
            assert!(v.is_finite(), "{}: non-finite {cell}", path.display());
        }
    }
    assert!(rows > 0, "{} has no rows", path.display());
}

#[test]
fn every_figure_runs_in_smoke_mode_and_writes_complete_outputs() {
    let out = tempfile::tempdir().expect("temp dir");
    for figure in FIGURES {
        let dir = smoke(figure, out.path());
        let summary = json(&dir.join("summary.json"));
        let metadata = json(&dir.join("metadata.json"));
        assert_eq!(summary["figure"], figure);
        assert_eq!(metadata["libtorch"]["version"], "2.11.0");
        assert!(
            metadata["corpus"]["sha256"]
                .as_str()
                .is_some_and(|s| s.len() == 64)
        );
        let png = std::fs::read(dir.join(format!("{figure}.png"))).expect("figure PNG");
        assert_eq!(&png[1..4], b"PNG");
        for panel in summary["panels"].as_array().expect("panels") {
            let id = panel["id"].as_str().expect("panel id");
            assert_finite_csv(&dir.join(format!("aggregate/{id}.csv")));
            for (name, s) in panel["final_last_10_percent"].as_object().expect("finals") {
                if name == "held_out_accuracy" && s.is_null() {
                    continue;
                }
                assert!(
                    s["mean"].as_f64().is_some_and(f64::is_finite),
                    "{figure}/{id}: {name} = {s}"
                );
            }
            let seeds = panel["seeds"].as_array().expect("seeds").len();
            for seed in 0..seeds {
                assert!(
                    dir.join(format!("curves/{id}__seed{seed}.csv")).is_file(),
                    "{figure}/{id} seed {seed}"
                );
            }
        }
        assert_replot_matches(figure, &dir);
    }
}

#[test]
fn replot_names_the_line_of_a_corrupted_curve() {
    let out = tempfile::tempdir().expect("temp dir");
    let dir = smoke("fig3", out.path());
    let curve = std::fs::read_dir(dir.join("curves"))
        .expect("curves")
        .next()
        .expect("a curve file")
        .expect("entry")
        .path();
    let text = std::fs::read_to_string(&curve).expect("curve");
    let mut lines: Vec<String> = text.lines().map(str::to_owned).collect();
    lines[2] = lines[2].replacen(',', ",oops", 1);
    std::fs::write(&curve, lines.join("\n")).expect("write");
    let target = out.path().join("fig3-again.png");
    let (ok, _, stderr) = replot(&dir, &[Path::new("--out"), &target]);
    assert!(!ok, "a corrupted curve must fail");
    assert!(
        stderr.contains(&curve.display().to_string()) && stderr.contains("line 3"),
        "{stderr}"
    );
    assert!(!target.exists(), "nothing is written on error");
}

#[test]
fn a_smoke_run_with_fixed_seeds_gives_identical_summaries_twice() {
    let out = tempfile::tempdir().expect("temp dir");
    let a = smoke("fig7", out.path());
    let b = smoke("fig7", out.path());
    assert_ne!(a, b, "a second run must get a new run directory");
    let strip = |mut v: Value| {
        v.as_object_mut().expect("object").remove("run_id");
        v
    };
    assert_eq!(
        strip(json(&a.join("summary.json"))),
        strip(json(&b.join("summary.json")))
    );
    for entry in std::fs::read_dir(a.join("curves")).expect("curves") {
        let name = entry.expect("entry").file_name();
        assert_eq!(
            std::fs::read(a.join("curves").join(&name)).expect("curve"),
            std::fs::read(b.join("curves").join(&name)).expect("curve"),
            "{name:?}"
        );
    }
}

#[test]
fn zero_seeds_are_refused_before_anything_is_written() {
    let out = tempfile::tempdir().expect("temp dir");
    let output = Command::new(env!("CARGO_BIN_EXE_nh"))
        .args(["reproduce", "fig5", "--smoke", "--seeds", "0", "--out"])
        .arg(out.path())
        .output()
        .expect("nh runs");
    let stderr = String::from_utf8_lossy(&output.stderr);
    assert!(!output.status.success(), "{stderr}");
    assert!(stderr.contains("--seeds"), "{stderr}");
    let written: Vec<_> = std::fs::read_dir(out.path()).expect("out dir").collect();
    assert!(written.is_empty(), "{written:?}");
}
