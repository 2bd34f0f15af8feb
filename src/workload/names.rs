//! Which peer names each host registers, and which names applications
//! resolve.
//!
//! A peer name's 128-bit P2P ID is a SHA-1 based hash of its authority and
//! classifier (§3.1.4.4.1); hashing spreads names uniformly over the ring,
//! so the simulator draws P2P IDs uniformly at random instead of hashing
//! made-up strings. A shared name (the same peer name on a person's several
//! computers) is one P2P ID registered by several hosts; their PNRP IDs share
//! the high half and differ in the service location.

use super::WorkloadError;
use crate::engine::Rng;
use rand::Rng as _;
use rand::seq::index::sample;
use rand_distr::{Distribution, Zipf};
use serde::{Deserialize, Serialize};

/// The names of every host, and the catalogue of distinct names.
#[derive(Clone, Debug, Default)]
pub struct NamePlan {
    /// Names registered by each host, as indices into `catalogue`.
    pub per_host: Vec<Vec<u32>>,
    /// Every distinct name, in creation order (popularity rank order).
    pub catalogue: Vec<u128>,
}

impl NamePlan {
    /// Gives each of `hosts` hosts `per_host` names. About `shared_share`
    /// of all name slots hold shared names, each registered on
    /// `shared_hosts` distinct hosts.
    pub fn new(
        hosts: usize,
        per_host: usize,
        shared_share: f64,
        shared_hosts: usize,
        rng: &mut Rng,
    ) -> NamePlan {
        let mut plan = NamePlan {
            per_host: vec![Vec::with_capacity(per_host); hosts],
            catalogue: Vec::new(),
        };
        let slots = hosts * per_host;
        let group = shared_hosts.clamp(1, hosts.max(1));
        let shared_names = if group >= 2 {
            ((shared_share * slots as f64) / group as f64).round() as usize
        } else {
            0
        };
        // Hosts with a free slot; a host leaves the list once full.
        let mut free: Vec<usize> = (0..hosts).collect();
        for _ in 0..shared_names {
            if free.len() < group {
                break;
            }
            let name = plan.catalogue.len() as u32;
            plan.catalogue.push(rng.random());
            let mut picked: Vec<usize> = sample(rng, free.len(), group).into_vec();
            picked.sort_unstable_by(|a, b| b.cmp(a));
            for i in picked {
                let h = free[i];
                plan.per_host[h].push(name);
                if plan.per_host[h].len() == per_host {
                    free.swap_remove(i);
                }
            }
        }
        for names in &mut plan.per_host {
            while names.len() < per_host {
                names.push(plan.catalogue.len() as u32);
                plan.catalogue.push(rng.random());
            }
        }
        plan
    }
}

/// Which names applications resolve, as a scenario file gives it.
#[derive(Clone, Copy, Debug, Deserialize, Serialize, PartialEq, Eq)]
#[serde(rename_all = "lowercase")]
pub enum Popularity {
    Uniform,
    Zipf,
}

/// Draws the name an application resolves, by [`Popularity`].
#[derive(Clone, Debug)]
pub enum NamePicker {
    Uniform,
    /// Rank r (1-based, in catalogue order) has weight r^−s.
    Zipf(Zipf<f64>),
}

impl NamePicker {
    pub fn new(kind: Popularity, exponent: f64, names: usize) -> Result<Self, WorkloadError> {
        Ok(match kind {
            Popularity::Uniform => NamePicker::Uniform,
            Popularity::Zipf => NamePicker::Zipf(
                Zipf::new(names.max(1) as f64, exponent)
                    .map_err(|e| WorkloadError::Popularity(e.to_string()))?,
            ),
        })
    }

    /// Index into the catalogue of `names` names.
    pub fn pick(&self, names: usize, rng: &mut Rng) -> usize {
        match self {
            NamePicker::Uniform => rng.random_range(0..names),
            NamePicker::Zipf(z) => (z.sample(rng) as usize).clamp(1, names) - 1,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use rand::SeedableRng;

    #[test]
    fn every_host_gets_its_names_and_shared_names_span_hosts() {
        let mut rng = Rng::seed_from_u64(1);
        let plan = NamePlan::new(100, 4, 0.5, 2, &mut rng);
        assert!(plan.per_host.iter().all(|n| n.len() == 4));
        // 400 slots, half shared in pairs: 100 shared names + 200 unique.
        assert_eq!(plan.catalogue.len(), 300);
        let shared =
            (0..100u32).all(|name| plan.per_host.iter().filter(|n| n.contains(&name)).count() == 2);
        assert!(shared);
    }

    #[test]
    fn zipf_prefers_low_ranks() {
        let mut rng = Rng::seed_from_u64(2);
        let p = NamePicker::new(Popularity::Zipf, 1.0, 1000).unwrap();
        let firsts = (0..10_000).filter(|_| p.pick(1000, &mut rng) == 0).count();
        // Rank 1 has weight 1 / H_1000 ≈ 13%.
        assert!((1000..1700).contains(&firsts), "{firsts}");
    }
}
