//! What one run measured.
//!
//! The simulation fills a [`RunResult`]; [`catalog`] names every figure
//! read off it, `outputs` writes them as the summary table and CSV files, and
//! sweeps aggregate many of them. Everything here counts only the measured
//! part of the run (after warm-up).

pub mod catalog;
pub mod connectivity;
pub mod graph;
pub mod headline;
pub mod recovery;
pub mod stationarity;
pub mod stats;

use crate::protocol::message::{MsgType, Reason};

/// Datagrams and bytes (headers included).
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct Traffic {
    pub datagrams: u64,
    pub bytes: u64,
}

impl Traffic {
    pub fn add(&mut self, datagrams: u64, bytes: u64) {
        self.datagrams += datagrams;
        self.bytes += bytes;
    }
}

impl std::ops::AddAssign for Traffic {
    fn add_assign(&mut self, o: Traffic) {
        self.datagrams += o.datagrams;
        self.bytes += o.bytes;
    }
}

/// Per-host figures.
#[derive(Clone, Debug, Default, PartialEq)]
pub struct HostMetrics {
    pub sent: Traffic,
    pub received: Traffic,
    /// Bytes sent, by [`Reason`] index.
    pub sent_bytes_by_reason: [u64; Reason::COUNT],
    /// Seconds online within the measured part of the run; rates per host
    /// divide by this, so hosts that churn are not diluted by offline time.
    pub online_secs: f64,
    pub names: u32,
    pub firewalled: bool,
    pub teredo: bool,
    /// Cache state at the end of the run (zero if offline then).
    pub cache_entries: u32,
    pub cache_levels: u32,
    /// Largest number of entries in any one band of any one cache level.
    pub max_level_fill: u32,
    /// Peer-group graph traffic (group method only).
    pub graph: graph::GraphHost,
}

impl HostMetrics {
    /// Upload rate in bytes/s over the host's measured online time.
    pub fn up_bytes_per_s(&self) -> Option<f64> {
        (self.online_secs > 0.0).then(|| self.sent.bytes as f64 / self.online_secs)
    }
    /// Download rate in bytes/s over the host's measured online time.
    pub fn down_bytes_per_s(&self) -> Option<f64> {
        (self.online_secs > 0.0).then(|| self.received.bytes as f64 / self.online_secs)
    }
}

/// One time-series window.
#[derive(Clone, Debug, Default, PartialEq)]
pub struct Window {
    pub start_secs: f64,
    pub sent: Traffic,
    pub sent_bytes_by_reason: [u64; Reason::COUNT],
    pub hosts_online: u32,
    pub registrations: u32,
    /// Strongly connected components of the who-knows-whom graph among
    /// online hosts, if sampled in this window.
    pub connectivity: Option<Connectivity>,
}

#[derive(Clone, Copy, Debug, Default, PartialEq)]
pub struct Connectivity {
    pub components: u32,
    /// Share of online hosts in the largest strongly connected component.
    pub largest_share: f64,
}

/// Application resolves (split detection, registration and maintenance
/// resolves are counted as traffic, not here).
#[derive(Clone, Debug, Default, PartialEq)]
pub struct ResolveStats {
    pub started: u64,
    pub succeeded: u64,
    /// `hops[k]` = successful resolves that took k LOOKUP hops.
    pub hops: Vec<u64>,
    /// Latency of each successful resolve in seconds.
    pub latencies_secs: Vec<f64>,
}

impl ResolveStats {
    pub fn success_rate(&self) -> Option<f64> {
        (self.started > 0).then(|| self.succeeded as f64 / self.started as f64)
    }
    pub fn mean_hops(&self) -> Option<f64> {
        let n: u64 = self.hops.iter().sum();
        let total: u64 = self
            .hops
            .iter()
            .enumerate()
            .map(|(k, c)| k as u64 * c)
            .sum();
        (n > 0).then(|| total as f64 / n as f64)
    }
}

/// Leaf-set entries compared with the true nearest registered IDs.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct LeafSetAccuracy {
    pub expected: u64,
    pub matching: u64,
}

impl LeafSetAccuracy {
    pub fn share(&self) -> Option<f64> {
        (self.expected > 0).then(|| self.matching as f64 / self.expected as f64)
    }
}

/// Everything one run measured.
#[derive(Clone, Debug, Default, PartialEq)]
pub struct RunResult {
    pub scenario: String,
    /// The 64-bit seed of this run (derived from scenario seed, point and
    /// replication), enough to repeat it.
    pub run_seed: u64,
    /// Measured simulated seconds (duration − warm-up).
    pub measured_secs: f64,
    /// Hosts online for less than this (measured) are not rated.
    pub min_online_secs: f64,
    pub hosts: Vec<HostMetrics>,
    /// Traffic sent, indexed `[MsgType index][Reason index]`.
    pub by_type_reason: [[Traffic; Reason::COUNT]; MsgType::COUNT],
    pub windows: Vec<Window>,
    pub resolves: ResolveStats,
    pub leaf_sets: LeafSetAccuracy,
    /// Registrations (PNRP IDs) alive at the end of the run.
    pub registrations: u64,
    /// Host joins and departures within the measured part.
    pub joins: u64,
    pub departures: u64,
    /// INQUIREs that went unanswered because the target's firewall dropped them.
    pub blocked_inquires: u64,
    pub events: u64,
    /// The `[[event]]` timeline and its per-window resolves; empty without one.
    pub timeline: recovery::Timeline,
    /// Graph traffic by type and reason; `None` under the identity method.
    pub graph: Option<graph::GraphTraffic>,
}

impl RunResult {
    /// Hosts whose per-host rates are meaningful: online for at least
    /// `min_online_secs` of the measured period (and for some time at all).
    pub fn rated_hosts(&self) -> impl Iterator<Item = &HostMetrics> {
        self.hosts
            .iter()
            .filter(|h| h.online_secs > 0.0 && h.online_secs >= self.min_online_secs)
    }

    pub fn total_sent(&self) -> Traffic {
        let mut t = Traffic::default();
        for row in &self.by_type_reason {
            for c in row {
                t += *c;
            }
        }
        t
    }
    pub fn sent_by_type(&self, ty: MsgType) -> Traffic {
        let mut t = Traffic::default();
        for c in &self.by_type_reason[ty.index()] {
            t += *c;
        }
        t
    }
    /// Width of each window in seconds: up to the next window's start, the
    /// last one up to the end of the measured time. The windows tile the
    /// measured part from its start, so that end is the first window's start
    /// plus the measured time (whatever origin `start_secs` counts from).
    pub fn window_widths(&self) -> Vec<f64> {
        let Some(first) = self.windows.first() else {
            return Vec::new();
        };
        let end = first.start_secs + self.measured_secs;
        let next_starts = self.windows.iter().skip(1).map(|w| w.start_secs.min(end));
        self.windows
            .iter()
            .zip(next_starts.chain(std::iter::once(end)))
            .map(|(w, next)| next - w.start_secs)
            .collect()
    }

    pub fn sent_by_reason(&self, r: Reason) -> Traffic {
        let mut t = Traffic::default();
        for row in &self.by_type_reason {
            t += row[r.index()];
        }
        t
    }
}
