//! Temporary impairments a scenario's timeline puts on the network: a
//! partition that drops every datagram between its two sides, and a loss
//! burst added to the scenario's `loss`.
//!
//! A partition's sides are drawn once, when it starts. Under the topology
//! latency model they follow its regions: whole routers, with every host
//! attached to them, go to the cut-off side (an office losing its uplink);
//! otherwise the cut-off side is a random set of hosts.

use super::Network;
use crate::engine::Rng;
use rand::seq::SliceRandom;
use rand::seq::index::sample;

#[derive(Debug, Default)]
pub(super) struct Impairment {
    /// Side of each host while a partition lasts (`true`: cut off).
    cut_off: Option<Vec<bool>>,
    /// Extra loss probability while a loss burst lasts.
    extra_loss: f64,
}

impl Network {
    /// Loss probability now: the scenario's `loss`, combined with a burst's
    /// as independent losses. Without a burst it is `loss` itself, not a
    /// recomputed equal, so that runs without one draw exactly as before.
    pub(super) fn loss_now(&self) -> f64 {
        let extra = self.impairment.extra_loss;
        if extra > 0.0 {
            1.0 - (1.0 - self.loss) * (1.0 - extra)
        } else {
            self.loss
        }
    }

    /// Starts a loss burst of probability `p` (0 ends it).
    pub fn set_extra_loss(&mut self, p: f64) {
        self.impairment.extra_loss = p;
    }

    /// Cuts off `share` of all hosts from the rest (see the module docs for
    /// how the side is chosen); returns how many hosts are cut off.
    pub fn partition(&mut self, share: f64, rng: &mut Rng) -> usize {
        let hosts = self.teredo.len();
        let target = (share * hosts as f64).round() as usize;
        let mut side = vec![false; hosts];
        let regions: Option<Vec<u32>> = (0..hosts as u32)
            .map(|h| self.latency.region_of(h))
            .collect();
        match regions {
            Some(regions) => {
                let routers = regions.iter().max().map_or(0, |&r| r as usize + 1);
                let mut members: Vec<Vec<usize>> = vec![Vec::new(); routers];
                for (h, &r) in regions.iter().enumerate() {
                    members[r as usize].push(h);
                }
                let mut order: Vec<usize> = (0..routers).collect();
                order.shuffle(rng);
                let mut taken = 0;
                for r in order {
                    if taken >= target {
                        break;
                    }
                    for &h in &members[r] {
                        side[h] = true;
                    }
                    taken += members[r].len();
                }
            }
            None => {
                for h in sample(rng, hosts, target.min(hosts)) {
                    side[h] = true;
                }
            }
        }
        let cut = side.iter().filter(|&&s| s).count();
        self.impairment.cut_off = Some(side);
        cut
    }

    /// Ends the partition.
    pub fn heal(&mut self) {
        self.impairment.cut_off = None;
    }

    /// Whether a datagram between these hosts is dropped by a partition.
    pub fn is_cut(&self, from: u32, to: u32) -> bool {
        self.impairment
            .cut_off
            .as_ref()
            .is_some_and(|side| side[from as usize] != side[to as usize])
    }
}

#[cfg(test)]
mod tests {
    use crate::engine::StreamSeed;
    use crate::engine::units::Duration;
    use crate::network::{Latency, Network, NetworkConfig};

    fn network(latency: Latency, hosts: usize) -> Network {
        let cfg = NetworkConfig { loss: 0.1, latency };
        Network::new(
            &cfg,
            vec![false; hosts],
            &mut StreamSeed::single(3).stream("n"),
        )
    }

    #[test]
    fn a_partition_drops_only_datagrams_across_it_until_healed() {
        let mut net = network(Latency::default(), 100);
        let mut rng = StreamSeed::single(4).stream("p");
        assert_eq!(net.partition(0.3, &mut rng), 30);
        let side: Vec<bool> = (0..100)
            .map(|h| net.is_cut(h, 0) != net.is_cut(0, 0))
            .collect();
        for a in 0..100u32 {
            for b in 0..100u32 {
                assert_eq!(net.is_cut(a, b), side[a as usize] != side[b as usize]);
            }
        }
        net.heal();
        assert!(!(0..100).any(|h| net.is_cut(h, 0)));
    }

    #[test]
    fn under_the_topology_model_sides_are_whole_regions() {
        let ms = Duration::millis;
        let topology = Latency::Topology {
            routers: 20,
            links_per_router: 2,
            link_delay_min: ms(1),
            link_delay_max: ms(5),
            access_delay_min: ms(1),
            access_delay_max: ms(2),
        };
        let mut net = network(topology, 400);
        let cut = net.partition(0.5, &mut StreamSeed::single(5).stream("p"));
        assert!((200..400).contains(&cut), "{cut}");
        // Hosts on one router are never split.
        for a in 0..400u32 {
            for b in 0..400u32 {
                if net.latency.region_of(a) == net.latency.region_of(b) {
                    assert!(!net.is_cut(a, b));
                }
            }
        }
    }

    #[test]
    fn a_loss_burst_combines_with_the_base_loss_and_ends() {
        let mut net = network(Latency::default(), 2);
        assert_eq!(net.loss_now(), 0.1);
        net.set_extra_loss(0.5);
        assert!((net.loss_now() - 0.55).abs() < 1e-12);
        net.set_extra_loss(0.0);
        assert_eq!(net.loss_now(), 0.1);
    }
}
