//! Per-run metrics and the sweep's CSV files.
//!
//! The CSV files are the sweep's whole record: the charts are drawn from
//! them alone (see [`crate::plot`]), so every column a chart needs is here,
//! with its unit in its name. Files:
//! - `runs.csv`: one row per finished replication.
//! - `sweep.csv`: one row per point with at least one finished replication:
//!   each metric's mean and Student-t 95 % interval over replications.
//! - `host_rates.csv`: per-host upload rates of replication 0 at the CDF points.
//! - `cloud_series.csv`: cloud bandwidth per time window of replication 0 of
//!   the first point.
//!
//! Axis columns sit between `point` and the next fixed column (`n`,
//! `replication` or `host`); the first is the x axis, the second, if any,
//! the series axis.

use super::stats::Estimate;
use crate::estimate::Estimate as Analytic;
use crate::metrics::stats::Distribution;
use crate::metrics::{HostMetrics, RunResult};
use crate::protocol::message::Reason;
use crate::report::Headline;
use crate::report::write_atomic;
use crate::scenario::Scenario;
use crate::scenario::overrides::set_path;
use crate::scenario::sweep::{Coord, Point, SweepPlan};
use anyhow::Context;
use std::path::Path;

pub const RUNS_CSV: &str = "runs.csv";
pub const SWEEP_CSV: &str = "sweep.csv";
pub const HOST_RATES_CSV: &str = "host_rates.csv";
pub const CLOUD_SERIES_CSV: &str = "cloud_series.csv";

/// Per-host upload, mean over hosts.
pub const UP: &str = "up_B_per_s";
/// Per-host upload, 95th percentile over hosts.
pub const UP_P95: &str = "up_p95_B_per_s";
pub const CLOUD: &str = "cloud_B_per_s";
pub const RESOLVE_HOPS: &str = "resolve_hops";
/// `sweep.csv` only: the analytic estimate of per-host upload at the point
/// ([`crate::estimate`]), bytes per online host-second; empty if undefined.
pub const ESTIMATE_UP: &str = "estimate_up_B_per_s";
pub const REGISTRATIONS: &str = "registrations";

/// Per-host upload caused by one reason, mean over hosts; the reasons add
/// up to [`UP`].
pub fn reason_metric(r: Reason) -> String {
    format!("up_{}_B_per_s", r.name())
}

/// `sweep.csv` columns of a metric.
pub fn mean_column(metric: &str) -> String {
    format!("{metric}_mean")
}
pub fn ci_low_column(metric: &str) -> String {
    format!("{metric}_ci95_low")
}
pub fn ci_high_column(metric: &str) -> String {
    format!("{metric}_ci95_high")
}

/// What one run measured, as `(column, value)`; `None` where the run has no
/// such figure (no resolves, no host online), written as an empty cell.
pub fn measures(r: &RunResult) -> Vec<(String, Option<f64>)> {
    let h = Headline::of(r);
    let up = |f: fn(&Distribution) -> f64| h.up.as_ref().map(f);
    let mut m = vec![
        (UP.to_string(), up(|d| d.mean)),
        ("up_p50_B_per_s".to_string(), up(|d| d.p50)),
        (UP_P95.to_string(), up(|d| d.p95)),
        ("up_p99_B_per_s".to_string(), up(|d| d.p99)),
        ("up_max_B_per_s".to_string(), up(|d| d.max)),
        ("down_B_per_s".to_string(), h.down.as_ref().map(|d| d.mean)),
        (CLOUD.to_string(), h.cloud_bytes_per_s),
    ];
    for reason in Reason::ALL {
        m.push((reason_metric(reason), h.up_mean_by_reason[reason.index()]));
    }
    m.extend([
        (
            "resolve_success_ratio".to_string(),
            r.resolves.success_rate(),
        ),
        (RESOLVE_HOPS.to_string(), r.resolves.mean_hops()),
        (REGISTRATIONS.to_string(), Some(r.registrations as f64)),
        ("leaf_set_accuracy_ratio".to_string(), r.leaf_sets.share()),
        ("events".to_string(), Some(r.events as f64)),
    ]);
    m
}

/// The metric columns, in [`measures`] order.
pub fn metric_names() -> Vec<String> {
    measures(&RunResult::default())
        .into_iter()
        .map(|(name, _)| name)
        .collect()
}

/// What a sweep keeps of one finished run.
#[derive(Clone, Debug, PartialEq)]
pub struct RunRecord {
    pub point: usize,
    pub replication: u32,
    pub run_seed: u64,
    /// In [`metric_names`] order.
    pub values: Vec<Option<f64>>,
    /// Per-host upload rates (B/s), kept for CDF charts.
    pub host_up: Option<Vec<f64>>,
    /// `(window start s, cloud B/s)`, kept for the time-series chart.
    pub cloud_series: Option<Vec<(f64, f64)>>,
}

