//! The table printed at the end of a run: the figures a reader needs to judge
//! the run at a glance, headline (per-host upload) first. The CSV files hold
//! the rest.

use super::Headline;
use crate::metrics::RunResult;
use crate::metrics::stats::Distribution;
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

fn distribution_row(label: &str, d: Option<Distribution>, fmt: fn(f64) -> String) -> Vec<String> {
    let mut row = vec![label.to_owned()];
    match d {
        Some(d) => row.extend([d.mean, d.p50, d.p95, d.p99, d.max].map(fmt)),
        None => row.extend(std::iter::repeat_n(NA.to_owned(), 5)),
    }
    row
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
pub fn summary_table(r: &RunResult) -> String {
    let h = Headline::of(r);
    let name = if r.scenario.is_empty() {
        "(unnamed scenario)"
    } else {
        r.scenario.as_str()
    };
    let mut out = format!(
        "{name} · run seed {} · {} hosts ({} online while measuring) · {:.0} s measured\n",
        r.run_seed, h.hosts, h.hosts_measured, r.measured_secs
    );

    let rates = [
        ["per-host rate", "mean", "p50", "p95", "p99", "max"]
            .map(String::from)
            .to_vec(),
        distribution_row("  upload B/s", h.up, bytes_per_s),
        distribution_row("  upload kbit/s", h.up, kbit_per_s),
        distribution_row("  download B/s", h.down, bytes_per_s),
    ];
    let total_bytes = h.sent.bytes;
    let mut by_reason = vec![
        ["upload by reason", "mean B/s", "kbit/s", "of bytes"]
            .map(String::from)
            .to_vec(),
    ];
    by_reason.extend(Reason::ALL.iter().map(|&reason| {
        let mean = h.up_mean_by_reason[reason.index()];
        let bytes = r.sent_by_reason(reason).bytes;
        vec![
            format!("  {}", reason.name()),
            or_na(mean, bytes_per_s),
            or_na(mean, kbit_per_s),
            percent((total_bytes > 0).then(|| bytes as f64 / total_bytes as f64)),
        ]
    }));

    let resolves = format!(
        "{} of {} succeeded · hops mean {}, p95 {} · latency mean {}, p95 {}",
        percent(h.resolve_success),
        r.resolves.started,
        or_na(h.hops_mean, |x| format!("{x:.2}")),
        h.hops_p95.map_or_else(|| NA.to_owned(), |x| x.to_string()),
        or_na(h.resolve_latency.map(|d| d.mean), |x| format!("{x:.3} s")),
        or_na(h.resolve_latency.map(|d| d.p95), |x| format!("{x:.3} s")),
    );
    let facts = [
        [
            "cloud".to_owned(),
            format!(
                "{} B/s ({} kbit/s) · {} datagrams/s · {} B sent",
                or_na(h.cloud_bytes_per_s, bytes_per_s),
                or_na(h.cloud_bytes_per_s, kbit_per_s),
                or_na(h.cloud_datagrams_per_s, |x| format!("{x:.1}")),
                total_bytes
            ),
        ],
        ["resolves".to_owned(), resolves],
        [
            "leaf sets".to_owned(),
            format!(
                "{} accurate ({} entries checked)",
                percent(h.leaf_set_accuracy),
                r.leaf_sets.expected
            ),
        ],
        [
            "cache".to_owned(),
            format!(
                "{} entries, {} levels per online host ({} hosts) · max level fill {}",
                or_na(h.cache_entries_mean, |x| format!("{x:.1}")),
                or_na(h.cache_levels_mean, |x| format!("{x:.1}")),
                h.cache_hosts,
                h.max_level_fill
            ),
        ],
        [
            "churn".to_owned(),
            format!(
                "{} registrations at end · {} joins · {} departures · {} INQUIREs blocked",
                r.registrations, r.joins, r.departures, r.blocked_inquires
            ),
        ],
        [
            "overlay".to_owned(),
            match (h.scc_count_max, h.largest_scc_share_min) {
                (Some(n), Some(share)) => format!(
                    "at worst {n} components, largest with {} of online hosts",
                    percent(Some(share))
                ),
                _ => "connectivity not sampled".to_owned(),
            },
        ],
        ["events".to_owned(), r.events.to_string()],
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
    use crate::report::fixture::sample_run;

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
