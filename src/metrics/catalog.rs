//! The metric catalogue: every figure a run reports, defined once, with its
//! name, unit, meaning and how it is read off the run.
//!
//! Every output takes its metrics from here: `summary.csv` and the printed
//! summary of `pnrpsim run`, the sweep's `runs.csv` and `sweep.csv`,
//! `compare.csv`, the sizing search, the `--report` pages, the names that
//! `[[expect]]` accepts, and the README's output reference. A figure thus
//! has one name everywhere, and adding a metric takes one entry in
//! `build` plus its computation.
//!
//! Naming: the unit is the suffix (`_B_per_s`, `_s`, `_ratio` for a share
//! between 0 and 1, `_B` for bytes); counts are named after what they
//! count. A per-host figure summarised over hosts is named like the
//! `hosts.csv` column it summarises, unadorned for the mean
//! (`up_B_per_s`) and with the statistic before the unit otherwise
//! (`up_p95_B_per_s`).

use super::RunResult;
use super::headline::Headline;
use super::stationarity;
use super::stats::Distribution;
use crate::protocol::message::Reason;
use std::sync::OnceLock;

/// A metric's value in one run. Counts stay integers, so that a 64-bit
/// count (the run seed) is written exactly; everything that averages over
/// runs reads them as `f64` ([`Value::as_f64`]).
#[derive(Clone, Copy, Debug, PartialEq)]
pub enum Value {
    Count(u64),
    Real(f64),
}

impl Value {
    pub fn as_f64(self) -> f64 {
        match self {
            Value::Count(n) => n as f64,
            Value::Real(x) => x,
        }
    }
}

/// What the accessors read: the run, and its headline figures computed once
/// (sorting the per-host rates for the percentiles is the costly part).
pub struct Measured<'a> {
    pub run: &'a RunResult,
    pub headline: Headline,
}

impl<'a> Measured<'a> {
    pub fn of(run: &'a RunResult) -> Measured<'a> {
        Measured {
            run,
            headline: Headline::of(run),
        }
    }

    /// The value of the metric called `name`; `None` where the run leaves
    /// it undefined or no metric has that name (which the catalogue's
    /// tests rule out for every name the code asks for).
    pub fn get(&self, name: &str) -> Option<Value> {
        find(name).and_then(|m| m.value(self))
    }

    /// [`Measured::get`] as an `f64`.
    pub fn real(&self, name: &str) -> Option<f64> {
        self.get(name).map(Value::as_f64)
    }
}

type Accessor = Box<dyn Fn(&Measured) -> Option<Value> + Send + Sync>;

/// One metric.
pub struct Metric {
    pub name: String,
    pub unit: &'static str,
    /// One sentence, for the output reference.
    pub meaning: String,
    /// Whether the per-run outputs carry it: `runs.csv`, `sweep.csv`,
    /// `compare.csv`, and the names `[[expect]]` accepts. Every metric is in
    /// `summary.csv`; only the run seed is not a per-run metric, since
    /// `runs.csv` has it exactly in its own column and a mean of seeds means
    /// nothing.
    pub per_run: bool,
    accessor: Accessor,
}

impl Metric {
    /// The value in one run; `None` where the run leaves it undefined (a
    /// rate over zero time, a percentile of no samples).
    pub fn value(&self, m: &Measured) -> Option<Value> {
        (self.accessor)(m)
    }

    /// The outputs that carry it, for the output reference: `all` is
    /// [`ALL_OUTPUTS`].
    pub fn outputs(&self) -> &'static str {
        if self.per_run {
            "all"
        } else {
            "summary.csv only"
        }
    }
}

/// Where a per-run metric appears, by the same name.
pub const ALL_OUTPUTS: &str = "`summary.csv`, the metric columns \
     of a sweep's `runs.csv` (in this order), the `<metric>_mean`, `<metric>_ci95_low` and \
     `<metric>_ci95_high` columns of `sweep.csv`, the rows of `compare.csv`, and the `metric` \
     of an `[[expect]]` entry";

