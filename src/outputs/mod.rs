//! Turning one run's [`RunResult`](crate::metrics::RunResult) into output: a short table for the
//! terminal ([`summary_table`]) and CSV files ([`write_run_tables`]), written
//! crash-safely ([`write_atomic`]).
//!
//! Both take their figures from the [metric catalogue](crate::metrics::catalog),
//! so the terminal table and `summary.csv` can never disagree about what
//! "p95 upload" means or what it is called.

pub mod atomic;
pub mod csv_tables;
mod estimate;
pub mod outdir;
pub mod pcap;
pub mod staging;
pub mod summary;

pub use atomic::write_atomic;
pub use csv_tables::{column_reference, write_run_tables};
pub use estimate::comparison_table;
pub use outdir::{estimated_run_bytes, output_dir, prepare_output_dir};
pub use staging::Staging;
pub use summary::summary_table;

/// Marks an error as the failure of writing outputs (a full disk, a
/// directory that went away), exit status 1, as opposed to bad input: add
/// it as context (`e.context(OutputFailed)`) and test with
/// `e.downcast_ref::<OutputFailed>()`.
#[derive(Debug)]
pub struct OutputFailed;

impl std::fmt::Display for OutputFailed {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("cannot write the outputs")
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
                    graph: Default::default(),
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
            timeline: Default::default(),
            graph: None,
        }
    }
}
