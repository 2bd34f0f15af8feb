//! Mean and Student-t confidence interval over the replications of a point.
//!
//! Replications are few (5 by default), so the normal 1.96 would understate
//! the interval badly (by 29 % at n = 5); the t quantile with n − 1 degrees
//! of freedom is the honest width.

use crate::metrics::stats::t975;

/// Mean of a sample and its 95 % confidence interval.
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct SampleMean {
    pub n: usize,
    pub mean: f64,
    /// `None` for a single observation: one run says nothing about spread.
    pub ci95: Option<(f64, f64)>,
}

impl SampleMean {
    /// `None` for an empty sample.
    pub fn of(values: &[f64]) -> Option<SampleMean> {
        Self::with_quantile(values, t975)
    }

    /// The mean with an interval of two-sided error `alpha` instead of
    /// 5 % (`ci95` then holds that interval): the interval of one look of
    /// a sequential rule that spends its 5 % over several looks.
    pub fn at_error(values: &[f64], alpha: f64) -> Option<SampleMean> {
        if alpha == 0.05 {
            // The tabulated quantiles, as every other 95 % interval.
            return Self::of(values);
        }
        Self::with_quantile(values, |df| t_quantile(1.0 - alpha / 2.0, df))
    }

    fn with_quantile(values: &[f64], quantile: impl Fn(usize) -> f64) -> Option<SampleMean> {
        let n = values.len();
        if n == 0 {
            return None;
        }
        let mean = values.iter().sum::<f64>() / n as f64;
        let ci95 = (n > 1).then(|| {
            let var = values.iter().map(|v| (v - mean).powi(2)).sum::<f64>() / (n - 1) as f64;
            let half = quantile(n - 1) * (var / n as f64).sqrt();
            (mean - half, mean + half)
        });
        Some(SampleMean { n, mean, ci95 })
    }
}

/// The `p` quantile (0.5 ≤ p < 1) of Student's t with `df` degrees of
/// freedom, by bisection on its distribution function (to 1e-10): the
/// sequential rule of `size` needs levels no table holds (t at 0.9975
/// with 3 degrees of freedom is 7.45).
pub fn t_quantile(p: f64, df: usize) -> f64 {
    assert!(
        df >= 1 && (0.5..1.0).contains(&p),
        "t quantile of {p} at {df} df"
    );
    let (mut lo, mut hi) = (0.0, 1.0);
    while t_cdf(hi, df) < p {
        hi *= 2.0;
    }
    while hi - lo > 1e-10 * hi.max(1.0) {
        let mid = (lo + hi) / 2.0;
        if t_cdf(mid, df) < p {
            lo = mid;
        } else {
            hi = mid;
        }
    }
    (lo + hi) / 2.0
}

/// P(T ≤ t) for t ≥ 0: 1 − I_x(df/2, 1/2)/2 with x = df/(df + t²).
fn t_cdf(t: f64, df: usize) -> f64 {
    let v = df as f64;
    1.0 - 0.5 * incomplete_beta(v / 2.0, 0.5, v / (v + t * t))
}

/// The regularized incomplete beta function I_x(a, b), by its continued
/// fraction (modified Lentz), on the side where it converges fast.
fn incomplete_beta(a: f64, b: f64, x: f64) -> f64 {
    if x <= 0.0 {
        return 0.0;
    }
    if x >= 1.0 {
        return 1.0;
    }
    let front =
        (ln_gamma(a + b) - ln_gamma(a) - ln_gamma(b) + a * x.ln() + b * (1.0 - x).ln()).exp();
    if x < (a + 1.0) / (a + b + 2.0) {
        front * beta_fraction(a, b, x) / a
    } else {
        1.0 - front * beta_fraction(b, a, 1.0 - x) / b
    }
}

