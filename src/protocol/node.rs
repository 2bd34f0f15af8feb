//! One host's PNRP state machine.
//!
//! A [`Node`] reacts to an input (a delivered message, a timer, or a command
//! from the workload such as "register this ID") and writes what it wants
//! done into an [`Outbox`]: messages to send, timers to arm, resolves that
//! finished. It never touches the clock, the network or the event queue, so
//! the same code could drive real sockets; the simulation glue (`crate::sim`)
//! delivers the outbox through the network model.
//!
//! The procedures follow [MS-PNRP] as condensed in the model doc:
//! synchronisation (SOLICIT → ADVERTISE → REQUEST → ACK + FLOODs),
//! registration (resolve ID + 1 carrying the new route entry; each LOOKUP
//! recipient validates it with INQUIRE → AUTHORITY, asking for the CPA when
//! it falls in a leaf set), the leaf-set flood cascade with flood-back,
//! revoke floods on a clean departure, iterative resolution with
//! backtracking, retransmission (timeout, retries), and the maintenance
//! timer (split detection, cache balancing, re-synchronisation).

use super::cache::{Cache, Insert};
use super::id::{HostIx, IdIx, U256, closer};
use super::message::{Body, IdList, Message, Reason};
use super::requests::{Pending, Purpose, Requests};
use super::resolve::{AppResolve, Resolver, Resolves};
use crate::engine::SimDuration;
use rand::Rng as _;

/// The node's interface types, defined beside the procedures that share
/// them and named here too because every driver of a node needs them.
pub use super::env::{Env, Params};
pub use super::outbox::{Outbox, ResolveOutcome, Timer};

/// The PNRP state of one host.
#[derive(Debug, Default)]
pub struct Node {
    me: HostIx,
    pub cache: Cache,
    requests: Requests,
    resolves: Resolves,
    /// Hosts known before joining (previously known peers, multicast or a
    /// seed server): used to synchronise and to start split detection.
    seeds: Vec<HostIx>,
    /// Set once the cache has been seeded; registrations wait for it.
    synced: bool,
    sync_outstanding: u32,
    waiting: Vec<IdIx>,
    /// Target of the last cache-balancing lookup.
    last_balance: Option<U256>,
}

impl Node {
    pub fn new(me: HostIx) -> Node {
        Node {
            me,
            ..Node::default()
        }
    }

    /// Starts loading the state that handling a message will read first.
    pub fn prefetch(&self) {
        self.cache.prefetch();
        self.requests.prefetch();
    }

