//! Churn in its stationary state, for a steady start: which hosts are
//! online at the first instant of the run, and how long each has left.
//!
//! A host alternates sessions (law S, mean μ_S) and downtimes (law D, mean
//! μ_D): an alternating renewal process. Looked at a long time after it
//! began, it is online with probability μ_S / (μ_S + μ_D), and the time
//! left in its current session is not a fresh session but follows the
//! *equilibrium* (residual-life) distribution of S, with density
//! `(1 − F_S(x)) / μ_S` (Cox, *Renewal Theory*, 1962, §5.2 and §7.3; Ross,
//! *Stochastic Processes*, 2nd ed., 1996, Thm 3.4.4 and §3.4.1). Likewise
//! for the downtime left by an offline host.
//!
//! A residual life is drawn as `U · L`, where U is uniform on (0, 1) and L
//! is the *length-biased* lifetime, of density `x f(x) / μ`: the interval
//! that covers a random instant is picked in proportion to its length, and
//! the instant falls uniformly inside it (Cox §5.2). L has a closed form for
//! each law offered:
//!
//! - exponential: L ~ Gamma(2, mean), so U·L ~ Exp(mean) (memoryless);
//! - Weibull (shape k, scale λ): x f(x) ∝ x^k e^{−(x/λ)^k}; with
//!   y = (x/λ)^k this is y^{1/k} e^{−y}, so L = λ G^{1/k} with
//!   G ~ Gamma(1 + 1/k, 1);
//! - Pareto (shape α > 1, scale x_m): x f(x) ∝ x^{−α} on x ≥ x_m, so
//!   L ~ Pareto(x_m, α − 1).

use super::WorkloadError;
use super::churn::{DistKind, DurationDist, invalid, scale};
use crate::engine::{Rng, SimDuration};
use rand::Rng as _;
use rand_distr::{Distribution, Exp, Gamma, Pareto};

/// A sampler of the residual life of one [`DurationDist`].
#[derive(Clone, Copy, Debug)]
pub enum Residual {
    /// Memoryless: the residual is the law itself.
    Exponential(Exp<f64>),
    /// `scale · G^{1/shape}` with G ~ Gamma(1 + 1/shape, 1), times U.
    Weibull {
        scale: f64,
        shape: f64,
        g: Gamma<f64>,
    },
    /// Length-biased Pareto(x_m, α − 1), times U.
    Pareto(Pareto<f64>),
}

impl Residual {
    /// The residual-life sampler of `d` (same parametrisation by mean as
    /// [`super::churn::Lifetime`]).
    pub fn new(d: &DurationDist) -> Result<Residual, WorkloadError> {
        let scale = scale(d);
        Ok(match d.dist {
            DistKind::Exponential => {
                Residual::Exponential(Exp::new(1.0 / scale).map_err(|e| invalid(d, &e))?)
            }
            DistKind::Weibull => Residual::Weibull {
                scale,
                shape: d.shape,
                g: Gamma::new(1.0 + 1.0 / d.shape, 1.0).map_err(|e| invalid(d, &e))?,
            },
            DistKind::Pareto => {
                Residual::Pareto(Pareto::new(scale, d.shape - 1.0).map_err(|e| invalid(d, &e))?)
            }
        })
    }

    /// The time left in an interval of this law covering a random instant.
    pub fn sample(&self, rng: &mut Rng) -> SimDuration {
        let secs = match self {
            Residual::Exponential(e) => e.sample(rng),
            Residual::Weibull { scale, shape, g } => {
                let biased = scale * g.sample(rng).powf(1.0 / shape);
                rng.random::<f64>() * biased
            }
            Residual::Pareto(p) => rng.random::<f64>() * p.sample(rng),
        };
        SimDuration::from_secs_f64(secs).max(SimDuration(1))
    }
}

/// Where one host stands at the first instant of a steady start.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Phase {
    /// Online; its session ends after this long (`None`: no churn, never).
    Online(Option<SimDuration>),
    /// Offline; it comes back after this long.
    Offline(SimDuration),
}

/// Draws the stationary state of churning hosts (or, without churn, says
/// every host is online for good).
#[derive(Clone, Debug)]
pub struct SteadyChurn {
    /// `None` without churn.
    laws: Option<(Residual, Residual)>,
    online_share: f64,
}

impl SteadyChurn {
    /// Stationary state of hosts with these session and downtime laws;
    /// `None`: no churn.
    pub fn new(laws: Option<(&DurationDist, &DurationDist)>) -> Result<Self, WorkloadError> {
        Ok(match laws {
            None => SteadyChurn {
                laws: None,
                online_share: 1.0,
            },
            Some((session, downtime)) => SteadyChurn {
                laws: Some((Residual::new(session)?, Residual::new(downtime)?)),
                online_share: online_share(session, downtime),
            },
        })
    }

    /// One host's phase: online with the stationary probability, with its
    /// residual session or downtime.
    pub fn draw(&self, rng: &mut Rng) -> Phase {
        match &self.laws {
            None => Phase::Online(None),
            Some((session, downtime)) => {
                if rng.random::<f64>() < self.online_share {
                    Phase::Online(Some(session.sample(rng)))
                } else {
                    Phase::Offline(downtime.sample(rng))
                }
            }
        }
    }
}

