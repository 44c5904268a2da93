//! `replot`: draws a finished run's figure again from its recorded files, without training.
//!
//! A run directory holds everything its figure shows: `config.toml` (the panels), the per-seed
//! curves in `curves/<panel>__seed<s>.csv`, Python's reference per seed in `summary.json`, and the
//! corpus in `metadata.json`. Drawing them again gives the same curves under the current plotting
//! code, into a new file; the run's own figure is never touched.

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};

use serde_json::Value;

use crate::config::Experiment;
use crate::report::{FigureCaption, PanelCurves, draw_run_figure, mean};
use crate::{Error, Result};

/// Draws the figure of the run in `run_dir` into the new file `out` (default:
/// `<run_dir>/<figure>.replotted.png`); returns the file written.
///
/// # Errors
/// A missing or malformed record (naming the file and what is wrong), an existing `out`, or a
/// drawing failure.
pub fn replot(run_dir: &Path, out: Option<&Path>) -> Result<PathBuf> {
    let exp = Experiment::from_path(&run_dir.join("config.toml"))?;
    let metadata_path = run_dir.join("metadata.json");
    let metadata = read_json(&metadata_path)?;
    let summary_path = run_dir.join("summary.json");
    let summary = read_json(&summary_path)?;
    let run_id = field(&metadata, &metadata_path, &["run_id"])?
        .as_str()
        .ok_or_else(|| malformed(&metadata_path, "`run_id` is not a string"))?
        .to_owned();
    let corpus_words = field(&metadata, &metadata_path, &["corpus", "words"])?
        .as_u64()
        .ok_or_else(|| malformed(&metadata_path, "`corpus.words` is not a count"))?;
    let paper_corpus = field(&metadata, &metadata_path, &["corpus", "is_paper_corpus"])?
        .as_bool()
        .ok_or_else(|| malformed(&metadata_path, "`corpus.is_paper_corpus` is not a bool"))?;
    let recorded = field(&summary, &summary_path, &["panels"])?
        .as_array()
        .ok_or_else(|| malformed(&summary_path, "`panels` is not a list"))?;
    let panels = exp
        .panel
        .iter()
        .map(|panel| {
            let entry = recorded
                .iter()
                .find(|p| p.get("id").and_then(Value::as_str) == Some(panel.id.as_str()))
                .ok_or_else(|| malformed(&summary_path, &format!("no panel `{}`", panel.id)))?;
            panel_curves(run_dir, &summary_path, &panel.id, entry)
        })
        .collect::<Result<Vec<_>>>()?;
    let out = out.map_or_else(
        || run_dir.join(format!("{}.replotted.png", exp.figure)),
        Path::to_path_buf,
    );
    let caption = FigureCaption {
        corpus_words: usize::try_from(corpus_words).unwrap_or(usize::MAX),
        paper_corpus,
        run_id: &run_id,
    };
    draw_run_figure(&exp, &panels, &caption, &out)?;
    Ok(out)
}

/// One panel's curves (from its seeds' CSV files) and Python's reference (from `summary.json`).
fn panel_curves(
    run_dir: &Path,
    summary_path: &Path,
    id: &str,
    entry: &Value,
) -> Result<PanelCurves> {
    let seeds = entry
        .get("seeds")
        .and_then(Value::as_array)
        .ok_or_else(|| malformed(summary_path, &format!("panel `{id}` has no `seeds` list")))?;
    let per_seed = seeds
        .iter()
        .map(|seed| {
            let seed = seed.as_u64().ok_or_else(|| {
                malformed(
                    summary_path,
                    &format!("panel `{id}`: a seed is not a number"),
                )
            })?;
            read_curves(&run_dir.join(format!("curves/{id}__seed{seed}.csv")))
        })
        .collect::<Result<Vec<_>>>()?;
    let references: Vec<&Value> = entry
        .get("python_reference")
        .and_then(Value::as_array)
        .map(|r| r.iter().filter(|v| !v.is_null()).collect())
        .unwrap_or_default();
    let reference_mean = |key: &str| {
        let values = references
            .iter()
            .map(|r| {
                r.get(key)
                    .and_then(|s| s.get("mean"))
                    .and_then(Value::as_f64)
            })
            .collect::<Option<Vec<f64>>>()
            .ok_or_else(|| {
                malformed(
                    summary_path,
                    &format!("panel `{id}`: a `python_reference` lacks `{key}.mean`"),
                )
            })?;
        Ok::<_, Error>(mean(values.into_iter()))
    };
    Ok(PanelCurves {
        per_seed,
        python_reward: reference_mean("reward")?,
        python_max_collisions_in_bin: reference_mean("max_collisions_in_bin")?,
    })
}

/// A per-seed metrics CSV as named columns; an empty cell (a value the learner does not have) is
/// NaN.
fn read_curves(path: &Path) -> Result<BTreeMap<String, Vec<f64>>> {
    let mut reader = csv::Reader::from_path(path).map_err(|e| malformed(path, &e.to_string()))?;
    let names: Vec<String> = reader
        .headers()
        .map_err(|e| malformed(path, &e.to_string()))?
        .iter()
        .map(str::to_owned)
        .collect();
    let mut columns: Vec<Vec<f64>> = vec![Vec::new(); names.len()];
    for (row, record) in reader.records().enumerate() {
        let record = record.map_err(|e| malformed(path, &e.to_string()))?;
        for ((cell, column), name) in record.iter().zip(&mut columns).zip(&names) {
            let value = if cell.is_empty() {
                f64::NAN
            } else {
                cell.parse().map_err(|_| {
                    // Line 1 is the header.
                    malformed(
                        path,
                        &format!(
                            "line {}, column `{name}`: `{cell}` is not a number",
                            row + 2
                        ),
                    )
                })?
            };
            column.push(value);
        }
    }
    Ok(names.into_iter().zip(columns).collect())
}

fn read_json(path: &Path) -> Result<Value> {
    let text = std::fs::read_to_string(path).map_err(|source| Error::Io {
        path: path.to_path_buf(),
        source,
    })?;
    serde_json::from_str(&text).map_err(|e| malformed(path, &e.to_string()))
}

/// The value at `keys` in `value`, or an error naming the missing key.
fn field<'a>(value: &'a Value, path: &Path, keys: &[&str]) -> Result<&'a Value> {
    keys.iter().try_fold(value, |v, key| {
        v.get(key)
            .ok_or_else(|| malformed(path, &format!("no `{}`", keys.join("."))))
    })
}

fn malformed(path: &Path, message: &str) -> Error {
    Error::Record {
        path: path.to_path_buf(),
        message: message.to_owned(),
    }
}
