//! What one `[[expect]]` entry addresses (a metric at a sweep point) and
//! the rule that decides it.
//!
//! The rule, for every form of entry: the entry accepts a range A
//! (`expected` ± `tolerance` × |`expected`|, or [`min`, `max`]); the runs give
//! a range M (the 95 % Student-t confidence interval of the replications'
//! mean, or the single value of a run without replications); the check
//! passes when A and M overlap. For `expected` with a tolerance this is the
//! README's wording: it fails only when the expected value lies outside the
//! confidence interval widened by the tolerance. Replications thus absorb
//! their own noise, and the tolerance is only what the author allows beyond
//! it.

use crate::scenario::Expect;
use crate::sweep::stats::SampleMean;

/// What an entry accepts.
#[derive(Clone, Copy, Debug, PartialEq)]
pub enum Accept {
    /// `expected` ± `tolerance` × |`expected`|.
    Near { expected: f64, tolerance: f64 },
    /// Either bound may be open.
    Within { min: Option<f64>, max: Option<f64> },
    /// A tolerance without an expected value yet: `--bless` fills it in.
    Unset { tolerance: f64 },
}

impl Accept {
    /// `None` for an entry that validation rejects.
    pub fn of(e: &Expect) -> Option<Accept> {
        match (e.expected, e.tolerance, e.min, e.max) {
            (Some(expected), Some(tolerance), None, None) => Some(Accept::Near {
                expected,
                tolerance,
            }),
            (None, Some(tolerance), None, None) => Some(Accept::Unset { tolerance }),
            (None, None, min, max) if min.is_some() || max.is_some() => {
                Some(Accept::Within { min, max })
            }
            _ => None,
        }
    }

    /// The accepted range; `None` while unset.
    fn range(&self) -> Option<(f64, f64)> {
        match *self {
            Accept::Near {
                expected,
                tolerance,
            } => {
                let slack = tolerance * expected.abs();
                Some((expected - slack, expected + slack))
            }
            Accept::Within { min, max } => Some((
                min.unwrap_or(f64::NEG_INFINITY),
                max.unwrap_or(f64::INFINITY),
            )),
            Accept::Unset { .. } => None,
        }
    }

    /// Whether the measurement is compatible: the accepted range meets the
    /// confidence interval (or the single value). Always false while unset.
    pub fn admits(&self, m: &SampleMean) -> bool {
        let (lo, hi) = measured_range(m);
        self.range().is_some_and(|(a, b)| lo <= b && a <= hi)
    }

    /// `12.5 ± 5 %`, `≥ 0.95`, `0.5 … 0.9`.
    pub fn describe(&self) -> String {
        match *self {
            Accept::Near {
                expected,
                tolerance,
            } => format!("{} ± {}", number(expected), percent(tolerance)),
            Accept::Within {
                min: Some(lo),
                max: Some(hi),
            } => format!("{} … {}", number(lo), number(hi)),
            Accept::Within { min: Some(lo), .. } => format!("≥ {}", number(lo)),
            Accept::Within { max: Some(hi), .. } => format!("≤ {}", number(hi)),
            Accept::Within { .. } => "any".to_owned(),
            Accept::Unset { tolerance } => format!("unset ± {}", percent(tolerance)),
        }
    }

    /// One line for a failed check: the accepted range, the measurement, and
    /// how far off it is.
    pub fn diff(&self, m: &SampleMean) -> String {
        let mut text = format!("expected {}", self.describe());
        if let Some((lo, hi)) = self.range().filter(|_| matches!(self, Accept::Near { .. })) {
            text += &format!(" ({} … {})", number(lo), number(hi));
        }
        text += &format!(", measured {}", describe_measured(m));
        if let Accept::Near { expected, .. } = *self {
            if expected != 0.0 {
                let off = (m.mean - expected) / expected.abs();
                text += &format!(" ({:+.1} % from expected)", off * 100.0);
            }
        }
        text
    }
}

/// The measured range that [`Accept::admits`] compares: the interval, or
/// the value itself for one run.
fn measured_range(m: &SampleMean) -> (f64, f64) {
    m.ci95.unwrap_or((m.mean, m.mean))
}

/// `12.5`, or `12.5 (95 % CI 12.1 … 12.9, n = 3)` for replications.
pub fn describe_measured(m: &SampleMean) -> String {
    match m.ci95 {
        Some((lo, hi)) => format!(
            "{} (95 % CI {} … {}, n = {})",
            number(m.mean),
            number(lo),
            number(hi),
            m.n
        ),
        None => number(m.mean),
    }
}

