//! The cargo-driving commands: `test`, and running the release `nh` (`reproduce`, `bench`, `nh`).

use std::process::Command;

use anyhow::{Result, bail};

use crate::setup::{Torch, ensure_torch, repo_root, run};

fn cargo(torch: &Torch) -> Command {
    let mut cmd = Command::new(std::env::var("CARGO").unwrap_or_else(|_| "cargo".to_owned()));
    cmd.current_dir(repo_root()).envs(torch.cargo_env());
    cmd
}

/// `cargo xtask test`: every check CI runs, in the order that fails fastest.
pub fn test(args: &[String]) -> Result<()> {
    if let Some(arg) = args.first() {
        bail!("`cargo xtask test` takes no arguments (got `{arg}`)");
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
    Ok(())
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
