//! Parameter sweeps: many runs over a grid of scenario settings, in
//! parallel, summarised with confidence intervals in CSV files (which
//! [`crate::plot`], a layer up, draws as charts).
//!
//! [`run_sweep`] takes the simulation as a function, so this module depends
//! only on the scenario and result types, and is tested with a synthetic
//! runner. Results are byte-identical for any thread count: each run's seed
//! depends only on (scenario seed, point, replication), and rows are written
//! in (point, replication) order whatever order the runs finished in.
//!
//! Every finished run is recorded durably in the output directory's
//! [`journal`] as soon as it completes; `resume` picks a killed or
//! interrupted sweep up from there.

pub mod exec;
pub mod journal;
pub mod shard;
pub mod stats;
pub mod tables;

pub use crate::scenario::sweep::{Coord, Point, SweepPlan, SweepSpec};
pub use exec::interrupt_flag;

use crate::engine::StreamSeed;
use crate::metrics::RunResult;
use crate::scenario::Scenario;
use anyhow::{Context, anyhow, bail};
use exec::Outcome;
use journal::{Identity, Journal};
use std::collections::BTreeSet;
use std::fmt;
use std::path::PathBuf;
use std::sync::atomic::AtomicBool;
use tables::RunRecord;

/// How to run a sweep (the what is the scenario's `[sweep]` section).
#[derive(Clone, Debug)]
pub struct SweepConfig {
    /// Where the CSV files go; created if missing.
    pub out_dir: PathBuf,
    /// Worker threads; 0 means one per core.
    pub threads: usize,
    /// Bytes the caller will add to `out_dir` once the sweep is written
    /// (its charts), so that the free-space check before the first run
    /// counts them too.
    pub extra_bytes: u64,
    /// Keep the finished runs of the journal already in `out_dir` (same
    /// scenario and version only) and run the others.
    pub resume: bool,
    /// Run only this share of the tasks and write it as a shard journal
    /// (see [`shard`]) instead of the tables; `pnrpsim merge` joins them.
    pub shard: Option<shard::Shard>,
    /// Charts drawn from the tables of a complete sweep, into the same
    /// output set; `None` writes tables only.
    pub charts: Option<Charts>,
}

/// How the layer that draws charts ([`crate::plot`], above this one) adds
/// them to a sweep's output set.
#[derive(Clone, Copy, Debug)]
pub struct Charts {
    /// Draws the charts of the tables in a directory, into it.
    pub draw: fn(&std::path::Path) -> anyhow::Result<Vec<PathBuf>>,
    /// Whether a file name is one of the charts `draw` may write, so that
    /// a chart of an earlier sweep not drawn this time is removed.
    pub is_chart: fn(&str) -> bool,
}

/// Writes a sweep's tables (and `charts`) into `dir` as one output set
/// ([`crate::outputs::staging`]): a failure or a kill midway leaves the old
/// set whole. Returns the paths written: tables, then charts.
pub fn write_set(
    dir: &std::path::Path,
    name: &str,
    plan: &SweepPlan,
    records: &[RunRecord],
    base: &Scenario,
    charts: Option<Charts>,
) -> anyhow::Result<Vec<PathBuf>> {
    let stage = crate::outputs::Staging::begin(dir)?;
    let mut staged = tables::write_all(stage.path(), name, plan, records, base)?;
    if let Some(c) = charts {
        staged.extend((c.draw)(stage.path())?);
    }
    stage.commit(|n| tables::FILES.contains(&n) || charts.is_some_and(|c| (c.is_chart)(n)))?;
    Ok(staged
        .iter()
        .filter_map(|p| p.file_name())
        .map(|n| dir.join(n))
        .collect())
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
    /// Tasks stopped midway by a wall-clock limit.
    pub cut_short: usize,
    /// Of `completed`, the runs taken from the journal of an earlier sweep.
    pub resumed: usize,
    /// Runs an earlier sweep started and never finished (killed midway).
    pub resumed_unfinished: usize,
    /// Damaged journal lines that `--resume` left out (see [`journal`]).
    pub journal_dropped: Vec<String>,
    /// The share run (`--shard`), whose file is written only when whole.
    pub shard: Option<shard::Shard>,
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
        let interrupted = self.skipped > 0 || self.cut_short > 0;
        let cut = if self.cut_short > 0 {
            format!(", {} cut short", self.cut_short)
        } else {
            String::new()
        };
        match self.shard {
            _ if lines.is_empty() && !interrupted => {}
            Some(sh) => lines.push(format!(
                "shard {}/{} is not complete: {} of its {} runs finished{cut}, {} not started; the finished ones are kept in its journal {}, and its shard file is written once every run is done: run the same command again to run only the missing runs",
                sh.index,
                sh.count,
                self.completed,
                self.tasks,
                self.skipped,
                sh.progress_name()
            )),
            None => {
                if interrupted {
                    lines.push(format!(
                        "the sweep was interrupted: {} of {} runs finished{cut}, {} not started; the tables of the finished runs are in {PARTIAL_DIR}/ (no charts until the sweep is complete)",
                        self.completed, self.tasks, self.skipped
                    ));
                }
                lines.push(
                    "run the same command with --resume to run only the missing runs".to_owned(),
                );
            }
        }
        if lines.is_empty() {
            Ok(())
        } else {
            Err(anyhow!(lines.join("\n")))
        }
    }
}

