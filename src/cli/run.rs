//! `pnrpsim run` and `pnrpsim validate`.

use super::{Failure, stats};
use crate::engine::StreamSeed;
use crate::guard::{CutShort, WallLimit, run_watched, run_within};
use crate::outputs;
use crate::scenario::Scenario;
use crate::scenario::load::load_file;
use clap::Args;
use std::path::PathBuf;
use std::time::Instant;

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
    /// Stop after this much wall-clock time, e.g. `30min`; a run cut short
    /// writes no tables and exits with status 1.
    #[arg(long, value_name = "DURATION", value_parser = crate::guard::parse_wall_limit)]
    pub max_wall: Option<std::time::Duration>,
    #[command(flatten)]
    pub perf: PerfArgs,
    #[command(flatten)]
    pub capture: super::capture::PcapArgs,
}

/// Options shared by `run` and `sweep`.
#[derive(Args, Debug)]
pub struct PerfArgs {
    /// Print events processed, events/s, simulated seconds per wall second
    /// and peak memory, ending with one line of key=value pairs.
    #[arg(long)]
    pub stats: bool,
    /// Run even if the estimated memory exceeds the memory available (or
    /// a `--pcap` capture its size cap).
    #[arg(long)]
    pub force: bool,
}

#[derive(Args, Debug)]
pub struct ValidateArgs {
    #[command(flatten)]
    pub scenario: ScenarioArgs,
}

fn load(args: &ScenarioArgs) -> Result<Scenario, Failure> {
    load_file(&args.scenario, &args.sets).map_err(|e| Failure::Input(e.to_string()))
}

/// Checks what `run`, `sweep` and `compare` would check before starting:
/// the file, every sweep point and design, and that each run fits in the
/// memory available now.
pub fn validate(args: ValidateArgs) -> Result<(), Failure> {
    let s = load(&args.scenario)?;
    let file = args.scenario.scenario.display();
    let runs = stats::runs_of(&s).map_err(|e| {
        let origin = stats::origin_of(&args.scenario.scenario, &args.scenario.sets, &e);
        Failure::Input(format!("{origin}: {e}"))
    })?;
    stats::check_all(&runs).map_err(|e| match e {
        Failure::Input(m) => Failure::Input(format!("{file}: {m}")),
        other => other,
    })?;
    say!(
        "{}: ok (scenario \"{}\", {} hosts × {} name{}, {} simulated)",
        args.scenario.scenario.display(),
        s.name,
        s.hosts.count,
        s.hosts.names_per_host,
        if s.hosts.names_per_host == 1 { "" } else { "s" },
        s.duration
    );
    Ok(())
}

pub fn run(args: RunArgs) -> Result<(), Failure> {
    let mut s = load(&args.scenario)?;
    if let Some(seed) = args.seed {
        s.seed = seed;
    }
    let limit = args.max_wall.map(WallLimit::start);
    let estimate = crate::estimate::footprint::estimate(&s);
    stats::preflight(estimate.bytes, args.perf.force, "this run")?;
    let out = outputs::output_dir(args.out, &s.name)
        .and_then(|out| {
            outputs::prepare_output_dir(&out, outputs::estimated_run_bytes(&s)).map(|()| out)
        })
        .map_err(|e| Failure::Input(format!("{e:#}")))?;
    let plan = super::capture::plan(&args.capture, &s, args.perf.force)?;
    let recorder = plan.as_ref().map(super::capture::Recorder::new);
    let started = Instant::now();
    let seed = StreamSeed::single(s.seed);
    let outcome = match &recorder {
        None => run_within(&s, seed, limit.as_ref()),
        Some(r) => run_watched(
            &s,
            seed,
            limit.as_ref(),
            |sim| r.start(sim),
            |sim| r.end(sim, &s),
        ),
    };
    let (result, work) = outcome.map_err(|e| {
        if e.is::<CutShort>() {
            anyhow::anyhow!("{e}; no tables written")
        } else {
            e
        }
    })?;
    let wall = started.elapsed();
    say!("{}", outputs::summary::summary_table(&result).trim_end());
    say!(
        "{}",
        crate::outputs::comparison_table(&s, &result).trim_end()
    );
    let files = outputs::csv_tables::write_run_tables(&out, &result)?;
    say!("wrote {} tables to {}", files.len(), out.display());
    let trends = crate::metrics::stationarity::trends(&result);
    super::trend::warn(&s, &[(String::new(), trends)]);
    if let Some(r) = recorder {
        let path = r.path().display().to_string();
        say!("wrote {} frames to {path}", r.write()?);
    }
    if args.perf.stats {
        let stats = stats::Stats {
            work,
            wall,
            hosts: u64::from(s.hosts.count),
            estimate,
        };
        stats.print();
    }
    Ok(())
}
