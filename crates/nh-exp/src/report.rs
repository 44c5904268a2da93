//! A figure's outputs from its finished units: aggregate CSVs, the PNG, `summary.json`,
//! `summary.md` and `metadata.json`.

use std::collections::BTreeMap;
use std::path::Path;

use nh_metrics::Summary;

use crate::config::{Algo, Experiment, Origin, Panel};
use crate::metadata::{RunMetadata, json_bytes};
use crate::plot::{CurveSet, HLine, Subplot, draw_figure};
use crate::records::{Column, aggregate_csv};
use crate::reference::Reference;
use crate::rundir::{Existing, RunDir, place_file};
use crate::summary::{FigureSummary, PanelSummary};
use crate::task::{CurveName, Curves, GeneralizationResult};
use crate::unit::UnitRecord;
use crate::windows::{Window, bootstrap_intervals, seed_means, window_summary};
use crate::{Error, Result};

/// A finished unit as the finish step reads it back: its record and its curves.
#[derive(Debug, Clone)]
pub struct FinishedUnit {
    /// The unit's record.
    pub record: UnitRecord,
    /// The curves of its panel's kind ([`CurveName::of`]).
    pub curves: Curves,
}

/// Writes aggregates, the figure, `summary.json`, `summary.md` and `metadata.json`; returns the
/// summary.
pub fn write_figure_outputs(
    exp: &Experiment,
    dir: &RunDir,
    by_panel: &BTreeMap<String, Vec<FinishedUnit>>,
    metadata: &RunMetadata,
) -> Result<FigureSummary> {
    let aggregate = dir.path().join("aggregate");
    std::fs::create_dir(&aggregate).map_err(|source| Error::Io {
        path: aggregate,
        source,
    })?;
    let mut curves = Vec::new();
    let mut panels = Vec::new();
    for panel in &exp.panel {
        let outs = by_panel
            .get(&panel.id)
            .map(Vec::as_slice)
            .unwrap_or_default();
        let names = CurveName::of(panel.algo);
        let columns: Vec<Column<'_>> = names
            .iter()
            .map(|name| Column {
                name: name.as_str(),
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
        curves.push(PanelCurves::of(outs));
        panels.push(panel_summary(panel, outs, names));
    }
    let caption = FigureCaption {
        corpus_words: metadata.corpus.words,
        paper_corpus: metadata.corpus.is_paper_corpus,
        run_id: dir.id(),
    };
    let png = dir.path().join(format!("{}.png", exp.figure));
    draw_run_figure(exp, &curves, &caption, &png)?;
    let summary = FigureSummary {
        figure: exp.figure.clone(),
        title: exp.title.clone(),
        paper_claim: exp.paper_claim.clone(),
        run_id: dir.id().to_owned(),
        panels,
    };
    dir.write("summary.json", &json_bytes(&summary))?;
    dir.write(
        "summary.md",
        summary_markdown(exp, by_panel, &summary).as_bytes(),
    )?;
    // Written last: a run with `metadata.json` is finished.
    dir.write("metadata.json", &json_bytes(metadata))?;
    Ok(summary)
}

/// What a figure needs from one panel: each seed's named curves, and Python's hash on the same
/// word sets (the reference lines), averaged over seeds.
#[derive(Debug, Clone, Default)]
pub(crate) struct PanelCurves {
    /// Per seed: per-iteration curves by name.
    pub per_seed: Vec<Curves>,
    /// Python's hash: mean episode reward on the panel's word sets.
    pub python_reward: Option<f64>,
    /// Python's hash: mean max collisions in one bin on the panel's word sets.
    pub python_max_collisions_in_bin: Option<f64>,
}

impl PanelCurves {
    /// From the finished units of a panel.
    fn of(outs: &[FinishedUnit]) -> PanelCurves {
        let references: Vec<&Reference> = outs
            .iter()
            .filter_map(|o| o.record.reference.as_ref())
            .collect();
        PanelCurves {
            per_seed: outs.iter().map(|o| o.curves.clone()).collect(),
            python_reward: mean(references.iter().map(|r| r.reward.mean)),
            python_max_collisions_in_bin: mean(
                references.iter().map(|r| r.max_collisions_in_bin.mean),
            ),
        }
    }

    /// The panel's curves of `name`, labelled by the setup's origin (the panel is in the title).
    fn curve_set(&self, panel: &Panel, name: CurveName) -> CurveSet {
        CurveSet {
            label: if panel.origin == Origin::Ours {
                "our setup".to_owned()
            } else {
                "the paper's setup".to_owned()
            },
            per_seed: self
                .per_seed
                .iter()
                .map(|curves| curves.get(&name).cloned().unwrap_or_default())
                .collect(),
        }
    }
}

/// The mean of some values, `None` when there are none.
pub(crate) fn mean(values: impl Iterator<Item = f64>) -> Option<f64> {
    let (sum, count) = values.fold((0.0, 0usize), |(s, c), v| (s + v, c + 1));
    (count > 0).then(|| sum / count as f64)
}

/// Where a figure's data came from, for its caption.
pub(crate) struct FigureCaption<'a> {
    /// Words in the corpus.
    pub corpus_words: usize,
    /// Whether the corpus is the paper's word list.
    pub paper_corpus: bool,
    /// The run id.
    pub run_id: &'a str,
}

/// Draws the figure of `exp` (one row per panel) into a new file `png`, through a temporary file
/// beside it; an existing `png` is an error, never overwritten.
pub(crate) fn draw_run_figure(
    exp: &Experiment,
    panels: &[PanelCurves],
    caption: &FigureCaption<'_>,
    png: &Path,
) -> Result<()> {
    let rows: Vec<[Subplot; 2]> = exp
        .panel
        .iter()
        .zip(panels)
        .map(|(panel, curves)| figure_row(panel, curves, exp.smoothing))
        .collect();
    let thick = if exp.smoothing > 1 {
        format!(
            "Thick line: mean over seeds of each seed's trailing moving average of {} \
             iterations, and the shaded band and thin lines are drawn from those averages too \
             (faint line beneath: the raw mean; the CSVs keep the raw values; curves shorter \
             than {} iterations are drawn raw)",
            exp.smoothing,
            crate::plot::MIN_WINDOWS_TO_SMOOTH * exp.smoothing
        )
    } else {
        "Thick line: mean over seeds".to_owned()
    };
    let text = format!(
        "{}: {}. {thick}; shaded band: lowest to highest seed; thin lines: individual seeds; \
         dashed: reference. Corpus: {} words{}. Run {}.",
        exp.figure,
        exp.title,
        caption.corpus_words,
        if caption.paper_corpus {
            " (the paper's)"
        } else {
            ""
        },
        caption.run_id
    );
    let name = png
        .file_name()
        .map_or_else(|| exp.figure.clone(), |n| n.to_string_lossy().into_owned());
    let tmp = png.with_file_name(format!(".{name}.partial.png"));
    draw_figure(&tmp, &rows, &text)?;
    place_file(&tmp, png, Existing::Refuse)
}

fn figure_row(panel: &Panel, data: &PanelCurves, smoothing: usize) -> [Subplot; 2] {
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
                curves: vec![data.curve_set(panel, CurveName::Loss)],
                hlines: vec![HLine {
                    label: "ln M (uniform guess)".into(),
                    value: (panel.bins as f64).ln(),
                }],
                smoothing,
            },
            Subplot {
                title: format!("{}: accuracy", panel.label),
                x_label: x_label.into(),
                y_label: "accuracy".into(),
                curves: vec![
                    CurveSet {
                        label: "train".into(),
                        ..data.curve_set(panel, CurveName::TrainAccuracy)
                    },
                    CurveSet {
                        label: "held-out".into(),
                        ..data.curve_set(panel, CurveName::HeldOutAccuracy)
                    },
                ],
                hlines: vec![chance],
                smoothing,
            },
        ];
    }
    let python_line = |value: Option<f64>| {
        value
            .map(|value| HLine {
                label: "Python hash".into(),
                value,
            })
            .into_iter()
            .collect()
    };
    [
        Subplot {
            title: format!("{}: reward", panel.label),
            x_label: x_label.into(),
            y_label: "episode reward".into(),
            curves: vec![data.curve_set(panel, CurveName::Reward)],
            hlines: python_line(data.python_reward),
            smoothing,
        },
        Subplot {
            title: format!("{}: max collisions in one bin", panel.label),
            x_label: x_label.into(),
            y_label: "max collisions in one bin".into(),
            curves: vec![data.curve_set(panel, CurveName::MaxCollisionsInBin)],
            hlines: python_line(data.python_max_collisions_in_bin),
            smoothing,
        },
    ]
}