/// Names the code refers to; each is defined by its entry in `build`.
pub const RUN_SEED: &str = "run_seed";
/// Cache balancing's share of all bytes: the cost of an [ours] choice
/// (`pnrp.balance_gap_fraction`), shown in every run summary.
pub const BALANCING_SHARE: &str = "maintenance_bytes_ratio";
pub const HOSTS: &str = "hosts";
pub const HOSTS_MEASURED: &str = "hosts_measured";
pub const MEASURED_S: &str = "measured_s";
pub const UP: &str = "up_B_per_s";
pub const UP_P95: &str = "up_p95_B_per_s";
/// Graph traffic per host, and PNRP plus graph per host (issue #20).
pub const UP_GRAPH: &str = "up_graph_B_per_s";
pub const UP_TOTAL: &str = "up_total_B_per_s";
pub const CLOUD: &str = "cloud_B_per_s";
pub const CLOUD_DATAGRAMS: &str = "cloud_datagrams_per_s";
pub const SENT_B: &str = "sent_B";
pub const RESOLVES_STARTED: &str = "resolves_started";
pub const RESOLVE_SUCCESS: &str = "resolve_success_ratio";
pub const RESOLVE_HOPS: &str = "resolve_hops";
pub const RESOLVE_HOPS_P95: &str = "resolve_hops_p95";
pub const LEAF_SET_ACCURACY: &str = "leaf_set_accuracy_ratio";
pub const LEAF_SET_CHECKED: &str = "leaf_set_entries_checked";
pub const REGISTRATIONS: &str = "registrations";
pub const JOINS: &str = "joins";
pub const DEPARTURES: &str = "departures";
pub const BLOCKED_INQUIRES: &str = "blocked_inquires";
pub const CACHE_HOSTS: &str = "cache_hosts";
pub const CACHE_ENTRIES: &str = "cache_entries";
pub const CACHE_LEVELS: &str = "cache_levels";
pub const MAX_LEVEL_FILL: &str = "max_level_fill";
pub const SCC_COUNT_MAX: &str = "scc_count_max";
pub const LARGEST_SCC_MIN: &str = "largest_scc_min_ratio";
pub const EVENTS: &str = "events";
pub const STATIONARY: &str = "stationary";

/// A statistic of a [`Distribution`]: name suffix (empty for the mean),
/// meaning, accessor.
pub type Stat = (&'static str, &'static str, fn(&Distribution) -> f64);

/// The statistics of a distribution over hosts (or resolves), in column
/// order.
pub const STATS: [Stat; 5] = [
    ("", "mean", |d| d.mean),
    ("p50", "median", |d| d.p50),
    ("p95", "95th percentile (nearest rank)", |d| d.p95),
    ("p99", "99th percentile (nearest rank)", |d| d.p99),
    ("max", "maximum", |d| d.max),
];

/// The distributions summarised by [`STATS`]: name stem, unit, unit suffix,
/// what is distributed.
const DISTRIBUTIONS: [(&str, &str, &str, &str); 3] = [
    (
        "up",
        "B/s",
        "B_per_s",
        "per-host upload rate over rated hosts",
    ),
    (
        "down",
        "B/s",
        "B_per_s",
        "per-host download rate over rated hosts",
    ),
    (
        "resolve_latency",
        "s",
        "s",
        "latency of successful application resolves",
    ),
];

/// The name of statistic `stat` (a [`STATS`] suffix) of distribution
/// `stem`: `up_B_per_s`, `up_p95_B_per_s`, `resolve_latency_p50_s`.
pub fn stat_name(stem: &str, stat: &str, unit_suffix: &str) -> String {
    if stat.is_empty() {
        format!("{stem}_{unit_suffix}")
    } else {
        format!("{stem}_{stat}_{unit_suffix}")
    }
}

/// Per-host upload caused by one reason, mean over rated hosts; the reasons
/// add up to [`UP`].
pub fn reason_metric(r: Reason) -> String {
    format!("up_{}_B_per_s", r.name())
}

fn real(x: Option<f64>) -> Option<Value> {
    x.map(Value::Real)
}

fn count(n: impl Into<u64>) -> Option<Value> {
    Some(Value::Count(n.into()))
}

fn metric(
    name: impl Into<String>,
    unit: &'static str,
    meaning: impl Into<String>,
    accessor: impl Fn(&Measured) -> Option<Value> + Send + Sync + 'static,
) -> Metric {
    Metric {
        name: name.into(),
        unit,
        meaning: meaning.into(),
        per_run: true,
        accessor: Box::new(accessor),
    }
}

