//! `pnrpsim sweep` and `pnrpsim plot`.

use super::run::{PerfArgs, ScenarioArgs};
use super::{Failure, stats};
use crate::guard::cost::count;
use crate::guard::{WallLimit, run_within};
use crate::page::ReportPath;
use crate::page::sensitivity::Sensitivity;
use crate::scenario::Scenario;
use crate::scenario::load::load_file;
use crate::scenario::overrides::scenario_at;
use crate::scenario::provenance::Provenance;
use crate::sweep::shard::Shard;
use crate::sweep::{SweepConfig, interrupt_flag, run_sweep};
use clap::Args;
use std::path::PathBuf;
use std::sync::Mutex;
use std::time::Instant;

#[derive(Args, Debug)]
pub struct SweepArgs {
    #[command(flatten)]
    pub scenario: ScenarioArgs,
    /// Worker threads [default: one per core]. Results do not depend on it.
    /// 0 means one per core; at most 256.
    #[arg(long, value_name = "N", value_parser = crate::sweep::exec::parse_threads)]
    pub threads: Option<usize>,
    /// Output directory [default: output/<scenario name>/].
    #[arg(long, value_name = "DIR")]
    pub out: Option<PathBuf>,
    /// Write the CSV files only, no charts.
    #[arg(long)]
    pub no_charts: bool,
    /// Continue the sweep recorded in the output directory's journal: run
    /// only the runs it does not hold (same scenario, --set options and
    /// pnrpsim version, or it is refused).
    #[arg(long)]
    pub resume: bool,
    /// Stop after this much wall-clock time, e.g. `2h`: runs in progress
    /// are cut short, the tables of the finished runs go to partial/ (no
    /// charts, nothing replaced), and --resume continues later.
    #[arg(long, value_name = "DURATION", value_parser = crate::guard::parse_wall_limit)]
    pub max_wall: Option<std::time::Duration>,
    #[command(flatten)]
    pub perf: PerfArgs,
    /// Run only share I of N of the (point, replication) runs (I from 0)
    /// and write it as shard-I-of-N.journal for `pnrpsim merge`. Without
    /// it, a Slurm array task (SLURM_ARRAY_TASK_ID, SLURM_ARRAY_TASK_COUNT
    /// or MIN/MAX) or a Kubernetes Indexed Job pod (JOB_COMPLETION_INDEX,
    /// count from --shard-count or PNRPSIM_SHARD_COUNT) runs its share.
    #[arg(long, value_name = "I/N")]
    pub shard: Option<String>,
    /// The shard count N when the shard index comes from the environment.
    #[arg(long, value_name = "N")]
    pub shard_count: Option<u32>,
    /// Also write a one-page Markdown report (question, answer, charts,
    /// parameters with their provenance, method, caveats) to FILE.md, with
    /// the sweep's PNG charts copied beside it. For its sensitivity table
    /// it reruns the first and last points with churn session mean,
    /// refresh interval and cloud size halved and doubled.
    #[arg(long, value_name = "FILE.md", conflicts_with = "shard")]
    pub report: Option<PathBuf>,
}

#[derive(Args, Debug)]
pub struct MergeArgs {
    /// The output directory the shards wrote into; the tables and charts
    /// are written there.
    pub dir: PathBuf,
    /// Write the CSV files only, no charts.
    #[arg(long)]
    pub no_charts: bool,
}

#[derive(Args, Debug)]
pub struct PlotArgs {
    /// A sweep's output directory, or any CSV file in it.
    pub path: PathBuf,
}

