//! How the cloud weathers a timeline's events: per-window application
//! resolve counts, and for each event the resolve success just before it,
//! its lowest level after, how long until it is back within one point of
//! where it was, and the bytes the cloud sent meanwhile.
//!
//! Resolves are counted in the window in which they *started*, so that a
//! resolve that fails because of an event is charged to the event's
//! window, not to the later window in which its last retransmit timed out.
//! The series exists only for runs with a timeline: runs without one keep
//! exactly the counters (and fingerprints) they had.

use super::RunResult;

/// Application resolves started in one time-series window, and what became
/// of them.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct WindowResolves {
    /// Resolves started in the window that have finished, by success or
    /// failure (those still in flight at the end, or whose host left, are
    /// not counted: their fate is unknown).
    pub finished: u64,
    pub succeeded: u64,
    /// LOOKUP hops of the successful ones, summed.
    pub hops: u64,
}

impl WindowResolves {
    pub fn success(&self) -> Option<f64> {
        (self.finished > 0).then(|| self.succeeded as f64 / self.finished as f64)
    }
    pub fn mean_hops(&self) -> Option<f64> {
        (self.succeeded > 0).then(|| self.hops as f64 / self.succeeded as f64)
    }
}

/// One event of the timeline, as the outputs show it.
#[derive(Clone, Debug, Default, PartialEq)]
pub struct EventMark {
    /// Simulated seconds from the start of the run.
    pub at_secs: f64,
    /// When its effect ends (partition, loss, outage, the last arrival of
    /// a flash crowd); `at_secs` for a crash or leave.
    pub until_secs: f64,
    /// `crash 0.2`, `partition 0.5 for 10min`, ….
    pub label: String,
}

/// A run's timeline: its events and the per-window resolves (one entry
/// per [`RunResult::windows`] entry). Empty without `[[event]]`s.
#[derive(Clone, Debug, Default, PartialEq)]
pub struct Timeline {
    pub events: Vec<EventMark>,
    pub windows: Vec<WindowResolves>,
}

/// Windows before an event that give its "before" level.
pub const BASELINE_WINDOWS: usize = 5;

/// How far below its level before the event success may be and still count
/// as recovered: one percentage point.
pub const RECOVERED_WITHIN: f64 = 0.01;

/// Windows in a row that must be back within [`RECOVERED_WITHIN`] for
/// success to count as recovered (fewer only where the judgement ends
/// sooner) [ours]: one window back between two dips is noise, not a
/// recovery.
pub const RECOVERED_FOR: usize = 3;

/// How one event went.
#[derive(Clone, Copy, Debug, Default, PartialEq)]
pub struct Recovery {
    /// Resolve success over the [`BASELINE_WINDOWS`] measured windows before
    /// the event's window (pooled); `None` if the event comes before there
    /// is any.
    pub success_before: Option<f64>,
    /// Lowest per-window success from the event's window to the next
    /// event's window (or the end of the run).
    pub success_min: Option<f64>,
    /// Seconds from the event to the start of the first of
    /// [`RECOVERED_FOR`] windows in a row back within [`RECOVERED_WITHIN`]
    /// of `success_before`, after the first window below it; 0 if success never dropped below; `None` if it had not
    /// recovered by the next event or the end.
    pub recovery_secs: Option<f64>,
    /// Bytes sent by the whole cloud from the event's window up to that
    /// recovered window (0 when no window dropped below).
    pub recovery_bytes: Option<u64>,
}

/// The window that holds simulated second `secs`, if a measured one does.
pub fn window_of(run: &RunResult, secs: f64) -> Option<usize> {
    run.windows
        .iter()
        .zip(run.window_widths())
        .position(|(w, width)| secs < w.start_secs + width)
}

/// The recovery of each event of `run`'s timeline, in timeline order.
pub fn recoveries(run: &RunResult) -> Vec<Recovery> {
    let t = &run.timeline;
    let windows = &run.windows;
    // Events are judged up to the window of the next event that starts
    // later, so that two events do not share a dip.
    let mut starts: Vec<usize> = t
        .events
        .iter()
        .map(|e| window_of(run, e.at_secs).unwrap_or(windows.len()))
        .collect();
    starts.push(windows.len());
    (0..t.events.len())
        .map(|i| {
            let first = starts[i];
            let limit = starts[i + 1..]
                .iter()
                .copied()
                .find(|&s| s > first)
                .unwrap_or(windows.len())
                .min(t.windows.len());
            judge(run, first, limit, t.events[i].at_secs)
        })
        .collect()
}

