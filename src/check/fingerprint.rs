//! A 64-bit fingerprint of everything a run counted.
//!
//! FNV-1a over every field of the [`RunResult`] in a fixed order: integers
//! as little-endian bytes, floats as the text the CSV files would show
//! ([`FLOAT_DECIMALS`] decimals), so that a change which leaves every output
//! byte-identical (a faster data structure, a different summation order)
//! keeps the fingerprint, while any change in behaviour (one datagram more,
//! one resolve routed differently) changes it. Lengths are hashed before
//! sequences so that no two different results hash the same bytes.
//!
//! The structs are destructured field by field, without `..`: a field added
//! to them later does not compile here until it is hashed (or explicitly
//! left out, like the scenario name, which is not behaviour).
//!
//! Floats come from libm (`ln`, `exp` in the latency models), so a
//! fingerprint is exact on one platform; the expectations with tolerances
//! are the portable checks.

use crate::metrics::{
    Connectivity, HostMetrics, LeafSetAccuracy, ResolveStats, RunResult, Traffic, Window,
};
use crate::outputs::csv_tables::FLOAT_DECIMALS;

/// The fingerprint of one run.
pub fn of_run(r: &RunResult) -> u64 {
    let RunResult {
        scenario: _,
        run_seed,
        measured_secs,
        min_online_secs,
        hosts,
        by_type_reason,
        windows,
        resolves,
        leaf_sets,
        registrations,
        joins,
        departures,
        blocked_inquires,
        events,
        timeline,
        graph,
    } = r;
    let mut h = Fnv::new();
    h.u64(*run_seed);
    h.f64(*measured_secs);
    h.f64(*min_online_secs);
    h.len(hosts.len());
    for host in hosts {
        h.host(host);
    }
    h.len(by_type_reason.len());
    for row in by_type_reason {
        h.len(row.len());
        for t in row {
            h.traffic(*t);
        }
    }
    h.len(windows.len());
    for w in windows {
        h.window(w);
    }
    let ResolveStats {
        started,
        succeeded,
        hops,
        latencies_secs,
    } = resolves;
    h.u64(*started);
    h.u64(*succeeded);
    h.counts(hops);
    h.len(latencies_secs.len());
    for &l in latencies_secs {
        h.f64(l);
    }
    let LeafSetAccuracy { expected, matching } = *leaf_sets;
    h.u64(expected);
    h.u64(matching);
    for v in [
        *registrations,
        *joins,
        *departures,
        *blocked_inquires,
        *events,
    ] {
        h.u64(v);
    }
    // Only runs with a timeline have one, so runs without keep the
    // fingerprints they had before timelines existed.
    if !timeline.windows.is_empty() {
        h.len(timeline.windows.len());
        for w in &timeline.windows {
            h.counts(&[w.finished, w.succeeded, w.hops]);
        }
    }
    // Graph traffic exists only under the group method; identity runs hash
    // nothing more, so that their fingerprints stay what they were.
    if let Some(g) = graph {
        h.len(g.by_type_reason.len());
        for row in &g.by_type_reason {
            for t in row {
                h.traffic(*t);
            }
        }
        for host in hosts {
            let crate::metrics::graph::GraphHost {
                sent,
                received,
                sent_bytes_by_reason,
            } = &host.graph;
            h.traffic(*sent);
            h.traffic(*received);
            h.counts(sent_bytes_by_reason);
        }
    }
    h.0
}

/// The fingerprint of several runs (a sweep's, in point then replication
/// order); one run's is its own, so that a scenario keeps its fingerprint
/// whether it is checked alone or as a one-point sweep of one replication.
pub fn combine(runs: &[u64]) -> u64 {
    match runs {
        [one] => *one,
        _ => {
            let mut h = Fnv::new();
            h.counts(runs);
            h.0
        }
    }
}

/// `0123456789abcdef`: the form written into scenario files.
pub fn hex(fingerprint: u64) -> String {
    format!("{fingerprint:016x}")
}

/// 64-bit FNV-1a: tiny, stable across versions and platforms, and fast
/// enough that hashing is negligible next to the run.
struct Fnv(u64);

impl Fnv {
    const OFFSET: u64 = 0xcbf2_9ce4_8422_2325;
    const PRIME: u64 = 0x0000_0100_0000_01b3;

    fn new() -> Self {
        Fnv(Self::OFFSET)
    }

    fn bytes(&mut self, bytes: &[u8]) {
        for &b in bytes {
            self.0 = (self.0 ^ u64::from(b)).wrapping_mul(Self::PRIME);
        }
    }

