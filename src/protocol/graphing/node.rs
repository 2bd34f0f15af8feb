//! One node of a group's graph: connections, synchronisation, flooding and
//! the timers of [MS-PPGRH] §3.1. Sans-I/O: the caller delivers messages,
//! timers and connection events and carries out what the [`GraphOutbox`]
//! asks. Peer time is the simulation clock (the averaging of §1.3.6 is not
//! modelled: all nodes share one clock).

use super::message::{
    Abstract, DISCONNECT_LEAST_USEFUL, DISCONNECT_LEAVING, Filter, GraphMsg, GraphReason,
    REFUSE_BUSY, REFUSE_DUPLICATE,
};
use super::params::*;
use super::record::{Class, GRAPH_INFO_ID, Kind, Rec, SIGNATURE_ID};
use crate::engine::{Rng, SimDuration, SimTime};
use crate::protocol::id::HostIx;
use rand::Rng as _;
use std::collections::BTreeMap;

/// What a reaction reads.
pub struct GraphEnv<'a> {
    pub now: SimTime,
    pub params: &'a GraphParams,
    pub rng: &'a mut Rng,
}

/// Timers of §3.1.2. One-shot timers carry the generation they were set
/// in; a timer of an older generation was cancelled or reset.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum GraphTimer {
    Maintenance(u32),
    Autorefresh(u32),
    Expiration(u32),
    Signature(u32),
    Contact(u32),
    Partition(u32),
    Presence(u32),
    /// **[ours]** the application updates its records.
    AppRefresh(u32),
    /// No WELCOME or REFUSE within 60 s of CONNECT (§3.1.6.2).
    Connect(HostIx),
}

/// What a reaction asks of the caller.
#[derive(Debug, Default)]
pub struct GraphOutbox {
    pub sends: Vec<(HostIx, GraphMsg, GraphReason)>,
    /// Open a TCP connection to the host (§3.1.7.24).
    pub opens: Vec<HostIx>,
    /// Close the TCP connection once what was sent on it is delivered.
    pub closes: Vec<HostIx>,
    pub timers: Vec<(SimDuration, GraphTimer)>,
    /// The graph asks the application for a node to connect to
    /// (§3.1.7.15); [MS-PPSEC] answers by resolving the group's peer name
    /// in PNRP (§1.3).
    pub find_member: bool,
}

impl GraphOutbox {
    pub fn clear(&mut self) {
        self.sends.clear();
        self.opens.clear();
        self.closes.clear();
        self.timers.clear();
        self.find_member = false;
    }
}

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum LinkState {
    /// TCP connection being opened (initiator).
    Opening,
    /// TCP up, [MS-PPSEC] authentication under way.
    Authenticating,
    /// CONNECT sent (§3.1.5.1.2).
    ConnectWait,
    Connected,
}

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum SyncKind {
    New,
    Time(SimTime),
    Hash,
}

/// The synchronisation an initiator runs on a link (§3.1.7.29–31): the
/// next step of the Sync Record Types sequence (0 Graph Info, 1 Presence,
/// 2 the rest).
#[derive(Clone, Debug)]
struct Sync {
    kind: SyncKind,
    step: u8,
    /// Records To Send of a Hash-based Sync.
    to_send: Vec<u128>,
}

#[derive(Clone, Debug)]
struct Link {
    peer: HostIx,
    state: LinkState,
    node_id: u64,
    utility: i64,
    /// Order of inclusion in the Neighbor List.
    seq: u64,
    sync: Option<Sync>,
}

/// One graph node.
#[derive(Clone, Debug)]
pub struct GraphNode {
    pub host: HostIx,
    pub node_id: u64,
    listening: bool,
    never_connected: bool,
    /// Whether the node has synchronised since it opened the graph.
    synced: bool,
    /// Peer time at which the node last left the graph (for SOLICIT_TIME).
    left_at: SimTime,
    db: BTreeMap<u128, Rec>,
    links: Vec<Link>,
    /// Referral List (§3.1.1): host and whether a connection was tried.
    referrals: Vec<(HostIx, bool)>,
    seq: u64,
    generation: [u32; 8],
    expiration_at: Option<SimTime>,
    autorefresh_at: Option<SimTime>,
}

/// Index of each one-shot timer's generation.
const MAINT: usize = 0;
const AUTO: usize = 1;
const EXPIRE: usize = 2;
const SIG: usize = 3;
const CONTACT: usize = 4;
const PARTITION: usize = 5;
const PRESENCE: usize = 6;
const APP: usize = 7;
/// Referral List maximum (§3.1.1).
const REFERRALS_MAX: usize = 100;

impl GraphNode {
    pub fn new(host: HostIx) -> Self {
        GraphNode {
            host,
            node_id: 0,
            listening: false,
            never_connected: true,
            synced: false,
            left_at: SimTime::ZERO,
            db: BTreeMap::new(),
            links: Vec::new(),
            referrals: Vec::new(),
            seq: 0,
            generation: [0; 8],
            expiration_at: None,
            autorefresh_at: None,
        }
    }

    /// Whether a connection to `peer` is open or opening.
    pub fn has_link(&self, peer: HostIx) -> bool {
        self.links.iter().any(|l| l.peer == peer)
    }

    pub fn is_listening(&self) -> bool {
        self.listening
    }

