//! `pnrpsim run` and `pnrpsim validate`.

use super::Failure;
use crate::engine::StreamSeed;
use crate::report;
use crate::scenario::Scenario;
use crate::scenario::load::load_file;
use clap::Args;
use std::path::PathBuf;

#[derive(Args, Debug)]
pub struct ScenarioArgs {
    /// Scenario file (TOML).
    pub scenario: PathBuf,
    /// Override a parameter, e.g. `--set hosts.count=5000` or
    /// `--set pnrp.refresh_interval=12h` (repeatable).
    #[arg(long = "set", value_name = "PATH=VALUE")]
    pub sets: Vec<String>,
}

#[derive(Args, Debug)]
pub struct RunArgs {
    #[command(flatten)]
    pub scenario: ScenarioArgs,
    /// Seed of the run (overrides the scenario's `seed`).
    #[arg(long)]
    pub seed: Option<u64>,
    /// Output directory [default: output/<scenario name>/].
    #[arg(long, value_name = "DIR")]
    pub out: Option<PathBuf>,
}

#[derive(Args, Debug)]
pub struct ValidateArgs {
    #[command(flatten)]
    pub scenario: ScenarioArgs,
}

fn load(args: &ScenarioArgs) -> Result<Scenario, Failure> {
    load_file(&args.scenario, &args.sets).map_err(|e| Failure::Input(e.to_string()))
}

pub fn validate(args: ValidateArgs) -> Result<(), Failure> {
    let s = load(&args.scenario)?;
    say!(
        "{}: ok (scenario \"{}\", {} hosts × {} names, {} simulated)",
        args.scenario.scenario.display(),
        s.name,
        s.hosts.count,
        s.hosts.names_per_host,
        s.duration
    );
    Ok(())
}

pub fn run(args: RunArgs) -> Result<(), Failure> {
    let mut s = load(&args.scenario)?;
    if let Some(seed) = args.seed {
        s.seed = seed;
    }
    let out = args
        .out
        .unwrap_or_else(|| PathBuf::from("output").join(&s.name));
    report::atomic::prepare_output_dir(&out).map_err(|e| Failure::Input(format!("{e:#}")))?;
    let result = crate::sim::run(&s, StreamSeed::single(s.seed))?;
    say!("{}", report::summary::summary_table(&result).trim_end());
    say!(
        "{}",
        crate::estimate::comparison_table(&s, &result).trim_end()
    );
    let files = report::csv_tables::write_run_tables(&out, &result)?;
    say!("wrote {} tables to {}", files.len(), out.display());
    Ok(())
}