/// Long-run share of time a host is online: μ_S / (μ_S + μ_D).
pub fn online_share(session: &DurationDist, downtime: &DurationDist) -> f64 {
    let (on, off) = (session.mean.as_secs_f64(), downtime.mean.as_secs_f64());
    on / (on + off)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::engine::units::Duration;
    use crate::workload::churn::Lifetime;
    use rand::SeedableRng;

    /// The equilibrium CDF F_e(x) = (1/μ) ∫₀ˣ (1 − F(t)) dt of the law
    /// sampled by `life`, by its definition: the survival function is
    /// estimated from a large sample of fresh lifetimes and integrated.
    /// This checks the closed forms above against the definition, not
    /// against themselves.
    fn equilibrium_cdf(life: &Lifetime, rng: &mut Rng) -> impl Fn(f64) -> f64 + use<> {
        let mut fresh: Vec<f64> = (0..400_000)
            .map(|_| life.sample(rng).as_secs_f64())
            .collect();
        fresh.sort_by(f64::total_cmp);
        let mean = fresh.iter().sum::<f64>() / fresh.len() as f64;
        // ∫₀ˣ S(t) dt = E[min(L, x)], read off the sorted sample.
        let n = fresh.len() as f64;
        let mut prefix = Vec::with_capacity(fresh.len() + 1);
        prefix.push(0.0);
        for &v in &fresh {
            prefix.push(prefix.last().unwrap() + v);
        }
        move |x: f64| {
            let below = fresh.partition_point(|&v| v < x);
            let e_min = (prefix[below] + (fresh.len() - below) as f64 * x) / n;
            e_min / mean
        }
    }

    /// One-sample Kolmogorov–Smirnov statistic of `sample` against `cdf`.
    fn ks(mut sample: Vec<f64>, cdf: impl Fn(f64) -> f64) -> f64 {
        sample.sort_by(f64::total_cmp);
        let n = sample.len() as f64;
        sample
            .iter()
            .enumerate()
            .map(|(i, &x)| {
                let f = cdf(x);
                (f - i as f64 / n).abs().max(((i + 1) as f64 / n - f).abs())
            })
            .fold(0.0, f64::max)
    }

    #[test]
    fn residual_lives_follow_the_equilibrium_distribution() {
        let mut rng = Rng::seed_from_u64(21);
        for (dist, shape) in [
            (DistKind::Exponential, 1.0),
            (DistKind::Weibull, 0.5),
            (DistKind::Weibull, 2.0),
            (DistKind::Pareto, 2.5),
        ] {
            let d = DurationDist {
                dist,
                mean: Duration::secs(3600),
                shape,
            };
            let cdf = equilibrium_cdf(&Lifetime::new(&d).unwrap(), &mut rng);
            let residual = Residual::new(&d).unwrap();
            let n = 20_000;
            let sample: Vec<f64> = (0..n)
                .map(|_| residual.sample(&mut rng).as_secs_f64())
                .collect();
            let d_n = ks(sample, cdf);
            // Critical value at the 0.1 % level: 1.95 / √n (plus the error
            // of the estimated CDF, far smaller with 400 000 lifetimes).
            let critical = 1.95 / f64::from(n).sqrt() + 0.005;
            assert!(d_n < critical, "{dist:?} k={shape}: D = {d_n:.4}");
        }
    }

    #[test]
    fn a_fresh_weibull_session_is_not_a_residual_one() {
        // The test above can fail: fresh sessions of a Weibull k = 0.5 law
        // (most end far sooner than the mean) are far from the equilibrium.
        let mut rng = Rng::seed_from_u64(22);
        let d = DurationDist {
            dist: DistKind::Weibull,
            mean: Duration::secs(3600),
            shape: 0.5,
        };
        let life = Lifetime::new(&d).unwrap();
        let cdf = equilibrium_cdf(&life, &mut rng);
        let fresh: Vec<f64> = (0..20_000)
            .map(|_| life.sample(&mut rng).as_secs_f64())
            .collect();
        assert!(ks(fresh, cdf) > 0.1);
    }

    #[test]
    fn hosts_are_online_in_the_long_run_share() {
        let session = DurationDist::default();
        let downtime = DurationDist {
            dist: DistKind::Weibull,
            mean: Duration::secs(1800),
            shape: 0.7,
        };
        let steady = SteadyChurn::new(Some((&session, &downtime))).unwrap();
        let mut rng = Rng::seed_from_u64(23);
        let n = 60_000;
        let online = (0..n)
            .filter(|_| matches!(steady.draw(&mut rng), Phase::Online(Some(_))))
            .count() as f64
            / f64::from(n);
        // 2/3, within 4 standard errors.
        let se = (2.0 / 9.0 / f64::from(n)).sqrt();
        assert!((online - 2.0 / 3.0).abs() < 4.0 * se, "{online}");
        let none = SteadyChurn::new(None).unwrap();
        assert_eq!(none.draw(&mut rng), Phase::Online(None));
    }
}