/// Per-seed means of `name` over `window`, summarized across seeds.
fn window_stats(outs: &[FinishedUnit], name: CurveName, window: Window) -> Option<Summary> {
    window_summary(&seed_means(outs.iter().map(|o| &o.curves), name, window))
}

fn panel_summary(panel: &Panel, outs: &[FinishedUnit], names: &[CurveName]) -> PanelSummary {
    let first = |name: &CurveName| {
        outs.iter()
            .map(|o| o.curves.get(name).and_then(|c| c.first().copied()))
            .collect::<Vec<_>>()
    };
    PanelSummary {
        id: panel.id.clone(),
        label: panel.label.clone(),
        origin: panel.origin,
        algo: panel.algo,
        words: panel.words,
        bins: panel.bins,
        schedule: panel.schedule,
        occupancy: panel.occupancy,
        iterations: panel.iterations,
        seeds: outs.iter().map(|o| o.record.seed).collect(),
        final_last_10_percent: names
            .iter()
            .map(|n| (*n, window_stats(outs, *n, Window::Last)))
            .collect(),
        first_10_percent: names
            .iter()
            .map(|n| (*n, window_stats(outs, *n, Window::First)))
            .collect(),
        bootstrap_ci95: bootstrap_intervals(
            &outs.iter().map(|o| &o.curves).collect::<Vec<_>>(),
            names,
        ),
        first_iteration: names.iter().map(|n| (*n, first(n))).collect(),
        iterations_to_perfect: outs
            .iter()
            .map(|o| o.record.iterations_to_perfect)
            .collect(),
        batches: outs.iter().map(|o| o.record.batches.clone()).collect(),
        python_reference: outs.iter().map(|o| o.record.reference.clone()).collect(),
        generalization: outs
            .iter()
            .map(|o| o.record.generalization.clone())
            .collect(),
    }
}

