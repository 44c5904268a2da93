//! CSV encoding of per-seed curves and of their across-seed aggregate (mean and 95% CI), and the
//! typed reader of a unit's curves.

use std::path::Path;

use nh_metrics::summarize_curves;
use serde::Serialize;

use crate::task::{CurveName, Curves};
use crate::{Error, Result};

/// Serializes rows to CSV bytes with a header from the row type's field names.
pub fn to_csv<T: Serialize>(rows: &[T]) -> std::result::Result<Vec<u8>, csv::Error> {
    let mut writer = csv::Writer::from_writer(Vec::new());
    for row in rows {
        writer.serialize(row)?;
    }
    writer
        .into_inner()
        .map_err(|e| csv::Error::from(e.into_error()))
}

/// Splits the column `name` out of a CSV: returns the CSV without it, and a CSV of the first column
/// (the iteration or epoch) beside it. Wall times go to their own file this way, so that a unit's
/// curves are the same bytes whenever and wherever it trains.
///
/// # Errors
/// The CSV cannot be parsed, or has no column `name`.
pub fn split_column(
    csv_bytes: &[u8],
    name: &str,
) -> std::result::Result<(Vec<u8>, Vec<u8>), String> {
    let mut reader = csv::Reader::from_reader(csv_bytes);
    let headers = reader.headers().map_err(|e| e.to_string())?.clone();
    let at = headers
        .iter()
        .position(|h| h == name)
        .ok_or_else(|| format!("no column `{name}`"))?;
    let mut rest = csv::Writer::from_writer(Vec::new());
    let mut split = csv::Writer::from_writer(Vec::new());
    let write_row = |record: &csv::StringRecord,
                     rest: &mut csv::Writer<Vec<u8>>,
                     split: &mut csv::Writer<Vec<u8>>| {
        rest.write_record(
            record
                .iter()
                .enumerate()
                .filter(|(i, _)| *i != at)
                .map(|(_, c)| c),
        )?;
        split.write_record([&record[0], &record[at]])
    };
    write_row(&headers, &mut rest, &mut split).map_err(|e| e.to_string())?;
    for record in reader.records() {
        let record = record.map_err(|e| e.to_string())?;
        write_row(&record, &mut rest, &mut split).map_err(|e| e.to_string())?;
    }
    let bytes = |w: csv::Writer<Vec<u8>>| w.into_inner().map_err(|e| e.to_string());
    Ok((bytes(rest)?, bytes(split)?))
}

/// Reads the curves `names` from a unit's curves CSV; an empty cell (a value the learner does not
/// have in that iteration) is NaN.
///
/// # Errors
/// [`Error::Record`] naming the file and the missing column, the bad cell's line and column, or a
/// file without rows.
pub fn read_curves(path: &Path, names: &[CurveName]) -> Result<Curves> {
    let malformed = |message: String| Error::Record {
        path: path.to_path_buf(),
        message,
    };
    let mut reader = csv::Reader::from_path(path).map_err(|e| malformed(e.to_string()))?;
    let headers = reader
        .headers()
        .map_err(|e| malformed(e.to_string()))?
        .clone();
    let columns = names
        .iter()
        .map(|name| {
            headers
                .iter()
                .position(|h| h == name.as_str())
                .map(|at| (*name, at))
                .ok_or_else(|| malformed(format!("no column `{}`", name.as_str())))
        })
        .collect::<Result<Vec<_>>>()?;
    let mut curves: Curves = names.iter().map(|n| (*n, Vec::new())).collect();
    for (row, record) in reader.records().enumerate() {
        let record = record.map_err(|e| malformed(e.to_string()))?;
        for &(name, at) in &columns {
            let cell = record.get(at).unwrap_or_default();
            let value = if cell.is_empty() {
                f64::NAN
            } else {
                cell.parse().map_err(|_| {
                    // Line 1 is the header.
                    malformed(format!(
                        "line {}, column `{}`: `{cell}` is not a number",
                        row + 2,
                        name.as_str()
                    ))
                })?
            };
            curves
                .get_mut(&name)
                .expect("every name has a curve")
                .push(value);
        }
    }
    if curves.values().all(Vec::is_empty) {
        return Err(malformed("has a header but no rows".into()));
    }
    Ok(curves)
}

/// A named per-iteration quantity over seeds: `per_seed[s][i]`.
pub struct Column<'a> {
    /// Column name, e.g. `reward`.
    pub name: &'a str,
    /// One curve per seed.
    pub per_seed: Vec<Vec<f64>>,
}

/// The aggregate CSV: `iteration,seeds,<name>_mean,<name>_ci95_low,<name>_ci95_high,...`.
///
/// Seeds that stopped early (e.g. at zero collisions) simply contribute to fewer rows; the `seeds`
/// column says how many seeds each row averages.
pub fn aggregate_csv(columns: &[Column<'_>]) -> String {
    let summaries: Vec<_> = columns
        .iter()
        .map(|c| summarize_curves(&c.per_seed))
        .collect();
    let rows = summaries.iter().map(Vec::len).max().unwrap_or(0);
    let mut out = String::from("iteration,seeds");
    for c in columns {
        out.push_str(&format!(",{0}_mean,{0}_ci95_low,{0}_ci95_high", c.name));
    }
    out.push('\n');
    for i in 0..rows {
        let seeds = summaries.first().and_then(|s| s.get(i)).map_or(0, |s| s.n);
        out.push_str(&format!("{},{seeds}", i + 1));
        for s in &summaries {
            match s.get(i) {
                Some(s) => {
                    let (lo, hi) = s.ci95();
                    out.push_str(&format!(
                        ",{},{},{}",
                        s.mean,
                        finite_or_empty(lo),
                        finite_or_empty(hi)
                    ));
                }
                None => out.push_str(",,,"),
            }
        }
        out.push('\n');
    }
    out
}

fn finite_or_empty(v: f64) -> String {
    if v.is_finite() {
        v.to_string()
    } else {
        String::new()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn aggregate_has_means_and_ragged_seed_counts() {
        let csv = aggregate_csv(&[Column {
            name: "reward",
            per_seed: vec![vec![1.0, 3.0], vec![3.0]],
        }]);
        let lines: Vec<_> = csv.lines().collect();
        assert_eq!(
            lines[0],
            "iteration,seeds,reward_mean,reward_ci95_low,reward_ci95_high"
        );
        assert!(lines[1].starts_with("1,2,2,"), "{}", lines[1]);
        assert!(lines[2].starts_with("2,1,3,"), "{}", lines[2]);
    }

    #[test]
    fn rows_serialize_with_a_header() {
        #[derive(Serialize)]
        struct Row {
            iteration: usize,
            reward: f64,
        }
        let bytes = to_csv(&[Row {
            iteration: 1,
            reward: -2.5,
        }])
        .unwrap();
        assert_eq!(
            String::from_utf8(bytes).unwrap(),
            "iteration,reward\n1,-2.5\n"
        );
    }
}
