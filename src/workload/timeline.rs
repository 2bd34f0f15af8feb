//! What-if timelines: `[[event]]` entries that, at a given time, crash or
//! remove a share of the online hosts, bring a flash crowd of new hosts,
//! cut the network in two, add loss, or take the seed server down.
//!
//! Each entry has one action, so that a timeline reads as a list of
//! sentences and every problem points at one field. Events compose with
//! churn: a host that crashes in an event comes back after a churn
//! downtime like any other departure. The checks here run with the
//! scenario's validation, so that a bad timeline is refused before a run
//! starts; the simulation only carries out what they accepted.

use crate::engine::units::Duration;
use crate::engine::{Rng, SimDuration, SimTime};
use crate::protocol::id::HostIx;
use rand::Rng as _;
use rand::seq::index::sample;
use serde::{Deserialize, Serialize};

/// One `[[event]]` entry as written: the time and exactly one action.
#[derive(Clone, Debug, Deserialize, Serialize, PartialEq)]
#[serde(deny_unknown_fields)]
pub struct EventSpec {
    /// Simulated time of the event, from the start of the run (warm-up
    /// included).
    pub at: Duration,
    /// Share of the online hosts that fail silently.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub crash: Option<f64>,
    /// Share of the online hosts that unregister cleanly and leave.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub leave: Option<f64>,
    /// New hosts (beyond `hosts.count`) that arrive …
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub join: Option<u32>,
    /// … at uniformly random times within this span (absent: all at `at`).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub over: Option<Duration>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub partition: Option<Partition>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub loss: Option<LossBurst>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub seed_server: Option<SeedOutage>,
}

impl Default for EventSpec {
    /// At the start, with no action (which validation refuses).
    fn default() -> Self {
        EventSpec {
            at: Duration::secs(0),
            crash: None,
            leave: None,
            join: None,
            over: None,
            partition: None,
            loss: None,
            seed_server: None,
        }
    }
}

/// Datagrams between the two sides are dropped for a while.
#[derive(Clone, Debug, Deserialize, Serialize, PartialEq)]
#[serde(deny_unknown_fields)]
pub struct Partition {
    /// Share of all hosts on the cut-off side.
    pub share: f64,
    #[serde(rename = "for")]
    pub lasts: Duration,
}

/// Extra loss on every datagram for a while, on top of `network.loss`.
#[derive(Clone, Debug, Deserialize, Serialize, PartialEq)]
#[serde(deny_unknown_fields)]
pub struct LossBurst {
    pub p: f64,
    #[serde(rename = "for")]
    pub lasts: Duration,
}

/// The seed server hands out no seeds for a while.
#[derive(Clone, Debug, Deserialize, Serialize, PartialEq)]
#[serde(deny_unknown_fields)]
pub struct SeedOutage {
    pub down_for: Duration,
}

/// What an accepted event does.
#[derive(Clone, Copy, Debug, PartialEq)]
pub enum Action {
    Crash(f64),
    Leave(f64),
    Join { hosts: u32, over: SimDuration },
    Partition { share: f64, lasts: SimDuration },
    Loss { p: f64, lasts: SimDuration },
    SeedServerDown { lasts: SimDuration },
}

/// The action fields, in the order the messages list them.
pub const ACTIONS: &str =
    "`crash`, `leave`, `join` (with `over`), `partition`, `loss` or `seed_server`";