/// The catalogue, in output order (the rows of `summary.csv`, the metric
/// columns of `runs.csv`).
fn build() -> Vec<Metric> {
    let mut c = vec![
        Metric {
            per_run: false,
            ..metric(
                RUN_SEED,
                "",
                "64-bit seed of this run (repeats it exactly)",
                |m| count(m.run.run_seed),
            )
        },
        metric(HOSTS, "hosts", "hosts in the run", |m| {
            count(m.headline.hosts as u64)
        }),
        metric(
            HOSTS_MEASURED,
            "hosts",
            "rated hosts: online for at least `metrics.min_online` while measuring; the \
             per-host figures are over these",
            |m| count(m.headline.hosts_measured as u64),
        ),
        metric(
            MEASURED_S,
            "s",
            "measured simulated time (duration − warm-up)",
            |m| real(Some(m.run.measured_secs)),
        ),
    ];
    let distributions = [
        |h: &Headline| h.up,
        |h: &Headline| h.down,
        |h: &Headline| h.resolve_latency,
    ];
    for ((stem, unit, suffix, what), of) in DISTRIBUTIONS.into_iter().zip(distributions) {
        for (stat, stat_meaning, get) in STATS {
            c.push(metric(
                stat_name(stem, stat, suffix),
                unit,
                format!("{what}, {stat_meaning}"),
                move |m| real(of(&m.headline).as_ref().map(get)),
            ));
        }
    }
    for reason in Reason::ALL {
        c.push(metric(
            reason_metric(reason),
            "B/s",
            format!(
                "per-host upload rate for reason `{}`, mean over rated hosts",
                reason.name()
            ),
            move |m| real(m.headline.up_mean_by_reason[reason.index()]),
        ));
    }
    c.extend([
        metric(SENT_B, "B", "bytes sent, whole cloud", |m| {
            count(m.headline.sent.bytes)
        }),
        metric(
            "sent_datagrams",
            "datagrams",
            "datagrams sent, whole cloud",
            |m| count(m.headline.sent.datagrams),
        ),
        metric(
            CLOUD,
            "B/s",
            "bytes sent per measured second, whole cloud",
            |m| real(m.headline.cloud_bytes_per_s),
        ),
        metric(
            CLOUD_DATAGRAMS,
            "datagrams/s",
            "datagrams sent per measured second, whole cloud",
            |m| real(m.headline.cloud_datagrams_per_s),
        ),
        metric(
            BALANCING_SHARE,
            "share",
            "share of all bytes sent that cache balancing (reason `maintenance`) spent",
            |m| {
                let spent = m.run.sent_by_reason(Reason::Maintenance).bytes;
                let total = m.headline.sent.bytes;
                real((total > 0).then(|| spent as f64 / total as f64))
            },
        ),
        metric(
            RESOLVES_STARTED,
            "resolves",
            "application resolves started",
            |m| count(m.run.resolves.started),
        ),
        metric(
            "resolves_succeeded",
            "resolves",
            "application resolves that found the name",
            |m| count(m.run.resolves.succeeded),
        ),
        metric(
            RESOLVE_SUCCESS,
            "share",
            "application resolves (the workload's, not a peer group's resolves of its own name) succeeded / started",
            |m| real(m.headline.resolve_success),
        ),
        metric(
            RESOLVE_HOPS,
            "hops",
            "LOOKUP hops of successful resolves, mean",
            |m| real(m.headline.hops_mean),
        ),
        metric(
            RESOLVE_HOPS_P95,
            "hops",
            "LOOKUP hops of successful resolves, 95th percentile (nearest rank)",
            |m| m.headline.hops_p95.map(Value::Count),
        ),
        metric(
            LEAF_SET_ACCURACY,
            "share",
            "leaf-set entries that are the true nearest registered IDs",
            |m| real(m.headline.leaf_set_accuracy),
        ),
        metric(
            LEAF_SET_CHECKED,
            "entries",
            "leaf-set entries compared",
            |m| count(m.run.leaf_sets.expected),
        ),
        metric(
            REGISTRATIONS,
            "registrations",
            "PNRP IDs registered at the end of the run",
            |m| count(m.run.registrations),
        ),
        metric(JOINS, "hosts", "hosts that joined while measuring", |m| {
            count(m.run.joins)
        }),
        metric(
            DEPARTURES,
            "hosts",
            "hosts that left while measuring",
            |m| count(m.run.departures),
        ),
        metric(
            BLOCKED_INQUIRES,
            "messages",
            "INQUIREs dropped by the target's firewall",
            |m| count(m.run.blocked_inquires),
        ),
        metric(
            CACHE_HOSTS,
            "hosts",
            "hosts with a non-empty cache at the end (online then); the cache means are \
             over these",
            |m| count(m.headline.cache_hosts as u64),
        ),
        metric(
            CACHE_ENTRIES,
            "entries",
            "cache entries per host at the end, mean",
            |m| real(m.headline.cache_entries_mean),
        ),
        metric(
            CACHE_LEVELS,
            "levels",
            "cache levels per host at the end, mean",
            |m| real(m.headline.cache_levels_mean),
        ),
        metric(
            MAX_LEVEL_FILL,
            "entries",
            "most entries in one band of one level, any host",
            |m| count(m.headline.max_level_fill),
        ),
        metric(
            SCC_COUNT_MAX,
            "components",
            "most strongly connected components in any sampled window",
            |m| m.headline.scc_count_max.and_then(count),
        ),
        metric(
            LARGEST_SCC_MIN,
            "share",
            "smallest share of online hosts in the largest component, any sampled window",
            |m| real(m.headline.largest_scc_share_min),
        ),
        metric(EVENTS, "events", "simulation events processed", |m| {
            count(m.run.events)
        }),
        metric(
            STATIONARY,
            "0/1",
            "1 if no per-window series below still trends in the measured window (MSER-5 \
             confirmed by a slope test), 0 if one does; empty with fewer than 30 windows",
            |m| stationarity::stationary(m.run).and_then(count),
        ),
    ]);
    c.extend(recovery_metrics());
    for series in &stationarity::SERIES {
        c.push(metric(
            series.trend_metric(),
            "0/1",
            format!(
                "1 if {} still trends in the measured window: MSER-5 truncates more than \
                 half of it and the slope of the second half's batch means is significant at 95 %",
                series.label
            ),
            move |m| series.judge(m.run).and_then(|v| count(v.trends)),
        ));
        c.push(metric(
            series.share_metric(),
            "share",
            format!(
                "share of the measured window that MSER-5 truncates from the per-window {} \
                 series",
                series.label
            ),
            move |m| real(series.judge(m.run).map(|v| v.truncated_share())),
        ));
    }
    graph_metrics(&mut c);
    c
}

