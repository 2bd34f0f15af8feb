//! Hosts online, departures and returns over the run, for any session and
//! downtime law, from the renewal equations of a host that alternates
//! sessions and downtimes.
//!
//! With arrivals a(t) (the first arrivals, spread uniformly over
//! `join_spread`), session and downtime densities f_S and f_D:
//!
//! ```text
//! returns(t)    = ∫ departures(τ)·f_D(t − τ) dτ
//! departures(t) = ∫ (a(τ) + returns(τ))·f_S(t − τ) dτ
//! ```
//!
//! solved on a grid of at most [`BINS`] steps. Unlike the equilibrium
//! 2·H/T, this follows a run's transient, which matters when every host
//! starts a fresh session at once and sessions are heavy-tailed: with
//! Weibull k = 0.5 most first sessions end far sooner than the mean.
//! A steady start (`hosts.start = "steady"`) has no first arrivals and no
//! transient: it begins in the equilibrium ([`Timeline::steady`]).

use crate::scenario::{DistKind, DurationDist, Scenario, Start};
use crate::workload::churn::gamma;
use crate::workload::steady::online_share;

/// Grid steps over the run: O(BINS²) work, a few milliseconds.
const BINS: usize = 4000;

/// Per grid step, as shares of the hosts.
pub struct Timeline {
    /// Width of a step in seconds.
    pub dt: f64,
    /// Online at the middle of the step.
    pub online: Vec<f64>,
    /// First arrivals, returns and departures within the step.
    pub arrivals: Vec<f64>,
    pub returns: Vec<f64>,
    pub departures: Vec<f64>,
    /// Still in the first session (online since the start of the run).
    pub first_session: Vec<f64>,
}

/// P(length > t) for a session or downtime law with its mean.
fn survival(d: &DurationDist, t: f64) -> f64 {
    let mean = d.mean.as_secs_f64().max(1e-9);
    match d.dist {
        DistKind::Exponential => (-t / mean).exp(),
        DistKind::Weibull => {
            let scale = mean / gamma(1.0 + 1.0 / d.shape);
            (-(t / scale).powf(d.shape)).exp()
        }
        DistKind::Pareto => {
            let scale = mean * (d.shape - 1.0) / d.shape;
            if t < scale {
                1.0
            } else {
                (scale / t).powf(d.shape)
            }
        }
    }
}

/// Masses of a law on the grid: `m[k]` = P((k − 1)·dt < length ≤ k·dt),
/// so that a session started in step i ends in step i + k (k ≥ 1).
fn masses(d: &DurationDist, dt: f64, n: usize) -> Vec<f64> {
    (0..n)
        .map(|k| {
            if k == 0 {
                0.0
            } else {
                survival(d, (k - 1) as f64 * dt) - survival(d, k as f64 * dt)
            }
        })
        .collect()
}

impl Timeline {
    pub fn of(s: &Scenario) -> Timeline {
        let end = s.duration.as_secs_f64().max(1e-9);
        let n = BINS.min(end.ceil() as usize).max(1);
        let dt = end / n as f64;
        if s.hosts.start == Start::Steady {
            return Timeline::steady(s, dt, n);
        }
        let spread = s.hosts.join_spread().as_secs_f64();
        let arrivals: Vec<f64> = (0..n)
            .map(|i| {
                let (a, b) = (i as f64 * dt, (i + 1) as f64 * dt);
                if spread > 0.0 {
                    ((b.min(spread) - a.min(spread)) / spread).max(0.0)
                } else {
                    f64::from(u8::from(i == 0))
                }
            })
            .collect();
        let mut t = Timeline {
            dt,
            online: vec![0.0; n],
            returns: vec![0.0; n],
            departures: vec![0.0; n],
            first_session: vec![0.0; n],
            arrivals,
        };
        let churn = s.churn.enabled;
        let session = masses(&s.churn.session, dt, n);
        let downtime = masses(&s.churn.downtime, dt, n);
        let lasting: Vec<f64> = (0..n)
            .map(|k| survival(&s.churn.session, k as f64 * dt))
            .collect();
        let mut starts = vec![0.0; n];
        let (mut started, mut left) = (0.0, 0.0);
        for i in 0..n {
            if churn {
                t.returns[i] = (1..=i).map(|k| t.departures[i - k] * downtime[k]).sum();
                t.departures[i] = (1..=i).map(|k| starts[i - k] * session[k]).sum();
                t.first_session[i] = (0..=i).map(|j| t.arrivals[j] * lasting[i - j]).sum();
            }
            starts[i] = t.arrivals[i] + t.returns[i];
            t.online[i] = started + starts[i] / 2.0 - left - t.departures[i] / 2.0;
            started += starts[i];
            left += t.departures[i];
            if !churn {
                t.first_session[i] = t.online[i];
            }
        }
        t
    }

