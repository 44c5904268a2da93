//! `cargo xtask`: provisions libtorch into a project-local venv, then drives cargo and `nh`.
//!
//! Commands (each calls `setup` first, except `data` and `slurm-selftest`):
//! - `setup`: create `.venv/` and install `torch==2.11.0` from PyPI when missing or wrong.
//! - `test [--skip-slurm]`: fmt check, clippy, all tests, a run of the built `nh` without
//!   `LD_LIBRARY_PATH`, the Python step (`python.rs`: the nh_env wheel and its pytest suite),
//!   then the Slurm check: a one-node Slurm cluster on localhost (installed with
//!   apt-get when missing; needs root) runs `nh reproduce fig5 --smoke --slurm` and a
//!   `--resume --slurm`, compared with a local run (see `slurm.rs`). `--skip-slurm` skips that
//!   check loudly on a developer machine; it is refused when `CI` is set.
//! - `test-python`: only the Python step of `test`.
//! - `reproduce <fig1..fig7|all> [nh reproduce options]`: build `nh` in release and run it.
//! - `bench [nh bench options]`: build `nh` in release and run `nh bench`.
//! - `nh [args]`: build `nh` in release and run it with the given arguments.
//! - `data`: fetch the paper's exact word list into `data/` and verify its SHA-256.
//! - `slurm-selftest [--induce-failure]`: start the local Slurm cluster, run a job array and a
//!   dependent job, stop it (`--induce-failure`: a wait times out; the daemons must still stop).
//!
//! xtask never links tch: it only sets the environment that torch-sys needs.

mod data;
mod proc;
mod python;
mod query_check;
mod requeue_check;
mod setup;
mod slurm;
mod slurm_check;
mod slurm_selftest;
mod tasks;
mod tempdir;

use anyhow::{Result, bail};

fn main() -> Result<()> {
    let mut args = std::env::args().skip(1);
    let command = args.next().unwrap_or_else(|| "help".to_owned());
    let rest: Vec<String> = args.collect();
    match command.as_str() {
        "setup" => setup::ensure_torch().map(|_| ()),
        "test" => tasks::test(&rest),
        "test-python" => python::python_check(&setup::ensure_torch()?),
        "reproduce" => tasks::run_nh_release("reproduce", &rest),
        "bench" => tasks::run_nh_release("bench", &rest),
        "nh" => tasks::run_nh_release_raw(&rest),
        "data" => data::fetch_paper_corpus(),
        "slurm-selftest" => slurm_selftest::selftest(&rest),
        "help" | "--help" | "-h" => {
            print!("{}", USAGE);
            Ok(())
        }
        other => bail!("unknown xtask command `{other}`\n\n{USAGE}"),
    }
}

const USAGE: &str = "\
usage: cargo xtask <command>
  setup                      install torch==2.11.0 into .venv/ (only when missing or wrong)
  test [--skip-slurm]        fmt, clippy, all tests, nh smoke checks, the Python package's tests
                             (builds the nh_env wheel), and the Slurm check on a
                             local one-node cluster (what CI runs; needs root). --skip-slurm
                             skips the Slurm check on a developer machine (refused if CI is set)
  test-python                only the Python step of `test`: pinned requirements, the nh_env
                             wheel, pytest on crates/nh-py/tests
  reproduce <figN|all> ...   build nh (release) and run `nh reproduce` with these arguments
  bench ...                  build nh (release) and run `nh bench` with these arguments
  nh ...                     build nh (release) and run it with these arguments
  data                       fetch the paper's words.txt into data/ and verify its SHA-256
  slurm-selftest [--induce-failure]
                             start the local Slurm cluster, run an array and a dependent job,
                             stop it (--induce-failure: a wait times out; daemons still stop)
";
