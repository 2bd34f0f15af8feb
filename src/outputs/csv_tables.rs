//! The CSV files of one run, and the Markdown reference of their columns.
//!
//! Every file, column, unit and meaning is declared once, in the [`Table`]
//! constants below, and the rows of `summary.csv` are the
//! [metric catalogue](crate::metrics::catalog); the writers emit the header
//! from them and [`column_reference`] documents them, so the README and the
//! files cannot drift apart.
//!
//! Conventions, the same in every file:
//! - floats are written with exactly [`FLOAT_DECIMALS`] decimals (`{:.6}`),
//!   so identical results give byte-identical files;
//! - a figure that is undefined (a rate over zero time, a percentile of no
//!   samples, a connectivity that was not sampled) is an **empty cell**; rows
//!   are never left out for it, so every run's files have the same shape and
//!   sweeps can line them up;
//! - booleans are `1`/`0`, so their column mean is a share.

use super::atomic::write_atomic;
use crate::metrics::catalog::{self, Measured, Value};
use crate::metrics::graph;
use crate::metrics::headline::rate;
use crate::metrics::{RunResult, Traffic};
use crate::protocol::graphing::GraphReason;
use crate::protocol::message::{MsgType, Reason};
use anyhow::Context;
use std::fmt::Write as _;
use std::path::{Path, PathBuf};

/// Decimals of every float in every CSV file.
pub const FLOAT_DECIMALS: usize = 6;

