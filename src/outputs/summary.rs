//! The table printed at the end of a run: the figures a reader needs to judge
//! the run at a glance, headline (per-host upload) first. The CSV files hold
//! the rest.

use crate::metrics::RunResult;
use crate::metrics::catalog::{
    BALANCING_SHARE, BLOCKED_INQUIRES, CACHE_ENTRIES, CACHE_HOSTS, CACHE_LEVELS, CLOUD,
    CLOUD_DATAGRAMS, DEPARTURES, EVENTS, HOSTS, HOSTS_MEASURED, JOINS, LARGEST_SCC_MIN,
    LEAF_SET_ACCURACY, LEAF_SET_CHECKED, MAX_LEVEL_FILL, MEASURED_S, Measured, REGISTRATIONS,
    RESOLVE_HOPS, RESOLVE_HOPS_P95, RESOLVE_SUCCESS, RESOLVES_STARTED, RUN_SEED, SCC_COUNT_MAX,
    SENT_B, STATS, Value, reason_metric, stat_name,
};
use crate::protocol::message::Reason;

/// What an undefined figure shows as.
const NA: &str = "n/a";

fn bytes_per_s(x: f64) -> String {
    format!("{x:.1}")
}

/// PNRP bandwidth budgets are usually quoted in kbit/s (1 kbit = 1000 bit).
fn kbit_per_s(x: f64) -> String {
    format!("{:.2}", x * 8.0 / 1000.0)
}

fn percent(share: Option<f64>) -> String {
    share.map_or_else(|| NA.to_owned(), |s| format!("{:.1} %", s * 100.0))
}

fn or_na(x: Option<f64>, fmt: impl Fn(f64) -> String) -> String {
    x.map_or_else(|| NA.to_owned(), fmt)
}

/// A count as an integer (a real-valued figure rounded).
fn count(v: Value) -> String {
    match v {
        Value::Count(n) => n.to_string(),
        Value::Real(x) => format!("{x:.0}"),
    }
}

/// Lays out rows with the first column padded to `label_width` and the other
/// columns right-aligned to their widest cell (if `right_align`) or
/// left-aligned (for free text), two spaces apart.
pub(crate) fn grid(rows: &[Vec<String>], label_width: usize, right_align: bool) -> String {
    let columns = rows.iter().map(Vec::len).max().unwrap_or(0);
    let mut widths = vec![0; columns];
    widths[0] = label_width;
    for row in rows {
        for (w, cell) in widths.iter_mut().zip(row) {
            *w = (*w).max(cell.chars().count());
        }
    }
    let mut out = String::new();
    for row in rows {
        let mut line = String::new();
        for (i, (cell, &w)) in row.iter().zip(&widths).enumerate() {
            if i > 0 {
                line.push_str("  ");
            }
            if i > 0 && right_align {
                line.push_str(&format!("{cell:>w$}"));
            } else {
                line.push_str(&format!("{cell:<w$}"));
            }
        }
        out.push_str(line.trim_end());
        out.push('\n');
    }
    out
}