/// The per-batch results of a `batches` panel, one line per seed.
fn batches_markdown(outs: &[FinishedUnit]) -> String {
    let iterations = |i: Option<usize>| i.map_or("not reached".to_owned(), |i| i.to_string());
    let mut md = String::from(
        "\nBatches (each batch alone into the bins), per seed: iterations until every batch's \
         argmax placement was collision-free; when each batch first was (one batch per \
         iteration, cycled); the saved hash's collisions per batch.\n\n",
    );
    for o in outs {
        let Some(b) = &o.record.batches else { continue };
        let first = b.first_zero.as_ref().map_or(
            "not tracked (every iteration scores all batches)".to_owned(),
            |f| {
                f.iter()
                    .map(|&i| iterations(i))
                    .collect::<Vec<_>>()
                    .join(" / ")
            },
        );
        let finals: Vec<String> = b.final_collisions.iter().map(usize::to_string).collect();
        md.push_str(&format!(
            "- seed {}: every batch {}; first zero per batch {}; final collisions per batch {}\n",
            o.record.seed,
            iterations(o.record.iterations_to_perfect),
            first,
            finals.join(" / ")
        ));
    }
    md
}

/// z-scores against a random function of each seed's mean collisions, e.g. `-0.31, 1.20`.
fn z_list(
    gens: &[&GeneralizationResult],
    mean_collisions: impl Fn(&GeneralizationResult) -> f64,
) -> String {
    gens.iter()
        .map(|g| format!("{:.2}", g.z_against_random(mean_collisions(g))))
        .collect::<Vec<_>>()
        .join(", ")
}

