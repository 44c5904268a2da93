//! `PyStrHash` against a live `python3`: random strings of every PEP 393 kind, and (when
//! `NH_CORPUS` is set) every corpus word for seeds 0 and 42. Skips with a printed reason when
//! python3 is missing.

use std::io::Write;
use std::process::{Command, Stdio};

use nh_metrics::{PyHashAlgorithm, PyStrHash};
use rand::{Rng, SeedableRng};
use rand_chacha::ChaCha8Rng;

/// The child reads one hex-code-point line per string and prints `hash(str) hash(utf8 bytes)`.
const CHILD_HEX: &str = "import sys
for line in sys.stdin:
    s = ''.join(chr(int(c, 16)) for c in line.split())
    print(hash(s), hash(s.encode('utf-8')))
";

/// The child reads UTF-8 words, one per line, and prints `hash(word)` per line.
const CHILD_WORDS: &str = "import sys
out = sys.stdout
for line in sys.stdin.buffer.read().decode('utf-8').split('\\n')[:-1]:
    out.write(f'{hash(line)}\\n')
";

/// The SipHash variant of the local python3, or `None` when there is no usable python3.
fn python_algorithm() -> Option<PyHashAlgorithm> {
    let output = Command::new("python3")
        .args(["-c", "import sys; print(sys.hash_info.algorithm)"])
        .output()
        .ok()?;
    match String::from_utf8_lossy(&output.stdout).trim() {
        "siphash13" => Some(PyHashAlgorithm::SipHash13),
        "siphash24" => Some(PyHashAlgorithm::SipHash24),
        other => {
            eprintln!("skipped: python3 reports hash algorithm {other:?}");
            None
        }
    }
}

/// Runs python3 with `PYTHONHASHSEED=seed` on `input` and returns its stdout lines.
fn run_python(seed: u64, program: &str, input: &[u8]) -> Vec<String> {
    let mut child = Command::new("python3")
        .args(["-c", program])
        .env("PYTHONHASHSEED", seed.to_string())
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .spawn()
        .expect("python3 starts");
    let mut stdin = child.stdin.take().expect("piped stdin");
    // Feed stdin from another thread: python writes while it reads, so pipes could fill both ways.
    let output = std::thread::scope(|scope| {
        scope.spawn(move || stdin.write_all(input).expect("write to python3"));
        child.wait_with_output().expect("python3 finishes")
    });
    assert!(
        output.status.success(),
        "python3 failed: {:?}",
        output.status
    );
    String::from_utf8(output.stdout)
        .expect("utf-8 output")
        .lines()
        .map(str::to_owned)
        .collect()
}

/// A random string mixing code points from 0 up to `widest`, at least one near the top.
fn random_string(rng: &mut ChaCha8Rng, widest: u32) -> String {
    let length = rng.random_range(0..=24);
    let mut text: Vec<char> = (0..length)
        .map(|_| {
            loop {
                let top = if rng.random_bool(0.5) { widest } else { 0x7f };
                if let Some(c) = char::from_u32(rng.random_range(0..=top)) {
                    break c;
                }
            }
        })
        .collect();
    if let Some(first) = text.first_mut() {
        *first = char::from_u32(widest).unwrap_or('\u{ffff}');
    }
    text.into_iter().collect()
}

#[test]
fn random_strings_match_live_python() {
    let Some(algorithm) = python_algorithm() else {
        eprintln!("skipped: python3 not available");
        return;
    };
    let mut rng = ChaCha8Rng::seed_from_u64(7);
    let strings: Vec<String> = (0..1200)
        .map(|i| random_string(&mut rng, [0x7f, 0xff, 0xfffd, 0x10_ffff][i % 4]))
        .collect();
    let input: String = strings
        .iter()
        .map(|s| {
            let hex: Vec<String> = s.chars().map(|c| format!("{:x}", u32::from(c))).collect();
            hex.join(" ") + "\n"
        })
        .collect();
    for seed in [0, 3, 123_456_789, PyStrHash::MAX_SEED] {
        let hasher = PyStrHash::with_algorithm(seed, algorithm).unwrap();
        let lines = run_python(seed, CHILD_HEX, input.as_bytes());
        assert_eq!(lines.len(), strings.len());
        for (text, line) in strings.iter().zip(&lines) {
            let expected = format!(
                "{} {}",
                hasher.hash(text),
                hasher.hash_bytes(text.as_bytes())
            );
            assert_eq!(&expected, line, "seed {seed}, string {text:?}");
        }
    }
}

#[test]
fn all_corpus_words_match_live_python_for_seeds_0_and_42() {
    let Ok(path) = std::env::var("NH_CORPUS") else {
        eprintln!("skipped: NH_CORPUS is not set");
        return;
    };
    let Some(algorithm) = python_algorithm() else {
        eprintln!("skipped: python3 not available");
        return;
    };
    let bytes = std::fs::read(&path).unwrap_or_else(|e| panic!("reading {path}: {e}"));
    let text = String::from_utf8(bytes).unwrap_or_else(|e| panic!("{path} is not UTF-8: {e}"));
    let words: Vec<&str> = text.lines().filter(|w| !w.is_empty()).collect();
    let input: String = words.iter().map(|w| format!("{w}\n")).collect();
    eprintln!("checking {} corpus words from {path}", words.len());
    for seed in [0, 42] {
        let hasher = PyStrHash::with_algorithm(seed, algorithm).unwrap();
        let lines = run_python(seed, CHILD_WORDS, input.as_bytes());
        assert_eq!(lines.len(), words.len());
        let mismatches: Vec<(&str, &String)> = words
            .iter()
            .zip(&lines)
            .filter(|(word, line)| hasher.hash(word).to_string() != **line)
            .map(|(word, line)| (*word, line))
            .take(5)
            .collect();
        assert!(mismatches.is_empty(), "seed {seed}: {mismatches:?}");
    }
}
