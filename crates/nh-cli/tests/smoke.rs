//! Smoke runs of every figure through the real `nh` binary: outputs exist, parse, hold finite
//! numbers, and a fixed seed gives identical summaries twice.

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
    }
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
        let without_seconds = |p: PathBuf| {
            std::fs::read_to_string(p)
                .expect("curve")
                .lines()
                .map(|l| l.rsplit_once(',').map_or(l, |(head, _)| head).to_owned())
                .collect::<Vec<_>>()
        };
        assert_eq!(
            without_seconds(a.join("curves").join(&name)),
            without_seconds(b.join("curves").join(&name))
        );
    }
}