/// Six significant digits, without trailing zeros: enough to see a change
/// of a tenth of a percent, short enough for a table.
pub fn number(v: f64) -> String {
    if !v.is_finite() {
        return v.to_string();
    }
    let rounded = round_significant(v, 6);
    let magnitude = if rounded == 0.0 {
        0
    } else {
        rounded.abs().log10().floor() as i32
    };
    let decimals = (5 - magnitude).clamp(0, 12) as usize;
    let text = format!("{rounded:.decimals$}");
    if text.contains('.') {
        text.trim_end_matches('0').trim_end_matches('.').to_owned()
    } else {
        text
    }
}

/// `v` rounded to `digits` significant decimal digits, as the nearest f64
/// (whose shortest representation is then that decimal).
pub fn round_significant(v: f64, digits: usize) -> f64 {
    if !v.is_finite() || v == 0.0 {
        return v;
    }
    format!("{v:.*e}", digits.saturating_sub(1))
        .parse()
        .unwrap_or(v)
}

fn percent(share: f64) -> String {
    format!("{} %", number(share * 100.0))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn est(mean: f64, ci: Option<(f64, f64)>) -> SampleMean {
        SampleMean {
            n: if ci.is_some() { 3 } else { 1 },
            mean,
            ci95: ci,
        }
    }

    fn near(expected: f64, tolerance: f64) -> Accept {
        Accept::Near {
            expected,
            tolerance,
        }
    }

    #[test]
    fn single_runs_must_fall_within_the_tolerance() {
        let a = near(100.0, 0.05);
        assert!(a.admits(&est(95.0, None)));
        assert!(a.admits(&est(105.0, None)));
        assert!(!a.admits(&est(94.9, None)));
        assert!(!a.admits(&est(105.1, None)));
        // A negative expectation widens the same way.
        assert!(near(-10.0, 0.1).admits(&est(-9.0, None)));
        // Zero tolerance: only the exact value.
        assert!(near(3.5, 0.0).admits(&est(3.5, None)));
        assert!(!near(3.5, 0.0).admits(&est(3.5000001, None)));
    }

    /// The README's rule: fail only when the expected value lies outside the
    /// confidence interval widened by the tolerance.
    #[test]
    fn replications_fail_only_outside_the_widened_interval() {
        let m = est(110.0, Some((104.0, 116.0)));
        // No tolerance: the interval alone decides.
        assert!(near(104.0, 0.0).admits(&m));
        assert!(!near(103.9, 0.0).admits(&m));
        assert!(near(116.0, 0.0).admits(&m));
        // 5 % of 100 = 5 below the interval's 104: 99 … 121 around it.
        assert!(near(100.0, 0.05).admits(&m));
        assert!(!near(98.0, 0.05).admits(&m));
        assert!(!near(123.0, 0.05).admits(&m));
        // The same test, written as in the README.
        for expected in [90.0, 98.0, 99.0, 100.0, 110.0, 121.0, 122.0, 130.0] {
            let tol = 0.05 * expected;
            let inside = (104.0 - tol..=116.0 + tol).contains(&expected);
            assert_eq!(near(expected, 0.05).admits(&m), inside, "{expected}");
        }
    }

    #[test]
    fn bounds_overlap_the_interval() {
        let m = est(0.95, Some((0.93, 0.97)));
        let within = |min, max| Accept::Within { min, max }.admits(&m);
        assert!(within(Some(0.96), None));
        assert!(!within(Some(0.98), None));
        assert!(within(None, Some(0.93)));
        assert!(!within(None, Some(0.92)));
        assert!(within(Some(0.5), Some(0.94)));
        assert!(!Accept::Unset { tolerance: 1.0 }.admits(&m));
    }

    #[test]
    fn descriptions_and_diffs_name_both_values() {
        assert_eq!(near(11.6, 0.05).describe(), "11.6 ± 5 %");
        assert_eq!(
            Accept::Within {
                min: Some(0.9),
                max: None
            }
            .describe(),
            "≥ 0.9"
        );
        let diff = near(100.0, 0.05).diff(&est(120.0, Some((118.0, 122.5))));
        assert_eq!(
            diff,
            "expected 100 ± 5 % (95 … 105), measured 120 (95 % CI 118 … 122.5, n = 3) (+20.0 % from expected)"
        );
    }

    #[test]
    fn numbers_keep_six_significant_digits() {
        assert_eq!(number(4669.123456), "4669.12");
        assert_eq!(number(0.961234567), "0.961235");
        assert_eq!(number(1476.0), "1476");
        assert_eq!(number(0.0), "0");
        assert_eq!(number(-2.5), "-2.5");
        assert_eq!(number(123456789.0), "123457000");
        assert_eq!(round_significant(11.634_999_9, 4), 11.63);
        assert_eq!(round_significant(0.0, 6), 0.0);
    }
}