    /// Hosts of the links in the CONNECTED state.
    pub fn neighbours(&self) -> Vec<HostIx> {
        self.connected().map(|l| l.peer).collect()
    }

    /// The live (unexpired, undeleted) record IDs of the local database.
    pub fn live_records(&self, now: SimTime) -> Vec<u128> {
        self.db
            .values()
            .filter(|r| !r.deleted && r.expires > now)
            .map(|r| r.id)
            .collect()
    }

    /// The signature (lowest node ID) as the local signature record has it.
    pub fn signature(&self) -> Option<u64> {
        self.db
            .get(&SIGNATURE_ID)
            .filter(|r| !r.deleted)
            .map(|r| r.node_id)
    }

    fn connected(&self) -> impl Iterator<Item = &Link> {
        self.links
            .iter()
            .filter(|l| l.state == LinkState::Connected)
    }

    fn link(&mut self, peer: HostIx) -> Option<&mut Link> {
        self.links.iter_mut().find(|l| l.peer == peer)
    }

    fn timer(&mut self, ix: usize, after: SimDuration, out: &mut GraphOutbox) {
        self.generation[ix] += 1;
        let g = self.generation[ix];
        let t = match ix {
            MAINT => GraphTimer::Maintenance(g),
            AUTO => GraphTimer::Autorefresh(g),
            EXPIRE => GraphTimer::Expiration(g),
            SIG => GraphTimer::Signature(g),
            CONTACT => GraphTimer::Contact(g),
            PARTITION => GraphTimer::Partition(g),
            PRESENCE => GraphTimer::Presence(g),
            _ => GraphTimer::AppRefresh(g),
        };
        out.timers.push((after, t));
    }

    fn send(&self, to: HostIx, msg: GraphMsg, why: GraphReason, out: &mut GraphOutbox) {
        out.sends.push((to, msg, why));
    }

    /// Opens the graph (§3.1.4.1 when `create`, else §3.1.4.2) and, with a
    /// `contact`, connects to it (§3.1.4.9). The database persists across
    /// sessions without its presence, signature and contact records; a
    /// node that has synchronised before listens at once when it has no
    /// one to connect to (§1.3.2). `persisted` says the application loads
    /// a database from a session before the simulation's start (the
    /// NeverConnected flag is then false, §3.1.4.2).
    pub fn open(
        &mut self,
        create: bool,
        persisted: bool,
        contact: Option<HostIx>,
        env: &mut GraphEnv,
        out: &mut GraphOutbox,
    ) {
        self.node_id = env.rng.random();
        self.db
            .retain(|_, r| !matches!(r.kind, Kind::Presence | Kind::Signature | Kind::Contact));
        self.never_connected = self.db.is_empty() && !persisted;
        self.synced = false;
        self.links.clear();
        self.autorefresh_at = None;
        self.expiration_at = None;
        self.timer(AUTO, AUTOREFRESH_MIN, out);
        self.timer(EXPIRE, SimDuration::ZERO, out);
        if create {
            let now = env.now;
            self.publish(
                self.record(Kind::GraphInfo, GRAPH_INFO_ID, now, SIGNATURE_LIFETIME),
                env,
                out,
            );
            self.start_listening(env, out);
        } else if !self.never_connected && contact.is_none() {
            self.start_listening(env, out);
        } else {
            // Not listening yet: **[ours]** the Graph Maintenance Timer runs
            // anyway (§3.1.6.6 sets it when listening begins), so that a
            // failed first connection is tried again 30 s on.
            match contact {
                Some(c) => self.connect_to(c, out),
                None => out.find_member = true,
            }
            self.timer(MAINT, MAINTENANCE_ALONE, out);
        }
    }

    /// The application closes the graph (§3.1.4.12): deletes its contact,
    /// presence and signature records, says DISCONNECT and closes.
    pub fn close(&mut self, env: &mut GraphEnv, out: &mut GraphOutbox) {
        let mine: Vec<u128> = self
            .db
            .values()
            .filter(|r| {
                !r.deleted
                    && matches!(r.kind, Kind::Contact | Kind::Presence | Kind::Signature)
                    && r.creator == self.host
            })
            .map(|r| r.id)
            .collect();
        for id in mine {
            self.delete(id, env, out);
        }
        let referrals = self.referral_list();
        for l in self.connected() {
            let msg = GraphMsg::Disconnect {
                reason: DISCONNECT_LEAVING,
                referrals: referrals.clone(),
            };
            out.sends.push((l.peer, msg, GraphReason::Connection));
        }
        for l in &self.links {
            out.closes.push(l.peer);
        }
        self.stop(env.now);
    }

    /// The host is gone without a word: its connections die with it.
    pub fn crash(&mut self, now: SimTime) {
        self.stop(now);
    }

    fn stop(&mut self, now: SimTime) {
        self.links.clear();
        self.listening = false;
        self.left_at = now;
        self.generation.iter_mut().for_each(|g| *g += 1);
    }

    fn record(&self, kind: Kind, id: u128, now: SimTime, life: SimDuration) -> Rec {
        Rec {
            id,
            kind,
            version: 1,
            creator: self.host,
            node_id: self.node_id,
            signature: self.signature().unwrap_or(self.node_id),
            modified: now,
            expires: now + life,
            deleted: false,
            autorefresh: matches!(
                kind,
                Kind::GraphInfo | Kind::Signature | Kind::Contact | Kind::Presence
            ),
            updated: false,
        }
    }

