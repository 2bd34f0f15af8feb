//! When applications resolve a peer name, and which one.
//!
//! Each online host resolves as a Poisson process, and aims at a name that
//! another host publishes at the time: an application looks up a service
//! that exists, so a resolve measures the cost of finding a published name
//! rather than of searching for one that is gone.

use super::names::NamePicker;
use crate::engine::{Rng, SimDuration};
use rand::Rng as _;

/// How many names a resolve draws before it gives up on finding one that
/// somebody else publishes right now (the resolve is then skipped).
const PICK_ATTEMPTS: usize = 8;

/// The application resolves of every host, and which catalogue names are
/// published right now.
#[derive(Clone, Debug)]
pub struct AppResolves {
    per_hour: f64,
    popularity: NamePicker,
    /// Online hosts registering each catalogue name.
    publishers: Vec<u32>,
}

impl AppResolves {
    /// `per_hour` resolves per online host, aimed by `popularity` at a
    /// catalogue of `names` names, none of them published yet.
    pub fn new(per_hour: f64, popularity: NamePicker, names: usize) -> AppResolves {
        AppResolves {
            per_hour,
            popularity,
            publishers: vec![0; names],
        }
    }

    /// Time from now to a host's next resolve (exponential), or `None` if
    /// its applications resolve nothing: no rate, or no name to resolve.
    pub fn next_gap(&self, rng: &mut Rng) -> Option<SimDuration> {
        if self.per_hour <= 0.0 || self.publishers.is_empty() {
            return None;
        }
        let gap = -(1.0 - rng.random::<f64>()).ln() * 3600.0 / self.per_hour;
        Some(SimDuration::from_secs_f64(gap))
    }

    /// The catalogue name a host owning `own` resolves now: one published
    /// by somebody else, or `None` if a few draws all miss.
    pub fn pick(&self, own: &[u32], rng: &mut Rng) -> Option<u32> {
        let names = self.publishers.len();
        (0..PICK_ATTEMPTS)
            .map(|_| self.popularity.pick(names, rng) as u32)
            .find(|&pick| !own.contains(&pick) && self.publishers[pick as usize] > 0)
    }

    /// A host publishing `names` came online.
    pub fn published(&mut self, names: &[u32]) {
        for &n in names {
            self.publishers[n as usize] += 1;
        }
    }

    /// A host publishing `names` went offline.
    pub fn withdrawn(&mut self, names: &[u32]) {
        for &n in names {
            self.publishers[n as usize] -= 1;
        }
    }

    /// A name added to the catalogue, published by the one host that adds
    /// it.
    pub fn add_published_name(&mut self) {
        self.publishers.push(1);
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::workload::names::Popularity;
    use rand::SeedableRng;

    fn uniform(per_hour: f64, names: usize) -> AppResolves {
        let picker = NamePicker::new(Popularity::Uniform, 1.0, names).unwrap();
        AppResolves::new(per_hour, picker, names)
    }

    #[test]
    fn resolves_only_names_somebody_else_publishes() {
        let mut r = uniform(1.0, 4);
        let mut rng = Rng::seed_from_u64(3);
        assert_eq!(r.pick(&[], &mut rng), None, "nothing is published yet");
        r.published(&[1, 2]);
        r.published(&[2]);
        r.withdrawn(&[2]);
        for _ in 0..100 {
            assert_eq!(r.pick(&[2], &mut rng).unwrap_or(1), 1);
        }
    }

    #[test]
    fn gaps_are_exponential_with_the_rate_per_hour() {
        let mut rng = Rng::seed_from_u64(4);
        assert!(uniform(0.0, 4).next_gap(&mut rng).is_none());
        assert!(uniform(2.0, 0).next_gap(&mut rng).is_none());
        let r = uniform(2.0, 4);
        let n = 100_000;
        let mean = (0..n)
            .map(|_| r.next_gap(&mut rng).unwrap().as_secs_f64())
            .sum::<f64>()
            / n as f64;
        assert!((mean / 1800.0 - 1.0).abs() < 0.02, "mean {mean}");
    }
}
