//! A figure's outputs from its finished tasks: aggregate CSVs, the PNG, `summary.json`, metadata.

use std::collections::BTreeMap;

use nh_corpus::Corpus;
use nh_metrics::Summary;
use serde_json::{Value, json};

use crate::config::{Algo, Experiment, Origin, Panel};
use crate::plot::{CurveSet, HLine, Subplot, draw_figure};
use crate::records::{Column, aggregate_csv};
use crate::rundir::{RunDir, place_new_file};
use crate::task::{GeneralizationResult, TaskOutput};
use crate::{Error, Result};

/// Curves drawn and aggregated for reinforcement-learning panels.
const RL_CURVES: [&str; 4] = ["reward", "collisions", "max_collisions_in_bin", "max_load"];
/// Curves drawn and aggregated for the supervised panel.
const SUPERVISED_CURVES: [&str; 3] = ["loss", "train_accuracy", "held_out_accuracy"];

/// Writes aggregates, the figure, `summary.json` and `metadata.json`; returns the summary.
pub fn write_figure_outputs(
    exp: &Experiment,
    corpus: &Corpus,
    dir: &RunDir,
    by_panel: &BTreeMap<String, Vec<TaskOutput>>,
    metadata: &Value,
) -> Result<Value> {
    let aggregate = dir.path().join("aggregate");
    std::fs::create_dir(&aggregate).map_err(|source| Error::Io {
        path: aggregate,
        source,
    })?;
    let mut rows = Vec::new();
    let mut panels = Vec::new();
    for panel in &exp.panel {
        let outs = by_panel
            .get(&panel.id)
            .map(Vec::as_slice)
            .unwrap_or_default();
        let names: &[&str] = if panel.algo == Algo::Supervised {
            &SUPERVISED_CURVES
        } else {
            &RL_CURVES
        };
        let columns: Vec<Column<'_>> = names
            .iter()
            .map(|name| Column {
                name,
                per_seed: outs
                    .iter()
                    .map(|o| o.curves.get(name).cloned().unwrap_or_default())
                    .collect(),
            })
            .collect();
        dir.write(
            &format!("aggregate/{}.csv", panel.id),
            aggregate_csv(&columns).as_bytes(),
        )?;
        rows.push(figure_row(panel, outs));
        panels.push(panel_summary(panel, outs, names));
    }
    let caption = format!(
        "{}: {}. Thick line: mean over seeds; shaded band: 95% confidence interval of the mean (Student t); thin \
         lines: individual seeds; dashed: reference. Corpus: {} words{}. Run {}.",
        exp.figure,
        exp.title,
        corpus.len(),
        if corpus.is_paper_corpus() {
            " (the paper's)"
        } else {
            ""
        },
        dir.id()
    );
    let png = dir.path().join(format!("{}.png", exp.figure));
    let tmp = dir.path().join(format!(".{}.partial.png", exp.figure));
    draw_figure(&tmp, &rows, &caption)?;
    place_new_file(&tmp, &png)?;
    let summary = json!({
        "figure": exp.figure,
        "title": exp.title,
        "paper_claim": exp.paper_claim,
        "run_id": dir.id(),
        "panels": panels,
    });
    let pretty = |v: &Value| serde_json::to_vec_pretty(v).expect("JSON values serialize");
    dir.write("summary.json", &pretty(&summary))?;
    dir.write(
        "summary.md",
        summary_markdown(exp, by_panel, dir.id()).as_bytes(),
    )?;
    dir.write("metadata.json", &pretty(metadata))?;
    Ok(summary)
}

/// The panel's curves of `name`, labelled by the setup's origin (the panel is in the title).
fn curve_set(panel: &Panel, outs: &[TaskOutput], name: &str) -> CurveSet {
    CurveSet {
        label: if panel.origin == Origin::Ours {
            "our setup".to_owned()
        } else {
            "the paper's setup".to_owned()
        },
        per_seed: outs
            .iter()
            .map(|o| o.curves.get(name).cloned().unwrap_or_default())
            .collect(),
    }
}

fn mean_of(outs: &[TaskOutput], f: impl Fn(&crate::reference::Reference) -> f64) -> Option<f64> {
    let values: Vec<f64> = outs
        .iter()
        .filter_map(|o| o.reference.as_ref().map(&f))
        .collect();
    (!values.is_empty()).then(|| values.iter().sum::<f64>() / values.len() as f64)
}

