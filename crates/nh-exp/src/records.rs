//! CSV encoding of per-seed curves and of their across-seed aggregate (mean and 95% CI).

use nh_metrics::summarize_curves;
use serde::Serialize;

/// Serializes rows to CSV bytes with a header from the row type's field names.
pub fn to_csv<T: Serialize>(rows: &[T]) -> Result<Vec<u8>, csv::Error> {
    let mut writer = csv::Writer::from_writer(Vec::new());
    for row in rows {
        writer.serialize(row)?;
    }
    writer
        .into_inner()
        .map_err(|e| csv::Error::from(e.into_error()))
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
