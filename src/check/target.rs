//! Running the scenario files to check, and checking what they measured.
//!
//! Every (file, point, replication) run of every file is one task on one
//! thread pool ([`exec::execute`](crate::sweep::exec::execute)), costliest
//! first, so that a suite of small files and one sweep keeps both cores busy
//! to the end. Each run is reduced at once to its metric values and its
//! fingerprint. Seeds are the sweep's (scenario seed, point, replication),
//! so a file's figures are those `pnrpsim run` (no sweep) or `pnrpsim sweep`
//! would report for it, whatever the thread count.

use super::expect::{Accept, describe_measured, round_significant};
use super::fingerprint;
use super::{BlessValue, Row, RowKind, ScenarioReport, Verdict};
use crate::engine::StreamSeed;
use crate::metrics::RunResult;
use crate::metrics::catalog;
use crate::scenario::expect::point_index;
use crate::scenario::{Expect, Scenario};
use crate::sweep::exec::{Outcome, execute};
use crate::sweep::stats::SampleMean;
use crate::sweep::{Coord, SweepPlan};
use std::path::PathBuf;
use std::sync::atomic::AtomicBool;
use std::time::Instant;

/// A loaded scenario file with the scenario of each of its points.
#[derive(Clone, Debug)]
pub struct Target {
    /// The file, as found under the paths given.
    pub file: PathBuf,
    pub scenario: Scenario,
    /// The `[sweep]` expanded; `None` for a single run.
    pub plan: Option<SweepPlan>,
    /// One scenario per point of the plan; the scenario itself without one.
    pub points: Vec<Scenario>,
}

impl Target {
    /// `make_point` builds the scenario of a sweep point from its settings,
    /// as for [`run_sweep`](crate::sweep::run_sweep); an error names the
    /// point.
    pub fn new<M>(file: PathBuf, scenario: Scenario, make_point: M) -> Result<Target, String>
    where
        M: Fn(&[Coord]) -> Result<Scenario, String>,
    {
        let plan = scenario.sweep.as_ref().map(|s| s.plan()).transpose()?;
        let points = match &plan {
            Some(plan) => plan
                .points
                .iter()
                .map(|p| {
                    make_point(&p.coords).map_err(|e| format!("sweep point {} ({p}): {e}", p.index))
                })
                .collect::<Result<_, _>>()?,
            None => vec![scenario.clone()],
        };
        Ok(Target {
            file,
            scenario,
            plan,
            points,
        })
    }

    /// Whether the file has anything to check; files without are not run.
    pub fn has_checks(&self) -> bool {
        !self.scenario.expect.is_empty() || self.scenario.fingerprint.is_some()
    }

    pub fn replications(&self) -> u32 {
        self.plan.as_ref().map_or(1, |p| p.replications)
    }
}

/// What check keeps of one run.
#[derive(Clone, Debug, PartialEq)]
pub struct RunSummary {
    /// In [`catalog::per_run_names`] order.
    pub values: Vec<Option<f64>>,
    pub fingerprint: u64,
}

impl RunSummary {
    pub fn of(r: &RunResult) -> RunSummary {
        RunSummary {
            values: catalog::per_run_values(r),
            fingerprint: fingerprint::of_run(r),
        }
    }
}

/// The runs of one target, `[point][replication]`; a failed run holds its
/// error message. Empty for a target with nothing to check.
#[derive(Clone, Debug, Default, PartialEq)]
pub struct TargetRuns {
    pub runs: Vec<Vec<Result<RunSummary, String>>>,
    /// Seconds the runs took, summed over threads.
    pub secs: f64,
}

struct Task {
    target: usize,
    point: usize,
    replication: u32,
    seed: StreamSeed,
}