    /// Record `id` unless it has expired (expired records are never sent,
    /// §1.3.5.2).
    fn live_rec(&self, id: u128, now: SimTime) -> Option<Rec> {
        self.db.get(&id).filter(|r| r.expires > now).copied()
    }

    /// My live record of `kind`, if any.
    fn mine(&self, kind: Kind, now: SimTime) -> Option<Rec> {
        self.db
            .values()
            .find(|r| r.kind == kind && r.creator == self.host && !r.deleted && r.expires > now)
            .copied()
    }

    fn count(&self, kind: Kind, now: SimTime) -> usize {
        self.db
            .values()
            .filter(|r| r.kind == kind && !r.deleted && r.expires > now)
            .count()
    }

    /// Publishing a record (§3.1.7.3): store it, set the timers, flood it
    /// to every neighbour.
    fn publish(&mut self, rec: Rec, env: &mut GraphEnv, out: &mut GraphOutbox) {
        self.store(rec, env.now, out);
        let why = GraphReason::of_record(rec.kind);
        for l in self.connected() {
            out.sends
                .push((l.peer, GraphMsg::Flood { record: rec }, why));
        }
    }

    /// Deleting a record (§3.1.7.9): an update with the Deleted flag.
    fn delete(&mut self, id: u128, env: &mut GraphEnv, out: &mut GraphOutbox) {
        if let Some(r) = self.db.get(&id) {
            let mut d = r.updated_at(env.now, r.expires);
            d.deleted = true;
            self.publish(d, env, out);
        }
    }

    /// Adds a record to the database and brings the Record Expiration and
    /// Autorefresh Timers forward if it expires first (§3.1.7.3, §3.1.7.10).
    fn store(&mut self, rec: Rec, now: SimTime, out: &mut GraphOutbox) {
        self.db.insert(rec.id, rec);
        if self
            .expiration_at
            .is_none_or(|at| rec.expires + EXPIRATION_MIN < at)
        {
            self.expiration_at = Some(rec.expires);
            self.timer(EXPIRE, rec.expires.since(now), out);
        }
        if rec.autorefresh && rec.creator == self.host && !rec.deleted {
            let at = SimTime(rec.expires.0.saturating_sub(AUTOREFRESH_AHEAD.0));
            if self.autorefresh_at.is_none_or(|t| at < t) {
                self.autorefresh_at = Some(at);
                self.timer(AUTO, at.since(now).max(AUTOREFRESH_MIN), out);
            }
        }
    }

    fn connect_to(&mut self, peer: HostIx, out: &mut GraphOutbox) {
        if peer == self.host || self.links.iter().any(|l| l.peer == peer) {
            return;
        }
        self.push_link(peer, LinkState::Opening);
        if let Some(r) = self.referrals.iter_mut().find(|r| r.0 == peer) {
            r.1 = true;
        }
        out.opens.push(peer);
    }

    /// The answer to [`GraphOutbox::find_member`].
    pub fn member_found(&mut self, peer: HostIx, out: &mut GraphOutbox) {
        if !self.links.iter().any(|l| l.peer == peer) && self.node_id != 0 {
            self.connect_to(peer, out);
        }
    }

    /// Our TCP connection is up: authentication begins (§3.1.7.24).
    pub fn on_tcp_connected(&mut self, peer: HostIx, out: &mut GraphOutbox) {
        if let Some(l) = self.link(peer).filter(|l| l.state == LinkState::Opening) {
            l.state = LinkState::Authenticating;
            out.sends
                .push((peer, GraphMsg::Auth { step: 1 }, GraphReason::Connection));
        }
    }

    /// A TCP connection was accepted (§3.1.7.26).
    pub fn on_tcp_accepted(&mut self, peer: HostIx) {
        self.links.retain(|l| l.peer != peer);
        self.push_link(peer, LinkState::Authenticating);
    }

    /// A new link to `peer`, numbered in the order links were made.
    fn push_link(&mut self, peer: HostIx, state: LinkState) {
        self.seq += 1;
        self.links.push(Link {
            peer,
            state,
            node_id: 0,
            utility: 0,
            seq: self.seq,
            sync: None,
        });
    }

    /// The connection to `peer` failed or was closed. Losing a neighbour
    /// connection means graph maintenance (§3.1.5.2.4, §3.1.7.25). A
    /// connection attempt that failed — TCP refused or unanswered, no
    /// answer to CONNECT (§3.1.6.2) — is no neighbour lost: the Graph
    /// Maintenance Timer tries again (§3.1.6.6), where maintenance at once
    /// would redial a peer that refuses or is offline in a loop.
    pub fn on_connection_lost(&mut self, peer: HostIx, env: &mut GraphEnv, out: &mut GraphOutbox) {
        let Some(i) = self.links.iter().position(|l| l.peer == peer) else {
            return;
        };
        if self.links.remove(i).state == LinkState::Connected {
            self.graph_maintenance(false, env, out);
        }
    }