/// Subdirectory of the output directory that holds the tables of an
/// unfinished sweep; removed when the sweep completes.
pub const PARTIAL_DIR: &str = "partial";

/// Whether the [`PARTIAL_DIR`] `dir` exists; refuses anything there but a
/// plain directory, so that no table is written or removed through a link.
fn partial_exists(dir: &std::path::Path) -> anyhow::Result<bool> {
    match std::fs::symlink_metadata(dir) {
        Ok(m) if m.is_dir() => Ok(true),
        Ok(_) => bail!(
            "{} is not a plain directory: pnrpsim keeps an unfinished sweep's tables there (remove it)",
            dir.display()
        ),
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => Ok(false),
        Err(e) => Err(anyhow!("cannot read {}: {e}", dir.display())),
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
/// and writes its CSV files into `cfg.out_dir`.
///
/// `make_point` builds the scenario of one point from its settings (the
/// caller sets each [`Coord`]'s path on the scenario's TOML table and
/// re-validates), and every point is built before any run starts, so an
/// unknown path or a bad value fails fast. `runner` is the simulation.
/// Raising `stop` (see [`interrupt_flag`]) skips the runs not yet started.
/// Each run is recorded in the [`journal`] when it starts and, durably, when
/// it finishes; with `cfg.resume` the runs the journal already holds are not
/// run again. Once the files hold every run, the journal is marked complete.
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

    if let Some(sh) = cfg.shard {
        let reps = plan.replications as usize;
        tasks.retain(|t| sh.owns(t.point * reps + t.replication as usize));
    }

    let expected: u64 = tasks
        .iter()
        .map(|t| tables::estimated_bytes(&scenarios[t.point], t.keep_hosts, t.keep_series))
        .sum::<u64>()
        + cfg.extra_bytes;
    crate::outputs::prepare_output_dir(&cfg.out_dir, expected)?;
    // A shard keeps its finished runs in a journal of its own, as a sweep
    // does, and writes its shard file whole once its share is done. A
    // batch system retries a shard with the same command, so a shard takes
    // the runs of its own journal without --resume.
    let (journal_path, what) = match cfg.shard {
        Some(sh) => (sh.progress_path(&cfg.out_dir), "shard"),
        None => (cfg.out_dir.join(journal::JOURNAL_FILE), "sweep"),
    };
    let opened = Journal::open_at(
        &journal_path,
        &Identity::of(base)?,
        match cfg.shard {
            Some(_) => journal::Reuse::Auto,
            None => journal::Reuse::from(cfg.resume),
        },
        false,
        what,
    )?;
    let (journal, mut records, unfinished, journal_dropped) = (
        Some(opened.journal),
        opened.done,
        opened.unfinished,
        opened.dropped,
    );
    for r in &records {
        let matches = tasks.iter().any(|t| {
            (
                t.point,
                t.replication,
                t.seed.run_seed(),
                t.keep_hosts,
                t.keep_series,
            ) == (
                r.point,
                r.replication,
                r.run_seed,
                r.host_up.is_some(),
                r.cloud_series.is_some(),
            )
        });
        if !matches || r.values.len() != crate::metrics::catalog::per_run_names().len() {
            bail!(
                "{} records point {} replication {} (run seed {}), which this sweep does not have; remove it to start over",
                journal_path.display(),
                r.point,
                r.replication,
                r.run_seed
            );
        }
    }
    let resumed = records.len();
    let done: BTreeSet<(usize, u32)> = records.iter().map(|r| (r.point, r.replication)).collect();
    let pending: Vec<&Task> = tasks
        .iter()
        .filter(|t| !done.contains(&(t.point, t.replication)))
        .collect();

    let journal_error =
        |j: &Journal, e| anyhow!("cannot record the run in {}: {e}", j.path().display());
    let outcomes = exec::execute(&pending, cfg.threads, stop, |t| {
        if let Some(j) = &journal {
            j.started(t.point, t.replication)
                .map_err(|e| journal_error(j, e))?;
        }
        let scenario = &scenarios[t.point];
        let result = runner(scenario, t.seed)?;
        let record = RunRecord::new(
            t.point,
            t.replication,
            t.seed.run_seed(),
            scenario,
            &result,
            t.keep_hosts,
            t.keep_series,
        );
        if let Some(j) = &journal {
            j.finished(&record).map_err(|e| journal_error(j, e))?;
        }
        Ok(record)
    })?;

    let mut failures = Vec::new();
    let (mut skipped, mut cut_short) = (0, 0);
    for (task, outcome) in pending.iter().zip(outcomes) {
        match outcome {
            Outcome::Done(r) => records.push(r),
            Outcome::Failed(message) => failures.push(TaskFailure {
                point: plan.points[task.point].clone(),
                replication: task.replication,
                run_seed: task.seed.run_seed(),
                message,
            }),
            Outcome::CutShort(_) => cut_short += 1,
            Outcome::Skipped => skipped += 1,
        }
    }
    records.sort_by_key(|r| (r.point, r.replication));
    failures.sort_by_key(|f| (f.point.index, f.replication));

    let files = match cfg.shard {
        Some(sh) if records.len() == tasks.len() => {
            let files = shard::write(&cfg.out_dir, sh, base, &records)
                .map_err(|e| e.context(crate::outputs::OutputFailed))?;
            // The shard file holds every run now; its running journal
            // would only make the next run of this shard ask for --resume.
            drop(journal);
            std::fs::remove_file(&journal_path)
                .with_context(|| format!("cannot remove {}", journal_path.display()))?;
            files
        }
        Some(_) => Vec::new(),
        None => write_whole_or_partial(cfg, base, &plan, &records, journal, tasks.len())?,
    };
    Ok(SweepOutcome {
        files,
        tasks: tasks.len(),
        completed: records.len(),
        failures,
        skipped,
        cut_short,
        resumed,
        resumed_unfinished: unfinished,
        journal_dropped,
        shard: cfg.shard,
    })
}

/// The tables (and charts) of a whole sweep, or those of its finished runs
/// in `partial/`; a whole sweep closes its journal.
fn write_whole_or_partial(
    cfg: &SweepConfig,
    base: &Scenario,
    plan: &SweepPlan,
    records: &[RunRecord],
    journal: Option<Journal>,
    tasks: usize,
) -> anyhow::Result<Vec<PathBuf>> {
    let name = if base.name.is_empty() {
        "scenario"
    } else {
        &base.name
    };
    let whole = records.len() == tasks;
    let partial_dir = cfg.out_dir.join(PARTIAL_DIR);
    let files = if whole {
        let files = write_set(&cfg.out_dir, name, plan, records, base, cfg.charts)
            .map_err(|e| e.context(crate::outputs::OutputFailed))?;
        if partial_exists(&partial_dir)? {
            std::fs::remove_dir_all(&partial_dir)
                .with_context(|| format!("cannot remove {}", partial_dir.display()))?;
        }
        files
    } else {
        // The tables of the finished runs go aside, never over the files
        // of a complete sweep, and without charts: a chart of some of the
        // runs looks like the answer and is not (the journal keeps every
        // finished run, and `--resume` draws them once all are done).
        partial_exists(&partial_dir)?;
        crate::outputs::prepare_output_dir(&partial_dir, 0)?;
        write_set(&partial_dir, name, plan, records, base, None)
            .map_err(|e| e.context(crate::outputs::OutputFailed))?
    };
    if let Some(journal) = journal.filter(|_| whole) {
        journal
            .complete()
            .with_context(|| format!("cannot write {}", journal.path().display()))?;
    }
    Ok(files)
}

#[cfg(test)]
pub(crate) mod tests;
