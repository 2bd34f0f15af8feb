//! The report page of `pnrpsim size`: the sizing question, its answer with
//! the runs that support it, and the same search with each sensitive
//! parameter halved and doubled.

use super::sensitivity::{Answer as Row, Sensitivity};
use super::{Page, ReportPath, cloud, common_method, kbit, parameters};
use crate::estimate::AnalyticEstimate;
use crate::plot::{Axis, Chart, Curve, Marker, Scale, axis_label, color, render};
use crate::scenario::Scenario;
use crate::scenario::provenance::Provenance;
use crate::size::{Answer, Evaluation, Search, Start};
use std::path::PathBuf;

/// `2.00 kbit/s (250.0 B/s) at p95, 95% CI 240.1–248.0 B/s, 5 runs`.
pub fn describe(e: &Evaluation, stat: &str) -> String {
    let ci = e.estimate.ci95.map_or(String::new(), |(lo, hi)| {
        format!(", 95% CI {lo:.1}–{hi:.1} B/s")
    });
    format!(
        "{} at {stat}{ci}, {} runs",
        kbit(e.estimate.mean),
        e.estimate.n
    )
}

/// What the search found, for the sensitivity column and the ranking.
pub fn short_answer(search: &Search, a: &Answer) -> Row {
    if !a.settled() && a.stopped.is_some() {
        let (lo, hi) = a.bracket();
        return match hi {
            Some(hi) => Row {
                text: format!("between {lo} and {hi} ({} runs)", a.runs),
                number: Some((lo + hi) as f64 / 2.0),
                ci: Some((lo as f64, hi as f64)),
            },
            None => Row {
                text: format!("at least {lo} ({} runs)", a.runs),
                number: Some(lo as f64),
                ci: None,
            },
        };
    }
    match (&a.within, &a.over) {
        (Some(w), Some(_)) => Row {
            text: format!("{} ({} runs)", w.value, a.runs),
            number: Some(w.value as f64),
            ci: Some((w.value as f64, w.value as f64)),
        },
        (Some(w), None) => Row {
            text: format!("at least {} (largest tried)", w.value),
            number: Some(w.value as f64),
            ci: None,
        },
        (None, Some(o)) => Row {
            text: format!("none: even {} costs {}", o.value, kbit(o.estimate.mean)),
            number: Some(0.0),
            ci: Some((0.0, 0.0)),
        },
        (None, None) => Row {
            text: format!("no answer for {}", search.axis),
            number: None,
            ci: None,
        },
    }
}

/// The sizing question in words.
pub fn question(s: &Scenario, search: &Search, names: Option<i64>) -> String {
    let what = if search.axis == "hosts.names_per_host" {
        "names per host".to_owned()
    } else {
        format!("`{}`", search.axis)
    };
    let stat = search.statistic.name();
    let upload = match search.statistic.name() {
        "mean" => "mean upload per host (mean over hosts)".to_owned(),
        p => format!("upload per host at {p} (the {p} over hosts)"),
    };
    match names {
        Some(n) => format!(
            "**What upload bandwidth does a host need, at {stat}, with {n} {what}, in {}?**",
            cloud(s)
        ),
        None => format!(
            "**How many {what} fit in a budget of {} of {upload}, in {}?** The answer is the largest value whose cost is within the budget at 95 % confidence, with the next value over it at 95 % confidence.",
            kbit(search.budget),
            cloud(s)
        ),
    }
}

/// The answer lines of a budget search.
pub fn answer_lines(search: &Search, a: &Answer) -> Vec<String> {
    let stat = search.statistic.name();
    let axis = &search.axis;
    let mut lines = Vec::new();
    let (lo, hi) = a.bracket();
    match (&a.within, &a.over) {
        _ if !a.settled() && a.stopped.is_some() => {
            lines.push(match hi {
                Some(hi) => format!("**{axis} between {lo} and {hi}** (a bracket, not one value)."),
                None => format!("**{axis} at least {lo}** (a bracket, not one value)."),
            });
            lines.push(format!(
                "The search stopped because {}. Each end of the bracket is settled at 95 % confidence: {}{}. The values inside it cost too close to the budget to tell apart with these runs; more replications (`--max-replications`, `--max-runs`) or a budget further from their cost would settle them.",
                a.stopped.as_deref().unwrap_or_default(),
                a.within.as_ref().map_or("no value was found within budget".to_owned(), |w| format!(
                    "{axis} = {} is within budget ({})",
                    w.value,
                    describe(w, stat)
                )),
                a.over.as_ref().map_or(String::new(), |o| format!(
                    ", and {axis} = {} is over it ({})",
                    o.value,
                    describe(o, stat)
                )),
            ));
        }
        (Some(w), Some(o)) => {
            lines.push(format!("**{axis} = {}.**", w.value));
            lines.push(format!(
                "With {} = {} a host stays within the budget of {} at 95 % confidence: {}; margin {:.1} B/s.",
                axis,
                w.value,
                kbit(search.budget),
                describe(w, stat),
                search.budget - w.estimate.mean
            ));
            lines.push(format!(
                "With {} = {} it exceeds the budget at 95 % confidence: {}; over by {:.1} B/s.",
                axis,
                o.value,
                describe(o, stat),
                o.estimate.mean - search.budget
            ));
        }
        (Some(w), None) => lines.push(format!(
            "**At least {axis} = {}**, the largest value the search may try (`--max-value`): {}.",
            w.value,
            describe(w, stat)
        )),
        (None, Some(o)) => lines.push(format!(
            "**None**: even {axis} = {} costs {}, over the budget of {}.",
            o.value,
            describe(o, stat),
            kbit(search.budget)
        )),
        (None, None) => {}
    }
    lines.push(format!(
        "The search took {} simulation runs; every value it evaluated is in the chart and the table below.",
        a.runs
    ));
    lines.push(evaluation_table(search, &a.evaluations));
    lines
}

