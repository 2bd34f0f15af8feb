//! The wall-clock limit of `--max-wall`: runs that stop cleanly when time
//! is up, instead of being killed by a CI job's timeout with nothing to show.
//!
//! A run is simulated in slices of simulated time, each also cut after
//! [`SLICE_EVENTS`] events; between slices the wall clock is read, and once
//! the limit has passed the run ends with [`CutShort`]. Slicing does not change the result: events are processed in
//! the same order whatever the slice boundaries (a test below checks this).

pub mod cost;
pub mod progress;

use crate::engine::{SimDuration, SimTime, StreamSeed};
use crate::metrics::RunResult;
use crate::scenario::Scenario;
use crate::sim::Simulation;
use std::sync::atomic::{AtomicBool, Ordering};
use std::time::{Duration, Instant};

/// Simulated time between two looks at the wall clock: short enough that a
/// large cloud overshoots the limit by seconds at most, long enough that
/// reading the clock costs nothing measurable.
const SLICE: SimDuration = SimDuration::from_secs(1);

/// Most events between two looks at the wall clock (reading it costs less
/// than one event in a thousand; a connectivity snapshot of a large cloud
/// is one event of milliseconds): a slice of simulated time can hold millions of events
/// (`metrics.connectivity_every = "1us"`), and looking only between slices
/// let a 5 s limit stop a run after 35–61 s (issue #16, H2).
const SLICE_EVENTS: u64 = 256;

/// A run or task that was stopped on purpose before it finished; sweeps
/// count it as not run (it is run again on `--resume`), not as failed.
#[derive(Debug, thiserror::Error)]
#[error("{0}")]
pub struct CutShort(pub String);

/// A wall-clock budget started at [`WallLimit::start`].
#[derive(Clone, Copy, Debug)]
pub struct WallLimit {
    limit: Duration,
    deadline: Instant,
}

impl WallLimit {
    pub fn start(limit: Duration) -> Self {
        WallLimit {
            limit,
            deadline: Instant::now() + limit,
        }
    }

    pub fn reached(&self) -> bool {
        Instant::now() >= self.deadline
    }

    /// Raises `flag` when the limit is reached, from a background thread,
    /// so that a sweep starts no new run after that (see
    /// [`crate::sweep::exec::execute`]). The thread ends with the process.
    pub fn raise_at_deadline(&self, flag: &'static AtomicBool) {
        let deadline = self.deadline;
        std::thread::spawn(move || {
            std::thread::sleep(deadline.saturating_duration_since(Instant::now()));
            flag.store(true, Ordering::SeqCst);
        });
    }

    /// The limit as given, for messages (`--max-wall 90s`).
    pub fn describe(&self) -> String {
        format!(
            "--max-wall {}",
            SimDuration::from_secs_f64(self.limit.as_secs_f64())
        )
    }
}

/// Parses a `--max-wall` value: a positive duration with a unit (`"30min"`).
pub fn parse_wall_limit(text: &str) -> Result<Duration, String> {
    let d = crate::scenario::units::parse_duration(text)?;
    if d == SimDuration::ZERO {
        return Err(format!("must be longer than zero (got \"{text}\")"));
    }
    Ok(Duration::from_micros(d.as_micros()))
}

/// [`crate::sim::run`], stopped with [`CutShort`] once `limit` is reached.
pub fn run_within(
    s: &Scenario,
    seed: StreamSeed,
    limit: Option<&WallLimit>,
) -> anyhow::Result<(RunResult, crate::sim::Work)> {
    run_watched(s, seed, limit, |_| {}, |_| {})
}

