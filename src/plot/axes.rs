//! Axis ranges, tick positions and tick labels.
//!
//! Charts are drawn in *plot space*: the value itself on a linear axis, its
//! log10 on a log axis. Doing the log ourselves (instead of using plotters'
//! log coordinates) gives every chart one coordinate type and lets us place
//! 1-2-5 ticks with short labels ("20k") on both kinds of axis.

use plotters::coord::ranged1d::{DefaultFormatting, KeyPointHint, Ranged};
use std::ops::Range;

/// How values map onto an axis.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Scale {
    Linear,
    Log,
}

impl Scale {
    /// A value's plot-space position; `None` if the axis cannot show it
    /// (non-positive on a log axis, or not finite).
    pub fn pos(self, v: f64) -> Option<f64> {
        match self {
            Scale::Linear => v.is_finite().then_some(v),
            Scale::Log => (v > 0.0 && v.is_finite()).then(|| v.log10()),
        }
    }
}

/// A laid-out axis, all in plot space.
#[derive(Clone, Debug, PartialEq)]
pub struct Ticks {
    pub lo: f64,
    pub hi: f64,
    /// Labelled ticks with their grid lines.
    pub major: Vec<(f64, String)>,
    /// Light grid lines between the labelled ones.
    pub minor: Vec<f64>,
}

impl Ticks {
    /// The axis from `lo` to `hi` with its `major` ticks, and those of the
    /// `minor` candidates that do not fall on a major tick (closer than
    /// `tolerance`): a grid line is drawn once.
    fn new(
        lo: f64,
        hi: f64,
        major: Vec<(f64, String)>,
        minor: impl Iterator<Item = f64>,
        tolerance: f64,
    ) -> Ticks {
        let minor = minor
            .filter(|v| !major.iter().any(|(p, _)| (p - v).abs() < tolerance))
            .collect();
        Ticks {
            lo,
            hi,
            major,
            minor,
        }
    }

    pub fn label(&self, pos: f64) -> String {
        self.major
            .iter()
            .find(|(p, _)| *p == pos)
            .map(|(_, l)| l.clone())
            .unwrap_or_default()
    }
}

/// Plotters draws the axis linearly in plot space, with our ticks as its
/// grid lines (bold: labelled ticks; light: the minor ones).
impl Ranged for Ticks {
    type FormatOption = DefaultFormatting;
    type ValueType = f64;

    fn map(&self, v: &f64, limit: (i32, i32)) -> i32 {
        let t = (v - self.lo) / (self.hi - self.lo);
        limit.0 + (t * f64::from(limit.1 - limit.0)).round() as i32
    }

    fn key_points<H: KeyPointHint>(&self, hint: H) -> Vec<f64> {
        if hint.weight().allow_light_points() {
            self.minor.clone()
        } else {
            self.major.iter().map(|t| t.0).collect()
        }
    }

    fn range(&self) -> Range<f64> {
        self.lo..self.hi
    }
}

/// Lays out an axis covering the plot-space extent `[lo, hi]` of the data,
/// with a small margin so markers at the ends are not cut in half.
pub fn layout(scale: Scale, lo: f64, hi: f64, include_zero: bool) -> Ticks {
    match scale {
        Scale::Linear => linear(lo, hi, include_zero),
        Scale::Log => log(lo, hi),
    }
}

fn linear(mut lo: f64, mut hi: f64, include_zero: bool) -> Ticks {
    if include_zero {
        lo = lo.min(0.0);
        hi = hi.max(0.0);
    }
    if hi - lo <= 0.0 {
        let half = if lo == 0.0 { 1.0 } else { lo.abs() * 0.1 };
        (lo, hi) = (lo - half, hi + half);
    }
    let pad = (hi - lo) * 0.05;
    let lo = if include_zero && lo == 0.0 {
        0.0
    } else {
        lo - pad
    };
    let hi = hi + pad;
    let step = nice_step((hi - lo) / 8.0);
    let m = lo.abs().max(hi.abs());
    let (div, suffix) = if m >= 1e6 {
        (1e6, "M")
    } else if m >= 1e4 {
        (1e3, "k")
    } else {
        (1.0, "")
    };
    let decimals = decimals_for(step / div);
    let major: Vec<(f64, String)> = steps(lo, hi, step)
        .map(|v| {
            let label = if v == 0.0 {
                "0".to_string()
            } else {
                format!("{:.*}{suffix}", decimals, v / div)
            };
            (v, label)
        })
        .collect();
    Ticks::new(lo, hi, major, steps(lo, hi, step / 2.0), step * 1e-6)
}

