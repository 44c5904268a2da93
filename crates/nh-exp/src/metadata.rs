//! Run metadata: which code, data, device and seeds produced a result; and the typed JSON reader
//! every run record goes through.

use std::collections::BTreeMap;
use std::path::Path;
use std::process::Command;
use std::time::{SystemTime, UNIX_EPOCH};

use nh_agents::LibtorchInfo;
use serde::de::DeserializeOwned;
use serde::{Deserialize, Serialize};

use crate::plan::CorpusRecord;
use crate::{Error, Result};

/// A finished run's `metadata.json`: which code, data, device and seeds produced it.
///
/// Written by the finish step; every field that runs recorded before resumable runs lack is
/// optional, so their records still read.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct RunMetadata {
    /// Figure id.
    pub figure: String,
    /// Budget profile.
    pub profile: String,
    /// What the profile means.
    pub profile_about: String,
    /// The run id.
    pub run_id: String,
    /// When the run was planned (RFC 3339, UTC).
    pub started_at: String,
    /// When the finish step ran (absent in older runs).
    #[serde(default)]
    pub finished_at: Option<String>,
    /// Seconds from planning to finishing (interruptions and queue waits included).
    pub wall_seconds: f64,
    /// Commit of the code that planned the run.
    pub commit: String,
    /// The command that planned the run.
    pub command: Vec<String>,
    /// Seeds of every panel.
    pub seeds: Vec<u64>,
    /// Units trained at once by a local run.
    pub parallel_tasks: usize,
    /// The device the units trained on (`cpu`, `cuda:0`, ...; several joined by `, `).
    pub device: String,
    /// libtorch of the process that finished the run (absent in the oldest runs).
    #[serde(default)]
    pub libtorch: Option<LibtorchInfo>,
    /// The word list.
    pub corpus: CorpusRecord,
    /// Per panel: each seed's training time.
    pub wall_seconds_per_task: BTreeMap<String, Vec<SeedSeconds>>,
}

/// One unit's training time.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct SeedSeconds {
    /// Seed.
    pub seed: u64,
    /// Wall seconds of its training.
    pub seconds: f64,
}

/// Reads a JSON record into its type; errors name the file and what is wrong.
///
/// # Errors
/// [`Error::Io`] when the file cannot be read, [`Error::Record`] when it is not that record.
pub fn read_json<T: DeserializeOwned>(path: &Path) -> Result<T> {
    let text = std::fs::read_to_string(path).map_err(|source| Error::Io {
        path: path.to_path_buf(),
        source,
    })?;
    serde_json::from_str(&text).map_err(|e| Error::Record {
        path: path.to_path_buf(),
        message: e.to_string(),
    })
}

/// A record as pretty JSON bytes.
pub fn json_bytes<T: Serialize>(value: &T) -> Vec<u8> {
    let mut bytes = serde_json::to_vec_pretty(value).expect("records serialize to JSON");
    bytes.push(b'\n');
    bytes
}

/// The git commit of the working tree at `repo` (with `-dirty` when it has uncommitted changes),
/// or `unknown` outside a git checkout.
pub fn git_commit(repo: &Path) -> String {
    let run = |args: &[&str]| {
        Command::new("git")
            .args(args)
            .current_dir(repo)
            .output()
            .ok()
            .filter(|o| o.status.success())
            .map(|o| String::from_utf8_lossy(&o.stdout).trim().to_owned())
    };
    match run(&["rev-parse", "HEAD"]) {
        Some(commit) => {
            let dirty = run(&["status", "--porcelain", "--untracked-files=no"])
                .is_some_and(|s| !s.is_empty());
            if dirty {
                format!("{commit}-dirty")
            } else {
                commit
            }
        }
        None => "unknown".to_owned(),
    }
}

/// Seconds since the Unix epoch, with fractions.
pub fn unix_seconds() -> f64 {
    SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .map_or(0.0, |d| d.as_secs_f64())
}

/// Current UTC time as `YYYYMMDDTHHMMSSZ` (used in run ids) and as RFC 3339.
pub fn utc_stamps() -> (String, String) {
    let secs = SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .map_or(0, |d| d.as_secs());
    let (y, mo, d) = civil_from_days((secs / 86_400) as i64);
    let (h, mi, s) = ((secs % 86_400) / 3600, (secs % 3600) / 60, secs % 60);
    (
        format!("{y:04}{mo:02}{d:02}T{h:02}{mi:02}{s:02}Z"),
        format!("{y:04}-{mo:02}-{d:02}T{h:02}:{mi:02}:{s:02}Z"),
    )
}

/// Days since 1970-01-01 -> (year, month, day) in the proleptic Gregorian calendar.
fn civil_from_days(days: i64) -> (i64, u32, u32) {
    let z = days + 719_468;
    let era = z.div_euclid(146_097);
    let doe = z.rem_euclid(146_097);
    let yoe = (doe - doe / 1460 + doe / 36_524 - doe / 146_096) / 365;
    let doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
    let mp = (5 * doy + 2) / 153;
    let d = (doy - (153 * mp + 2) / 5 + 1) as u32;
    let m = if mp < 10 { mp + 3 } else { mp - 9 } as u32;
    (yoe + era * 400 + i64::from(m <= 2), m, d)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_published_runs_metadata_reads_as_run_metadata() {
        let figures = Path::new(env!("CARGO_MANIFEST_DIR")).join("../../docs/figures");
        let mut read = 0;
        for entry in std::fs::read_dir(&figures).unwrap() {
            let path = entry.unwrap().path();
            if path.to_string_lossy().ends_with(".metadata.json") {
                let metadata: RunMetadata = read_json(&path).unwrap();
                assert!(!metadata.run_id.is_empty(), "{}", path.display());
                read += 1;
            }
        }
        for n in 1..=7 {
            let record = figures.join(format!("fig{n}.metadata.json"));
            assert!(record.is_file(), "missing {}", record.display());
        }
        assert!(read >= 7, "every figure's record and any extra run's read");
    }

    #[test]
    fn civil_dates_are_right() {
        assert_eq!(civil_from_days(0), (1970, 1, 1));
        assert_eq!(civil_from_days(20_785), (2026, 11, 28));
        assert_eq!(civil_from_days(11_016), (2000, 2, 29));
    }
}
