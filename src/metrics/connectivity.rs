//! Overlay connectivity: is every online host reachable from every other
//! through the caches?
//!
//! A resolve can only reach a name if the chain of "who knows whom" leads
//! there, so a cloud that has split into several strongly connected
//! components has names that some hosts can never resolve. The simulator
//! samples this every `metrics.connectivity_every` and stores the result in
//! [`Window::connectivity`](super::Window::connectivity).

use super::Connectivity;
use petgraph::Graph;
use petgraph::algo::kosaraju_scc;

/// Strongly connected components of the directed who-knows-whom graph (edge
/// `a -> b` when host `a` caches an entry owned by online host `b`), over
/// online hosts only.
///
/// Edges with an endpoint that is not in `online` are ignored (a cache entry
/// that points at a departed host connects nothing), as are self-loops and
/// duplicate host ids in `online`. With no online host the result is zero
/// components and a largest share of 0 rather than a 0/0 division.
///
/// Uses Kosaraju's algorithm because petgraph's implementation of it is
/// iterative, while its `tarjan_scc` recurses once per node along a path and
/// could overflow the stack on a long chain of hosts in a large overlay.
pub fn connectivity(online: &[u32], edges: impl Iterator<Item = (u32, u32)>) -> Connectivity {
    // A sorted id list gives every online host a node index by binary
    // search, without a hash map and independent of the caller's order.
    let mut ids = online.to_vec();
    ids.sort_unstable();
    ids.dedup();
    if ids.is_empty() {
        return Connectivity::default();
    }
    let mut graph: Graph<(), (), petgraph::Directed, u32> =
        Graph::with_capacity(ids.len(), ids.len());
    let nodes: Vec<_> = ids.iter().map(|_| graph.add_node(())).collect();
    let node_of = |host: u32| ids.binary_search(&host).ok().map(|i| nodes[i]);
    for (a, b) in edges {
        if a == b {
            continue;
        }
        if let (Some(na), Some(nb)) = (node_of(a), node_of(b)) {
            graph.add_edge(na, nb, ());
        }
    }
    let sccs = kosaraju_scc(&graph);
    let largest = sccs.iter().map(Vec::len).max().unwrap_or(0);
    Connectivity {
        components: u32::try_from(sccs.len()).unwrap_or(u32::MAX),
        largest_share: largest as f64 / ids.len() as f64,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn two_disjoint_cycles_are_two_components_of_half_each() {
        let online = [1, 2, 3, 10, 20, 30];
        let edges = [(1, 2), (2, 3), (3, 1), (10, 20), (20, 30), (30, 10)];
        let c = connectivity(&online, edges.into_iter());
        assert_eq!(c.components, 2);
        assert_eq!(c.largest_share, 0.5);
    }

    #[test]
    fn a_chain_is_one_component_per_host() {
        let c = connectivity(&[7, 8, 9], [(7, 8), (8, 9)].into_iter());
        assert_eq!(c.components, 3);
        assert_eq!(c.largest_share, 1.0 / 3.0);
    }

    #[test]
    fn closing_the_chain_makes_one_component() {
        let c = connectivity(&[7, 8, 9], [(7, 8), (8, 9), (9, 7)].into_iter());
        assert_eq!(c.components, 1);
        assert_eq!(c.largest_share, 1.0);
    }

    #[test]
    fn edges_through_offline_hosts_do_not_connect() {
        // 1 -> 2 -> 1 would be a cycle, but only via the offline host 5;
        // host 5 also must not appear as a component of its own.
        let online = [1, 2, 2];
        let edges = [(1, 5), (5, 2), (2, 1), (1, 1)];
        let c = connectivity(&online, edges.into_iter());
        assert_eq!(c.components, 2);
        assert_eq!(c.largest_share, 0.5);
    }

    #[test]
    fn no_online_host_gives_zero_without_nan() {
        let c = connectivity(&[], [(1, 2)].into_iter());
        assert_eq!(c, Connectivity::default());
    }

    #[test]
    fn a_long_chain_does_not_overflow_the_stack() {
        let n = 200_000u32;
        let online: Vec<u32> = (0..n).collect();
        let c = connectivity(&online, (0..n).map(|i| (i, (i + 1) % n)));
        assert_eq!(c.components, 1);
    }
}
