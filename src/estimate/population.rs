//! Who is online, how fast hosts come and go, and how stale what they
//! learnt has become, averaged over the measured part of a run.
//!
//! Hosts online, joins (first arrivals and returns) and departures come
//! from the renewal equations of [`super::renewal`], for the scenario's
//! own session and downtime laws, so that a run that starts with every
//! host online, like the quickstart, is described through its transient,
//! not only its equilibrium (where joins plus departures are 2·H/T, §7 of
//! the model doc).
//!
//! **Staleness.** A host learns most of its cache when it joins
//! (synchronisation, its registration resolves, the flood-backs of its
//! neighbours), and keeps it until it leaves. An entry is dead once its
//! owner has left without notice: crashed, at rate ρ = (1 − graceful)/T (a
//! clean departure revokes its IDs from the leaf sets that resolves end
//! in; an address change leaves the host reachable, so requests through
//! its old IDs are still answered). With the holder's cache aged
//! `a = min(t − t0, Exp(T))` (sessions taken as exponential of mean T
//! here, t0 the middle of the first arrivals),
//!
//! ```text
//! s_hop(t) = 1 − E[e^{−ρ·a}] = (1 − e^{−κ(t − t0)})·ρ/κ,   κ = ρ + 1/T
//! ```
//!
//! is the chance that an entry a resolve hop (or a flood) uses is dead.
//! The same with every departure counted (ρ = 1/T) is the chance that a
//! seed host picked at join has left: `s_host(t) = (1 − e^{−2(t − t0)/T}) / 2`.
//!

use super::renewal::Timeline;
use crate::scenario::{Scenario, Start};

/// Population figures averaged over the measured window.
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct Population {
    /// Mean number of hosts online.
    pub online: f64,
    /// Mean number of registered PNRP IDs (online hosts × names).
    pub registrations: f64,
    /// Host arrivals per second (first arrivals inside the window included).
    pub joins_per_s: f64,
    pub departures_per_s: f64,
    /// Names whose refresh timer fires, per second, whole cloud.
    pub refreshes_per_s: f64,
    /// Chance that a host known since the holder joined has left.
    pub stale_host: f64,
    /// Ghost IDs (given up at an address change) per live ID in a cache.
    /// Chance that an entry a resolve hop or a flood uses belongs to an
    /// owner that crashed.
    pub stale_hop: f64,
}

impl Population {
    /// `None` when nothing is measured (warm-up ≥ duration).
    pub fn of(s: &Scenario) -> Option<Population> {
        let (w, e) = (s.warmup.as_secs_f64(), s.duration.as_secs_f64());
        if e <= w {
            return None;
        }
        let h = f64::from(s.hosts.count);
        let m = f64::from(s.hosts.names_per_host);
        // Caches date from the middle of the joins, or from the first
        // instant of a steady start (installed exact).
        let t0 = match s.hosts.start {
            Start::Steady => 0.0,
            Start::Joins => s.hosts.join_spread().as_secs_f64() / 2.0,
        };
        let interval = s.pnrp.refresh_interval.as_secs_f64().max(1e-9);
        let session = s
            .churn
            .enabled
            .then(|| s.churn.session.mean.as_secs_f64().max(1e-9));
        let leave_rate = session.map_or(0.0, |t| 1.0 / t);
        let dead_rate = (1.0 - s.churn.graceful_share) * leave_rate;
        // 1 − E[e^{−rate·a}] for the holder's cache age a = min(age, Exp(T)).
        let stale = |rate: f64, age: f64| {
            let k = rate + leave_rate;
            if k > 0.0 {
                (1.0 - (-k * age).exp()) * rate / k
            } else {
                0.0
            }
        };
        let t = Timeline::of(s);
        let mut sum = Sums::default();
        let mut steps = 0usize;
        for i in 0..t.online.len() {
            let mid = (i as f64 + 0.5) * t.dt;
            if mid < w || mid > e {
                continue;
            }
            steps += 1;
            let age = (mid - t0).max(0.0);
            // Names present at the start refresh at a random phase; a name
            // registered later first refreshes one interval after it, so a
            // returning host refreshes only if its session is older than the
            // interval (probability e^{−I/T} once the run is that old).
            let old_enough = match session {
                Some(t) if age > interval => (-interval / t).exp(),
                _ => 0.0,
            };
            let later = (t.online[i] - t.first_session[i]).max(0.0);
            sum.online += t.online[i];
            sum.joins += t.arrivals[i] + t.returns[i];
            sum.departures += t.departures[i];
            sum.refreshing += t.first_session[i] + later * old_enough;
            sum.stale_host += stale(leave_rate, age);
            sum.stale_hop += stale(dead_rate, age);
        }
        let n = steps.max(1) as f64;
        let secs = n * t.dt;
        let online = h * sum.online / n;
        Some(Population {
            online,
            registrations: online * m,
            joins_per_s: h * sum.joins / secs,
            departures_per_s: h * sum.departures / secs,
            refreshes_per_s: h * m * sum.refreshing / n / interval,
            stale_host: sum.stale_host / n,
            stale_hop: sum.stale_hop / n,
        })
    }
}

