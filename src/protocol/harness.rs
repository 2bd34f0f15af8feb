//! A protocol test driver: real [`Node`]s, a FIFO network with chosen
//! per-link delays, a manual clock, and the real messages and timers — no
//! `Simulation`, no workload, no accounting.
//!
//! In the style of quinn-proto's `Pair` test driver: a test creates a few
//! hosts with the IDs it chooses, bootstraps them (a full synchronisation
//! from seeds, or [`Harness::settle`] for members of an established cloud),
//! then steps the world one event at a time or runs it to a time, and
//! inspects the nodes' caches and leaf sets and every datagram that went on
//! the wire. A host's address is its [`HostIx`].
//!
//! **Why its own driver.** Through a whole `Simulation`, a procedure is seen
//! only through cloud-wide averages, mixed with churn, workload and random
//! delays. Here a test fixes the topology, and each procedure is seen
//! message by message, so a test can assert what [MS-PNRP] says each step
//! does.
//!
//! The network delivers every datagram after its link's delay, in order per
//! link, unless the recipient is down or deafened ([`Harness::deafen`]):
//! losses are chosen by the test, never random. Like the simulation, a host
//! that goes down retires its IDs in the table ([`IdTable::retire`]), and
//! its timers die with it.
//!
//! Maintenance (split detection, cache balancing) runs as in the
//! simulation; [`Harness::without_maintenance`] switches its timer off, so
//! that a test of another procedure sees that procedure's messages alone.

use super::cache::Cache;
use super::env::{Env, Params};
use super::id::{HostIx, IdIx, IdTable, U256};
use super::message::{Message, MsgType, Reason};
use super::node::Node;
use super::outbox::{Caller, Outbox, ResolveOutcome, Timer};
use crate::engine::{EventQueue, Rng, SimDuration, SimTime};
use rand::SeedableRng;
use std::collections::BTreeMap;

mod procedures;

/// What became of a datagram.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Fate {
    InFlight,
    Delivered(SimTime),
    /// The recipient was down or deafened when it arrived.
    Dropped,
}

/// One datagram put on the wire.
#[derive(Clone, Debug)]
pub struct Datagram {
    pub sent: SimTime,
    pub from: HostIx,
    pub to: HostIx,
    pub msg: Message,
    /// PNRP payload bytes.
    pub size: u32,
    pub fate: Fate,
}

impl Datagram {
    pub fn ty(&self) -> MsgType {
        self.msg.msg_type()
    }

    /// The activity the message is sent for (its accounting reason).
    pub fn reason(&self) -> Reason {
        self.msg.reason
    }

    pub fn delivered(&self) -> bool {
        matches!(self.fate, Fate::Delivered(_))
    }
}

/// How much of the cloud each member of [`Harness::cloud`] knows.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Knowledge {
    /// Every other member.
    All,
    /// Its true leaf sets only: the `leaf_per_side` nearest IDs each side.
    LeafSets,
}

#[derive(Debug)]
enum Event {
    /// Delivers datagram `log[i]`.
    Deliver(usize),
    Timer {
        host: HostIx,
        epoch: u32,
        timer: Timer,
    },
}

struct Host {
    node: Node,
    up: bool,
    deaf: bool,
    /// Incarnation: timers of an earlier one are ignored.
    epoch: u32,
}

/// N nodes on a FIFO network with a manual clock.
pub struct Harness {
    pub params: Params,
    pub ids: IdTable,
    hosts: Vec<Host>,
    queue: EventQueue<Event>,
    rng: Rng,
    delay: SimDuration,
    links: BTreeMap<(HostIx, HostIx), SimDuration>,
    /// When the last datagram on each link arrives: none overtakes it.
    last_arrival: BTreeMap<(HostIx, HostIx), SimTime>,
    maintenance: bool,
    log: Vec<Datagram>,
    resolved: Vec<(HostIx, ResolveOutcome)>,
}

/// The `k`-th of `n` IDs spread evenly over the ring (a P2P ID of
/// `k · 2^128 / n`, service location 0).
pub fn ring_id(k: u64, n: u64) -> U256 {
    U256::from_parts(u128::MAX / u128::from(n) * u128::from(k), 0)
}

impl Default for Harness {
    /// An empty network with the [MS-PNRP] parameters ([`Params::default`]).
    fn default() -> Harness {
        Harness::with_params(Params::default())
    }
}