fn judge(run: &RunResult, first: usize, limit: usize, at_secs: f64) -> Recovery {
    let series = &run.timeline.windows;
    if first >= limit {
        return Recovery::default();
    }
    let mut pooled = WindowResolves::default();
    for w in &series[first.saturating_sub(BASELINE_WINDOWS)..first] {
        pooled.finished += w.finished;
        pooled.succeeded += w.succeeded;
    }
    let before = pooled.success();
    let after: Vec<(usize, f64)> = (first..limit)
        .filter_map(|i| series[i].success().map(|s| (i, s)))
        .collect();
    let success_min = after.iter().map(|&(_, s)| s).reduce(f64::min);
    let Some(before) = before else {
        return Recovery {
            success_min,
            ..Recovery::default()
        };
    };
    let level = before - RECOVERED_WITHIN;
    let dip = after.iter().position(|&(_, s)| s < level);
    let recovered = match dip {
        None => Some((0.0, 0)),
        Some(d) => (d..after.len())
            .find(|&j| {
                after[j..(j + RECOVERED_FOR).min(after.len())]
                    .iter()
                    .all(|&(_, s)| s >= level)
            })
            .map(|j| {
                let i = after[j].0;
                let bytes = run.windows[first..i].iter().map(|w| w.sent.bytes).sum();
                ((run.windows[i].start_secs - at_secs).max(0.0), bytes)
            }),
    };
    Recovery {
        success_before: Some(before),
        success_min,
        recovery_secs: recovered.map(|(s, _)| s),
        recovery_bytes: recovered.map(|(_, b)| b),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::metrics::{Traffic, Window};

    /// A run of 60 s windows from t = 0 whose window `i` started 100
    /// resolves of which `ok[i]` succeeded, and sent 1000 bytes each.
    fn run(ok: &[u64], events: &[f64]) -> RunResult {
        RunResult {
            measured_secs: 60.0 * ok.len() as f64,
            windows: (0..ok.len())
                .map(|i| Window {
                    start_secs: 60.0 * i as f64,
                    sent: Traffic {
                        datagrams: 1,
                        bytes: 1000,
                    },
                    ..Window::default()
                })
                .collect(),
            timeline: Timeline {
                events: events
                    .iter()
                    .map(|&at| EventMark {
                        at_secs: at,
                        until_secs: at,
                        label: "crash 0.2".into(),
                    })
                    .collect(),
                windows: ok
                    .iter()
                    .map(|&s| WindowResolves {
                        finished: 100,
                        succeeded: s,
                        hops: s * 3,
                    })
                    .collect(),
            },
            ..RunResult::default()
        }
    }

    #[test]
    fn a_dip_and_its_recovery() {
        // Event at 310 s, in window 5; back within a point in window 8.
        let r = run(&[99, 99, 99, 99, 99, 60, 80, 97, 98, 99], &[310.0]);
        let rec = recoveries(&r);
        assert_eq!(rec.len(), 1);
        let rec = rec[0];
        assert_eq!(rec.success_before, Some(0.99));
        assert_eq!(rec.success_min, Some(0.6));
        assert_eq!(rec.recovery_secs, Some(480.0 - 310.0));
        assert_eq!(rec.recovery_bytes, Some(3000));
    }

    #[test]
    fn one_window_back_between_two_dips_is_not_a_recovery() {
        // Event at 310 s (window 5): 97, back to 99 once, then 50; success
        // stays back from window 8 on.
        let r = run(&[99, 99, 99, 99, 99, 97, 99, 50, 99, 99, 99], &[310.0]);
        let rec = recoveries(&r)[0];
        assert_eq!(rec.recovery_secs, Some(480.0 - 310.0));
    }

    #[test]
    fn no_dip_is_recovered_at_once_and_no_recovery_is_none() {
        let r = run(&[95, 95, 95, 95, 95, 95], &[130.0]);
        let rec = recoveries(&r)[0];
        assert_eq!(
            (rec.recovery_secs, rec.recovery_bytes),
            (Some(0.0), Some(0))
        );
        let r = run(&[95, 95, 95, 50, 60, 70], &[190.0]);
        let rec = recoveries(&r)[0];
        assert_eq!(rec.success_min, Some(0.5));
        assert_eq!(rec.recovery_secs, None);
        // Too early for a baseline.
        let rec = recoveries(&run(&[50, 95], &[10.0]))[0];
        assert_eq!(rec.success_before, None);
        assert_eq!(rec.success_min, Some(0.5));
    }

    #[test]
    fn the_next_event_ends_the_judgement_of_the_one_before() {
        let r = run(&[99, 99, 99, 50, 50, 99, 99, 30, 99], &[190.0, 430.0]);
        let rec = recoveries(&r);
        assert_eq!(rec[0].success_min, Some(0.5), "window 7 belongs to event 2");
        assert_eq!(rec[0].recovery_secs, Some(300.0 - 190.0));
        assert_eq!(rec[1].success_min, Some(0.3));
    }
}