#[derive(Default)]
struct Sums {
    online: f64,
    joins: f64,
    departures: f64,
    refreshing: f64,
    stale_host: f64,
    stale_hop: f64,
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::scenario::units::Duration;

    fn churny(hours: u64) -> Scenario {
        let mut s = Scenario::default();
        s.hosts.count = 900;
        s.duration = Duration::secs(hours * 3600);
        s.warmup = Duration::secs((hours - 1) * 3600);
        s.churn.enabled = true;
        s.churn.session.mean = Duration::secs(7200);
        s.churn.downtime.mean = Duration::secs(3600);
        s
    }

    /// Relative difference.
    fn off(a: f64, b: f64) -> f64 {
        (a / b - 1.0).abs()
    }

    #[test]
    fn equilibrium_has_two_thirds_online_and_balanced_churn() {
        let p = Population::of(&churny(40)).unwrap();
        // The grid (36 s steps here) rounds lengths up by half a step.
        assert!(off(p.online, 600.0) < 0.005, "{p:?}");
        // H_online / T each way.
        assert!(off(p.departures_per_s, 600.0 / 7200.0) < 0.005, "{p:?}");
        assert!(off(p.joins_per_s, p.departures_per_s) < 0.005, "{p:?}");
        assert!((p.stale_host - 0.5).abs() < 1e-3);
        // Crashes (half the departures) against departures of the holder.
        assert!((p.stale_hop - 1.0 / 3.0).abs() < 1e-3, "{p:?}");
    }

    #[test]
    fn without_churn_everyone_stays_and_refreshes_once_per_interval() {
        let mut s = Scenario::default();
        s.hosts.names_per_host = 3;
        let p = Population::of(&s).unwrap();
        assert!(off(p.online, 1000.0) < 1e-12);
        assert!(off(p.registrations, 3000.0) < 1e-12);
        assert_eq!(
            (p.joins_per_s, p.departures_per_s, p.stale_hop),
            (0.0, 0.0, 0.0)
        );
        assert!(off(p.refreshes_per_s, 3000.0 / 86_400.0) < 1e-9);
        s.warmup = s.duration;
        assert_eq!(Population::of(&s), None);
    }

    #[test]
    fn first_arrivals_inside_the_window_count_as_joins() {
        let mut s = Scenario {
            warmup: Duration::secs(0),
            duration: Duration::secs(600),
            ..Scenario::default()
        };
        s.hosts.start = Start::Joins;
        let p = Population::of(&s).unwrap();
        assert!(off(p.joins_per_s, 1000.0 / 600.0) < 1e-9, "{p:?}");
    }
}
