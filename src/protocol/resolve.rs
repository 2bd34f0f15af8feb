//! Iterative resolution with backtracking (§3.1.4.4.2, example §4.1.3).
//!
//! The resolver drives every step: it sends a LOOKUP to the closest route
//! entry it knows; the AUTHORITY reply names a closer entry (or the
//! responder's own ID when it knows none closer). Every host asked joins the
//! flagged path, which recipients must not return. When a hop does not
//! answer, the resolver backtracks: it asks the closest host that did
//! answer again, with the longer path, so that host offers its next-best
//! entry. A silent hop's entry stays cached (§3.1.6.3 removes none); a hop
//! that answers with the N flag no longer holds the ID we reached it by,
//! and that entry is removed (§3.1.5.6.1). Limits: `max_hops` useful hops,
//! `max_suspicious` replies that brought nothing closer, and
//! `lookups_per_hop` LOOKUPs to any one host.
//!
//! Registration, refresh, split detection and cache balancing use the same
//! procedure with other targets. An application resolve ends, once it holds
//! an ID of the wanted name, with an INQUIRE that fetches the CPA; a split
//! detection ends with an INQUIRE to its best match, whose answer is the
//! split test of §3.2.5.11.1.
//!
//! The resolver caches nothing itself: the answering hop and the entry an
//! AUTHORITY points to are new route entries, which the node validates
//! before caching them (§3.1.5.6.1, §3.2.5.1, §3.1.5.11).
//!
//! A LOOKUP carries a route entry (§2.2.2.8: "the best match so far") only
//! when the resolve was given an InitialBestMatchRouteEntry: §3.1.4.4.2,
//! which builds the LOOKUP, sets only its Validate PNRP ID and Flagged
//! Path, and §3.2.4.1 names the registered entry as the one "in each LOOKUP
//! message sent". So registration, refresh and re-advertisement LOOKUPs
//! carry it; application, balancing and split-detection LOOKUPs do not.

use super::cache::Cache;
use super::env::Env;
use super::id::{HostIx, IdIx, U256, closer};
use super::message::{Body, Reason};
use super::outbox::{Caller, Outbox, ResolveOutcome};
use super::requests::{Purpose, Requests, take_at};
use crate::engine::SimTime;

#[derive(Clone, Debug)]
pub(super) struct AppResolve {
    pub name: u128,
    pub caller: Caller,
    pub started: SimTime,
}

/// The resolves a node has under way.
#[derive(Debug, Default)]
pub(super) struct Resolves {
    list: Vec<Resolve>,
    next: u32,
}

impl Resolves {
    /// Whether a resolve for `reason` is under way.
    pub fn any(&self, reason: Reason) -> bool {
        self.list.iter().any(|r| r.reason == reason)
    }

    /// The target and best match of resolve `handle` if it is a split
    /// detection, for the split test of §3.2.5.11.1 once its closing
    /// INQUIRE is answered.
    pub fn split_detection_result(&self, handle: u32) -> Option<(U256, IdIx)> {
        let r = self.list.iter().find(|r| r.handle == handle)?;
        let best = r.best.filter(|_| r.reason == Reason::SplitDetection)?;
        Some((r.target, best))
    }
}

/// The parts of a node a resolve works with: it sends through the node's
/// requests, caches the hops that answer and drops stale entries.
pub(super) struct Resolver<'n> {
    pub me: HostIx,
    pub cache: &'n mut Cache,
    pub requests: &'n mut Requests,
    pub resolves: &'n mut Resolves,
}

#[derive(Clone, Debug)]
struct Resolve {
    handle: u32,
    target: U256,
    reason: Reason,
    carried: Option<IdIx>,
    app: Option<AppResolve>,
    /// Route entries not yet asked, closest to the target first.
    candidates: Vec<IdIx>,
    /// Hosts asked so far, each with its number of LOOKUPs (the flagged
    /// path is the list of hosts).
    path: Vec<(HostIx, u8)>,
    /// Closest ID whose owner answered.
    best: Option<IdIx>,
    /// A hop failed since `best` last answered: asking it again may bring
    /// an alternative.
    failed_since_best: bool,
    /// IDs of the wanted name whose owner no longer has them (stale copies
    /// of a registration that left or changed address).
    rejected: Vec<IdIx>,
    hops: u32,
    suspicious: u32,
}

impl Resolve {
    fn visited(&self, host: HostIx) -> bool {
        self.path.iter().any(|&(h, _)| h == host)
    }

    fn flagged_path(&self) -> Box<[HostIx]> {
        self.path.iter().map(|&(h, _)| h).collect()
    }

    fn note_asked(&mut self, host: HostIx) {
        match self.path.iter_mut().find(|(h, _)| *h == host) {
            Some((_, n)) => *n = n.saturating_add(1),
            None => self.path.push((host, 1)),
        }
    }

