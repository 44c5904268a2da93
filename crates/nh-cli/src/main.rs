//! The `nh` binary: parses arguments and hands each subcommand to the library crates.

mod commands;
mod interrupt;
mod numbers;
mod progress;

use std::process::ExitCode;

use clap::{Parser, Subcommand};

/// neural-hash: reinforcement learning of hash functions for dictionary words.
#[derive(Debug, Parser)]
#[command(name = "nh", version, about, propagate_version = true)]
struct Cli {
    #[command(subcommand)]
    command: Command,
}

#[derive(Debug, Subcommand)]
enum Command {
    /// libtorch version, threads and CUDA availability.
    Info,
    /// Load a corpus and print its provenance (source, SHA-256, counts).
    Corpus(commands::corpus::Args),
    /// CPython's `hash(str)` for each word, exactly as `PYTHONHASHSEED=S python3` prints it.
    Pyhash(commands::pyhash::Args),
    /// Reproduce a figure of the paper (fig1..fig7, or all).
    Reproduce(commands::reproduce::Args),
    /// Draw a finished run's figure again from its recorded curves (no training).
    Replot(commands::replot::Args),
    /// Train one learner and save the NeuralHash with its metrics.
    Train(commands::train::Args),
    /// Print the bin a trained model gives each word.
    Hash(commands::hash::Args),
    /// Compare a trained model with Python's hash and a random function on word samples.
    Eval(commands::eval::Args),
    /// Speed benchmarks against CPython's hash and perfect hashes (docs/PERFORMANCE.md).
    Bench(commands::bench::Args),
}

fn main() -> ExitCode {
    // Before libtorch starts its threads, which inherit the setting.
    nh_agents::flush_denormals();
    tracing_subscriber::fmt()
        .with_env_filter(
            // Library logs (e.g. each learner's start) are opt-in with RUST_LOG=info.
            tracing_subscriber::EnvFilter::try_from_default_env().unwrap_or_else(|_| "warn".into()),
        )
        .with_writer(std::io::stderr)
        .init();
    let cli = Cli::parse();
    let result = match cli.command {
        Command::Info => commands::info::run(),
        Command::Corpus(args) => commands::corpus::run(&args),
        Command::Pyhash(args) => commands::pyhash::run(&args),
        Command::Reproduce(args) => commands::reproduce::run(&args),
        Command::Replot(args) => commands::replot::run(&args),
        Command::Train(args) => commands::train::run(&args),
        Command::Hash(args) => commands::hash::run(&args),
        Command::Eval(args) => commands::eval::run(&args),
        Command::Bench(args) => commands::bench::run(&args),
    };
    match result {
        Ok(()) => ExitCode::SUCCESS,
        Err(err) => {
            let stopped = err.chain().any(|cause| {
                matches!(
                    cause.downcast_ref::<nh_agents::Error>(),
                    Some(nh_agents::Error::Stopped { .. })
                ) || matches!(
                    cause.downcast_ref::<nh_exp::Error>(),
                    Some(nh_exp::Error::Stopped { .. } | nh_exp::Error::ShardsStopped { .. })
                )
            });
            // A stop on request is not a failure: say what was kept and how to continue.
            if stopped {
                eprintln!("{}", render(&err));
                ExitCode::from(nh_exp::STOPPED_WITH_CHECKPOINT)
            } else {
                eprintln!("error: {}", render(&err));
                ExitCode::FAILURE
            }
        }
    }
}

/// The error and its causes joined by `: `, each cause once: the library errors' messages already
/// end with their source's message (`path: Is a directory (os error 21)`), so a cause whose text
/// ends what is printed so far is not printed again (anyhow's `{:#}` would repeat it).
fn render(err: &anyhow::Error) -> String {
    let mut text = String::new();
    for cause in err.chain() {
        let cause = cause.to_string();
        if text.is_empty() {
            text = cause;
        } else if !text.ends_with(&cause) {
            text.push_str(": ");
            text.push_str(&cause);
        }
    }
    text
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn each_cause_is_printed_once() {
        let io = || std::io::Error::from(std::io::ErrorKind::IsADirectory);
        let os = io().to_string();
        let exp = nh_exp::Error::Io {
            path: "words.txt".into(),
            source: io(),
        };
        let err = anyhow::Error::new(exp).context("reading the corpus");
        assert_eq!(render(&err), format!("reading the corpus: words.txt: {os}"));
        let nested = anyhow::Error::new(io()).context("outer");
        assert_eq!(render(&nested), format!("outer: {os}"));
        let plain = anyhow::anyhow!("just this");
        assert_eq!(render(&plain), "just this");
    }
}
