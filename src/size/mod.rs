//! Sizing: the largest value of an axis (names per host by default) whose
//! per-host bandwidth stays within a budget, settled at 95 % confidence,
//! and the inverse question (what budget does a given value need).
//!
//! The search only reports what its runs support. A value is *within*
//! budget when the upper end of its 95 % confidence interval of the chosen
//! statistic is at or below the budget, *over* when the lower end is above
//! it, and *unsettled* otherwise. A value is looked at after a schedule of
//! run counts and stops getting runs at the first look that settles it;
//! the intervals spend their 5 % error across the looks ([`looks`]), so
//! the interval a value stops with is a 95 % interval however many looks
//! it took. The answer is a value that is within with its successor over.
//!
//! When the replications allowed cannot settle a value, or the run budget
//! (`max_runs`) is spent, the search does not fail: it answers with the
//! bracket its settled values support ("between 10 and 12"), each end
//! settled at 95 % confidence.

pub mod looks;

use crate::engine::StreamSeed;
use crate::metrics::RunResult;
use crate::metrics::catalog::{self, stat_name};
use crate::metrics::stationarity::{self, Trend};
use crate::scenario::Scenario;
use crate::sweep::exec::{Outcome, execute};
use crate::sweep::journal::StudyJournal;
use crate::sweep::stats::SampleMean;
use anyhow::{anyhow, bail};
use looks::Looks;
use std::collections::BTreeMap;
use std::sync::atomic::AtomicBool;

/// Which per-host statistic must fit the budget.
#[derive(Clone, Copy, Debug, PartialEq, Eq, clap::ValueEnum)]
pub enum Statistic {
    Mean,
    P95,
    P99,
}

impl Statistic {
    /// The per-run metric the statistic is: `up_B_per_s`, `up_p95_B_per_s`, …
    fn metric(self) -> String {
        let stat = match self {
            Statistic::Mean => "",
            Statistic::P95 => "p95",
            Statistic::P99 => "p99",
        };
        stat_name("up", stat, "B_per_s")
    }
    pub fn name(self) -> &'static str {
        match self {
            Statistic::Mean => "mean",
            Statistic::P95 => "p95",
            Statistic::P99 => "p99",
        }
    }
}

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Verdict {
    Within,
    Over,
    Unsettled,
}

/// What the runs at one axis value say.
#[derive(Clone, Debug)]
pub struct Evaluation {
    pub value: i64,
    pub estimate: SampleMean,
    pub verdict: Verdict,
}

/// How the search runs.
#[derive(Clone, Debug)]
pub struct Search {
    pub axis: String,
    pub statistic: Statistic,
    /// Bytes per second.
    pub budget: f64,
    pub replications: u32,
    pub max_replications: u32,
    pub threads: usize,
    /// Largest axis value tried while bracketing.
    pub max_value: i64,
    /// Most simulation runs the whole search may start.
    pub max_runs: usize,
}

pub struct Answer {
    /// Largest value within budget (`None`: not even the smallest).
    pub within: Option<Evaluation>,
    /// The smallest value over budget: the next value when the answer is
    /// settled.
    pub over: Option<Evaluation>,
    /// Every evaluation, by value.
    pub evaluations: Vec<Evaluation>,
    pub runs: usize,
    /// Why the search stopped short of a single value, when it did: the
    /// answer is then the bracket [`Answer::bracket`].
    pub stopped: Option<String>,
}

impl Answer {
    /// The values the answer may be, from the settled evaluations: from
    /// the largest value within budget (0 if none is) to the value before
    /// the smallest over it (`None` above: no value over was found).
    pub fn bracket(&self) -> (i64, Option<i64>) {
        (
            self.within.as_ref().map_or(0, |w| w.value),
            self.over.as_ref().map(|o| o.value - 1),
        )
    }

    /// The values inside the bracket that were evaluated and left
    /// unsettled (a probe above the smallest value over budget, moot once
    /// that one settled, is not among them).
    pub fn unsettled_inside(&self) -> impl Iterator<Item = &Evaluation> {
        let (lo, hi) = self.bracket();
        self.evaluations.iter().filter(move |e| {
            e.verdict == Verdict::Unsettled && e.value > lo && hi.is_none_or(|h| e.value <= h)
        })
    }

