//! The report page of `pnrpsim compare`: which design costs more upload
//! per host, by what paired ratio, and how that ratio moves with the
//! sensitive parameters.

use super::sensitivity::{Answer as Row, Sensitivity};
use super::{Page, Parameter, cloud, common_method, kbit, parameters};
use crate::design::Comparison;
use crate::metrics::catalog::{UP, UP_P95};
use crate::scenario::Scenario;
use crate::scenario::provenance::Provenance;
use crate::sweep::stats::SampleMean;
use std::path::PathBuf;

/// The costliest and the cheapest design by mean upload per host.
pub fn extremes(cmp: &Comparison) -> (usize, usize) {
    let mean = |d: usize| cmp.estimate(d, UP).map_or(f64::NAN, |e| e.mean);
    let order = |a: &usize, b: &usize| mean(*a).total_cmp(&mean(*b));
    let n = cmp.designs.len();
    let hi = (0..n).max_by(order).unwrap_or(0);
    let lo = (0..n).min_by(order).unwrap_or(0);
    (hi, lo)
}

/// `7.31× (95% CI 7.02–7.60)`.
pub fn ratio_text(r: Option<SampleMean>) -> String {
    match r {
        Some(SampleMean {
            mean,
            ci95: Some((lo, hi)),
            ..
        }) => format!("{mean:.2}× (95 % CI {lo:.2}–{hi:.2})"),
        Some(e) => format!("{:.2}× (one replication, no CI)", e.mean),
        None => "undefined".to_owned(),
    }
}

/// The ratio of design `a` to `b` in mean upload per host, as a row.
pub fn row(cmp: &Comparison, a: usize, b: usize) -> Row {
    let r = cmp.ratio_between(a, b, UP);
    Row {
        text: ratio_text(r),
        number: r.map(|r| r.mean),
        ci: r.and_then(|r| r.ci95),
    }
}

fn design_label(cmp: &Comparison, d: usize) -> String {
    let design = &cmp.designs[d].design;
    if design.description.is_empty() {
        format!("`{}`", design.name)
    } else {
        format!("`{}` ({})", design.name, design.description)
    }
}

pub fn question(s: &Scenario, cmp: &Comparison) -> String {
    let designs: Vec<String> = (0..cmp.designs.len())
        .map(|d| design_label(cmp, d))
        .collect();
    format!(
        "**Which design costs less upload bandwidth per host, and by how much: {}, in {}?**",
        designs.join(" or "),
        cloud(s)
    )
}

pub fn answer(cmp: &Comparison, replications: u32) -> Vec<String> {
    let (hi, lo) = extremes(cmp);
    let name = |d: usize| format!("`{}`", cmp.designs[d].design.name);
    let est = |d: usize, m: &str| cmp.estimate(d, m).map_or(f64::NAN, |e| e.mean);
    let mut lines = vec![
        format!(
            "**{} costs {} as much upload per host as {}** (mean over hosts; ratio per paired replication, {replications} pairs).",
            name(hi),
            ratio_text(cmp.ratio_between(hi, lo, UP)),
            name(lo)
        ),
        format!(
            "At the 95th percentile over hosts the ratio is {}. In absolute terms: {} {} against {} {} per host (mean), {} against {} at p95.",
            ratio_text(cmp.ratio_between(hi, lo, UP_P95)),
            name(hi),
            kbit(est(hi, UP)),
            name(lo),
            kbit(est(lo, UP)),
            kbit(est(hi, UP_P95)),
            kbit(est(lo, UP_P95)),
        ),
        "Side by side (mean over replications, 95 % CI in brackets; bytes/s per host, by reason; ratios are to the first design):".to_owned(),
        format!("```text\n{}```", cmp.table()),
    ];
    if hi == lo {
        lines.insert(0, "The designs cost the same.".to_owned());
    }
    lines
}

/// The parameter rows, and each design's overrides under them.
pub fn parameter_section(
    s: &Scenario,
    prov: &Provenance,
    cmp: &Comparison,
) -> (Vec<Parameter>, Vec<String>) {
    let mut table = "Each design overrides these parameters of the scenario above:\n\n| design | overrides |\n|---|---|\n".to_owned();
    for d in &cmp.designs {
        let sets: Vec<String> = d
            .design
            .set
            .iter()
            .map(|(k, v)| format!("`{k} = {v}`"))
            .collect();
        table += &format!("| `{}` | {} |\n", d.design.name, sets.join(", "));
    }
    let mut rows = parameters(s, prov);
    for p in &mut rows {
        if cmp
            .designs
            .iter()
            .any(|d| d.design.set.contains_key(&p.path))
        {
            p.value = "per design".to_owned();
            p.provenance = "set by the `[[design]]` tables (below)".to_owned();
        }
    }
    (rows, vec![table])
}

pub fn method(s: &Scenario, replications: u32) -> Vec<String> {
    let mut m = common_method(s);
    m.push(format!(
        "Every design runs the same {replications} replications with the same seeds (common random numbers): replication r of each design uses the seed derived from (scenario seed, point 0, r). The ratio of two designs is taken per replication and averaged; its CI is Student's t over those {replications} paired ratios, which removes the run-to-run noise the designs share."
    ));
    m
}

pub fn page(
    s: &Scenario,
    cmp: &Comparison,
    replications: u32,
    prov: &Provenance,
    charts: Vec<(String, PathBuf)>,
    sensitivity: Sensitivity,
) -> Page {
    let (parameters, parameter_notes) = parameter_section(s, prov, cmp);
    Page {
        title: format!("Design comparison: {}", s.name),
        command: super::command_line(),
        question: question(s, cmp),
        answer: answer(cmp, replications),
        charts,
        parameters,
        parameter_notes,
        method: method(s, replications),
        sensitivity,
        caveats: vec![
            "The ratio compares the designs under the same workload (resolves per host-hour). A design that changes how often clients resolve, or what an application query costs, moves it: the query sizes are parameters in the table above.".to_owned(),
            "Churn drives the per-name cost (each arrival registers and floods every name), so the ratio grows when sessions are shorter.".to_owned(),
        ],
    }
}