    pub fn on_timer(&mut self, t: GraphTimer, env: &mut GraphEnv, out: &mut GraphOutbox) {
        let current = |ix: usize, g: u32| self.generation[ix] == g;
        match t {
            GraphTimer::Maintenance(g) if current(MAINT, g) => {
                self.graph_maintenance(true, env, out)
            }
            GraphTimer::Autorefresh(g) if current(AUTO, g) => self.autorefresh(env, out),
            GraphTimer::Expiration(g) if current(EXPIRE, g) => self.expire(env, out),
            GraphTimer::Signature(g) if current(SIG, g) => self.signature_timer(env, out),
            GraphTimer::Contact(g) if current(CONTACT, g) => self.contact_timer(env, out),
            GraphTimer::Partition(g) if current(PARTITION, g) => self.partition_timer(env, out),
            GraphTimer::Presence(g) if current(PRESENCE, g) => self.presence_timer(env, out),
            GraphTimer::AppRefresh(g) if current(APP, g) => self.app_refresh(env, out),
            GraphTimer::Connect(peer)
                if self
                    .links
                    .iter()
                    .any(|l| l.peer == peer && l.state == LinkState::ConnectWait) =>
            {
                out.closes.push(peer);
                self.on_connection_lost(peer, env, out);
            }
            _ => {}
        }
    }

    pub fn on_message(
        &mut self,
        from: HostIx,
        msg: GraphMsg,
        env: &mut GraphEnv,
        out: &mut GraphOutbox,
    ) {
        let Some(state) = self.link(from).map(|l| l.state) else {
            return;
        };
        let conn = GraphReason::Connection;
        match msg {
            GraphMsg::Auth { step } => match (step, state) {
                (1 | 3, LinkState::Authenticating) => {
                    self.send(from, GraphMsg::Auth { step: step + 1 }, conn, out)
                }
                (2, LinkState::Authenticating) => {
                    self.send(from, GraphMsg::Auth { step: 3 }, conn, out)
                }
                (4, LinkState::Authenticating) => {
                    // §3.1.5.1.2: authenticated, the initiator sends CONNECT.
                    let id = self.node_id;
                    self.link(from).unwrap().state = LinkState::ConnectWait;
                    self.send(
                        from,
                        GraphMsg::Connect {
                            update: false,
                            node_id: id,
                        },
                        conn,
                        out,
                    );
                    out.timers
                        .push((CONNECT_TIMEOUT, GraphTimer::Connect(from)));
                }
                _ => {}
            },
            GraphMsg::Connect { update, node_id } => {
                self.on_connect(from, update, node_id, state, env, out)
            }
            GraphMsg::Welcome { node_id } if state == LinkState::ConnectWait => {
                self.on_welcome(from, node_id, env, out)
            }
            GraphMsg::Refuse { referrals, .. } if state == LinkState::ConnectWait => {
                self.add_referrals(&referrals);
                self.links.retain(|l| l.peer != from);
                out.closes.push(from);
                self.try_referral(out);
            }
            GraphMsg::Disconnect { referrals, .. } => {
                self.add_referrals(&referrals);
                self.links.retain(|l| l.peer != from);
                out.closes.push(from);
                self.graph_maintenance(false, env, out);
            }
            _ if state != LinkState::Connected => {}
            GraphMsg::SolicitNew { filter } => {
                self.answer_solicit(from, &filter, SimTime::ZERO, env.now, out)
            }
            GraphMsg::SolicitTime { filter, since } => {
                self.answer_solicit(from, &filter, since, env.now, out)
            }
            GraphMsg::SolicitHash { ranges } => self.answer_hash(from, &ranges, env.now, out),
            GraphMsg::Advertise { ranges, abstracts } => {
                self.on_advertise(from, &ranges, &abstracts, env.now, out)
            }
            GraphMsg::Request { ids } => {
                for id in ids {
                    if let Some(r) = self.live_rec(id, env.now) {
                        self.send(from, GraphMsg::Flood { record: r }, GraphReason::Sync, out);
                    }
                }
                self.send(from, GraphMsg::SyncEnd, GraphReason::Sync, out);
            }
            GraphMsg::Flood { record } => self.on_flood(from, record, env, out),
            GraphMsg::SyncEnd => self.on_sync_end(from, env, out),
            GraphMsg::Ping | GraphMsg::Ack { .. } => {}
            GraphMsg::Welcome { .. } | GraphMsg::Refuse { .. } => {}
        }
    }

    /// §3.1.5.2.1.
    fn on_connect(
        &mut self,
        from: HostIx,
        update: bool,
        node_id: u64,
        state: LinkState,
        env: &mut GraphEnv,
        out: &mut GraphOutbox,
    ) {
        if update {
            return; // addresses of a connected neighbour: nothing to count
        }
        if state != LinkState::Authenticating {
            return;
        }
        let refuse = if self.connected().any(|l| l.node_id == node_id) {
            Some((REFUSE_DUPLICATE, Vec::new()))
        } else if self.connected().count() >= env.params.max_neighbors {
            Some((REFUSE_BUSY, self.referral_list()))
        } else {
            None
        };
        if let Some((code, referrals)) = refuse {
            self.links.retain(|l| l.peer != from);
            self.send(
                from,
                GraphMsg::Refuse { code, referrals },
                GraphReason::Connection,
                out,
            );
            out.closes.push(from);
            return;
        }
        let l = self.link(from).unwrap();
        l.state = LinkState::Connected;
        l.node_id = node_id;
        let id = self.node_id;
        self.send(
            from,
            GraphMsg::Welcome { node_id: id },
            GraphReason::Connection,
            out,
        );
    }

