//! How many cache-balancing resolves (§3.2.6.2, note <6>) a joining host
//! runs before no band of its cache has a gap wider than the balancing
//! fraction φ of the band's span.
//!
//! - **Which levels.** A level is balanced while its band is expected to
//!   hold more than C IDs (`pnrp::Cache::balancing_target` skips the
//!   deepest otherwise): level i while N/r^i > C, that is i < log_r(N/C),
//!   the last of them for the fraction of hosts whose estimate N puts it
//!   there. Level 0 is the whole ring, one band; below it each of the m
//!   local IDs has its own band (at most r^i of them fit, the rest merge).
//! - **What the host holds.** Synchronisation brings E = peers·n entries
//!   spread over the ring (each peer's ADVERTISE spreads its IDs, §3.2.5.3):
//!   a band of level i gets E/r^i of them, at most C. Its local ID sits in
//!   the band (level 0, a ring of k + 1 points, k + 1 gaps) and, below
//!   level 0, the band's two edges bound it (k + 3 points, k + 2 gaps).
//!   The entries its registration resolves and flood cascades bring lie in
//!   the leaf sets, the deepest level, and are not counted.
//! - **How many resolves.** The g gaps of g points spread at random on a
//!   ring or a segment each exceed a share x of it with probability
//!   (1 − x)^(g − 1) (the spacing law of uniform points). A balancing
//!   resolve aims at the widest gap's midpoint and caches the h entries its
//!   answered hops point to, which lie in the hole: it cuts the gap into
//!   q = h + 1 pieces. A gap wider than φ·q^j needs q^j more resolves, so
//!   the expected count over the band is
//!   g · Σ_j q^j · (1 − φ·q^j)^(g − 1), summed while φ·q^j < 1.
//!
//! Departures open no holes in these levels: an entry is removed only after
//! a FLOOD to it times out (§3.2.6.3, leaf-set members only) or an answer
//! carries the N flag (§3.1.5.4, §3.1.5.6.1), not after an unanswered
//! LOOKUP, so a dead entry keeps its place in its band.

/// The cache a joining host balances: its shape and what fills it first.
pub struct Joiner {
    /// log_r(N/C): the number of balanced levels, fractional.
    pub balanced_levels: f64,
    /// m, the host's local IDs (none: no band to balance).
    pub local_ids: f64,
    /// E, the entries synchronisation brings.
    pub learnt: f64,
    /// C, r, φ.
    pub capacity: f64,
    pub span_ratio: f64,
    pub gap_fraction: f64,
    /// h, the entries one balancing resolve caches in the hole.
    pub per_resolve: f64,
}

impl Joiner {
    /// The balancing resolves the host runs after it joins.
    pub fn resolves(&self) -> f64 {
        if self.local_ids <= 0.0 {
            return 0.0;
        }
        let pieces = self.per_resolve.max(1.0) + 1.0;
        let mut total = 0.0;
        let mut level = 0;
        while f64::from(level) < self.balanced_levels {
            let weight = (self.balanced_levels - f64::from(level)).min(1.0);
            let span = self.span_ratio.powi(level);
            let (bands, gaps) = if level == 0 {
                (1.0, self.learnt.min(self.capacity) + 1.0)
            } else {
                let k = (self.learnt / span).min(self.capacity);
                (self.local_ids.min(span), k + 2.0)
            };
            total += weight * bands * cuts(gaps, self.gap_fraction, pieces);
            level += 1;
        }
        total
    }
}

/// Expected resolves, each cutting one gap into `pieces`, until none of the
/// `gaps` random spacings of a unit span is wider than `fraction`.
fn cuts(gaps: f64, fraction: f64, pieces: f64) -> f64 {
    let (mut width, mut each, mut sum) = (fraction, 1.0, 0.0);
    while width > 0.0 && width < 1.0 {
        sum += each * (1.0 - width).powf(gaps - 1.0);
        width *= pieces;
        each *= pieces;
    }
    gaps * sum
}

#[cfg(test)]
mod tests {
    use super::*;

    fn joiner(balanced_levels: f64, gap_fraction: f64) -> Joiner {
        Joiner {
            balanced_levels,
            local_ids: 2.0,
            learnt: 50.0,
            capacity: 20.0,
            span_ratio: 10.0,
            gap_fraction,
            per_resolve: 1.0,
        }
    }

    #[test]
    fn a_full_ring_level_has_c_times_one_minus_phi_to_the_c_holes() {
        // One balanced level, the ring filled with C = 20 synchronised
        // entries and the local ID: 21 gaps, each wider than 0.1 with
        // probability 0.9^20; halving makes those wider than 0.2 cost two
        // more resolves (and so on).
        let r = joiner(1.0, 0.1).resolves();
        let expected = 21.0 * (0.9f64.powi(20) + 2.0 * 0.8f64.powi(20) + 4.0 * 0.6f64.powi(20));
        assert!((r - expected).abs() < 1e-3, "{r} {expected}");
    }

    #[test]
    fn sparser_deeper_bands_need_more_resolves_and_a_coarser_threshold_fewer() {
        let one = joiner(1.0, 0.1).resolves();
        let two = joiner(2.0, 0.1).resolves();
        // Level 1: two bands of 5 entries each, holes everywhere.
        assert!(two - one > 2.0 * 5.0, "{one} {two}");
        assert!(joiner(2.0, 0.3).resolves() < 0.2 * two);
        // Nothing to balance without a local ID, or with φ = 1.
        assert_eq!(joiner(2.0, 1.0).resolves(), 0.0);
        let mut none = joiner(2.0, 0.1);
        none.local_ids = 0.0;
        assert_eq!(none.resolves(), 0.0);
    }
}