impl RunRecord {
    /// Reduces a run to what the CSV files need, so a sweep does not hold
    /// every run's per-host and per-window data in memory.
    pub fn new(
        point: usize,
        replication: u32,
        run_seed: u64,
        scenario: &Scenario,
        r: &RunResult,
        keep_hosts: bool,
        keep_series: bool,
    ) -> RunRecord {
        RunRecord {
            point,
            replication,
            run_seed,
            values: measures(r).into_iter().map(|(_, v)| v).collect(),
            host_up: keep_hosts.then(|| {
                r.rated_hosts()
                    .filter_map(HostMetrics::up_bytes_per_s)
                    .collect()
            }),
            cloud_series: keep_series.then(|| cloud_series(scenario, r)),
        }
    }
}

/// A generous estimate of the bytes one run adds to the sweep's files and
/// journal: its metrics in the journal, `runs.csv` and `sweep.csv` (4 KiB),
/// 64 bytes a host for kept host rates (journal and `host_rates.csv`),
/// 160 bytes a window for a kept time series.
pub fn estimated_bytes(s: &Scenario, keep_hosts: bool, keep_series: bool) -> u64 {
    let measured = s
        .duration
        .0
        .as_micros()
        .saturating_sub(s.warmup.0.as_micros());
    let windows = measured / s.metrics.window.0.as_micros().max(1) + 1;
    4096 + u64::from(keep_hosts) * u64::from(s.hosts.count) * 64
        + u64::from(keep_series) * windows * 160
}

/// Cloud upload rate per window. Windows are `metrics.window` wide except a
/// last one cut short by the end of the run.
fn cloud_series(s: &Scenario, r: &RunResult) -> Vec<(f64, f64)> {
    let width = s.metrics.window.as_secs_f64();
    let end = s.duration.as_secs_f64();
    r.windows
        .iter()
        .map(|w| {
            let left = end - w.start_secs;
            let span = if left > 0.0 && left < width {
                left
            } else {
                width
            };
            (w.start_secs, w.sent.bytes as f64 / span)
        })
        .collect()
}

fn cell(v: Option<f64>) -> String {
    v.map_or_else(String::new, |v| v.to_string())
}

fn axis_header(plan: &SweepPlan) -> Vec<String> {
    std::iter::once(&plan.axis)
        .chain(&plan.series)
        .map(|a| a.column())
        .collect()
}

fn axis_cells(p: &Point) -> impl Iterator<Item = String> + '_ {
    p.coords.iter().map(|c| c.x.to_string())
}

fn write_csv(
    path: &Path,
    header: Vec<String>,
    rows: impl Iterator<Item = Vec<String>>,
) -> anyhow::Result<()> {
    write_atomic(path, |w| {
        let mut csv = csv::Writer::from_writer(w);
        csv.write_record(&header)?;
        for row in rows {
            csv.write_record(&row)?;
        }
        csv.flush()
    })
    .with_context(|| format!("cannot write {}", path.display()))
}

/// The analytic estimate ([`ESTIMATE_UP`]) at a point: `base` with the
/// point's settings applied as `--set` applies them; `None` where the
/// estimate is undefined.
fn estimate_at(base: &Scenario, coords: &[Coord]) -> Option<f64> {
    let mut table = toml::Table::try_from(base).ok()?;
    for c in coords {
        set_path(&mut table, &c.path, c.value.clone()).ok()?;
    }
    let point: Scenario = toml::Value::Table(table).try_into().ok()?;
    Analytic::of(&point).map(|e| e.per_host_total())
}