fn figure_row(panel: &Panel, outs: &[TaskOutput]) -> [Subplot; 2] {
    let x_label = if panel.algo == Algo::Supervised {
        "epoch"
    } else {
        "iteration"
    };
    if panel.algo == Algo::Supervised {
        let chance = HLine {
            label: "chance (1/M)".into(),
            value: 1.0 / panel.bins as f64,
        };
        return [
            Subplot {
                title: format!("{}: training loss", panel.label),
                x_label: x_label.into(),
                y_label: "cross-entropy loss".into(),
                curves: vec![curve_set(panel, outs, "loss")],
                hlines: vec![HLine {
                    label: "ln M (uniform guess)".into(),
                    value: (panel.bins as f64).ln(),
                }],
            },
            Subplot {
                title: format!("{}: accuracy", panel.label),
                x_label: x_label.into(),
                y_label: "accuracy".into(),
                curves: vec![
                    CurveSet {
                        label: "train".into(),
                        ..curve_set(panel, outs, "train_accuracy")
                    },
                    CurveSet {
                        label: "held-out".into(),
                        ..curve_set(panel, outs, "held_out_accuracy")
                    },
                ],
                hlines: vec![chance],
            },
        ];
    }
    let mut reward_lines = Vec::new();
    let mut coll_lines = Vec::new();
    if let Some(r) = mean_of(outs, |r| r.reward.mean) {
        reward_lines.push(HLine {
            label: "Python hash".into(),
            value: r,
        });
    }
    if let Some(c) = mean_of(outs, |r| r.max_collisions_in_bin.mean) {
        coll_lines.push(HLine {
            label: "Python hash".into(),
            value: c,
        });
    }
    [
        Subplot {
            title: format!("{}: reward", panel.label),
            x_label: x_label.into(),
            y_label: "episode reward".into(),
            curves: vec![curve_set(panel, outs, "reward")],
            hlines: reward_lines,
        },
        Subplot {
            title: format!("{}: max collisions in one bin", panel.label),
            x_label: x_label.into(),
            y_label: "max collisions in one bin".into(),
            curves: vec![curve_set(panel, outs, "max_collisions_in_bin")],
            hlines: coll_lines,
        },
    ]
}

/// Per-seed mean over the last 10% of iterations (at least one), then summarized across seeds.
fn final_summary(outs: &[TaskOutput], name: &str) -> Option<Summary> {
    let finals: Vec<f64> = outs
        .iter()
        .filter_map(|o| o.curves.get(name))
        .filter(|c| !c.is_empty())
        .map(|c| {
            let tail = &c[c.len() - c.len().div_ceil(10)..];
            tail.iter().sum::<f64>() / tail.len() as f64
        })
        .collect();
    (!finals.is_empty()).then(|| Summary::of(&finals))
}

fn panel_summary(panel: &Panel, outs: &[TaskOutput], names: &[&str]) -> Value {
    let finals: BTreeMap<&str, Option<Summary>> =
        names.iter().map(|n| (*n, final_summary(outs, n))).collect();
    let first = |name: &str| {
        outs.iter()
            .map(|o| o.curves.get(name).and_then(|c| c.first().copied()))
            .collect::<Vec<_>>()
    };
    json!({
        "id": panel.id,
        "label": panel.label,
        "origin": panel.origin,
        "algo": panel.algo,
        "words": panel.words,
        "bins": panel.bins,
        "schedule": panel.schedule,
        "occupancy": panel.occupancy,
        "iterations": panel.iterations,
        "seeds": outs.iter().map(|o| o.seed).collect::<Vec<_>>(),
        "final_last_10_percent": finals,
        "first_iteration": names.iter().map(|n| (*n, first(n))).collect::<BTreeMap<_, _>>(),
        "iterations_to_perfect": outs.iter().map(|o| o.iterations_to_perfect).collect::<Vec<_>>(),
        "python_reference": outs.iter().map(|o| o.reference.clone()).collect::<Vec<_>>(),
        "generalization": outs.iter().map(|o| o.generalization.clone()).collect::<Vec<_>>(),
    })
}