impl EventSpec {
    /// Names of the action fields this entry gives.
    fn given(&self) -> Vec<&'static str> {
        [
            ("crash", self.crash.is_some()),
            ("leave", self.leave.is_some()),
            ("join", self.join.is_some()),
            ("partition", self.partition.is_some()),
            ("loss", self.loss.is_some()),
            ("seed_server", self.seed_server.is_some()),
        ]
        .into_iter()
        .filter_map(|(name, given)| given.then_some(name))
        .collect()
    }

    /// The action, if the entry gives exactly one.
    pub fn action(&self) -> Option<Action> {
        if self.given().len() != 1 {
            return None;
        }
        let d = |d: &Duration| d.0;
        if let Some(share) = self.crash {
            Some(Action::Crash(share))
        } else if let Some(share) = self.leave {
            Some(Action::Leave(share))
        } else if let Some(hosts) = self.join {
            let over = self.over.as_ref().map_or(SimDuration::ZERO, d);
            Some(Action::Join { hosts, over })
        } else if let Some(p) = &self.partition {
            Some(Action::Partition {
                share: p.share,
                lasts: d(&p.lasts),
            })
        } else if let Some(l) = &self.loss {
            Some(Action::Loss {
                p: l.p,
                lasts: d(&l.lasts),
            })
        } else {
            self.seed_server.as_ref().map(|s| Action::SeedServerDown {
                lasts: d(&s.down_for),
            })
        }
    }

    /// A short label for tables and charts: `crash 0.2`, `partition 0.5 for 10min`.
    pub fn label(&self) -> String {
        match self.action() {
            Some(Action::Crash(s)) => format!("crash {s}"),
            Some(Action::Leave(s)) => format!("leave {s}"),
            Some(Action::Join { hosts, over }) => format!("join {hosts} over {over}"),
            Some(Action::Partition { share, lasts }) => format!("partition {share} for {lasts}"),
            Some(Action::Loss { p, lasts }) => format!("loss {p} for {lasts}"),
            Some(Action::SeedServerDown { lasts }) => format!("seed server down for {lasts}"),
            None => "invalid".to_owned(),
        }
    }

    /// How long the event acts: its window (partition, loss, outage), the
    /// arrivals of a flash crowd, or nothing for a crash or leave.
    pub fn lasts(&self) -> SimDuration {
        match self.action() {
            Some(Action::Join { over, .. }) => over,
            Some(
                Action::Partition { lasts, .. }
                | Action::Loss { lasts, .. }
                | Action::SeedServerDown { lasts },
            ) => lasts,
            _ => SimDuration::ZERO,
        }
    }

    /// `[at, at + lasts)`, for the overlap check.
    fn span(&self) -> (SimDuration, SimDuration) {
        let start = self.at.0;
        (start, SimDuration(start.0.saturating_add(self.lasts().0)))
    }
}

/// New hosts the timeline brings, beyond `hosts.count`.
pub fn joining_hosts(events: &[EventSpec]) -> u64 {
    events
        .iter()
        .filter_map(|e| match e.action() {
            Some(Action::Join { hosts, .. }) => Some(u64::from(hosts)),
            _ => None,
        })
        .sum()
}

/// Most hosts a run may have, timeline joins included (host indices are
/// 32-bit).
const MAX_HOSTS: u64 = u32::MAX as u64;

