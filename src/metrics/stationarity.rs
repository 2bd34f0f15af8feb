//! Does the measured window still trend? A run measured before the cloud
//! settled (a flash-crowd start, churn that has not reached its
//! equilibrium) reports biased means, and the architect must be told.
//!
//! The method is MSER-5 (White 1997; Spratt 1998; White, Cobb & Spratt
//! 2000): average the per-window series in batches of [`BATCH`] windows,
//! then choose the truncation point d* that minimises the marginal standard
//! error of the remaining batch means,
//!
//! ```text
//! MSER(d) = Σ_{i>d} (Y_i − Ȳ_d)² / (n − d)²,   d = 0 … n − 2,
//! ```
//!
//! where Ȳ_d is the mean of the batch means after the first d. A d* in
//! the second half of the series means the series never settled within it,
//! the rule of thumb of the same authors for "run too short".
//!
//! MSER is erratic where few batches remain (Pasupathy & Schmeiser 2010):
//! on independent noise around a level, d* lands in the second half for a
//! third of series of 10 batches (`mser5_alone_false_alarms_often_on_noise`
//! measures it). A series therefore counts as still trending only when a
//! second test confirms that its second half is still moving: the ordinary
//! least-squares slope of the batch means of the second half differs from
//! zero by a two-sided Student t test at 95 % with m − 2 degrees of freedom
//! (m batches). Testing the second half, not the whole series, keeps an
//! early transient that MSER would cut (the join burst of the first
//! minutes) from hiding or faking the trend at the end. Batching by 5 is
//! what makes the batch means nearly uncorrelated, as both tests assume; a
//! series with a longer memory than a few batches (hosts online under slow
//! churn) wanders enough to be flagged now and then at equilibrium (see
//! docs/validation.md).
//!
//! References:
//! - K. P. White, Jr., "An effective truncation heuristic for bias
//!   reduction in simulation output", *Simulation* 69(6):323–334, 1997.
//! - K. P. White, Jr., M. J. Cobb, S. C. Spratt, "A comparison of five
//!   steady-state truncation heuristics for simulation", *Proc. Winter
//!   Simulation Conference* 2000, pp. 755–760.
//! - R. Pasupathy, B. Schmeiser, "The initial transient in steady-state
//!   point estimation: contexts, a bibliography, the MSE criterion, and
//!   the MSER statistic", *Proc. Winter Simulation Conference* 2010.

use super::RunResult;
use super::headline::rate;
use super::stats::t975;

/// Windows per batch: the 5 of MSER-5.
pub const BATCH: usize = 5;

/// Fewest batches judged: the second half needs three batch means for a
/// slope with a spread (one degree of freedom). A shorter run has no
/// verdict (an empty cell), not a favourable one.
pub const MIN_BATCHES: usize = 6;

/// A per-window series the check is applied to.
pub struct Series {
    /// Stem of its catalogue names ([`Series::trend_metric`],
    /// [`Series::share_metric`]).
    pub key: &'static str,
    /// For people: warnings and report pages.
    pub label: &'static str,
    values: fn(&RunResult) -> Vec<f64>,
}

impl Series {
    /// Its value in each window of the run.
    pub fn values(&self, r: &RunResult) -> Vec<f64> {
        (self.values)(r)
    }

    /// The catalogue metric that is 1 when the series still trends.
    pub fn trend_metric(&self) -> String {
        format!("trend_{}", self.key)
    }

    /// The catalogue metric holding the share of the series MSER-5 truncates.
    pub fn share_metric(&self) -> String {
        format!("mser5_{}_ratio", self.key)
    }

    /// The verdict on this series in one run.
    pub fn judge(&self, r: &RunResult) -> Option<Verdict> {
        judge(&self.values(r))
    }
}

/// The series checked on every run: what the run is for (bytes sent by
/// the whole cloud per second) and the population that drives it (hosts
/// online, which relaxes towards its churn equilibrium). Resolve success
/// and leaf-set accuracy are only counted over the whole measured window,
/// not per window, so they cannot be checked; registrations follow hosts
/// online times names per host.
pub static SERIES: [Series; 2] = [
    Series {
        key: "cloud_bytes",
        label: "cloud bytes/s",
        values: cloud_bytes_per_s,
    },
    Series {
        key: "hosts_online",
        label: "hosts online",
        values: hosts_online,
    },
];

fn cloud_bytes_per_s(r: &RunResult) -> Vec<f64> {
    r.windows
        .iter()
        .zip(r.window_widths())
        .filter_map(|(w, secs)| rate(w.sent.bytes, secs))
        .collect()
}

fn hosts_online(r: &RunResult) -> Vec<f64> {
    r.windows
        .iter()
        .map(|w| f64::from(w.hosts_online))
        .collect()
}

/// The verdict on one series.
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct Verdict {
    /// Batch means the series gave (n).
    pub batches: usize,
    /// MSER-5's truncation point d*, in batches.
    pub truncation: usize,
    /// t statistic of the OLS slope of the batch means of the second half.
    pub slope_t: f64,
    /// d* in the second half and that half's slope significant at 95 %.
    pub trends: bool,
}