/// How a column is named.
#[derive(Clone, Copy)]
enum Name {
    Fixed(&'static str),
    /// One column per [`Reason`], in enum order, named
    /// `<prefix>_<reason>_<suffix>` like the catalogue's
    /// [`reason_metric`](crate::metrics::catalog::reason_metric).
    PerReason(&'static str, &'static str),
}

struct Column {
    name: Name,
    unit: &'static str,
    meaning: &'static str,
}

const fn col(name: &'static str, unit: &'static str, meaning: &'static str) -> Column {
    Column {
        name: Name::Fixed(name),
        unit,
        meaning,
    }
}

const fn per_reason(
    prefix: &'static str,
    suffix: &'static str,
    unit: &'static str,
    meaning: &'static str,
) -> Column {
    Column {
        name: Name::PerReason(prefix, suffix),
        unit,
        meaning,
    }
}

/// One CSV file: its name, what one row is, and its columns.
struct Table {
    file: &'static str,
    rows: &'static str,
    columns: &'static [Column],
}

const SUMMARY: Table = Table {
    file: "summary.csv",
    rows: "One row per headline figure of the run (listed in the next table), always \
           the same rows in the same order.",
    columns: &[
        col("metric", "", "name of the figure"),
        col(
            "value",
            "see `unit`",
            "the figure; empty if undefined in this run",
        ),
        col("unit", "", "unit of `value`"),
    ],
};

const HOSTS: Table = Table {
    file: "hosts.csv",
    rows: "One row per host, in host order. Rates are over the host's own measured \
           online time, and empty for a host that was never online while measuring.",
    columns: &[
        col(
            "host",
            "index",
            "host number (position in the run's host list)",
        ),
        col("names", "names", "peer names the host registers"),
        col(
            "firewalled",
            "0/1",
            "host is behind a firewall that drops unsolicited datagrams",
        ),
        col("teredo", "0/1", "host reaches IPv6 through Teredo"),
        col(
            "online_s",
            "s",
            "time online within the measured part of the run",
        ),
        col("up_B_per_s", "B/s", "bytes sent per second online"),
        col("down_B_per_s", "B/s", "bytes received per second online"),
        col("sent_datagrams", "datagrams", "datagrams sent"),
        col("received_datagrams", "datagrams", "datagrams received"),
        col("sent_B", "B", "bytes sent"),
        col("received_B", "B", "bytes received"),
        col(
            "cache_entries",
            "entries",
            "cache entries at the end of the run (0 if offline)",
        ),
        col(
            "cache_levels",
            "levels",
            "cache levels at the end of the run (0 if offline)",
        ),
        col(
            "max_level_fill",
            "entries",
            "most entries in any one band of any one cache level",
        ),
        per_reason(
            "up",
            "B_per_s",
            "B/s",
            "bytes sent per second online for this reason",
        ),
    ],
};

const MESSAGES: Table = Table {
    file: "messages.csv",
    rows: "One row per (message type, reason) pair that carried any traffic, types then \
           reasons in enum order, then a `TOTAL` row with an empty `reason`. Under \
           `hosts.shared_name_method = \"group\"` the peer-group graph traffic follows the \
           same way: `GRAPH_<type>` rows ([MS-PPGRH] message types and the TCP segments \
           `TCP_SETUP`, `TCP_TEARDOWN`, `TCP_ACK`; datagrams are TCP segments, bytes include \
           the TCP/IPv6 headers) and a `GRAPH_TOTAL` row.",
    columns: &[
        col(
            "type",
            "",
            "PNRP message type (`FLOOD_REVOKE` is a FLOOD that revokes)",
        ),
        col("reason", "", "activity the messages were sent for"),
        col("datagrams", "datagrams", "datagrams sent"),
        col(
            "bytes",
            "B",
            "bytes sent, IPv6/UDP (and Teredo) headers included",
        ),
        col(
            "bytes_per_s",
            "B/s",
            "bytes over the measured time, whole cloud",
        ),
    ],
};

const REASONS: Table = Table {
    file: "reasons.csv",
    rows: "One row per reason, in enum order, including reasons without traffic.",
    columns: &[
        col("reason", "", "activity the messages were sent for"),
        col("datagrams", "datagrams", "datagrams sent, whole cloud"),
        col("bytes", "B", "bytes sent, whole cloud"),
        col("share_of_bytes", "share", "part of all bytes sent (0–1)"),
        col(
            "per_host_B_per_s",
            "B/s",
            "mean over hosts of each host's upload rate for this reason; the rows add \
             up to the mean per-host upload rate",
        ),
    ],
};

/// The first column of both per-window files.
const WINDOW_START: Column = col(
    "window_start_s",
    "s",
    "start of the window in simulated time",
);

const TIMESERIES: Table = Table {
    file: "timeseries.csv",
    rows: "One row per time-series window of the measured part, in time order.",
    columns: &[
        WINDOW_START,
        col(
            "window_s",
            "s",
            "width of the window: up to the next window's start, the last one up to the \
             end of the measured time",
        ),
        col("cloud_B_per_s", "B/s", "bytes sent per second, whole cloud"),
        col(
            "datagrams_per_s",
            "datagrams/s",
            "datagrams sent per second, whole cloud",
        ),
        col("hosts_online", "hosts", "hosts online"),
        col("registrations", "registrations", "registered PNRP IDs"),
        col(
            "scc_count",
            "components",
            "strongly connected components of the who-knows-whom graph among online \
             hosts; empty if not sampled in this window",
        ),
        col(
            "largest_scc_ratio",
            "share",
            "part of the online hosts in the largest component; empty if not sampled",
        ),
        per_reason(
            "cloud",
            "B_per_s",
            "B/s",
            "bytes sent per second for this reason, whole cloud",
        ),
    ],
};

const HOPS: Table = Table {
    file: "hops.csv",
    rows: "Histogram of successful application resolves by LOOKUP hops, from 0 hops up \
           to the most seen; header only if no resolve succeeded.",
    columns: &[
        col("hops", "hops", "LOOKUP hops the resolve took"),
        col(
            "resolves",
            "resolves",
            "successful resolves with that many hops",
        ),
    ],
};

const TIMELINE: Table = Table {
    file: "timeline.csv",
    rows: "One row per time-series window of the measured part, in time order, for a run \
           with a `[[event]]` timeline; header only without one. Resolves count in the \
           window they started in.",
    columns: &[
        WINDOW_START,
        col(
            "resolves_finished",
            "resolves",
            "application resolves started in the window that succeeded or failed by the \
             end (those in flight at the end, or whose host left, are not counted)",
        ),
        col(
            "resolves_succeeded",
            "resolves",
            "of those, resolves that found the name",
        ),
        col(
            "resolve_success_ratio",
            "share",
            "succeeded / finished; empty if none finished",
        ),
        col(
            "resolve_hops",
            "hops",
            "LOOKUP hops of the successful ones, mean; empty if none succeeded",
        ),
        col(
            "events",
            "",
            "timeline events that start in the window (`; `-separated labels)",
        ),
        per_reason("sent", "B", "B", "bytes sent for this reason, whole cloud"),
    ],
};

const RECOVERY: Table = Table {
    file: "recovery.csv",
    rows: "One row per `[[event]]` entry, in timeline order; header only without a \
           timeline. The first events' figures are also in summary.csv (`event1_…`).",
    columns: &[
        col("event", "index", "position in the timeline, from 1"),
        col("at_s", "s", "time of the event in simulated time"),
        col(
            "until_s",
            "s",
            "end of its effect (partition, loss, outage, last arrival); `at_s` for a crash or leave",
        ),
        col("action", "", "what it does"),
        col(
            "success_before_ratio",
            "share",
            "resolve success over the 5 windows before its window",
        ),
        col(
            "success_min_ratio",
            "share",
            "lowest per-window resolve success from its window to the next event's",
        ),
        col(
            "recovery_s",
            "s",
            "time until success is back within one point of its level before (0 if it \
             never dropped below); empty if not back by the next event or the end",
        ),
        col(
            "recovery_B",
            "B",
            "bytes sent by the whole cloud from its window until success was back",
        ),
    ],
};

/// Every file, in the order [`write_run_tables`] writes them.
const TABLES: [&Table; 8] = [
    &SUMMARY,
    &HOSTS,
    &MESSAGES,
    &REASONS,
    &TIMESERIES,
    &HOPS,
    &TIMELINE,
    &RECOVERY,
];

impl Table {
    fn header(&self) -> Vec<String> {
        let mut names = Vec::new();
        for c in self.columns {
            match c.name {
                Name::Fixed(n) => names.push(n.to_owned()),
                Name::PerReason(prefix, suffix) => {
                    names.extend(
                        Reason::ALL
                            .iter()
                            .map(|r| format!("{prefix}_{}_{suffix}", r.name())),
                    );
                }
            }
        }
        names
    }