impl Harness {
    /// An empty network with 10 ms links and maintenance on.
    pub fn with_params(params: Params) -> Harness {
        Harness {
            params,
            ids: IdTable::default(),
            hosts: Vec::new(),
            queue: EventQueue::new(),
            rng: Rng::seed_from_u64(1),
            delay: SimDuration::from_millis(10),
            links: BTreeMap::new(),
            last_arrival: BTreeMap::new(),
            maintenance: true,
            log: Vec::new(),
            resolved: Vec::new(),
        }
    }

    /// Switches the maintenance timer off (see the module doc).
    pub fn without_maintenance(mut self) -> Harness {
        self.maintenance = false;
        self
    }

    // ----- building the cloud ----------------------------------------------

    /// A new host, not yet running; its address is the returned index.
    pub fn add_host(&mut self) -> HostIx {
        let h = HostIx(self.hosts.len() as u32);
        self.hosts.push(Host {
            node: Node::new(h),
            up: false,
            deaf: false,
            epoch: 0,
        });
        h
    }

    /// Enters PNRP ID `id` of `host` in the ID table (it is not registered
    /// until [`Harness::register`] or [`Harness::settle`]).
    pub fn new_id(&mut self, host: HostIx, id: U256) -> IdIx {
        self.ids.insert(id, host)
    }

    /// Starts `host` (a new incarnation, with an empty cache) with its IDs
    /// `locals`, and has it synchronise with `seeds` (previously known
    /// hosts, multicast answers or a seed server: the node does not tell
    /// them apart). The IDs are registered once the cache is synchronised,
    /// and the SOLICITs carry a route entry since there are some.
    pub fn join(&mut self, host: HostIx, locals: &[IdIx], seeds: &[HostIx]) {
        let h = &mut self.hosts[host.0 as usize];
        h.node = Node::new(host);
        h.up = true;
        h.epoch += 1;
        for &ix in locals {
            self.register(host, ix);
        }
        let seeds = seeds.to_vec();
        self.react(host, |node, env, out| node.join(seeds, env, out));
    }

    /// Registers `ix` on running `host` (a name registration: resolve of
    /// ID + 1, §3.2.4.1), first refreshed one refresh interval on.
    pub fn register(&mut self, host: HostIx, ix: IdIx) {
        let first_refresh = self.params.refresh_interval;
        self.react(host, |node, env, out| {
            node.register(ix, Reason::Registration, first_refresh, env, out)
        });
    }

    /// Makes `host` a member of an established cloud without a message:
    /// running, synchronised, owning `locals` and caching `known`.
    pub fn settle(&mut self, host: HostIx, locals: &[IdIx], known: &[IdIx]) {
        self.join(host, &[], &[]);
        let h = &mut self.hosts[host.0 as usize];
        for &l in locals {
            h.node.cache.add_local(l, &self.ids, &self.params.cache);
        }
        for &k in known {
            h.node.cache.insert(k, &self.ids, &self.params.cache);
        }
    }

    /// An established cloud: one settled host per ID of `ids`, knowing the
    /// others as `knowledge` says. Returns the hosts and their IDs.
    pub fn cloud(&mut self, ids: &[U256], knowledge: Knowledge) -> Vec<(HostIx, IdIx)> {
        let members: Vec<(HostIx, IdIx)> = ids
            .iter()
            .map(|&id| {
                let h = self.add_host();
                (h, self.new_id(h, id))
            })
            .collect();
        let mut sorted: Vec<IdIx> = members.iter().map(|&(_, ix)| ix).collect();
        sorted.sort_by_key(|&ix| self.ids.id(ix));
        let n = sorted.len();
        let side = self.params.cache.leaf_per_side;
        for &(h, ix) in &members {
            let at = sorted.iter().position(|&s| s == ix).expect("member");
            let known: Vec<IdIx> = match knowledge {
                Knowledge::All => sorted.iter().copied().filter(|&s| s != ix).collect(),
                Knowledge::LeafSets => (1..=side.min(n / 2))
                    .flat_map(|k| [sorted[(at + k) % n], sorted[(at + n - k) % n]])
                    .collect(),
            };
            self.settle(h, &[ix], &known);
        }
        members
    }

    // ----- what happens to hosts and links ----------------------------------

    /// `host` unregisters its IDs cleanly (revoke, §3.2.4.2) and stops.
    pub fn leave(&mut self, host: HostIx) {
        self.react(host, |node, env, out| node.leave_gracefully(env, out));
        self.crash(host);
    }