impl Verdict {
    /// Share of the batched series before d*: how much of the measured
    /// window MSER-5 would discard as transient.
    pub fn truncated_share(&self) -> f64 {
        self.truncation as f64 / self.batches as f64
    }
}

/// Judges a per-window series; `None` when it gives fewer than
/// [`MIN_BATCHES`] batches. Trailing windows that do not fill a batch are
/// left out, as in MSER-5.
pub fn judge(values: &[f64]) -> Option<Verdict> {
    let y = batch_means(values);
    let n = y.len();
    if n < MIN_BATCHES {
        return None;
    }
    // A constant series is settled; rounding in its means must not make
    // MSER or the slope pick an arbitrary answer.
    if y.iter().all(|&v| v == y[0]) {
        return Some(Verdict {
            batches: n,
            truncation: 0,
            slope_t: 0.0,
            trends: false,
        });
    }
    let truncation = mser_truncation(&y);
    let second_half = &y[n / 2..];
    let slope_t = slope_t(second_half);
    Some(Verdict {
        batches: n,
        truncation,
        slope_t,
        trends: 2 * truncation > n && slope_t.abs() > t975(second_half.len() - 2),
    })
}

fn batch_means(values: &[f64]) -> Vec<f64> {
    values
        .chunks_exact(BATCH)
        .map(|c| c.iter().sum::<f64>() / BATCH as f64)
        .collect()
}

fn mean(y: &[f64]) -> f64 {
    y.iter().sum::<f64>() / y.len() as f64
}

/// d* = argmin over d of MSER(d), the earliest on a tie; d stops at n − 2
/// so that two batches remain (one has no spread, which would always win).
fn mser_truncation(y: &[f64]) -> usize {
    let n = y.len();
    let mut best = (f64::INFINITY, 0);
    for d in 0..=n - 2 {
        let rest = &y[d..];
        let m = mean(rest);
        let k = rest.len() as f64;
        let mser = rest.iter().map(|v| (v - m).powi(2)).sum::<f64>() / (k * k);
        if mser < best.0 {
            best = (mser, d);
        }
    }
    best.1
}

/// t = b / se(b) of the least-squares line through (i, y_i); infinite for
/// a sloped series that lies exactly on its line.
fn slope_t(y: &[f64]) -> f64 {
    let n = y.len() as f64;
    let (mx, my) = ((n - 1.0) / 2.0, mean(y));
    let xs = (0..y.len()).map(|i| i as f64 - mx);
    let sxx: f64 = xs.clone().map(|x| x * x).sum();
    let sxy: f64 = xs.clone().zip(y).map(|(x, v)| x * (v - my)).sum();
    let b = sxy / sxx;
    let rss: f64 = xs.zip(y).map(|(x, v)| (v - my - b * x).powi(2)).sum();
    let se = (rss / (n - 2.0) / sxx).sqrt();
    if se > 0.0 {
        b / se
    } else if b == 0.0 {
        0.0
    } else {
        b.signum() * f64::INFINITY
    }
}

/// The run has a verdict: 1 if no checked series still trends, 0 if one
/// does; `None` when the measured window is too short to judge.
pub fn stationary(r: &RunResult) -> Option<bool> {
    SERIES
        .iter()
        .map(|s| s.judge(r).map(|v| !v.trends))
        .collect::<Option<Vec<bool>>>()
        .map(|settled| settled.into_iter().all(|ok| ok))
}

/// A series still trending in one run, as its per-run metrics record it.
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct Trend {
    pub label: &'static str,
    pub truncated_share: f64,
}

/// The series that still trend in a run.
pub fn trends(r: &RunResult) -> Vec<Trend> {
    SERIES
        .iter()
        .filter_map(|s| {
            s.judge(r).filter(|v| v.trends).map(|v| Trend {
                label: s.label,
                truncated_share: v.truncated_share(),
            })
        })
        .collect()
}

