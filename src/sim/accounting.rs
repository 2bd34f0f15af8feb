//! Counting what crosses the network, per host, per message type and
//! reason, and per time window — only after the warm-up.

use super::RunResultParts;
use crate::engine::SimTime;
use crate::metrics::recovery::{Timeline, WindowResolves};
use crate::metrics::{Connectivity, HostMetrics, ResolveStats, RunResult, Traffic, Window};
use crate::network::Network;
use crate::protocol::id::HostIx;
use crate::protocol::message::{Message, MsgType, Reason, WireSizes};
use crate::protocol::node::ResolveOutcome;
use crate::scenario::Scenario;

pub(super) struct Accounting {
    warmup: SimTime,
    now: SimTime,
    fragment_size: u32,
    hosts: Vec<HostMetrics>,
    by_type_reason: [[Traffic; Reason::COUNT]; MsgType::COUNT],
    window: Window,
    window_secs: f64,
    windows: Vec<Window>,
    resolves: ResolveStats,
    joins: u64,
    departures: u64,
    blocked_inquires: u64,
    /// Resolves by the window they started in; kept only for a run with a
    /// timeline (see [`crate::metrics::recovery`]).
    resolve_windows: Option<Vec<WindowResolves>>,
}

impl Accounting {
    pub fn new(s: &Scenario, teredo: &[bool], firewalled: &[bool], warmup: SimTime) -> Self {
        let hosts = teredo
            .iter()
            .zip(firewalled)
            .map(|(&teredo, &firewalled)| HostMetrics {
                teredo,
                firewalled,
                ..HostMetrics::default()
            })
            .collect();
        Accounting {
            warmup,
            now: SimTime::ZERO,
            fragment_size: s.pnrp.fragment_size.0 as u32,
            hosts,
            by_type_reason: Default::default(),
            window: Window {
                start_secs: warmup.as_secs_f64(),
                ..Window::default()
            },
            window_secs: s.metrics.window.as_secs_f64(),
            windows: Vec::new(),
            resolves: ResolveStats::default(),
            joins: 0,
            departures: 0,
            blocked_inquires: 0,
            resolve_windows: (!s.events.is_empty()).then(Vec::new),
        }
    }

    /// The per-window resolve counts of a resolve started at `started`.
    fn resolve_window(&mut self, started: SimTime) -> Option<&mut WindowResolves> {
        let width = self.window_secs;
        let warmup = self.warmup;
        let series = self.resolve_windows.as_mut()?;
        let i = (started.since(warmup).as_secs_f64() / width) as usize;
        if series.len() <= i {
            series.resize(i + 1, WindowResolves::default());
        }
        Some(&mut series[i])
    }

    /// Starts loading the counters of `host`.
    pub fn prefetch(&self, host: HostIx) {
        if let Some(h) = self.hosts.get(host.0 as usize) {
            crate::engine::prefetch(h);
        }
    }

    fn measuring(&self) -> bool {
        self.now >= self.warmup
    }

    pub fn advance(&mut self, now: SimTime) {
        self.now = now;
    }

    /// Datagrams and bytes of one message between two hosts: its encoded
    /// length, each datagram paying the IP/UDP (and Teredo) header.
    fn wire(
        &self,
        from: HostIx,
        to: HostIx,
        msg: &Message,
        net: &Network,
        sizes: &WireSizes,
    ) -> (u32, u64) {
        let (datagrams, payload) = msg.wire_size(from, to, sizes);
        let bytes =
            u64::from(payload) + u64::from(datagrams) * u64::from(net.header_bytes(from.0, to.0));
        (datagrams, bytes)
    }

    /// Counts a message as sent; returns its number of datagrams.
    pub fn sent(
        &mut self,
        from: HostIx,
        to: HostIx,
        msg: &Message,
        net: &Network,
        sizes: &WireSizes,
    ) -> u32 {
        let (fragments, bytes) = self.wire(from, to, msg, net, sizes);
        if self.measuring() {
            let d = u64::from(fragments);
            let (ty, reason) = (msg.msg_type().index(), msg.reason.index());
            self.by_type_reason[ty][reason].add(d, bytes);
            let h = &mut self.hosts[from.0 as usize];
            h.sent.add(d, bytes);
            h.sent_bytes_by_reason[reason] += bytes;
            self.window.sent.add(d, bytes);
            self.window.sent_bytes_by_reason[reason] += bytes;
        }
        fragments
    }

    pub fn received(
        &mut self,
        to: HostIx,
        msg: &Message,
        net: &Network,
        from: HostIx,
        sizes: &WireSizes,
    ) {
        if self.measuring() {
            let (fragments, bytes) = self.wire(from, to, msg, net, sizes);
            self.hosts[to.0 as usize]
                .received
                .add(u64::from(fragments), bytes);
        }
    }

