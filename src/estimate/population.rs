//! Who is online, how fast hosts come and go, and how stale what they
//! learnt has become, averaged over the measured part of a run.
//!
//! Each host alternates sessions (mean T) and downtimes (mean D). Treating
//! both as exponential, a host online at time a is online at t ≥ a with
//! probability
//!
//! ```text
//! p(t) = π + (1 − π)·e^{−(t − a)/τ},   π = T/(T + D),   1/τ = 1/T + 1/D
//! ```
//!
//! (other session laws are replaced by the exponential of the same mean).
//! Hosts first arrive uniformly within `join_spread`; the decay is taken from
//! the middle of that window. So a run that starts with every host online,
//! like the quickstart, is described through its transient, not only its
//! equilibrium. Departures happen at rate H·p(t)/T and returns at
//! H·(arrived(t) − p(t))/D; in equilibrium both are H·π/T, so joins plus
//! departures are 2·H_online/T (§7 of the model doc).
//!
//! **Staleness.** A host learns most of its cache when it joins
//! (synchronisation, its registration resolves, the flood-backs of its
//! neighbours), and keeps it until it leaves. An entry is dead once its
//! owner has left without notice: crashed, at rate ρ = (1 − graceful)/T (a
//! clean departure revokes its IDs from the leaf sets that resolves end
//! in; an address change leaves the host reachable, so requests through
//! its old IDs are still answered). With the holder's cache aged
//! `a = min(t − t0, Exp(T))`,
//!
//! ```text
//! s_hop(t) = 1 − E[e^{−ρ·a}] = (1 − e^{−κ(t − t0)})·ρ/κ,   κ = ρ + 1/T
//! ```
//!
//! is the chance that an entry a resolve hop (or a flood) uses is dead.
//! The same with every departure counted (ρ = 1/T) is the chance that a
//! seed host picked at join has left: `s_host(t) = (1 − e^{−2(t − t0)/T}) / 2`.
//!
//! **Ghost IDs.** After an address change the old IDs stay in the caches
//! that held them (their host still answers), so each cache holds
//! `g = E[a]/A` ghost IDs per live one, A being the mean time between
//! address changes of a host and `E[a] = T·(1 − e^{−(t − t0)/T})` (or
//! t − t0 without churn) the mean age of a cache.

use crate::scenario::Scenario;

/// Midpoint samples over the measured window: enough for the smooth
/// exponentials above to integrate to better than 0.1 %.
const STEPS: usize = 2000;

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
    pub ghosts: f64,
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
        let spread = s.hosts.join_spread.as_secs_f64();
        let interval = s.pnrp.refresh_interval.as_secs_f64().max(1e-9);
        let arrived = |t: f64| {
            if spread > 0.0 {
                (t / spread).clamp(0.0, 1.0)
            } else {
                1.0
            }
        };
        let t0 = spread / 2.0;
        let churn = s.churn.enabled.then(|| {
            let session = s.churn.session.mean.as_secs_f64().max(1e-9);
            let downtime = s.churn.downtime.mean.as_secs_f64().max(1e-9);
            (session, downtime)
        });
        let leave_rate = churn.map_or(0.0, |(session, _)| 1.0 / session);
        let dead_rate = (1.0 - s.churn.graceful_share) * leave_rate;
        let address_changes = s
            .workload
            .address_change_interval
            .map_or(0.0, |a| 1.0 / a.as_secs_f64().max(1e-9));
        let cache_age = |age: f64| match churn {
            Some((session, _)) => session * (1.0 - (-age / session).exp()),
            None => age,
        };
        // 1 − E[e^{−rate·a}] for the holder's cache age a = min(age, Exp(T)).
        let stale = |rate: f64, age: f64| {
            let k = rate + leave_rate;
            if k > 0.0 {
                (1.0 - (-k * age).exp()) * rate / k
            } else {
                0.0
            }
        };
        let dt = (e - w) / STEPS as f64;
        let mut sum = Sums::default();
        for i in 0..STEPS {
            let t = w + (i as f64 + 0.5) * dt;
            let a = arrived(t);
            let age = (t - t0).max(0.0);
            let (online, departures, returns, survivors) = match churn {
                None => (a, 0.0, 0.0, a),
                Some((session, downtime)) => {
                    let pi = session / (session + downtime);
                    let rate = 1.0 / session + 1.0 / downtime;
                    let p = a * (pi + (1.0 - pi) * (-age * rate).exp());
                    let survivors = a * (-age / session).exp();
                    (p, p / session, (a - p) / downtime, survivors)
                }
            };
            // Names present at the start refresh at a random phase; a name
            // registered later first refreshes one interval after it, so a
            // returning host refreshes only if its session is older than the
            // interval (probability e^{−I/T} once the run is that old).
            let old_enough = match churn {
                Some((session, _)) if age > interval => (-interval / session).exp(),
                _ => 0.0,
            };
            let refreshing = survivors + (online - survivors).max(0.0) * old_enough;
            sum.online += online;
            sum.departures += departures;
            sum.returns += returns;
            sum.refreshing += refreshing;
            sum.stale_host += stale(leave_rate, age);
            sum.stale_hop += stale(dead_rate, age);
            sum.ghosts += cache_age(age) * address_changes;
        }
        let n = STEPS as f64;
        let first_arrivals = if spread > 0.0 {
            h * ((e.min(spread) - w.min(spread)).max(0.0) / spread)
        } else if w == 0.0 {
            h
        } else {
            0.0
        };
        let online = h * sum.online / n;
        Some(Population {
            online,
            registrations: online * m,
            joins_per_s: h * sum.returns / n + first_arrivals / (e - w),
            departures_per_s: h * sum.departures / n,
            refreshes_per_s: h * m * sum.refreshing / n / interval,
            stale_host: sum.stale_host / n,
            stale_hop: sum.stale_hop / n,
            ghosts: sum.ghosts / n,
        })
    }
}