    /// §3.1.5.2.2: the neighbour is in; Ping every neighbour; synchronise.
    fn on_welcome(
        &mut self,
        from: HostIx,
        node_id: u64,
        env: &mut GraphEnv,
        out: &mut GraphOutbox,
    ) {
        let kind = if self.never_connected {
            SyncKind::New
        } else if !self.synced {
            SyncKind::Time(self.left_at)
        } else {
            SyncKind::Hash
        };
        let l = self.link(from).unwrap();
        l.state = LinkState::Connected;
        l.node_id = node_id;
        l.sync = Some(Sync {
            kind,
            step: 0,
            to_send: Vec::new(),
        });
        if self.connected().count() == 1 {
            self.graph_maintenance(false, env, out);
        }
        for peer in self.neighbours() {
            self.send(peer, GraphMsg::Ping, GraphReason::Connection, out);
        }
        self.sync_step(from, env.now, out);
    }

    /// Sends the solicit of the link's current sync step (§3.1.7.29–31).
    fn sync_step(&mut self, peer: HostIx, now: SimTime, out: &mut GraphOutbox) {
        let Some(sync) = self.link(peer).and_then(|l| l.sync.clone()) else {
            return;
        };
        let filter = match sync.step {
            0 => Filter::Only(Kind::GraphInfo),
            1 => Filter::Only(Kind::Presence),
            _ => Filter::Except(vec![Kind::GraphInfo, Kind::Presence]),
        };
        let msg = match sync.kind {
            SyncKind::New => GraphMsg::SolicitNew { filter },
            SyncKind::Time(since) => GraphMsg::SolicitTime { filter, since },
            SyncKind::Hash => GraphMsg::SolicitHash {
                ranges: self.hash_ranges(now),
            },
        };
        self.send(peer, msg, GraphReason::Sync, out);
    }

    /// The database sorted by (modification time, ID) in ranges of 10
    /// (§3.1.7.31).
    fn hash_ranges(&self, now: SimTime) -> Vec<Vec<Abstract>> {
        let mut all: Vec<Abstract> = self.abstracts(now).collect();
        all.sort();
        all.chunks(HASH_RANGE).map(<[Abstract]>::to_vec).collect()
    }