    fn asked(&self, host: HostIx) -> u8 {
        self.path
            .iter()
            .find(|&&(h, _)| h == host)
            .map_or(0, |&(_, n)| n)
    }

    fn improves(&self, ix: IdIx, env: &Env) -> bool {
        self.best
            .is_none_or(|b| closer(self.target, env.ids.id(ix), env.ids.id(b)).is_lt())
    }
}

impl Resolver<'_> {
    /// Starts a resolve of `target`. `first_hop` forces the first LOOKUP to
    /// a given host (split detection starts at a seed server).
    #[allow(clippy::too_many_arguments)]
    pub fn start_resolve(
        &mut self,
        target: U256,
        reason: Reason,
        carried: Option<IdIx>,
        app: Option<AppResolve>,
        first_hop: Option<HostIx>,
        env: &mut Env,
        out: &mut Outbox,
    ) {
        self.resolves.next = self.resolves.next.wrapping_add(1);
        let handle = self.resolves.next;
        let me = self.me;
        let ids = env.ids;
        // Our own closest entries seed the candidate list; backtracking
        // falls back on the rest.
        let mut candidates = Vec::new();
        for _ in 0..3 {
            let next = self.cache.closest(target, ids, |ix| {
                candidates.contains(&ix) || ids.owner(ix) == me
            });
            match next {
                Some(ix) => candidates.push(ix),
                None => break,
            }
        }
        self.resolves.list.push(Resolve {
            handle,
            target,
            reason,
            carried,
            app,
            candidates,
            path: Vec::new(),
            best: None,
            failed_since_best: false,
            rejected: Vec::new(),
            hops: 0,
            suspicious: 0,
        });
        match first_hop.filter(|&s| s != me) {
            Some(seed) => {
                let i = self.resolves.list.len() - 1;
                self.lookup(i, seed, None, env, out);
            }
            None => self.step_resolve(handle, env, out),
        }
    }

    fn resolve_index(&self, handle: u32) -> Option<usize> {
        self.resolves.list.iter().position(|r| r.handle == handle)
    }

    fn lookup(&mut self, i: usize, to: HostIx, via: Option<IdIx>, env: &mut Env, out: &mut Outbox) {
        let r = &mut self.resolves.list[i];
        let body = Body::Lookup {
            target: r.target,
            carried: r.carried,
            validate: via,
            path: r.flagged_path(),
        };
        r.note_asked(to);
        let (reason, resolve) = (r.reason, r.handle);
        self.requests
            .send(env, out, to, body, reason, Purpose::Lookup { resolve, via });
    }

    /// Sends the next LOOKUP of a resolve, or ends it.
    fn step_resolve(&mut self, handle: u32, env: &mut Env, out: &mut Outbox) {
        let Some(i) = self.resolve_index(handle) else {
            return;
        };
        let ids = env.ids;
        let prm = env.params;
        let r = &mut self.resolves.list[i];
        let worn_out = r.hops >= prm.max_hops
            || r.suspicious > prm.max_suspicious
            || r.path.len() > 2 * prm.max_hops as usize;
        r.candidates
            .retain(|&c| !r.path.iter().any(|&(h, _)| h == ids.owner(c)));
        if r.candidates.is_empty() && r.best.is_none() {
            // Every first hop failed: fall back on the next entries of our
            // own cache.
            let me = self.me;
            let path = &r.path;
            let fallback = self.cache.closest(r.target, ids, |ix| {
                let owner = ids.owner(ix);
                owner == me || path.iter().any(|&(h, _)| h == owner)
            });
            r.candidates.extend(fallback);
        }
        let next = r
            .candidates
            .first()
            .copied()
            .filter(|&c| r.improves(c, env));
        match next {
            Some(c) if !worn_out => {
                self.resolves.list[i].candidates.remove(0);
                self.lookup(i, ids.owner(c), Some(c), env, out);
            }
            _ => {
                // Nothing closer to try: backtrack to the closest host that
                // answered if a hop failed since, while it may be asked again.
                let again = r.best.filter(|&b| {
                    !worn_out
                        && r.failed_since_best
                        && u32::from(r.asked(ids.owner(b))) < prm.lookups_per_hop
                });
                match again {
                    Some(b) => {
                        r.failed_since_best = false;
                        self.lookup(i, ids.owner(b), Some(b), env, out);
                    }
                    None => self.end_resolve(i, env, out),
                }
            }
        }
    }

    /// A hop never answered; its entry stays cached (§3.1.6.3).
    pub fn on_lookup_failure(&mut self, handle: u32, env: &mut Env, out: &mut Outbox) {
        if let Some(i) = self.resolve_index(handle) {
            self.resolves.list[i].failed_since_best = true;
            self.step_resolve(handle, env, out);
        }
    }

    /// An AUTHORITY answering a LOOKUP sent to the owner of `via` (§3.1.5.6.1).
    /// Returns the route entries it taught us, for the node to validate
    /// before caching: the answering hop's entry (unless the N flag says
    /// the hop no longer holds it, which removes it from the cache) and
    /// the entry the answer points to (this is how a registering host
    /// fills its own leaf set).
    pub fn on_lookup_answer(
        &mut self,
        handle: u32,
        via: Option<IdIx>,
        next: Option<IdIx>,
        not_found: bool,
        env: &mut Env,
        out: &mut Outbox,
    ) -> [Option<IdIx>; 2] {
        let ids = env.ids;
        let me = self.me;
        let via = match via {
            Some(v) if not_found => {
                self.cache.remove(v, ids, &env.params.cache);
                None
            }
            via => via,
        };
        let learnt = [via, next].map(|e| e.filter(|&e| ids.owner(e) != me));
        let Some(i) = self.resolve_index(handle) else {
            return learnt;
        };
        let r = &mut self.resolves.list[i];
        r.hops += 1;
        // The responder's own ID: the entry we reached it by, or the ID it
        // names when it knows nothing closer than itself.
        let responder = via.or(next.filter(|&n| r.visited(ids.owner(n))));
        if let Some(v) = responder.filter(|&v| r.improves(v, env)) {
            r.best = Some(v);
            r.failed_since_best = false;
        }
        let next = next.filter(|n| !r.rejected.contains(n));
        match next.filter(|&n| ids.owner(n) != me && !r.visited(ids.owner(n))) {
            Some(n) if r.improves(n, env) && !r.candidates.contains(&n) => {
                let target = r.target;
                let at = r
                    .candidates
                    .partition_point(|&c| closer(target, ids.id(c), ids.id(n)).is_lt());
                r.candidates.insert(at, n);
            }
            Some(n) if !r.improves(n, env) => r.suspicious += 1,
            _ => {}
        }
        // An application resolve stops as soon as it holds a matching ID.
        if let Some(app) = &r.app {
            let found = [r.best, r.candidates.first().copied()]
                .into_iter()
                .flatten()
                .find(|&c| ids.id(c).high() == app.name && !r.rejected.contains(&c));
            if let Some(found) = found {
                r.best = Some(found);
                self.end_resolve(i, env, out);
                return learnt;
            }
        }
        self.step_resolve(handle, env, out);
        learnt
    }

    /// Ends a resolve with the INQUIRE of §3.1.4.4.2 to its best match
    /// where one follows: an application resolve's fetch of the CPA (and
    /// extended payload) of an ID of the wanted name, and a split
    /// detection's closing INQUIRE (§3.2.5.11.1). Other resolves just end.
    fn end_resolve(&mut self, i: usize, env: &mut Env, out: &mut Outbox) {
        let r = &self.resolves.list[i];
        let closing = match (&r.app, r.best) {
            (Some(app), Some(b))
                if env.ids.id(b).high() == app.name && !r.rejected.contains(&b) =>
            {
                Some(b)
            }
            (None, Some(b)) if r.reason == Reason::SplitDetection => Some(b),
            _ => None,
        };
        let handle = r.handle;
        match closing {
            Some(b) => {
                let fetch = Purpose::Fetch { resolve: handle };
                self.requests.inquire(env, out, b, true, r.reason, fetch);
            }
            None => self.finish(handle, false, env, out),
        }
    }

    /// The closing INQUIRE failed (the owner did not answer, or answered
    /// that it no longer holds the ID): an application resolve carries on
    /// with what else it knows; a split detection ends.
    pub fn on_fetch_failure(&mut self, handle: u32, env: &mut Env, out: &mut Outbox) {
        let Some(i) = self.resolve_index(handle) else {
            return;
        };
        let r = &mut self.resolves.list[i];
        if r.app.is_none() {
            self.finish(handle, false, env, out);
            return;
        }
        if let Some(stale) = r.best.take() {
            r.rejected.push(stale);
        }
        self.step_resolve(handle, env, out);
    }

    /// Ends a resolve; an application resolve reports its outcome.
    pub fn finish(&mut self, handle: u32, success: bool, env: &Env, out: &mut Outbox) {
        let Some(i) = self.resolve_index(handle) else {
            return;
        };
        let r = take_at(&mut self.resolves.list, i);
        if let Some(app) = r.app {
            out.resolved.push(ResolveOutcome {
                caller: app.caller,
                name: app.name,
                success,
                hops: r.hops,
                peer: r.best.filter(|_| success).map(|b| env.ids.owner(b)),
                latency: env.now.since(app.started),
            });
        }
    }
}
