//! Small statistics helpers shared by reports and sweeps.

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

/// Summary of a sample: mean and order statistics.
#[derive(Clone, Copy, Debug, Default, PartialEq)]
pub struct Distribution {
    pub n: usize,
    pub mean: f64,
    pub p50: f64,
    pub p95: f64,
    pub p99: f64,
    pub max: f64,
}

impl Distribution {
    /// Percentiles use the nearest-rank method on the sorted sample.
    pub fn of(values: &[f64]) -> Distribution {
        if values.is_empty() {
            return Distribution::default();
        }
        let mut v = values.to_vec();
        v.sort_by(f64::total_cmp);
        let n = v.len();
        let rank = |p: f64| v[((p * n as f64).ceil() as usize).clamp(1, n) - 1];
        Distribution {
            n,
            mean: v.iter().sum::<f64>() / n as f64,
            p50: rank(0.50),
            p95: rank(0.95),
            p99: rank(0.99),
            max: v[n - 1],
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn nearest_rank_percentiles() {
        let v: Vec<f64> = (1..=100).map(f64::from).collect();
        let d = Distribution::of(&v);
        assert_eq!(d.n, 100);
        assert_eq!(d.mean, 50.5);
        assert_eq!(d.p50, 50.0);
        assert_eq!(d.p95, 95.0);
        assert_eq!(d.p99, 99.0);
        assert_eq!(d.max, 100.0);
        assert_eq!(Distribution::of(&[]).n, 0);
    }

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
}
