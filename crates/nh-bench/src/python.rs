//! CPython's own hash loop, timed by python3 itself on the benchmark's words.
//!
//! The words go to the interpreter on stdin (one per line). Every timed loop runs over freshly
//! split `str` objects, whose hashes CPython has not cached yet (a `str` caches its hash on first
//! use), except the `cached` loop, which hashes the same objects a second time. Loops run inside
//! a function, as `timeit` does. `PYTHONHASHSEED=0`, so the bins can be checked against
//! nh-metrics' `PyStrHash`.

use std::io::Write;
use std::path::Path;
use std::process::{Command, Stdio};

use nh_metrics::PyStrHash;
use serde::{Deserialize, Serialize};

use super::timing::Timing;

/// The timing script; argv: repeats, bins.
const SCRIPT: &str = r#"
import json, sys, time

def hash_all(words):
    for w in words:
        hash(w)

def bins_of(words, m):
    return [hash(w) % m for w in words]

def timed(f, *args):
    start = time.perf_counter_ns()
    result = f(*args)
    return time.perf_counter_ns() - start, result

repeats, m = int(sys.argv[1]), int(sys.argv[2])
text = sys.stdin.buffer.read().decode("utf-8")
out = {"version": sys.version.split()[0], "fresh_ns": [], "cached_ns": [], "bins_ns": []}
for run in range(repeats + 1):
    words = text.split("\n")
    fresh, _ = timed(hash_all, words)
    cached, _ = timed(hash_all, words)
    bins_ns, bins = timed(bins_of, text.split("\n"), m)
    if run > 0:
        out["fresh_ns"].append(fresh)
        out["cached_ns"].append(cached)
        out["bins_ns"].append(bins_ns)
out["words"] = len(words)
out["bin_sum"] = sum(bins)
print(json.dumps(out))
"#;

/// What the interpreter printed.
#[derive(Debug, Deserialize)]
struct ScriptOutput {
    version: String,
    fresh_ns: Vec<u64>,
    cached_ns: Vec<u64>,
    bins_ns: Vec<u64>,
    words: usize,
    bin_sum: u64,
}

/// CPython's timings on the benchmark words.
#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct PythonTimings {
    /// `sys.version`'s first word, e.g. `3.11.7`.
    pub version: String,
    /// `for w in words: hash(w)` over fresh strings (hash computed).
    pub fresh: Timing,
    /// The same loop again over the same strings (hash read from the string's cache).
    pub cached: Timing,
    /// `[hash(w) % M for w in words]` over fresh strings: the bins, as a Python hash table takes them.
    pub bins: Timing,
    /// Whether the sum of CPython's bins equals the sum of nh-metrics' `PyStrHash` bins.
    pub matches_py_str_hash: bool,
}

/// CPython's timings, or why there are none.
#[derive(Debug, Clone, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum PythonOutcome {
    /// The interpreter ran the loops.
    Measured(PythonTimings),
    /// The interpreter is missing or failed: the reason.
    Skipped(String),
}

/// Times CPython's loops over `words` with `python` (e.g. `python3`).
pub fn time_cpython(python: &Path, words: &[String], bins: usize, repeats: usize) -> PythonOutcome {
    match run_script(python, words, bins, repeats) {
        Ok(out) if out.words == words.len() => {
            let reference = PyStrHash::new(0).expect("seed 0 is a valid PYTHONHASHSEED");
            let rust_sum: u64 = words.iter().map(|w| reference.bin(w, bins) as u64).sum();
            let timing = |ns: &[u64]| Timing {
                samples_s: ns.iter().map(|&t| t as f64 * 1e-9).collect(),
            };
            PythonOutcome::Measured(PythonTimings {
                version: out.version,
                fresh: timing(&out.fresh_ns),
                cached: timing(&out.cached_ns),
                bins: timing(&out.bins_ns),
                matches_py_str_hash: rust_sum == out.bin_sum,
            })
        }
        Ok(out) => PythonOutcome::Skipped(format!(
            "{} read {} words, {} were sent (a word with a line break?)",
            python.display(),
            out.words,
            words.len()
        )),
        Err(reason) => PythonOutcome::Skipped(reason),
    }
}

/// CPython's timings on `words` for the section `section` (named in the log line), or why there
/// are none: `python` is the interpreter, `None` when the run asked for no CPython.
pub(crate) fn cpython_outcome(
    section: &str,
    python: Option<&Path>,
    words: &[String],
    bins: usize,
    repeats: usize,
    log: &mut dyn FnMut(&str),
) -> PythonOutcome {
    match python {
        Some(path) => {
            log(&format!("{section}: CPython loop via {}", path.display()));
            time_cpython(path, words, bins, repeats)
        }
        None => PythonOutcome::Skipped("skipped on request (--no-python)".to_owned()),
    }
}

/// Runs the script; the error is a sentence for the report.
fn run_script(
    python: &Path,
    words: &[String],
    bins: usize,
    repeats: usize,
) -> Result<ScriptOutput, String> {
    let shown = python.display();
    let mut child = Command::new(python)
        .args(["-c", SCRIPT, &repeats.max(1).to_string(), &bins.to_string()])
        .env("PYTHONHASHSEED", "0")
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .map_err(|e| format!("could not start `{shown}`: {e}"))?;
    let sent = child
        .stdin
        .take()
        .map(|mut stdin| stdin.write_all(words.join("\n").as_bytes()))
        .unwrap_or(Ok(()));
    let output = child
        .wait_with_output()
        .map_err(|e| format!("`{shown}` failed: {e}"))?;
    if !output.status.success() {
        let stderr = String::from_utf8_lossy(&output.stderr);
        let last = stderr.lines().last().unwrap_or("no message");
        return Err(format!("`{shown}` exited with {}: {last}", output.status));
    }
    sent.map_err(|e| format!("sending the words to `{shown}` failed: {e}"))?;
    serde_json::from_slice(&output.stdout)
        .map_err(|e| format!("`{shown}` printed something other than the timings: {e}"))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_missing_interpreter_is_a_skip_with_its_name() {
        let words = vec!["hash".to_owned()];
        match time_cpython(Path::new("/nonexistent/python3"), &words, 10, 1) {
            PythonOutcome::Skipped(reason) => {
                assert!(reason.contains("/nonexistent/python3"), "{reason}");
            }
            PythonOutcome::Measured(t) => panic!("measured {t:?}"),
        }
    }

    #[test]
    fn cpython_agrees_with_py_str_hash_when_installed() {
        let words: Vec<String> = ["apple", "Zürich", "naïve", "日本語", "a", "hash-table"]
            .map(String::from)
            .to_vec();
        match time_cpython(Path::new("python3"), &words, 1000, 2) {
            PythonOutcome::Measured(t) => {
                assert!(t.matches_py_str_hash, "{t:?}");
                assert_eq!(t.fresh.samples_s.len(), 2);
                assert!(t.version.starts_with('3'), "{}", t.version);
            }
            PythonOutcome::Skipped(reason) => println!("skipped: {reason}"),
        }
    }
}
