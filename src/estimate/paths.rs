//! Resolve path lengths and cache depth from log10(registrations).
//!
//! A resolver's first LOOKUP goes to the closest of the E₀ entries it
//! holds, spread over the ring: about N/(2·E₀) IDs from the target (N
//! registrations). Each answer comes from a cache level one span ratio r
//! narrower (model doc §3: one level, hence one hop, per tenfold more
//! registrations), so every hop divides the distance by r, until a host
//! within ℓ IDs of the target (whose leaf set holds it) names it:
//!
//! ```text
//! h(E₀) = 1 + log_r( N / (2·E₀·ℓ) )           (at least 1)
//! ```
//!
//! With r = 10 this is log10(N) minus a constant, the O(log10 N) of §3.

use crate::scenario::Scenario;

#[derive(Clone, Copy, Debug, PartialEq)]
pub struct Paths {
    /// log_r(N).
    log_n: f64,
    log_r: f64,
    leaf: f64,
    capacity: f64,
}

impl Paths {
    pub fn new(s: &Scenario, registrations: f64) -> Paths {
        let log_r = f64::from(s.pnrp.level_span_ratio.max(2)).log10();
        Paths {
            log_n: registrations.max(1.0).log10() / log_r,
            log_r,
            leaf: f64::from(s.pnrp.leaf_set_per_side.max(1)),
            capacity: f64::from(s.pnrp.cache_level_capacity.max(1)),
        }
    }

    fn hops_to_neighbourhood(&self, start_entries: f64) -> f64 {
        let log_start = (2.0 * start_entries * self.leaf).log10() / self.log_r;
        (1.0 + self.log_n - log_start).max(1.0)
    }

    /// An application resolve from a settled host, whose top level holds
    /// `cache_level_capacity` entries; it ends at the hop that names the
    /// target.
    pub fn app_resolve(&self) -> f64 {
        self.hops_to_neighbourhood(self.capacity)
    }

    /// A registration (ID + 1) resolve ends one hop later: the host that
    /// names X's successor, then the successor answering with itself.
    /// `start_entries` is the cache it starts from: a settled host's top
    /// level, or a single entry for a host that has just joined, since its
    /// names are published as soon as the first synchronisation FLOOD
    /// arrives.
    pub fn registration(&self, start_entries: f64) -> f64 {
        self.hops_to_neighbourhood(start_entries) + 1.0
    }

    /// Balanced levels: level i is balanced while its band is expected to
    /// hold more than C IDs, N/r^i > C, that is for i < log_r(N/C)
    /// (fractional; none below one level's worth of registrations).
    pub fn balanced_levels(&self) -> f64 {
        let log_c = self.capacity.log10() / self.log_r;
        (self.log_n - log_c).max(0.0)
    }

    /// Cache levels: the cache of §3 opens one level per span ratio of
    /// registrations. Cache balancing fills the deepest level while its
    /// band is expected to hold more than C IDs (N / r^k > C), so levels
    /// open down to about log_r(N/C); the deepest opens, on average, half
    /// a level later than that bound — an approximation fitted to static
    /// clouds (2.3 levels at 10^3 registrations, 3.3 at 10^4, see
    /// docs/validation.md). At least one level.
    pub fn cache_levels(&self) -> f64 {
        let log_c = self.capacity.log10() / self.log_r;
        (self.log_n - log_c + 0.5).max(1.0)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn one_more_hop_and_level_per_tenfold_registrations() {
        let s = Scenario::default();
        let at = |n: f64| Paths::new(&s, n);
        assert!((at(1000.0).app_resolve() - (1.0 + (5.0f64).log10())).abs() < 1e-12);
        for n in [1e3, 1e4, 1e5] {
            assert!((at(10.0 * n).app_resolve() - at(n).app_resolve() - 1.0).abs() < 1e-12);
            assert!((at(10.0 * n).cache_levels() - at(n).cache_levels() - 1.0).abs() < 1e-12);
        }
        // A fresh host starts from one entry instead of 20: log10(20) more hops.
        let p = at(1e4);
        let extra = p.registration(1.0) - p.registration(20.0);
        assert!((extra - 20f64.log10()).abs() < 1e-12);
        assert_eq!(at(3.0).app_resolve(), 1.0);
    }
}
