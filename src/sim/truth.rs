//! Ground truth that no host knows: the true leaf sets of the live cloud,
//! and the connectivity of the who-knows-whom graph.

use crate::metrics::{Connectivity, LeafSetAccuracy};
use crate::protocol::cache::{Cache, CacheParams};
use crate::protocol::id::{IdIx, IdTable, U256};

/// What the truth needs to see of a host.
pub struct HostView<'a> {
    pub online: bool,
    /// Accepts unsolicited packets (not behind a blocking firewall).
    pub reachable: bool,
    pub cache: &'a Cache,
}

/// Compares the leaf sets of every online, reachable host with the true
/// nearest IDs.
///
/// The truth is every registration of an online, reachable host other than
/// the observer's own IDs. Firewalled hosts are left out on both sides:
/// their IDs fail the return-routability check by design, so no leaf set
/// can hold them, and the floods that would fill their own leaf sets are
/// dropped by their firewall; they are outside the cloud's leaf-set ring.
pub fn leaf_set_accuracy(hosts: &[HostView], ids: &IdTable, p: &CacheParams) -> LeafSetAccuracy {
    let mut live: Vec<(U256, u32)> = Vec::new();
    for (h, v) in hosts.iter().enumerate() {
        if v.online && v.reachable {
            live.extend(v.cache.locals().iter().map(|&l| (ids.id(l), h as u32)));
        }
    }
    live.sort_unstable();
    let n = live.len();
    let mut acc = LeafSetAccuracy::default();
    for (h, v) in hosts.iter().enumerate() {
        if !(v.online && v.reachable) {
            continue;
        }
        for &local in v.cache.locals() {
            let id = ids.id(local);
            let at = live.partition_point(|&(x, _)| x < id);
            let (below, above) = v.cache.leaf_set(local, ids, p);
            for clockwise in [true, false] {
                let truth: Vec<U256> = (0..n)
                    .map(|k| {
                        if clockwise {
                            live[(at + k) % n]
                        } else {
                            live[(at + n - 1 - k) % n]
                        }
                    })
                    .filter(|&(x, owner)| owner != h as u32 && x != id)
                    .take(p.leaf_per_side)
                    .map(|(x, _)| x)
                    .collect();
                let held: Vec<U256> = if clockwise { &above } else { &below }
                    .iter()
                    .map(|&e: &IdIx| ids.id(e))
                    .collect();
                acc.expected += truth.len() as u64;
                acc.matching += truth.iter().filter(|t| held.contains(t)).count() as u64;
            }
        }
    }
    acc
}

/// Strongly connected components of "host a caches an entry of online host
/// b", counting only entries that `usable(a, b)` says the network carries
/// now (a timeline's partition cuts the entries across it). Entries of
/// offline hosts are dropped by [`connectivity`](crate::metrics::connectivity::connectivity)
/// itself, which keeps only edges between the `online` hosts it is given.
pub fn connectivity(
    hosts: &[HostView],
    ids: &IdTable,
    usable: impl Fn(u32, u32) -> bool,
) -> Connectivity {
    let online: Vec<u32> = (0..hosts.len() as u32)
        .filter(|&h| hosts[h as usize].online)
        .collect();
    let usable = &usable;
    crate::metrics::connectivity::connectivity(&online, |a| {
        hosts[a as usize]
            .cache
            .entries()
            .map(|e| ids.owner(e).0)
            .filter(move |&b| usable(a, b))
    })
}
