//! Peer groups in the simulation: one [MS-PPGRH] graph per shared name
//! under `hosts.shared_name_method = "group"`, its messages carried over
//! modelled TCP connections ([`crate::network::tcp`]) with the network's
//! delay and loss, and counted apart from PNRP.
//!
//! What the grouping layer ([MS-PPSEC]) does here: every member registers
//! the group's peer name in PNRP (the shared name's registrations, as
//! under the identity method, §1.3.2.4); to find a member to connect to it
//! resolves that name in PNRP (§1.3) — the resolve's traffic is simulated
//! and counted, and the member it yields is drawn among the members that
//! listen at that moment, the answer a successful resolve would give (the
//! simulation does not wait for the resolve's outcome). Connections
//! authenticate with the flights of [`GraphParams::auth_flights`] and
//! every later message is one TLS record.

use super::{Event, Simulation};
use crate::engine::{Rng, SimDuration, SimTime};
use crate::metrics::Traffic;
use crate::metrics::graph::{GraphHost, GraphTraffic, TCP_ACK, TCP_SETUP, TCP_TEARDOWN};
use crate::network::tcp::{self, AckClock};
use crate::protocol::graphing::{
    GraphEnv, GraphMsg, GraphNode, GraphOutbox, GraphParams, GraphReason, GraphTimer,
};
use crate::protocol::id::HostIx;
use crate::protocol::node::Caller;
use rand::Rng as _;
use std::collections::BTreeMap;

/// **[ours]** data retransmissions before TCP gives up on a silent peer
/// (Windows' TcpMaxDataRetransmissions default of 5).
const DATA_RETRIES: u32 = 5;
/// **[ours]** when the sender's TCP gives up on a peer that crashed.
const DEAD_PEER: SimDuration = SimDuration::from_secs(30);

/// **[ours]** how long after coming online a host's grouping application
/// opens its groups: time for PNRP to join the cloud first, so that the
/// resolve of the group's name is not sent from an empty cache.
const OPEN_AFTER: SimDuration = SimDuration::from_secs(30);

/// Graph events, in the simulation's queue.
#[derive(Debug)]
pub(super) enum GraphEvent {
    Deliver {
        group: u32,
        from: HostIx,
        to: HostIx,
        epoch: u32,
        msg: GraphMsg,
    },
    Timer {
        group: u32,
        host: HostIx,
        epoch: u32,
        timer: GraphTimer,
    },
    Connected {
        group: u32,
        from: HostIx,
        to: HostIx,
        epochs: [u32; 2],
    },
    Lost {
        group: u32,
        host: HostIx,
        peer: HostIx,
        epoch: u32,
    },
    Open {
        host: HostIx,
        epoch: u32,
    },
}

struct Group {
    /// Catalogue index of the group's peer name.
    name: u32,
    members: Vec<HostIx>,
    nodes: Vec<GraphNode>,
    created: bool,
}

impl Group {
    fn member(&self, h: HostIx) -> usize {
        self.members
            .iter()
            .position(|&m| m == h)
            .expect("a member of the group")
    }
}

/// One TCP connection: its ends (initiator first), the ACK clock, and
/// when each direction last delivered (TCP delivers in order).
struct Conn {
    ends: [HostIx; 2],
    clock: AckClock,
    last: [SimTime; 2],
}

/// Every group of a run and their traffic.
pub(super) struct Groups {
    params: GraphParams,
    groups: Vec<Group>,
    /// (group, member index) of each host.
    of_host: Vec<Vec<(u32, usize)>>,
    conns: BTreeMap<(u32, HostIx, HostIx), Conn>,
    rng: Rng,
    traffic: GraphTraffic,
    hosts: Vec<GraphHost>,
}