/// The series that still trend, read back from per-run metric values by
/// name (`runs.csv`, the runs of a comparison or a sizing search), where
/// the [`RunResult`] itself is gone.
pub fn trends_in(get: impl Fn(&str) -> Option<f64>) -> Vec<Trend> {
    SERIES
        .iter()
        .filter(|s| get(&s.trend_metric()) == Some(1.0))
        .map(|s| Trend {
            label: s.label,
            truncated_share: get(&s.share_metric()).unwrap_or(f64::NAN),
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::engine::StreamSeed;
    use crate::metrics::Window;
    use rand_distr::{Distribution, Normal};

    /// `len` windows of a level 100 with N(0, 5²) noise, plus `transient(i)`.
    fn series(seed: u64, len: usize, transient: impl Fn(f64) -> f64) -> Vec<f64> {
        let noise = Normal::new(0.0, 5.0).unwrap();
        let mut rng = StreamSeed::single(seed).stream("stationarity");
        (0..len)
            .map(|i| 100.0 + transient(i as f64) + noise.sample(&mut rng))
            .collect()
    }

    /// The share of `trials` series for which `trends` holds.
    fn share(trials: u64, trends: impl Fn(u64) -> bool) -> f64 {
        (0..trials).filter(|&s| trends(s)).count() as f64 / trials as f64
    }

    #[test]
    fn an_exponential_approach_still_under_way_trends() {
        // 60 windows decaying from +80 with a time constant of 40 windows:
        // still 18 above the level at the end, against noise of σ = 5.
        let approach = |i: f64| 80.0 * (-i / 40.0).exp();
        // Without noise, MSER-5 cuts all it can and the end still falls.
        let exact: Vec<f64> = (0..60).map(|i| 100.0 + approach(f64::from(i))).collect();
        let v = judge(&exact).unwrap();
        assert!(v.trends, "{v:?}");
        assert_eq!((v.batches, v.truncation), (12, 10));
        assert!(v.slope_t < 0.0, "{v:?}");
        // With noise, over many seeds, almost always detected.
        let detected = share(200, |s| judge(&series(s, 60, approach)).unwrap().trends);
        assert!(detected >= 0.95, "detected in {detected}");
    }

    #[test]
    fn noise_around_a_level_does_not_trend() {
        let v = judge(&series(1, 60, |_| 0.0)).unwrap();
        assert!(!v.trends, "{v:?}");
        // The false-alarm rate is bounded by the slope test's 5 %.
        let alarms = share(1000, |s| judge(&series(s, 60, |_| 0.0)).unwrap().trends);
        assert!(alarms <= 0.05, "false alarms in {alarms}");
    }

    /// Why MSER-5 alone is not the verdict: on pure noise its d* is often
    /// in the second half, because the statistic over the last few batches
    /// is erratic.
    #[test]
    fn mser5_alone_false_alarms_often_on_noise() {
        let late = share(1000, |s| {
            let v = judge(&series(s, 50, |_| 0.0)).unwrap();
            2 * v.truncation > v.batches
        });
        assert!(late > 0.2, "MSER-5 late on {late} of noise series");
    }

    #[test]
    fn a_transient_that_ends_early_is_truncated_in_the_first_half() {
        // A step down after the first 10 of 60 windows: MSER-5 cuts its
        // two batches, and perhaps a little noise, no more than half.
        let v = judge(&series(3, 60, |i| if i < 10.0 { 80.0 } else { 0.0 })).unwrap();
        assert!(v.truncation >= 2 && 2 * v.truncation <= v.batches, "{v:?}");
        assert!(!v.trends);
    }

    #[test]
    fn constant_short_and_exact_series() {
        let flat = judge(&[7.0; 40]).unwrap();
        assert_eq!(
            (flat.truncation, flat.slope_t, flat.trends),
            (0, 0.0, false)
        );
        assert_eq!(judge(&[1.0; 29]), None, "5 batches are too few");
        assert!(judge(&[1.0; 30]).is_some());
        // A straight ramp has an infinite t and is all transient.
        let ramp: Vec<f64> = (0..50).map(f64::from).collect();
        let v = judge(&ramp).unwrap();
        assert!(v.trends && v.slope_t == f64::INFINITY, "{v:?}");
    }

    #[test]
    fn a_run_is_stationary_when_no_series_trends() {
        let window = |i: usize, online: u32| Window {
            start_secs: 60.0 * i as f64,
            sent: crate::metrics::Traffic {
                datagrams: 1,
                bytes: 6000,
            },
            hosts_online: online,
            ..Window::default()
        };
        let mut r = RunResult {
            measured_secs: 60.0 * 30.0,
            windows: (0..30).map(|i| window(i, 100)).collect(),
            ..RunResult::default()
        };
        assert_eq!(SERIES[0].values(&r)[0], 100.0, "6000 B in 60 s");
        assert_eq!(stationary(&r), Some(true));
        // Hosts leave steadily through the whole window.
        for (i, w) in r.windows.iter_mut().enumerate() {
            w.hosts_online = 200 - 3 * i as u32;
        }
        assert_eq!(stationary(&r), Some(false));
        assert!(SERIES[1].judge(&r).unwrap().trends);
        assert!(!SERIES[0].judge(&r).unwrap().trends);
        r.windows.truncate(20);
        r.measured_secs = 1200.0;
        assert_eq!(stationary(&r), None);
    }

    #[test]
    fn trends_are_read_back_by_metric_name() {
        let values = |name: &str| match name {
            "trend_hosts_online" => Some(1.0),
            "mser5_hosts_online_ratio" => Some(0.6),
            "trend_cloud_bytes" => Some(0.0),
            _ => None,
        };
        assert_eq!(
            trends_in(values),
            [Trend {
                label: "hosts online",
                truncated_share: 0.6
            }]
        );
    }
}
