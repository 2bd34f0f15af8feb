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
/// online hosts only.
///
/// Edges with an endpoint that is not in `online` are ignored (a cache entry
/// that points at a departed host connects nothing), as are self-loops and
/// duplicate host ids in `online`. With no online host the result is zero
/// components and a largest share of 0 rather than a 0/0 division.
///
/// The graph has as many edges as the cloud has cache entries (about 50 per
/// host, 5·10^7 for a million hosts), so it is held as a sorted edge list
/// of 8 bytes per edge (sized from the iterator's upper size bound when it
/// gives one), and the components are found by an iterative Tarjan search
/// (no recursion, so a long chain of hosts cannot overflow the stack).
pub fn connectivity(online: &[u32], edges: impl Iterator<Item = (u32, u32)>) -> Connectivity {
    // A sorted id list gives every online host a node index by binary
    // search, without a hash map and independent of the caller's order.
    let mut ids = online.to_vec();
    ids.sort_unstable();
    ids.dedup();
    if ids.is_empty() {
        return Connectivity::default();
    }
    let node_of = |host: u32| ids.binary_search(&host).ok().map(|i| i as u32);
    let (lower, upper) = edges.size_hint();
    let mut adjacency: Vec<(u32, u32)> = Vec::with_capacity(upper.unwrap_or(lower));
    for (a, b) in edges {
        if a == b {
            continue;
        }
        if let (Some(na), Some(nb)) = (node_of(a), node_of(b)) {
            adjacency.push((na, nb));
        }
    }
    if !adjacency.is_sorted() {
        adjacency.sort_unstable();
    }
    let (components, largest) = strong_components(ids.len(), &adjacency);
    Connectivity {
        components: u32::try_from(components).unwrap_or(u32::MAX),
        largest_share: largest as f64 / ids.len() as f64,
    }
}

/// Number of strongly connected components of the graph on `n` nodes with
/// the edges `adjacency` (sorted by source), and the size of the largest.
fn strong_components(n: usize, adjacency: &[(u32, u32)]) -> (usize, usize) {
    const UNSEEN: u32 = u32::MAX;
    // first[v]..first[v + 1]: the edges out of v.
    let mut first = vec![0u32; n + 1];
    for &(a, _) in adjacency {
        first[a as usize + 1] += 1;
    }
    for v in 0..n {
        first[v + 1] += first[v];
    }
    let mut index = vec![UNSEEN; n];
    let mut low = vec![0u32; n];
    let mut on_stack = vec![false; n];
    let mut stack: Vec<u32> = Vec::new();
    // The search path: a node and the position of its next edge to follow.
    let mut path: Vec<(u32, u32)> = Vec::new();
    let (mut next_index, mut components, mut largest) = (0u32, 0usize, 0usize);
    for root in 0..n as u32 {
        if index[root as usize] != UNSEEN {
            continue;
        }
        path.push((root, first[root as usize]));
        index[root as usize] = next_index;
        low[root as usize] = next_index;
        next_index += 1;
        stack.push(root);
        on_stack[root as usize] = true;
        while let Some(&mut (v, ref mut edge)) = path.last_mut() {
            let vi = v as usize;
            if *edge < first[vi + 1] {
                let w = adjacency[*edge as usize].1;
                *edge += 1;
                let wi = w as usize;
                if index[wi] == UNSEEN {
                    index[wi] = next_index;
                    low[wi] = next_index;
                    next_index += 1;
                    stack.push(w);
                    on_stack[wi] = true;
                    path.push((w, first[wi]));
                } else if on_stack[wi] {
                    low[vi] = low[vi].min(index[wi]);
                }
                continue;
            }
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
            let got = connectivity(&online, edges.into_iter());
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
