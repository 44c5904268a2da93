//! The cargo-driving commands: `test` (ending with the Slurm check), and running the release `nh`
//! (`reproduce`, `bench`, `nh`).

use std::process::Command;

use anyhow::{Result, bail};

use crate::setup::{Torch, ensure_torch, repo_root, run};
use crate::slurm::ensure_installed;
use crate::slurm_check::{cannot_run_slurm, slurm_check};

fn cargo(torch: &Torch) -> Command {
    let mut cmd = Command::new(std::env::var("CARGO").unwrap_or_else(|_| "cargo".to_owned()));
    cmd.current_dir(repo_root()).envs(torch.cargo_env());
    cmd
}

/// `cargo xtask test [--skip-slurm]`: every check CI runs, in the order that fails fastest.
pub fn test(args: &[String]) -> Result<()> {
    let ci = std::env::var_os("CI").is_some();
    let skip_slurm = parse_test_args(args, ci)?;
    if !skip_slurm {
        // Fail before the long build when the Slurm check cannot run (not root, apt-get fails).
        ensure_installed().map_err(|err| err.context(cannot_run_slurm(ci)))?;
    }
    let torch = ensure_torch()?;
    run(cargo(&torch).args(["fmt", "--all", "--check"]))?;
    run(cargo(&torch).args([
        "clippy",
        "--workspace",
        "--all-targets",
        "--",
        "-D",
        "warnings",
    ]))?;
    // Doctests are linked by rustdoc, which does not see our rpath link arguments: give them
    // LD_LIBRARY_PATH. Binaries and test executables use the rpath (checked below).
    run(cargo(&torch)
        .args(["test", "--workspace"])
        .env("LD_LIBRARY_PATH", &torch.lib_dir))?;
    run(cargo(&torch).args(["build", "--package", "nh-cli"]))?;
    let nh = repo_root().join("target").join("debug").join("nh");
    run(Command::new(&nh).arg("info").env_remove("LD_LIBRARY_PATH"))?;
    crate::query_check::query_check(&torch, &nh)?;
    crate::python::python_check(&torch)?;
    if skip_slurm {
        eprintln!(
            "\n!!!!! xtask test: SKIPPED the Slurm check (--skip-slurm): `nh reproduce --slurm` and \
             `--resume --slurm` were NOT tested. CI runs them. !!!!!\n"
        );
        return Ok(());
    }
    slurm_check(&nh, ci, true)
}

/// Reads `test`'s arguments: `--skip-slurm` or nothing. The flag is refused under CI.
fn parse_test_args(args: &[String], ci: bool) -> Result<bool> {
    match args {
        [] => Ok(false),
        [flag] if flag == "--skip-slurm" => {
            if ci {
                bail!(
                    "`--skip-slurm` is refused because the environment variable CI is set: CI must \
                     run the Slurm check"
                );
            }
            Ok(true)
        }
        _ => bail!("usage: cargo xtask test [--skip-slurm] (got {args:?})"),
    }
}

/// Builds `nh` in release and runs `nh <subcommand> <args>`.
pub fn run_nh_release(subcommand: &str, args: &[String]) -> Result<()> {
    let mut all = vec![subcommand.to_owned()];
    all.extend_from_slice(args);
    run_nh_release_raw(&all)
}

/// Builds `nh` in release and runs it with `args`.
pub fn run_nh_release_raw(args: &[String]) -> Result<()> {
    let torch = ensure_torch()?;
    run(cargo(&torch).args(["build", "--release", "--package", "nh-cli"]))?;
    let nh = repo_root().join("target").join("release").join("nh");
    run(Command::new(nh).args(args).current_dir(repo_root()))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn test_takes_only_skip_slurm_and_refuses_it_under_ci() {
        assert!(!parse_test_args(&[], false).unwrap());
        assert!(!parse_test_args(&[], true).unwrap());
        let skip = ["--skip-slurm".to_owned()];
        assert!(parse_test_args(&skip, false).unwrap());
        let err = parse_test_args(&skip, true).unwrap_err().to_string();
        assert!(err.contains("CI"), "{err}");
        assert!(parse_test_args(&["--other".to_owned()], false).is_err());
        assert!(parse_test_args(&[skip[0].clone(), skip[0].clone()], false).is_err());
    }
}
