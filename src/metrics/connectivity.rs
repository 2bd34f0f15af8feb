//! Overlay connectivity: is every online host reachable from every other
//! through the caches?
//!
//! A resolve can only reach a name if the chain of "who knows whom" leads
//! there, so a cloud that has split into several strongly connected
//! components has names that some hosts can never resolve. The simulator
//! samples this every `metrics.connectivity_every` and stores the result in
//! [`Window::connectivity`](super::Window::connectivity).

use super::Connectivity;

/// Strongly connected components of the directed who-knows-whom graph (edge
/// `a -> b` when host `a` caches an entry owned by online host `b`), over
/// online hosts only. `out_edges(a)` lists the heads of `a`'s edges.
///
/// Edges with an endpoint that is not in `online` are ignored (a cache entry
/// that points at a departed host connects nothing), as are self-loops and
/// duplicate host ids in `online`. With no online host the result is zero
/// components and a largest share of 0 rather than a 0/0 division.
///
/// The graph has as many edges as the cloud has cache entries (about 50 per
/// host, 5·10^7 for a million hosts), so it is never materialised: the
/// search walks each host's edges straight from `out_edges` (the caches
/// themselves), and holds only a few words per online host. An edge list
/// of 8 bytes per edge was the largest allocation of a run at its peak.
/// The components are found by an iterative Tarjan search (no recursion,
/// so a long chain of hosts cannot overflow the stack).
///
/// Host ids are host indices, dense from 0, so an edge's head finds its
/// node through a table of one word per id up to the largest online id
/// (4 MB for a million hosts). A binary search of the sorted ids per edge
/// cost a third of a 2·10^5-host run's CPU time (docs/performance.md).
pub fn connectivity<I>(online: &[u32], out_edges: impl Fn(u32) -> I) -> Connectivity
where
    I: Iterator<Item = u32>,
{
    // Node indices follow the sorted ids, independent of the caller's order.
    let mut ids = online.to_vec();
    ids.sort_unstable();
    ids.dedup();
    let Some(&max) = ids.last() else {
        return Connectivity::default();
    };
    const ABSENT: u32 = u32::MAX;
    let mut node = vec![ABSENT; max as usize + 1];
    for (i, &host) in ids.iter().enumerate() {
        node[host as usize] = i as u32;
    }
    let node_of = |host: u32| match node.get(host as usize) {
        Some(&v) if v != ABSENT => Some(v),
        _ => None,
    };
    let edges_of = |v: u32| {
        let host = ids[v as usize];
        out_edges(host)
            .filter(move |&b| b != host)
            .filter_map(node_of)
    };
    let (components, largest) = strong_components(ids.len(), edges_of);
    Connectivity {
        components: u32::try_from(components).unwrap_or(u32::MAX),
        largest_share: largest as f64 / ids.len() as f64,
    }
}

/// Number of strongly connected components of the graph on nodes `0..n`
/// whose out-edges `edges_of` lists, and the size of the largest.
fn strong_components<I>(n: usize, edges_of: impl Fn(u32) -> I) -> (usize, usize)
where
    I: Iterator<Item = u32>,
{
    const UNSEEN: u32 = u32::MAX;
    let mut index = vec![UNSEEN; n];
    let mut low = vec![0u32; n];
    let mut on_stack = vec![false; n];
    let mut stack: Vec<u32> = Vec::new();
    // The search path: a node and the edges it has still to follow.
    let mut path: Vec<(u32, I)> = Vec::new();
    let (mut next_index, mut components, mut largest) = (0u32, 0usize, 0usize);
    for root in 0..n as u32 {
        if index[root as usize] != UNSEEN {
            continue;
        }
        path.push((root, edges_of(root)));
        index[root as usize] = next_index;
        low[root as usize] = next_index;
        next_index += 1;
        stack.push(root);
        on_stack[root as usize] = true;
        while let Some((v, edges)) = path.last_mut() {
            let vi = *v as usize;
            if let Some(w) = edges.next() {
                let wi = w as usize;
                if index[wi] == UNSEEN {
                    index[wi] = next_index;
                    low[wi] = next_index;
                    next_index += 1;
                    stack.push(w);
                    on_stack[wi] = true;
                    path.push((w, edges_of(w)));
                } else if on_stack[wi] {
                    low[vi] = low[vi].min(index[wi]);
                }
                continue;
            }
            let v = *v;
            path.pop();
            if let Some(&(parent, _)) = path.last() {
                let pi = parent as usize;
                low[pi] = low[pi].min(low[vi]);
            }
            if low[vi] == index[vi] {
                let mut size = 0;
                while let Some(w) = stack.pop() {
                    on_stack[w as usize] = false;
                    size += 1;
                    if w == v {
                        break;
                    }
                }
                components += 1;
                largest = largest.max(size);
            }
        }
    }
    (components, largest)
}

