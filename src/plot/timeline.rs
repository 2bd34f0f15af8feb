//! Charts of one run's `[[event]]` timeline: resolve success and the
//! cloud's bytes per window with each event marked, and one recovery chart
//! per event (success against time since the event, with its level before
//! and the point it was back within one point of it).
//!
//! Drawn by `pnrpsim run` next to `timeline.csv` and `recovery.csv`, from
//! the same run result.

use super::{Axis, Band, Chart, Curve, Marker, Scale, color, lighten, render};
use crate::metrics::RunResult;
use crate::metrics::recovery::{BASELINE_WINDOWS, RECOVERED_WITHIN, recoveries, window_of};
use crate::protocol::message::Reason;
use std::path::{Path, PathBuf};

/// The PNG (and SVG) files of the timeline charts of `r`, written into
/// `dir`; none for a run without a timeline.
pub fn timeline_charts(r: &RunResult, dir: &Path) -> anyhow::Result<Vec<PathBuf>> {
    if r.timeline.events.is_empty() {
        return Ok(Vec::new());
    }
    let mut files = Vec::new();
    let mut add = |drawn: Option<[PathBuf; 2]>| files.extend(drawn.into_iter().flatten());
    add(render(&success_chart(r), dir, "timeline_success")?);
    add(render(&bytes_chart(r), dir, "timeline_bytes")?);
    for k in 0..r.timeline.events.len() {
        add(render(
            &recovery_chart(r, k),
            dir,
            &format!("recovery_{}", k + 1),
        )?);
    }
    Ok(files)
}

fn minutes(secs: f64) -> f64 {
    secs / 60.0
}

fn time_axis(label: &str) -> Axis {
    Axis {
        label: label.to_owned(),
        scale: Scale::Linear,
        include_zero: false,
    }
}

/// Each event as a dashed vertical line from `0` to `top`, and its effect's
/// span (partition, loss, outage, arrivals) as a light band.
fn event_marks(r: &RunResult, top: f64) -> (Vec<Band>, Vec<Curve>) {
    let mut bands = Vec::new();
    let mut lines = Vec::new();
    for (k, e) in r.timeline.events.iter().enumerate() {
        let c = color(3 + k);
        let (at, until) = (minutes(e.at_secs), minutes(e.until_secs));
        if until > at {
            bands.push(Band {
                label: format!("while event {} lasts", k + 1),
                color: lighten(c, 0.75),
                points: vec![(at, 0.0, top), (until, 0.0, top)],
            });
        }
        lines.push(Curve {
            label: format!("event {}: {}", k + 1, e.label),
            color: c,
            width: 2,
            dashed: true,
            marker: Marker::None,
            points: vec![(at, 0.0), (at, top)],
            errors: Vec::new(),
        });
    }
    (bands, lines)
}

fn success_chart(r: &RunResult) -> Chart {
    let points = r
        .windows
        .iter()
        .zip(&r.timeline.windows)
        .filter_map(|(w, t)| Some((minutes(w.start_secs), t.success()?)))
        .collect();
    let (bands, mut curves) = event_marks(r, 1.0);
    curves.insert(0, measured("resolve success per window", 0, points));
    Chart {
        title: format!("{}: application resolve success per window", r.scenario),
        x: time_axis("simulated time (min), window start"),
        y: Axis {
            label: "resolves succeeded / finished (share)".to_owned(),
            scale: Scale::Linear,
            include_zero: true,
        },
        bands,
        curves,
    }
}

fn measured(label: &str, c: usize, points: Vec<(f64, f64)>) -> Curve {
    Curve {
        label: label.to_owned(),
        color: color(c),
        width: 3,
        dashed: false,
        marker: Marker::Circle,
        points,
        errors: Vec::new(),
    }
}

/// Reasons drawn in the bytes chart: the ones that carry traffic in the
/// run, in enum order.
fn busy_reasons(r: &RunResult) -> Vec<Reason> {
    Reason::ALL
        .into_iter()
        .filter(|&reason| r.sent_by_reason(reason).bytes > 0)
        .collect()
}

