//! The report page of `pnrpsim sweep`: how per-host upload grows along the
//! swept axis, read back from the sweep's own `sweep.csv`, and how the
//! growth from the first to the last point moves with the sensitive
//! parameters.

use super::sensitivity::Answer as Row;
use super::{Page, Parameter, cloud, common_method, kbit, parameters};
use crate::engine::StreamSeed;
use crate::metrics::catalog::{self, UP, UP_P95};
use crate::scenario::Scenario;
use crate::scenario::overrides::scenario_at;
use crate::scenario::provenance::Provenance;
use crate::sweep::SweepPlan;
use crate::sweep::exec::{Outcome, execute};
use crate::sweep::stats::SampleMean;
use crate::sweep::tables::{ESTIMATE_UP, SWEEP_CSV, ci_high_column, ci_low_column, mean_column};
use anyhow::{Context, anyhow, bail};
use std::path::{Path, PathBuf};
use std::sync::atomic::AtomicBool;

/// One row of `sweep.csv`, as far as the page needs it.
#[derive(Clone, Debug)]
pub struct PointRow {
    pub point: usize,
    pub n: usize,
    /// Mean, CI low, CI high of mean and p95 upload per host.
    pub up: [Option<f64>; 3],
    pub p95: [Option<f64>; 3],
    pub estimate: Option<f64>,
}

/// Reads the rows of the sweep's `sweep.csv`.
pub fn read_points(dir: &Path) -> anyhow::Result<Vec<PointRow>> {
    let path = dir.join(SWEEP_CSV);
    let mut r =
        csv::Reader::from_path(&path).with_context(|| format!("cannot read {}", path.display()))?;
    let header = r.headers()?.clone();
    let col = |name: &str| {
        header
            .iter()
            .position(|h| h == name)
            .ok_or_else(|| anyhow!("{} has no column {name}", path.display()))
    };
    let trio = |m: &str| -> anyhow::Result<[usize; 3]> {
        Ok([
            col(&mean_column(m))?,
            col(&ci_low_column(m))?,
            col(&ci_high_column(m))?,
        ])
    };
    let (point, n, up, p95, est) = (
        col("point")?,
        col("n")?,
        trio(UP)?,
        trio(UP_P95)?,
        col(ESTIMATE_UP)?,
    );
    let mut rows = Vec::new();
    for record in r.records() {
        let record = record?;
        let num = |c: usize| record.get(c).and_then(|v| v.parse::<f64>().ok());
        rows.push(PointRow {
            point: record[point].parse()?,
            n: record[n].parse()?,
            up: up.map(num),
            p95: p95.map(num),
            estimate: num(est),
        });
    }
    Ok(rows)
}

/// The first and last point of the main axis (of the first series).
fn ends(plan: &SweepPlan) -> (usize, usize) {
    (0, plan.axis.values.len() - 1)
}

/// Ratio of the mean upload per host at the last point to the first,
/// with the 95 % interval of the per-replication ratios when known.
fn ratio_row(first: Option<f64>, last: Option<f64>, ci: Option<(f64, f64)>) -> Row {
    match (first, last) {
        (Some(f), Some(l)) if f > 0.0 => Row {
            text: match ci {
                Some((lo, hi)) => {
                    format!(
                        "{:.2}× (95 % CI {lo:.2}–{hi:.2}; {f:.1} → {l:.1} B/s)",
                        l / f
                    )
                }
                None => format!("{:.2}× ({f:.1} → {l:.1} B/s)", l / f),
            },
            number: Some(l / f),
            ci,
        },
        _ => Row {
            text: "undefined".to_owned(),
            number: None,
            ci: None,
        },
    }
}

/// The headline of the sweep itself, from `sweep.csv`.
pub fn base_row(plan: &SweepPlan, rows: &[PointRow]) -> Row {
    let (a, b) = ends(plan);
    let mean = |i: usize| rows.iter().find(|r| r.point == i).and_then(|r| r.up[0]);
    ratio_row(mean(a), mean(b), None)
}

