//! `replot`: draws a finished run's figure again from its recorded files, without training.
//!
//! A run directory holds everything its figure shows: `config.toml` (the panels), the per-seed
//! curves in `curves/<panel>__seed<s>.csv`, Python's reference per seed in `summary.json`, and the
//! corpus in `metadata.json`, each read through the type that wrote it. Drawing them again gives the
//! same curves under the current plotting code, into a new file; the run's own figure is never
//! touched.

use std::path::{Path, PathBuf};

use crate::config::Experiment;
use crate::metadata::{RunMetadata, read_json};
use crate::records::read_curves;
use crate::report::{FigureCaption, PanelCurves, draw_run_figure, mean};
use crate::summary::{FigureSummary, PanelSummary};
use crate::task::CurveName;
use crate::{Error, Result};

/// Draws the figure of the run in `run_dir` into the new file `out` (default:
/// `<run_dir>/<figure>.replotted.png`); returns the file written.
///
/// # Errors
/// A missing or malformed record (naming the file and what is wrong), an existing `out`, or a
/// drawing failure.
pub fn replot(run_dir: &Path, out: Option<&Path>) -> Result<PathBuf> {
    let exp = Experiment::from_path(&run_dir.join("config.toml"))?;
    let metadata_path = run_dir.join(crate::finish::METADATA_FILE);
    if !metadata_path.is_file() && run_dir.join(crate::plan::PLAN_FILE).is_file() {
        return Err(Error::Record {
            path: metadata_path,
            message: format!(
                "not found: the run is not finished; finish it with `nh reproduce --resume {}`",
                run_dir.display()
            ),
        });
    }
    let metadata: RunMetadata = read_json(&metadata_path)?;
    let summary_path = run_dir.join("summary.json");
    let summary: FigureSummary = read_json(&summary_path)?;
    let panels = exp
        .panel
        .iter()
        .map(|panel| {
            let entry = summary
                .panels
                .iter()
                .find(|p| p.id == panel.id)
                .ok_or_else(|| Error::Record {
                    path: summary_path.clone(),
                    message: format!("no panel `{}`", panel.id),
                })?;
            panel_curves(run_dir, entry, CurveName::of(panel.algo))
        })
        .collect::<Result<Vec<_>>>()?;
    let out = out.map_or_else(
        || run_dir.join(format!("{}.replotted.png", exp.figure)),
        Path::to_path_buf,
    );
    let caption = FigureCaption {
        corpus_words: metadata.corpus.words,
        paper_corpus: metadata.corpus.is_paper_corpus,
        run_id: &metadata.run_id,
    };
    draw_run_figure(&exp, &panels, &caption, &out)?;
    Ok(out)
}

/// One panel's curves (from its seeds' CSV files) and Python's reference (from `summary.json`).
fn panel_curves(run_dir: &Path, entry: &PanelSummary, names: &[CurveName]) -> Result<PanelCurves> {
    let per_seed = entry
        .seeds
        .iter()
        .map(|seed| {
            read_curves(
                &run_dir.join(format!("curves/{}__seed{seed}.csv", entry.id)),
                names,
            )
        })
        .collect::<Result<Vec<_>>>()?;
    let references: Vec<_> = entry.python_reference.iter().flatten().collect();
    Ok(PanelCurves {
        per_seed,
        python_reward: mean(references.iter().map(|r| r.reward.mean)),
        python_max_collisions_in_bin: mean(references.iter().map(|r| r.max_collisions_in_bin.mean)),
    })
}
