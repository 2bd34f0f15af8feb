//! One host's PNRP state machine.
//!
//! A [`Node`] reacts to an input (a delivered message, a timer, or a command
//! from the workload such as "register this ID") and writes what it wants
//! done into an [`Outbox`]: messages to send, timers to arm, resolves that
//! finished. It never touches the clock, the network or the event queue, so
//! the same code could drive real sockets; the simulation glue (`crate::sim`)
//! delivers the outbox through the network model.
//!
//! The procedures follow [MS-PNRP]: synchronisation (`sync`), the
//! validation of learnt route entries and the leaf-set flood cascade
//! (`flood`), registration (resolve ID + 1 carrying the new route entry),
//! re-advertisement after an address change, revoke floods on a clean
//! departure, iterative resolution with backtracking (`resolve`),
//! retransmission (`requests`), and the maintenance timer (split
//! detection, cache balancing, re-synchronisation).

use super::cache::{Cache, CacheParams};
use super::id::{HostIx, IdIx, IdTable, U256, closer};
use super::message::{Body, IdList, Message, Reason};
use super::requests::{FloodOrigin, Learnt, Pending, Purpose, Requests};
use super::resolve::{AppResolve, Resolver, Resolves};
use crate::engine::SimDuration;
use rand::Rng as _;

mod flood;
mod sync;

