//! How long a host stays and stays away: the sessions of a replayed trace
//! for the hosts it covers, drawn from `[churn]` for the others, or
//! forever without churn.

use super::Simulation;
use crate::engine::SimTime;
use crate::protocol::id::HostIx;
use crate::workload::trace::TraceChurn;
use rand::Rng as _;

impl Simulation<'_> {
    fn traced(&self, host: HostIx) -> Option<&TraceChurn> {
        self.trace.as_ref().filter(|t| t.covers(host.0 as usize))
    }

    /// When `host`, online from `now`, leaves; `None`: it stays.
    pub(super) fn session_end(&mut self, now: SimTime, host: HostIx) -> Option<SimTime> {
        if let Some(t) = self.traced(host) {
            return t.session_end(host.0 as usize);
        }
        let churn = self.churn.as_ref()?;
        Some(now + churn.session(&mut self.rng_work))
    }

    /// When `host`, offline from `now`, comes back; `None`: never.
    pub(super) fn return_time(&mut self, now: SimTime, host: HostIx) -> Option<SimTime> {
        if self.traced(host).is_some() {
            return self.trace.as_mut()?.next_up(host.0 as usize, now);
        }
        let churn = self.churn.as_ref()?;
        Some(now + churn.downtime(&mut self.rng_work))
    }

    /// Whether `host`, whose session ends now, unregisters cleanly:
    /// `churn.graceful_share` of departures do, traced or not.
    pub(super) fn leaves_gracefully(&mut self, host: HostIx) -> bool {
        if self.traced(host).is_some() {
            return self.rng_work.random::<f64>() < self.scenario.churn.graceful_share;
        }
        self.churn
            .as_ref()
            .is_some_and(|c| c.leaves_gracefully(&mut self.rng_work))
    }
}
