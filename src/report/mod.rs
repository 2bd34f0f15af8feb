//! Turning one run's [`RunResult`] into output: a short table for the
//! terminal ([`summary_table`]) and CSV files ([`write_run_tables`]), written
//! crash-safely ([`write_atomic`]).
//!
//! The headline figures are computed once, in [`Headline`], so the terminal
//! table and `summary.csv` can never disagree about what "p95 upload" means.

pub mod atomic;
pub mod csv_tables;
mod estimate;
pub mod outdir;
pub mod summary;

pub use atomic::write_atomic;
pub use csv_tables::{column_reference, write_run_tables};
pub use estimate::comparison_table;
pub use outdir::{estimated_run_bytes, output_dir, prepare_output_dir};
pub use summary::summary_table;

use crate::metrics::stats::Distribution;
use crate::metrics::{RunResult, Traffic};
use crate::protocol::message::Reason;

/// The figures of one run that a reader looks at first. Every value that
/// can be undefined (no hosts online, no resolves, no measured time) is an
/// `Option`, so that no 0/0 ever turns into a NaN in the output.
#[derive(Clone, Debug, PartialEq)]
pub struct Headline {
    pub hosts: usize,
    /// Hosts rated ([`RunResult::rated_hosts`]): online for at least
    /// `metrics.min_online` of the measured period. The per-host
    /// distributions are over these only.
    pub hosts_measured: usize,
    /// Per-host upload rate in bytes/s ([`HostMetrics::up_bytes_per_s`](crate::metrics::HostMetrics::up_bytes_per_s)).
    pub up: Option<Distribution>,
    /// Per-host download rate in bytes/s.
    pub down: Option<Distribution>,
    /// Mean over measured hosts of each host's upload rate for one reason,
    /// by [`Reason`] index. These add up to `up.mean` because each host's
    /// bytes by reason add up to its bytes sent.
    pub up_mean_by_reason: [Option<f64>; Reason::COUNT],
    pub sent: Traffic,
    /// Whole-cloud rates: total sent over the measured time.
    pub cloud_bytes_per_s: Option<f64>,
    pub cloud_datagrams_per_s: Option<f64>,
    pub resolve_success: Option<f64>,
    pub hops_mean: Option<f64>,
    /// Nearest-rank 95th percentile of LOOKUP hops, as in [`Distribution`].
    pub hops_p95: Option<u64>,
    /// Latency of successful resolves in seconds.
    pub resolve_latency: Option<Distribution>,
    pub leaf_set_accuracy: Option<f64>,
    /// Hosts with a non-empty cache at the end of the run: the hosts online
    /// then, since an offline host reports an empty cache. Cache means are
    /// over these so that offline hosts do not dilute them.
    pub cache_hosts: usize,
    pub cache_entries_mean: Option<f64>,
    pub cache_levels_mean: Option<f64>,
    pub max_level_fill: u32,
    /// Worst overlay connectivity over the windows that sampled it.
    pub scc_count_max: Option<u32>,
    pub largest_scc_share_min: Option<f64>,
}

impl Headline {
    pub fn of(r: &RunResult) -> Headline {
        let measured: Vec<_> = r.rated_hosts().collect();
        let up: Vec<f64> = measured.iter().filter_map(|h| h.up_bytes_per_s()).collect();
        let down: Vec<f64> = measured
            .iter()
            .filter_map(|h| h.down_bytes_per_s())
            .collect();
        let up_mean_by_reason = Reason::ALL.map(|reason| {
            mean(
                measured
                    .iter()
                    .map(|h| h.sent_bytes_by_reason[reason.index()] as f64 / h.online_secs),
            )
        });
        let cached: Vec<_> = r.hosts.iter().filter(|h| h.cache_entries > 0).collect();
        let sampled = r.windows.iter().filter_map(|w| w.connectivity);
        let sent = r.total_sent();
        Headline {
            hosts: r.hosts.len(),
            hosts_measured: measured.len(),
            up: distribution(&up),
            down: distribution(&down),
            up_mean_by_reason,
            sent,
            cloud_bytes_per_s: rate(sent.bytes, r.measured_secs),
            cloud_datagrams_per_s: rate(sent.datagrams, r.measured_secs),
            resolve_success: r.resolves.success_rate(),
            hops_mean: r.resolves.mean_hops(),
            hops_p95: histogram_percentile(&r.resolves.hops, 0.95),
            resolve_latency: distribution(&r.resolves.latencies_secs),
            leaf_set_accuracy: r.leaf_sets.share(),
            cache_hosts: cached.len(),
            cache_entries_mean: mean(cached.iter().map(|h| f64::from(h.cache_entries))),
            cache_levels_mean: mean(cached.iter().map(|h| f64::from(h.cache_levels))),
            max_level_fill: r.hosts.iter().map(|h| h.max_level_fill).max().unwrap_or(0),
            scc_count_max: sampled.clone().map(|c| c.components).max(),
            largest_scc_share_min: sampled.map(|c| c.largest_share).min_by(f64::total_cmp),
        }
    }
}