/// [`run_within`] with hooks into the simulation: `start` before the
/// first event (to set an observer), `end` after the last, before the
/// result is taken (to read what the observer needs the ID table for).
///
/// Each slice also adds its share of the run's estimated CPU time
/// ([`cost::cpu_seconds`]) to the [`progress`] account, so that a bar
/// moves inside a long run.
pub fn run_watched<'s>(
    s: &'s Scenario,
    seed: StreamSeed,
    limit: Option<&WallLimit>,
    start: impl FnOnce(&mut Simulation<'s>),
    end: impl FnOnce(&Simulation<'s>),
) -> anyhow::Result<(RunResult, crate::sim::Work)> {
    let stop = SimTime::ZERO + s.duration.0;
    let mut sim = Simulation::new(s, seed)?;
    start(&mut sim);
    let mut account = Account::new(s);
    let outcome = loop {
        if sim.now() >= stop {
            break Ok(());
        }
        if let Some(limit) = limit.filter(|l| l.reached()) {
            break Err(CutShort(format!(
                "stopped by {} after {:.0}s of {} simulated",
                limit.describe(),
                sim.now().as_secs_f64(),
                s.duration
            )));
        }
        sim.run_at_most(sim.now() + SLICE, SLICE_EVENTS);
        account.at(sim.now());
    };
    account.end();
    outcome?;
    end(&sim);
    let work = sim.work();
    Ok((sim.finish(seed), work))
}

/// One run's share of the [`progress`] account: its estimated CPU time,
/// credited as simulated time passes, the remainder at its end (so a
/// finished run has added exactly its estimate, whatever its slices).
struct Account {
    total: u64,
    added: u64,
    duration_us: u64,
    live: bool,
}

impl Account {
    fn new(s: &Scenario) -> Account {
        Account {
            total: (cost::cpu_seconds(s) * 1e6).round() as u64,
            added: 0,
            duration_us: s.duration.0.as_micros().max(1),
            live: progress::active(),
        }
    }

    fn at(&mut self, now: SimTime) {
        if !self.live {
            return;
        }
        let share =
            (now.since(SimTime::ZERO).as_micros() as f64 / self.duration_us as f64).min(1.0);
        let due = (self.total as f64 * share) as u64;
        if due > self.added {
            progress::advance(due - self.added);
            self.added = due;
        }
    }

    fn end(self) {
        if self.live {
            progress::advance(self.total.saturating_sub(self.added));
            progress::run_done();
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::scenario::units::Duration as SDuration;

    fn small() -> Scenario {
        let mut s = Scenario {
            name: "guard".into(),
            duration: SDuration::secs(600),
            warmup: SDuration::secs(120),
            ..Scenario::default()
        };
        s.hosts.count = 60;
        s.churn.enabled = true;
        s.churn.session.mean = SDuration::secs(300);
        s
    }

    #[test]
    fn slicing_gives_the_same_result_as_one_go() {
        let s = small();
        let seed = StreamSeed::single(9);
        let whole = crate::sim::run_counted(&s, seed).unwrap();
        let limit = WallLimit::start(Duration::from_secs(3600));
        let sliced = run_within(&s, seed, Some(&limit)).unwrap();
        assert!(whole.0.events > 1000, "the run did something");
        assert_eq!(whole, sliced);
    }

    /// Cut after any number of events, a run processes the same events
    /// in the same order.
    #[test]
    fn cutting_by_event_count_gives_the_same_result() {
        let s = small();
        let seed = StreamSeed::single(9);
        let whole = crate::sim::run_counted(&s, seed).unwrap();
        let mut sim = Simulation::new(&s, seed).unwrap();
        let end = SimTime::ZERO + s.duration.0;
        let mut calls = 0;
        while !sim.run_at_most(end, 7) {
            calls += 1;
        }
        assert!(calls > 100, "cut {calls} times");
        let work = sim.work();
        assert_eq!(whole, (sim.finish(seed), work));
    }

    #[test]
    fn a_reached_limit_cuts_the_run_short() {
        let limit = WallLimit::start(Duration::ZERO);
        let err = run_within(&small(), StreamSeed::single(1), Some(&limit)).unwrap_err();
        assert!(err.is::<CutShort>());
        assert_eq!(
            err.to_string(),
            "stopped by --max-wall 0s after 0s of 10min simulated"
        );
    }

    #[test]
    fn wall_limits_parse_with_units() {
        assert_eq!(parse_wall_limit("90s"), Ok(Duration::from_secs(90)));
        assert_eq!(parse_wall_limit("1.5h"), Ok(Duration::from_secs(5400)));
        assert!(
            parse_wall_limit("0s")
                .unwrap_err()
                .contains("longer than zero")
        );
        assert!(
            parse_wall_limit("90")
                .unwrap_err()
                .contains("invalid duration")
        );
    }
}
