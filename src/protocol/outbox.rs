//! What a node's reaction asks its driver to do: messages to send, timers
//! to arm, application resolves that ended.
//!
//! The node never touches the clock or the network; whoever drives it (the
//! simulation, or the protocol test harness) carries these out.

use super::id::{HostIx, IdIx};
use super::message::{Body, Message, Reason};
use crate::engine::SimDuration;

/// Timers a node arms for itself.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Timer {
    /// Check whether request `txn` was answered; resend or give up.
    Retransmit {
        txn: u32,
    },
    Maintenance,
    Refresh {
        entry: IdIx,
    },
}

/// Who asked PNRP to resolve a name: "the application or higher-layer
/// protocol" of [MS-PNRP] §3.1.4.4. Both resolves are the same procedure
/// and cost the same bytes; they answer different questions, so the
/// simulation counts their outcomes apart.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Caller {
    /// The workload's application, resolving another host's name.
    Application,
    /// The grouping layer ([MS-PPSEC] §1.3) looking for another member of
    /// its group by resolving the group's name, which it registers itself.
    Grouping,
}

/// The end of an application resolve.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct ResolveOutcome {
    pub caller: Caller,
    /// The peer name resolved (its 128-bit P2P ID): a grouping-layer
    /// caller in several groups needs to know which group's answer it is.
    pub name: u128,
    pub success: bool,
    /// LOOKUPs answered on the way.
    pub hops: u32,
    /// The host whose CPA was fetched, on success.
    pub peer: Option<HostIx>,
    pub latency: SimDuration,
}

/// What the node wants done.
#[derive(Default, Debug)]
pub struct Outbox {
    pub sends: Vec<(HostIx, Message)>,
    pub timers: Vec<(SimDuration, Timer)>,
    pub resolved: Vec<ResolveOutcome>,
}

impl Outbox {
    pub fn clear(&mut self) {
        self.sends.clear();
        self.timers.clear();
        self.resolved.clear();
    }

    /// Sends a message that expects no reply (or is one: `txn` then names
    /// the request it answers).
    pub(super) fn send(&mut self, to: HostIx, body: Body, reason: Reason, txn: u32) {
        self.sends.push((to, Message::new(body, reason, txn)));
    }
}