    /// A cloud that starts in its equilibrium: the long-run share online,
    /// departures and returns at 1 / (μ_S + μ_D) per host each, and the
    /// hosts online at the start still in their session with the
    /// equilibrium survival `(1/μ_S) ∫_t^∞ S(u) du` (their sessions are
    /// residual lives: see `crate::workload::steady`).
    fn steady(s: &Scenario, dt: f64, n: usize) -> Timeline {
        let c = &s.churn;
        let (share, rate, first_session) = if c.enabled {
            let share = online_share(&c.session, &c.downtime);
            let cycle = c.session.mean.as_secs_f64() + c.downtime.mean.as_secs_f64();
            let mean = c.session.mean.as_secs_f64().max(1e-9);
            // ∫_0^t S by the midpoint rule on the grid, then the tail.
            let mut integral = 0.0;
            let first: Vec<f64> = (0..n)
                .map(|i| {
                    let half = integral + survival(&c.session, (i as f64 + 0.25) * dt) * dt / 2.0;
                    integral += survival(&c.session, (i as f64 + 0.5) * dt) * dt;
                    share * ((mean - half) / mean).max(0.0)
                })
                .collect();
            (share, dt / cycle, first)
        } else {
            (1.0, 0.0, vec![1.0; n])
        };
        Timeline {
            dt,
            online: vec![share; n],
            arrivals: vec![0.0; n],
            returns: vec![rate; n],
            departures: vec![rate; n],
            first_session,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::scenario::units::Duration;

    /// Every host joins in the first minute, then churns.
    fn churny(dist: DistKind, shape: f64) -> Scenario {
        let mut s = Scenario {
            duration: Duration::secs(20 * 3600),
            ..Scenario::default()
        };
        s.hosts.start = Start::Joins;
        s.churn.enabled = true;
        s.churn.session = DurationDist {
            dist,
            mean: Duration::secs(3600),
            shape,
        };
        s
    }

    #[test]
    fn equilibrium_is_t_over_t_plus_d_whatever_the_law() {
        for (dist, shape) in [
            (DistKind::Exponential, 1.0),
            (DistKind::Weibull, 0.7),
            (DistKind::Pareto, 3.0),
        ] {
            let t = Timeline::of(&churny(dist, shape));
            let last = t.online.len() - 1;
            // Sessions of 1 h, downtimes of 30 min: two thirds online, and
            // each way H_online / T per second.
            assert!((t.online[last] - 2.0 / 3.0).abs() < 0.01, "{dist:?}");
            let per_s = t.departures[last] / t.dt;
            assert!(
                (per_s * 3600.0 / t.online[last] - 1.0).abs() < 0.02,
                "{dist:?}"
            );
        }
    }

    #[test]
    fn heavy_tailed_first_sessions_end_early() {
        let exp = Timeline::of(&churny(DistKind::Exponential, 1.0));
        let weibull = Timeline::of(&churny(DistKind::Weibull, 0.5));
        // Share of first sessions over after one hour (hosts arrive over
        // the first minute): 1 − e^{−1} for the exponential of mean 1 h.
        let ended = |t: &Timeline| 1.0 - t.first_session[(3600.0 / t.dt) as usize];
        assert!((ended(&exp) - (1.0 - (-1.0f64).exp())).abs() < 0.01);
        // Same mean, but Weibull k = 0.5 ends far more first sessions early.
        assert!(ended(&weibull) > 1.1 * ended(&exp), "{}", ended(&weibull));
    }

    #[test]
    fn a_steady_start_is_in_the_equilibrium_from_the_first_step() {
        for (dist, shape) in [(DistKind::Exponential, 1.0), (DistKind::Weibull, 0.5)] {
            let mut s = churny(dist, shape);
            s.hosts.start = Start::Steady;
            let t = Timeline::of(&s);
            assert!(t.online.iter().all(|&o| (o - 2.0 / 3.0).abs() < 1e-12));
            assert_eq!(t.arrivals.iter().sum::<f64>(), 0.0);
            // Hosts online at the start are in residual sessions: for the
            // exponential, e^{−t/T} of them are still online at t.
            let at_hour = t.first_session[(3600.0 / t.dt) as usize] / (2.0 / 3.0);
            if dist == DistKind::Exponential {
                assert!((at_hour - (-1.0f64).exp()).abs() < 0.01, "{at_hour}");
            } else {
                // Weibull k = 0.5: residual sessions are long (mean 3 T).
                assert!(at_hour > 0.5, "{at_hour}");
            }
        }
    }

    #[test]
    fn without_churn_hosts_arrive_over_the_spread_and_stay() {
        let mut s = Scenario::default();
        s.hosts.start = Start::Joins;
        let t = Timeline::of(&s);
        assert!((t.arrivals.iter().sum::<f64>() - 1.0).abs() < 1e-9);
        assert!((t.online.last().unwrap() - 1.0).abs() < 1e-12);
        assert!(t.departures.iter().all(|&d| d == 0.0));
    }
}
