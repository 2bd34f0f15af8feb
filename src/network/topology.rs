//! A generated router graph that hosts attach to.
//!
//! **Why preferential attachment.** The Internet's router- and AS-level
//! graphs are heavy-tailed: a few hubs carry many links, most routers have
//! few. Barabási–Albert growth (each new router links to `m` existing ones
//! chosen with probability proportional to their degree) reproduces that
//! shape with two parameters, and every router added is linked to the
//! graph, so the result is connected by construction — no repair step, no
//! unreachable host pairs. A uniform random graph would instead give every
//! path about the same hop count and no hubs, which understates the spread
//! of delays a PNRP lookup sees across its hops.
//!
//! **Why precomputed all-pairs paths.** A run sends millions of datagrams
//! but has at most a few thousand routers, and link delays are fixed for the
//! run. Running Dijkstra once from every router in [`Topology::generate`]
//! turns each datagram's delay into two table reads and one matrix read,
//! instead of a graph search per datagram. The matrix is `routers²` `u32`
//! microseconds (36 MB for 3 000 routers); `u32` holds up to 71 minutes,
//! far beyond any sane path, and longer sums saturate rather than wrap.
//!
//! **Why hosts are not graph nodes.** There can be 10⁶ hosts, so each one is
//! only an [`Attachment`]: the router it hangs off and its access-link delay,
//! 8 bytes in all, both drawn once when the model is built.

use super::uniform_between;
use crate::engine::Rng;
use petgraph::algo::dijkstra;
use petgraph::graph::{NodeIndex, UnGraph};
use rand::Rng as _;
use std::ops::RangeInclusive;

/// Where a host joins the router graph.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
struct Attachment {
    router: u32,
    access_us: u32,
}

/// The router graph reduced to what delays need: shortest router-to-router
/// delays and each host's attachment.
#[derive(Debug)]
pub struct Topology {
    routers: usize,
    /// `path[a * routers + b]`: shortest delay from router `a` to router `b`, µs.
    path: Vec<u32>,
    hosts: Vec<Attachment>,
}

impl Topology {
    /// Grows a router graph of `routers` routers (Barabási–Albert with
    /// `links_per_router` links per new router, each link's delay uniform in
    /// `link_us`), computes all shortest paths, then attaches `hosts` hosts
    /// to uniformly random routers with access delays uniform in `access_us`.
    ///
    /// The configuration is validated elsewhere; out-of-range values are
    /// clamped here (at least one router, `1 ≤ links_per_router < routers`)
    /// rather than panicking.
    pub fn generate(
        routers: u32,
        links_per_router: u32,
        link_us: RangeInclusive<u32>,
        access_us: RangeInclusive<u32>,
        hosts: usize,
        rng: &mut Rng,
    ) -> Topology {
        let graph = preferential_attachment(routers, links_per_router, link_us, rng);
        let path = all_pairs_delays(&graph);
        let routers = graph.node_count();
        let last_router = u32::try_from(routers - 1).unwrap_or(u32::MAX);
        let hosts = (0..hosts)
            .map(|_| Attachment {
                router: rng.random_range(0..=last_router),
                access_us: uniform_between(rng, *access_us.start(), *access_us.end()),
            })
            .collect();
        Topology {
            routers,
            path,
            hosts,
        }
    }

    /// The router `host` hangs off.
    pub fn router_of(&self, host: u32) -> u32 {
        self.hosts[host as usize].router
    }

    /// One-way delay between two hosts: access link, shortest router path,
    /// access link. Hosts on the same router pay only the two access links
    /// (the path from a router to itself is zero).
    pub fn delay_us(&self, from: u32, to: u32) -> u64 {
        let a = self.hosts[from as usize];
        let b = self.hosts[to as usize];
        let path = self.path[a.router as usize * self.routers + b.router as usize];
        u64::from(a.access_us) + u64::from(path) + u64::from(b.access_us)
    }
}

/// Barabási–Albert growth: a clique of `m + 1` routers (router `i < m + 1`
/// links to every router before it), then each further router links to `m`
/// distinct existing routers drawn with probability proportional to their
/// degree. Router `i` is node index `i`.
///
/// Degree-proportional choice uses the endpoint list: every link appends
/// both of its ends, so a router appears once per link it has and a uniform
/// pick from the list is a degree-weighted pick. Duplicates are redrawn; the
/// chosen targets live in a `Vec`, so the draw sequence (and thus the graph)
/// depends only on the rng.
fn preferential_attachment(
    routers: u32,
    links_per_router: u32,
    link_us: RangeInclusive<u32>,
    rng: &mut Rng,
) -> UnGraph<(), u32> {
    let n = routers.max(1) as usize;
    let m = (links_per_router as usize).clamp(1, (n - 1).max(1));
    let clique = (m + 1).min(n);
    let mut graph = UnGraph::with_capacity(n, m * n);
    for _ in 0..n {
        graph.add_node(());
    }
    let mut ends: Vec<usize> = Vec::with_capacity(2 * m * n);
    let mut targets = Vec::with_capacity(m);
    for new in 1..n {
        targets.clear();
        if new < clique {
            targets.extend(0..new);
        } else {
            // Terminates: at least m + 1 routers exist and each has a link.
            while targets.len() < m {
                let t = ends[rng.random_range(0..ends.len())];
                if !targets.contains(&t) {
                    targets.push(t);
                }
            }
        }
        for &t in &targets {
            let delay = uniform_between(rng, *link_us.start(), *link_us.end());
            graph.add_edge(NodeIndex::new(new), NodeIndex::new(t), delay);
            ends.extend([new, t]);
        }
    }
    graph
}