#[derive(Default)]
struct Sums {
    online: f64,
    departures: f64,
    returns: f64,
    refreshing: f64,
    stale_host: f64,
    stale_hop: f64,
    ghosts: f64,
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

    #[test]
    fn equilibrium_has_two_thirds_online_and_balanced_churn() {
        let p = Population::of(&churny(40)).unwrap();
        assert!((p.online - 600.0).abs() < 0.5, "{p:?}");
        // H_online / T each way.
        assert!((p.departures_per_s - 600.0 / 7200.0).abs() < 1e-4, "{p:?}");
        assert!((p.joins_per_s - p.departures_per_s).abs() < 1e-4, "{p:?}");
        assert!((p.stale_host - 0.5).abs() < 1e-3);
        // Crashes (half the departures) against departures of the holder.
        assert!((p.stale_hop - 1.0 / 3.0).abs() < 1e-3, "{p:?}");
    }

    #[test]
    fn without_churn_everyone_stays_and_refreshes_once_per_interval() {
        let mut s = Scenario::default();
        s.hosts.names_per_host = 3;
        let p = Population::of(&s).unwrap();
        assert_eq!(p.online, 1000.0);
        assert_eq!(p.registrations, 3000.0);
        assert_eq!(
            (p.joins_per_s, p.departures_per_s, p.stale_hop),
            (0.0, 0.0, 0.0)
        );
        assert_eq!(p.ghosts, 0.0);
        // An address change every 2 h: after 1 h a cache holds half a ghost
        // per live ID (hosts arrive over the first minute).
        s.workload.address_change_interval = Some(Duration::secs(7200));
        s.warmup = Duration::secs(3600 - 1);
        s.duration = Duration::secs(3600 + 1);
        let p = Population::of(&s).unwrap();
        assert!((p.ghosts - (3600.0 - 30.0) / 7200.0).abs() < 1e-6, "{p:?}");
        assert!((p.refreshes_per_s - 3000.0 / 86_400.0).abs() < 1e-9);
        s.warmup = s.duration;
        assert_eq!(Population::of(&s), None);
    }

    #[test]
    fn first_arrivals_inside_the_window_count_as_joins() {
        let s = Scenario {
            warmup: Duration::secs(0),
            duration: Duration::secs(600),
            ..Scenario::default()
        };
        let p = Population::of(&s).unwrap();
        assert!((p.joins_per_s - 1000.0 / 600.0).abs() < 1e-9);
    }
}
