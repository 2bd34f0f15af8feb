//! The estimate printed beside a run's simulated figures.
//!
//! Per-host bandwidth is compared as bytes sent per host-second online
//! (cloud bytes over the hosts' summed online time), which is what the
//! estimate predicts. The summary's "mean B/s" column is the mean of each
//! host's own rate instead; under churn a host online for a few minutes
//! that joined (or left cleanly) in the window carries a whole join (or
//! unregistration) over that short time, so that mean weighs churn costs
//! more and depends on the window length.

use super::summary::grid;
use crate::estimate::AnalyticEstimate;
use crate::metrics::RunResult;
use crate::metrics::headline::Headline;
use crate::protocol::message::Reason;
use crate::scenario::Scenario;

/// Rows of `label, simulated, estimate, estimate / simulated`; a figure
/// that is undefined on either side shows as `n/a`.
fn row(label: &str, sim: Option<f64>, est: Option<f64>, decimals: usize) -> Vec<String> {
    let fmt = |x: Option<f64>| x.map_or_else(|| "n/a".to_owned(), |x| format!("{x:.decimals$}"));
    let ratio = match (sim, est) {
        (Some(a), Some(b)) if a > 0.0 => Some(b / a),
        _ => None,
    };
    vec![
        label.to_owned(),
        fmt(sim),
        fmt(est),
        ratio.map_or_else(|| "n/a".to_owned(), |x| format!("{x:.2}")),
    ]
}

/// A table of the simulated figures of `r` beside the estimate for `s`,
/// with the ratio estimate / simulated.
pub fn comparison_table(s: &Scenario, r: &RunResult) -> String {
    let Some(e) = AnalyticEstimate::of(s) else {
        return "estimate: n/a (nothing measured)\n".to_owned();
    };
    let host_secs: f64 = r.hosts.iter().map(|h| h.online_secs).sum();
    let measured = (r.measured_secs > 0.0).then_some(r.measured_secs);
    let per_host_s = |bytes: u64| (host_secs > 0.0).then(|| bytes as f64 / host_secs);
    let registrations = (!r.windows.is_empty()).then(|| {
        r.windows
            .iter()
            .map(|w| f64::from(w.registrations))
            .sum::<f64>()
            / r.windows.len() as f64
    });
    let pop = &e.population;
    let mut rows = vec![
        ["estimate vs simulation", "simulated", "estimate", "ratio"]
            .map(String::from)
            .to_vec(),
        row(
            "  hosts online, mean",
            measured.map(|t| host_secs / t),
            Some(pop.online),
            1,
        ),
        row(
            "  registrations, mean",
            registrations,
            Some(pop.registrations),
            0,
        ),
        row(
            "  joins + departures /s",
            measured.map(|t| (r.joins + r.departures) as f64 / t),
            Some(pop.joins_per_s + pop.departures_per_s),
            4,
        ),
        row(
            "  resolve hops, mean",
            r.resolves.mean_hops(),
            Some(e.resolve_hops),
            2,
        ),
        row(
            "  cache levels, mean",
            Headline::of(r).cache_levels_mean,
            Some(e.cache_levels),
            2,
        ),
        ["upload per online host-second", "B/s", "B/s", ""]
            .map(String::from)
            .to_vec(),
    ];
    for reason in Reason::ALL {
        rows.push(row(
            &format!("  {}", reason.name()),
            per_host_s(r.sent_by_reason(reason).bytes),
            Some(e.per_host(reason)),
            2,
        ));
    }
    rows.push(row(
        "  total",
        per_host_s(r.total_sent().bytes),
        Some(e.per_host_total()),
        2,
    ));
    let width = rows.iter().map(|r| r[0].chars().count()).max().unwrap_or(0);
    grid(&rows, width, true)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::outputs::fixture::sample_run;

    #[test]
    fn lists_every_reason_with_a_ratio() {
        let s = Scenario::default();
        let table = comparison_table(&s, &sample_run());
        let lines: Vec<&str> = table.lines().collect();
        assert_eq!(lines.len(), 6 + 1 + Reason::COUNT + 1, "{table}");
        assert!(lines[0].starts_with("estimate vs simulation"));
        for reason in Reason::ALL {
            assert!(
                lines
                    .iter()
                    .any(|l| l.trim_start().starts_with(reason.name())),
                "{table}"
            );
        }
        // No NaN or infinity ever reaches the terminal.
        for word in table.split_whitespace() {
            assert!(!word.parse::<f64>().is_ok_and(|x| !x.is_finite()), "{word}");
        }
        let empty = comparison_table(&s, &RunResult::default());
        assert!(empty.contains("n/a"), "{empty}");
    }
}
