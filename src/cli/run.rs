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
    /// `json` prints one JSON document (every metric of the run, with its
    /// unit, and the files written; docs/reference/json.md) instead of the
    /// tables.
    #[arg(long, value_enum, default_value_t = super::Format::Text, conflicts_with = "stats")]
    pub format: super::Format,
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
    for line in planned_runs(&s, &runs) {
        say!("  {line}");
    }
    Ok(())
}

/// The JSON document of `run --format json` (schema `pnrpsim.run/1`,
/// docs/reference/json.md).
fn run_json(
    s: &Scenario,
    result: &crate::metrics::RunResult,
    files: &[PathBuf],
) -> serde_json::Value {
    use crate::metrics::catalog::{self, Measured};
    let measured = Measured::of(result);
    let mut metrics = serde_json::Map::new();
    let mut units = serde_json::Map::new();
    for m in catalog::all() {
        let value = m
            .value(&measured)
            .map_or(serde_json::Value::Null, |v| match v {
                catalog::Value::Count(n) => n.into(),
                catalog::Value::Real(x) => x.into(),
            });
        metrics.insert(m.name.clone(), value);
        units.insert(m.name.clone(), m.unit.into());
    }
    serde_json::json!({
        "schema": "pnrpsim.run/1",
        "scenario": s.name,
        "seed": s.seed,
        "hosts": s.hosts.count,
        "names_per_host": s.hosts.names_per_host,
        "duration_s": s.duration.0.as_secs_f64(),
        "warmup_s": s.warmup.0.as_secs_f64(),
        "metrics": metrics,
        "units": units,
        "files": files.iter().map(|f| f.display().to_string()).collect::<Vec<_>>(),
    })
}

/// What each command would run, with the cost model's CPU time: the
/// lines `validate` prints under its verdict (one thread per core).
fn planned_runs(s: &Scenario, runs: &[(String, Scenario)]) -> Vec<String> {
    use crate::guard::cost::count;
    let of = |prefix: &str| -> Vec<Scenario> {
        runs.iter()
            .filter(|(what, _)| what.starts_with(prefix))
            .map(|(_, s)| s.clone())
            .collect()
    };
    let mut lines = vec![format!(
        "run:     {}",
        stats::plan_line(std::slice::from_ref(s), "one seed", 1).0
    )];
    if let Some(plan) = s.sweep.clone().and_then(|spec| spec.plan().ok()) {
        let points = of("sweep point");
        let all: Vec<Scenario> = points
            .iter()
            .flat_map(|p| std::iter::repeat_n(p.clone(), plan.replications as usize))
            .collect();
        let what = format!(
            "{} × {}",
            count(points.len() as u64, "point"),
            count(u64::from(plan.replications), "replication")
        );
        lines.push(format!("sweep:   {}", stats::plan_line(&all, &what, 0).0));
    }
    let designs = of("design");
    if designs.len() >= 2 {
        let reps = 5;
        let all: Vec<Scenario> = designs
            .iter()
            .flat_map(|d| std::iter::repeat_n(d.clone(), reps))
            .collect();
        let what = format!(
            "{} × {reps} replications, the default",
            count(designs.len() as u64, "design")
        );
        lines.push(format!("compare: {}", stats::plan_line(&all, &what, 0).0));
    }
    lines
}

pub fn run(args: RunArgs) -> Result<(), Failure> {
    let mut s = load(&args.scenario)?;
    if let Some(seed) = args.seed {
        s.seed = seed;
    }
    if let Some(notice) = crate::scenario::warmup::notice(&s) {
        eprintln!("{notice}");
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
    let shown = stats::begin(
        std::slice::from_ref(&s),
        &format!(
            "{} hosts × {}, {} simulated",
            s.hosts.count,
            crate::guard::cost::count(u64::from(s.hosts.names_per_host), "name"),
            s.duration
        ),
        1,
        &format!("run: {}", s.name),
    );
    crate::guard::progress::plan(1, crate::guard::cost::cpu_seconds(&s));
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
    drop(shown);
    let text = args.format == super::Format::Text;
    if text {
        say!("{}", outputs::summary::summary_table(&result).trim_end());
        say!(
            "warm-up            {}, {}",
            s.warmup,
            crate::scenario::warmup::choice(&s)
        );
        say!(
            "{}",
            crate::outputs::comparison_table(&s, &result).trim_end()
        );
    }
    let mut files = outputs::csv_tables::write_run_tables(&out, &result)?;
    if text {
        say!("wrote {} tables to {}", files.len(), out.display());
    }
    let charts = crate::plot::timeline::timeline_charts(&result, &out)?;
    if text && !charts.is_empty() {
        say!(
            "wrote {} timeline charts to {}",
            charts.len() / 2,
            out.display()
        );
    }
    files.extend(charts);
    let trends = crate::metrics::stationarity::trends(&result);
    super::trend::warn(&s, &[(String::new(), trends)]);
    if let Some(r) = recorder {
        let path = r.path().to_path_buf();
        let frames = r.write()?;
        if text {
            say!("wrote {frames} frames to {}", path.display());
        }
        files.push(path);
    }
    if !text {
        super::print_json(&run_json(&s, &result, &files));
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
