//! The network under the overlay: when a datagram arrives, whether it is
//! lost, and how many header bytes it costs. Nothing here knows PNRP.
//!
//! - **Delay** comes from one of the [`Latency`](latency::Latency) models
//!   (`latency.rs`). The topology model (`topology.rs`) attaches hosts to a
//!   router graph grown by preferential attachment, because real router
//!   graphs have hubs and this growth rule yields them in a graph that is
//!   connected by construction; it precomputes all router-to-router
//!   shortest delays once, because a run sends millions of datagrams over
//!   a fixed graph of at most a few thousand routers. Every delay is at
//!   least 1 µs, so a reply is never delivered at the instant its request
//!   was sent.
//! - **Loss** is an independent Bernoulli trial per datagram with the
//!   scenario's `loss`: PNRP's reliability (ACKs, retransmits) is what the
//!   simulator measures, so the network needs only the loss rate, not
//!   bursts or queues.
//! - **Headers.** PNRP runs over UDP on IPv6, so every datagram carries
//!   [`IPV6_UDP_HEADER`] = 40 (IPv6) + 8 (UDP) bytes on top of its PNRP
//!   payload. A Teredo host's IPv6 packets travel inside IPv4 + UDP, adding
//!   [`TEREDO_OVERHEAD`] = 20 + 8 bytes. One datagram is charged one header
//!   size to both the sender's upload and the receiver's download, so the
//!   overhead is added when *either* end is a Teredo host, and only once
//!   when both are (each end's link carries one encapsulation). Charging
//!   the native end of a Teredo exchange too is a deliberate, slightly
//!   conservative simplification: the relay that strips the encapsulation
//!   sits somewhere on the path, not at a known end.
//! - **Fragments.** A message of several datagrams (AUTHORITY fragments,
//!   §3.2.5.10; application data) pays [`Network::header_bytes`] for each
//!   (and, if the caller draws loss per datagram, each can be lost on its
//!   own). How many there are is the message's business
//!   ([`crate::protocol::wire`]).

mod impairment;
mod latency;
pub mod tcp;
mod topology;

use crate::engine::{Rng, SimDuration};
pub use latency::Latency;
use latency::LatencyModel;
use rand::Rng as _;
use rand::distr::uniform::SampleUniform;
use serde::{Deserialize, Serialize};

/// IPv6 (40) + UDP (8) header bytes per datagram.
pub const IPV6_UDP_HEADER: u32 = 48;
/// Extra IPv4 (20) + UDP (8) bytes when either endpoint is a Teredo host.
pub const TEREDO_OVERHEAD: u32 = 28;

/// The `[network]` section of a scenario file.
#[derive(Clone, Debug, Deserialize, Serialize, PartialEq)]
#[serde(deny_unknown_fields, default)]
pub struct NetworkConfig {
    /// Probability that a datagram is lost.
    pub loss: f64,
    pub latency: Latency,
}

impl Default for NetworkConfig {
    fn default() -> Self {
        NetworkConfig {
            loss: 0.0,
            latency: Latency::default(),
        }
    }
}

/// The network model of one run.
#[derive(Debug)]
pub struct Network {
    loss: f64,
    /// One byte per host; the host count is `teredo.len()`.
    teredo: Vec<bool>,
    latency: LatencyModel,
    /// Timeline impairments ([`impairment`]): none unless a scenario's
    /// `[[event]]` sets them.
    impairment: impairment::Impairment,
}

impl Network {
    /// Builds the model for `teredo.len()` hosts from the scenario's
    /// `[network]` section. `teredo[i]` says whether host `i` is reached over
    /// Teredo. The topology model draws its router graph and host
    /// attachments from `rng` here; the other models do not touch it.
    pub fn new(cfg: &NetworkConfig, teredo: Vec<bool>, rng: &mut Rng) -> Network {
        Network {
            loss: cfg.loss,
            latency: LatencyModel::new(&cfg.latency, teredo.len(), rng),
            teredo,
            impairment: impairment::Impairment::default(),
        }
    }