/// Shortest delays between all router pairs, row-major, by one Dijkstra
/// from every router. Costs are summed in `u64` and saturated to `u32`.
/// Dijkstra's result is a `HashMap`, but each entry is written to its own
/// slot, so its iteration order cannot leak into the result. Pairs left
/// unreached (impossible for a connected graph) would read `u32::MAX`.
fn all_pairs_delays(graph: &UnGraph<(), u32>) -> Vec<u32> {
    let n = graph.node_count();
    let mut path = vec![u32::MAX; n * n];
    for (source, row) in graph.node_indices().zip(path.chunks_exact_mut(n)) {
        for (node, cost) in dijkstra(graph, source, None, |e| u64::from(*e.weight())) {
            row[node.index()] = u32::try_from(cost).unwrap_or(u32::MAX);
        }
    }
    path
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::engine::StreamSeed;
    use petgraph::algo::connected_components;

    fn rng() -> Rng {
        StreamSeed::single(11).stream("topology-test")
    }

    #[test]
    fn graph_is_connected_simple_and_has_ba_link_count() {
        let (n, m) = (300, 3);
        let g = preferential_attachment(n, m, 1_000..=5_000, &mut rng());
        assert_eq!(g.node_count(), n as usize);
        assert_eq!(connected_components(&g), 1);
        let (n, m) = (n as usize, m as usize);
        assert_eq!(g.edge_count(), m * (m + 1) / 2 + (n - m - 1) * m);
        for e in g.edge_indices() {
            let (a, b) = g.edge_endpoints(e).unwrap();
            assert_ne!(a, b, "self-loop");
            assert_eq!(g.edges_connecting(a, b).count(), 1, "parallel link");
            assert!((1_000..=5_000).contains(&g[e]));
        }
    }

    #[test]
    fn attachment_is_preferential() {
        // With m = 2 and 2000 routers, BA's largest degree grows like
        // m·√n (≈ 90); uniform attachment would give about m·ln n (≈ 15).
        let g = preferential_attachment(2_000, 2, 1..=1, &mut rng());
        let max_degree = g.node_indices().map(|v| g.edges(v).count()).max();
        assert!(max_degree.unwrap() > 40, "max degree {max_degree:?}");
    }

    #[test]
    fn router_paths_are_symmetric_metric() {
        let g = preferential_attachment(60, 2, 100..=10_000, &mut rng());
        let p = all_pairs_delays(&g);
        let n = g.node_count();
        for i in 0..n {
            assert_eq!(p[i * n + i], 0);
            for j in 0..n {
                assert_ne!(p[i * n + j], u32::MAX, "unreached pair");
                assert_eq!(p[i * n + j], p[j * n + i]);
                for k in 0..n {
                    assert!(p[i * n + k] <= p[i * n + j] + p[j * n + k]);
                }
            }
        }
        // A direct link is never shorter than the shortest path it is part of.
        for e in g.edge_indices() {
            let (a, b) = g.edge_endpoints(e).unwrap();
            assert!(p[a.index() * n + b.index()] <= g[e]);
        }
    }

    #[test]
    fn host_delay_is_access_plus_path_plus_access() {
        let t = Topology::generate(20, 2, 500..=2_000, 100..=900, 400, &mut rng());
        let mut same_router_pairs = 0;
        for a in 0..t.hosts.len() as u32 {
            for b in 0..t.hosts.len() as u32 {
                let (ha, hb) = (t.hosts[a as usize], t.hosts[b as usize]);
                assert!((100..=900).contains(&ha.access_us));
                let access = u64::from(ha.access_us) + u64::from(hb.access_us);
                let d = t.delay_us(a, b);
                assert_eq!(d, t.delay_us(b, a));
                assert!(d >= access);
                if ha.router == hb.router {
                    same_router_pairs += 1;
                    assert_eq!(d, access);
                } else {
                    // Distinct routers are at least one link (≥ 500 µs) apart.
                    assert!(d >= access + 500);
                }
            }
        }
        assert!(
            same_router_pairs > 400,
            "400 hosts on 20 routers must share"
        );
    }

    #[test]
    fn degenerate_parameters_do_not_panic() {
        let t = Topology::generate(1, 0, 0..=0, 7..=7, 3, &mut rng());
        assert_eq!(t.delay_us(0, 2), 14);
        let t = Topology::generate(2, 5, 9..=9, 0..=0, 2, &mut rng());
        assert!([0, 9].contains(&t.delay_us(0, 1)));
    }
}