fn bytes_chart(r: &RunResult) -> Chart {
    let widths = r.window_widths();
    let rate = |bytes: u64, secs: f64| (secs > 0.0).then(|| bytes as f64 / secs);
    let series = |of: &dyn Fn(&crate::metrics::Window) -> u64| -> Vec<(f64, f64)> {
        r.windows
            .iter()
            .zip(&widths)
            .filter_map(|(w, &secs)| Some((minutes(w.start_secs), rate(of(w), secs)?)))
            .collect()
    };
    let total = series(&|w| w.sent.bytes);
    let top = total.iter().map(|&(_, y)| y).fold(0.0, f64::max);
    let (bands, marks) = event_marks(r, top);
    let mut curves = vec![measured("all reasons", 0, total)];
    for (i, reason) in busy_reasons(r).into_iter().enumerate() {
        let mut c = measured(
            reason.name(),
            1 + i,
            series(&|w| w.sent_bytes_by_reason[reason.index()]),
        );
        c.width = 2;
        c.marker = Marker::None;
        curves.push(c);
    }
    curves.extend(marks);
    Chart {
        title: format!(
            "{}: bytes sent per window, whole cloud, by reason",
            r.scenario
        ),
        x: time_axis("simulated time (min), window start"),
        y: Axis {
            label: "bytes sent, whole cloud (B/s)".to_owned(),
            scale: Scale::Linear,
            include_zero: true,
        },
        bands,
        curves,
    }
}

/// Success against minutes since event `k`, from the windows giving its
/// level before to the end of the run.
fn recovery_chart(r: &RunResult, k: usize) -> Chart {
    let e = &r.timeline.events[k];
    let rec = recoveries(r)[k];
    let first = window_of(r, e.at_secs).unwrap_or(r.windows.len());
    let from = first.saturating_sub(BASELINE_WINDOWS);
    let since = |secs: f64| minutes(secs - e.at_secs);
    let points: Vec<(f64, f64)> = r.windows[from..]
        .iter()
        .zip(&r.timeline.windows[from..])
        .filter_map(|(w, t)| Some((since(w.start_secs), t.success()?)))
        .collect();
    let (x0, x1) = (
        points.first().map_or(0.0, |p| p.0),
        points.last().map_or(0.0, |p| p.0),
    );
    // Vertical marks span the data (and the level lines), so that the axis
    // zooms on the dip rather than stretching to 0.
    let low = points
        .iter()
        .map(|p| p.1)
        .chain(rec.success_before.map(|b| b - 2.0 * RECOVERED_WITHIN))
        .fold(1.0, f64::min);
    let mut curves = vec![measured("resolve success per window", 0, points)];
    if let Some(before) = rec.success_before {
        for (label, y, c) in [
            (format!("before: {:.3}", before), before, 2),
            (
                format!("recovered level: before − {RECOVERED_WITHIN}"),
                before - RECOVERED_WITHIN,
                7,
            ),
        ] {
            curves.push(Curve {
                label,
                color: color(c),
                width: 2,
                dashed: true,
                marker: Marker::None,
                points: vec![(x0, y), (x1, y)],
                errors: Vec::new(),
            });
        }
    }
    curves.push(Curve {
        label: format!("event {}: {}", k + 1, e.label),
        color: color(3),
        width: 2,
        dashed: true,
        marker: Marker::None,
        points: vec![(0.0, low), (0.0, 1.0)],
        errors: Vec::new(),
    });
    if let Some(secs) = rec.recovery_secs {
        curves.push(Curve {
            label: format!("back after {secs:.0} s"),
            color: color(2),
            width: 2,
            dashed: false,
            marker: Marker::None,
            points: vec![(minutes(secs), low), (minutes(secs), 1.0)],
            errors: Vec::new(),
        });
    }
    Chart {
        title: format!(
            "{}: recovery from event {} ({})",
            r.scenario,
            k + 1,
            e.label
        ),
        x: time_axis("time since the event (min), window start"),
        y: Axis {
            label: "resolves succeeded / finished (share)".to_owned(),
            scale: Scale::Linear,
            include_zero: false,
        },
        bands: Vec::new(),
        curves,
    }
}
