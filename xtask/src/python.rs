//! `cargo xtask test`'s Python step (issue #19): installs the pinned test requirements
//! (`crates/nh-py/requirements-test.txt`) into the project's `.venv`, builds the `nh_env` wheel
//! with maturin, installs it, and runs pytest on `crates/nh-py/tests` (Gymnasium's `check_env`,
//! Stable-Baselines3's PPO, the Rust episode fixture). Any failure fails `xtask test`.

use std::path::PathBuf;
use std::process::Command;
use std::time::Instant;

use anyhow::{Context, Result, bail};

use crate::setup::{TORCH_VERSION, Torch, repo_root, run};
use crate::tempdir::TempDir;

/// The Python step; `torch` is the venv that `xtask setup` provisioned.
pub fn python_check(torch: &Torch) -> Result<()> {
    let started = Instant::now();
    let python = torch.venv.join("bin").join("python");
    let crate_dir = repo_root().join("crates").join("nh-py");
    eprintln!("xtask test: Python step (nh_env wheel, Gymnasium and Stable-Baselines3 tests)");
    // Naming torch's version keeps pip from replacing the libtorch that tch links.
    run(Command::new(&python)
        .args(["-m", "pip", "install", "--disable-pip-version-check", "-r"])
        .arg(crate_dir.join("requirements-test.txt"))
        .arg(format!("torch=={TORCH_VERSION}")))?;
    let wheels = TempDir::new("nh-py-wheel")?;
    run(Command::new(&python)
        .args(["-m", "maturin", "build", "--release", "--manifest-path"])
        .arg(crate_dir.join("Cargo.toml"))
        .arg("--interpreter")
        .arg(&python)
        .arg("--out")
        .arg(wheels.path())
        .envs(torch.cargo_env()))?;
    let wheel = single_wheel(wheels.path())?;
    run(Command::new(&python)
        .args([
            "-m",
            "pip",
            "install",
            "--disable-pip-version-check",
            "--force-reinstall",
            "--no-deps",
        ])
        .arg(&wheel))?;
    run(Command::new(&python)
        .args(["-m", "pytest", "-q", "-p", "no:cacheprovider"])
        .arg(crate_dir.join("tests"))
        .current_dir(&crate_dir)
        .env("PYTHONDONTWRITEBYTECODE", "1"))?;
    println!(
        "xtask test: Python step passed in {:.0} s (wheel built from crates/nh-py, pytest on its tests)",
        started.elapsed().as_secs_f64()
    );
    Ok(())
}

/// The one `.whl` file maturin wrote into `dir`.
fn single_wheel(dir: &std::path::Path) -> Result<PathBuf> {
    let wheels: Vec<PathBuf> = std::fs::read_dir(dir)
        .with_context(|| format!("cannot list {}", dir.display()))?
        .filter_map(|entry| entry.ok().map(|e| e.path()))
        .filter(|path| path.extension().is_some_and(|e| e == "whl"))
        .collect();
    match wheels.as_slice() {
        [one] => Ok(one.clone()),
        _ => bail!(
            "expected one wheel from maturin in {}, found {wheels:?}",
            dir.display()
        ),
    }
}
