//! Cache synchronisation of a joining host (§3.1.4.2, §3.1.4.3, §3.2.5.3,
//! §3.1.5.3, §3.2.5.4): SOLICIT → ADVERTISE → REQUEST → ACK and one FLOOD
//! with the D flag set per requested ID, whose route entries are validated
//! like any other before they are cached (§3.1.5.5).
//!
//! The host synchronises before it resolves (§4.1.2): its registrations
//! wait until a synchronised entry is cached, or until every conversation
//! has ended without one.

use super::Node;
use crate::protocol::env::Env;
use crate::protocol::id::{HostIx, IdIx};
use crate::protocol::message::{Body, IdList, Reason};
use crate::protocol::outbox::Outbox;
use crate::protocol::requests::{FloodOrigin, Learnt, Purpose};

impl Node {
    /// Opens a synchronisation conversation with each of the first
    /// `sync_peers` hosts the node was given (§3.1.4.2: every previously
    /// known host; note <2>: Windows takes the 10 most recently used). Each
    /// SOLICIT carries one of the host's route entries when it has one.
    pub(super) fn synchronise(&mut self, env: &mut Env, out: &mut Outbox) {
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
        let carried = self.cache.locals().first().copied();
        for peer in peers {
            self.sync_outstanding += 1;
            self.requests.send(
                env,
                out,
                peer,
                Body::Solicit { carried },
                Reason::Join,
                Purpose::Solicit,
            );
        }
    }

    /// A SOLICIT: advertise five IDs spread over the ring, and validate the
    /// solicitor's route entry (§3.2.5.3, a SHOULD).
    pub(super) fn on_solicit(
        &mut self,
        from: HostIx,
        carried: Option<IdIx>,
        reason: Reason,
        txn: u32,
        env: &mut Env,
        out: &mut Outbox,
    ) {
        let ids = self.advertisement(env);
        out.send(from, Body::Advertise { ids }, reason, txn);
        if let Some(entry) = carried {
            self.submit(Learnt { entry, flood: None }, reason, env, out);
        }
    }

    /// An ADVERTISE answering our SOLICIT: REQUEST every offered ID we do
    /// not know (§3.1.5.3).
    pub(super) fn on_advertise(
        &mut self,
        from: HostIx,
        ids: IdList,
        reason: Reason,
        txn: u32,
        env: &mut Env,
        out: &mut Outbox,
    ) {
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
            self.conversation_ended(0, env, out);
        } else {
            self.sync_floods += wanted.len() as u32;
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

    /// A REQUEST: ACK it, then one FLOOD with the D flag set per ID
    /// (§3.2.5.4).
    pub(super) fn on_request(
        &mut self,
        from: HostIx,
        ids: IdList,
        reason: Reason,
        txn: u32,
        out: &mut Outbox,
    ) {
        out.send(from, Body::Ack { not_found: false }, reason, txn);
        for &ix in ids.as_slice() {
            let body = Body::Flood {
                entry: ix,
                ack: false,
                flooded: Box::new([]),
                replaces: None,
                validate: None,
            };
            out.send(from, body, reason, 0);
        }
    }

    /// A FLOOD with the D flag set, answering our REQUEST: its route entry
    /// is validated before it is cached (§3.1.5.5, §3.1.5.11).
    pub(super) fn on_sync_flood(
        &mut self,
        from: HostIx,
        entry: IdIx,
        reason: Reason,
        env: &mut Env,
        out: &mut Outbox,
    ) {
        self.sync_floods = self.sync_floods.saturating_sub(1);
        let origin = FloodOrigin {
            from,
            flooded: Box::new([]),
            cascade: false,
        };
        let learnt = Learnt {
            entry,
            flood: Some(origin),
        };
        self.submit(learnt, reason, env, out);
        self.sync_settled(env, out);
    }

    /// One conversation ended: it had nothing to offer, its REQUEST was
    /// acknowledged (its FLOODs follow), or it went unanswered (`lost`
    /// FLOODs will never come).
    pub(super) fn conversation_ended(&mut self, lost: u32, env: &mut Env, out: &mut Outbox) {
        self.sync_outstanding = self.sync_outstanding.saturating_sub(1);
        self.sync_floods = self.sync_floods.saturating_sub(lost);
        self.sync_settled(env, out);
    }

    /// Ends the synchronisation once the cache holds an entry, or once
    /// every conversation has ended, its FLOODs have come and no route
    /// entry awaits validation. (A FLOOD lost on the way is given up at the
    /// next maintenance timer, `Node::maintain`.)
    pub(super) fn sync_settled(&mut self, env: &mut Env, out: &mut Outbox) {
        if self.synced {
            return;
        }
        let idle =
            self.sync_outstanding == 0 && self.sync_floods == 0 && !self.requests.validating_any();
        if !self.cache.is_empty() || idle {
            self.sync_done(env, out);
        }
    }

    pub(super) fn sync_done(&mut self, env: &mut Env, out: &mut Outbox) {
        if self.synced {
            return;
        }
        self.synced = true;
        for ix in std::mem::take(&mut self.waiting) {
            self.publish(ix, Reason::Registration, env, out);
        }
    }
}