pub fn sweep(args: SweepArgs) -> Result<(), Failure> {
    let s = load_file(&args.scenario.scenario, &args.scenario.sets)
        .map_err(|e| Failure::Input(e.to_string()))?;
    let Some(axis) = s.sweep.as_ref().map(|w| w.axis.clone()) else {
        return Err(Failure::Input(no_sweep(&args.scenario.scenario)));
    };
    if !s.designs.is_empty() {
        // A sweep runs one scenario; pairing designs is `compare`'s work.
        eprintln!(
            "warning: sweep runs the scenario as written and ignores its {}; \
             to compare them at each value run `pnrpsim compare {} --set {axis}=VALUE`",
            count(s.designs.len() as u64, "[[design]] table"),
            args.scenario.scenario.display()
        );
    }
    let base = crate::scenario::overrides::point_base(&s).map_err(|e| Failure::Run(e.into()))?;
    // A point that cannot be made is reported, located, by the sweep itself.
    let point_runs = super::stats::sweep_points_of(&s, &base).unwrap_or_default();
    super::stats::print_warmup_notices(&point_runs);
    let limit = args.max_wall.map(WallLimit::start);
    let out_dir = crate::outputs::output_dir(args.out.clone(), &s.name)
        .map_err(|e| Failure::Input(format!("{e:#}")))?;
    let shard = match &args.shard {
        Some(spec) => Some(Shard::parse(spec)),
        None => Shard::from_env(|k| std::env::var(k).ok(), args.shard_count).transpose(),
    }
    .transpose()
    .map_err(Failure::Input)?;
    let cfg = SweepConfig {
        out_dir: out_dir.clone(),
        threads: args.threads.unwrap_or(0),
        extra_bytes: if args.no_charts {
            0
        } else {
            crate::plot::CHART_BYTES
        },
        resume: args.resume,
        shard,
        charts: (!args.no_charts).then_some(crate::plot::SWEEP_CHARTS),
    };
    let report = ReportPath::from_arg(args.report.as_deref()).map_err(Failure::Input)?;
    if report.is_some() && shard.is_some() {
        return Err(Failure::Input(
            "--report needs the whole sweep, not one shard: write it from a sweep run on one machine"
                .to_owned(),
        ));
    }
    let (estimate, points, replications) = preflight(&s, &base, cfg.threads, args.perf.force)?;
    let all: Vec<Scenario> = points
        .iter()
        .flat_map(|p| std::iter::repeat_n(p.clone(), replications as usize))
        .collect();
    let shown = stats::begin(
        &all,
        &format!(
            "{} × {}{}",
            count(points.len() as u64, "point"),
            count(u64::from(replications), "replication"),
            if shard.is_some() {
                ", all shards; this one runs its share"
            } else {
                ""
            }
        ),
        cfg.threads,
        "sweep",
    );
    crate::guard::progress::plan(
        all.len() as u64,
        all.iter().map(crate::guard::cost::cpu_seconds).sum(),
    );
    let stop = interrupt_flag()?;
    if let Some(limit) = &limit {
        limit.raise_at_deadline(stop);
    }
    let started = Instant::now();
    // The work of every run, added up for --stats.
    let work = Mutex::new(crate::sim::Work::default());
    let outcome = run_sweep(
        &cfg,
        &s,
        |coords| scenario_at(&base, coords),
        |scenario, seed| {
            let (result, w) = run_within(scenario, seed, limit.as_ref())?;
            let mut total = work.lock().unwrap_or_else(|e| e.into_inner());
            total.events += w.events;
            total.datagrams += w.datagrams;
            total.simulated_secs += w.simulated_secs;
            Ok(result)
        },
        stop,
    )
    .map_err(super::input_unless_output)?;
    // Charts are drawn (by run_sweep, into the same output set) only for a
    // complete sweep: a partial one's tables are aside in `partial/`, and
    // a chart of some runs would read as the answer.
    let wall = started.elapsed();
    drop(shown);
    say!(
        "{}: {} of {} runs in {:.1} s; wrote {} files to {}",
        s.name,
        outcome.completed,
        outcome.tasks,
        wall.as_secs_f64(),
        outcome.files.len(),
        out_dir.display()
    );
    if outcome.resumed > 0 || outcome.resumed_unfinished > 0 {
        say!(
            "resumed: {} runs taken from the journal, {} started before and never finished",
            outcome.resumed,
            outcome.resumed_unfinished
        );
    }
    if !outcome.journal_dropped.is_empty() {
        say!(
            "the journal had {} damaged lines, left out (their runs, if any, ran again): {}",
            outcome.journal_dropped.len(),
            outcome.journal_dropped.join("; ")
        );
    }
    if args.perf.stats {
        let stats = stats::Stats {
            work: work.into_inner().unwrap_or_else(|e| e.into_inner()),
            wall,
            hosts: 0,
            estimate,
        };
        stats.print();
    }
    if let Some(sh) = shard {
        say!("shard {} of {} (from 0)", sh.index, sh.count);
    }
    outcome.check()?;
    let trending = if shard.is_none() {
        super::trend::of_sweep(&out_dir)?
    } else {
        Vec::new()
    };
    // Points may warm up for their own sessions: a suggested warm-up sized
    // from the longest one is long enough for every point.
    let longest = point_runs
        .iter()
        .map(|(_, p)| p)
        .max_by_key(|p| p.warmup)
        .unwrap_or(&s);
    super::trend::warn(longest, &trending);
    if let Some(report) = report {
        let shown = crate::guard::progress::start("report");
        write_report(&args, &s, &base, &out_dir, &outcome.files, stop, &report)?;
        drop(shown);
        say!("wrote {}", report.page.display());
    }
    Ok(())
}