    /// One value: the bracket is closed and holds one value.
    pub fn settled(&self) -> bool {
        let (lo, hi) = self.bracket();
        hi == Some(lo)
    }
}

/// The run budget (`--max-runs`) was spent before a value could start.
#[derive(Debug, thiserror::Error)]
#[error("the run budget of {0} runs is spent")]
pub struct OutOfRuns(pub usize);

/// Runs replications of the scenario at axis values and remembers them.
///
/// Replication r of every value runs with the same seed, derived from
/// (scenario seed, point 0, r) as `compare` does: common random numbers,
/// so that values differ by the axis rather than by their seeds.
pub struct Evaluator<'a, M, R> {
    search: &'a Search,
    base: &'a Scenario,
    make: M,
    runner: R,
    stop: &'a AtomicBool,
    looks: Looks,
    samples: BTreeMap<i64, Vec<f64>>,
    pub runs: usize,
    /// The runs whose measured window still trends, labelled by axis value
    /// and replication, in the order they ran.
    pub trending: Vec<(String, Vec<Trend>)>,
    journal: Option<&'a StudyJournal>,
}

impl<'a, M, R> Evaluator<'a, M, R>
where
    M: Fn(i64) -> Result<Scenario, String>,
    R: Fn(&Scenario, StreamSeed) -> anyhow::Result<RunResult> + Sync,
{
    pub fn new(
        search: &'a Search,
        base: &'a Scenario,
        make: M,
        runner: R,
        stop: &'a AtomicBool,
    ) -> Self {
        Evaluator {
            search,
            base,
            make,
            runner,
            stop,
            looks: Looks::doubling(search.replications, search.max_replications),
            samples: BTreeMap::new(),
            runs: 0,
            trending: Vec::new(),
            journal: None,
        }
    }

    /// Records each finished run in `journal` (task = the axis value) and
    /// takes the runs it already holds from it instead of running them, so
    /// that a search stopped midway resumes where it stopped with the same
    /// answer.
    pub fn with_journal(mut self, journal: &'a StudyJournal) -> Self {
        self.journal = Some(journal);
        self
    }

    /// One look of `--replications` runs and a plain 95 % interval: an
    /// estimate at one value (`--names`), not a sequential decision.
    pub fn single_look(mut self) -> Self {
        self.looks = Looks::once(self.search.replications);
        self
    }

    fn verdict(&self, e: &SampleMean) -> Verdict {
        match e.ci95 {
            Some((_, hi)) if hi <= self.search.budget => Verdict::Within,
            Some((lo, _)) if lo > self.search.budget => Verdict::Over,
            _ => Verdict::Unsettled,
        }
    }

    /// What the runs at `value` say, if it has any.
    fn evaluation(&self, value: i64) -> Option<Evaluation> {
        let estimate = self.looks.interval(self.samples.get(&value)?)?;
        Some(Evaluation {
            value,
            verdict: self.verdict(&estimate),
            estimate,
        })
    }

    /// Unsettled with every look taken.
    fn exhausted(&self, value: i64) -> bool {
        self.samples
            .get(&value)
            .is_some_and(|s| self.looks.next(s.len() as u32).is_none())
    }

    /// Looks at `value` until its verdict is settled or its last look is
    /// taken.
    pub fn evaluate(&mut self, value: i64) -> anyhow::Result<Evaluation> {
        loop {
            if let Some(e) = self.evaluation(value) {
                if e.verdict != Verdict::Unsettled || self.exhausted(value) {
                    return Ok(e);
                }
            }
            if let Err(e) = self.advance(&[value]) {
                match self.evaluation(value) {
                    Some(done) if e.is::<OutOfRuns>() => return Ok(done),
                    _ => return Err(e),
                }
            }
        }
    }

    /// Runs the next look of each of `values` as one batch, so that two
    /// values keep two threads busy; a value whose look would overrun the
    /// run budget (`max_runs`) is left out, and [`OutOfRuns`] when none
    /// fits.
    fn advance(&mut self, values: &[i64]) -> anyhow::Result<()> {
        let column = catalog::per_run_index(&self.search.statistic.metric())
            .expect("the statistic is a per-run metric");
        let mut left = self.search.max_runs.saturating_sub(self.runs) as u32;
        let mut batch: Vec<(i64, Scenario, u32, u32)> = Vec::new();
        for &value in values {
            let have = self.samples.get(&value).map_or(0, Vec::len) as u32;
            let Some(want) = self.looks.next(have) else {
                continue;
            };
            if want - have > left {
                continue;
            }
            left -= want - have;
            let scenario =
                (self.make)(value).map_err(|e| anyhow!("{} = {value}: {e}", self.search.axis))?;
            batch.push((value, scenario, have, want));
        }
        if batch.is_empty() {
            return Err(OutOfRuns(self.search.max_runs).into());
        }
        let label = batch
            .iter()
            .map(|(v, _, have, want)| {
                format!(
                    "{} = {v}, replications {}–{want}",
                    self.search.axis,
                    have + 1
                )
            })
            .collect::<Vec<_>>()
            .join("; ");
        crate::guard::progress::step(&label);
        let tasks: Vec<(usize, u32)> = batch
            .iter()
            .enumerate()
            .flat_map(|(i, (_, _, have, want))| (*have..*want).map(move |r| (i, r)))
            .collect();
        crate::guard::progress::plan(
            tasks.len() as u64,
            tasks
                .iter()
                .map(|&(i, _)| crate::guard::cost::cpu_seconds(&batch[i].1))
                .sum(),
        );
        let outcomes = execute(&tasks, self.search.threads, self.stop, |&(i, r)| {
            let (value, scenario) = (batch[i].0, &batch[i].1);
            let seed = StreamSeed {
                seed: self.base.seed,
                point: 0,
                replication: u64::from(r),
            };
            let run = || Ok(catalog::per_run_values(&(self.runner)(scenario, seed)?));
            let values = match (self.journal, usize::try_from(value)) {
                (Some(j), Ok(task)) => j.run(task, r, seed.run_seed(), run)?,
                _ => run()?,
            };
            let v = values[column]
                .ok_or_else(|| anyhow!("no host was online long enough to be rated"))?;
            let trends = stationarity::trends_in(|name| {
                catalog::per_run_index(name).and_then(|i| values[i])
            });
            Ok((v, trends))
        })?;
        for (&(i, r), outcome) in tasks.iter().zip(outcomes) {
            let value = batch[i].0;
            match outcome {
                Outcome::Done((v, trends)) => {
                    self.samples.entry(value).or_default().push(v);
                    if !trends.is_empty() {
                        let label = format!("{} = {value}, replication {r}", self.search.axis);
                        self.trending.push((label, trends));
                    }
                }
                Outcome::Failed(e) | Outcome::CutShort(e) => {
                    bail!("{} = {value}, replication {r}: {e}", self.search.axis)
                }
                Outcome::Skipped => match self.journal {
                    Some(_) => bail!(
                        "interrupted; the finished runs are kept: run the same command with --resume to run only the missing ones"
                    ),
                    None => bail!("interrupted"),
                },
            }
            self.runs += 1;
        }
        Ok(())
    }

    fn evaluations(&self) -> Vec<Evaluation> {
        self.samples
            .keys()
            .filter_map(|&v| self.evaluation(v))
            .collect()
    }

    /// The analytic per-host upload at `value` (`None`: undefined).
    fn analytic(&self, value: i64) -> Option<f64> {
        (self.make)(value)
            .ok()
            .and_then(|s| crate::estimate::AnalyticEstimate::of(&s))
            .map(|e| e.per_host_total())
    }

    /// The largest value predicted within budget: the analytic estimate
    /// scaled to the simulated statistic at the evaluated value whose mean
    /// is nearest the budget (the ratio drifts slowly with the axis, so the
    /// nearest value calibrates best). `None` when the estimate is
    /// undefined.
    fn predict(&self, evaluations: &[Evaluation]) -> Option<i64> {
        let budget = self.search.budget;
        let nearest = evaluations.iter().min_by(|a, b| {
            (a.estimate.mean - budget)
                .abs()
                .total_cmp(&(b.estimate.mean - budget).abs())
                .then(b.estimate.n.cmp(&a.estimate.n))
        })?;
        let at = self.analytic(nearest.value).filter(|c| *c > 0.0)?;
        let k = nearest.estimate.mean / at;
        largest_under(
            |v| self.analytic(v).map(|c| c * k),
            budget,
            self.search.max_value,
        )
    }
}

