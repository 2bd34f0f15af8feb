//! The sweep's charts, each built from the CSV files.

use super::axes::Scale;
use super::chart::{Axis, Band, Chart, Curve, Marker, color, lighten, render};
use super::data::{Table, axis_label, setting_label};
use crate::metrics::catalog::{CLOUD, REGISTRATIONS, RESOLVE_HOPS, UP, UP_P95, reason_metric};
use crate::protocol::message::Reason;
use crate::sweep::tables::{
    CLOUD_SERIES_CSV, ESTIMATE_UP, HOST_RATES_CSV, SWEEP_CSV, ci_high_column, ci_low_column,
    mean_column,
};
use plotters::style::RGBColor;
use std::path::{Path, PathBuf};

/// Renders every chart whose data is present in `dir`; each chart not
/// drawn is named in the second list with the reason.
pub fn render_all(dir: &Path) -> anyhow::Result<(Vec<PathBuf>, Vec<String>)> {
    let table = Table::read(&dir.join(SWEEP_CSV))?;
    let s = Summary::new(&table)?;
    let mut charts = vec![
        (
            "bandwidth_linear".to_string(),
            bandwidth(&s, Scale::Linear)?,
        ),
        ("bandwidth_loglog".to_string(), bandwidth(&s, Scale::Log)?),
    ];
    charts.extend(by_reason(&s)?);
    let mut skipped = Vec::new();
    let hosts = dir.join(HOST_RATES_CSV);
    if hosts.is_file() {
        charts.push((
            "host_cdf".to_string(),
            host_cdf(&Table::read(&hosts)?, &s.scenario)?,
        ));
    } else {
        skipped.push(format!("host_cdf: {} is missing", hosts.display()));
    }
    let series = dir.join(CLOUD_SERIES_CSV);
    if series.is_file() {
        charts.push((
            "cloud_series".to_string(),
            cloud_series(&Table::read(&series)?, &s.scenario)?,
        ));
    } else {
        skipped.push(format!("cloud_series: {} is missing", series.display()));
    }
    charts.push(("hops_vs_registrations".to_string(), hops(&s)?));

    let mut files = Vec::new();
    for (stem, chart) in &charts {
        match render(chart, dir, stem)? {
            Some(pair) => files.extend(pair),
            None => skipped.push(format!(
                "{stem}: its CSV file has no values to draw (no rows, or only empty cells)"
            )),
        }
    }
    Ok((files, skipped))
}

/// Whether `name` is a file [`render_all`] may write.
pub fn is_chart_file(name: &str) -> bool {
    let Some(stem) = name
        .strip_suffix(".png")
        .or_else(|| name.strip_suffix(".svg"))
    else {
        return false;
    };
    matches!(
        stem,
        "bandwidth_linear"
            | "bandwidth_loglog"
            | "by_reason"
            | "host_cdf"
            | "cloud_series"
            | "hops_vs_registrations"
    ) || stem
        .strip_prefix("by_reason_")
        .is_some_and(|k| !k.is_empty() && k.bytes().all(|b| b.is_ascii_digit()))
}

/// One point's value of a metric: `(x, mean, 95 % interval)`.
type PointMean = (f64, f64, Option<(f64, f64)>);

/// `sweep.csv` with its points grouped into curves by series value.
struct Summary<'a> {
    t: &'a Table,
    scenario: String,
    x_col: usize,
    series_col: Option<usize>,
    /// Row indices of each curve, in order of first appearance.
    groups: Vec<(Option<f64>, Vec<usize>)>,
}