    /// The application's query to a resolved host and its answer. This is
    /// not PNRP traffic and is not simulated packet by packet: both
    /// directions are counted at once, split into `fragment_size` datagrams
    /// that each pay the IP/UDP header.
    pub fn app_query(
        &mut self,
        from: HostIx,
        to: HostIx,
        request: u64,
        response: u64,
        net: &Network,
    ) {
        if !self.measuring() {
            return;
        }
        let header = u64::from(net.header_bytes(from.0, to.0));
        let ty = MsgType::AppData.index();
        let reason = Reason::AppQuery.index();
        for (src, dst, payload) in [(from, to, request), (to, from, response)] {
            if payload == 0 {
                continue;
            }
            let datagrams = payload.div_ceil(u64::from(self.fragment_size.max(1)));
            let bytes = payload + datagrams * header;
            self.by_type_reason[ty][reason].add(datagrams, bytes);
            let s = &mut self.hosts[src.0 as usize];
            s.sent.add(datagrams, bytes);
            s.sent_bytes_by_reason[reason] += bytes;
            self.hosts[dst.0 as usize].received.add(datagrams, bytes);
            self.window.sent.add(datagrams, bytes);
            self.window.sent_bytes_by_reason[reason] += bytes;
        }
    }

    /// A message dropped by the recipient's firewall.
    pub fn blocked(&mut self, msg: &Message) {
        if self.measuring() && msg.msg_type() == MsgType::Inquire {
            self.blocked_inquires += 1;
        }
    }

    pub fn joined(&mut self, now: SimTime) {
        if now >= self.warmup {
            self.joins += 1;
        }
    }

    pub fn left(&mut self, now: SimTime, host: HostIx, since: SimTime) {
        if now >= self.warmup {
            self.departures += 1;
            self.hosts[host.0 as usize].online_secs +=
                now.since(since.max(self.warmup)).as_secs_f64();
        }
    }

    pub fn resolve_started(&mut self) {
        if self.measuring() {
            self.resolves.started += 1;
        }
    }

    /// Counts an application resolve that was started after the warm-up.
    pub fn resolved(&mut self, o: ResolveOutcome) {
        let started = SimTime(self.now.0.saturating_sub(o.latency.0));
        if started < self.warmup {
            return;
        }
        if let Some(w) = self.resolve_window(started) {
            w.finished += 1;
            if o.success {
                w.succeeded += 1;
                w.hops += u64::from(o.hops);
            }
        }
        if !o.success {
            return;
        }
        let r = &mut self.resolves;
        r.succeeded += 1;
        let k = o.hops as usize;
        if r.hops.len() <= k {
            r.hops.resize(k + 1, 0);
        }
        r.hops[k] += 1;
        r.latencies_secs.push(o.latency.as_secs_f64());
    }

    pub fn close_window(&mut self, hosts_online: u32, registrations: u32) {
        let next_start = self.window.start_secs + self.window_secs;
        let mut w = std::mem::replace(
            &mut self.window,
            Window {
                start_secs: next_start,
                ..Window::default()
            },
        );
        w.hosts_online = hosts_online;
        w.registrations = registrations;
        self.windows.push(w);
    }

    pub fn connectivity(&mut self, c: Connectivity) {
        self.window.connectivity = Some(c);
    }

    pub fn by_type_reason(&self) -> &[[Traffic; Reason::COUNT]; MsgType::COUNT] {
        &self.by_type_reason
    }

    pub fn take_host(&mut self, host: HostIx) -> HostMetrics {
        std::mem::take(&mut self.hosts[host.0 as usize])
    }

    pub fn into_result(self, p: RunResultParts) -> RunResult {
        let mut timeline = Timeline {
            events: p.events_marked,
            windows: self.resolve_windows.unwrap_or_default(),
        };
        if !timeline.events.is_empty() {
            // One entry per window, however many resolves each saw.
            timeline
                .windows
                .resize(self.windows.len(), WindowResolves::default());
        }
        RunResult {
            scenario: p.scenario,
            run_seed: p.run_seed,
            measured_secs: p.measured_secs,
            min_online_secs: p.min_online_secs,
            hosts: p.hosts,
            by_type_reason: self.by_type_reason,
            windows: self.windows,
            resolves: self.resolves,
            leaf_sets: p.leaf_sets,
            registrations: p.registrations,
            joins: self.joins,
            departures: self.departures,
            blocked_inquires: self.blocked_inquires,
            events: p.events,
            timeline,
            graph: p.graph,
        }
    }
}