/// The headline on a changed scenario: the first and last points run
/// again with the sweep's replications and seeds.
pub fn headline_at(
    table: &toml::Table,
    plan: &SweepPlan,
    threads: usize,
    stop: &AtomicBool,
) -> anyhow::Result<Row> {
    let (a, b) = ends(plan);
    let scenarios = [a, b]
        .iter()
        .map(|&i| scenario_at(table, &plan.points[i].coords).map_err(|e| anyhow!("point {i}: {e}")))
        .collect::<anyhow::Result<Vec<Scenario>>>()?;
    let column = catalog::per_run_index(UP).expect("upload is a per-run metric");
    let tasks: Vec<(usize, u32)> = (0..2)
        .flat_map(|k| (0..plan.replications).map(move |r| (k, r)))
        .collect();
    crate::guard::progress::plan(
        tasks.len() as u64,
        tasks
            .iter()
            .map(|&(k, _)| crate::guard::cost::cpu_seconds(&scenarios[k]))
            .sum(),
    );
    let outcomes = execute(&tasks, threads, stop, |&(k, r)| {
        let seed = StreamSeed {
            seed: scenarios[k].seed,
            point: [a, b][k] as u64,
            replication: u64::from(r),
        };
        Ok(
            catalog::per_run_values(&crate::guard::run_within(&scenarios[k], seed, None)?.0)
                [column],
        )
    })?;
    let mut samples = [Vec::new(), Vec::new()];
    for (&(k, r), o) in tasks.iter().zip(outcomes) {
        match o {
            Outcome::Done(v) => samples[k].extend(v),
            Outcome::Failed(e) | Outcome::CutShort(e) => bail!("replication {r}: {e}"),
            Outcome::Skipped => bail!("interrupted"),
        }
    }
    let mean = |k: usize| SampleMean::of(&samples[k]).map(|e| e.mean);
    // Replication r of both points shares its index: the ratio of each
    // pair, and the interval of those ratios.
    let ratios: Vec<f64> = samples[0]
        .iter()
        .zip(&samples[1])
        .filter(|(a, _)| **a > 0.0)
        .map(|(a, b)| b / a)
        .collect();
    let ci = SampleMean::of(&ratios).and_then(|e| e.ci95);
    Ok(ratio_row(mean(0), mean(1), ci))
}

fn cell(trio: &[Option<f64>; 3]) -> String {
    match trio {
        [Some(m), Some(lo), Some(hi)] => format!("{m:.1} [{lo:.1}, {hi:.1}]"),
        [Some(m), ..] => format!("{m:.1}"),
        _ => "n/a".to_owned(),
    }
}

pub fn question(s: &Scenario, plan: &SweepPlan) -> String {
    let values: Vec<String> = plan.axis.values.iter().map(ToString::to_string).collect();
    format!(
        "**How does the upload bandwidth each host needs grow with `{}` ({}), in {}?**",
        plan.axis.path,
        values.join(", "),
        cloud(s)
    )
}

pub fn answer(plan: &SweepPlan, rows: &[PointRow]) -> Vec<String> {
    let (a, b) = ends(plan);
    let head = base_row(plan, rows);
    let at = |i: usize| rows.iter().find(|r| r.point == i);
    let mut lines = vec![format!(
        "**From {} to {}, the mean upload per host grows {}.**",
        plan.points[a], plan.points[b], head.text
    )];
    if let (Some(f), Some(l)) = (at(a), at(b)) {
        lines.push(format!(
            "At the first point a host uploads {} on average and {} at p95 over hosts; at the last point {} and {}.",
            f.up[0].map_or("n/a".to_owned(), kbit),
            f.p95[0].map_or("n/a".to_owned(), kbit),
            l.up[0].map_or("n/a".to_owned(), kbit),
            l.p95[0].map_or("n/a".to_owned(), kbit),
        ));
    }
    let mut table = "Every point (mean over replications, 95 % CI in brackets, B/s; the analytic estimate is bytes per online host-second):\n\n| point | runs | upload per host, mean | upload per host, p95 | analytic estimate |\n|---|---|---|---|---|\n".to_owned();
    for r in rows {
        table += &format!(
            "| {} | {} | {} | {} | {} |\n",
            plan.points[r.point],
            r.n,
            cell(&r.up),
            cell(&r.p95),
            r.estimate.map_or("n/a".to_owned(), |e| format!("{e:.1}"))
        );
    }
    lines.push(table);
    lines
}

pub fn method(s: &Scenario, plan: &SweepPlan) -> Vec<String> {
    let mut m = common_method(s);
    m.push(format!(
        "The sweep runs {} points × {} replications; replication r of point i uses the seed derived from (scenario seed, i, r). The figures are those of `sweep.csv` in the sweep's output directory.",
        plan.points.len(),
        plan.replications
    ));
    m
}

pub fn parameter_section(
    s: &Scenario,
    prov: &Provenance,
    plan: &SweepPlan,
) -> (Vec<Parameter>, Vec<String>) {
    let mut rows = parameters(s, prov);
    for axis in std::iter::once(&plan.axis).chain(&plan.series) {
        for p in rows.iter_mut().filter(|p| p.path == axis.path) {
            p.value = "swept".to_owned();
            p.provenance = "the sweep's axis".to_owned();
        }
    }
    (rows, Vec::new())
}

pub fn page(
    s: &Scenario,
    plan: &SweepPlan,
    rows: &[PointRow],
    prov: &Provenance,
    charts: Vec<(String, PathBuf)>,
    sensitivity: super::sensitivity::Sensitivity,
) -> Page {
    let (parameters, parameter_notes) = parameter_section(s, prov, plan);
    Page {
        title: format!("Sweep: {}", s.name),
        command: super::command_line(),
        question: question(s, plan),
        answer: answer(plan, rows),
        charts,
        parameters,
        parameter_notes,
        method: method(s, plan),
        sensitivity,
        caveats: vec![
            "A ratio of means has no paired confidence interval here (the points use different seeds); the per-point intervals are in the answer's table.".to_owned(),
        ],
    }
}