fn beta_fraction(a: f64, b: f64, x: f64) -> f64 {
    const TINY: f64 = 1e-300;
    let clamp = |v: f64| if v.abs() < TINY { TINY } else { v };
    let mut c = 1.0;
    let mut d = 1.0 / clamp(1.0 - (a + b) * x / (a + 1.0));
    let mut h = d;
    for m in 1..500 {
        let m = f64::from(m);
        let even = m * (b - m) * x / ((a + 2.0 * m - 1.0) * (a + 2.0 * m));
        d = 1.0 / clamp(1.0 + even * d);
        c = clamp(1.0 + even / c);
        h *= d * c;
        let odd = -(a + m) * (a + b + m) * x / ((a + 2.0 * m) * (a + 2.0 * m + 1.0));
        d = 1.0 / clamp(1.0 + odd * d);
        c = clamp(1.0 + odd / c);
        let step = d * c;
        h *= step;
        if (step - 1.0).abs() < 1e-15 {
            break;
        }
    }
    h
}

/// ln Γ(x) for x > 0: Stirling's series once x ≥ 10, reached by the
/// recurrence Γ(x + 1) = x Γ(x) (error below 1e-12); in logarithms,
/// so that the large degrees of freedom of a long search do not overflow.
fn ln_gamma(x: f64) -> f64 {
    let (mut x, mut shift) = (x, 0.0);
    while x < 10.0 {
        shift += x.ln();
        x += 1.0;
    }
    let (x2, x3) = (x * x, x * x * x);
    let series = 1.0 / (12.0 * x) - 1.0 / (360.0 * x3) + 1.0 / (1260.0 * x3 * x2)
        - 1.0 / (1680.0 * x3 * x3 * x);
    (x - 0.5) * x.ln() - x + 0.5 * (2.0 * std::f64::consts::PI).ln() + series - shift
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::engine::StreamSeed;
    use rand_distr::{Distribution, Normal};

    #[test]
    fn single_and_empty_samples() {
        assert_eq!(SampleMean::of(&[]), None);
        let one = SampleMean::of(&[3.5]).unwrap();
        assert_eq!((one.n, one.mean, one.ci95), (1, 3.5, None));
        let two = SampleMean::of(&[1.0, 3.0]).unwrap();
        // s = √2, half-width = 12.706·√2/√2.
        let (lo, hi) = two.ci95.unwrap();
        assert!(
            (lo - (2.0 - 12.706_204_7)).abs() < 1e-9 && (hi - (2.0 + 12.706_204_7)).abs() < 1e-9
        );
    }

    #[test]
    fn t_quantiles_match_the_tables() {
        for df in 1..=40 {
            assert!((t_quantile(0.975, df) - t975(df)).abs() < 1e-5, "df {df}");
        }
        // R: qt(0.9975, 3), qt(0.995, 7), qt(0.99, 39), qt(0.5, 4).
        for (p, df, t) in [
            (0.9975, 3, 7.453_318_5),
            (0.995, 7, 3.499_483_3),
            (0.99, 39, 2.425_841_4),
            (0.5, 4, 0.0),
        ] {
            assert!((t_quantile(p, df) - t).abs() < 1e-5, "{p} {df}");
        }
    }

    /// With normal data, 95 % of intervals from n = 5 must cover the true
    /// mean; using z instead of t would give about 88 %.
    #[test]
    fn intervals_cover_the_true_mean_95_percent_of_the_time() {
        let normal = Normal::new(10.0, 2.0).unwrap();
        let mut rng = StreamSeed::single(11).stream("coverage");
        let trials = 4000;
        let covered = (0..trials)
            .filter(|_| {
                let sample: Vec<f64> = (0..5).map(|_| normal.sample(&mut rng)).collect();
                let (lo, hi) = SampleMean::of(&sample).unwrap().ci95.unwrap();
                lo <= 10.0 && 10.0 <= hi
            })
            .count();
        let share = covered as f64 / trials as f64;
        assert!((0.935..=0.965).contains(&share), "coverage {share}");
    }
}