/// Finds the largest axis value within budget, starting from `guess` (an
/// analytic estimate, or 1).
///
/// The answer rests on two values, one within budget and its successor
/// over it, so the search spends its runs on pairs of neighbours: the
/// value predicted to be the last within budget and the next one, looked
/// at together (one batch keeps two threads busy). After each look the
/// prediction is renewed — the analytic estimate rescaled at the
/// simulated value whose mean is nearest the budget — and the next look
/// goes to the pair around it and to values under way next to it; values
/// already settled bound the pairs tried (a cost monotone in the axis is
/// assumed, and checked). A value left unsettled after its last look is
/// stepped around. The search ends when the largest value within budget
/// has its successor over it, when every value between them has had all
/// its looks, or when the run budget is spent.
pub fn largest_within<M, R>(ev: &mut Evaluator<'_, M, R>, guess: i64) -> anyhow::Result<Answer>
where
    M: Fn(i64) -> Result<Scenario, String>,
    R: Fn(&Scenario, StreamSeed) -> anyhow::Result<RunResult> + Sync,
{
    let max = ev.search.max_value;
    let mut stopped = None;
    let mut first = Some(guess.clamp(1, max));
    let (lo, hi) = loop {
        let evaluations = ev.evaluations();
        let (lo, hi) = settled_ends(&evaluations, &ev.search.axis)?;
        let (l, h) = (
            lo.as_ref().map_or(0, |e| e.value),
            hi.as_ref().map_or(max + 1, |e| e.value),
        );
        if h == l + 1 {
            break (lo, hi);
        }
        let open: Vec<i64> = (l + 1..h).filter(|&v| !ev.exhausted(v)).collect();
        // A prediction that the settled values contradict (the estimate
        // misjudges how cost grows) gives way to bisection, so that the
        // search never creeps one value at a time.
        let target = first
            .take()
            .or_else(|| ev.predict(&evaluations))
            .filter(|t| (l..h).contains(t))
            .unwrap_or_else(|| halfway(l, h, max));
        // The pair around the target, and the values already under way
        // next to it (a prediction that moves by one keeps their runs
        // going; one that moves further leaves them).
        let below = open.iter().copied().filter(|&v| v <= target).max();
        let above = open.iter().copied().find(|&v| v > target);
        let next: Vec<i64> = open
            .iter()
            .copied()
            .filter(|&v| {
                Some(v) == below
                    || Some(v) == above
                    || ((target - 1..=target + 1).contains(&v) && ev.samples.contains_key(&v))
            })
            .collect();
        if next.is_empty() {
            break (lo, hi);
        }
        match ev.advance(&next) {
            Ok(()) => {}
            Err(e) if e.is::<OutOfRuns>() => {
                stopped = Some(spent(ev.search.max_runs));
                let evaluations = ev.evaluations();
                break settled_ends(&evaluations, &ev.search.axis)?;
            }
            Err(e) => return Err(e),
        }
    };
    let mut answer = Answer {
        within: lo,
        over: hi,
        evaluations: ev.evaluations(),
        runs: ev.runs,
        stopped,
    };
    let open_top = answer.over.is_none() && answer.within.as_ref().is_some_and(|w| w.value == max);
    if answer.stopped.is_none() && !answer.settled() && !open_top {
        answer.stopped = Some(format!(
            "the values inside it could not be settled at 95 % confidence with {} replications each (--max-replications)",
            ev.search.max_replications
        ));
    }
    Ok(answer)
}

/// The largest value settled within budget and the smallest settled over
/// it; an error when a value over budget lies below one within.
fn settled_ends(
    evaluations: &[Evaluation],
    axis: &str,
) -> anyhow::Result<(Option<Evaluation>, Option<Evaluation>)> {
    let within = evaluations
        .iter()
        .filter(|e| e.verdict == Verdict::Within)
        .max_by_key(|e| e.value);
    let over = evaluations
        .iter()
        .filter(|e| e.verdict == Verdict::Over)
        .min_by_key(|e| e.value);
    if let (Some(o), Some(w)) = (over, within) {
        if o.value < w.value {
            bail!(
                "{axis} is not monotone in cost: {} is over the budget but the larger {} is within it",
                o.value,
                w.value
            );
        }
    }
    Ok((within.cloned(), over.cloned()))
}

/// Without a usable prediction: double past the largest value within
/// budget while none is over, halve below the smallest over while none is
/// within, bisect between them otherwise.
fn halfway(lo: i64, hi: i64, max: i64) -> i64 {
    match (lo, hi) {
        (0, h) if h > max => 1,
        (0, h) => h / 2,
        (l, h) if h > max => (l * 2).min(max),
        (l, h) => l + (h - l) / 2,
    }
}

fn spent(max_runs: usize) -> String {
    format!("the run budget (--max-runs {max_runs}) was spent")
}

/// Where the search starts, from the analytic estimate.
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct Start {
    /// The largest value whose analytic per-host upload is within budget.
    pub analytic: i64,
    /// The simulated statistic over the estimate at 1: the estimate is a
    /// mean per online host-second, and a p95 over hosts is several times
    /// that under churn.
    pub factor: Option<f64>,
    /// The largest value whose estimate times `factor` is within budget.
    pub value: i64,
}

/// The largest `v` in `1..=max` with `cost(v) <= budget`, by bisection
/// (the cost grows with `v`); 1 when even that is over, `None` when the
/// cost is undefined.
fn largest_under(cost: impl Fn(i64) -> Option<f64>, budget: f64, max: i64) -> Option<i64> {
    if cost(1)? > budget {
        return Some(1);
    }
    let (mut lo, mut hi) = (1, max.max(1));
    if cost(hi)? <= budget {
        return Some(hi);
    }
    while hi - lo > 1 {
        let mid = lo + (hi - lo) / 2;
        if cost(mid)? <= budget {
            lo = mid;
        } else {
            hi = mid;
        }
    }
    Some(lo)
}

/// The analytic bracket: the estimate ([`crate::estimate`]) gives a first
/// value, a simulated evaluation at 1 calibrates the estimate to the
/// chosen statistic, and the calibrated estimate gives the starting value
/// of [`largest_within`]. `None` when the estimate is undefined.
pub fn analytic_start<M, R>(ev: &mut Evaluator<'_, M, R>) -> anyhow::Result<Option<Start>>
where
    M: Fn(i64) -> Result<Scenario, String>,
    R: Fn(&Scenario, StreamSeed) -> anyhow::Result<RunResult> + Sync,
{
    let (budget, max) = (ev.search.budget, ev.search.max_value);
    let cost = |ev: &Evaluator<'_, M, R>, v: i64| ev.analytic(v);
    let Some(analytic) = largest_under(|v| cost(ev, v), budget, max) else {
        return Ok(None);
    };
    // Calibrated at 1, the cheapest value to simulate: the ratio of the
    // statistic to the estimate barely moves with the axis (the bracket
    // absorbs what it does).
    let simulated = ev.evaluate(1)?.estimate.mean;
    let factor = cost(ev, 1).filter(|c| *c > 0.0).map(|c| simulated / c);
    let value = match factor {
        Some(k) => largest_under(|v| cost(ev, v).map(|c| c * k), budget, max).unwrap_or(analytic),
        None => analytic,
    };
    Ok(Some(Start {
        analytic,
        factor,
        value,
    }))
}

#[cfg(test)]
mod tests;