/// Every evaluated value with its verdict.
fn evaluation_table(search: &Search, evaluations: &[Evaluation]) -> String {
    let mut out = format!(
        "| {} | runs | {} upload per host, B/s | 95 % CI, B/s | verdict |\n|---|---|---|---|---|\n",
        search.axis,
        search.statistic.name()
    );
    for e in evaluations {
        let ci = e
            .estimate
            .ci95
            .map_or("—".to_owned(), |(lo, hi)| format!("{lo:.1} – {hi:.1}"));
        let verdict = match e.verdict {
            crate::size::Verdict::Within => "within budget",
            crate::size::Verdict::Over => "over budget",
            crate::size::Verdict::Unsettled => "not settled",
        };
        out += &format!(
            "| {} | {} | {:.1} | {ci} | {verdict} |\n",
            e.value, e.estimate.n, e.estimate.mean
        );
    }
    out
}

/// The chart: the simulated statistic at each evaluated value with its
/// confidence interval (points only: values between were not run), the
/// analytic estimate of the same statistic (the mean's estimate times
/// `factor`, the calibration of [`Start`], for a percentile), and the
/// budget line.
pub fn chart(
    to: &ReportPath,
    s: &Scenario,
    search: &Search,
    evaluations: &[Evaluation],
    estimate_at: &dyn Fn(i64) -> Option<f64>,
    factor: Option<f64>,
    with_budget: bool,
) -> anyhow::Result<Option<(String, PathBuf)>> {
    let stat = search.statistic.name();
    let hi = evaluations
        .iter()
        .map(|e| e.value)
        .max()
        .unwrap_or(1)
        .max(2);
    let step = (hi / 40).max(1);
    // The estimate is of the mean: for a percentile it is scaled by the
    // ratio measured at 1, and says so; without that ratio it is left out
    // rather than drawn as another statistic.
    let (scale, estimate_label) = match (search.statistic.name(), factor) {
        ("mean", _) => (Some(1.0), "analytic estimate of the mean".to_owned()),
        (_, Some(k)) => (
            Some(k),
            format!("analytic estimate × {k:.2} (its ratio to the simulated {stat} at 1)"),
        ),
        _ => (None, String::new()),
    };
    let estimate: Vec<(f64, f64)> = match scale {
        Some(k) => (1..=hi)
            .step_by(step as usize)
            .chain([hi])
            .filter_map(|v| estimate_at(v).map(|e| (v as f64, e * k)))
            .collect(),
        None => Vec::new(),
    };
    let mut curves = vec![
        Curve {
            label: format!("simulated {stat} upload per host (mean of runs, 95% CI)"),
            color: color(0),
            width: 0,
            dashed: false,
            marker: Marker::Circle,
            points: evaluations
                .iter()
                .map(|e| (e.value as f64, e.estimate.mean))
                .collect(),
            errors: evaluations
                .iter()
                .filter_map(|e| e.estimate.ci95.map(|(l, h)| (e.value as f64, l, h)))
                .collect(),
        },
        Curve {
            label: estimate_label,
            color: color(7),
            width: 2,
            dashed: true,
            marker: Marker::None,
            points: estimate,
            errors: Vec::new(),
        },
    ];
    if with_budget {
        curves.push(Curve {
            label: format!("budget {}", kbit(search.budget)),
            color: color(3),
            width: 2,
            dashed: true,
            marker: Marker::None,
            points: vec![(1.0, search.budget), (hi as f64, search.budget)],
            errors: Vec::new(),
        });
    }
    let chart = Chart {
        title: format!("{}: upload per host against {}", s.name, search.axis),
        x: Axis {
            label: axis_label(&search.axis),
            scale: Scale::Linear,
            include_zero: false,
        },
        y: Axis {
            label: format!("upload per host, {stat} (B/s)"),
            scale: Scale::Linear,
            include_zero: true,
        },
        bands: Vec::new(),
        curves,
    };
    let Some([png, _svg]) = render(&chart, to.dir(), &to.chart_stem("size"))? else {
        return Ok(None);
    };
    Ok(Some((
        format!(
            "Simulated {stat} upload per host at each value the search evaluated (mean over replications, 95 % CI), beside the analytic estimate of the same statistic{}",
            if with_budget { " and the budget" } else { "" }
        ),
        png,
    )))
}