    fn u64(&mut self, v: u64) {
        self.bytes(&v.to_le_bytes());
    }

    fn len(&mut self, n: usize) {
        self.u64(n as u64);
    }

    fn f64(&mut self, v: f64) {
        let text = format!("{v:.FLOAT_DECIMALS$}");
        self.len(text.len());
        self.bytes(text.as_bytes());
    }

    fn counts(&mut self, values: &[u64]) {
        self.len(values.len());
        for &v in values {
            self.u64(v);
        }
    }

    fn traffic(&mut self, t: Traffic) {
        let Traffic { datagrams, bytes } = t;
        self.u64(datagrams);
        self.u64(bytes);
    }

    fn host(&mut self, host: &HostMetrics) {
        let HostMetrics {
            sent,
            received,
            sent_bytes_by_reason,
            online_secs,
            names,
            firewalled,
            teredo,
            cache_entries,
            cache_levels,
            max_level_fill,
            graph: _, // hashed with the run's graph traffic
        } = host;
        self.traffic(*sent);
        self.traffic(*received);
        self.counts(sent_bytes_by_reason);
        self.f64(*online_secs);
        for v in [*names, *cache_entries, *cache_levels, *max_level_fill] {
            self.u64(u64::from(v));
        }
        self.u64(u64::from(*firewalled));
        self.u64(u64::from(*teredo));
    }

    fn window(&mut self, w: &Window) {
        let Window {
            start_secs,
            sent,
            sent_bytes_by_reason,
            hosts_online,
            registrations,
            connectivity,
        } = w;
        self.f64(*start_secs);
        self.traffic(*sent);
        self.counts(sent_bytes_by_reason);
        self.u64(u64::from(*hosts_online));
        self.u64(u64::from(*registrations));
        match connectivity {
            None => self.u64(0),
            Some(Connectivity {
                components,
                largest_share,
            }) => {
                self.u64(1);
                self.u64(u64::from(*components));
                self.f64(*largest_share);
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::outputs::fixture::sample_run;

    #[test]
    fn fnv_matches_the_reference_vectors() {
        let hash = |s: &str| {
            let mut h = Fnv::new();
            h.bytes(s.as_bytes());
            h.0
        };
        assert_eq!(hash(""), 0xcbf2_9ce4_8422_2325);
        assert_eq!(hash("a"), 0xaf63_dc4c_8601_ec8c);
        assert_eq!(hash("foobar"), 0x8594_4171_f739_67e8);
    }

    /// A change to one counter of a run.
    type Change = fn(&mut RunResult);

    #[test]
    fn every_counter_moves_the_fingerprint() {
        let base = sample_run();
        let f = of_run(&base);
        assert_eq!(f, of_run(&base.clone()));
        let changes: [(&str, Change); 12] = [
            ("host bytes", |r| r.hosts[3].sent.bytes += 1),
            ("host reason", |r| r.hosts[0].sent_bytes_by_reason[7] += 1),
            ("online time", |r| r.hosts[5].online_secs += 1e-6),
            ("teredo flag", |r| r.hosts[1].teredo ^= true),
            ("message cell", |r| r.by_type_reason[2][3].datagrams += 1),
            ("window", |r| {
                r.windows[1].connectivity = Some(Connectivity::default())
            }),
            ("hops", |r| r.resolves.hops.push(0)),
            ("latency", |r| r.resolves.latencies_secs[0] += 1e-6),
            ("leaf sets", |r| r.leaf_sets.matching -= 1),
            ("events", |r| r.events += 1),
            ("seed", |r| r.run_seed ^= 1),
            ("timeline", |r| {
                r.timeline
                    .windows
                    .push(crate::metrics::recovery::WindowResolves::default())
            }),
        ];
        for (what, change) in changes {
            let mut r = base.clone();
            change(&mut r);
            assert_ne!(of_run(&r), f, "{what}");
        }
        // What the CSV files cannot show does not count: the name, and float
        // noise below their precision.
        let mut r = base.clone();
        r.scenario = "renamed".into();
        r.hosts[5].online_secs += 1e-9;
        assert_eq!(of_run(&r), f);
    }

    #[test]
    fn combining_keeps_order_and_a_single_run() {
        assert_eq!(combine(&[42]), 42);
        assert_ne!(combine(&[1, 2]), combine(&[2, 1]));
        assert_ne!(combine(&[]), combine(&[0]));
        assert_eq!(hex(0xab), "00000000000000ab");
    }
}
