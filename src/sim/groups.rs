//! Peer groups in the simulation: one [MS-PPGRH] graph per shared name
//! under `hosts.shared_name_method = "group"`, its messages carried over
//! modelled TCP connections ([`crate::network::tcp`]) with the network's
//! delay and loss, and counted apart from PNRP.
//!
//! What the grouping layer ([MS-PPSEC]) does here: a member registers the
//! group's peer name in PNRP when its graph begins listening (§1.3.2.4,
//! §3.1.4.4), not when the host comes online, so that a resolve of the
//! name finds members that accept connections. When the graph asks for a
//! node to connect to ([MS-PPGRH] §3.1.7.15) it resolves that name in PNRP
//! (§3.1.4.3) and, once the resolve ends, hands the graph the registrant
//! whose CPA the resolver fetched — nothing if the resolve failed. The
//! member knows no other member until then. A host whose graph does not listen answers
//! the connection's SYN with a reset; an offline host does not answer at
//! all. Connections authenticate with the flights of
//! [`GraphParams::auth_flights`] and every later message is one TLS
//! record.

use super::{Event, Simulation};
use crate::engine::{Rng, SimDuration, SimTime};
use crate::metrics::Traffic;
use crate::metrics::graph::{GraphHost, GraphTraffic, TCP_ACK, TCP_SETUP, TCP_TEARDOWN};
use crate::network::tcp::{self, AckClock};
use crate::protocol::graphing::{
    GraphEnv, GraphMsg, GraphNode, GraphOutbox, GraphParams, GraphReason, GraphTimer,
};
use crate::protocol::id::HostIx;
use crate::protocol::message::Reason;
use crate::protocol::node::{Caller, ResolveOutcome};
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

/// **[ours]** the grouping layer starts at most one resolve of the group's
/// name per member at a time, and none sooner than this after the last:
/// [MS-PPSEC] does not say how often it resolves; this is the cadence at
/// which a graph without neighbours asks ([MS-PPGRH] §3.1.6.6, 30 s), so a
/// graph that asks more often (long-term partition repair at every graph
/// maintenance, §3.1.7.15) cannot make PNRP traffic of it.
const FIND_SPACING: SimDuration = SimDuration::from_secs(30);

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
    /// Per member: when its grouping layer last started a resolve of the
    /// group's name, and whether that resolve is still under way.
    finds: Vec<Find>,
    /// Per member: the registration of the group's name drawn when the
    /// host came online (ID suffix, first refresh), published when the
    /// graph begins listening.
    unpublished: Vec<Option<(u64, SimDuration)>>,
}

#[derive(Clone, Copy, Default)]
struct Find {
    started: Option<SimTime>,
    pending: bool,
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
                    finds: vec![Find::default(); members.len()],
                    unpublished: vec![None; members.len()],
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

    /// Whether catalogue name `name` is the peer name of one of `host`'s
    /// groups: the grouping layer, not the host's start, registers it.
    pub fn is_group_name(&self, host: HostIx, name: u32) -> bool {
        self.of_host[host.0 as usize]
            .iter()
            .any(|&(g, _)| self.groups[g as usize].name == name)
    }