/// Runs every point and replication of every target that has checks, on
/// `threads` threads (0 = one per core). A run that fails or panics is
/// recorded and the others go on; raising `stop` leaves the runs not yet
/// started recorded as interrupted.
pub fn run_targets<R>(
    targets: &[Target],
    threads: usize,
    stop: &AtomicBool,
    runner: R,
) -> anyhow::Result<Vec<TargetRuns>>
where
    R: Fn(&Scenario, StreamSeed) -> anyhow::Result<RunResult> + Sync,
{
    let mut tasks = Vec::new();
    for (t, target) in targets.iter().enumerate() {
        if !target.has_checks() {
            continue;
        }
        for (p, scenario) in target.points.iter().enumerate() {
            for replication in 0..target.replications() {
                tasks.push(Task {
                    target: t,
                    point: p,
                    replication,
                    seed: StreamSeed {
                        seed: scenario.seed,
                        point: p as u64,
                        replication: u64::from(replication),
                    },
                });
            }
        }
    }
    // Costliest first (a stable sort keeps file order among equals), so no
    // long run starts last.
    let cost = |t: &Task| {
        let s = &targets[t.target].points[t.point];
        f64::from(s.hosts.count) * f64::from(s.hosts.names_per_host) * s.duration.as_secs_f64()
    };
    tasks.sort_by(|a, b| cost(b).total_cmp(&cost(a)));

    let outcomes = execute(&tasks, threads, stop, |task| {
        let scenario = &targets[task.target].points[task.point];
        let started = Instant::now();
        let result = runner(scenario, task.seed)?;
        Ok((RunSummary::of(&result), started.elapsed().as_secs_f64()))
    })?;

    let mut all: Vec<TargetRuns> = targets
        .iter()
        .map(|target| TargetRuns {
            runs: if target.has_checks() {
                let reps = target.replications() as usize;
                vec![Vec::with_capacity(reps); target.points.len()]
            } else {
                Vec::new()
            },
            secs: 0.0,
        })
        .collect();
    let mut placed: Vec<(&Task, Result<RunSummary, String>)> = Vec::with_capacity(tasks.len());
    for (task, outcome) in tasks.iter().zip(outcomes) {
        let result = match outcome {
            Outcome::Done((summary, secs)) => {
                all[task.target].secs += secs;
                Ok(summary)
            }
            // No wall-clock limit is set here, but a runner may still stop early.
            Outcome::Failed(message) | Outcome::CutShort(message) => Err(message),
            Outcome::Skipped => Err("not run: interrupted".to_owned()),
        };
        let result = result.map_err(|message| {
            let target = &targets[task.target];
            match &target.plan {
                Some(plan) => format!(
                    "point {} ({}), replication {}, run seed {}: {message}",
                    task.point,
                    plan.points[task.point],
                    task.replication,
                    task.seed.run_seed()
                ),
                None => format!("run seed {}: {message}", task.seed.run_seed()),
            }
        });
        placed.push((task, result));
    }
    placed.sort_by_key(|(t, _)| (t.target, t.point, t.replication));
    for (task, result) in placed {
        all[task.target].runs[task.point].push(result);
    }
    Ok(all)
}

/// Checks a target's expectations and fingerprint against its runs.
pub fn evaluate(target: &Target, runs: &TargetRuns) -> ScenarioReport {
    let s = &target.scenario;
    let mut rows = Vec::new();
    if !target.has_checks() {
        rows.push(Row {
            kind: RowKind::Nothing,
            check: "(no [[expect]] entries and no fingerprint)".to_owned(),
            expected: String::new(),
            measured: String::new(),
            verdict: Verdict::Skipped,
            detail: None,
            bless_value: None,
        });
    }
    for (i, e) in s.expect.iter().enumerate() {
        rows.push(expectation_row(target, runs, i, e));
    }
    if let Some(pinned) = &s.fingerprint {
        rows.push(fingerprint_row(pinned, runs));
    }
    ScenarioReport {
        file: target.file.display().to_string(),
        name: s.name.clone(),
        rows,
        run_secs: runs.secs,
    }
}