/// The recovery figures of the first [`RECOVERY_EVENTS`] events of a
/// timeline (`recovery.csv` has every event); empty without one.
fn recovery_metrics() -> Vec<Metric> {
    use super::recovery::{Recovery, recoveries};
    type Figure = (
        &'static str,
        &'static str,
        &'static str,
        fn(&Recovery) -> Option<Value>,
    );
    const FIGURES: [Figure; 4] = [
        (
            "success_before_ratio",
            "share",
            "resolve success over the 5 windows before it",
            |r| real(r.success_before),
        ),
        (
            "success_min_ratio",
            "share",
            "lowest per-window resolve success from its window to the next event's",
            |r| real(r.success_min),
        ),
        (
            "recovery_s",
            "s",
            "time from it until resolve success is back within one point of its level \
             before for 3 windows in a row (0 if it never dropped below); empty if not back by the next event or the end",
            |r| real(r.recovery_secs),
        ),
        (
            "recovery_B",
            "B",
            "bytes the whole cloud sent from its window until success was back",
            |r| r.recovery_bytes.and_then(count),
        ),
    ];
    (1..=RECOVERY_EVENTS)
        .flat_map(|k| {
            FIGURES.into_iter().map(move |(name, unit, meaning, get)| {
                metric(
                    format!("event{k}_{name}"),
                    unit,
                    format!("timeline event {k} (`[[event]]` entry {k}): {meaning}"),
                    move |m| recoveries(m.run).get(k - 1).and_then(get),
                )
            })
        })
        .collect()
}

/// Events of a timeline whose recovery is in the catalogue.
pub const RECOVERY_EVENTS: usize = 3;