impl Groups {
    /// A group for every name that several hosts register.
    pub fn new(params: GraphParams, per_host: &[Vec<u32>], rng: Rng) -> Groups {
        let mut by_name: BTreeMap<u32, Vec<HostIx>> = BTreeMap::new();
        for (h, names) in per_host.iter().enumerate() {
            for &n in names {
                by_name.entry(n).or_default().push(HostIx(h as u32));
            }
        }
        let mut of_host = vec![Vec::new(); per_host.len()];
        let groups: Vec<Group> = by_name
            .into_iter()
            .filter(|(_, m)| m.len() >= 2)
            .enumerate()
            .map(|(g, (name, members))| {
                for (i, m) in members.iter().enumerate() {
                    of_host[m.0 as usize].push((g as u32, i));
                }
                Group {
                    name,
                    nodes: members.iter().map(|&m| GraphNode::new(m)).collect(),
                    members,
                    created: false,
                }
            })
            .collect();
        Groups {
            params,
            groups,
            of_host,
            conns: BTreeMap::new(),
            rng,
            traffic: GraphTraffic::new(),
            hosts: vec![GraphHost::default(); per_host.len()],
        }
    }

    /// The per-host and per-type figures, for the run's result.
    pub fn finish(self, hosts: &mut [crate::metrics::HostMetrics]) -> GraphTraffic {
        for (m, g) in hosts.iter_mut().zip(self.hosts) {
            m.graph = g;
        }
        self.traffic
    }
}

fn key(group: u32, a: HostIx, b: HostIx) -> (u32, HostIx, HostIx) {
    (group, a.min(b), a.max(b))
}