impl<'a> Summary<'a> {
    fn new(t: &'a Table) -> anyhow::Result<Summary<'a>> {
        let axes = t.axis_columns("n")?;
        let series_col = axes.get(1).copied();
        let mut groups: Vec<(Option<f64>, Vec<usize>)> = Vec::new();
        for row in 0..t.rows.len() {
            let key = series_col.map(|c| t.req(row, c)).transpose()?;
            match groups.iter_mut().find(|(k, _)| *k == key) {
                Some((_, rows)) => rows.push(row),
                None => groups.push((key, vec![row])),
            }
        }
        let scenario_col = t.col("scenario")?;
        Ok(Summary {
            t,
            scenario: t
                .rows
                .first()
                .map(|r| r[scenario_col].clone())
                .unwrap_or_default(),
            x_col: axes[0],
            series_col,
            groups,
        })
    }

    fn x_header(&self) -> &str {
        &self.t.header[self.x_col]
    }

    /// `loss = 0.2` for a curve of a grid, `None` without a series axis.
    fn group_label(&self, key: Option<f64>) -> Option<String> {
        Some(setting_label(&self.t.header[self.series_col?], key?))
    }

    /// A metric at the given rows, leaving out points without a mean.
    fn metric(&self, rows: &[usize], metric: &str) -> anyhow::Result<Vec<PointMean>> {
        let (m, lo, hi) = (
            self.t.col(&mean_column(metric))?,
            self.t.col(&ci_low_column(metric))?,
            self.t.col(&ci_high_column(metric))?,
        );
        let mut out = Vec::new();
        for &row in rows {
            let Some(mean) = self.t.num(row, m)? else {
                continue;
            };
            let ci = self.t.num(row, lo)?.zip(self.t.num(row, hi)?);
            out.push((self.t.req(row, self.x_col)?, mean, ci));
        }
        Ok(out)
    }

    /// `(x, estimate)` of the analytic estimate at the given rows, if
    /// `sweep.csv` has the column (older sweeps do not).
    fn analytic(&self, rows: &[usize]) -> anyhow::Result<Option<Vec<(f64, f64)>>> {
        let Ok(col) = self.t.col(ESTIMATE_UP) else {
            return Ok(None);
        };
        let mut points = Vec::new();
        for &row in rows {
            if let Some(y) = self.t.num(row, col)? {
                points.push((self.t.req(row, self.x_col)?, y));
            }
        }
        Ok(Some(points))
    }
}

/// A curve of estimates with their interval as error bars.
fn estimate_curve(
    label: String,
    color: RGBColor,
    width: u32,
    marker: Marker,
    e: &[PointMean],
) -> Curve {
    Curve {
        label,
        color,
        width,
        dashed: false,
        marker,
        points: e.iter().map(|&(x, y, _)| (x, y)).collect(),
        errors: e
            .iter()
            .filter_map(|&(x, _, ci)| ci.map(|(lo, hi)| (x, lo, hi)))
            .collect(),
    }
}

/// "mean" or "mean, loss = 0.2".
fn with_group(what: &str, group: &Option<String>) -> String {
    match group {
        Some(g) => format!("{what}, {g}"),
        None => what.to_string(),
    }
}

fn bandwidth(s: &Summary, scale: Scale) -> anyhow::Result<Chart> {
    let mut curves = Vec::new();
    for (i, (key, rows)) in s.groups.iter().enumerate() {
        let group = s.group_label(*key);
        let mean = s.metric(rows, UP)?;
        let p95 = s.metric(rows, UP_P95)?;
        curves.push(estimate_curve(
            with_group("mean", &group),
            color(i),
            3,
            Marker::Circle,
            &mean,
        ));
        curves.push(estimate_curve(
            with_group("95th percentile of hosts", &group),
            lighten(color(i), 0.45),
            2,
            Marker::Triangle,
            &p95,
        ));
        if let Some(points) = s.analytic(rows)? {
            curves.push(Curve {
                label: with_group("analytic estimate", &group),
                color: color(i),
                width: 2,
                dashed: true,
                marker: Marker::None,
                points,
                errors: Vec::new(),
            });
        }
    }
    let (x_name, _) = super::data::axis_name(s.x_header());
    let kind = if scale == Scale::Log {
        " (log–log)"
    } else {
        ""
    };
    Ok(Chart {
        title: format!("{}: upload per host vs {x_name}{kind}", s.scenario),
        x: Axis {
            label: axis_label(s.x_header()),
            scale,
            include_zero: scale == Scale::Linear,
        },
        y: Axis {
            label: "upload per host (B/s), 95% CI".to_string(),
            scale,
            include_zero: true,
        },
        bands: Vec::new(),
        curves,
    })
}

/// One stacked chart per curve of the grid: `by_reason`, or `by_reason_<k>`.
fn by_reason(s: &Summary) -> anyhow::Result<Vec<(String, Chart)>> {
    let mut charts = Vec::new();
    for (k, (key, rows)) in s.groups.iter().enumerate() {
        let mut below: Vec<(f64, f64)> = Vec::new();
        let mut bands = Vec::new();
        for (i, reason) in Reason::ALL.into_iter().enumerate() {
            let means = s.metric(rows, &reason_metric(reason))?;
            if means.iter().all(|e| e.1 == 0.0) {
                continue;
            }
            let mut points = Vec::new();
            for (x, mean, _) in means {
                let base = below.iter().find(|b| b.0 == x).map_or(0.0, |b| b.1);
                points.push((x, base, base + mean));
            }
            below = points.iter().map(|&(x, _, top)| (x, top)).collect();
            bands.push(Band {
                label: reason.name().replace('_', " "),
                color: color(i),
                points,
            });
        }
        // Top layer first, so the legend reads in stacking order.
        bands.reverse();
        let group = s
            .group_label(*key)
            .map_or(String::new(), |g| format!(", {g}"));
        let stem = if s.groups.len() == 1 {
            "by_reason".to_string()
        } else {
            format!("by_reason_{k}")
        };
        charts.push((
            stem,
            Chart {
                title: format!("{}: upload per host by reason{group}", s.scenario),
                // Linear like the y axis: on a log x axis, cost that grows
                // in proportion to the axis would curve up like a hockey
                // stick.
                x: Axis {
                    label: axis_label(s.x_header()),
                    scale: Scale::Linear,
                    include_zero: true,
                },
                y: Axis {
                    label: "upload per host (B/s), stacked means".to_string(),
                    scale: Scale::Linear,
                    include_zero: true,
                },
                bands,
                curves: Vec::new(),
            },
        ));
    }
    Ok(charts)
}

/// Labels for the point of each row: `names per host = 8[, loss = 0.1]`.
fn point_label(t: &Table, axes: &[usize], row: usize) -> anyhow::Result<String> {
    let parts = axes
        .iter()
        .map(|&c| Ok(setting_label(&t.header[c], t.req(row, c)?)))
        .collect::<anyhow::Result<Vec<String>>>()?;
    Ok(parts.join(", "))
}

fn host_cdf(t: &Table, scenario: &str) -> anyhow::Result<Chart> {
    let axes = t.axis_columns("host")?;
    let (point_col, up_col) = (t.col("point")?, t.col(UP)?);
    let mut curves: Vec<(String, String, Vec<f64>)> = Vec::new();
    for row in 0..t.rows.len() {
        let point = &t.rows[row][point_col];
        let rate = t.req(row, up_col)?;
        match curves.iter_mut().find(|c| c.0 == *point) {
            Some(c) => c.2.push(rate),
            None => curves.push((point.clone(), point_label(t, &axes, row)?, vec![rate])),
        }
    }
    let all: Vec<f64> = curves.iter().flat_map(|c| c.2.iter().copied()).collect();
    let curves = curves
        .into_iter()
        .enumerate()
        .map(|(i, (_, label, mut rates))| {
            rates.sort_by(f64::total_cmp);
            let n = rates.len() as f64;
            // A step up of 1/n at each host's rate.
            let points = rates
                .iter()
                .enumerate()
                .flat_map(|(k, &r)| [(r, k as f64 / n), (r, (k + 1) as f64 / n)])
                .collect();
            Curve {
                label,
                color: color(i),
                width: 3,
                dashed: false,
                marker: Marker::None,
                points,
                errors: Vec::new(),
            }
        })
        .collect();
    // Log: the rates of 1 and 64 names per host differ a hundredfold, and
    // on a linear axis the cheap points' curves hug the y axis. (A host
    // that sent nothing, at 0 B/s, starts its curve above 0.)
    let scale = if all.iter().any(|r| *r > 0.0) {
        Scale::Log
    } else {
        Scale::Linear
    };
    Ok(Chart {
        title: format!(
            "{scenario}: upload per host, cumulative share of hosts (first run of each point)"
        ),
        x: Axis {
            label: "upload per host (B/s, log scale)".to_string(),
            scale,
            include_zero: false,
        },
        y: Axis {
            label: "share of hosts at or below".to_string(),
            scale: Scale::Linear,
            include_zero: true,
        },
        bands: Vec::new(),
        curves,
    })
}

fn cloud_series(t: &Table, scenario: &str) -> anyhow::Result<Chart> {
    let axes = t.axis_columns("replication")?;
    let (time_col, cloud_col, rep_col) = (t.col("time_s")?, t.col(CLOUD)?, t.col("replication")?);
    let mut points = Vec::with_capacity(t.rows.len());
    for row in 0..t.rows.len() {
        points.push((t.req(row, time_col)?, t.req(row, cloud_col)?));
    }
    let last = points.iter().map(|p| p.0).fold(0.0, f64::max);
    let (div, unit) = if last > 3.0 * 3600.0 {
        (3600.0, "h")
    } else if last > 900.0 {
        (60.0, "min")
    } else {
        (1.0, "s")
    };
    let run = match t.rows.first() {
        Some(_) => format!(
            " ({}, replication {})",
            point_label(t, &axes, 0)?,
            t.rows[0][rep_col]
        ),
        None => String::new(),
    };
    Ok(Chart {
        title: format!("{scenario}: cloud upload over time{run}"),
        x: Axis {
            label: format!("simulated time ({unit})"),
            scale: Scale::Linear,
            include_zero: false,
        },
        y: Axis {
            label: "cloud upload, all hosts (B/s)".to_string(),
            scale: Scale::Linear,
            include_zero: true,
        },
        bands: Vec::new(),
        curves: vec![Curve {
            label: "per time window".to_string(),
            color: color(0),
            width: 2,
            dashed: false,
            marker: Marker::None,
            points: points.into_iter().map(|(x, y)| (x / div, y)).collect(),
            errors: Vec::new(),
        }],
    })
}

fn hops(s: &Summary) -> anyhow::Result<Chart> {
    let mut curves = Vec::new();
    for (i, (key, rows)) in s.groups.iter().enumerate() {
        let regs = s.metric(rows, REGISTRATIONS)?;
        let hops = s.metric(rows, RESOLVE_HOPS)?;
        // Pair each point's hops with its registrations, by axis value.
        let e: Vec<PointMean> = hops
            .iter()
            .filter_map(|&(x, h, ci)| {
                let r = regs.iter().find(|r| r.0 == x)?.1;
                let lx = (r > 0.0).then(|| r.log10())?;
                Some((lx, h, ci))
            })
            .collect();
        let group = s.group_label(*key);
        curves.push(estimate_curve(
            with_group("mean hops", &group),
            color(i),
            3,
            Marker::Circle,
            &e,
        ));
    }
    Ok(Chart {
        title: format!("{}: application resolve hops vs registrations", s.scenario),
        x: Axis {
            label: "log10(registrations in the cloud)".to_string(),
            scale: Scale::Linear,
            include_zero: false,
        },
        y: Axis {
            label: "mean LOOKUP hops per resolve, 95% CI".to_string(),
            scale: Scale::Linear,
            include_zero: true,
        },
        bands: Vec::new(),
        curves,
    })
}

#[cfg(test)]
mod tests;