/// An aligned plain-text table of about twenty lines: per-host upload and
/// download rates (B/s and kbit/s), upload by reason, then cloud totals,
/// resolves, leaf-set accuracy, caches, churn and overlay connectivity.
/// Every figure is read through the metric catalogue, so the table shows
/// what `summary.csv` records under the catalogue's names.
pub fn summary_table(r: &RunResult) -> String {
    let m = Measured::of(r);
    let int = |name: &str| m.get(name).map_or_else(|| NA.to_owned(), count);
    let real = |name: &str| m.real(name);
    let name = if r.scenario.is_empty() {
        "(unnamed scenario)"
    } else {
        r.scenario.as_str()
    };
    let mut out = format!(
        "{name} · run seed {} · {} hosts ({} online while measuring) · {} s measured\n",
        int(RUN_SEED),
        int(HOSTS),
        int(HOSTS_MEASURED),
        or_na(real(MEASURED_S), |x| format!("{x:.0}")),
    );

    let distribution_row = |label: &str, stem: &str, fmt: fn(f64) -> String| {
        let mut row = vec![label.to_owned()];
        row.extend(
            STATS
                .iter()
                .map(|(stat, ..)| or_na(real(&stat_name(stem, stat, "B_per_s")), fmt)),
        );
        row
    };
    let rates = [
        ["per-host rate", "mean", "p50", "p95", "p99", "max"]
            .map(String::from)
            .to_vec(),
        distribution_row("  upload B/s", "up", bytes_per_s),
        distribution_row("  upload kbit/s", "up", kbit_per_s),
        distribution_row("  download B/s", "down", bytes_per_s),
    ];
    let total_bytes = r.total_sent().bytes;
    let mut by_reason = vec![
        ["upload by reason", "mean B/s", "kbit/s", "of bytes"]
            .map(String::from)
            .to_vec(),
    ];
    by_reason.extend(Reason::ALL.iter().map(|&reason| {
        let mean = real(&reason_metric(reason));
        let bytes = r.sent_by_reason(reason).bytes;
        vec![
            format!("  {}", reason.name()),
            or_na(mean, bytes_per_s),
            or_na(mean, kbit_per_s),
            percent((total_bytes > 0).then(|| bytes as f64 / total_bytes as f64)),
        ]
    }));

    let latency = |stat: &str| real(&stat_name("resolve_latency", stat, "s"));
    let resolves = format!(
        "{} of {} succeeded · hops mean {}, p95 {} · latency mean {}, p95 {}",
        percent(real(RESOLVE_SUCCESS)),
        int(RESOLVES_STARTED),
        or_na(real(RESOLVE_HOPS), |x| format!("{x:.2}")),
        int(RESOLVE_HOPS_P95),
        or_na(latency(""), |x| format!("{x:.3} s")),
        or_na(latency("p95"), |x| format!("{x:.3} s")),
    );
    let facts = [
        [
            "cloud".to_owned(),
            format!(
                "{} B/s ({} kbit/s) · {} datagrams/s · {} B sent",
                or_na(real(CLOUD), bytes_per_s),
                or_na(real(CLOUD), kbit_per_s),
                or_na(real(CLOUD_DATAGRAMS), |x| format!("{x:.1}")),
                int(SENT_B)
            ),
        ],
        ["resolves".to_owned(), resolves],
        [
            "leaf sets".to_owned(),
            format!(
                "{} accurate ({} entries checked)",
                percent(real(LEAF_SET_ACCURACY)),
                int(LEAF_SET_CHECKED)
            ),
        ],
        [
            "cache".to_owned(),
            format!(
                "{} entries, {} levels per online host ({} hosts) · max level fill {}",
                or_na(real(CACHE_ENTRIES), |x| format!("{x:.1}")),
                or_na(real(CACHE_LEVELS), |x| format!("{x:.1}")),
                int(CACHE_HOSTS),
                int(MAX_LEVEL_FILL)
            ),
        ],
        [
            "balancing".to_owned(),
            format!(
                "{} of bytes (reason maintenance; gap threshold pnrp.balance_gap_fraction [ours])",
                percent(real(BALANCING_SHARE))
            ),
        ],
        [
            "churn".to_owned(),
            format!(
                "{} registrations at end · {} joins · {} departures · {} INQUIREs blocked",
                int(REGISTRATIONS),
                int(JOINS),
                int(DEPARTURES),
                int(BLOCKED_INQUIRES)
            ),
        ],
        [
            "overlay".to_owned(),
            match (m.get(SCC_COUNT_MAX), real(LARGEST_SCC_MIN)) {
                (Some(n), Some(share)) => format!(
                    "at worst {} component{}, largest with {} of online hosts",
                    count(n),
                    if n.as_f64() == 1.0 { "" } else { "s" },
                    percent(Some(share))
                ),
                _ => "connectivity not sampled".to_owned(),
            },
        ],
        ["events".to_owned(), int(EVENTS)],
    ]
    .map(Vec::from);

    // One label width for all three blocks, so their columns start together.
    let label_width = rates
        .iter()
        .chain(&by_reason)
        .chain(&facts)
        .map(|row| row[0].chars().count())
        .max()
        .unwrap_or(0);
    out.push_str(&grid(&rates, label_width, true));
    out.push_str(&grid(&by_reason, label_width, true));
    out.push_str(&grid(&facts, label_width, false));
    out
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::outputs::fixture::sample_run;

    #[test]
    fn headline_comes_first_in_bytes_and_kbit() {
        let table = summary_table(&sample_run());
        let lines: Vec<&str> = table.lines().collect();
        assert!(
            lines[0].starts_with("sample · run seed 16045690981097406465 · 101 hosts (100 online")
        );
        let words = |l: &str| l.split_whitespace().map(str::to_owned).collect::<Vec<_>>();
        assert_eq!(
            words(lines[1]),
            ["per-host", "rate", "mean", "p50", "p95", "p99", "max"]
        );
        assert_eq!(
            words(lines[2]),
            ["upload", "B/s", "50.5", "50.0", "95.0", "99.0", "100.0"]
        );
        assert_eq!(
            words(lines[3]),
            ["upload", "kbit/s", "0.40", "0.40", "0.76", "0.79", "0.80"]
        );
        assert!((18..=24).contains(&lines.len()), "{table}");
        // The sample run defines every figure, so an `n/a` would be a name
        // the catalogue does not know.
        assert!(!table.contains(NA), "{table}");
    }

    #[test]
    fn numeric_columns_are_right_aligned() {
        let table = summary_table(&sample_run());
        let lines: Vec<&str> = table.lines().collect();
        // The rate block's rows all end at the same column, as do the
        // reason block's.
        assert!(
            lines[1..5].iter().all(|l| l.len() == lines[1].len()),
            "{table}"
        );
        let reasons = &lines[5..6 + Reason::COUNT];
        assert!(
            reasons
                .iter()
                .all(|l| l.chars().count() == reasons[0].chars().count()),
            "{table}"
        );
        assert!(reasons[1].trim_start().starts_with("join"));
        assert!(reasons[1].ends_with("97.4 %"), "{table}");
    }

    #[test]
    fn an_empty_run_shows_na_not_nan() {
        let table = summary_table(&RunResult::default());
        assert!(table.contains("n/a"));
        // Rust's float parser accepts "NaN" and "inf", so this catches them.
        for word in table.split_whitespace() {
            assert!(!word.parse::<f64>().is_ok_and(|x| !x.is_finite()), "{word}");
        }
        assert!(table.contains("connectivity not sampled"));
    }
}
