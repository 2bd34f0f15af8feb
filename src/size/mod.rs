//! Sizing: the largest value of an axis (names per host by default) whose
//! per-host bandwidth stays within a budget, settled at 95 % confidence,
//! and the inverse question (what budget does a given value need).
//!
//! The search only reports what its runs support. A value is *within*
//! budget when the upper end of the 95 % confidence interval of the chosen
//! statistic is at or below the budget, *over* when the lower end is above
//! it, and *unsettled* otherwise; unsettled values get more replications, up
//! to a limit. The answer is a value that is within with its successor over.
//!
//! When the replications allowed cannot settle a value, or the run budget
//! (`max_runs`) is spent, the search does not fail: it answers with the
//! bracket its settled values support ("between 10 and 12"), each end
//! settled at 95 % confidence.

use crate::engine::StreamSeed;
use crate::metrics::RunResult;
use crate::metrics::catalog::{self, stat_name};
use crate::metrics::stationarity::{self, Trend};
use crate::scenario::Scenario;
use crate::sweep::exec::{Outcome, execute};
use crate::sweep::journal::StudyJournal;
use crate::sweep::stats::SampleMean;
use anyhow::{anyhow, bail};
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
pub struct Evaluator<'a, M, R> {
    search: &'a Search,
    base: &'a Scenario,
    make: M,
    runner: R,
    stop: &'a AtomicBool,
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

    fn verdict(&self, e: &SampleMean) -> Verdict {
        match e.ci95 {
            Some((_, hi)) if hi <= self.search.budget => Verdict::Within,
            Some((lo, _)) if lo > self.search.budget => Verdict::Over,
            _ => Verdict::Unsettled,
        }
    }

    /// Runs more replications at `value` until its verdict is settled or the
    /// replication limit is reached.
    pub fn evaluate(&mut self, value: i64) -> anyhow::Result<Evaluation> {
        let scenario =
            (self.make)(value).map_err(|e| anyhow!("{} = {value}: {e}", self.search.axis))?;
        let column = catalog::per_run_index(&self.search.statistic.metric())
            .expect("the statistic is a per-run metric");
        loop {
            let have = self.samples.get(&value).map_or(0, Vec::len) as u32;
            let left = self.search.max_runs.saturating_sub(self.runs) as u32;
            if have == 0 && left == 0 {
                return Err(OutOfRuns(self.search.max_runs).into());
            }
            let want = if have == 0 {
                self.search.replications
            } else {
                (have + self.search.replications).min(self.search.max_replications)
            }
            .min(have + left);
            if want > have {
                let reps: Vec<u32> = (have..want).collect();
                crate::guard::progress::step(&format!(
                    "{} = {value}, replications {}–{}",
                    self.search.axis,
                    have + 1,
                    want
                ));
                crate::guard::progress::plan(
                    reps.len() as u64,
                    reps.len() as f64 * crate::guard::cost::cpu_seconds(&scenario),
                );
                let outcomes = execute(&reps, self.search.threads, self.stop, |&r| {
                    let seed = StreamSeed {
                        seed: self.base.seed,
                        point: value as u64,
                        replication: u64::from(r),
                    };
                    let run = || Ok(catalog::per_run_values(&(self.runner)(&scenario, seed)?));
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
                for (r, outcome) in reps.iter().zip(outcomes) {
                    match outcome {
                        Outcome::Done((v, trends)) => {
                            self.samples.entry(value).or_default().push(v);
                            if !trends.is_empty() {
                                let label =
                                    format!("{} = {value}, replication {r}", self.search.axis);
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
            }
            let estimate = SampleMean::of(&self.samples[&value]).expect("at least one run");
            let verdict = self.verdict(&estimate);
            let exhausted = self.samples[&value].len() as u32 >= self.search.max_replications
                || self.runs >= self.search.max_runs;
            if verdict != Verdict::Unsettled || exhausted {
                return Ok(Evaluation {
                    value,
                    estimate,
                    verdict,
                });
            }
        }
    }

    fn evaluations(&self) -> Vec<Evaluation> {
        self.samples
            .iter()
            .map(|(&value, s)| {
                let estimate = SampleMean::of(s).expect("non-empty");
                Evaluation {
                    value,
                    verdict: self.verdict(&estimate),
                    estimate,
                }
            })
            .collect()
    }
}

/// Finds the largest axis value within budget, starting at `guess` (an
/// analytic estimate, or 1): doubling while no value is over budget,
/// halving while none is within, then bisecting between the largest value
/// within and the smallest over. A value left unsettled is stepped around
/// (its nearest untried neighbour towards the middle is tried next); the
/// search ends when the bracket holds one value, when every value inside
/// it was tried, or when the run budget is spent.
pub fn largest_within<M, R>(ev: &mut Evaluator<'_, M, R>, guess: i64) -> anyhow::Result<Answer>
where
    M: Fn(i64) -> Result<Scenario, String>,
    R: Fn(&Scenario, StreamSeed) -> anyhow::Result<RunResult> + Sync,
{
    let max = ev.search.max_value;
    // What earlier evaluations (the analytic start's at 1) settled.
    let earlier = ev.evaluations();
    let mut tried: std::collections::BTreeSet<i64> = earlier.iter().map(|e| e.value).collect();
    let mut lo = earlier
        .iter()
        .filter(|e| e.verdict == Verdict::Within)
        .max_by_key(|e| e.value)
        .cloned();
    let mut hi = earlier
        .iter()
        .filter(|e| e.verdict == Verdict::Over)
        .min_by_key(|e| e.value)
        .cloned();
    let mut next = Some(guess.clamp(1, max));
    let mut stopped = None;
    while let Some(v) = next {
        let e = match ev.evaluate(v) {
            Ok(e) => e,
            Err(e) if e.is::<OutOfRuns>() => {
                stopped = Some(spent(ev.search.max_runs));
                break;
            }
            Err(e) => return Err(e),
        };
        tried.insert(v);
        match e.verdict {
            Verdict::Within if lo.as_ref().is_none_or(|l| l.value < v) => lo = Some(e),
            Verdict::Over if hi.as_ref().is_none_or(|h| h.value > v) => hi = Some(e),
            _ => {}
        }
        let (l, h) = (lo.as_ref().map(|e| e.value), hi.as_ref().map(|e| e.value));
        next = match (l, h) {
            (Some(l), Some(h)) => nearest_untried(l, h, &tried),
            (_, None) => {
                let top = *tried.last().expect("one value tried");
                (top < max).then(|| (top * 2).min(max))
            }
            (None, Some(_)) => {
                let bottom = *tried.first().expect("one value tried");
                (bottom > 1).then(|| (bottom / 2).max(1))
            }
        };
        if next.is_some() && ev.runs >= ev.search.max_runs {
            stopped = Some(spent(ev.search.max_runs));
            break;
        }
    }
    let evaluations = ev.evaluations();
    let over = evaluations.iter().filter(|e| e.verdict == Verdict::Over);
    let within = evaluations.iter().filter(|e| e.verdict == Verdict::Within);
    if let (Some(o), Some(w)) = (over.map(|e| e.value).min(), within.map(|e| e.value).max()) {
        if o < w {
            bail!(
                "{} is not monotone in cost: {o} is over the budget but the larger {w} is within it",
                ev.search.axis
            );
        }
    }
    let mut answer = Answer {
        within: lo,
        over: hi,
        evaluations,
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

fn spent(max_runs: usize) -> String {
    format!("the run budget (--max-runs {max_runs}) was spent")
}

/// The untried value strictly between `lo` and `hi` nearest their middle
/// (the lower one on a tie), or `None` when every one was tried.
fn nearest_untried(lo: i64, hi: i64, tried: &std::collections::BTreeSet<i64>) -> Option<i64> {
    let mid = lo + (hi - lo) / 2;
    (0..hi - lo)
        .flat_map(|d| [mid - d, mid + d])
        .find(|v| *v > lo && *v < hi && !tried.contains(v))
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
    let cost = |ev: &Evaluator<'_, M, R>, v: i64| {
        (ev.make)(v)
            .ok()
            .and_then(|s| crate::estimate::AnalyticEstimate::of(&s))
            .map(|e| e.per_host_total())
    };
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