    /// `host` stops without a word; its IDs are retired.
    pub fn crash(&mut self, host: HostIx) {
        for &l in self.hosts[host.0 as usize].node.cache.locals() {
            self.ids.retire(l);
        }
        let h = &mut self.hosts[host.0 as usize];
        h.up = false;
        h.epoch += 1;
    }

    /// While `deaf`, every datagram that reaches `host` is lost (the host
    /// keeps running and sending).
    pub fn deafen(&mut self, host: HostIx, deaf: bool) {
        self.hosts[host.0 as usize].deaf = deaf;
    }

    /// Sets the one-way delay of datagrams from `from` to `to`.
    pub fn set_delay(&mut self, from: HostIx, to: HostIx, delay: SimDuration) {
        self.links.insert((from, to), delay);
    }

    /// Sets the delay of every link without its own.
    pub fn set_default_delay(&mut self, delay: SimDuration) {
        self.delay = delay;
    }

    /// `host`'s addresses change (§3.2.7.2).
    pub fn change_address(&mut self, host: HostIx) {
        self.react(host, |node, env, out| node.change_address(env, out));
    }

    /// An application on `host` resolves the peer name `name` (its P2P ID).
    pub fn resolve_name(&mut self, host: HostIx, name: u128) {
        self.react(host, |node, env, out| {
            node.resolve_name(name, Caller::Application, env, out)
        });
    }

    // ----- the clock --------------------------------------------------------

    pub fn now(&self) -> SimTime {
        self.queue.now()
    }

    /// Handles the next event; false if there is none.
    pub fn step(&mut self) -> bool {
        self.step_until(SimTime(u64::MAX))
    }

    fn step_until(&mut self, until: SimTime) -> bool {
        let Some((_, event)) = self.queue.pop_until(until) else {
            return false;
        };
        match event {
            Event::Deliver(i) => self.deliver(i),
            Event::Timer { host, epoch, timer } => {
                let h = &self.hosts[host.0 as usize];
                let live = h.up && h.epoch == epoch;
                if live && (self.maintenance || timer != Timer::Maintenance) {
                    self.react(host, |node, env, out| node.on_timer(timer, env, out));
                }
            }
        }
        true
    }

    /// Handles every event due up to `t`, then sets the clock to `t`.
    pub fn run_until(&mut self, t: SimTime) {
        while self.step_until(t) {}
        self.queue.advance_to(t);
    }

    pub fn run_for(&mut self, d: SimDuration) {
        self.run_until(self.now() + d);
    }

    // ----- inspection -------------------------------------------------------

    pub fn node(&self, host: HostIx) -> &Node {
        &self.hosts[host.0 as usize].node
    }

    pub fn cache(&self, host: HostIx) -> &Cache {
        &self.node(host).cache
    }

    /// The leaf set of `host`'s local ID `local`: below (nearest first),
    /// then above.
    pub fn leaf_set(&self, host: HostIx, local: IdIx) -> (Vec<IdIx>, Vec<IdIx>) {
        self.cache(host)
            .leaf_set(local, &self.ids, &self.params.cache)
    }

    /// Whether `ix` is in a leaf set of one of `host`'s local IDs.
    pub fn in_leaf_set(&self, host: HostIx, ix: IdIx) -> bool {
        self.cache(host).locals().iter().any(|&l| {
            let (below, above) = self.leaf_set(host, l);
            below.contains(&ix) || above.contains(&ix)
        })
    }

    /// What the leaf set of `local` should be: the `leaf_per_side` nearest
    /// registered IDs of other running hosts on each side, as
    /// [`Harness::leaf_set`] orders them.
    pub fn true_leaf_set(&self, local: IdIx) -> (Vec<IdIx>, Vec<IdIx>) {
        let owner = self.ids.owner(local);
        let mut live: Vec<IdIx> = self
            .hosts
            .iter()
            .filter(|h| h.up)
            .flat_map(|h| h.node.cache.locals().iter().copied())
            .chain([local])
            .collect();
        live.sort_by_key(|&ix| self.ids.id(ix));
        live.dedup();
        let n = live.len();
        let at = live.iter().position(|&l| l == local).expect("local");
        let side = |step: usize| -> Vec<IdIx> {
            (1..n)
                .map(|k| live[(at + k * step) % n])
                .filter(|&ix| self.ids.owner(ix) != owner)
                .take(self.params.cache.leaf_per_side)
                .collect()
        };
        (side(n - 1), side(1))
    }

