//! When hosts come and go: their first arrival, then session and downtime
//! lengths with a given mean, and whether each departure is clean.
//!
//! Measurements of deployed DHTs (KAD, Azureus) favour Weibull and other
//! heavy-tailed session lengths over the exponential; all three are offered
//! and parametrised by their mean, so that changing the shape keeps the
//! churn rate comparable.

use super::WorkloadError;
use crate::engine::units::Duration;
use crate::engine::{Rng, SimDuration, SimTime};
use rand::Rng as _;
use rand_distr::{Distribution, Exp, Pareto, Weibull};
use serde::{Deserialize, Serialize};

#[derive(Clone, Copy, Debug, Deserialize, Serialize, PartialEq, Eq)]
#[serde(rename_all = "lowercase")]
pub enum DistKind {
    Exponential,
    Weibull,
    Pareto,
}

/// A positive random duration with a given mean.
#[derive(Clone, Debug, Deserialize, Serialize, PartialEq)]
#[serde(deny_unknown_fields, default)]
pub struct DurationDist {
    pub dist: DistKind,
    pub mean: Duration,
    /// Weibull shape k, or Pareto shape α (> 1 so that the mean exists).
    pub shape: f64,
}

impl Default for DurationDist {
    fn default() -> Self {
        DurationDist {
            dist: DistKind::Exponential,
            mean: Duration::secs(3600),
            shape: 1.0,
        }
    }
}

/// A sampler for one [`DurationDist`].
#[derive(Clone, Copy, Debug)]
pub enum Lifetime {
    Exponential(Exp<f64>),
    Weibull(Weibull<f64>),
    Pareto(Pareto<f64>),
}

impl Lifetime {
    /// Builds the sampler; the scale is chosen so that the mean is `d.mean`.
    /// Parameters are validated with the scenario, so failures here are
    /// reported as errors rather than trusted.
    pub fn new(d: &DurationDist) -> Result<Lifetime, WorkloadError> {
        let scale = scale(d);
        Ok(match d.dist {
            DistKind::Exponential => {
                Lifetime::Exponential(Exp::new(1.0 / scale).map_err(|e| invalid(d, &e))?)
            }
            DistKind::Weibull => {
                Lifetime::Weibull(Weibull::new(scale, d.shape).map_err(|e| invalid(d, &e))?)
            }
            DistKind::Pareto => {
                Lifetime::Pareto(Pareto::new(scale, d.shape).map_err(|e| invalid(d, &e))?)
            }
        })
    }

    pub fn sample(&self, rng: &mut Rng) -> SimDuration {
        let secs = match self {
            Lifetime::Exponential(e) => e.sample(rng),
            Lifetime::Weibull(w) => w.sample(rng),
            Lifetime::Pareto(p) => p.sample(rng),
        };
        SimDuration::from_secs_f64(secs).max(SimDuration(1))
    }
}

/// The scale that gives law `d` its mean: the mean itself (exponential),
/// λ = mean / Γ(1 + 1/k) (Weibull), x_m = mean (α − 1) / α (Pareto).
pub fn scale(d: &DurationDist) -> f64 {
    let mean = d.mean.as_secs_f64();
    match d.dist {
        DistKind::Exponential => mean,
        DistKind::Weibull => mean / gamma(1.0 + 1.0 / d.shape),
        DistKind::Pareto => mean * (d.shape - 1.0) / d.shape,
    }
}

/// A sampler that refused the parameters of law `d`, with its reason.
pub fn invalid(d: &DurationDist, reason: &dyn std::fmt::Display) -> WorkloadError {
    WorkloadError::Distribution {
        kind: d.dist,
        reason: reason.to_string(),
    }
}

/// When a host present at the start comes online: uniformly within the
/// first `spread` of the run, so that the cloud does not form in one
/// instant. A zero spread draws nothing.
pub fn arrival(spread: SimDuration, rng: &mut Rng) -> SimTime {
    let spread = spread.as_micros();
    if spread == 0 {
        SimTime::ZERO
    } else {
        SimTime(rng.random_range(0..=spread))
    }
}