    /// Keeps `host`'s registration of group name `name`, drawn as it came
    /// online, until its graph listens.
    pub fn publish_later(&mut self, host: HostIx, name: u32, draw: (u64, SimDuration)) {
        for &(g, i) in &self.of_host[host.0 as usize] {
            let grp = &mut self.groups[g as usize];
            if grp.name == name {
                grp.unpublished[i] = Some(draw);
            }
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
    /// creates the graph; the others open it and ask for a member to
    /// connect to, which PNRP finds ([`Simulation::find_member`]).
    ///
    /// A host that already publishes the group's name when its graph
    /// opens is one the steady start made present: it stands for a member
    /// of a group that has run for a long time, which listened (and so
    /// published, §3.1.4.4) before the start. It opens with its persisted
    /// database and listens at once ([MS-PPSEC] §3.1.4.3), so that what
    /// PNRP answers for the name is a member that accepts connections.
    fn graph_open_all(&mut self, now: SimTime, host: HostIx) {
        let Some(groups) = &self.groups else { return };
        for (g, i) in groups.of_host[host.0 as usize].clone() {
            let persisted = self.publishes_group_name(g, host);
            let grp = &mut self.groups.as_mut().unwrap().groups[g as usize];
            let create = !grp.created;
            grp.created = true;
            self.graph_react(now, g, i, |n, env, out| {
                n.open(create, persisted, None, env, out)
            });
        }
    }

    /// Whether `host`'s PNRP node holds an ID of group `g`'s name.
    fn publishes_group_name(&self, g: u32, host: HostIx) -> bool {
        let name_ix = self.groups.as_ref().unwrap().groups[g as usize].name;
        let name = self.plan.catalogue[name_ix as usize];
        self.locals(host)
            .iter()
            .any(|&ix| self.ids.id(ix).high() == name)
    }

    /// A host goes offline: a graceful leave closes its graphs (§3.1.4.12),
    /// a crash leaves its connections to die.
    pub(super) fn graph_offline(&mut self, now: SimTime, host: HostIx, graceful: bool) {
        let Some(groups) = &self.groups else { return };
        for (g, i) in groups.of_host[host.0 as usize].clone() {
            // PNRP forgets the host's resolves when it leaves.
            self.groups.as_mut().unwrap().groups[g as usize].finds[i].pending = false;
            if graceful {
                self.graph_react(now, g, i, |n, env, out| n.close(env, out));
            } else {
                self.groups.as_mut().unwrap().groups[g as usize].nodes[i].crash(now);
            }
        }
    }

    /// [MS-PPSEC] looks for a member to connect to: member `i` resolves
    /// the group's peer name in PNRP; the answer comes back through
    /// [`Simulation::graph_resolved`]. At most one resolve under way per
    /// member and one per [`FIND_SPACING`]; a request beyond that is
    /// dropped (the graph asks again at its next maintenance).
    fn find_member(&mut self, now: SimTime, g: u32, i: usize, host: HostIx) {
        let grp = &mut self.groups.as_mut().unwrap().groups[g as usize];
        let find = &mut grp.finds[i];
        if find.pending || find.started.is_some_and(|t| now < t + FIND_SPACING) {
            return;
        }
        *find = Find {
            started: Some(now),
            pending: true,
        };
        let name = self.plan.catalogue[grp.name as usize];
        self.react(now, host, |node, env, out| {
            node.resolve_name(name, Caller::Grouping, env, out)
        });
    }

    /// A grouping-layer resolve ended: on success the graph connects to
    /// the registrant whose CPA the resolver fetched, and to no one else;
    /// on failure the member stays as it is until the graph asks again.
    pub(super) fn graph_resolved(&mut self, now: SimTime, host: HostIx, outcome: ResolveOutcome) {
        let Some(groups) = &self.groups else { return };
        let catalogue = &self.plan.catalogue;
        let Some((g, i)) = groups.of_host[host.0 as usize]
            .iter()
            .copied()
            .find(|&(g, _)| catalogue[groups.groups[g as usize].name as usize] == outcome.name)
        else {
            return;
        };
        let grp = &mut self.groups.as_mut().unwrap().groups[g as usize];
        grp.finds[i].pending = false;
        // Only members register the group's name; the check stands for
        // [MS-PPSEC]'s authentication, which a non-member would fail.
        let peer = outcome
            .peer
            .filter(|p| outcome.success && *p != host && grp.members.contains(p));
        if let Some(peer) = peer {
            self.graph_react(now, g, i, |n, _, out| n.member_found(peer, out));
        }
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
        let node = &mut groups.groups[g as usize].nodes[i];
        let listened = node.is_listening();
        f(node, &mut env, &mut out);
        let began = !listened && node.is_listening();
        let host = groups.groups[g as usize].members[i];
        self.graph_carry(now, g, i, host, out);
        if began {
            self.graph_publish(now, g, i, host);
        }
    }

    /// [MS-PPSEC] §3.1.4.4: a node that begins listening publishes itself
    /// in PNRP under the group's participant name, with the registration
    /// drawn when its host came online. A host the steady start made
    /// present published before the start and draws none.
    fn graph_publish(&mut self, now: SimTime, g: u32, i: usize, host: HostIx) {
        let grp = &mut self.groups.as_mut().unwrap().groups[g as usize];
        let name = grp.name;
        if let Some(draw) = grp.unpublished[i].take() {
            self.register_drawn(now, host, name, Reason::Registration, draw);
        }
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
            self.find_member(now, g, i, host);
        }
    }

    /// TCP set-up (§3.1.7.24): SYN, SYN-ACK, ACK; unanswered SYNs to an
    /// offline host; a reset from a host whose graph does not listen
    /// (§3.1.4.8: only a listening node accepts connections). The
    /// initiator learns of a failure only when its TCP reports it.
    fn graph_open(&mut self, now: SimTime, g: u32, from: HostIx, to: HostIx) {
        let header = self.segment_header(from, to);
        let why = GraphReason::Connection;
        let epoch = self.host_epoch(from).unwrap_or(0);
        let grp = &self.groups.as_ref().unwrap().groups[g as usize];
        let listens = grp.nodes[grp.member(to)].is_listening();
        let failed = |at: SimTime| {
            let ev = GraphEvent::Lost {
                group: g,
                host: from,
                peer: to,
                epoch,
            };
            (at, Event::Graph(Box::new(ev)))
        };
        let Some(to_epoch) = self.host_epoch(to) else {
            let tries = tcp::SYN_TRIES;
            self.graph_count(from, to, TCP_SETUP, why, tries, header * u64::from(tries));
            let (at, ev) = failed(now + tcp::CONNECT_FAIL);
            self.queue.schedule(at, ev);
            return;
        };
        let there = self.network.delay(from.0, to.0, &mut self.rng_net);
        let back = self.network.delay(to.0, from.0, &mut self.rng_net);
        let at = now + there + back;
        if !listens {
            // SYN, then the reset.
            self.graph_count(from, to, TCP_SETUP, why, 1, header);
            self.graph_count(to, from, TCP_SETUP, why, 1, header);
            let (at, ev) = failed(at);
            self.queue.schedule(at, ev);
            return;
        }
        self.graph_count(from, to, TCP_SETUP, why, 2, 2 * header);
        self.graph_count(to, from, TCP_SETUP, why, 1, header);
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

#[cfg(test)]
#[path = "groups_tests.rs"]
mod tests;