/// A window's cell: `mean ± t-interval half-width`, the bootstrap interval and the interquartile
/// mean over seeds, or `-`.
fn window_cell(summary: Option<&Summary>, bootstrap: Option<[f64; 2]>) -> String {
    match (summary, bootstrap) {
        (Some(s), Some([lo, hi])) => {
            let digits = if s.mean.abs() < 1.0 { 5 } else { 2 };
            format!(
                "{} (bootstrap [{lo:.digits$}, {hi:.digits$}], IQM {:.digits$})",
                pm(Some(s)),
                s.iqm
            )
        }
        (summary, _) => pm(summary),
    }
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

/// A human-readable table of the run: first and final values per panel against the references,
/// the window statistics read from `summary` (one entry per panel of `exp`, in order).
fn summary_markdown(
    exp: &Experiment,
    by_panel: &BTreeMap<String, Vec<FinishedUnit>>,
    summary: &FigureSummary,
) -> String {
    let run_id = &summary.run_id;
    let mut md = format!(
        "# {}: {}\n\nRun `{run_id}`. Values are means over seeds ± the 95% CI half-width (Student t); \
                          \"first 10%\" and \"final\" average each seed over its first and last 10% of \
                          iterations, with a percentile-bootstrap 95% interval over seeds and the \
                          interquartile mean (IQM) of the seeds.\n\n",
        exp.figure, exp.title
    );
    for (panel, stats) in exp.panel.iter().zip(&summary.panels) {
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
        let names = CurveName::of(panel.algo);
        md.push_str(
            "| quantity | first iteration | first 10% | final (last 10%) |\n|---|---|---|---|\n",
        );
        for name in names {
            let firsts: Vec<f64> = outs
                .iter()
                .filter_map(|o| o.curves.get(name).and_then(|c| c.first().copied()))
                .collect();
            let first = (!firsts.is_empty()).then(|| Summary::of(&firsts));
            let boot = stats.bootstrap_ci95.get(name).cloned().unwrap_or_default();
            let window = |summaries: &BTreeMap<CurveName, Option<Summary>>| {
                summaries.get(name).cloned().flatten()
            };
            md.push_str(&format!(
                "| {} | {} | {} | {} |\n",
                name.as_str(),
                pm(first.as_ref()),
                window_cell(
                    window(&stats.first_10_percent).as_ref(),
                    boot.first_10_percent
                ),
                window_cell(
                    window(&stats.final_last_10_percent).as_ref(),
                    boot.last_10_percent
                )
            ));
        }
        let refs: Vec<_> = outs
            .iter()
            .filter_map(|o| o.record.reference.as_ref())
            .collect();
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
                    o.record
                        .iterations_to_perfect
                        .map_or("not reached".into(), |i| i.to_string())
                })
                .collect();
            md.push_str(&format!(
                "\nIterations to a zero-collision hash of the training words, per seed: {}.\n",
                perfect.join(", ")
            ));
        }
        if panel.schedule == crate::config::Schedule::Batches {
            md.push_str(&batches_markdown(outs));
        }
        let gens: Vec<_> = outs
            .iter()
            .filter_map(|o| o.record.generalization.as_ref())
            .collect();
        if let Some(g) = gens.first() {
            let avg = |f: &dyn Fn(&GeneralizationResult) -> f64| {
                gens.iter().map(|g| f(g)).sum::<f64>() / gens.len() as f64
            };
            md.push_str(&format!(
                "\nUnseen words ({} samples of {} words into {} bins, mean over seeds): neural hash {:.2} collisions \
                 (max load {:.2}), Python's hash {:.2} (max load {:.2}), uniform random {:.2}. \
                 z against a random function, per seed: neural hash {}; Python's hash {}.\n",
                g.samples, g.words, g.bins,
                avg(&|g| g.neural_collisions.mean), avg(&|g| g.neural_max_load.mean),
                avg(&|g| g.python_collisions.mean), avg(&|g| g.python_max_load.mean), g.uniform_expected_collisions,
                z_list(&gens, |g| g.neural_collisions.mean),
                z_list(&gens, |g| g.python_collisions.mean)
            ));
        }
        md.push('\n');
    }
    md
}