/// Multiples of `step` within `[lo, hi]`, snapped so that 0 prints as "0".
fn steps(lo: f64, hi: f64, step: f64) -> impl Iterator<Item = f64> {
    let first = (lo / step - 1e-9).ceil() as i64;
    let last = (hi / step + 1e-9).floor() as i64;
    (first..=last).map(move |k| if k == 0 { 0.0 } else { k as f64 * step })
}

/// 1, 2 or 5 times a power of ten, at least `raw`.
fn nice_step(raw: f64) -> f64 {
    let mag = 10f64.powf(raw.log10().floor());
    [1.0, 2.0, 5.0, 10.0]
        .into_iter()
        .map(|m| m * mag)
        .find(|s| *s >= raw * (1.0 - 1e-9))
        .unwrap_or(10.0 * mag)
}

/// Decimals needed to tell ticks `step` apart.
fn decimals_for(step: f64) -> usize {
    (-(step.log10() + 1e-9).floor()).max(0.0) as usize
}

fn log(lo: f64, hi: f64) -> Ticks {
    let (lo, hi) = if hi - lo <= 0.0 {
        (lo - 0.5, hi + 0.5)
    } else {
        (lo, hi)
    };
    let pad = (hi - lo) * 0.04;
    let (lo, hi) = (lo - pad, hi + pad);
    let at = |mults: &[f64]| -> Vec<f64> {
        let mut v = Vec::new();
        for d in (lo.floor() as i32)..=(hi.ceil() as i32) {
            for m in mults {
                let value = m * 10f64.powi(d);
                let p = value.log10();
                if p >= lo - 1e-9 && p <= hi + 1e-9 {
                    v.push(value);
                }
            }
        }
        v
    };
    let all_digits = [1.0, 2.0, 3.0, 4.0, 5.0, 6.0, 7.0, 8.0, 9.0];
    // Fewest ticks that still give at least four labels; below a few
    // tenths of a decade, evenly spaced values read better.
    let major: Vec<(f64, String)> = match [&[1.0][..], &[1.0, 2.0, 5.0], &all_digits]
        .into_iter()
        .map(at)
        .find(|v| v.len() >= 4)
    {
        Some(values) => values.iter().map(|&v| (v.log10(), log_label(v))).collect(),
        None => {
            let (a, b) = (10f64.powf(lo), 10f64.powf(hi));
            let step = nice_step((b - a) / 4.0);
            let decimals = decimals_for(step);
            steps(a, b, step)
                .filter(|v| *v > 0.0)
                .map(|v| (v.log10(), format!("{v:.decimals$}")))
                .collect()
        }
    };
    let minor = at(&all_digits).into_iter().map(f64::log10);
    Ticks::new(lo, hi, major, minor, 1e-9)
}

/// `0.05`, `2`, `300`, `5k`, `20M`: a tick value on a log axis.
fn log_label(v: f64) -> String {
    let (v, suffix) = if v >= 1e6 {
        (v / 1e6, "M")
    } else if v >= 1e3 {
        (v / 1e3, "k")
    } else {
        (v, "")
    };
    // Up to two significant digits, as 1-2-5 and digit ticks need.
    let decimals = (1 - (v.log10() + 1e-9).floor() as i32).max(0) as usize;
    let text = format!("{v:.decimals$}");
    let text = if text.contains('.') {
        text.trim_end_matches('0').trim_end_matches('.')
    } else {
        &text
    };
    format!("{text}{suffix}")
}

/// Kilobits per second in one byte per second.
pub const KBIT_PER_B: f64 = 8.0 / 1000.0;

