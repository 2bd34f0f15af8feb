//! Mean and Student-t confidence interval over the replications of a point.
//!
//! Replications are few (5 by default), so the normal 1.96 would understate
//! the interval badly (by 29 % at n = 5); the t quantile with n − 1 degrees
//! of freedom is the honest width.

/// Two-sided 95 % quantiles t(0.975, df) for df = 1..=30.
const T975: [f64; 30] = [
    12.706_204_7,
    4.302_652_7,
    3.182_446_3,
    2.776_445_1,
    2.570_581_8,
    2.446_911_9,
    2.364_624_3,
    2.306_004_1,
    2.262_157_2,
    2.228_138_9,
    2.200_985_2,
    2.178_812_8,
    2.160_368_7,
    2.144_786_7,
    2.131_449_5,
    2.119_905_3,
    2.109_815_6,
    2.100_922_0,
    2.093_024_1,
    2.085_963_4,
    2.079_613_8,
    2.073_873_1,
    2.068_657_6,
    2.063_898_6,
    2.059_538_6,
    2.055_529_4,
    2.051_830_5,
    2.048_407_1,
    2.045_229_6,
    2.042_272_5,
];

/// z(0.975), the normal quantile the t quantile tends to.
const Z975: f64 = 1.959_963_985;

/// The 0.975 quantile of Student's t with `df` degrees of freedom (df ≥ 1).
///
/// Tabulated up to 30; beyond, the Cornish–Fisher expansion around the
/// normal quantile, whose error there is below 1e-5.
pub fn t975(df: usize) -> f64 {
    assert!(df >= 1, "Student t needs at least one degree of freedom");
    if df <= T975.len() {
        return T975[df - 1];
    }
    let z = Z975;
    let v = df as f64;
    let (z3, z5, z7) = (z.powi(3), z.powi(5), z.powi(7));
    z + (z3 + z) / (4.0 * v)
        + (5.0 * z5 + 16.0 * z3 + 3.0 * z) / (96.0 * v * v)
        + (3.0 * z7 + 19.0 * z5 + 17.0 * z3 - 15.0 * z) / (384.0 * v * v * v)
}

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
        let n = values.len();
        if n == 0 {
            return None;
        }
        let mean = values.iter().sum::<f64>() / n as f64;
        let ci95 = (n > 1).then(|| {
            let var = values.iter().map(|v| (v - mean).powi(2)).sum::<f64>() / (n - 1) as f64;
            let half = t975(n - 1) * (var / n as f64).sqrt();
            (mean - half, mean + half)
        });
        Some(SampleMean { n, mean, ci95 })
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::engine::StreamSeed;
    use rand_distr::{Distribution, Normal};

    #[test]
    fn t_quantiles_match_tables() {
        let r3 = |x: f64| (x * 1000.0).round() / 1000.0;
        assert_eq!(r3(t975(1)), 12.706);
        assert_eq!(r3(t975(4)), 2.776);
        assert_eq!(r3(t975(30)), 2.042);
        // Beyond the table: published values, and the limit.
        assert_eq!(r3(t975(40)), 2.021);
        assert_eq!(r3(t975(60)), 2.000);
        assert_eq!(r3(t975(120)), 1.980);
        assert!((t975(1_000_000) - Z975).abs() < 1e-5);
        // Monotone across the table's edge.
        assert!(t975(30) > t975(31) && t975(31) > t975(32));
    }

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