/// Writes the four CSV files into `dir`; `records` must be sorted by
/// (point, replication); `base` is the swept scenario, from which each
/// point's [`ESTIMATE_UP`] is computed. Returns the paths written.
pub fn write_all(
    dir: &Path,
    scenario_name: &str,
    plan: &SweepPlan,
    records: &[RunRecord],
    base: &Scenario,
) -> anyhow::Result<Vec<std::path::PathBuf>> {
    let metrics = metric_names();
    let axes = axis_header(plan);
    let mut written = Vec::new();

    let path = dir.join(RUNS_CSV);
    let header = ["point".to_string()]
        .into_iter()
        .chain(axes.iter().cloned())
        .chain(["replication".to_string(), "run_seed".to_string()])
        .chain(metrics.iter().cloned())
        .collect();
    let rows = records.iter().map(|r| {
        [r.point.to_string()]
            .into_iter()
            .chain(axis_cells(&plan.points[r.point]))
            .chain([r.replication.to_string(), r.run_seed.to_string()])
            .chain(r.values.iter().map(|v| cell(*v)))
            .collect()
    });
    write_csv(&path, header, rows)?;
    written.push(path);

    let path = dir.join(SWEEP_CSV);
    let header = ["scenario".to_string(), "point".to_string()]
        .into_iter()
        .chain(axes.iter().cloned())
        .chain(["n".to_string()])
        .chain(
            metrics
                .iter()
                .flat_map(|m| [mean_column(m), ci_low_column(m), ci_high_column(m)]),
        )
        .chain([ESTIMATE_UP.to_string()])
        .collect();
    let rows = records.chunk_by(|a, b| a.point == b.point).map(|runs| {
        let point = &plan.points[runs[0].point];
        let stats = (0..metrics.len()).flat_map(|k| {
            let sample: Vec<f64> = runs.iter().filter_map(|r| r.values[k]).collect();
            let e = Estimate::of(&sample);
            let ci = e.and_then(|e| e.ci95);
            [
                cell(e.map(|e| e.mean)),
                cell(ci.map(|c| c.0)),
                cell(ci.map(|c| c.1)),
            ]
        });
        [scenario_name.to_string(), point.index.to_string()]
            .into_iter()
            .chain(axis_cells(point))
            .chain([runs.len().to_string()])
            .chain(stats)
            .chain([cell(estimate_at(base, &point.coords))])
            .collect()
    });
    write_csv(&path, header, rows)?;
    written.push(path);

    let path = dir.join(HOST_RATES_CSV);
    let header = ["point".to_string()]
        .into_iter()
        .chain(axes.iter().cloned())
        .chain(["host".to_string(), UP.to_string()])
        .collect();
    let rows = records.iter().flat_map(|r| {
        let point = &plan.points[r.point];
        r.host_up.iter().flatten().enumerate().map(move |(h, v)| {
            [r.point.to_string()]
                .into_iter()
                .chain(axis_cells(point))
                .chain([h.to_string(), v.to_string()])
                .collect()
        })
    });
    write_csv(&path, header, rows)?;
    written.push(path);

    let path = dir.join(CLOUD_SERIES_CSV);
    let header = ["point".to_string()]
        .into_iter()
        .chain(axes.iter().cloned())
        .chain([
            "replication".to_string(),
            "time_s".to_string(),
            CLOUD.to_string(),
        ])
        .collect();
    let rows = records.iter().flat_map(|r| {
        let point = &plan.points[r.point];
        r.cloud_series.iter().flatten().map(move |(t, v)| {
            [r.point.to_string()]
                .into_iter()
                .chain(axis_cells(point))
                .chain([r.replication.to_string(), t.to_string(), v.to_string()])
                .collect()
        })
    });
    write_csv(&path, header, rows)?;
    written.push(path);

    Ok(written)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::metrics::{ResolveStats, Traffic, Window};

    fn host(up: u64, secs: f64, join: u64) -> HostMetrics {
        let mut by_reason = [0; Reason::COUNT];
        by_reason[Reason::Join.index()] = join;
        by_reason[Reason::Refresh.index()] = up - join;
        HostMetrics {
            sent: Traffic {
                datagrams: 1,
                bytes: up,
            },
            received: Traffic {
                datagrams: 1,
                bytes: 2 * up,
            },
            sent_bytes_by_reason: by_reason,
            online_secs: secs,
            ..HostMetrics::default()
        }
    }

    fn value(m: &[(String, Option<f64>)], name: &str) -> Option<f64> {
        m.iter().find(|(n, _)| n == name).unwrap().1
    }

    #[test]
    fn measures_rate_per_online_second_and_reasons_add_up() {
        let r = RunResult {
            measured_secs: 100.0,
            hosts: vec![
                host(1000, 100.0, 400),
                host(600, 50.0, 100),
                host(0, 0.0, 0),
            ],
            resolves: ResolveStats {
                started: 4,
                succeeded: 3,
                hops: vec![0, 1, 2],
                ..ResolveStats::default()
            },
            registrations: 7,
            ..RunResult::default()
        };
        let m = measures(&r);
        assert_eq!(m.len(), metric_names().len());
        // 10 and 12 B/s; the offline host is left out.
        assert_eq!(value(&m, UP), Some(11.0));
        assert_eq!(value(&m, UP_P95), Some(12.0));
        assert_eq!(value(&m, "down_B_per_s"), Some(22.0));
        let reasons: f64 = Reason::ALL
            .iter()
            .map(|&rs| value(&m, &reason_metric(rs)).unwrap())
            .sum();
        assert!((reasons - 11.0).abs() < 1e-12);
        assert_eq!(value(&m, &reason_metric(Reason::Join)), Some(3.0));
        assert_eq!(value(&m, "resolve_success_ratio"), Some(0.75));
        assert_eq!(value(&m, RESOLVE_HOPS), Some(5.0 / 3.0));
        assert_eq!(value(&m, REGISTRATIONS), Some(7.0));
        assert_eq!(value(&m, "leaf_set_accuracy_ratio"), None);

        let empty = measures(&RunResult::default());
        assert_eq!(value(&empty, UP), None);
        assert_eq!(value(&empty, CLOUD), None);
    }

    #[test]
    fn last_window_is_cut_at_the_end_of_the_run() {
        use crate::scenario::{Metrics, units::Duration};
        let s = Scenario {
            duration: Duration::secs(150),
            metrics: Metrics {
                window: Duration::secs(60),
                ..Metrics::default()
            },
            ..Scenario::default()
        };
        let window = |start: f64, bytes: u64| Window {
            start_secs: start,
            sent: Traffic {
                datagrams: 1,
                bytes,
            },
            ..Window::default()
        };
        let r = RunResult {
            windows: vec![window(0.0, 600), window(60.0, 1200), window(120.0, 300)],
            ..RunResult::default()
        };
        assert_eq!(
            cloud_series(&s, &r),
            [(0.0, 10.0), (60.0, 20.0), (120.0, 10.0)]
        );
    }
}