/// Peer-group graph traffic (`hosts.shared_name_method = "group"`; zero
/// under identity export): per-host upload apart from PNRP's, the sum of
/// both, and by graph reason.
fn graph_metrics(c: &mut Vec<Metric>) {
    use super::graph::mean_rate;
    use crate::protocol::graphing::GraphReason;
    c.push(metric(
        UP_GRAPH,
        "B/s",
        "per-host upload rate of peer-group graph traffic (TCP/IPv6, headers included), mean over rated hosts",
        |m| real(mean_rate(m.run, |h| h.graph.sent.bytes)),
    ));
    c.push(metric(
        UP_TOTAL,
        "B/s",
        "per-host upload rate of PNRP and graph traffic together, mean over rated hosts",
        |m| real(mean_rate(m.run, |h| h.sent.bytes + h.graph.sent.bytes)),
    ));
    for reason in GraphReason::ALL {
        c.push(metric(
            format!("up_graph_{}_B_per_s", reason.name()),
            "B/s",
            format!(
                "per-host upload rate of graph traffic for reason `{}`, mean over rated hosts",
                reason.name()
            ),
            move |m| {
                real(mean_rate(m.run, |h| {
                    h.graph.sent_bytes_by_reason[reason.index()]
                }))
            },
        ));
    }
    c.push(metric(
        "graph_sent_B",
        "B",
        "graph bytes sent, whole cloud (TCP/IPv6 headers included)",
        |m| count(m.run.graph.as_ref().map_or(0, |g| g.total().bytes)),
    ));
}

/// Every metric, in output order.
pub fn all() -> &'static [Metric] {
    static CATALOG: OnceLock<Vec<Metric>> = OnceLock::new();
    CATALOG.get_or_init(build)
}

/// The metric called `name`.
pub fn find(name: &str) -> Option<&'static Metric> {
    all().iter().find(|m| m.name == name)
}

/// The per-run metrics ([`Metric::per_run`]), in output order.
pub fn per_run() -> impl Iterator<Item = &'static Metric> {
    all().iter().filter(|m| m.per_run)
}

/// The names of the per-run metrics: the metric columns of `runs.csv`.
pub fn per_run_names() -> Vec<&'static str> {
    per_run().map(|m| m.name.as_str()).collect()
}

/// Position of `name` among [`per_run_names`], if it is a per-run metric.
pub fn per_run_index(name: &str) -> Option<usize> {
    per_run().position(|m| m.name == name)
}

/// One run's per-run metrics, in [`per_run_names`] order.
pub fn per_run_values(r: &RunResult) -> Vec<Option<f64>> {
    let m = Measured::of(r);
    per_run()
        .map(|metric| metric.value(&m).map(Value::as_f64))
        .collect()
}