/// The schedule of a churning host: how long it stays online, how long it
/// stays away, and whether it leaves cleanly. Without churn there is none
/// and hosts stay online for the whole run.
#[derive(Clone, Debug)]
pub struct ChurnSchedule {
    session: Lifetime,
    downtime: Lifetime,
    graceful_share: f64,
}

impl ChurnSchedule {
    /// Session and downtime lengths drawn from `session` and `downtime`;
    /// `graceful_share` of departures unregister cleanly, the rest crash.
    pub fn new(
        session: &DurationDist,
        downtime: &DurationDist,
        graceful_share: f64,
    ) -> Result<ChurnSchedule, WorkloadError> {
        Ok(ChurnSchedule {
            session: Lifetime::new(session)?,
            downtime: Lifetime::new(downtime)?,
            graceful_share,
        })
    }

    /// How long a host that comes online now stays.
    pub fn session(&self, rng: &mut Rng) -> SimDuration {
        self.session.sample(rng)
    }

    /// How long a host that leaves now stays away.
    pub fn downtime(&self, rng: &mut Rng) -> SimDuration {
        self.downtime.sample(rng)
    }

    /// Whether a host that leaves now unregisters cleanly (revoke floods)
    /// rather than crashing.
    pub fn leaves_gracefully(&self, rng: &mut Rng) -> bool {
        rng.random::<f64>() < self.graceful_share
    }
}

/// The gamma function for x > 0 (Lanczos approximation, g = 7, n = 9;
/// relative error below 1e-13, ample for choosing a scale).
pub fn gamma(x: f64) -> f64 {
    const G: f64 = 7.0;
    const C: [f64; 9] = [
        0.999_999_999_999_809_9,
        676.520_368_121_885_1,
        -1_259.139_216_722_402_8,
        771.323_428_777_653_1,
        -176.615_029_162_140_6,
        12.507_343_278_686_905,
        -0.138_571_095_265_720_12,
        9.984_369_578_019_572e-6,
        1.505_632_735_149_311_6e-7,
    ];
    if x < 0.5 {
        // Reflection formula.
        std::f64::consts::PI / ((std::f64::consts::PI * x).sin() * gamma(1.0 - x))
    } else {
        let x = x - 1.0;
        let mut a = C[0];
        let t = x + G + 0.5;
        for (i, c) in C.iter().enumerate().skip(1) {
            a += c / (x + i as f64);
        }
        (2.0 * std::f64::consts::PI).sqrt() * t.powf(x + 0.5) * (-t).exp() * a
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use rand::SeedableRng;

    #[test]
    fn gamma_matches_known_values() {
        assert!((gamma(1.0) - 1.0).abs() < 1e-12);
        assert!((gamma(5.0) - 24.0).abs() < 1e-9);
        assert!((gamma(0.5) - std::f64::consts::PI.sqrt()).abs() < 1e-12);
        assert!((gamma(3.0) - 2.0).abs() < 1e-12);
    }

    #[test]
    fn an_impossible_distribution_is_an_error_naming_its_kind() {
        let d = DurationDist {
            dist: DistKind::Pareto,
            mean: Duration::secs(60),
            shape: -2.0,
        };
        let err = Lifetime::new(&d).unwrap_err();
        assert!(matches!(
            err,
            WorkloadError::Distribution {
                kind: DistKind::Pareto,
                ..
            }
        ));
        assert!(err.to_string().starts_with("invalid Pareto distribution: "));
    }

    #[test]
    fn every_kind_has_the_requested_mean() {
        for (dist, shape) in [
            (DistKind::Exponential, 1.0),
            (DistKind::Weibull, 0.7),
            (DistKind::Pareto, 3.0),
        ] {
            let d = DurationDist {
                dist,
                mean: Duration::secs(3600),
                shape,
            };
            let l = Lifetime::new(&d).unwrap();
            let mut rng = Rng::seed_from_u64(9);
            let n = 200_000;
            let mean = (0..n)
                .map(|_| l.sample(&mut rng).as_secs_f64())
                .sum::<f64>()
                / n as f64;
            assert!((mean / 3600.0 - 1.0).abs() < 0.03, "{dist:?}: mean {mean}");
        }
    }
}