/// `mean ± 95% CI half-width` of a summary, or `-`.
fn pm(s: Option<&Summary>) -> String {
    match s {
        // Accuracies and other values below 1 (chance is 1/M) need more digits.
        Some(s) if s.mean.abs() < 1.0 && s.ci95_half_width.is_finite() => {
            format!("{:.5} ± {:.5}", s.mean, s.ci95_half_width)
        }
        Some(s) if s.ci95_half_width.is_finite() => {
            format!("{:.2} ± {:.2}", s.mean, s.ci95_half_width)
        }
        Some(s) => format!("{:.5}", s.mean),
        None => "-".into(),
    }
}

/// A human-readable table of the run: first and final values per panel against the references.
fn summary_markdown(
    exp: &Experiment,
    by_panel: &BTreeMap<String, Vec<TaskOutput>>,
    run_id: &str,
) -> String {
    let mut md = format!(
        "# {}: {}\n\nRun `{run_id}`. Values are means over seeds ± the 95% CI half-width; \"final\" \
                          is each seed's mean over its last 10% of iterations.\n\n",
        exp.figure, exp.title
    );
    for panel in &exp.panel {
        let outs = by_panel
            .get(&panel.id)
            .map(Vec::as_slice)
            .unwrap_or_default();
        md.push_str(&format!(
            "## {} [{}]\n\n",
            panel.label,
            if panel.origin == Origin::Ours {
                "ours"
            } else {
                "paper"
            }
        ));
        let names: &[&str] = if panel.algo == Algo::Supervised {
            &SUPERVISED_CURVES
        } else {
            &RL_CURVES
        };
        md.push_str("| quantity | first iteration | final |\n|---|---|---|\n");
        for name in names {
            let firsts: Vec<f64> = outs
                .iter()
                .filter_map(|o| o.curves.get(name).and_then(|c| c.first().copied()))
                .collect();
            let first = (!firsts.is_empty()).then(|| Summary::of(&firsts));
            md.push_str(&format!(
                "| {name} | {} | {} |\n",
                pm(first.as_ref()),
                pm(final_summary(outs, name).as_ref())
            ));
        }
        let refs: Vec<_> = outs.iter().filter_map(|o| o.reference.as_ref()).collect();
        if let Some(r) = refs.first() {
            let mean = |f: &dyn Fn(&crate::reference::Reference) -> f64| {
                refs.iter().map(|r| f(r)).sum::<f64>() / refs.len() as f64
            };
            md.push_str(&format!(
                "\nPython's hash on the same word sets ({} samples of {} words into {} bins per seed): reward {:.1}, \
                 collisions {:.2}, max collisions in one bin {:.2}; a uniform random function: {:.2} collisions.\n",
                r.samples, r.n, r.m,
                mean(&|r| r.reward.mean), mean(&|r| r.collisions.mean), mean(&|r| r.max_collisions_in_bin.mean),
                r.uniform_expected_collisions
            ));
        }
        if panel.schedule == crate::config::Schedule::Fixed && panel.algo != Algo::Supervised {
            let perfect: Vec<String> = outs
                .iter()
                .map(|o| {
                    o.iterations_to_perfect
                        .map_or("not reached".into(), |i| i.to_string())
                })
                .collect();
            md.push_str(&format!(
                "\nIterations to a zero-collision hash of the training words, per seed: {}.\n",
                perfect.join(", ")
            ));
        }
        let gens: Vec<_> = outs
            .iter()
            .filter_map(|o| o.generalization.as_ref())
            .collect();
        if let Some(g) = gens.first() {
            let avg = |f: &dyn Fn(&GeneralizationResult) -> f64| {
                gens.iter().map(|g| f(g)).sum::<f64>() / gens.len() as f64
            };
            md.push_str(&format!(
                "\nUnseen words ({} samples of {} words into {} bins, mean over seeds): neural hash {:.2} collisions \
                 (max load {:.2}), Python's hash {:.2} (max load {:.2}), uniform random {:.2}.\n",
                g.samples, g.words, g.bins,
                avg(&|g| g.neural_collisions.mean), avg(&|g| g.neural_max_load.mean),
                avg(&|g| g.python_collisions.mean), avg(&|g| g.python_max_load.mean), g.uniform_expected_collisions
            ));
        }
        md.push('\n');
    }
    md
}
