//! Route entries a host learns, and the leaf-set flood cascade.
//!
//! Every route entry learnt from a message (SOLICIT, LOOKUP, FLOOD,
//! AUTHORITY) is validated with an INQUIRE to its owner before it is cached
//! (§3.1.5.11, §3.2.5.1), asking for the CPA when it falls in a leaf set.
//! One that enters a leaf set is flooded on to two neighbours (§3.2.5.11),
//! and, when it came in a FLOOD from a host other than its owner, the host
//! floods its own entry back; `pnrp.flood_back` chooses between the two
//! readings of where (see [`FloodBack`]).

use super::Node;
use crate::protocol::cache::Insert;
use crate::protocol::env::{Env, FloodBack};
use crate::protocol::id::{HostIx, IdIx};
use crate::protocol::message::{Body, Reason};
use crate::protocol::outbox::Outbox;
use crate::protocol::requests::{Learnt, Purpose};

impl Node {
    /// Submits a route entry learnt from a message: validated by an INQUIRE
    /// first (asking for the CPA when it falls in a leaf set).
    pub(super) fn submit(&mut self, x: Learnt, reason: Reason, env: &mut Env, out: &mut Outbox) {
        let ids = env.ids;
        let id = ids.id(x.entry);
        let known = self.cache.contains(x.entry, ids) || self.requests.validating(x.entry);
        if ids.owner(x.entry) == self.me || known {
            return;
        }
        let leaf = self.cache.in_leaf_range(id, ids, &env.params.cache);
        if x.flood.as_ref().is_some_and(|f| f.cascade) && !leaf {
            return; // a cascade goes on only while X falls in a leaf set
        }
        if !leaf && !self.cache.would_accept(x.entry, ids, &env.params.cache) {
            return;
        }
        let entry = x.entry;
        self.requests
            .inquire(env, out, entry, leaf, reason, Purpose::Validate(x));
    }

    /// Caches a validated entry (§3.1.5.6.1.2); if it entered a leaf set,
    /// floods it on to two neighbours and, when it came in a FLOOD from a
    /// host other than its owner, floods our own entry back (§3.2.5.11).
    pub(super) fn accept(&mut self, x: Learnt, reason: Reason, env: &mut Env, out: &mut Outbox) {
        let Learnt { entry: x, flood } = x;
        let ids = env.ids;
        let p = &env.params.cache;
        if self.cache.insert(x, ids, p) != (Insert::Added { leaf: true }) {
            return;
        }
        // Cascades are counted as flood traffic, whatever started them
        // (a registration, a synchronisation, a resolve) — except the ones
        // of a departure, which stay unregistration cost. A reason carried
        // down a cascade would charge one ID's publication to whichever
        // procedure first taught it to a neighbour.
        let reason = if reason == Reason::Unregistration {
            reason
        } else {
            Reason::Flood
        };
        let owner = ids.owner(x);
        let Some(local) = self.cache.closest_local(ids.id(x), ids) else {
            return;
        };
        let (sender, mut flooded) = match flood {
            Some(f) => (Some(f.from), Vec::from(f.flooded)),
            None => (None, Vec::new()),
        };
        if !flooded.contains(&self.me) {
            flooded.push(self.me);
        }
        flooded.truncate(env.params.flood_list_max);
        let skip = |n: IdIx| ids.owner(n) == owner || flooded.contains(&ids.owner(n));
        let targets: Vec<IdIx> = match env.params.flood_back {
            FloodBack::Sender => self.cache.nearest_beside(ids.id(x), ids, skip).to_vec(),
            FloodBack::Owner => {
                let (below, above) = self.cache.leaf_set(local, ids, p);
                [below, above]
                    .iter()
                    .map(|side| side.iter().copied().find(|&n| !skip(n)))
                    .collect()
            }
        }
        .into_iter()
        .flatten()
        .collect();
        let mut list = flooded;
        for &t in &targets {
            if !list.contains(&ids.owner(t)) {
                list.push(ids.owner(t));
            }
        }
        list.truncate(env.params.flood_list_max);
        let list: Box<[HostIx]> = list.into();
        let mut sent: Vec<HostIx> = Vec::with_capacity(2);
        for t in targets {
            if sent.contains(&ids.owner(t)) {
                continue;
            }
            sent.push(ids.owner(t));
            self.flood(ids.owner(t), x, list.clone(), Some(t), reason, env, out);
        }
        if let Some(sender) = sender.filter(|&s| s != owner) {
            let (to, validate) = match env.params.flood_back {
                FloodBack::Sender => (sender, None),
                FloodBack::Owner => (owner, Some(x)),
            };
            self.flood(to, local, Box::new([self.me]), validate, reason, env, out);
        }
    }

    /// Sends a FLOOD of `entry` with the D flag clear, retransmitted until
    /// acknowledged (§3.2.5.11); `validate` is the recipient's ID, if known.
    #[allow(clippy::too_many_arguments)]
    fn flood(
        &mut self,
        to: HostIx,
        entry: IdIx,
        flooded: Box<[HostIx]>,
        validate: Option<IdIx>,
        reason: Reason,
        env: &mut Env,
        out: &mut Outbox,
    ) {
        let body = Body::Flood {
            entry,
            ack: true,
            flooded,
            replaces: None,
            validate,
        };
        self.requests
            .send(env, out, to, body, reason, Purpose::Flood);
    }

    /// A revoke: drop X and pass the revoke outward, away from X, while we
    /// held it (§3.1.5.5, §4.3).
    pub(super) fn on_revoke(
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
                validate: Some(n),
            };
            self.requests
                .send(env, out, to, body, reason, Purpose::Flood);
        }
    }
}
