//! When a size search looks at a value, and how wide the interval of each
//! look is, so that the interval a value stops with is a 95 % confidence
//! interval whichever look it stops at.
//!
//! A value is looked at after a fixed schedule of run counts: the first
//! stage (`--replications`), then each time the count doubles, and last at
//! `--max-replications`. It stops at the first look whose interval clears
//! the budget. Looking several times gives a lucky stretch of runs several
//! chances to clear the budget: with a 95 % interval at each of the eight
//! looks of 5, 10, …, 40 runs, a value whose true cost *is* the budget is
//! declared within it about 9 % of the time instead of 2.5 %. So the 5 %
//! error is spent across the looks instead (Bonferroni): look k, at n_k
//! runs, uses a two-sided error of 5 % × (n_k − n_{k−1}) / n_max, in
//! proportion to the runs it adds. The chance that any look's interval
//! misses the true mean is at most the sum, 5 %, so the interval at the
//! look where the value stops is a 95 % interval: these are repeated
//! confidence intervals (Jennison & Turnbull, 1989).

use crate::sweep::stats::SampleMean;

/// The two-sided error all the looks at one value spend together.
pub const ERROR: f64 = 0.05;

/// The run counts at which a value is looked at.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Looks(Vec<u32>);

impl Looks {
    /// `first`, then doubling, then `max` (`first` ≤ `max`, both ≥ 2).
    pub fn doubling(first: u32, max: u32) -> Looks {
        let mut at = vec![first.min(max)];
        while let Some(&n) = at.last().filter(|&&n| n < max) {
            at.push((n * 2).min(max));
        }
        Looks(at)
    }

    /// One look at `n` runs: a single estimate, with a plain 95 % interval.
    pub fn once(n: u32) -> Looks {
        Looks(vec![n])
    }

    /// The run count of the next look of a value that has `have` runs,
    /// `None` after the last.
    pub fn next(&self, have: u32) -> Option<u32> {
        self.0.iter().copied().find(|&n| n > have)
    }

    /// The mean of `samples` with the interval of the last look they
    /// reach (the interval spends the error of every look so far).
    pub fn interval(&self, samples: &[f64]) -> Option<SampleMean> {
        let n = samples.len() as u32;
        let max = *self.0.last().expect("at least one look");
        let (mut before, mut spent) = (0, None);
        for &at in self.0.iter().take_while(|&&at| at <= n) {
            spent = Some(ERROR * f64::from(at - before) / f64::from(max));
            before = at;
        }
        // Fewer runs than the first look (a run budget spent midway):
        // judged as a first look, never wider than it would be.
        let error = spent.unwrap_or(ERROR * f64::from(self.0[0]) / f64::from(max));
        SampleMean::at_error(samples, error)
    }

    pub fn counts(&self) -> &[u32] {
        &self.0
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::engine::StreamSeed;
    use rand_distr::{Distribution, Normal};

    #[test]
    fn looks_double_from_the_first_stage_to_the_cap() {
        assert_eq!(Looks::doubling(4, 40).counts(), &[4, 8, 16, 32, 40]);
        assert_eq!(Looks::doubling(5, 20).counts(), &[5, 10, 20]);
        assert_eq!(Looks::doubling(4, 4).counts(), &[4]);
        assert_eq!(Looks::doubling(4, 20).next(8), Some(16));
        assert_eq!(Looks::doubling(4, 20).next(20), None);
    }

    #[test]
    fn a_single_look_is_the_plain_95_percent_interval() {
        let sample = [1.0, 2.0, 4.0, 3.0];
        assert_eq!(Looks::once(4).interval(&sample), SampleMean::of(&sample));
    }

    /// The point of the rule: a value whose true cost is the budget is
    /// declared within or over it by at most 5 % of searches, however
    /// many looks it gets, where a plain 95 % interval at every look
    /// would declare it far more often.
    #[test]
    fn stopping_at_any_look_keeps_the_error_within_5_percent() {
        let (mu, budget) = (100.0, 100.0);
        let normal = Normal::new(mu, 10.0).unwrap();
        let mut rng = StreamSeed::single(3).stream("looks");
        let looks = Looks::doubling(4, 40);
        let trials = 4000;
        let (mut spent, mut naive) = (0, 0);
        for _ in 0..trials {
            let sample: Vec<f64> = (0..40).map(|_| normal.sample(&mut rng)).collect();
            let clears =
                |ci: Option<(f64, f64)>| ci.is_some_and(|(lo, hi)| hi <= budget || lo > budget);
            let at = |n: u32| &sample[..n as usize];
            spent += usize::from(
                looks
                    .counts()
                    .iter()
                    .any(|&n| clears(looks.interval(at(n)).and_then(|m| m.ci95))),
            );
            naive += usize::from(
                (1..=8).any(|k| clears(SampleMean::of(at(5 * k)).and_then(|m| m.ci95))),
            );
        }
        let (spent, naive) = (
            spent as f64 / f64::from(trials),
            naive as f64 / f64::from(trials),
        );
        assert!(spent <= 0.05, "sequential error {spent}");
        assert!(naive > 0.12, "a 95 % interval at every look errs {naive}");
    }
}
