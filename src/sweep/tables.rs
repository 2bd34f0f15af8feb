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

use super::stats::SampleMean;
use crate::estimate::AnalyticEstimate;
use crate::metrics::catalog;
use crate::metrics::{HostMetrics, RunResult};
use crate::outputs::write_atomic;
use crate::scenario::Scenario;
use crate::scenario::overrides::set_path;
use crate::scenario::sweep::{Coord, Point, SweepPlan};
use anyhow::Context;
use std::path::Path;

pub const RUNS_CSV: &str = "runs.csv";
pub const SWEEP_CSV: &str = "sweep.csv";
pub const HOST_RATES_CSV: &str = "host_rates.csv";
pub const CLOUD_SERIES_CSV: &str = "cloud_series.csv";
/// The files of a sweep's output set, as [`write_all`] writes them.
pub const FILES: [&str; 4] = [RUNS_CSV, SWEEP_CSV, HOST_RATES_CSV, CLOUD_SERIES_CSV];

/// `sweep.csv` only: the analytic estimate of per-host upload at the point
/// ([`crate::estimate`]), bytes per online host-second; empty if undefined.
pub const ESTIMATE_UP: &str = "estimate_up_B_per_s";

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

/// What a sweep keeps of one finished run.
#[derive(Clone, Debug, PartialEq)]
pub struct RunRecord {
    pub point: usize,
    pub replication: u32,
    pub run_seed: u64,
    /// In [`catalog::per_run_names`] order.
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
            values: catalog::per_run_values(r),
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
/// journal: 1 KiB, plus 128 bytes a per-run metric (a value of up to 24
/// characters in the journal and `runs.csv`, three in `sweep.csv`, whose
/// row a single replication does not share), 64 bytes a host for kept host
/// rates (journal and `host_rates.csv`), 160 bytes a window for a kept time
/// series.
pub fn estimated_bytes(s: &Scenario, keep_hosts: bool, keep_series: bool) -> u64 {
    let measured = s
        .duration
        .0
        .as_micros()
        .saturating_sub(s.warmup.0.as_micros());
    let windows = measured / s.metrics.window.0.as_micros().max(1) + 1;
    1024 + 128 * catalog::per_run_names().len() as u64
        + u64::from(keep_hosts) * u64::from(s.hosts.count) * 64
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
    AnalyticEstimate::of(&point).map(|e| e.per_host_total())
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
    let metrics = catalog::per_run_names();
    let axes = axis_header(plan);
    let mut written = Vec::new();

    let path = dir.join(RUNS_CSV);
    let header = ["point".to_string()]
        .into_iter()
        .chain(axes.iter().cloned())
        .chain(["replication".to_string(), "run_seed".to_string()])
        .chain(metrics.iter().map(|m| m.to_string()))
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
            let e = SampleMean::of(&sample);
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
        .chain(["host".to_string(), catalog::UP.to_string()])
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
            catalog::CLOUD.to_string(),
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
    use crate::metrics::{Traffic, Window};

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