    /// The node's resolution procedure, working on its cache and requests.
    fn resolver(&mut self) -> Resolver<'_> {
        Resolver {
            me: self.me,
            cache: &mut self.cache,
            requests: &mut self.requests,
            resolves: &mut self.resolves,
        }
    }

    // ----- commands from the workload -------------------------------------

    /// Comes online knowing `seeds`; synchronises the cache first.
    pub fn join(&mut self, seeds: Vec<HostIx>, env: &mut Env, out: &mut Outbox) {
        self.seeds = seeds;
        let first = env
            .rng
            .random_range(0..env.params.maintenance_period.0.max(1));
        out.timers.push((SimDuration(first), Timer::Maintenance));
        self.synchronise(env, out);
    }

    fn synchronise(&mut self, env: &mut Env, out: &mut Outbox) {
        let peers: Vec<HostIx> = self
            .seeds
            .iter()
            .copied()
            .filter(|&h| h != self.me)
            .take(env.params.sync_peers)
            .collect();
        if peers.is_empty() {
            self.sync_done(env, out);
            return;
        }
        let publishes = !self.cache.locals().is_empty() || !self.waiting.is_empty();
        for peer in peers {
            self.sync_outstanding += 1;
            self.requests.send(
                env,
                out,
                peer,
                Body::Solicit { publishes },
                Reason::Join,
                Purpose::Solicit,
            );
        }
    }

    fn sync_done(&mut self, env: &mut Env, out: &mut Outbox) {
        if self.synced {
            return;
        }
        self.synced = true;
        for ix in std::mem::take(&mut self.waiting) {
            self.publish(ix, Reason::Registration, env, out);
        }
    }

    /// Registers a new local ID (first registration or re-registration after
    /// an address change, as `reason` says); its first refresh comes after
    /// `first_refresh`, then every refresh interval.
    pub fn register(
        &mut self,
        ix: IdIx,
        reason: Reason,
        first_refresh: SimDuration,
        env: &mut Env,
        out: &mut Outbox,
    ) {
        self.cache.add_local(ix, env.ids, &env.params.cache);
        out.timers
            .push((first_refresh, Timer::Refresh { entry: ix }));
        if self.synced {
            self.publish(ix, reason, env, out);
        } else {
            self.waiting.push(ix);
        }
    }

    fn publish(&mut self, ix: IdIx, reason: Reason, env: &mut Env, out: &mut Outbox) {
        let target = env.ids.id(ix).plus_one();
        self.resolver()
            .start_resolve(target, reason, Some(ix), None, None, env, out);
    }

    /// Drops a local ID without telling anyone (address change, crash).
    pub fn forget_local(&mut self, ix: IdIx, env: &Env) {
        self.cache.remove_local(ix, env.ids, &env.params.cache);
        self.waiting.retain(|&w| w != ix);
    }

    /// A clean departure: revoke every local ID (§3.2.4.2).
    pub fn leave_gracefully(&mut self, env: &mut Env, out: &mut Outbox) {
        let p = &env.params.cache;
        for &x in self.cache.locals().to_vec().iter() {
            let (below, above) = self.cache.leaf_set(x, env.ids, p);
            let flooded: Box<[HostIx]> = vec![self.me].into();
            for side in [&below, &above] {
                if let Some(&n) = side.first() {
                    let body = Body::FloodRevoke {
                        entry: x,
                        flooded: flooded.clone(),
                    };
                    out.send(env.ids.owner(n), body, Reason::Unregistration, 0);
                }
            }
            // Tell the outermost leaf-set member on each side about the
            // neighbour that replaces x in its leaf set.
            for (far, replacement) in [(&below, &above), (&above, &below)] {
                if let (Some(&f), Some(&r)) = (far.last(), replacement.first()) {
                    if f != r && far.len() == p.leaf_per_side {
                        let body = Body::Flood {
                            entry: r,
                            ack: true,
                            flooded: flooded.clone(),
                            replaces: Some(x),
                        };
                        out.send(env.ids.owner(f), body, Reason::Unregistration, 0);
                    }
                }
            }
        }
    }

    /// Resolves a peer name (its 128-bit P2P ID) for the application.
    pub fn resolve_name(&mut self, name: u128, env: &mut Env, out: &mut Outbox) {
        // A resolver looks for the name with service location suffix 0x8000….
        let target = U256::from_parts(name, 1u128 << 127);
        let app = AppResolve {
            name,
            started: env.now,
        };
        self.resolver()
            .start_resolve(target, Reason::Resolve, None, Some(app), None, env, out);
    }

    // ----- timers -----------------------------------------------------------

    pub fn on_timer(&mut self, timer: Timer, env: &mut Env, out: &mut Outbox) {
        match timer {
            Timer::Retransmit { txn } => self.on_retransmit(txn, env, out),
            Timer::Maintenance => self.maintain(env, out),
            Timer::Refresh { entry } => {
                if self.cache.locals().contains(&entry) {
                    out.timers
                        .push((env.params.refresh_interval, Timer::Refresh { entry }));
                    if self.synced {
                        self.publish(entry, Reason::Refresh, env, out);
                    }
                }
            }
        }
    }

    fn on_retransmit(&mut self, txn: u32, env: &mut Env, out: &mut Outbox) {
        if let Some(p) = self.requests.on_timer(txn, env, out) {
            self.on_failure(p, env, out);
        }
    }

    /// A request went unanswered after every retry (§3.1.6.3): the target
    /// entry is dropped from the cache and the procedure moves on.
    fn on_failure(&mut self, p: Pending, env: &mut Env, out: &mut Outbox) {
        match p.purpose {
            Purpose::Lookup { resolve, via } => {
                if let Some(via) = via {
                    self.cache.remove(via, env.ids, &env.params.cache);
                }
                self.resolver().on_lookup_failure(resolve, env, out);
            }
            Purpose::Fetch { resolve } => self.resolver().on_fetch_failure(resolve, env, out),
            Purpose::Validate { .. } => {}
            Purpose::Solicit | Purpose::Request => {
                self.sync_outstanding = self.sync_outstanding.saturating_sub(1);
                if self.sync_outstanding == 0 {
                    self.sync_done(env, out);
                }
            }
            Purpose::Flood => {
                if let Body::Flood { .. } | Body::FloodRevoke { .. } = p.msg.body {
                    self.drop_entries_of(p.to, env);
                }
            }
        }
    }

    fn drop_entries_of(&mut self, host: HostIx, env: &Env) {
        let gone: Vec<IdIx> = self
            .cache
            .entries()
            .filter(|&e| env.ids.owner(e) == host)
            .collect();
        for e in gone {
            self.cache.remove(e, env.ids, &env.params.cache);
        }
    }

    /// The maintenance timer (§3.2.6.2): split detection, cache balancing,
    /// and re-synchronisation of an empty cache.
    fn maintain(&mut self, env: &mut Env, out: &mut Outbox) {
        let prm = env.params;
        let period = if self.cache.len() <= prm.sparse_cache_entries {
            prm.sparse_maintenance_period
        } else {
            prm.maintenance_period
        };
        out.timers.push((period, Timer::Maintenance));
        if !self.synced {
            return;
        }
        if self.cache.is_empty() {
            if !self.seeds.is_empty() {
                self.synced = false;
                self.synchronise(env, out);
            }
            return;
        }
        // Split detection with probability ∝ 1 / estimated cloud size, so
        // the cloud as a whole runs one every `split_detection_interval`.
        if let Some(regs) = self.cache.estimated_registrations(env.ids) {
            let hosts = (regs / prm.names_per_host).max(1.0);
            let p = period.as_secs_f64() / (prm.split_detection_interval_secs * hosts);
            let locals = self.cache.locals();
            if !locals.is_empty() && !self.seeds.is_empty() && env.rng.random::<f64>() < p {
                let local = locals[env.rng.random_range(0..locals.len())];
                let seed = self.seeds[env.rng.random_range(0..self.seeds.len())];
                let target = env.ids.id(local).plus_one();
                self.resolver().start_resolve(
                    target,
                    Reason::SplitDetection,
                    None,
                    None,
                    Some(seed),
                    env,
                    out,
                );
            }
        }
        if !self.resolves.any(Reason::Maintenance) {
            let target = self
                .cache
                .balancing_target(prm.balance_gap_fraction, env.ids, &prm.cache);
            // The same gap again means the last lookup found nothing to fill
            // it: do not repeat it every period.
            if let Some(t) = target.filter(|&t| Some(t) != self.last_balance) {
                self.last_balance = Some(t);
                self.resolver()
                    .start_resolve(t, Reason::Maintenance, None, None, None, env, out);
            }
        }
    }

    // ----- messages ----------------------------------------------------------

    /// Reacts to a message from `from`.
    pub fn on_message(&mut self, from: HostIx, msg: Message, env: &mut Env, out: &mut Outbox) {
        let reason = msg.reason;
        let txn = msg.txn;
        match msg.body {
            Body::Solicit { .. } => {
                let ids = self.advertisement(env);
                out.send(from, Body::Advertise { ids }, reason, txn);
            }
            Body::Advertise { ids } => {
                if self.requests.take(txn, from).is_none() {
                    return;
                }
                let mut wanted = IdList::default();
                for &ix in ids.as_slice() {
                    if !self.cache.contains(ix, env.ids) && env.ids.owner(ix) != self.me {
                        wanted.push(ix);
                    }
                }
                if wanted.is_empty() {
                    self.sync_outstanding = self.sync_outstanding.saturating_sub(1);
                    if self.sync_outstanding == 0 {
                        self.sync_done(env, out);
                    }
                } else {
                    self.requests.send(
                        env,
                        out,
                        from,
                        Body::Request { ids: wanted },
                        reason,
                        Purpose::Request,
                    );
                }
            }
            Body::Request { ids } => {
                out.send(from, Body::Ack, reason, txn);
                for &ix in ids.as_slice() {
                    let body = Body::Flood {
                        entry: ix,
                        ack: false,
                        flooded: Box::new([]),
                        replaces: None,
                    };
                    out.send(from, body, reason, 0);
                }
            }
            Body::Ack => {
                if let Some(Pending {
                    purpose: Purpose::Request,
                    ..
                }) = self.requests.take(txn, from)
                {
                    self.sync_outstanding = self.sync_outstanding.saturating_sub(1);
                    if self.sync_outstanding == 0 {
                        self.sync_done(env, out);
                    }
                }
            }
            Body::Flood {
                entry,
                ack,
                flooded,
                replaces,
            } => {
                if ack {
                    out.send(from, Body::Ack, reason, txn);
                    if let Some(gone) = replaces {
                        self.cache.remove(gone, env.ids, &env.params.cache);
                    }
                    self.on_flood(entry, flooded, reason, env, out);
                } else {
                    // A synchronisation flood answering our REQUEST.
                    if env.ids.owner(entry) != self.me {
                        self.cache.insert(entry, env.ids, &env.params.cache);
                    }
                    self.sync_done(env, out);
                }
            }
            Body::FloodRevoke { entry, flooded } => {
                out.send(from, Body::Ack, reason, txn);
                self.on_revoke(entry, flooded, reason, env, out);
            }
            Body::Lookup {
                target,
                carried,
                path,
            } => {
                if let Some(x) = carried {
                    self.submit(x, None, reason, env, out);
                }
                let next = self.next_hop(target, from, &path, env);
                let body = Body::Authority {
                    next,
                    cpa: false,
                    extended: 0,
                };
                out.send(from, body, reason, txn);
            }
            Body::Inquire { entry, cpa } => {
                let mine = self.cache.locals().contains(&entry);
                let extended = if cpa && reason == Reason::Resolve {
                    env.params.sizes.extended_payload
                } else {
                    0
                };
                let body = Body::Authority {
                    next: mine.then_some(entry),
                    cpa: cpa && mine,
                    extended,
                };
                out.send(from, body, reason, txn);
            }
            Body::Authority { next, .. } => {
                let Some(p) = self.requests.take(txn, from) else {
                    return;
                };
                match p.purpose {
                    Purpose::Lookup { resolve, via } => self
                        .resolver()
                        .on_lookup_answer(resolve, via, next, env, out),
                    Purpose::Fetch { resolve } => {
                        if next.is_some() {
                            self.resolver().finish_app(resolve, true, env, out);
                        } else {
                            self.resolver().on_fetch_failure(resolve, env, out);
                        }
                    }
                    Purpose::Validate { entry, cascade } => {
                        if next == Some(entry) {
                            self.accept(entry, cascade, reason, env, out);
                        }
                    }
                    Purpose::Solicit | Purpose::Request | Purpose::Flood => {}
                }
            }
        }
    }

    /// The IDs an ADVERTISE offers: cached entries spread evenly over the
    /// ring from a random offset, topped up with our own IDs.
    fn advertisement(&self, env: &mut Env) -> IdList {
        let n = env.params.advertise_ids.min(IdList::CAPACITY);
        let offset = U256(env.rng.random());
        let step = U256::MAX.div_u64(n.max(1) as u64);
        let mut points = Vec::with_capacity(n);
        let mut pt = offset;
        for _ in 0..n {
            points.push(pt);
            pt = pt.wrapping_add(step);
        }
        let mut list = IdList::default();
        for ix in self.cache.spread(&points, env.ids) {
            list.push(ix);
        }
        for &l in self.cache.locals() {
            if list.len() >= n {
                break;
            }
            list.push(l);
        }
        list
    }

    /// The closest ID we know to `target` (cached or our own), never one
    /// owned by the asker or by a host on the flagged path (§4.1.3).
    fn next_hop(&self, target: U256, asker: HostIx, path: &[HostIx], env: &Env) -> Option<IdIx> {
        let ids = env.ids;
        let cached = self.cache.closest(target, ids, |ix| {
            let owner = ids.owner(ix);
            owner == asker || path.contains(&owner)
        });
        let local = self.cache.closest_local(target, ids);
        match (cached, local) {
            (Some(c), Some(l)) => Some(if closer(target, ids.id(c), ids.id(l)).is_lt() {
                c
            } else {
                l
            }),
            (c, l) => c.or(l),
        }
    }

    /// Submits a route entry learnt from a LOOKUP or FLOOD: validated by an
    /// INQUIRE first (asking for the CPA when it falls in a leaf set).
    fn submit(
        &mut self,
        x: IdIx,
        cascade: Option<Box<[HostIx]>>,
        reason: Reason,
        env: &mut Env,
        out: &mut Outbox,
    ) {
        let ids = env.ids;
        let owner = ids.owner(x);
        if owner == self.me || self.cache.contains(x, ids) {
            return;
        }
        if self.requests.validating(x) {
            return;
        }
        let leaf = self.cache.in_leaf_range(ids.id(x), ids, &env.params.cache);
        if cascade.is_some() && !leaf {
            return; // a cascade goes on only while X falls in a leaf set
        }
        if !leaf && !self.cache.would_accept(x, ids, &env.params.cache) {
            return;
        }
        let body = Body::Inquire {
            entry: x,
            cpa: leaf,
        };
        self.requests.send(
            env,
            out,
            owner,
            body,
            reason,
            Purpose::Validate { entry: x, cascade },
        );
    }

    /// Caches a validated entry; if it entered a leaf set, floods it on to
    /// our nearest neighbours and floods our own entry back to its owner
    /// (§4.4).
    fn accept(
        &mut self,
        x: IdIx,
        cascade: Option<Box<[HostIx]>>,
        reason: Reason,
        env: &mut Env,
        out: &mut Outbox,
    ) {
        let ids = env.ids;
        let p = &env.params.cache;
        if self.cache.insert(x, ids, p) != (Insert::Added { leaf: true }) {
            return;
        }
        // Cascades are counted as flood traffic, whatever started them —
        // except the ones of a departure, which stay unregistration cost.
        let reason = if reason == Reason::Unregistration {
            reason
        } else {
            Reason::Flood
        };
        let owner = ids.owner(x);
        let Some(local) = self.cache.closest_local(ids.id(x), ids) else {
            return;
        };
        let mut flooded: Vec<HostIx> = cascade.map(Vec::from).unwrap_or_default();
        if !flooded.contains(&self.me) {
            flooded.push(self.me);
        }
        flooded.truncate(env.params.flood_list_max);
        let (below, above) = self.cache.leaf_set(local, ids, p);
        let mut targets = Vec::new();
        for side in [&below, &above] {
            if let Some(&n) = side
                .iter()
                .find(|&&n| ids.owner(n) != owner && !flooded.contains(&ids.owner(n)))
            {
                targets.push(ids.owner(n));
            }
        }
        let mut list = flooded.clone();
        for &t in &targets {
            if !list.contains(&t) {
                list.push(t);
            }
        }
        list.truncate(env.params.flood_list_max);
        let list: Box<[HostIx]> = list.into();
        targets.dedup();
        for t in targets {
            let body = Body::Flood {
                entry: x,
                ack: true,
                flooded: list.clone(),
                replaces: None,
            };
            self.requests
                .send(env, out, t, body, reason, Purpose::Flood);
        }
        // Flood-back: tell X about us.
        let body = Body::Flood {
            entry: local,
            ack: true,
            flooded: Box::new([self.me]),
            replaces: None,
        };
        self.requests
            .send(env, out, owner, body, reason, Purpose::Flood);
    }

    fn on_flood(
        &mut self,
        x: IdIx,
        flooded: Box<[HostIx]>,
        reason: Reason,
        env: &mut Env,
        out: &mut Outbox,
    ) {
        self.submit(x, Some(flooded), reason, env, out);
    }

    /// A revoke: drop X and pass the revoke outward, away from X, while we
    /// held it (§4.3).
    fn on_revoke(
        &mut self,
        x: IdIx,
        flooded: Box<[HostIx]>,
        reason: Reason,
        env: &mut Env,
        out: &mut Outbox,
    ) {
        let ids = env.ids;
        let p = &env.params.cache;
        if !self.cache.remove(x, ids, p) {
            return;
        }
        let Some(local) = self.cache.closest_local(ids.id(x), ids) else {
            return;
        };
        let lid = ids.id(local);
        let x_is_above = lid.clockwise_to(ids.id(x)) <= ids.id(x).clockwise_to(lid);
        let (below, above) = self.cache.leaf_set(local, ids, p);
        let outward = if x_is_above { below } else { above };
        let mut list: Vec<HostIx> = flooded.into();
        if !list.contains(&self.me) {
            list.push(self.me);
        }
        if let Some(&n) = outward.iter().find(|&&n| !list.contains(&ids.owner(n))) {
            let to = ids.owner(n);
            list.push(to);
            list.truncate(env.params.flood_list_max);
            let body = Body::FloodRevoke {
                entry: x,
                flooded: list.into(),
            };
            self.requests
                .send(env, out, to, body, reason, Purpose::Flood);
        }
    }
}
