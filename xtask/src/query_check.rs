//! `cargo xtask test`'s query step (issue #30): nh-hash's tests and its `lookup` example run with
//! no torch anywhere in their environment, and the example gives the same bins as `nh hash` for a
//! model that the debug `nh train` just saved.

use std::path::Path;
use std::process::Command;

use anyhow::{Context, Result, bail};

use crate::proc::capture;
use crate::setup::{Torch, repo_root, run};
use crate::tempdir::TempDir;

/// Environment variables through which a process could find libtorch.
const TORCH_VARIABLES: [&str; 4] = [
    "LD_LIBRARY_PATH",
    "LIBTORCH",
    "LIBTORCH_USE_PYTORCH",
    "VIRTUAL_ENV",
];

/// `command` with every torch variable removed and the venv's `bin` taken out of `PATH`.
fn without_torch(torch: &Torch, mut command: Command) -> Result<Command> {
    for name in TORCH_VARIABLES {
        command.env_remove(name);
    }
    let venv_bin = torch.venv.join("bin");
    let path = std::env::var_os("PATH").unwrap_or_default();
    let kept: Vec<_> = std::env::split_paths(&path)
        .filter(|p| *p != venv_bin)
        .collect();
    command.env("PATH", std::env::join_paths(kept).context("PATH")?);
    Ok(command)
}

/// The query step; `nh` is the debug binary built before it.
pub fn query_check(torch: &Torch, nh: &Path) -> Result<()> {
    let cargo = std::env::var("CARGO").unwrap_or_else(|_| "cargo".to_owned());
    let mut tests = Command::new(&cargo);
    tests
        .current_dir(repo_root())
        .args(["test", "--package", "nh-hash", "--all-targets"]);
    run(&mut without_torch(torch, tests)?)?;
    let mut doc = Command::new(&cargo);
    doc.current_dir(repo_root())
        .args(["test", "--package", "nh-hash", "--doc"]);
    run(&mut without_torch(torch, doc)?)?;

    let scratch = TempDir::new("nh-query-check")?;
    let model = scratch.path().join("model");
    run(Command::new(nh)
        .args([
            "train", "--algo", "cem", "--fixed", "--words", "40", "--bins", "40",
        ])
        .args(["--iterations", "5", "--seed", "3", "--out"])
        .arg(&model))?;
    let words_file = model.join("train_words.txt");
    let words = std::fs::read_to_string(&words_file)
        .with_context(|| format!("reading {}", words_file.display()))?;
    let timeout = std::time::Duration::from_secs(600);
    let mut hash = Command::new(nh);
    hash.args(["hash", "--model"])
        .arg(&model)
        .args(words.lines());
    let by_nh = finished(capture(&mut hash, timeout)?, "nh hash")?;
    let mut example = Command::new(&cargo);
    example
        .current_dir(repo_root())
        .args([
            "run",
            "--quiet",
            "--package",
            "nh-hash",
            "--example",
            "lookup",
            "--",
        ])
        .arg(&model)
        .args(words.lines());
    let by_example = finished(
        capture(&mut without_torch(torch, example)?, timeout)?,
        "the lookup example",
    )?;
    if by_nh.is_empty() || by_nh != by_example {
        bail!(
            "the nh-hash example and `nh hash` disagree on {}:\nnh hash:\n{by_nh}\nexample:\n{by_example}",
            model.display(),
        );
    }
    println!(
        "xtask test: query step passed (nh-hash's tests and its example without torch; the example \
         and `nh hash` agree on {} words)",
        by_nh.lines().count()
    );
    Ok(())
}

/// The standard output of a command that exited 0, or an error with its standard error.
fn finished(captured: crate::proc::Captured, what: &str) -> Result<String> {
    match captured.status {
        Some(status) if status.success() => Ok(captured.stdout),
        status => bail!("{what} failed ({status:?}):\n{}", captured.stderr),
    }
}