    /// Every datagram put on the wire so far, in sending order.
    pub fn datagrams(&self) -> &[Datagram] {
        &self.log
    }

    /// The datagrams of type `ty` so far.
    pub fn sent(&self, ty: MsgType) -> impl Iterator<Item = &Datagram> + '_ {
        self.log.iter().filter(move |d| d.ty() == ty)
    }

    /// Application resolves that ended, with the host that made each.
    pub fn resolved(&self) -> &[(HostIx, ResolveOutcome)] {
        &self.resolved
    }

    // ----- the glue ---------------------------------------------------------

    /// Runs one reaction of `host` and carries out its outbox.
    fn react(&mut self, host: HostIx, f: impl FnOnce(&mut Node, &mut Env, &mut Outbox)) {
        let now = self.now();
        let mut out = Outbox::default();
        let h = &mut self.hosts[host.0 as usize];
        let mut env = Env {
            now,
            ids: &self.ids,
            params: &self.params,
            rng: &mut self.rng,
        };
        f(&mut h.node, &mut env, &mut out);
        let epoch = h.epoch;
        for (to, msg) in out.sends {
            self.transmit(host, to, msg);
        }
        for (after, timer) in out.timers {
            let event = Event::Timer { host, epoch, timer };
            self.queue.schedule(now + after, event);
        }
        self.resolved
            .extend(out.resolved.into_iter().map(|o| (host, o)));
    }

    fn transmit(&mut self, from: HostIx, to: HostIx, msg: Message) {
        let now = self.now();
        let delay = self.links.get(&(from, to)).copied().unwrap_or(self.delay);
        let last = self.last_arrival.entry((from, to)).or_default();
        let arrives = (now + delay).max(*last);
        *last = arrives;
        let (_, size) = msg.wire_size(from, to, &self.params.sizes);
        self.queue.schedule(arrives, Event::Deliver(self.log.len()));
        self.log.push(Datagram {
            sent: now,
            from,
            to,
            msg,
            size,
            fate: Fate::InFlight,
        });
    }

    fn deliver(&mut self, i: usize) {
        let d = &mut self.log[i];
        let h = &self.hosts[d.to.0 as usize];
        if !h.up || h.deaf {
            d.fate = Fate::Dropped;
            return;
        }
        d.fate = Fate::Delivered(self.queue.now());
        let (from, to, msg) = (d.from, d.to, d.msg.clone());
        self.react(to, |node, env, out| node.on_message(from, msg, env, out));
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// The network itself: each link has its own delay, the others the
    /// default, and no datagram overtakes an earlier one on its link even
    /// when the link gets faster meanwhile.
    #[test]
    fn links_have_their_own_delays_and_stay_fifo() {
        let mut h = Harness::default().without_maintenance();
        let (a, b) = (h.add_host(), h.add_host());
        let b_id = h.new_id(b, ring_id(1, 2));
        h.settle(a, &[], &[b_id]);
        h.settle(b, &[b_id], &[]);
        let slow = SimDuration::from_secs(5);
        h.set_delay(a, b, slow);
        h.set_default_delay(SimDuration::from_millis(20));
        h.resolve_name(a, 1 << 127);
        let t0 = h.now();
        // The LOOKUP is out on the slow link; then the link speeds up.
        h.set_delay(a, b, SimDuration::from_millis(1));
        while h.sent(MsgType::Lookup).count() < 2 {
            assert!(h.step());
        }
        assert_eq!(
            h.now(),
            t0 + SimDuration::from_secs(1),
            "retransmitted at 1 s"
        );
        h.run_for(SimDuration::from_secs(10));

        let arrivals: Vec<Fate> = h.sent(MsgType::Lookup).map(|d| d.fate).collect();
        assert_eq!(arrivals.len(), 2, "sent once and retransmitted once");
        // The first arrives after the slow delay; the retransmissions,
        // sent later on a fast link, arrive with it and not before.
        assert!(arrivals.iter().all(|&f| f == Fate::Delivered(t0 + slow)));
        let reply = h.sent(MsgType::Authority).next().expect("b answers");
        assert_eq!(
            reply.fate,
            Fate::Delivered(t0 + slow + SimDuration::from_millis(20))
        );
    }
}
