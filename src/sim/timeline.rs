//! Carrying out a scenario's `[[event]]` timeline
//! ([`crate::workload::timeline`]): what each action does to the hosts,
//! the network and the seed server.

use super::{Event, Simulation};
use crate::engine::SimTime;
use crate::metrics::recovery::EventMark;
use crate::protocol::id::HostIx;
use crate::scenario::EventSpec;
use crate::workload::timeline::{Action, arrivals, pick_share};

impl Simulation<'_> {
    /// Schedules every event, and the arrivals of each flash crowd (hosts
    /// from `hosts.count` on, in timeline order).
    pub(super) fn schedule_timeline(&mut self) {
        let scenario = self.scenario;
        let mut next_host = scenario.hosts.count;
        for (index, e) in scenario.events.iter().enumerate() {
            let at = SimTime::ZERO + e.at.0;
            let index = index as u32;
            match e.action() {
                Some(Action::Join { hosts, over }) => {
                    for t in arrivals(at, hosts, over, &mut self.rng_timeline) {
                        let host = HostIx(next_host);
                        next_host += 1;
                        self.queue.schedule(t, Event::Online { host });
                    }
                }
                Some(
                    Action::Partition { lasts, .. }
                    | Action::Loss { lasts, .. }
                    | Action::SeedServerDown { lasts },
                ) => {
                    self.queue
                        .schedule(at, Event::Timeline { index, end: false });
                    self.queue
                        .schedule(at + lasts, Event::Timeline { index, end: true });
                }
                Some(Action::Crash(_) | Action::Leave(_)) => {
                    self.queue
                        .schedule(at, Event::Timeline { index, end: false });
                }
                None => {}
            }
        }
    }

    /// Event `index` starts (or, with `end`, its window closes).
    pub(super) fn on_timeline(&mut self, now: SimTime, index: usize, end: bool) {
        let Some(action) = self.scenario.events[index].action() else {
            return;
        };
        match action {
            Action::Crash(share) | Action::Leave(share) => {
                let online: Vec<HostIx> = (0..self.hosts.len())
                    .filter(|&h| self.hosts[h].online)
                    .map(|h| HostIx(h as u32))
                    .collect();
                let graceful = matches!(action, Action::Leave(_));
                for host in pick_share(&online, share, &mut self.rng_timeline) {
                    self.go_offline_as(now, host, graceful);
                }
            }
            Action::Partition { share, .. } => {
                if end {
                    self.network.heal();
                } else {
                    self.network.partition(share, &mut self.rng_timeline);
                }
            }
            Action::Loss { p, .. } => self.network.set_extra_loss(if end { 0.0 } else { p }),
            Action::SeedServerDown { .. } => self.seed_server.set_down(!end),
            Action::Join { .. } => {}
        }
    }
}

/// The timeline as the outputs show it.
pub(super) fn marks(events: &[EventSpec]) -> Vec<EventMark> {
    events
        .iter()
        .map(|e| {
            let at = e.at.0;
            EventMark {
                at_secs: at.as_secs_f64(),
                until_secs: (at + e.lasts()).as_secs_f64(),
                label: e.label(),
            }
        })
        .collect()
}