/// The node's interface types, defined beside the procedures that share
/// them and named here too because every driver of a node needs them.
pub use super::env::{Env, Params};
pub use super::outbox::{Caller, Outbox, ResolveOutcome, Timer};

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
    /// Synchronisation conversations under way.
    sync_outstanding: u32,
    /// D-set FLOODs requested and not yet received.
    sync_floods: u32,
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

    /// The cache of a host of a cloud that has run for a long time, as a
    /// scenario's steady start builds it (the builder lives in `crate::sim`;
    /// the node only accepts the state): its own IDs `locals`, then the
    /// route entries it learnt, submitted to the cache as any learnt entry
    /// is. It draws nothing at random, so the builder may make the caches
    /// of many hosts at once, on any number of threads.
    pub fn settled_cache(
        locals: &[IdIx],
        entries: &[IdIx],
        ids: &IdTable,
        p: &CacheParams,
    ) -> Cache {
        let mut cache = Cache::default();
        for &ix in locals {
            cache.add_local(ix, ids, p);
        }
        for &ix in entries {
            cache.insert(ix, ids, p);
        }
        cache
    }

    /// A host of a cloud that has run for a long time, holding `cache`
    /// from [`Node::settled_cache`]: its own IDs (the cache's locals), each
    /// registered and published long ago and next refreshed after the
    /// duration beside it; the hosts it joined through; synchronised. Its
    /// maintenance timer first fires after `maintenance_in`.
    pub fn settled(
        me: HostIx,
        seeds: Vec<HostIx>,
        cache: Cache,
        locals: &[(IdIx, SimDuration)],
        maintenance_in: SimDuration,
        out: &mut Outbox,
    ) -> Node {
        for &(ix, refresh_in) in locals {
            out.timers.push((refresh_in, Timer::Refresh { entry: ix }));
        }
        out.timers.push((maintenance_in, Timer::Maintenance));
        Node {
            me,
            seeds,
            cache,
            synced: true,
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

    /// Registers a new local ID (§3.2.4.1); its first refresh comes after
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

    /// The host's addresses changed (§3.2.7.2, §3.1.7.1): it advertises
    /// every locally registered PNRP ID — the same IDs — with its new
    /// address list, by the registration resolve of §3.2.4.1 (step 5).
    /// IDs still waiting for the synchronisation go out with it anyway.
    pub fn change_address(&mut self, env: &mut Env, out: &mut Outbox) {
        if !self.synced {
            return;
        }
        for ix in self.cache.locals().to_vec() {
            self.publish(ix, Reason::Refresh, env, out);
        }
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
                        validate: Some(n),
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
                            validate: Some(f),
                        };
                        out.send(env.ids.owner(f), body, Reason::Unregistration, 0);
                    }
                }
            }
        }
    }

    /// Resolves a peer name (its 128-bit P2P ID) for `caller`. Locally
    /// registered IDs are never the answer (PickBestMatchFromLocalIds
    /// false, §3.1.4.4): the workload resolves other hosts' names, and a
    /// group member that registers the group's name needs another member.
    pub fn resolve_name(&mut self, name: u128, caller: Caller, env: &mut Env, out: &mut Outbox) {
        // A resolver looks for the name with service location suffix 0x8000….
        let target = U256::from_parts(name, 1u128 << 127);
        let app = AppResolve {
            name,
            caller,
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

    /// A request went unanswered after every retry (§3.1.6.3): its
    /// procedure moves on. Only an unacknowledged FLOOD removes a route
    /// entry, the one of its Validate PNRP ID (§3.2.6.3); a silent LOOKUP
    /// or INQUIRE removes none.
    fn on_failure(&mut self, p: Pending, env: &mut Env, out: &mut Outbox) {
        match p.purpose {
            Purpose::Lookup { resolve, .. } => self.resolver().on_lookup_failure(resolve, env, out),
            Purpose::Fetch { resolve } => self.resolver().on_fetch_failure(resolve, env, out),
            Purpose::Validate(_) => self.sync_settled(env, out),
            Purpose::Solicit => self.conversation_ended(0, env, out),
            Purpose::Request => {
                let lost = match p.msg.body {
                    Body::Request { ids } => ids.len() as u32,
                    _ => 0,
                };
                self.conversation_ended(lost, env, out);
            }
            Purpose::Flood => self.drop_validated(&p.msg.body, env),
        }
    }

    /// Removes the route entry a FLOOD was sent to (its Validate PNRP ID):
    /// the FLOOD went unacknowledged (§3.2.6.3), or its ACK had the N flag
    /// (§3.1.5.4).
    fn drop_validated(&mut self, body: &Body, env: &Env) {
        if let Body::Flood {
            validate: Some(v), ..
        }
        | Body::FloodRevoke {
            validate: Some(v), ..
        } = *body
        {
            self.cache.remove(v, env.ids, &env.params.cache);
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
            // A conversation whose FLOODs were lost on the way is given up.
            if self.sync_outstanding == 0 && !self.requests.validating_any() {
                self.sync_done(env, out);
            }
            return;
        }
        if self.cache.is_empty() {
            if !self.seeds.is_empty() {
                self.synced = false;
                self.synchronise(env, out);
            }
            return;
        }
        // Split detection with probability ∝ 1 / estimated cloud size in
        // hosts, so the cloud as a whole runs one every
        // `split_detection_interval` (§3.2.6.2.1).
        if let Some(hosts) = self.estimated_hosts(env.ids) {
            let p = period.as_secs_f64() / (prm.split_detection_interval_secs * hosts.max(1.0));
            if !self.seeds.is_empty() && env.rng.random::<f64>() < p {
                let locals = self.cache.locals();
                let local = locals[env.rng.random_range(0..locals.len())];
                self.detect_split(local, env, out);
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

    /// The cloud size in hosts (§3.2.6.2.1.1): the estimate in PNRP IDs
    /// divided by the number of our own local IDs.
    pub(crate) fn estimated_hosts(&self, ids: &IdTable) -> Option<f64> {
        let regs = self.cache.estimated_registrations(ids)?;
        Some(regs / self.cache.locals().len() as f64)
    }

    // ----- messages ----------------------------------------------------------

    /// Reacts to a message from `from`.
    pub fn on_message(&mut self, from: HostIx, msg: Message, env: &mut Env, out: &mut Outbox) {
        let reason = msg.reason;
        let txn = msg.txn;
        match msg.body {
            Body::Solicit { carried } => self.on_solicit(from, carried, reason, txn, env, out),
            Body::Advertise { ids } => self.on_advertise(from, ids, reason, txn, env, out),
            Body::Request { ids } => self.on_request(from, ids, reason, txn, out),
            Body::Ack { not_found } => match self.requests.take(txn, from) {
                Some(p) if matches!(p.purpose, Purpose::Request) => {
                    self.conversation_ended(0, env, out)
                }
                Some(p) if not_found => self.drop_validated(&p.msg.body, env),
                _ => {}
            },
            Body::Flood {
                entry,
                ack,
                flooded,
                replaces,
                validate,
            } => {
                if !ack {
                    self.on_sync_flood(from, entry, reason, env, out);
                    return;
                }
                self.acknowledge(from, validate, reason, txn, out);
                if let Some(gone) = replaces {
                    self.cache.remove(gone, env.ids, &env.params.cache);
                }
                let origin = FloodOrigin {
                    from,
                    flooded,
                    cascade: true,
                };
                let learnt = Learnt {
                    entry,
                    flood: Some(origin),
                };
                self.submit(learnt, reason, env, out);
            }
            Body::FloodRevoke {
                entry,
                flooded,
                validate,
            } => {
                self.acknowledge(from, validate, reason, txn, out);
                self.on_revoke(entry, flooded, reason, env, out);
            }
            Body::Lookup {
                target,
                carried,
                validate,
                path,
            } => {
                if let Some(entry) = carried {
                    self.submit(Learnt { entry, flood: None }, reason, env, out);
                }
                let body = Body::Authority {
                    next: self.next_hop(target, from, &path, env),
                    cpa: false,
                    extended: 0,
                    not_found: !self.holds(validate),
                };
                out.send(from, body, reason, txn);
            }
            Body::Inquire { entry, cpa } => {
                let mine = self.holds(Some(entry));
                let extended = if cpa && reason == Reason::Resolve {
                    env.params.sizes.extended_payload
                } else {
                    0
                };
                let body = Body::Authority {
                    next: mine.then_some(entry),
                    cpa: cpa && mine,
                    extended,
                    not_found: !mine,
                };
                out.send(from, body, reason, txn);
            }
            Body::Authority {
                next, not_found, ..
            } => {
                let Some(p) = self.requests.take(txn, from) else {
                    return;
                };
                self.on_authority(p.purpose, next, not_found, reason, env, out);
            }
        }
    }

    /// Whether `validate` (a request's Validate PNRP ID; `None` is zero,
    /// which asks nothing) is one of our own registered IDs. A host that
    /// crashed and came back holds new IDs, so it answers messages meant
    /// for its old ones with the N flag (§3.2.5.2, §3.2.5.5, §3.2.5.6).
    fn holds(&self, validate: Option<IdIx>) -> bool {
        validate.is_none_or(|v| self.cache.locals().contains(&v))
    }

    /// ACKs a FLOOD with the D flag clear, with the N flag when its
    /// Validate PNRP ID is not ours (§3.1.5.5, §3.2.5.5).
    fn acknowledge(
        &mut self,
        to: HostIx,
        validate: Option<IdIx>,
        reason: Reason,
        txn: u32,
        out: &mut Outbox,
    ) {
        let not_found = !self.holds(validate);
        out.send(to, Body::Ack { not_found }, reason, txn);
    }

    /// An AUTHORITY answering our request for `purpose` (§3.1.5.6.1).
    fn on_authority(
        &mut self,
        purpose: Purpose,
        next: Option<IdIx>,
        not_found: bool,
        reason: Reason,
        env: &mut Env,
        out: &mut Outbox,
    ) {
        match purpose {
            Purpose::Lookup { resolve, via } => {
                let learnt = self
                    .resolver()
                    .on_lookup_answer(resolve, via, next, not_found, env, out);
                for entry in learnt.into_iter().flatten() {
                    self.submit(Learnt { entry, flood: None }, reason, env, out);
                }
            }
            Purpose::Fetch { resolve } if !not_found && next.is_some() => {
                let split = self.resolves.split_detection_result(resolve);
                self.resolver().finish(resolve, true, env, out);
                if let Some((target, best)) = split {
                    self.split_test(target, best, env, out);
                }
            }
            Purpose::Fetch { resolve } => self.resolver().on_fetch_failure(resolve, env, out),
            Purpose::Validate(learnt) => {
                // §3.1.5.6.1.2: the N flag discards the entry.
                if !not_found && next == Some(learnt.entry) {
                    self.accept(learnt, reason, env, out);
                }
                self.sync_settled(env, out);
            }
            Purpose::Solicit | Purpose::Request | Purpose::Flood => {}
        }
    }

    /// Starts a split detection from local ID `local` (§3.2.6.2.1): a
    /// resolve of `local` + 1 whose first LOOKUP goes to a seed server
    /// (one of the hosts the node was given at join).
    fn detect_split(&mut self, local: IdIx, env: &mut Env, out: &mut Outbox) {
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

    /// The split test of §3.2.5.11.1 on the best match a split detection
    /// found: a best match we do not cache, with nothing cached closer to
    /// the target, says we are in the smaller piece of a split cloud, so
    /// the detection is repeated from every other local ID — once: not
    /// while other split detections of ours are still under way.
    fn split_test(&mut self, target: U256, best: IdIx, env: &mut Env, out: &mut Outbox) {
        let ids = env.ids;
        if self.cache.contains(best, ids) || self.resolves.any(Reason::SplitDetection) {
            return;
        }
        let closer_cached = self
            .cache
            .closest(target, ids, |_| false)
            .is_some_and(|c| closer(target, ids.id(c), ids.id(best)).is_lt());
        if closer_cached || self.seeds.is_empty() {
            return;
        }
        for local in self.cache.locals().to_vec() {
            if ids.id(local).plus_one() != target {
                self.detect_split(local, env, out);
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
}