/// `amount / secs`, undefined for a non-positive (or non-finite) duration.
pub(crate) fn rate(amount: u64, secs: f64) -> Option<f64> {
    (secs.is_finite() && secs > 0.0).then(|| amount as f64 / secs)
}

fn distribution(values: &[f64]) -> Option<Distribution> {
    (!values.is_empty()).then(|| Distribution::of(values))
}

fn mean(values: impl Iterator<Item = f64>) -> Option<f64> {
    let (n, sum) = values.fold((0u64, 0.0), |(n, s), v| (n + 1, s + v));
    (n > 0).then(|| sum / n as f64)
}

/// Nearest-rank percentile of a histogram (`counts[k]` samples of value k),
/// the same definition as [`Distribution::of`] without expanding millions of
/// resolves into a sample vector.
fn histogram_percentile(counts: &[u64], p: f64) -> Option<u64> {
    let n: u64 = counts.iter().sum();
    if n == 0 {
        return None;
    }
    let rank = ((p * n as f64).ceil() as u64).clamp(1, n);
    let mut seen = 0;
    counts.iter().enumerate().find_map(|(k, &c)| {
        seen += c;
        (seen >= rank).then_some(k as u64)
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::metrics::{Connectivity, HostMetrics, Window};

    #[test]
    fn histogram_percentile_matches_distribution_on_the_expanded_sample() {
        let counts = [0, 3, 10, 4, 0, 2, 1];
        let sample: Vec<f64> = counts
            .iter()
            .enumerate()
            .flat_map(|(k, &c)| std::iter::repeat_n(k as f64, c as usize))
            .collect();
        let d = Distribution::of(&sample);
        for (p, expected) in [(0.5, d.p50), (0.95, d.p95), (0.99, d.p99), (1.0, d.max)] {
            assert_eq!(
                histogram_percentile(&counts, p).unwrap() as f64,
                expected,
                "p={p}"
            );
        }
        assert_eq!(histogram_percentile(&[0, 0], 0.5), None);
    }

    #[test]
    fn empty_run_has_no_defined_rates() {
        let h = Headline::of(&RunResult::default());
        assert_eq!(h.up, None);
        assert_eq!(h.cloud_bytes_per_s, None);
        assert_eq!(h.hops_p95, None);
        assert_eq!(h.resolve_latency, None);
        assert_eq!(h.up_mean_by_reason, [None; Reason::COUNT]);
        assert_eq!(h.scc_count_max, None);
    }

    #[test]
    fn reason_means_add_up_to_the_upload_mean_and_skip_offline_hosts() {
        let host = |online_secs: f64, by_reason: [u64; Reason::COUNT]| HostMetrics {
            online_secs,
            sent_bytes_by_reason: by_reason,
            sent: Traffic {
                datagrams: 1,
                bytes: by_reason.iter().sum(),
            },
            cache_entries: 5,
            cache_levels: 2,
            ..HostMetrics::default()
        };
        let mut offline = host(0.0, [1000; Reason::COUNT]);
        offline.cache_entries = 0;
        let r = RunResult {
            hosts: vec![
                host(10.0, [100, 0, 0, 0, 0, 0, 0, 0, 0]),
                host(20.0, [0, 200, 0, 0, 0, 0, 0, 600, 0]),
                offline,
            ],
            windows: vec![
                Window {
                    connectivity: Some(Connectivity {
                        components: 3,
                        largest_share: 0.5,
                    }),
                    ..Window::default()
                },
                Window::default(),
                Window {
                    connectivity: Some(Connectivity {
                        components: 1,
                        largest_share: 1.0,
                    }),
                    ..Window::default()
                },
            ],
            ..RunResult::default()
        };
        let h = Headline::of(&r);
        assert_eq!(h.hosts, 3);
        assert_eq!(h.hosts_measured, 2);
        // Host rates 10 and 40 B/s.
        assert_eq!(h.up.unwrap().mean, 25.0);
        assert_eq!(h.up_mean_by_reason[0], Some(5.0));
        assert_eq!(h.up_mean_by_reason[1], Some(5.0));
        assert_eq!(h.up_mean_by_reason[7], Some(15.0));
        let sum: f64 = h.up_mean_by_reason.iter().flatten().sum();
        assert_eq!(sum, h.up.unwrap().mean);
        assert_eq!(h.cache_hosts, 2);
        assert_eq!(h.cache_entries_mean, Some(5.0));
        assert_eq!(h.scc_count_max, Some(3));
        assert_eq!(h.largest_scc_share_min, Some(0.5));
    }
}

/// A hand-built run shared by the report tests (the simulator is not needed
/// to exercise the output).
#[cfg(test)]
pub(crate) mod fixture {
    use crate::metrics::{
        Connectivity, HostMetrics, LeafSetAccuracy, ResolveStats, RunResult, Traffic, Window,
    };
    use crate::protocol::message::{MsgType, Reason};

    /// 100 hosts online for 10 s each that upload 1, 2, …, 100 B/s (join 40 %,
    /// refresh 60 %) and download twice that, plus one host never online
    /// that sent a lot (which every per-host figure must ignore).
    pub(crate) fn sample_run() -> RunResult {
        let mut hosts: Vec<HostMetrics> = (1..=100u64)
            .map(|i| {
                let mut by_reason = [0; Reason::COUNT];
                by_reason[Reason::Join.index()] = 4 * i;
                by_reason[Reason::Refresh.index()] = 6 * i;
                HostMetrics {
                    sent: Traffic {
                        datagrams: i,
                        bytes: 10 * i,
                    },
                    received: Traffic {
                        datagrams: 2 * i,
                        bytes: 20 * i,
                    },
                    sent_bytes_by_reason: by_reason,
                    online_secs: 10.0,
                    names: 3,
                    firewalled: i % 2 == 0,
                    teredo: i % 5 == 0,
                    cache_entries: 40 + (i % 3) as u32,
                    cache_levels: 3,
                    max_level_fill: (i % 7) as u32,
                }
            })
            .collect();
        hosts.push(HostMetrics {
            sent: Traffic {
                datagrams: 1000,
                bytes: 1_000_000,
            },
            sent_bytes_by_reason: [125_000; Reason::COUNT],
            ..HostMetrics::default()
        });
        let mut by_type_reason = [[Traffic::default(); Reason::COUNT]; MsgType::COUNT];
        by_type_reason[MsgType::Solicit.index()][Reason::Join.index()] = Traffic {
            datagrams: 10,
            bytes: 1230,
        };
        by_type_reason[MsgType::Flood.index()][Reason::Join.index()] = Traffic {
            datagrams: 50,
            bytes: 40_000,
        };
        by_type_reason[MsgType::Lookup.index()][Reason::Refresh.index()] = Traffic {
            datagrams: 7,
            bytes: 777,
        };
        by_type_reason[MsgType::Inquire.index()][Reason::Registration.index()] = Traffic {
            datagrams: 3,
            bytes: 333,
        };
        let window = |start_secs: f64, bytes: u64, connectivity| {
            let mut by_reason = [0; Reason::COUNT];
            by_reason[Reason::Join.index()] = bytes;
            Window {
                start_secs,
                sent: Traffic {
                    datagrams: bytes / 100,
                    bytes,
                },
                sent_bytes_by_reason: by_reason,
                hosts_online: 100,
                registrations: 300,
                connectivity,
            }
        };
        RunResult {
            scenario: "sample".to_owned(),
            run_seed: 0xDEAD_BEEF_0000_0001,
            measured_secs: 150.0,
            min_online_secs: 0.0,
            hosts,
            by_type_reason,
            windows: vec![
                window(
                    600.0,
                    6000,
                    Some(Connectivity {
                        components: 2,
                        largest_share: 0.75,
                    }),
                ),
                window(660.0, 1200, None),
                window(
                    720.0,
                    300,
                    Some(Connectivity {
                        components: 1,
                        largest_share: 1.0,
                    }),
                ),
            ],
            resolves: ResolveStats {
                started: 10,
                succeeded: 8,
                hops: vec![0, 2, 5, 1],
                latencies_secs: vec![0.1, 0.2, 0.3, 0.4, 0.5, 0.6, 0.7, 0.8],
            },
            leaf_sets: LeafSetAccuracy {
                expected: 40,
                matching: 36,
            },
            registrations: 300,
            joins: 12,
            departures: 11,
            blocked_inquires: 4,
            events: 123_456,
        }
    }
}