/// Everything wrong with the events of a run of `duration` with `hosts`
/// hosts at the start, as (dotted path, message) pairs in entry order;
/// paths are `event.<index>[.<field>]` so that loading can point at the
/// line.
pub fn problems(events: &[EventSpec], duration: Duration, hosts: u32) -> Vec<(String, String)> {
    let mut out = Vec::new();
    let end = duration.0;
    for (i, e) in events.iter().enumerate() {
        let at = |field: &str| format!("event.{i}.{field}");
        let fail = |out: &mut Vec<(String, String)>, path: String, message: String| {
            out.push((path, message));
        };
        if e.at.0 >= end {
            fail(
                &mut out,
                at("at"),
                format!(
                    "must be before the end of the run, `duration` ({duration}) (got {})",
                    e.at
                ),
            );
        }
        let given = e.given();
        if given.len() != 1 {
            let what = if given.is_empty() {
                "has no action".to_owned()
            } else {
                format!("has {} actions ({})", given.len(), given.join(", "))
            };
            fail(
                &mut out,
                format!("event.{i}"),
                format!("{what}: give exactly one of {ACTIONS}"),
            );
            continue;
        }
        let share = |v: f64| !(v.is_finite() && (0.0..=1.0).contains(&v));
        let within = |out: &mut Vec<(String, String)>, path: String, lasts: SimDuration| {
            let left = SimDuration(end.0.saturating_sub(e.at.0.0));
            if lasts.0 == 0 {
                out.push((path, format!("must be longer than 0s (got {lasts})")));
            } else if e.at.0 < end && lasts > left {
                out.push((
                    path,
                    format!(
                        "must end by the end of the run: at most `duration` − `at` ({left}) (got {lasts})"
                    ),
                ));
            }
        };
        if e.over.is_some() && e.join.is_none() {
            fail(
                &mut out,
                at("over"),
                "only goes with `join` (the span over which the new hosts arrive)".to_owned(),
            );
        }
        match e.action() {
            Some(Action::Crash(v) | Action::Leave(v)) if share(v) => {
                fail(
                    &mut out,
                    at(given[0]),
                    format!("must be between 0 and 1 (got {v})"),
                );
            }
            Some(Action::Join { hosts: n, over }) => {
                if n == 0 {
                    fail(
                        &mut out,
                        at("join"),
                        "must be at least 1 (got 0)".to_owned(),
                    );
                }
                let total = u64::from(hosts) + joining_hosts(&events[..=i]);
                if total > MAX_HOSTS {
                    fail(
                        &mut out,
                        at("join"),
                        format!("brings the hosts to {total}, more than {MAX_HOSTS}"),
                    );
                }
                if over.0 > 0 {
                    within(&mut out, at("over"), over);
                }
            }
            Some(Action::Partition { share: s, lasts }) => {
                if share(s) {
                    fail(
                        &mut out,
                        at("partition.share"),
                        format!("must be between 0 and 1 (got {s})"),
                    );
                }
                within(&mut out, at("partition.for"), lasts);
            }
            Some(Action::Loss { p, lasts }) => {
                if share(p) {
                    fail(
                        &mut out,
                        at("loss.p"),
                        format!("must be between 0 and 1 (got {p})"),
                    );
                }
                within(&mut out, at("loss.for"), lasts);
            }
            Some(Action::SeedServerDown { lasts }) => {
                within(&mut out, at("seed_server.down_for"), lasts);
            }
            _ => {}
        }
        // Two partitions (or two loss bursts) at once would need a rule for
        // combining them; none is modelled, so they are refused.
        for kind in ["partition", "loss"] {
            if given[0] != kind {
                continue;
            }
            let (start, stop) = e.span();
            let earlier = events[..i].iter().enumerate().find(|(_, o)| {
                let (s, t) = o.span();
                o.given() == [kind] && start < t && s < stop
            });
            if let Some((j, o)) = earlier {
                out.push((
                    format!("event.{i}.{kind}"),
                    format!(
                        "overlaps the {kind} of event {j} (at {}); overlapping {kind}s are not supported",
                        o.at
                    ),
                ));
            }
        }
    }
    out
}

/// `share` of `online` (rounded to whole hosts), drawn at random, in
/// ascending order so that what follows does not depend on the draw order.
pub fn pick_share(online: &[HostIx], share: f64, rng: &mut Rng) -> Vec<HostIx> {
    let k = ((share * online.len() as f64).round() as usize).min(online.len());
    let mut picked: Vec<HostIx> = sample(rng, online.len(), k)
        .into_iter()
        .map(|i| online[i])
        .collect();
    picked.sort_unstable();
    picked
}

