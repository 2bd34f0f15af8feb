//! How a joining host finds its first peers: "previously known hosts, else
//! multicast, else a seed server" (§3.1.4.2), modelled as a seed server
//! that knows every reachable online host.

use crate::engine::Rng;
use crate::protocol::SEEDS_PER_JOIN;
use crate::protocol::id::HostIx;
use rand::seq::index::sample;

/// The seed server: the online hosts that accept unsolicited packets (a
/// firewalled host is of no use as a seed), each with its position in the
/// list so that a departure is O(1).
#[derive(Clone, Debug)]
pub struct SeedServer {
    reachable: Vec<HostIx>,
    /// Index of each host in `reachable`, `u32::MAX` if absent.
    position: Vec<u32>,
    /// Outages in progress (a timeline's `seed_server` events); while
    /// any lasts, the server hands out no seeds.
    outages: u32,
}

impl SeedServer {
    /// A server for hosts `0..hosts`, none of them online yet.
    pub fn new(hosts: usize) -> SeedServer {
        SeedServer {
            reachable: Vec::new(),
            position: vec![u32::MAX; hosts],
            outages: 0,
        }
    }

    /// Reachable `host` came online and may be handed out.
    pub fn add(&mut self, host: HostIx) {
        self.position[host.0 as usize] = self.reachable.len() as u32;
        self.reachable.push(host);
    }

    /// `host` went offline; nothing if it was never handed out.
    pub fn remove(&mut self, host: HostIx) {
        let pos = self.position[host.0 as usize];
        if pos != u32::MAX {
            self.reachable.swap_remove(pos as usize);
            if let Some(&moved) = self.reachable.get(pos as usize) {
                self.position[moved.0 as usize] = pos;
            }
            self.position[host.0 as usize] = u32::MAX;
        }
    }

    /// An outage starts (`true`) or ends (`false`).
    pub fn set_down(&mut self, down: bool) {
        if down {
            self.outages += 1;
        } else {
            self.outages = self.outages.saturating_sub(1);
        }
    }

    /// Up to [`SEEDS_PER_JOIN`] random reachable online hosts other than
    /// `host`, in ascending order; none while the server is down (nothing
    /// is drawn then).
    pub fn seeds_for(&self, host: HostIx, rng: &mut Rng) -> Vec<HostIx> {
        if self.outages > 0 {
            return Vec::new();
        }
        let pool = self.reachable.len();
        let k = SEEDS_PER_JOIN.min(pool);
        let mut seeds: Vec<HostIx> = sample(rng, pool, k)
            .into_iter()
            .map(|i| self.reachable[i])
            .filter(|&h| h != host)
            .collect();
        seeds.sort_unstable();
        seeds
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use rand::SeedableRng;

    #[test]
    fn hands_out_only_online_hosts_and_never_the_joiner() {
        let mut server = SeedServer::new(20);
        let mut rng = Rng::seed_from_u64(5);
        assert!(server.seeds_for(HostIx(0), &mut rng).is_empty());
        for h in 0..20 {
            server.add(HostIx(h));
        }
        server.remove(HostIx(3));
        server.remove(HostIx(3));
        server.remove(HostIx(19));
        for _ in 0..50 {
            let seeds = server.seeds_for(HostIx(7), &mut rng);
            assert!(seeds.len() >= SEEDS_PER_JOIN - 1 && seeds.len() <= SEEDS_PER_JOIN);
            assert!(seeds.is_sorted());
            assert!(!seeds.iter().any(|h| [3, 7, 19].contains(&h.0)));
        }
        server.set_down(true);
        server.set_down(true);
        server.set_down(false);
        assert!(
            server.seeds_for(HostIx(7), &mut rng).is_empty(),
            "one outage still lasts"
        );
        server.set_down(false);
        assert!(!server.seeds_for(HostIx(7), &mut rng).is_empty());
    }
}