    /// The RECORD_ABSTRACTs of the live records.
    fn abstracts(&self, now: SimTime) -> impl Iterator<Item = Abstract> + '_ {
        self.db
            .values()
            .filter(move |r| r.expires > now)
            .map(|r| Abstract {
                modified: r.modified,
                id: r.id,
                version: r.version,
            })
    }

    /// §3.1.5.2.5–6: FLOOD what the solicit asks for, then SYNC_END.
    fn answer_solicit(
        &mut self,
        to: HostIx,
        filter: &Filter,
        since: SimTime,
        now: SimTime,
        out: &mut GraphOutbox,
    ) {
        for r in self.db.values().filter(|r| r.expires > now) {
            if filter.admits(r.kind) && r.modified >= since {
                out.sends
                    .push((to, GraphMsg::Flood { record: *r }, GraphReason::Sync));
            }
        }
        self.send(to, GraphMsg::SyncEnd, GraphReason::Sync, out);
    }

    /// §3.1.5.2.7: ADVERTISE the ranges whose records differ.
    fn answer_hash(
        &mut self,
        to: HostIx,
        ranges: &[Vec<Abstract>],
        now: SimTime,
        out: &mut GraphOutbox,
    ) {
        let mut bounds = Vec::new();
        let mut abstracts = Vec::new();
        for range in ranges {
            let (Some(lo), Some(hi)) = (range.first(), range.last()) else {
                continue;
            };
            let mine: Vec<Abstract> = self
                .abstracts(now)
                .filter(|a| {
                    (a.modified, a.id) >= (lo.modified, lo.id)
                        && (a.modified, a.id) <= (hi.modified, hi.id)
                })
                .collect();
            let mut sorted = mine.clone();
            sorted.sort();
            if sorted != *range {
                bounds.push((*lo, *hi));
                abstracts.extend(sorted);
            }
        }
        let msg = GraphMsg::Advertise {
            ranges: bounds,
            abstracts,
        };
        self.send(to, msg, GraphReason::Sync, out);
    }

    /// §3.1.5.2.8: REQUEST what we lack; remember what the peer lacks.
    fn on_advertise(
        &mut self,
        from: HostIx,
        ranges: &[(Abstract, Abstract)],
        theirs: &[Abstract],
        now: SimTime,
        out: &mut GraphOutbox,
    ) {
        let want: Vec<u128> = theirs
            .iter()
            .filter(|a| {
                self.live_rec(a.id, now)
                    .is_none_or(|r| r.version < a.version)
            })
            .map(|a| a.id)
            .collect();
        let give: Vec<u128> = self
            .db
            .values()
            .filter(|r| r.expires > now)
            .filter(|r| {
                let key = (r.modified, r.id);
                ranges
                    .iter()
                    .any(|(lo, hi)| key >= (lo.modified, lo.id) && key <= (hi.modified, hi.id))
                    && theirs
                        .iter()
                        .find(|a| a.id == r.id)
                        .is_none_or(|a| a.version < r.version)
            })
            .map(|r| r.id)
            .collect();
        if let Some(sync) = self.link(from).and_then(|l| l.sync.as_mut()) {
            sync.to_send = give;
        }
        self.send(
            from,
            GraphMsg::Request { ids: want },
            GraphReason::Sync,
            out,
        );
    }

    /// §3.1.5.2.11: the next sync step, or the end of synchronisation.
    fn on_sync_end(&mut self, from: HostIx, env: &mut GraphEnv, out: &mut GraphOutbox) {
        let Some(mut sync) = self.link(from).and_then(|l| l.sync.take()) else {
            return;
        };
        if sync.kind == SyncKind::Hash {
            for id in sync.to_send {
                if let Some(r) = self.live_rec(id, env.now) {
                    out.sends
                        .push((from, GraphMsg::Flood { record: r }, GraphReason::Sync));
                }
            }
            self.synced_once(env, out);
            return;
        }
        if sync.step < 2 {
            sync.step += 1;
            self.link(from).unwrap().sync = Some(sync);
            self.sync_step(from, env.now, out);
            return;
        }
        if let SyncKind::Time(_) = sync.kind {
            // "A Time-based Sync is always followed by a Hash-based Sync."
            self.link(from).unwrap().sync = Some(Sync {
                kind: SyncKind::Hash,
                step: 0,
                to_send: Vec::new(),
            });
            self.synced = true;
            self.sync_step(from, env.now, out);
            return;
        }
        self.synced_once(env, out);
    }

    /// The node has a synchronised database: it listens (§1.3.2, §4.2).
    fn synced_once(&mut self, env: &mut GraphEnv, out: &mut GraphOutbox) {
        self.never_connected = false;
        self.synced = true;
        if !self.listening {
            self.start_listening(env, out);
        }
    }

    /// §3.1.4.8: maintenance, presence, signature; CONNECT with the Update
    /// bit to every neighbour; the application publishes its records.
    fn start_listening(&mut self, env: &mut GraphEnv, out: &mut GraphOutbox) {
        self.listening = true;
        let id = self.node_id;
        for peer in self.neighbours() {
            self.send(
                peer,
                GraphMsg::Connect {
                    update: true,
                    node_id: id,
                },
                GraphReason::Connection,
                out,
            );
        }
        self.graph_maintenance(false, env, out);
        self.presence_maintenance(env, out);
        self.app_refresh(env, out);
    }

    /// §3.1.5.2.10 with §3.1.7.10.
    fn on_flood(&mut self, from: HostIx, rec: Rec, env: &mut GraphEnv, out: &mut GraphOutbox) {
        let syncing = self.link(from).is_some_and(|l| l.sync.is_some());
        let why = if syncing {
            GraphReason::Sync
        } else {
            GraphReason::of_record(rec.kind)
        };
        if rec.expires <= env.now {
            // §1.3.5.2: expired records are never sent; one that arrives
            // expired is dropped unprocessed.
            return;
        }
        let local = self.live_rec(rec.id, env.now);
        let class = rec.classify(local.as_ref());
        match class {
            Class::New => {
                self.store(rec, env.now, out);
                for l in self.connected().filter(|l| l.peer != from) {
                    out.sends.push((
                        l.peer,
                        GraphMsg::Flood { record: rec },
                        GraphReason::of_record(rec.kind),
                    ));
                }
            }
            Class::Old => {
                if let Some(mine) = local {
                    self.send(from, GraphMsg::Flood { record: mine }, why, out);
                }
            }
            Class::Present => {}
        }
        let useful = class == Class::New;
        self.send(from, GraphMsg::Ack { useful }, why, out);
        if let Some(l) = self.link(from) {
            l.utility += if useful { 1 } else { -1 };
        }
        if class == Class::New {
            match rec.kind {
                Kind::Signature => self.signature_calculation(env, out),
                Kind::Contact => self.contact_maintenance(env, out),
                _ => {}
            }
        }
    }

    /// §3.1.7.16, in its order; then the timer of §3.1.6.6.
    fn graph_maintenance(&mut self, from_timer: bool, env: &mut GraphEnv, out: &mut GraphOutbox) {
        if self.listening {
            self.signature_calculation(env, out);
            self.contact_maintenance(env, out);
            self.partition_detection(env, out);
        }
        self.connection_maintenance(from_timer, env, out);
        if self.listening && self.mine(Kind::Contact, env.now).is_some() {
            out.find_member = true; // §3.1.7.15
        }
        let any = self.connected().next().is_some();
        self.timer(
            MAINT,
            if any {
                MAINTENANCE_CONNECTED
            } else {
                MAINTENANCE_ALONE
            },
            out,
        );
    }

    /// §3.1.7.14.
    fn connection_maintenance(
        &mut self,
        from_timer: bool,
        env: &mut GraphEnv,
        out: &mut GraphOutbox,
    ) {
        let p = env.params;
        let n = self.connected().count();
        if n > p.ideal_neighbors && from_timer {
            let least = self
                .connected()
                .min_by_key(|l| (l.utility, l.seq))
                .map(|l| l.peer);
            if let Some(peer) = least {
                let referrals = self.referral_list();
                let msg = GraphMsg::Disconnect {
                    reason: DISCONNECT_LEAST_USEFUL,
                    referrals,
                };
                self.send(peer, msg, GraphReason::Connection, out);
                self.links.retain(|l| l.peer != peer);
                out.closes.push(peer);
            }
        }
        let pending = self.links.len();
        let attempt = pending == 0
            || (pending < p.min_neighbors && !self.never_connected)
            || (pending < p.ideal_neighbors && from_timer);
        if attempt {
            let mut candidates: Vec<HostIx> = self
                .db
                .values()
                .filter(|r| {
                    matches!(r.kind, Kind::Presence | Kind::Contact)
                        && !r.deleted
                        && r.expires > env.now
                })
                .filter(|r| r.node_id != self.node_id)
                .map(|r| r.creator)
                .chain(self.referrals.iter().map(|r| r.0))
                .filter(|&h| h != self.host && !self.links.iter().any(|l| l.peer == h))
                .collect();
            candidates.sort();
            candidates.dedup();
            if candidates.is_empty() {
                if pending == 0 {
                    out.find_member = true;
                }
            } else {
                let pick = candidates[env.rng.random_range(0..candidates.len())];
                self.connect_to(pick, out);
            }
        }
    }

    /// §3.1.5.2.3: connect to an untried referral picked at random.
    fn try_referral(&mut self, out: &mut GraphOutbox) {
        let untried: Vec<HostIx> = self
            .referrals
            .iter()
            .filter(|r| !r.1 && !self.links.iter().any(|l| l.peer == r.0))
            .map(|r| r.0)
            .collect();
        if let Some(&first) = untried.first() {
            self.connect_to(first, out);
        }
    }

    fn add_referrals(&mut self, hosts: &[HostIx]) {
        for &h in hosts {
            if h != self.host && !self.referrals.iter().any(|r| r.0 == h) {
                self.referrals.push((h, false));
            }
        }
        let over = self.referrals.len().saturating_sub(REFERRALS_MAX);
        self.referrals.drain(..over);
    }

    /// The least recently added neighbours, at most the referral count
    /// (§3.1.7.25).
    fn referral_list(&self) -> Vec<HostIx> {
        let mut by_seq: Vec<&Link> = self.connected().collect();
        by_seq.sort_by_key(|l| l.seq);
        by_seq.iter().map(|l| l.peer).take(10).collect()
    }

    /// §3.1.7.11 with **[ours]** back-off 2^(N/32) s for N the top 8 bits
    /// of the node ID (the formula is an image the text lacks).
    fn signature_calculation(&mut self, _env: &mut GraphEnv, out: &mut GraphOutbox) {
        let delay = match self.signature() {
            Some(s) if s <= self.node_id => return,
            Some(_) => SimDuration::from_millis(100),
            None => SimDuration::from_secs_f64(2f64.powf((self.node_id >> 56) as f64 / 32.0)),
        };
        self.timer(SIG, delay, out);
    }

    /// §3.1.6.4.
    fn signature_timer(&mut self, env: &mut GraphEnv, out: &mut GraphOutbox) {
        self.timer(SIG, SimDuration::from_secs(24 * 3600), out);
        if self.signature().is_some_and(|s| s <= self.node_id) {
            return;
        }
        let now = env.now;
        let mut rec = self.record(Kind::Signature, SIGNATURE_ID, now, SIGNATURE_LIFETIME);
        if let Some(old) = self.db.get(&SIGNATURE_ID) {
            rec.version = old.version + 1;
            rec.updated = true;
        }
        self.publish(rec, env, out);
    }

    /// §3.1.7.12.
    fn contact_maintenance(&mut self, env: &mut GraphEnv, out: &mut GraphOutbox) {
        let now = env.now;
        let n = self.count(Kind::Contact, now);
        let mine = self.mine(Kind::Contact, now).is_some();
        let min = env.params.contacts_min;
        if (!mine && n < min) || (mine && n > min + 5) {
            let s = env.rng.random_range(10..=180);
            self.timer(CONTACT, SimDuration::from_secs(s), out);
        }
    }

    /// §3.1.6.3.
    fn contact_timer(&mut self, env: &mut GraphEnv, out: &mut GraphOutbox) {
        let now = env.now;
        let n = self.count(Kind::Contact, now);
        let min = env.params.contacts_min;
        match self.mine(Kind::Contact, now) {
            Some(r) if n > min + 5 => self.delete(r.id, env, out),
            None if n < min && self.listening => {
                let id = env.rng.random();
                self.publish(
                    self.record(Kind::Contact, id, now, CONTACT_LIFETIME),
                    env,
                    out,
                );
            }
            _ => {}
        }
    }

    /// Contacts whose signature differs from the signature record's
    /// (§3.1.7.13).
    fn mismatched_contacts(&self, now: SimTime) -> Vec<HostIx> {
        let Some(sig) = self.signature() else {
            return Vec::new();
        };
        self.db
            .values()
            .filter(|r| {
                r.kind == Kind::Contact && !r.deleted && r.expires > now && r.signature != sig
            })
            .map(|r| r.creator)
            .filter(|&h| h != self.host)
            .collect()
    }

    fn partition_detection(&mut self, env: &mut GraphEnv, out: &mut GraphOutbox) {
        if !self.mismatched_contacts(env.now).is_empty() {
            let s = env.rng.random_range(5..=30);
            self.timer(PARTITION, SimDuration::from_secs(s), out);
        }
    }

    /// §3.1.6.5: connect to each contact whose signature still differs.
    fn partition_timer(&mut self, env: &mut GraphEnv, out: &mut GraphOutbox) {
        for h in self.mismatched_contacts(env.now) {
            self.connect_to(h, out);
        }
    }

    /// §3.1.7.17.
    fn presence_maintenance(&mut self, env: &mut GraphEnv, out: &mut GraphOutbox) {
        let now = env.now;
        let max = env.params.max_presence_records;
        let mine = self.mine(Kind::Presence, now);
        if !self.listening {
            if let Some(r) = mine {
                self.delete(r.id, env, out);
            }
            return;
        }
        if mine.is_none() && max == u32::MAX {
            self.publish_presence(env, out);
            return;
        }
        if max != 0 && max != u32::MAX {
            let n = self.count(Kind::Presence, now) as u64;
            if (mine.is_some() && n > u64::from(max) + 10) || (mine.is_none() && n < u64::from(max))
            {
                let s = env.rng.random_range(30..=180);
                self.timer(PRESENCE, SimDuration::from_secs(s), out);
            }
        }
    }

    fn publish_presence(&mut self, env: &mut GraphEnv, out: &mut GraphOutbox) {
        let id = env.rng.random();
        let rec = self.record(Kind::Presence, id, env.now, env.params.presence_lifetime);
        self.publish(rec, env, out);
    }

    /// §3.1.6.9.
    fn presence_timer(&mut self, env: &mut GraphEnv, out: &mut GraphOutbox) {
        let now = env.now;
        let max = u64::from(env.params.max_presence_records);
        let n = self.count(Kind::Presence, now) as u64;
        match self.mine(Kind::Presence, now) {
            Some(r) if n > max + 10 => self.delete(r.id, env, out),
            None if n < max && self.listening => self.publish_presence(env, out),
            _ => {}
        }
    }

    /// §3.1.7.22 for the records this node publishes: a new expiration one
    /// lifetime (expiration − last modification) on. **[ours]** the timer
    /// fires 20 s before the first expiry, the window the scan looks at
    /// (§3.1.6.8 would fire it at the expiry itself, racing expiration).
    fn autorefresh(&mut self, env: &mut GraphEnv, out: &mut GraphOutbox) {
        let now = env.now;
        self.autorefresh_at = None;
        let due: Vec<Rec> = self
            .db
            .values()
            .filter(|r| {
                r.autorefresh
                    && !r.deleted
                    && r.creator == self.host
                    && r.expires <= now + AUTOREFRESH_AHEAD
            })
            .copied()
            .collect();
        for r in due {
            let life = r.expires.since(r.modified);
            let life = if life.0 == 0 {
                SIGNATURE_LIFETIME
            } else {
                life
            };
            self.publish(r.updated_at(now, now + life), env, out);
        }
        let next = self
            .db
            .values()
            .filter(|r| r.autorefresh && !r.deleted && r.creator == self.host)
            .map(|r| SimTime(r.expires.0.saturating_sub(AUTOREFRESH_AHEAD.0)))
            .min();
        if let Some(at) = next {
            self.autorefresh_at = Some(at);
            self.timer(AUTO, at.since(now).max(AUTOREFRESH_MIN), out);
        }
    }

    /// §3.1.6.7 with §3.1.7.18–21.
    fn expire(&mut self, env: &mut GraphEnv, out: &mut GraphOutbox) {
        let now = env.now;
        let gone: Vec<Rec> = self
            .db
            .values()
            .filter(|r| r.expires <= now)
            .copied()
            .collect();
        for r in &gone {
            self.db.remove(&r.id);
        }
        if gone.iter().any(|r| r.kind == Kind::Signature) {
            self.signature_calculation(env, out);
        }
        if gone.iter().any(|r| r.kind == Kind::Contact) {
            self.contact_maintenance(env, out);
        }
        let next = self.db.values().map(|r| r.expires).min();
        let delay = next
            .map_or(EXPIRATION_MAX, |t| t.since(now))
            .clamp(EXPIRATION_MIN, EXPIRATION_MAX);
        self.expiration_at = Some(now + delay);
        self.timer(EXPIRE, delay, out);
    }

    /// **[ours]** the application (re)publishes its records and its
    /// [MS-PPSEC] membership record (published before the first record,
    /// §1.3.4.2) every `record_refresh`, with a lifetime of two refreshes.
    fn app_refresh(&mut self, env: &mut GraphEnv, out: &mut GraphOutbox) {
        let now = env.now;
        let p = env.params;
        let life = SimDuration(p.record_refresh.0 * 2);
        let kinds = std::iter::once(Kind::Membership)
            .chain((0..p.records_per_member).map(|_| Kind::Application));
        let mut existing: Vec<Rec> = self
            .db
            .values()
            .filter(|r| {
                r.creator == self.host
                    && matches!(r.kind, Kind::Membership | Kind::Application)
                    && !r.deleted
            })
            .copied()
            .collect();
        for kind in kinds {
            let rec = match existing.iter().position(|r| r.kind == kind) {
                Some(i) => existing.swap_remove(i).updated_at(now, now + life),
                None => {
                    let id = env.rng.random();
                    let mut r = self.record(kind, id, now, life);
                    r.autorefresh = false;
                    r
                }
            };
            self.publish(rec, env, out);
        }
        self.timer(APP, p.record_refresh, out);
    }
}

#[cfg(test)]
#[path = "node_tests.rs"]
mod tests;