/// The method bullets of a size search.
pub fn method(s: &Scenario, search: &Search, start: Option<Start>, names: bool) -> Vec<String> {
    let mut m = common_method(s);
    if names {
        m.push(format!(
            "The value was run with {} replications (`--replications`).",
            search.replications
        ));
        return m;
    }
    let axis = &search.axis;
    m.push(match start {
        Some(Start {
            analytic,
            factor: Some(k),
            value,
        }) => format!(
            "Bracketing with the analytic estimate (`src/estimate`, a closed-form model of the same protocol, which predicts the mean upload per online host-second): the estimate puts the largest value within budget at {axis} = {analytic}; a simulated evaluation at {axis} = 1 gives {k:.2} × the estimate for the {stat}; the estimate scaled by that factor puts it at {axis} = {value}, where the simulated search starts. After each look the estimate is rescaled at the simulated value whose mean is nearest the budget, and the next runs go to the value it predicts to be the last within budget and the one after it.",
            stat = search.statistic.name()
        ),
        Some(Start { analytic, .. }) => format!(
            "Bracketing with the analytic estimate (`src/estimate`): it puts the largest value within budget at {axis} = {analytic}, where the simulated search starts, with the value after it."
        ),
        None => format!(
            "Bracketing: the analytic estimate is undefined for this scenario, so the simulated search starts at {axis} = 1, doubling while within budget, then bisects."
        ),
    });
    let looks = crate::size::looks::Looks::doubling(search.replications, search.max_replications);
    m.push(format!(
        "Replication r of every value runs with the same seed (common random numbers, as `compare` does). A value is looked at after {} runs and stops at the first look whose interval clears the budget: *within* when the upper end is at or below it, *over* when the lower end is above it. The intervals are 95 % confidence intervals across the looks: each look spends a share of the 5 % error in proportion to the runs it adds (Bonferroni), so a value stops with a 95 % interval whichever look it stops at. The answer is a value within budget whose successor is over budget, and values must be monotone in cost (checked). A value still unsettled after its last look is stepped around; when the values next to the budget cannot be settled, or the search has started {} runs (`--max-runs`), the answer is the bracket between the largest value settled within budget and the smallest settled over it, never a guess.",
        looks
            .counts()
            .iter()
            .map(u32::to_string)
            .collect::<Vec<_>>()
            .join(", "),
        search.max_runs
    ));
    m
}

/// The parameter rows and the notes under them.
pub fn parameter_section(
    s: &Scenario,
    prov: &Provenance,
    search: &Search,
) -> (Vec<super::Parameter>, Vec<String>) {
    let mut rows = parameters(s, prov);
    for p in rows.iter_mut().filter(|p| p.path == search.axis) {
        p.value = "searched".to_owned();
        p.provenance = format!("the answer (searched from 1 to {})", search.max_value);
    }
    (rows, Vec::new())
}

/// Assembles the page.
#[allow(clippy::too_many_arguments)]
pub fn page(
    s: &Scenario,
    question: String,
    answer: Vec<String>,
    charts: Vec<(String, PathBuf)>,
    prov: &Provenance,
    search: &Search,
    method: Vec<String>,
    sensitivity: Sensitivity,
) -> Page {
    let (parameters, parameter_notes) = parameter_section(s, prov, search);
    Page {
        title: format!("Sizing: {} ({})", search.axis, s.name),
        command: super::command_line(),
        question,
        answer,
        charts,
        parameters,
        parameter_notes,
        method,
        sensitivity,
        caveats: vec![
            "Halving the session mean doubles the churn: joins, registrations and floods per host-hour follow it, so under heavy churn the cost per name is dominated by publication. Refresh matters mostly when sessions are long compared with the refresh interval.".to_owned(),
            "The cloud size enters through the path length (one more hop per tenfold registrations): a tenfold larger deployment than the one simulated costs each name about one more hop per registration and resolve.".to_owned(),
            "Loss, firewalls, Teredo and shared names are as set in the parameter table; the estimate beside the simulation ignores them.".to_owned(),
        ],
    }
}

/// The analytic per-host upload of `s` (bytes per online host-second).
pub fn analytic(s: &Scenario) -> Option<f64> {
    AnalyticEstimate::of(s).map(|e| e.per_host_total())
}
