//! One-way delay models: [`Latency`] as a scenario file gives it, and the
//! [`LatencyModel`] built from it.
//!
//! The three stateless models draw a fresh delay per datagram; the topology
//! model draws its graph and host attachments once, after which a pair's
//! delay is fixed (no jitter), as on a quiet real path.

use super::topology::Topology;
use super::uniform_between;
use crate::engine::units::Duration;
use crate::engine::{Rng, SimDuration};
use rand::Rng as _;
use rand_distr::StandardNormal;
use serde::{Deserialize, Serialize};

/// One-way delay model for a datagram.
#[derive(Clone, Debug, Deserialize, Serialize, PartialEq)]
#[serde(tag = "model", rename_all = "lowercase", deny_unknown_fields)]
pub enum Latency {
    Constant {
        delay: Duration,
    },
    Uniform {
        min: Duration,
        max: Duration,
    },
    Lognormal {
        median: Duration,
        sigma: f64,
    },
    /// Hosts attach to a generated router graph; delay is access link +
    /// shortest router path + access link.
    Topology {
        routers: u32,
        /// Links each new router makes when the graph grows (preferential
        /// attachment).
        links_per_router: u32,
        link_delay_min: Duration,
        link_delay_max: Duration,
        access_delay_min: Duration,
        access_delay_max: Duration,
    },
}

impl Default for Latency {
    fn default() -> Self {
        Latency::Lognormal {
            median: Duration::millis(40),
            sigma: 0.5,
        }
    }
}

impl Latency {
    /// The delay ranges the model draws from, each as `(field, min, field,
    /// max)`; validation requires every one to be ordered.
    pub fn ranges(&self) -> Vec<(&'static str, Duration, &'static str, Duration)> {
        match *self {
            Latency::Uniform { min, max } => vec![("min", min, "max", max)],
            Latency::Topology {
                link_delay_min,
                link_delay_max,
                access_delay_min,
                access_delay_max,
                ..
            } => vec![
                (
                    "link_delay_min",
                    link_delay_min,
                    "link_delay_max",
                    link_delay_max,
                ),
                (
                    "access_delay_min",
                    access_delay_min,
                    "access_delay_max",
                    access_delay_max,
                ),
            ],
            Latency::Constant { .. } | Latency::Lognormal { .. } => Vec::new(),
        }
    }
}

/// Lognormal delays are capped here: the distribution's tail is unbounded,
/// and a multi-minute datagram would only model a bug, not a network.
const LOGNORMAL_MAX_US: u64 = 60_000_000;

/// A latency model ready to sample, with every delay in microseconds.
#[derive(Debug)]
pub enum LatencyModel {
    Constant(u64),
    /// Uniform integer microseconds in `[min, max]`.
    Uniform {
        min: u64,
        max: u64,
    },
    /// `median · exp(sigma · Z)` with `Z` standard normal: exactly
    /// `LogNormal(mu = ln median, sigma)`, written this way because it needs
    /// no fallible constructor (a bad sigma cannot panic at run time).
    Lognormal {
        median_s: f64,
        sigma: f64,
    },
    Topology(Topology),
}

impl LatencyModel {
    /// Builds the model for `hosts` hosts; only the topology model uses `rng`.
    pub fn new(cfg: &Latency, hosts: usize, rng: &mut Rng) -> LatencyModel {
        match cfg {
            Latency::Constant { delay } => LatencyModel::Constant(micros(*delay)),
            Latency::Uniform { min, max } => LatencyModel::Uniform {
                min: micros(*min),
                max: micros(*max),
            },
            Latency::Lognormal { median, sigma } => LatencyModel::Lognormal {
                median_s: median.as_secs_f64(),
                sigma: *sigma,
            },
            Latency::Topology {
                routers,
                links_per_router,
                link_delay_min,
                link_delay_max,
                access_delay_min,
                access_delay_max,
            } => LatencyModel::Topology(Topology::generate(
                *routers,
                *links_per_router,
                micros_u32(*link_delay_min)..=micros_u32(*link_delay_max),
                micros_u32(*access_delay_min)..=micros_u32(*access_delay_max),
                hosts,
                rng,
            )),
        }
    }

    /// The router (region) a host hangs off, under the topology model only.
    pub fn region_of(&self, host: u32) -> Option<u32> {
        match self {
            LatencyModel::Topology(t) => Some(t.router_of(host)),
            _ => None,
        }
    }

    /// A delay in microseconds; may be zero (the caller enforces 1 µs).
    pub fn sample_us(&self, from: u32, to: u32, rng: &mut Rng) -> u64 {
        match self {
            LatencyModel::Constant(us) => *us,
            LatencyModel::Uniform { min, max } => uniform_between(rng, *min, *max),
            LatencyModel::Lognormal { median_s, sigma } => {
                let z: f64 = rng.sample(StandardNormal);
                let secs = median_s * (sigma * z).exp();
                // NaN (from a NaN sigma) maps to zero in from_secs_f64.
                SimDuration::from_secs_f64(secs)
                    .as_micros()
                    .min(LOGNORMAL_MAX_US)
            }
            LatencyModel::Topology(t) => t.delay_us(from, to),
        }
    }
}

fn micros(d: Duration) -> u64 {
    d.0.as_micros()
}

/// Topology delays are stored as `u32` µs (71 minutes) to keep per-host and
/// per-router-pair tables small; longer configured delays saturate.
fn micros_u32(d: Duration) -> u32 {
    u32::try_from(micros(d)).unwrap_or(u32::MAX)
}
