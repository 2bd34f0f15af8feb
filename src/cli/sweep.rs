//! `pnrpsim sweep` and `pnrpsim plot`.

use super::Failure;
use super::run::ScenarioArgs;
use crate::guard::{WallLimit, run_within};
use crate::scenario::load::{load_file, scenario_with};
use crate::sweep::shard::Shard;
use crate::sweep::{SweepConfig, interrupt_flag, run_sweep};
use clap::Args;
use std::path::PathBuf;
use std::time::Instant;

#[derive(Args, Debug)]
pub struct SweepArgs {
    #[command(flatten)]
    pub scenario: ScenarioArgs,
    /// Worker threads [default: one per core]. Results do not depend on it.
    #[arg(long, value_name = "N")]
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
    /// are cut short, the files hold the finished runs, and --resume
    /// continues later.
    #[arg(long, value_name = "DURATION", value_parser = crate::guard::parse_wall_limit)]
    pub max_wall: Option<std::time::Duration>,
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
    let limit = args.max_wall.map(WallLimit::start);
    let out_dir = crate::report::output_dir(args.out, &s.name)
        .map_err(|e| Failure::Input(format!("{e:#}")))?;
    let base = toml::Table::try_from(&s).map_err(|e| Failure::Run(e.into()))?;
    let shard = match &args.shard {
        Some(spec) => Some(Shard::parse(spec)),
        None => Shard::from_env(|k| std::env::var(k).ok(), args.shard_count).transpose(),
    }
    .transpose()
    .map_err(Failure::Input)?;
    let cfg = SweepConfig {
        out_dir: out_dir.clone(),
        threads: args.threads.unwrap_or(0),
        charts: !args.no_charts,
        resume: args.resume,
        shard,
    };
    let stop = interrupt_flag()?;
    if let Some(limit) = &limit {
        limit.raise_at_deadline(stop);
    }
    let started = Instant::now();
    let outcome = run_sweep(
        &cfg,
        &s,
        |coords| {
            let sets: Vec<_> = coords
                .iter()
                .map(|c| (c.path.clone(), c.value.clone()))
                .collect();
            scenario_with(&base, &sets)
        },
        |scenario, seed| run_within(scenario, seed, limit.as_ref()),
        stop,
    )
    .map_err(|e| Failure::Input(format!("{e:#}")))?;
    say!(
        "{}: {} of {} runs in {:.1} s; wrote {} files to {}",
        s.name,
        outcome.completed,
        outcome.tasks,
        started.elapsed().as_secs_f64(),
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
    if let Some(sh) = shard {
        say!("shard {} of {} (from 0)", sh.index, sh.count);
    }
    outcome.check()?;
    Ok(())
}

pub fn merge(args: MergeArgs) -> Result<(), Failure> {
    let merged =
        crate::sweep::shard::check(&args.dir).map_err(|e| Failure::Input(format!("{e:#}")))?;
    let files = merged.write(&args.dir, !args.no_charts)?;
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
    let files = crate::plot::plot_dir(&args.path).map_err(|e| Failure::Input(format!("{e:#}")))?;
    for f in &files {
        say!("{}", f.display());
    }
    Ok(())
}
