//! The `pnrpsim` command line.
//!
//! Exit codes: 0 success, 1 the simulation or its output failed,
//! 2 bad input (scenario file, `--set`, command-line usage).

/// Prints a line to stdout. Write errors are ignored on purpose: stdout only
/// informs (the CSV files are the product), and a reader that closes the
/// pipe early (`pnrpsim run … | head`) must not turn a good run into a
/// failure or a panic.
macro_rules! say {
    ($($arg:tt)*) => {{
        use std::io::Write as _;
        let _ = writeln!(std::io::stdout().lock(), $($arg)*);
    }};
}

/// How a command prints its answer on stdout.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, clap::ValueEnum)]
pub enum Format {
    /// Tables and sentences for a reader.
    #[default]
    Text,
    /// One JSON document for scripts (docs/reference/json.md), and
    /// nothing else on stdout.
    Json,
}

/// Prints `value` as the command's one JSON document.
fn print_json(value: &serde_json::Value) {
    say!(
        "{}",
        serde_json::to_string_pretty(value).expect("a JSON value always serialises")
    );
}

/// A 95 % interval as `[low, high]`, or `null`.
fn json_ci(ci: Option<(f64, f64)>) -> serde_json::Value {
    ci.map_or(serde_json::Value::Null, |(lo, hi)| {
        serde_json::json!([lo, hi])
    })
}

mod capture;
mod check;
mod compare;
mod examples;
mod init;
mod run;
mod shell;
mod size;
mod stats;
mod sweep;
mod trend;

use clap::{Parser, Subcommand};
use std::process::ExitCode;

#[derive(Parser, Debug)]
#[command(
    name = "pnrpsim",
    version,
    about = "Simulates the bandwidth that PNRP peer-name publication costs",
    long_about = "Simulates a PNRP cloud (Peer Name Resolution Protocol, [MS-PNRP]) from a TOML \
scenario file and reports bytes per host per second by message type and reason, so that the \
cost of registering more names per host can be sized before deployment.\n\n\
Exit codes: 0 success, 1 run or output failure, 2 bad input.",
    after_help = examples::TOP
)]
pub struct Cli {
    #[command(subcommand)]
    command: Command,
}

#[derive(Subcommand, Debug)]
enum Command {
    /// Run one scenario, print a summary and write CSV tables.
    #[command(after_help = examples::RUN)]
    Run(run::RunArgs),
    /// Check a scenario file (and --set overrides) without running it.
    #[command(after_help = examples::VALIDATE)]
    Validate(run::ValidateArgs),
    /// Run the scenario's [sweep] grid in parallel, with replications,
    /// confidence intervals, CSV tables and charts.
    #[command(after_help = examples::SWEEP)]
    Sweep(sweep::SweepArgs),
    /// Join the shard files of a sweep split with `sweep --shard` into the
    /// tables and charts a one-process sweep writes (checked: every run
    /// exactly once, one scenario, one pnrpsim version).
    #[command(after_help = examples::MERGE)]
    Merge(sweep::MergeArgs),
    /// Redraw a sweep's charts from its CSV files, without re-running.
    #[command(after_help = examples::PLOT)]
    Plot(sweep::PlotArgs),
    /// Run scenario files as regression tests: check their [[expect]]
    /// entries and fingerprints, optionally write JUnit XML or --bless.
    #[command(long_about = check::LONG_ABOUT, after_help = examples::CHECK)]
    Check(check::CheckArgs),
    /// Run the scenario's [[design]] variants with replications and compare
    /// their bandwidth side by side, with ratios to the first design.
    #[command(after_help = examples::COMPARE)]
    Compare(compare::CompareArgs),
    /// Find how many names per host (or another axis) fit a per-host
    /// bandwidth budget at 95% confidence, or what budget N names need.
    #[command(after_help = examples::SIZE)]
    Size(size::SizeArgs),
    /// Write a commented scenario to start from: quickstart, sizing,
    /// compare, ci or cluster.
    #[command(after_help = examples::INIT)]
    Init(init::InitArgs),
    /// Print shell completions (bash, zsh, fish, elvish, powershell).
    #[command(after_help = examples::COMPLETIONS)]
    Completions(shell::CompletionsArgs),
    /// Print the man page, generated from the same definitions as --help.
    #[command(after_help = examples::MAN)]
    Man(shell::ManArgs),
}

/// Failures, sorted by the exit code they map to.
#[derive(Debug)]
pub enum Failure {
    /// Exit 2: the user's input is wrong.
    Input(String),
    /// Exit 1: the run or its outputs failed.
    Run(anyhow::Error),
}

impl From<anyhow::Error> for Failure {
    fn from(e: anyhow::Error) -> Self {
        Failure::Run(e)
    }
}

/// A study's error as a failure: writing its outputs failed (exit 1, see
/// [`crate::outputs::OutputFailed`]), else its input was refused (exit 2).
fn input_unless_output(e: anyhow::Error) -> Failure {
    if e.downcast_ref::<crate::outputs::OutputFailed>().is_some() {
        Failure::Run(e)
    } else {
        Failure::Input(format!("{e:#}"))
    }
}

pub fn main() -> ExitCode {
    let cli = Cli::parse();
    let result = match cli.command {
        Command::Run(args) => run::run(args),
        Command::Validate(args) => run::validate(args),
        Command::Sweep(args) => sweep::sweep(args),
        Command::Merge(args) => sweep::merge(args),
        Command::Plot(args) => sweep::plot(args),
        Command::Check(args) => check::check(args),
        Command::Compare(args) => compare::run(args),
        Command::Size(args) => size::run(args),
        Command::Init(args) => init::run(args),
        Command::Completions(args) => shell::completions(args),
        Command::Man(args) => shell::man(args),
    };
    match result {
        Ok(()) => ExitCode::SUCCESS,
        Err(Failure::Input(msg)) => {
            eprintln!("error: {msg}");
            ExitCode::from(2)
        }
        // A run refused for its memory is the input's fault, even when
        // the refusal comes from deep inside a command's runs.
        Err(Failure::Run(e)) if e.chain().any(|c| c.is::<stats::TooBig>()) => {
            eprintln!("error: {e:#}");
            ExitCode::from(2)
        }
        Err(Failure::Run(e)) => {
            eprintln!("error: {e:#}");
            ExitCode::from(1)
        }
    }
}
