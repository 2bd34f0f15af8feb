//! Parameter sweeps: many runs over a grid of scenario settings, in
//! parallel, summarised with confidence intervals and drawn as charts.
//!
//! [`run_sweep`] takes the simulation as a function, so this module depends
//! only on the scenario and result types, and is tested with a synthetic
//! runner. Results are byte-identical for any thread count: each run's seed
//! depends only on (scenario seed, point, replication), and rows are written
//! in (point, replication) order whatever order the runs finished in.

pub mod exec;
pub mod spec;
pub mod stats;
pub mod tables;

pub use exec::interrupt_flag;
pub use spec::{Coord, Point, SweepPlan, SweepSpec};

use crate::engine::StreamSeed;
use crate::metrics::RunResult;
use crate::scenario::Scenario;
use anyhow::anyhow;
use exec::Outcome;
use std::fmt;
use std::path::PathBuf;
use std::sync::atomic::AtomicBool;
use tables::RunRecord;

/// How to run a sweep (the what is the scenario's `[sweep]` section).
#[derive(Clone, Debug)]
pub struct SweepConfig {
    /// Where the CSV files and charts go; created if missing.
    pub out_dir: PathBuf,
    /// Worker threads; 0 means one per core.
    pub threads: usize,
    /// Also render the charts from the CSV files.
    pub charts: bool,
}

/// A replication that returned an error or panicked.
#[derive(Clone, Debug, PartialEq)]
pub struct TaskFailure {
    pub point: Point,
    pub replication: u32,
    /// Enough, with the point's settings, to repeat the run alone.
    pub run_seed: u64,
    pub message: String,
}

impl fmt::Display for TaskFailure {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(
            f,
            "point {} ({}), replication {}, run seed {}: {}",
            self.point.index, self.point, self.replication, self.run_seed, self.message
        )
    }
}

/// What a sweep did. Files are written even when some runs failed or the
/// sweep was interrupted; [`SweepOutcome::check`] turns those into an error.
#[derive(Clone, Debug, PartialEq)]
pub struct SweepOutcome {
    /// CSV files, then chart files, as written.
    pub files: Vec<PathBuf>,
    pub tasks: usize,
    pub completed: usize,
    pub failures: Vec<TaskFailure>,
    /// Tasks skipped because the stop flag was raised.
    pub skipped: usize,
}

impl SweepOutcome {
    /// `Err` describing every failed run and any interruption, for a
    /// non-zero exit status; `Ok` when every run finished.
    pub fn check(&self) -> anyhow::Result<()> {
        let mut lines = Vec::new();
        if !self.failures.is_empty() {
            lines.push(format!(
                "{} of {} runs failed:",
                self.failures.len(),
                self.tasks
            ));
            lines.extend(self.failures.iter().map(|f| format!("  {f}")));
        }
        if self.skipped > 0 {
            lines.push(format!(
                "the sweep was interrupted: {} of {} runs finished, {} not started; the files hold the finished runs",
                self.completed, self.tasks, self.skipped
            ));
        }
        if lines.is_empty() {
            Ok(())
        } else {
            Err(anyhow!(lines.join("\n")))
        }
    }
}

/// One (point, replication) run.
struct Task {
    point: usize,
    replication: u32,
    seed: StreamSeed,
    keep_hosts: bool,
    keep_series: bool,
}

/// Runs the sweep described by `base.sweep` (the default sweep if absent)
/// and writes its CSV files, and charts if asked, into `cfg.out_dir`.
///
/// `make_point` builds the scenario of one point from its settings (the
/// caller sets each [`Coord`]'s path on the scenario's TOML table and
/// re-validates), and every point is built before any run starts, so an
/// unknown path or a bad value fails fast. `runner` is the simulation.
/// Raising `stop` (see [`interrupt_flag`]) skips the runs not yet started.
///
/// Failed runs do not make this return `Err`: the others are written, and
/// the failures are in the outcome (see [`SweepOutcome::check`]).
pub fn run_sweep<M, R>(
    cfg: &SweepConfig,
    base: &Scenario,
    make_point: M,
    runner: R,
    stop: &AtomicBool,
) -> anyhow::Result<SweepOutcome>
where
    M: Fn(&[Coord]) -> Result<Scenario, String>,
    R: Fn(&Scenario, StreamSeed) -> anyhow::Result<RunResult> + Sync,
{
    let plan = base
        .sweep
        .clone()
        .unwrap_or_default()
        .plan()
        .map_err(anyhow::Error::msg)?;
    let scenarios = plan
        .points
        .iter()
        .map(|p| make_point(&p.coords).map_err(|e| anyhow!("sweep point {} ({p}): {e}", p.index)))
        .collect::<anyhow::Result<Vec<Scenario>>>()?;

    // Costliest first: sweep values are usually listed in increasing order
    // of cost (names, hosts), and starting the big runs first leaves small
    // ones to even out the threads' finishing times.
    let mut tasks = Vec::with_capacity(plan.points.len() * plan.replications as usize);
    for p in plan.points.iter().rev() {
        for replication in 0..plan.replications {
            tasks.push(Task {
                point: p.index,
                replication,
                seed: StreamSeed {
                    seed: scenarios[p.index].seed,
                    point: p.index as u64,
                    replication: u64::from(replication),
                },
                keep_hosts: replication == 0 && plan.cdf_xs.contains(&p.coords[0].x),
                keep_series: replication == 0 && p.index == 0,
            });
        }
    }

    let outcomes = exec::execute(&tasks, cfg.threads, stop, |t| {
        let scenario = &scenarios[t.point];
        let result = runner(scenario, t.seed)?;
        Ok(RunRecord::new(
            t.point,
            t.replication,
            t.seed.run_seed(),
            scenario,
            &result,
            t.keep_hosts,
            t.keep_series,
        ))
    })?;

    let mut records = Vec::new();
    let mut failures = Vec::new();
    let mut skipped = 0;
    for (task, outcome) in tasks.iter().zip(outcomes) {
        match outcome {
            Outcome::Done(r) => records.push(r),
            Outcome::Failed(message) => failures.push(TaskFailure {
                point: plan.points[task.point].clone(),
                replication: task.replication,
                run_seed: task.seed.run_seed(),
                message,
            }),
            Outcome::Skipped => skipped += 1,
        }
    }
    records.sort_by_key(|r| (r.point, r.replication));
    failures.sort_by_key(|f| (f.point.index, f.replication));

    std::fs::create_dir_all(&cfg.out_dir)
        .map_err(|e| anyhow!("cannot create {}: {e}", cfg.out_dir.display()))?;
    let name = if base.name.is_empty() {
        "scenario"
    } else {
        &base.name
    };
    let estimates: Vec<Option<f64>> = scenarios
        .iter()
        .map(|s| crate::estimate::Estimate::of(s).map(|e| e.per_host_total()))
        .collect();
    let mut files = tables::write_all(&cfg.out_dir, name, &plan, &records, &estimates)?;
    if cfg.charts && !records.is_empty() {
        files.extend(crate::plot::plot_dir(&cfg.out_dir)?);
    }
    Ok(SweepOutcome {
        files,
        tasks: tasks.len(),
        completed: records.len(),
        failures,
        skipped,
    })
}

#[cfg(test)]
pub(crate) mod tests;