/// The same axis in kbit/s, for a second scale beside one in B/s: the
/// same plot-space range (so both map values to the same pixels), with
/// ticks at round kbit/s values.
pub fn kbit_ticks(scale: Scale, bytes: &Ticks) -> Ticks {
    let major = match scale {
        Scale::Linear => {
            let k = linear(bytes.lo * KBIT_PER_B, bytes.hi * KBIT_PER_B, false);
            k.major
                .into_iter()
                .map(|(v, label)| (v / KBIT_PER_B, label))
                .collect::<Vec<_>>()
        }
        Scale::Log => {
            let shift = KBIT_PER_B.log10();
            let k = log(bytes.lo + shift, bytes.hi + shift);
            k.major
                .into_iter()
                .map(|(p, label)| (p - shift, label))
                .collect()
        }
    };
    Ticks {
        lo: bytes.lo,
        hi: bytes.hi,
        major: major
            .into_iter()
            .filter(|(p, _)| *p >= bytes.lo - 1e-9 && *p <= bytes.hi + 1e-9)
            .collect(),
        minor: Vec::new(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn labels(t: &Ticks) -> Vec<&str> {
        t.major.iter().map(|(_, l)| l.as_str()).collect()
    }

    #[test]
    fn kbit_ticks_sit_where_their_byte_rates_are() {
        let bytes = layout(Scale::Linear, 0.0, 1000.0, true);
        let k = kbit_ticks(Scale::Linear, &bytes);
        assert_eq!((k.lo, k.hi), (bytes.lo, bytes.hi));
        assert!(k.major.len() >= 3, "{k:?}");
        for (pos, label) in &k.major {
            let kbit: f64 = label.parse().unwrap();
            assert!(
                (pos * KBIT_PER_B - kbit).abs() < 1e-6,
                "{label} at {pos} B/s"
            );
        }
        let bytes = layout(Scale::Log, 1.0, 4.0, false);
        let k = kbit_ticks(Scale::Log, &bytes);
        assert!(!k.major.is_empty());
        assert!(
            k.major
                .iter()
                .all(|(p, _)| *p >= bytes.lo && *p <= bytes.hi)
        );
    }

    #[test]
    fn linear_ticks_from_zero_with_si_labels() {
        let t = layout(Scale::Linear, 3.0, 64.0, true);
        assert_eq!(t.lo, 0.0);
        assert!(t.hi > 64.0);
        assert_eq!(labels(&t), ["0", "10", "20", "30", "40", "50", "60"]);
        let t = layout(Scale::Linear, 12_000.0, 95_000.0, true);
        assert_eq!(labels(&t)[..3], ["0", "20k", "40k"]);
        let t = layout(Scale::Linear, 1.2, 1.5, false);
        assert_eq!(
            labels(&t),
            ["1.20", "1.25", "1.30", "1.35", "1.40", "1.45", "1.50"]
        );
        // A single value still gets a usable range.
        let t = layout(Scale::Linear, 5.0, 5.0, false);
        assert!(t.lo < 5.0 && t.hi > 5.0 && t.major.len() >= 2);
    }

    #[test]
    fn log_ticks_pick_density_by_span() {
        let p = |v: f64| v.log10();
        assert_eq!(
            labels(&layout(Scale::Log, p(1.0), p(64.0), false)),
            ["1", "2", "5", "10", "20", "50"]
        );
        assert_eq!(
            labels(&layout(Scale::Log, p(0.01), p(2e6), false)),
            ["0.01", "0.1", "1", "10", "100", "1k", "10k", "100k", "1M"]
        );
        let narrow = layout(Scale::Log, p(40.0), p(90.0), false);
        assert_eq!(labels(&narrow), ["40", "50", "60", "70", "80", "90"]);
        let tiny = layout(Scale::Log, p(100.0), p(101.0), false);
        assert_eq!(labels(&tiny), ["100.0", "100.5", "101.0"]);
        assert_eq!(log_label(2500.0), "2.5k");
        assert_eq!(log_label(0.3 * 1.0000000001), "0.3");
    }

    #[test]
    fn log_scale_hides_non_positive_values() {
        assert_eq!(Scale::Log.pos(0.0), None);
        assert_eq!(Scale::Log.pos(100.0), Some(2.0));
        assert_eq!(Scale::Linear.pos(-3.0), Some(-3.0));
        assert_eq!(Scale::Linear.pos(f64::NAN), None);
    }
}