/// Arrival times of a flash crowd of `hosts` hosts: uniform within
/// `[at, at + over]`.
pub fn arrivals(at: SimTime, hosts: u32, over: SimDuration, rng: &mut Rng) -> Vec<SimTime> {
    (0..hosts)
        .map(|_| {
            if over.0 == 0 {
                at
            } else {
                at + SimDuration(rng.random_range(0..=over.0))
            }
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;
    use rand::SeedableRng;

    fn event(at: u64) -> EventSpec {
        EventSpec {
            at: Duration::secs(at),
            ..EventSpec::default()
        }
    }

    fn paths(events: &[EventSpec]) -> Vec<String> {
        problems(events, Duration::secs(3600), 100)
            .into_iter()
            .map(|(p, _)| p)
            .collect()
    }

    #[test]
    fn each_rule_reports_at_its_field() {
        let crash = |at, v| EventSpec {
            crash: Some(v),
            ..event(at)
        };
        let part = |at, share, lasts| EventSpec {
            partition: Some(Partition {
                share,
                lasts: Duration::secs(lasts),
            }),
            ..event(at)
        };
        assert!(paths(&[crash(60, 0.2), part(600, 0.5, 600)]).is_empty());
        assert_eq!(paths(&[crash(3600, 0.2)]), ["event.0.at"]);
        assert_eq!(paths(&[crash(60, 1.5)]), ["event.0.crash"]);
        assert_eq!(paths(&[crash(60, f64::NAN)]), ["event.0.crash"]);
        assert_eq!(paths(&[part(600, 0.5, 3001)]), ["event.0.partition.for"]);
        assert_eq!(paths(&[part(600, -0.1, 60)]), ["event.0.partition.share"]);
        assert_eq!(
            paths(&[part(600, 0.5, 600), part(900, 0.3, 60)]),
            ["event.1.partition"]
        );
        // Back to back is not an overlap.
        assert!(paths(&[part(600, 0.5, 600), part(1200, 0.3, 60)]).is_empty());
        assert_eq!(paths(&[event(60)]), ["event.0"]);
        let two = EventSpec {
            leave: Some(0.1),
            ..crash(60, 0.1)
        };
        assert_eq!(paths(&[two]), ["event.0"]);
        let over_alone = EventSpec {
            over: Some(Duration::secs(60)),
            ..crash(60, 0.1)
        };
        assert_eq!(paths(&[over_alone]), ["event.0.over"]);
        let join = |n, over| EventSpec {
            join: Some(n),
            over: Some(Duration::secs(over)),
            ..event(600)
        };
        assert!(paths(&[join(5, 60)]).is_empty());
        assert_eq!(paths(&[join(0, 60)]), ["event.0.join"]);
        assert_eq!(paths(&[join(5, 3001)]), ["event.0.over"]);
    }

    #[test]
    fn messages_say_what_is_allowed() {
        let e = EventSpec {
            crash: Some(1.5),
            ..event(4000)
        };
        let found = problems(&[e], Duration::secs(3600), 100);
        assert_eq!(
            found[0].1,
            "must be before the end of the run, `duration` (1h) (got 4000s)"
        );
        assert_eq!(found[1].1, "must be between 0 and 1 (got 1.5)");
    }

    #[test]
    fn a_share_is_rounded_to_whole_hosts_and_sorted() {
        let online: Vec<HostIx> = (0..10).map(HostIx).collect();
        let mut rng = Rng::seed_from_u64(1);
        let picked = pick_share(&online, 0.25, &mut rng);
        assert_eq!(picked.len(), 3);
        assert!(picked.is_sorted());
        assert!(pick_share(&online, 0.0, &mut rng).is_empty());
        assert_eq!(pick_share(&online, 1.0, &mut rng), online);
    }

    #[test]
    fn a_flash_crowd_arrives_within_its_span() {
        let mut rng = Rng::seed_from_u64(2);
        let at = SimTime::ZERO + SimDuration::from_secs(100);
        let times = arrivals(at, 50, SimDuration::from_secs(60), &mut rng);
        assert_eq!(times.len(), 50);
        let end = at + SimDuration::from_secs(60);
        assert!(times.iter().all(|&t| t >= at && t <= end));
        assert!(
            arrivals(at, 3, SimDuration::ZERO, &mut rng)
                .iter()
                .all(|&t| t == at)
        );
    }
}