/// Why `name` is not a per-run metric, in one line for `[[expect]]` errors:
/// a summary-only metric says so; an unknown one lists those there are.
pub fn not_per_run(name: &str) -> String {
    match find(name) {
        Some(m) => format!(
            "`{}` is only in summary.csv ({}) and cannot be checked",
            m.name, m.meaning
        ),
        None => format!(
            "unknown metric `{name}`; the metrics are the rows of summary.csv: {}",
            per_run_names().join(", ")
        ),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::metrics::{HostMetrics, ResolveStats, Traffic};
    use std::collections::BTreeSet;

    #[test]
    fn names_are_unique_and_carry_their_unit() {
        let mut seen = BTreeSet::new();
        for m in all() {
            assert!(
                seen.insert(m.name.as_str()),
                "`{}` is defined twice",
                m.name
            );
            assert!(!m.meaning.is_empty(), "{}", m.name);
            // The unit suffix and the unit agree both ways.
            for (suffix, unit) in [("_B_per_s", "B/s"), ("_ratio", "share")] {
                assert_eq!(m.name.ends_with(suffix), m.unit == unit, "{}", m.name);
            }
            if m.unit == "s" {
                assert!(m.name.ends_with("_s"), "{}", m.name);
            }
        }
    }

    #[test]
    fn every_name_the_code_uses_is_catalogued() {
        let named = [
            HOSTS,
            HOSTS_MEASURED,
            MEASURED_S,
            UP,
            UP_P95,
            CLOUD,
            CLOUD_DATAGRAMS,
            SENT_B,
            RESOLVES_STARTED,
            RESOLVE_SUCCESS,
            RESOLVE_HOPS,
            RESOLVE_HOPS_P95,
            LEAF_SET_ACCURACY,
            LEAF_SET_CHECKED,
            REGISTRATIONS,
            JOINS,
            DEPARTURES,
            BLOCKED_INQUIRES,
            CACHE_HOSTS,
            CACHE_ENTRIES,
            CACHE_LEVELS,
            MAX_LEVEL_FILL,
            SCC_COUNT_MAX,
            LARGEST_SCC_MIN,
            EVENTS,
            STATIONARY,
        ];
        for name in named {
            assert!(per_run_index(name).is_some(), "{name}");
        }
        for (stem, _, suffix, _) in DISTRIBUTIONS {
            for (stat, ..) in STATS {
                assert!(find(&stat_name(stem, stat, suffix)).is_some());
            }
        }
        assert_eq!(stat_name("up", "", "B_per_s"), UP);
        assert_eq!(stat_name("up", "p95", "B_per_s"), UP_P95);
        for r in Reason::ALL {
            assert!(per_run_index(&reason_metric(r)).is_some());
        }
    }

    #[test]
    fn only_the_seed_is_summary_only_and_counts_stay_exact() {
        let summary_only: Vec<&str> = all()
            .iter()
            .filter(|m| !m.per_run)
            .map(|m| m.name.as_str())
            .collect();
        assert_eq!(summary_only, [RUN_SEED]);
        let r = RunResult {
            run_seed: u64::MAX - 1,
            ..RunResult::default()
        };
        assert_eq!(
            Measured::of(&r).get(RUN_SEED),
            Some(Value::Count(u64::MAX - 1))
        );
        assert!(not_per_run(RUN_SEED).contains("only in summary.csv"));
        assert!(not_per_run("bytes").starts_with("unknown metric `bytes`;"));
    }

    #[test]
    fn maintenance_bytes_ratio_is_its_share_of_all_bytes() {
        use crate::protocol::message::MsgType;
        let mut r = RunResult::default();
        let value = |r: &RunResult| Measured::of(r).real("maintenance_bytes_ratio");
        assert_eq!(value(&r), None, "no bytes sent: undefined");
        r.by_type_reason[MsgType::Lookup.index()][Reason::Maintenance.index()].add(3, 300);
        r.by_type_reason[MsgType::Flood.index()][Reason::Join.index()].add(1, 900);
        assert_eq!(value(&r), Some(0.25));
    }

    fn host(up: u64, secs: f64, join: u64) -> HostMetrics {
        let mut by_reason = [0; Reason::COUNT];
        by_reason[Reason::Join.index()] = join;
        by_reason[Reason::Refresh.index()] = up - join;
        HostMetrics {
            sent: Traffic {
                datagrams: 1,
                bytes: up,
            },
            received: Traffic {
                datagrams: 1,
                bytes: 2 * up,
            },
            sent_bytes_by_reason: by_reason,
            online_secs: secs,
            ..HostMetrics::default()
        }
    }

    #[test]
    fn per_run_values_rate_per_online_second_and_reasons_add_up() {
        let r = RunResult {
            measured_secs: 100.0,
            hosts: vec![
                host(1000, 100.0, 400),
                host(600, 50.0, 100),
                host(0, 0.0, 0),
            ],
            resolves: ResolveStats {
                started: 4,
                succeeded: 3,
                hops: vec![0, 1, 2],
                ..ResolveStats::default()
            },
            registrations: 7,
            ..RunResult::default()
        };
        let values = per_run_values(&r);
        assert_eq!(values.len(), per_run_names().len());
        let value = |name: &str| values[per_run_index(name).unwrap()];
        // 10 and 12 B/s; the offline host is left out.
        assert_eq!(value(UP), Some(11.0));
        assert_eq!(value(UP_P95), Some(12.0));
        assert_eq!(value("down_B_per_s"), Some(22.0));
        let reasons: f64 = Reason::ALL
            .iter()
            .map(|&rs| value(&reason_metric(rs)).unwrap())
            .sum();
        assert!((reasons - 11.0).abs() < 1e-12);
        assert_eq!(value(&reason_metric(Reason::Join)), Some(3.0));
        assert_eq!(value(RESOLVE_SUCCESS), Some(0.75));
        assert_eq!(value(RESOLVE_HOPS), Some(5.0 / 3.0));
        assert_eq!(value(REGISTRATIONS), Some(7.0));
        assert_eq!(value(LEAF_SET_ACCURACY), None);
        assert_eq!(value(HOSTS_MEASURED), Some(2.0));

        let empty = per_run_values(&RunResult::default());
        assert_eq!(empty[per_run_index(UP).unwrap()], None);
        assert_eq!(empty[per_run_index(CLOUD).unwrap()], None);
    }
}