    /// Writes the header and `rows` to `dir/<file>` atomically. A row whose
    /// length differs from the header's is an error (the csv writer checks).
    fn write(
        &self,
        dir: &Path,
        rows: impl Iterator<Item = Vec<String>>,
    ) -> anyhow::Result<PathBuf> {
        let path = dir.join(self.file);
        write_atomic(&path, |w| {
            let mut csv = csv::Writer::from_writer(w);
            csv.write_record(self.header())?;
            for row in rows {
                csv.write_record(&row)?;
            }
            csv.flush()
        })
        .with_context(|| format!("cannot write {}", path.display()))?;
        Ok(path)
    }
}

fn float(x: f64) -> String {
    if x.is_finite() {
        format!("{x:.prec$}", prec = FLOAT_DECIMALS)
    } else {
        String::new()
    }
}

fn opt_float(x: Option<f64>) -> String {
    x.map(float).unwrap_or_default()
}

fn opt_int(x: Option<impl ToString>) -> String {
    x.map(|v| v.to_string()).unwrap_or_default()
}

fn flag(b: bool) -> String {
    u8::from(b).to_string()
}

/// A catalogue value as `summary.csv` shows it: counts as integers, the
/// rest with [`FLOAT_DECIMALS`] decimals, undefined as an empty cell.
fn figure(v: Option<Value>) -> String {
    match v {
        Some(Value::Count(n)) => n.to_string(),
        Some(Value::Real(x)) => float(x),
        None => String::new(),
    }
}

/// Writes `summary.csv`, `hosts.csv`, `messages.csv`, `reasons.csv`,
/// `timeseries.csv` and `hops.csv` into `dir` (which must exist; see
/// [`prepare_output_dir`](super::prepare_output_dir)), each atomically, and
/// returns their paths in that order.
pub fn write_run_tables(dir: &Path, r: &RunResult) -> anyhow::Result<Vec<PathBuf>> {
    let measured = Measured::of(r);
    let summary = catalog::all().iter().map(|m| {
        vec![
            m.name.clone(),
            figure(m.value(&measured)),
            m.unit.to_owned(),
        ]
    });
    let headline = &measured.headline;

    let hosts = r.hosts.iter().enumerate().map(|(i, h)| {
        let online = h.online_secs > 0.0;
        let mut row = vec![
            i.to_string(),
            h.names.to_string(),
            flag(h.firewalled),
            flag(h.teredo),
            float(h.online_secs),
            opt_float(h.up_bytes_per_s()),
            opt_float(h.down_bytes_per_s()),
            h.sent.datagrams.to_string(),
            h.received.datagrams.to_string(),
            h.sent.bytes.to_string(),
            h.received.bytes.to_string(),
            h.cache_entries.to_string(),
            h.cache_levels.to_string(),
            h.max_level_fill.to_string(),
        ];
        row.extend(
            h.sent_bytes_by_reason
                .iter()
                .map(|&b| opt_float(online.then(|| b as f64 / h.online_secs))),
        );
        row
    });

    let total = r.total_sent();
    let traffic_row = |ty: &str, reason: &str, t: Traffic| {
        vec![
            ty.to_owned(),
            reason.to_owned(),
            t.datagrams.to_string(),
            t.bytes.to_string(),
            opt_float(rate(t.bytes, r.measured_secs)),
        ]
    };
    let messages = MsgType::ALL
        .iter()
        .flat_map(|&ty| Reason::ALL.iter().map(move |&reason| (ty, reason)))
        .filter_map(|(ty, reason)| {
            let t = r.by_type_reason[ty.index()][reason.index()];
            (t.datagrams > 0 || t.bytes > 0).then(|| traffic_row(ty.name(), reason.name(), t))
        })
        .chain(std::iter::once(traffic_row("TOTAL", "", total)))
        .chain(r.graph.iter().flat_map(|g| {
            let rows = g
                .by_type_reason
                .iter()
                .enumerate()
                .flat_map(move |(row, by)| {
                    GraphReason::ALL.into_iter().filter_map(move |reason| {
                        let t = by[reason.index()];
                        let ty = format!("GRAPH_{}", graph::row_name(row));
                        (t.datagrams > 0).then(|| traffic_row(&ty, reason.name(), t))
                    })
                });
            rows.chain(std::iter::once(traffic_row("GRAPH_TOTAL", "", g.total())))
        }));

    let reasons = Reason::ALL.iter().map(|&reason| {
        let t = r.sent_by_reason(reason);
        vec![
            reason.name().to_owned(),
            t.datagrams.to_string(),
            t.bytes.to_string(),
            opt_float((total.bytes > 0).then(|| t.bytes as f64 / total.bytes as f64)),
            opt_float(headline.up_mean_by_reason[reason.index()]),
        ]
    });

    let timeseries = r.windows.iter().zip(r.window_widths()).map(|(w, secs)| {
        let mut row = vec![
            float(w.start_secs),
            float(secs),
            opt_float(rate(w.sent.bytes, secs)),
            opt_float(rate(w.sent.datagrams, secs)),
            w.hosts_online.to_string(),
            w.registrations.to_string(),
            opt_int(w.connectivity.map(|c| c.components)),
            opt_float(w.connectivity.map(|c| c.largest_share)),
        ];
        row.extend(
            w.sent_bytes_by_reason
                .iter()
                .map(|&b| opt_float(rate(b, secs))),
        );
        row
    });

    let hops = r
        .resolves
        .hops
        .iter()
        .enumerate()
        .map(|(k, n)| vec![k.to_string(), n.to_string()]);

    let timeline = r
        .timeline
        .windows
        .iter()
        .zip(&r.windows)
        .zip(r.window_widths())
        .map(|((t, w), secs)| {
            let starting: Vec<&str> = r
                .timeline
                .events
                .iter()
                .filter(|e| e.at_secs >= w.start_secs && e.at_secs < w.start_secs + secs)
                .map(|e| e.label.as_str())
                .collect();
            let mut row = vec![
                float(w.start_secs),
                t.finished.to_string(),
                t.succeeded.to_string(),
                opt_float(t.success()),
                opt_float(t.mean_hops()),
                starting.join("; "),
            ];
            row.extend(w.sent_bytes_by_reason.iter().map(u64::to_string));
            row
        });

    let recoveries = crate::metrics::recovery::recoveries(r);
    let recovery = r
        .timeline
        .events
        .iter()
        .zip(&recoveries)
        .enumerate()
        .map(|(i, (e, rec))| {
            vec![
                (i + 1).to_string(),
                float(e.at_secs),
                float(e.until_secs),
                e.label.clone(),
                opt_float(rec.success_before),
                opt_float(rec.success_min),
                opt_float(rec.recovery_secs),
                opt_int(rec.recovery_bytes),
            ]
        });

    // The files replace the old set as one (see
    // [`super::staging`]): never a new summary beside old tables.
    let stage = super::staging::Staging::begin(dir)
        .with_context(|| format!("cannot write {}", dir.join(SUMMARY.file).display()))?;
    let at = stage.path();
    let staged = [
        SUMMARY.write(at, summary)?,
        HOSTS.write(at, hosts)?,
        MESSAGES.write(at, messages)?,
        REASONS.write(at, reasons)?,
        TIMESERIES.write(at, timeseries)?,
        HOPS.write(at, hops)?,
        TIMELINE.write(at, timeline)?,
        RECOVERY.write(at, recovery)?,
    ];
    stage.commit(|name| TABLES.iter().any(|t| t.file == name))?;
    Ok(staged
        .iter()
        .filter_map(|p| p.file_name())
        .map(|n| dir.join(n))
        .collect())
}

/// A Markdown reference of every CSV file's columns (and of the metrics in
/// `summary.csv`), with unit and meaning, for the README.
pub fn column_reference() -> String {
    let reasons: Vec<String> = Reason::ALL
        .iter()
        .map(|r| format!("`{}`", r.name()))
        .collect();
    let mut md = format!(
        "Floats have {FLOAT_DECIMALS} decimals; an empty cell means the figure is undefined \
         in this run (e.g. a rate over zero time). Booleans are `1`/`0`. `<reason>` stands \
         for each of {}, one column each, in that order.\n",
        reasons.join(", ")
    );
    for table in TABLES {
        let _ = write!(
            md,
            "\n### {}\n\n{}\n\n| column | unit | meaning |\n|---|---|---|\n",
            table.file, table.rows
        );
        for c in table.columns {
            let name = match c.name {
                Name::Fixed(n) => n.to_owned(),
                Name::PerReason(prefix, suffix) => format!("{prefix}_<reason>_{suffix}"),
            };
            let _ = writeln!(md, "| `{name}` | {} | {} |", c.unit, c.meaning);
        }
        if table.file == SUMMARY.file {
            let _ = write!(
                md,
                "\n#### Metrics in summary.csv\n\nOne name per figure everywhere; `in`: \
                 *all* is {}.\n\n| metric | unit | meaning | in |\n|---|---|---|---|\n",
                catalog::ALL_OUTPUTS
            );
            for m in catalog::all() {
                let _ = writeln!(
                    md,
                    "| `{}` | {} | {} | {} |",
                    m.name,
                    m.unit,
                    m.meaning,
                    m.outputs()
                );
            }
        }
    }
    md
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::outputs::fixture::sample_run;
    use std::collections::BTreeMap;

    fn read_rows(path: &Path) -> Vec<Vec<String>> {
        csv::ReaderBuilder::new()
            .has_headers(false)
            .from_path(path)
            .unwrap()
            .records()
            .map(|rec| rec.unwrap().iter().map(str::to_owned).collect())
            .collect()
    }

    fn write_sample(r: &RunResult) -> (tempfile::TempDir, BTreeMap<String, Vec<Vec<String>>>) {
        let dir = tempfile::tempdir().unwrap();
        let files = write_run_tables(dir.path(), r).unwrap();
        let tables = files
            .iter()
            .map(|p| {
                (
                    p.file_name().unwrap().to_string_lossy().into_owned(),
                    read_rows(p),
                )
            })
            .collect();
        (dir, tables)
    }

    /// Column names per file, and the summary metric names, as the Markdown
    /// reference documents them, with `<reason>` expanded.
    fn reference_names() -> (BTreeMap<String, Vec<String>>, Vec<String>) {
        let md = column_reference();
        let mut files: BTreeMap<String, Vec<String>> = BTreeMap::new();
        let mut metrics = Vec::new();
        let mut file = None;
        let mut in_metrics = false;
        for line in md.lines() {
            if let Some(f) = line.strip_prefix("### ") {
                file = Some(f.to_owned());
                in_metrics = false;
            } else if line.starts_with("#### ") {
                in_metrics = true;
            } else if let Some(rest) = line.strip_prefix("| `") {
                let name = &rest[..rest.find('`').unwrap()];
                if in_metrics {
                    metrics.push(name.to_owned());
                    continue;
                }
                let names = files.entry(file.clone().unwrap()).or_default();
                if name.contains("<reason>") {
                    names.extend(
                        Reason::ALL
                            .iter()
                            .map(|r| name.replace("<reason>", r.name())),
                    );
                } else {
                    names.push(name.to_owned());
                }
            }
        }
        (files, metrics)
    }

    #[test]
    fn headers_match_the_column_reference() {
        let (_dir, tables) = write_sample(&sample_run());
        let (reference, _) = reference_names();
        assert_eq!(
            tables.keys().collect::<Vec<_>>(),
            reference.keys().collect::<Vec<_>>()
        );
        for (file, rows) in &tables {
            assert_eq!(&rows[0], &reference[file], "{file}");
        }
        assert_eq!(tables["summary.csv"][0], ["metric", "value", "unit"]);
        assert_eq!(
            tables["messages.csv"][0],
            ["type", "reason", "datagrams", "bytes", "bytes_per_s"]
        );
        assert_eq!(tables["hops.csv"][0], ["hops", "resolves"]);
        assert_eq!(tables["hosts.csv"][0][14], "up_join_B_per_s");
        assert_eq!(
            tables["timeseries.csv"][0].last().unwrap(),
            "cloud_app_query_B_per_s"
        );
    }

    #[test]
    fn summary_metrics_match_the_reference_and_every_row_has_a_unit_column() {
        let (_dir, tables) = write_sample(&sample_run());
        let (_, metrics) = reference_names();
        let written: Vec<&String> = tables["summary.csv"][1..]
            .iter()
            .map(|row| &row[0])
            .collect();
        assert_eq!(written, metrics.iter().collect::<Vec<_>>());
        // Both are the catalogue, whole and in order.
        let catalogued: Vec<&String> = catalog::all().iter().map(|m| &m.name).collect();
        assert_eq!(written, catalogued);
    }

    #[test]
    fn summary_has_the_expected_figures() {
        let (_dir, tables) = write_sample(&sample_run());
        let summary: BTreeMap<&str, (&str, &str)> = tables["summary.csv"][1..]
            .iter()
            .map(|row| (row[0].as_str(), (row[1].as_str(), row[2].as_str())))
            .collect();
        let expect = [
            ("run_seed", "16045690981097406465", ""),
            ("hosts", "101", "hosts"),
            ("hosts_measured", "100", "hosts"),
            ("measured_s", "150.000000", "s"),
            // The never-online host (1 MB sent) is left out of every percentile.
            ("up_B_per_s", "50.500000", "B/s"),
            ("up_p50_B_per_s", "50.000000", "B/s"),
            ("up_p95_B_per_s", "95.000000", "B/s"),
            ("up_p99_B_per_s", "99.000000", "B/s"),
            ("up_max_B_per_s", "100.000000", "B/s"),
            ("down_p95_B_per_s", "190.000000", "B/s"),
            ("up_join_B_per_s", "20.200000", "B/s"),
            ("up_refresh_B_per_s", "30.300000", "B/s"),
            ("up_flood_B_per_s", "0.000000", "B/s"),
            ("resolve_latency_p50_s", "0.400000", "s"),
            ("sent_B", "42340", "B"),
            ("cloud_B_per_s", "282.266667", "B/s"),
            ("resolve_success_ratio", "0.800000", "share"),
            ("resolve_hops", "1.875000", "hops"),
            ("resolve_hops_p95", "3", "hops"),
            ("leaf_set_accuracy_ratio", "0.900000", "share"),
            ("cache_entries", "41.000000", "entries"),
            ("max_level_fill", "6", "entries"),
            ("scc_count_max", "2", "components"),
            ("largest_scc_min_ratio", "0.750000", "share"),
            ("events", "123456", "events"),
        ];
        for (metric, value, unit) in expect {
            assert_eq!(summary[metric], (value, unit), "{metric}");
        }
    }

    #[test]
    fn message_bytes_sum_to_total_sent() {
        let r = sample_run();
        let (_dir, tables) = write_sample(&r);
        let rows = &tables["messages.csv"][1..];
        let (total, pairs) = rows.split_last().unwrap();
        let bytes = |row: &Vec<String>| row[3].parse::<u64>().unwrap();
        let datagrams = |row: &Vec<String>| row[2].parse::<u64>().unwrap();
        assert_eq!(pairs.iter().map(bytes).sum::<u64>(), r.total_sent().bytes);
        assert_eq!(
            pairs.iter().map(datagrams).sum::<u64>(),
            r.total_sent().datagrams
        );
        assert_eq!(total[..2], ["TOTAL", ""]);
        assert_eq!(bytes(total), r.total_sent().bytes);
        // Only pairs with traffic, in enum order: type first, then reason.
        let keys: Vec<(&str, &str)> = pairs
            .iter()
            .map(|p| (p[0].as_str(), p[1].as_str()))
            .collect();
        assert_eq!(
            keys,
            [
                ("SOLICIT", "join"),
                ("FLOOD", "join"),
                ("LOOKUP", "refresh"),
                ("INQUIRE", "registration")
            ]
        );
        assert_eq!(pairs[0][4], "8.200000");
    }

    #[test]
    fn reasons_shares_and_per_host_rates_add_up() {
        let (_dir, tables) = write_sample(&sample_run());
        let rows = &tables["reasons.csv"][1..];
        assert_eq!(rows.len(), Reason::COUNT);
        let col = |i: usize| -> f64 { rows.iter().map(|r| r[i].parse::<f64>().unwrap()).sum() };
        assert!((col(3) - 1.0).abs() < 1e-5);
        assert!((col(4) - 50.5).abs() < 1e-5);
        assert_eq!(rows[Reason::Join.index()][2], "41230");
    }

    #[test]
    fn hosts_rows_leave_rates_of_a_never_online_host_empty() {
        let (_dir, tables) = write_sample(&sample_run());
        let rows = &tables["hosts.csv"];
        assert_eq!(rows.len(), 1 + 101);
        assert_eq!(
            rows[1][..7],
            ["0", "3", "0", "0", "10.000000", "1.000000", "2.000000"]
        );
        assert_eq!(rows[1][14], "0.400000");
        let offline = &rows[101];
        assert_eq!(offline[9], "1000000");
        assert!(offline[5].is_empty() && offline[6].is_empty());
        assert!(offline[14..].iter().all(String::is_empty));
    }

    #[test]
    fn timeseries_rates_use_window_widths_and_empty_unsampled_connectivity() {
        let (_dir, tables) = write_sample(&sample_run());
        let rows = &tables["timeseries.csv"][1..];
        let head: Vec<&[String]> = rows.iter().map(|r| &r[..8]).collect();
        assert_eq!(
            head[0],
            [
                "600.000000",
                "60.000000",
                "100.000000",
                "1.000000",
                "100",
                "300",
                "2",
                "0.750000"
            ]
        );
        assert_eq!(head[1][2], "20.000000");
        assert!(head[1][6].is_empty() && head[1][7].is_empty());
        // The last window is cut at the end of the measured time (600 + 150).
        assert_eq!(head[2][..3], ["720.000000", "30.000000", "10.000000"]);
        assert_eq!(rows[2][8], "10.000000");
    }

    #[test]
    fn hops_histogram_rows() {
        let (_dir, tables) = write_sample(&sample_run());
        assert_eq!(
            tables["hops.csv"][1..],
            [["0", "0"], ["1", "2"], ["2", "5"], ["3", "1"]]
        );
    }

    #[test]
    fn an_empty_run_writes_no_nan_and_keeps_every_summary_row() {
        let (_dir, tables) = write_sample(&RunResult::default());
        // Rust's float parser accepts "NaN" and "inf", so this catches them.
        for (file, rows) in &tables {
            for cell in rows.iter().flatten() {
                assert!(
                    !cell.parse::<f64>().is_ok_and(|x| !x.is_finite()),
                    "{file}: {cell}"
                );
            }
        }
        let (_, metrics) = reference_names();
        assert_eq!(tables["summary.csv"].len(), 1 + metrics.len());
        let p95 = tables["summary.csv"]
            .iter()
            .find(|r| r[0] == "up_p95_B_per_s")
            .unwrap();
        assert_eq!(p95, &["up_p95_B_per_s", "", "B/s"]);
        assert_eq!(tables["hops.csv"].len(), 1);
        assert_eq!(tables["timeseries.csv"].len(), 1);
        assert_eq!(tables["messages.csv"][1..], [["TOTAL", "", "0", "0", ""]]);
    }

    #[test]
    fn identical_runs_give_byte_identical_files() {
        let r = sample_run();
        let a = tempfile::tempdir().unwrap();
        let b = tempfile::tempdir().unwrap();
        let fa = write_run_tables(a.path(), &r).unwrap();
        let fb = write_run_tables(b.path(), &r).unwrap();
        assert_eq!(fa.len(), TABLES.len());
        for (pa, pb) in fa.iter().zip(&fb) {
            assert_eq!(std::fs::read(pa).unwrap(), std::fs::read(pb).unwrap());
        }
    }

    #[test]
    fn writing_into_a_missing_directory_names_the_file() {
        let dir = tempfile::tempdir().unwrap();
        let missing = dir.path().join("nope");
        let msg = format!(
            "{:#}",
            write_run_tables(&missing, &sample_run()).unwrap_err()
        );
        assert!(
            msg.contains("summary.csv") && msg.contains("cannot write"),
            "{msg}"
        );
    }
}