    /// One-way delay of a datagram from host `from` to host `to`, drawn from
    /// the latency model, at least 1 µs.
    pub fn delay(&self, from: u32, to: u32, rng: &mut Rng) -> SimDuration {
        SimDuration::from_micros(self.latency.sample_us(from, to, rng).max(1))
    }

    /// Whether a datagram is lost (Bernoulli with the scenario's `loss`;
    /// a loss of 0 never and of 1 always loses, and a single draw is used
    /// either way so that the stream's position does not depend on `loss`).
    pub fn is_lost(&self, rng: &mut Rng) -> bool {
        rng.random::<f64>() < self.loss_now()
    }

    /// Header bytes added to each datagram between these hosts: 48, plus 28
    /// if either end is a Teredo host.
    pub fn header_bytes(&self, from: u32, to: u32) -> u32 {
        if self.is_teredo(from) || self.is_teredo(to) {
            IPV6_UDP_HEADER + TEREDO_OVERHEAD
        } else {
            IPV6_UDP_HEADER
        }
    }

    pub fn is_teredo(&self, host: u32) -> bool {
        self.teredo[host as usize]
    }
}

/// A uniform draw in the closed interval between `a` and `b`, in whichever
/// order they come, so that `a == b` or swapped bounds never panic.
fn uniform_between<T: SampleUniform + PartialOrd + Copy>(rng: &mut Rng, a: T, b: T) -> T {
    let (lo, hi) = if a <= b { (a, b) } else { (b, a) };
    rng.random_range(lo..=hi)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::engine::StreamSeed;
    use crate::engine::units::Duration;

    fn cfg(latency: Latency) -> NetworkConfig {
        NetworkConfig { loss: 0.0, latency }
    }

    fn us(n: u64) -> Duration {
        Duration(SimDuration::from_micros(n))
    }

    fn rng(name: &str) -> Rng {
        StreamSeed::single(5).stream(name)
    }

    fn topology_cfg() -> NetworkConfig {
        cfg(Latency::Topology {
            routers: 50,
            links_per_router: 2,
            link_delay_min: Duration::millis(1),
            link_delay_max: Duration::millis(20),
            access_delay_min: Duration::millis(2),
            access_delay_max: Duration::millis(10),
        })
    }

    #[test]
    fn constant_delay_is_exact() {
        let c = cfg(Latency::Constant {
            delay: Duration::millis(25),
        });
        let net = Network::new(&c, vec![false; 3], &mut rng("build"));
        let mut r = rng("delay");
        for _ in 0..100 {
            assert_eq!(net.delay(0, 2, &mut r), SimDuration::from_millis(25));
        }
    }

    #[test]
    fn zero_delays_become_one_microsecond() {
        let zero = Duration::secs(0);
        let models = [
            Latency::Constant { delay: zero },
            Latency::Uniform {
                min: zero,
                max: zero,
            },
            Latency::Lognormal {
                median: zero,
                sigma: 0.5,
            },
            Latency::Topology {
                routers: 3,
                links_per_router: 1,
                link_delay_min: zero,
                link_delay_max: zero,
                access_delay_min: zero,
                access_delay_max: zero,
            },
        ];
        for latency in models {
            let net = Network::new(&cfg(latency), vec![false; 4], &mut rng("build"));
            let mut r = rng("delay");
            for _ in 0..20 {
                assert_eq!(net.delay(0, 3, &mut r), SimDuration::from_micros(1));
            }
        }
    }

    #[test]
    fn uniform_delay_covers_bounds_with_midpoint_mean() {
        let c = cfg(Latency::Uniform {
            min: us(10),
            max: us(20),
        });
        let net = Network::new(&c, vec![false; 2], &mut rng("build"));
        let mut r = rng("delay");
        let draws: Vec<u64> = (0..100_000)
            .map(|_| net.delay(0, 1, &mut r).as_micros())
            .collect();
        assert!(draws.iter().all(|d| (10..=20).contains(d)));
        assert!(
            draws.contains(&10) && draws.contains(&20),
            "bounds inclusive"
        );
        let mean = draws.iter().sum::<u64>() as f64 / draws.len() as f64;
        assert!((mean - 15.0).abs() < 0.1, "mean {mean}");
    }

    #[test]
    fn swapped_uniform_bounds_do_not_panic() {
        let c = cfg(Latency::Uniform {
            min: us(20),
            max: us(10),
        });
        let net = Network::new(&c, vec![false; 2], &mut rng("build"));
        let mut r = rng("delay");
        for _ in 0..1_000 {
            assert!((10..=20).contains(&net.delay(0, 1, &mut r).as_micros()));
        }
    }

    #[test]
    fn lognormal_median_and_spread_match_parameters() {
        let c = cfg(Latency::Lognormal {
            median: Duration::millis(40),
            sigma: 0.5,
        });
        let net = Network::new(&c, vec![false; 2], &mut rng("build"));
        let mut r = rng("delay");
        let mut draws: Vec<f64> = (0..20_001)
            .map(|_| net.delay(0, 1, &mut r).as_secs_f64())
            .collect();
        draws.sort_by(f64::total_cmp);
        let quantile = |q: f64| draws[(q * (draws.len() - 1) as f64) as usize];
        let median = quantile(0.5);
        assert!((median - 0.040).abs() < 0.002, "median {median}");
        // The 84th percentile of a lognormal is median · e^sigma.
        let ratio = quantile(0.8413) / median;
        assert!((ratio - 0.5f64.exp()).abs() < 0.05, "ratio {ratio}");
    }

    #[test]
    fn lognormal_tail_is_capped() {
        let c = cfg(Latency::Lognormal {
            median: Duration::secs(30),
            sigma: 3.0,
        });
        let net = Network::new(&c, vec![false; 2], &mut rng("build"));
        let mut r = rng("delay");
        let max = (0..10_000).map(|_| net.delay(0, 1, &mut r)).max().unwrap();
        assert_eq!(max, SimDuration::from_secs(60));
    }

    #[test]
    fn topology_delays_are_symmetric_and_fixed_per_pair() {
        let net = Network::new(&topology_cfg(), vec![false; 200], &mut rng("build"));
        let mut r = rng("delay");
        for a in 0..200 {
            for b in 0..200 {
                let d = net.delay(a, b, &mut r);
                assert_eq!(d, net.delay(b, a, &mut r));
                assert_eq!(d, net.delay(a, b, &mut r));
                // Two access links of at least 2 ms each.
                assert!(d >= SimDuration::from_millis(4));
            }
        }
    }

    #[test]
    fn same_seed_builds_identical_networks() {
        for c in [topology_cfg(), NetworkConfig::default()] {
            let build = |seed| {
                let mut r = StreamSeed::single(seed).stream("network");
                let net = Network::new(&c, vec![false; 100], &mut r);
                (0..100)
                    .flat_map(|a| (0..100).map(move |b| (a, b)))
                    .map(|(a, b)| net.delay(a, b, &mut r))
                    .collect::<Vec<_>>()
            };
            assert_eq!(build(1), build(1));
            assert_ne!(build(1), build(2));
        }
    }

    #[test]
    fn loss_rate_matches_configuration() {
        let mut c = cfg(Latency::default());
        for loss in [0.0, 0.1, 1.0] {
            c.loss = loss;
            let net = Network::new(&c, vec![false; 1], &mut rng("build"));
            let mut r = rng("loss");
            let lost = (0..100_000).filter(|_| net.is_lost(&mut r)).count();
            let rate = lost as f64 / 100_000.0;
            // Five standard deviations of the binomial estimate.
            assert!((rate - loss).abs() <= 0.005, "loss {loss}: rate {rate}");
        }
    }

    #[test]
    fn teredo_adds_overhead_when_either_end_uses_it() {
        let net = Network::new(
            &cfg(Latency::default()),
            vec![false, true, false, true],
            &mut rng("build"),
        );
        assert!(!net.is_teredo(0) && net.is_teredo(1));
        assert_eq!(net.header_bytes(0, 2), 48);
        assert_eq!(net.header_bytes(0, 1), 76);
        assert_eq!(net.header_bytes(1, 0), 76);
        assert_eq!(net.header_bytes(1, 3), 76);
    }
}
