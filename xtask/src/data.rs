//! `cargo xtask data`: the paper's exact word list (dwyl/english-words `words.txt`) into `data/`.
//!
//! Downloaded with `curl` from a pinned commit to a temporary file, checked against its line of
//! the checksum manifest `data/SHA256SUMS` (which nh-corpus compiles in, and which the loader
//! reads too), then renamed into place; a wrong or partial download never lands as
//! `data/words.txt`. `data/README.md` says what lives in `data/`.

use std::process::Command;

use anyhow::{Result, bail};
use nh_corpus::{PAPER_FILE_NAME, PAPER_SHA256, file_sha256_hex};

use crate::setup::repo_root;

/// Upstream commit whose `words.txt` is 466,550 words (see docs/CORPUS.md).
const PINNED_COMMIT: &str = "20f5cc9b3f0ccc8ce45d814c532b7c2031bba31c";

/// Fetches and verifies `data/words.txt`; does nothing when a verified copy is already there.
pub fn fetch_paper_corpus() -> Result<()> {
    let data = repo_root().join("data");
    let target = data.join(PAPER_FILE_NAME);
    if target.exists() && file_sha256_hex(&target)? == PAPER_SHA256 {
        eprintln!(
            "xtask data: {} is already the paper's corpus",
            target.display()
        );
        return Ok(());
    }
    std::fs::create_dir_all(&data)?;
    let partial = data.join(format!("{PAPER_FILE_NAME}.partial"));
    let url = format!(
        "https://raw.githubusercontent.com/dwyl/english-words/{PINNED_COMMIT}/{PAPER_FILE_NAME}"
    );
    eprintln!("xtask data: downloading {url}");
    let status = Command::new("curl")
        .args([
            "--fail",
            "--location",
            "--silent",
            "--show-error",
            "--max-time",
            "120",
            "--output",
        ])
        .arg(&partial)
        .arg(&url)
        .status();
    let ok = matches!(status, Ok(s) if s.success());
    if !ok {
        let _ = std::fs::remove_file(&partial);
        bail!(
            "could not download the paper's corpus (no network or no curl). Supply it by hand: copy \
             dwyl/english-words `words.txt` (commit {PINNED_COMMIT}, SHA-256 {PAPER_SHA256}) to {} \
             or point NH_CORPUS / --corpus at your copy",
            target.display()
        );
    }
    let got = file_sha256_hex(&partial)?;
    if got != PAPER_SHA256 {
        let _ = std::fs::remove_file(&partial);
        bail!("downloaded file has SHA-256 {got}, expected {PAPER_SHA256}; it was discarded");
    }
    std::fs::rename(&partial, &target)?;
    eprintln!(
        "xtask data: {} verified (SHA-256 {PAPER_SHA256})",
        target.display()
    );
    Ok(())
}
