//! The stationarity warnings of `run`, `sweep`, `size` and `compare`
//! (`metrics::stationarity` decides): a figure measured while the cloud
//! still settles is biased, so each command names the runs and series that
//! still trend and the warm-up that would measure past the transient.

use crate::metrics::stationarity::Trend;
use crate::scenario::Scenario;
use std::path::Path;

/// One series of one run, for a person: "cloud bytes/s still trends in the
/// measured window (MSER-5 truncates 62 % of it)".
pub fn describe(t: &Trend) -> String {
    format!(
        "{} still trends in the measured window (MSER-5 truncates {:.0} % of it)",
        t.label,
        100.0 * t.truncated_share
    )
}

/// The `--set` options that start measuring after what MSER-5 truncated,
/// rounded up to whole minutes, and lengthen the run by as much so that
/// the measured time stays the same.
pub fn suggestion(s: &Scenario, truncated_share: f64) -> String {
    let (warmup, duration) = (s.warmup.as_secs_f64(), s.duration.as_secs_f64());
    let cut = truncated_share * (duration - warmup);
    let extra = 60 * (cut / 60.0).ceil().max(1.0) as u64;
    let secs = |from: f64| crate::engine::units::Duration::secs(from as u64 + extra);
    format!(
        "try --set warmup={} --set duration={}",
        secs(warmup),
        secs(duration)
    )
}

/// Prints to stderr one warning per trending series of each labelled run
/// (the label is empty for a single run), then one suggestion sized by the
/// longest transient. Prints nothing when no run trends.
pub fn warn(s: &Scenario, runs: &[(String, Vec<Trend>)]) {
    let mut longest: Option<f64> = None;
    for (label, trends) in runs {
        for t in trends {
            let run = if label.is_empty() {
                String::new()
            } else {
                format!("{label}: ")
            };
            eprintln!("warning: {run}{}", describe(t));
            longest = Some(longest.map_or(t.truncated_share, |l| l.max(t.truncated_share)));
        }
    }
    if let Some(share) = longest {
        eprintln!(
            "warning: a longer warm-up measures past the transient; {}",
            suggestion(s, share)
        );
    }
}

/// The trending runs of a finished sweep, read from its `runs.csv`:
/// labelled "point P, replication R".
pub fn of_sweep(dir: &Path) -> anyhow::Result<Vec<(String, Vec<Trend>)>> {
    use anyhow::Context as _;
    let path = dir.join(crate::sweep::tables::RUNS_CSV);
    let mut csv =
        csv::Reader::from_path(&path).with_context(|| format!("cannot read {}", path.display()))?;
    let header = csv.headers()?.clone();
    let col = |name: &str| header.iter().position(|h| h == name);
    let mut runs = Vec::new();
    for record in csv.records() {
        let record = record?;
        let cell = |name: &str| col(name).and_then(|c| record.get(c));
        let trends =
            crate::metrics::stationarity::trends_in(|name| cell(name).and_then(|v| v.parse().ok()));
        if !trends.is_empty() {
            let label = format!(
                "point {}, replication {}",
                cell("point").unwrap_or("?"),
                cell("replication").unwrap_or("?")
            );
            runs.push((label, trends));
        }
    }
    Ok(runs)
}

/// Caveat lines for a `--report` page: one per trending run and series.
pub fn caveats(runs: &[(String, Vec<Trend>)]) -> Vec<String> {
    runs.iter()
        .flat_map(|(label, trends)| {
            trends.iter().map(move |t| {
                format!(
                    "Not settled: in {label}, {} — its figures are biased by the transient; \
                     measure with a longer warm-up.",
                    describe(t)
                )
            })
        })
        .collect()
}

/// The trending runs of a comparison: labelled "design D, replication R".
pub fn of_comparison(cmp: &crate::design::Comparison) -> Vec<(String, Vec<Trend>)> {
    let index = crate::metrics::catalog::per_run_index;
    cmp.designs
        .iter()
        .flat_map(|d| {
            d.runs.iter().enumerate().map(move |(r, values)| {
                let trends = crate::metrics::stationarity::trends_in(|name| {
                    index(name).and_then(|i| values[i])
                });
                (format!("design {}, replication {r}", d.design.name), trends)
            })
        })
        .filter(|(_, trends)| !trends.is_empty())
        .collect()
}