#[cfg(test)]
mod tests {
    use super::*;

    /// The components of the graph given as an edge list.
    fn of_edges(online: &[u32], edges: &[(u32, u32)]) -> Connectivity {
        connectivity(online, |a| {
            edges.iter().filter(move |e| e.0 == a).map(|e| e.1)
        })
    }

    #[test]
    fn two_disjoint_cycles_are_two_components_of_half_each() {
        let online = [1, 2, 3, 10, 20, 30];
        let edges = [(1, 2), (2, 3), (3, 1), (10, 20), (20, 30), (30, 10)];
        let c = of_edges(&online, &edges);
        assert_eq!(c.components, 2);
        assert_eq!(c.largest_share, 0.5);
    }

    #[test]
    fn a_chain_is_one_component_per_host() {
        let c = of_edges(&[7, 8, 9], &[(7, 8), (8, 9)]);
        assert_eq!(c.components, 3);
        assert_eq!(c.largest_share, 1.0 / 3.0);
    }

    #[test]
    fn closing_the_chain_makes_one_component() {
        let c = of_edges(&[7, 8, 9], &[(7, 8), (8, 9), (9, 7)]);
        assert_eq!(c.components, 1);
        assert_eq!(c.largest_share, 1.0);
    }

    #[test]
    fn edges_through_offline_hosts_do_not_connect() {
        // 1 -> 2 -> 1 would be a cycle, but only via the offline host 5;
        // host 5 also must not appear as a component of its own.
        let online = [1, 2, 2];
        let edges = [(1, 5), (5, 2), (2, 1), (1, 1)];
        let c = of_edges(&online, &edges);
        assert_eq!(c.components, 2);
        assert_eq!(c.largest_share, 0.5);
    }

    #[test]
    fn no_online_host_gives_zero_without_nan() {
        let c = of_edges(&[], &[(1, 2)]);
        assert_eq!(c, Connectivity::default());
    }

    #[test]
    fn a_long_chain_does_not_overflow_the_stack() {
        let n = 200_000u32;
        let online: Vec<u32> = (0..n).collect();
        let c = connectivity(&online, |i| std::iter::once((i + 1) % n));
        assert_eq!(c.components, 1);
    }

    /// The same components as petgraph's Kosaraju on random graphs.
    #[test]
    fn agrees_with_kosaraju_on_random_graphs() {
        use rand::{Rng as _, SeedableRng};
        let mut rng = rand_xoshiro::Xoshiro256PlusPlus::seed_from_u64(3);
        for _ in 0..200 {
            let n = rng.random_range(1..40u32);
            let online: Vec<u32> = (0..n).filter(|_| rng.random_range(0..10) > 0).collect();
            let m = rng.random_range(0..3 * n);
            let edges: Vec<(u32, u32)> = (0..m)
                .map(|_| (rng.random_range(0..n), rng.random_range(0..n)))
                .collect();
            let mut g = petgraph::Graph::<u32, ()>::new();
            let nodes: Vec<_> = online.iter().map(|&h| g.add_node(h)).collect();
            for &(a, b) in &edges {
                let (ia, ib) = (online.binary_search(&a), online.binary_search(&b));
                if let (Ok(ia), Ok(ib)) = (ia, ib) {
                    if a != b {
                        g.add_edge(nodes[ia], nodes[ib], ());
                    }
                }
            }
            let sccs = petgraph::algo::kosaraju_scc(&g);
            let got = of_edges(&online, &edges);
            if online.is_empty() {
                assert_eq!(got, Connectivity::default());
                continue;
            }
            assert_eq!(got.components as usize, sccs.len());
            let largest = sccs.iter().map(Vec::len).max().unwrap();
            assert_eq!(got.largest_share, largest as f64 / online.len() as f64);
        }
    }
}