/// The report page of a finished sweep, from its `sweep.csv` and charts.
fn write_report(
    args: &SweepArgs,
    s: &Scenario,
    base: &toml::Table,
    out_dir: &std::path::Path,
    files: &[PathBuf],
    stop: &std::sync::atomic::AtomicBool,
    report: &ReportPath,
) -> anyhow::Result<()> {
    use crate::page::sweep as page;
    let plan = s
        .sweep
        .clone()
        .unwrap_or_default()
        .plan()
        .map_err(anyhow::Error::msg)?;
    let rows = page::read_points(out_dir)?;
    let threads = args.threads.unwrap_or(0);
    let sensitivity = Sensitivity::compute(
        "mean upload per host, last point ÷ first point".to_owned(),
        format!(
            "Each row is simulated: the first and the last point run again on the changed scenario, {} replications each, with the sweep's seeds.",
            plan.replications
        ),
        s,
        base,
        page::base_row(&plan, &rows),
        |_, table| page::headline_at(table, &plan, threads, stop),
    )?;
    let mut charts = Vec::new();
    for png in files
        .iter()
        .filter(|f| f.extension().is_some_and(|e| e == "png"))
    {
        let copy = report.copy_chart(png)?;
        let name = png
            .file_stem()
            .map_or(String::new(), |n| n.to_string_lossy().replace('_', " "));
        charts.push((format!("Sweep chart: {name}"), copy));
    }
    let text = std::fs::read_to_string(&args.scenario.scenario)?;
    let prov = Provenance::new(&text, &args.scenario.sets);
    let mut page = page::page(s, &plan, &rows, &prov, charts, sensitivity);
    page.caveats
        .extend(super::trend::caveats(&super::trend::of_sweep(out_dir)?));
    page.write(report)
}

/// Why `sweep` refuses a file without `[sweep]`: it would otherwise run a
/// default grid nobody asked for (35 runs; issue #17).
fn no_sweep(file: &std::path::Path) -> String {
    format!(
        "{}: the scenario has no [sweep] table, so there is nothing to sweep. \
Add one (`pnrpsim init cluster` writes an example; see the sweep.* rows of docs/reference/scenario.md), \
or use `pnrpsim run` for a single run",
        file.display()
    )
}

/// Refuses a sweep whose concurrent runs would not fit in memory: as many
/// runs as threads at once, each as big as the biggest point. Returns that
/// estimate, the points' scenarios and the replications per point.
fn preflight(
    s: &Scenario,
    base: &toml::Table,
    threads: usize,
    force: bool,
) -> Result<(crate::estimate::footprint::Footprint, Vec<Scenario>, u32), Failure> {
    let plan = s
        .sweep
        .clone()
        .unwrap_or_default()
        .plan()
        .map_err(Failure::Input)?;
    // A bad point is reported by the sweep itself, with its context.
    let points: Vec<Scenario> = plan
        .points
        .iter()
        .filter_map(|p| scenario_at(base, &p.coords).ok())
        .collect();
    let biggest = points
        .iter()
        .map(crate::estimate::footprint::estimate)
        .max_by_key(|e| e.bytes)
        .unwrap_or_else(|| crate::estimate::footprint::estimate(s));
    let threads = if threads == 0 {
        std::thread::available_parallelism().map_or(1, |n| n.get())
    } else {
        threads
    };
    let tasks = plan.points.len() * plan.replications as usize;
    let concurrent = threads.min(tasks).max(1) as u64;
    let mut total = biggest;
    total.bytes = biggest.bytes.saturating_mul(concurrent);
    stats::preflight(
        total.bytes,
        force,
        &format!("this sweep ({concurrent} runs at once)"),
    )?;
    Ok((total, points, plan.replications))
}

pub fn merge(args: MergeArgs) -> Result<(), Failure> {
    let merged =
        crate::sweep::shard::check(&args.dir).map_err(|e| Failure::Input(format!("{e:#}")))?;
    crate::outputs::prepare_output_dir(&args.dir, crate::plot::CHART_BYTES)
        .map_err(|e| Failure::Input(format!("{e:#}")))?;
    let charts = (!args.no_charts && merged.runs() > 0).then_some(crate::plot::SWEEP_CHARTS);
    let files = merged.write(&args.dir, charts)?;
    say!(
        "{}: merged {} runs from {} shards; wrote {} files to {}",
        merged.scenario.name,
        merged.runs(),
        merged.shards,
        files.len(),
        args.dir.display()
    );
    Ok(())
}

pub fn plot(args: PlotArgs) -> Result<(), Failure> {
    let (files, skipped) =
        crate::plot::plot_dir_noting(&args.path).map_err(super::input_unless_output)?;
    for f in &files {
        say!("{}", f.display());
    }
    // A chart not drawn is said, with why: a sweep's files were cut short
    // or removed, and silence would pass for "nothing to draw".
    for s in &skipped {
        eprintln!("note: chart {s}; not drawn");
    }
    Ok(())
}