fn expectation_row(target: &Target, runs: &TargetRuns, i: usize, e: &Expect) -> Row {
    let mut row = Row {
        kind: RowKind::Expect(i),
        check: e.metric.clone(),
        expected: String::new(),
        measured: String::new(),
        verdict: Verdict::Error,
        detail: None,
        bless_value: None,
    };
    // Loading validates all three; a scenario built in code may not be.
    let resolved = point_index(e, target.plan.as_ref())
        .map_err(|(_, message)| message)
        .and_then(|point| {
            let metric = catalog::per_run_index(&e.metric).ok_or("unknown metric")?;
            let accept = Accept::of(e).ok_or("neither `expected` with `tolerance` nor bounds")?;
            Ok((point, metric, accept))
        });
    let (point, metric, accept) = match resolved {
        Ok(resolved) => resolved,
        Err(message) => {
            row.detail = Some(format!("invalid expectation: {message}"));
            return row;
        }
    };
    if let Some(plan) = target.plan.as_ref().filter(|p| p.points.len() > 1) {
        row.check = format!("{} @ {}", e.metric, plan.points[point]);
    }
    row.expected = accept.describe();
    let mut values = Vec::new();
    for run in runs.runs.get(point).into_iter().flatten() {
        match run {
            Ok(summary) => values.extend(summary.values[metric]),
            Err(message) => {
                row.measured = "run failed".to_owned();
                row.detail = Some(message.clone());
                return row;
            }
        }
    }
    let Some(estimate) = SampleMean::of(&values) else {
        row.measured = "undefined".to_owned();
        row.verdict = Verdict::Fail;
        row.detail = Some(format!(
            "expected {}, measured nothing: no run of this point defines `{}` (e.g. no resolve succeeded)",
            accept.describe(),
            e.metric
        ));
        return row;
    };
    row.measured = describe_measured(&estimate);
    row.bless_value = bless_expected(accept, &estimate).map(BlessValue::Expected);
    row.verdict = match accept {
        Accept::Unset { .. } => {
            row.detail = Some(format!(
                "no expected value yet, measured {}: run `pnrpsim check --bless` to record it",
                describe_measured(&estimate)
            ));
            Verdict::Unset
        }
        _ if accept.admits(&estimate) => Verdict::Pass,
        _ => {
            row.detail = Some(accept.diff(&estimate));
            Verdict::Fail
        }
    };
    row
}

/// The `expected` value `--bless` writes: the measured mean, to six
/// significant digits when the rounded value still passes (it does unless
/// the tolerance is tighter than the rounding). Bounds are never rewritten.
fn bless_expected(accept: Accept, m: &SampleMean) -> Option<f64> {
    let tolerance = match accept {
        Accept::Near { tolerance, .. } | Accept::Unset { tolerance } => tolerance,
        Accept::Within { .. } => return None,
    };
    let rounded = round_significant(m.mean, 6);
    let passes = Accept::Near {
        expected: rounded,
        tolerance,
    }
    .admits(m);
    Some(if passes { rounded } else { m.mean })
}

fn fingerprint_row(pinned: &str, runs: &TargetRuns) -> Row {
    let mut row = Row {
        kind: RowKind::Fingerprint,
        check: "fingerprint".to_owned(),
        expected: if pinned.is_empty() {
            "unset".to_owned()
        } else {
            pinned.to_owned()
        },
        measured: "run failed".to_owned(),
        verdict: Verdict::Error,
        detail: None,
        bless_value: None,
    };
    let mut all = Vec::new();
    for run in runs.runs.iter().flatten() {
        match run {
            Ok(summary) => all.push(summary.fingerprint),
            Err(message) => {
                row.detail = Some(message.clone());
                return row;
            }
        }
    }
    let measured = fingerprint::hex(fingerprint::combine(&all));
    row.measured = measured.clone();
    row.bless_value = Some(BlessValue::Fingerprint(measured.clone()));
    row.verdict = if pinned.is_empty() {
        row.detail = Some(format!(
            "no fingerprint pinned yet, measured {measured}: run `pnrpsim check --bless` to record it"
        ));
        Verdict::Unset
    } else if pinned == measured {
        Verdict::Pass
    } else {
        row.detail = Some(format!(
            "expected {pinned}, measured {measured}: the runs counted something different \
             (if the change is intended, run `pnrpsim check --bless`)"
        ));
        Verdict::Fail
    };
    row
}