impl Simulation<'_> {
    fn host_epoch(&self, h: HostIx) -> Option<u32> {
        let host = &self.hosts[h.0 as usize];
        host.online.then_some(host.epoch)
    }

    /// Counts `segments` segments of `bytes` bytes (headers included) sent
    /// by `from` and received by `to`.
    fn graph_count(
        &mut self,
        from: HostIx,
        to: HostIx,
        row: usize,
        why: GraphReason,
        segments: u32,
        bytes: u64,
    ) {
        if self.queue.now() < self.warmup {
            return;
        }
        let g = self.groups.as_mut().expect("groups");
        let t = Traffic {
            datagrams: u64::from(segments),
            bytes,
        };
        g.traffic.by_type_reason[row][why.index()] += t;
        let s = &mut g.hosts[from.0 as usize];
        s.sent += t;
        s.sent_bytes_by_reason[why.index()] += bytes;
        if self.hosts[to.0 as usize].online {
            g.hosts[to.0 as usize].received += t;
        }
    }

    fn segment_header(&self, a: HostIx, b: HostIx) -> u64 {
        u64::from(tcp::segment_header(self.network.header_bytes(a.0, b.0)))
    }

    /// A host comes online: it opens its groups' graphs [`OPEN_AFTER`] on.
    pub(super) fn graph_online(&mut self, now: SimTime, host: HostIx) {
        if let (Some(_), Some(epoch)) = (&self.groups, self.host_epoch(host)) {
            let ev = GraphEvent::Open { host, epoch };
            self.queue
                .schedule(now + OPEN_AFTER, Event::Graph(Box::new(ev)));
        }
    }

    /// Opens each of the host's groups' graphs: the first member to come
    /// creates the graph, the others connect to a member PNRP finds.
    fn graph_open_all(&mut self, now: SimTime, host: HostIx) {
        let Some(groups) = &self.groups else { return };
        for (g, i) in groups.of_host[host.0 as usize].clone() {
            let grp = &self.groups.as_ref().unwrap().groups[g as usize];
            let create = !grp.created;
            let contact = if create {
                None
            } else {
                self.find_member(now, g, host)
            };
            self.groups.as_mut().unwrap().groups[g as usize].created = true;
            self.graph_react(now, g, i, |n, env, out| n.open(create, contact, env, out));
        }
    }

    /// A host goes offline: a graceful leave closes its graphs (§3.1.4.12),
    /// a crash leaves its connections to die.
    pub(super) fn graph_offline(&mut self, now: SimTime, host: HostIx, graceful: bool) {
        let Some(groups) = &self.groups else { return };
        for (g, i) in groups.of_host[host.0 as usize].clone() {
            if graceful {
                self.graph_react(now, g, i, |n, env, out| n.close(env, out));
            } else {
                self.groups.as_mut().unwrap().groups[g as usize].nodes[i].crash(now);
            }
        }
    }

    /// [MS-PPSEC] finds a member through PNRP: the host resolves the
    /// group's peer name (simulated, counted) and gets a listening member.
    fn find_member(&mut self, now: SimTime, g: u32, host: HostIx) -> Option<HostIx> {
        let grp = &self.groups.as_ref().unwrap().groups[g as usize];
        let name = self.plan.catalogue[grp.name as usize];
        let listening: Vec<HostIx> = grp
            .members
            .iter()
            .zip(&grp.nodes)
            .filter(|(m, n)| **m != host && self.hosts[m.0 as usize].online && n.is_listening())
            .map(|(m, _)| *m)
            .collect();
        self.react(now, host, |node, env, out| {
            node.resolve_name(name, Caller::Grouping, env, out)
        });
        let rng = &mut self.groups.as_mut().unwrap().rng;
        (!listening.is_empty()).then(|| listening[rng.random_range(0..listening.len())])
    }

    fn graph_react(
        &mut self,
        now: SimTime,
        g: u32,
        i: usize,
        f: impl FnOnce(&mut GraphNode, &mut GraphEnv, &mut GraphOutbox),
    ) {
        let mut out = GraphOutbox::default();
        let groups = self.groups.as_mut().unwrap();
        let mut env = GraphEnv {
            now,
            params: &groups.params,
            rng: &mut groups.rng,
        };
        f(&mut groups.groups[g as usize].nodes[i], &mut env, &mut out);
        let host = groups.groups[g as usize].members[i];
        self.graph_carry(now, g, i, host, out);
    }

    fn graph_carry(&mut self, now: SimTime, g: u32, i: usize, host: HostIx, out: GraphOutbox) {
        let Some(epoch) = self.host_epoch(host) else {
            return;
        };
        for (to, msg, why) in out.sends {
            self.graph_send(now, g, host, to, msg, why);
        }
        for (after, timer) in out.timers {
            let ev = GraphEvent::Timer {
                group: g,
                host,
                epoch,
                timer,
            };
            self.queue.schedule(now + after, Event::Graph(Box::new(ev)));
        }
        for to in out.opens {
            self.graph_open(now, g, host, to);
        }
        for to in out.closes {
            self.graph_close(now, g, host, to);
        }
        if out.find_member {
            if let Some(peer) = self.find_member(now, g, host) {
                let mut more = GraphOutbox::default();
                self.groups.as_mut().unwrap().groups[g as usize].nodes[i]
                    .member_found(peer, &mut more);
                self.graph_carry(now, g, i, host, more);
            }
        }
    }

    /// TCP set-up (§3.1.7.24): SYN, SYN-ACK, ACK, or unanswered SYNs.
    fn graph_open(&mut self, now: SimTime, g: u32, from: HostIx, to: HostIx) {
        let header = self.segment_header(from, to);
        let why = GraphReason::Connection;
        let epoch = self.host_epoch(from).unwrap_or(0);
        let Some(to_epoch) = self.host_epoch(to) else {
            self.graph_count(
                from,
                to,
                TCP_SETUP,
                why,
                tcp::SYN_TRIES,
                header * u64::from(tcp::SYN_TRIES),
            );
            let ev = GraphEvent::Lost {
                group: g,
                host: from,
                peer: to,
                epoch,
            };
            self.queue
                .schedule(now + tcp::CONNECT_FAIL, Event::Graph(Box::new(ev)));
            return;
        };
        self.graph_count(from, to, TCP_SETUP, why, 2, 2 * header);
        self.graph_count(to, from, TCP_SETUP, why, 1, header);
        let there = self.network.delay(from.0, to.0, &mut self.rng_net);
        let back = self.network.delay(to.0, from.0, &mut self.rng_net);
        let at = now + there + back;
        self.groups.as_mut().unwrap().conns.insert(
            key(g, from, to),
            Conn {
                ends: [from, to],
                clock: AckClock::default(),
                last: [at, at],
            },
        );
        let ev = GraphEvent::Connected {
            group: g,
            from,
            to,
            epochs: [epoch, to_epoch],
        };
        self.queue.schedule(at, Event::Graph(Box::new(ev)));
    }

    /// TCP tear-down: FIN, ACK, FIN, ACK, after what is in flight; the
    /// peer's graph learns of it then.
    fn graph_close(&mut self, now: SimTime, g: u32, from: HostIx, to: HostIx) {
        let Some(conn) = self
            .groups
            .as_mut()
            .unwrap()
            .conns
            .remove(&key(g, from, to))
        else {
            return;
        };
        let header = self.segment_header(from, to);
        let why = GraphReason::Connection;
        self.graph_count(from, to, TCP_TEARDOWN, why, 2, 2 * header);
        if let Some(epoch) = self.host_epoch(to) {
            self.graph_count(to, from, TCP_TEARDOWN, why, 2, 2 * header);
            let side = usize::from(conn.ends[0] != from);
            let at = conn.last[side].max(now) + SimDuration::from_micros(1);
            let ev = GraphEvent::Lost {
                group: g,
                host: to,
                peer: from,
                epoch,
            };
            self.queue.schedule(at, Event::Graph(Box::new(ev)));
        }
    }

    /// One graph message on its connection: TLS record, frames, segments
    /// with their headers, retransmissions of lost segments, and the pure
    /// ACKs the delayed-ACK model owes.
    fn graph_send(
        &mut self,
        now: SimTime,
        g: u32,
        from: HostIx,
        to: HostIx,
        msg: GraphMsg,
        why: GraphReason,
    ) {
        let groups = self.groups.as_ref().unwrap();
        if !groups.conns.contains_key(&key(g, from, to)) {
            return;
        }
        let len = msg.stream_len(&groups.params);
        let row = usize::from(msg.type_code(&groups.params)) - 1;
        let header = self.segment_header(from, to);
        let segments = tcp::data_segments(len);
        let Some(epoch) = self.host_epoch(to) else {
            // The peer crashed: TCP retransmits, then gives up.
            let tries = segments * (1 + DATA_RETRIES);
            self.graph_count(
                from,
                to,
                row,
                why,
                tries,
                u64::from(tries) * header + (len as u64) * u64::from(1 + DATA_RETRIES),
            );
            self.groups
                .as_mut()
                .unwrap()
                .conns
                .remove(&key(g, from, to));
            let my = self.host_epoch(from).unwrap_or(0);
            let ev = GraphEvent::Lost {
                group: g,
                host: from,
                peer: to,
                epoch: my,
            };
            self.queue
                .schedule(now + DEAD_PEER, Event::Graph(Box::new(ev)));
            return;
        };
        let mut sent = segments;
        let mut extra = SimDuration::ZERO;
        for _ in 0..segments {
            while self.network.is_lost(&mut self.rng_net) {
                sent += 1;
                extra = extra + tcp::RTO;
            }
        }
        let resent = u64::from(sent - segments) * (len as u64).div_ceil(u64::from(segments));
        self.graph_count(
            from,
            to,
            row,
            why,
            sent,
            u64::from(sent) * header + len as u64 + resent,
        );
        let delay = self.network.delay(from.0, to.0, &mut self.rng_net) + extra;
        let conn = self
            .groups
            .as_mut()
            .unwrap()
            .conns
            .get_mut(&key(g, from, to))
            .unwrap();
        let side = usize::from(conn.ends[0] != from);
        let acks = conn.clock.data(now, side, segments);
        let at = (now + delay).max(conn.last[side]);
        conn.last[side] = at;
        let ends = conn.ends;
        for (end, &n) in acks.by.iter().enumerate() {
            if n > 0 {
                let (a, b) = (ends[end], ends[1 - end]);
                self.graph_count(
                    a,
                    b,
                    TCP_ACK,
                    GraphReason::Connection,
                    n,
                    u64::from(n) * header,
                );
            }
        }
        let ev = GraphEvent::Deliver {
            group: g,
            from,
            to,
            epoch,
            msg,
        };
        self.queue.schedule(at, Event::Graph(Box::new(ev)));
    }

    pub(super) fn graph_event(&mut self, now: SimTime, ev: GraphEvent) {
        match ev {
            GraphEvent::Open { host, epoch } => {
                if self.host_epoch(host) == Some(epoch) {
                    self.graph_open_all(now, host);
                }
            }
            GraphEvent::Deliver {
                group,
                from,
                to,
                epoch,
                msg,
            } => {
                if self.host_epoch(to) != Some(epoch) {
                    return;
                }
                let grp = &self.groups.as_ref().unwrap().groups[group as usize];
                let i = grp.member(to);
                if grp.nodes[i].has_link(from) {
                    self.graph_react(now, group, i, |n, env, out| {
                        n.on_message(from, msg, env, out)
                    });
                } else if self
                    .groups
                    .as_mut()
                    .unwrap()
                    .conns
                    .remove(&key(group, from, to))
                    .is_some()
                {
                    // A connection the receiver no longer knows (it came back
                    // after a crash): TCP answers with a reset.
                    let header = self.segment_header(to, from);
                    self.graph_count(to, from, TCP_TEARDOWN, GraphReason::Connection, 1, header);
                    if let Some(e) = self.host_epoch(from) {
                        let ev = GraphEvent::Lost {
                            group,
                            host: from,
                            peer: to,
                            epoch: e,
                        };
                        self.queue.schedule(
                            now + SimDuration::from_micros(1),
                            Event::Graph(Box::new(ev)),
                        );
                    }
                }
            }
            GraphEvent::Timer {
                group,
                host,
                epoch,
                timer,
            } => {
                if self.host_epoch(host) == Some(epoch) {
                    let i = self.groups.as_ref().unwrap().groups[group as usize].member(host);
                    self.graph_react(now, group, i, |n, env, out| n.on_timer(timer, env, out));
                }
            }
            GraphEvent::Connected {
                group,
                from,
                to,
                epochs,
            } => {
                let grp = &self.groups.as_ref().unwrap().groups[group as usize];
                let (fi, ti) = (grp.member(from), grp.member(to));
                if self.host_epoch(from) != Some(epochs[0]) {
                    self.groups
                        .as_mut()
                        .unwrap()
                        .conns
                        .remove(&key(group, from, to));
                } else if self.host_epoch(to) == Some(epochs[1]) {
                    self.graph_react(now, group, ti, |n, _, _| n.on_tcp_accepted(from));
                    self.graph_react(now, group, fi, |n, _, out| n.on_tcp_connected(to, out));
                } else {
                    self.groups
                        .as_mut()
                        .unwrap()
                        .conns
                        .remove(&key(group, from, to));
                    self.graph_react(now, group, fi, |n, env, out| {
                        n.on_connection_lost(to, env, out)
                    });
                }
            }
            GraphEvent::Lost {
                group,
                host,
                peer,
                epoch,
            } => {
                if self.host_epoch(host) == Some(epoch) {
                    let i = self.groups.as_ref().unwrap().groups[group as usize].member(host);
                    self.graph_react(now, group, i, |n, env, out| {
                        n.on_connection_lost(peer, env, out)
                    });
                }
            }
        }
    }
}
