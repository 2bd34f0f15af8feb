//! A node's requests awaiting a reply: why each was sent, and its
//! retransmission (§3.1.6.3).
//!
//! Every procedure (synchronisation, resolution, validation, floods) sends
//! its requests through [`Requests`], so a reply is matched to what it
//! answers by transaction number and sender alone.

use super::env::Env;
use super::id::{HostIx, IdIx};
use super::message::{Body, Message, Reason};
use super::outbox::{Outbox, Timer};

/// Why a request is pending, i.e. what to do with its reply or its failure.
#[derive(Clone, Debug)]
pub(super) enum Purpose {
    /// A LOOKUP of resolve `resolve` sent to the owner of `via` (unknown for
    /// the first hop of a split detection, which starts at a seed host).
    Lookup {
        resolve: u32,
        via: Option<IdIx>,
    },
    /// The closing INQUIRE of an application resolve.
    Fetch {
        resolve: u32,
    },
    /// Return-routability check of a route entry before caching it
    /// (§3.1.5.11).
    Validate(Learnt),
    Solicit,
    Request,
    /// An acknowledged FLOOD or revoke: a timeout or an ACK with the N flag
    /// removes the entry of its Validate PNRP ID (§3.2.6.3, §3.1.5.4).
    Flood,
}

/// A route entry learnt from a message, awaiting its validation.
#[derive(Clone, Debug)]
pub(super) struct Learnt {
    pub entry: IdIx,
    /// The FLOOD it came in, if it came in one.
    pub flood: Option<FloodOrigin>,
}

/// The FLOOD a route entry arrived in, which decides what a host does once
/// the entry is validated and enters a leaf set (§3.2.5.11).
#[derive(Clone, Debug)]
pub(super) struct FloodOrigin {
    /// The FLOOD's sender, to whom the host floods its own entry back when
    /// the sender is not the entry's owner.
    pub from: HostIx,
    /// The Already Flooded List (empty for a synchronisation FLOOD).
    pub flooded: Box<[HostIx]>,
    /// D flag clear: part of a leaf-set cascade, which goes on only while
    /// the entry falls in a leaf set. A synchronisation FLOOD (D set)
    /// offers an ordinary cache entry.
    pub cascade: bool,
}

/// One request awaiting its reply.
#[derive(Clone, Debug)]
pub(super) struct Pending {
    txn: u32,
    pub to: HostIx,
    pub msg: Message,
    sends: u32,
    pub purpose: Purpose,
}

/// The requests a node has outstanding.
#[derive(Debug, Default)]
pub(super) struct Requests {
    pending: Vec<Pending>,
    next_txn: u32,
}

/// Removes `v[i]` (moving the last item into its place), and gives the
/// memory back once the list is empty: a host's requests and resolves come
/// in bursts (joining, flood cascades) and most hosts have none outstanding
/// most of the time, so keeping every burst's capacity would cost more
/// memory than the host's cache.
pub(super) fn take_at<T>(v: &mut Vec<T>, i: usize) -> T {
    let item = v.swap_remove(i);
    if v.is_empty() {
        *v = Vec::new();
    }
    item
}

impl Requests {
    /// Starts loading what matching a reply reads first.
    pub fn prefetch(&self) {
        crate::engine::prefetch(self.pending.as_ptr());
    }

    fn txn(&mut self) -> u32 {
        self.next_txn = self.next_txn.wrapping_add(1).max(1);
        self.next_txn
    }

    /// Sends a request that expects a reply and arms its retransmission.
    pub fn send(
        &mut self,
        env: &Env,
        out: &mut Outbox,
        to: HostIx,
        body: Body,
        reason: Reason,
        purpose: Purpose,
    ) {
        let txn = self.txn();
        let msg = Message::new(body, reason, txn);
        out.sends.push((to, msg.clone()));
        out.timers
            .push((env.params.retransmit_timeout, Timer::Retransmit { txn }));
        self.pending.push(Pending {
            txn,
            to,
            msg,
            sends: 1,
            purpose,
        });
    }

    /// The request that a reply from `from` with `txn` answers, if any.
    pub fn take(&mut self, txn: u32, from: HostIx) -> Option<Pending> {
        let i = self
            .pending
            .iter()
            .position(|p| p.txn == txn && p.to == from)?;
        Some(take_at(&mut self.pending, i))
    }

    /// Sends an INQUIRE about `entry` to its owner (asking for the CPA when
    /// `cpa`): a return-routability check or a resolve's closing INQUIRE.
    #[allow(clippy::too_many_arguments)]
    pub fn inquire(
        &mut self,
        env: &Env,
        out: &mut Outbox,
        entry: IdIx,
        cpa: bool,
        reason: Reason,
        purpose: Purpose,
    ) {
        let owner = env.ids.owner(entry);
        let body = Body::Inquire { entry, cpa };
        self.send(env, out, owner, body, reason, purpose);
    }

    /// Whether an INQUIRE validating `x` is already out.
    pub fn validating(&self, x: IdIx) -> bool {
        self.pending
            .iter()
            .any(|p| matches!(&p.purpose, Purpose::Validate(l) if l.entry == x))
    }

    /// Whether any INQUIRE validating a route entry is out.
    pub fn validating_any(&self) -> bool {
        self.pending
            .iter()
            .any(|p| matches!(p.purpose, Purpose::Validate(_)))
    }

    /// The retransmission timer of request `txn` (§3.1.6.3): each expiry
    /// decrements the Retry Count, and the request is resent while the count
    /// is non-zero, so it goes out `retries` times in all; then it is given
    /// up and returned, so that its procedure can move on. Nothing happens
    /// if it was answered meanwhile.
    pub fn on_timer(&mut self, txn: u32, env: &Env, out: &mut Outbox) -> Option<Pending> {
        let i = self.pending.iter().position(|p| p.txn == txn)?;
        if self.pending[i].sends < env.params.retries {
            let p = &mut self.pending[i];
            p.sends += 1;
            out.sends.push((p.to, p.msg.clone()));
            out.timers
                .push((env.params.retransmit_timeout, Timer::Retransmit { txn }));
            return None;
        }
        Some(take_at(&mut self.pending, i))
    }
}
