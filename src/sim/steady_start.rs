//! The steady start (`hosts.start = "steady"`): the state a long-lived
//! cloud holds, installed at the first instant of the run.
//!
//! This is a construct of the scenario, not knowledge of any node: it
//! reads the whole cloud (every live ID) to give each host what the
//! protocol would have given it by now, and hands the result to
//! [`Node::settled_cache`] and [`Node::settled`]. What it installs, and
//! what it assumes, is the "Steady-state start" section of docs/model.md:
//!
//! - churn in its stationary state ([`SteadyChurn`]): the long-run share of
//!   hosts online, each with its residual session, the others with their
//!   residual downtime;
//! - every online host's IDs registered and published;
//! - exact leaf sets: the `leaf_per_side` nearest live IDs on each side of
//!   each local ID;
//! - each cache level filled from its band as cache balancing keeps it:
//!   `capacity` entries spread evenly over the part of the ring that is the
//!   level's own (its band without the next level's), down to the deepest:
//!   the level whose next band holds no more than the leaf set (the cache
//!   opens a level only when one overflows with an entry that belongs
//!   deeper and is no leaf), spread over its whole band, or the level whose
//!   band holds no more IDs than one level keeps, which takes them all.
//!   With several local IDs, an ID is offered only at the level it is
//!   given for: the cache files it under its nearest local ID, so one that
//!   another local ID is nearer to belongs to that ID's levels (offered
//!   anyway, it crowded that ID's deeper band and opened levels a natural
//!   cache does not). Entries go in through [`Cache::insert`](crate::protocol::cache::Cache::insert),
//!   so the cache's own rules (merged bands, eviction) decide what stays;
//! - timers at random phases: maintenance uniform over one period, each
//!   ID's refresh uniform over one refresh interval, application resolves
//!   and address changes (memoryless) as for any online host.
//!
//! Only reachable hosts' IDs are installed in caches: a firewalled host's
//! IDs fail the return-routability check, so no cache holds them.

use super::{Event, Simulation};
use crate::engine::{Rng, SimDuration, SimTime};
use crate::protocol::cache::Cache;
use crate::protocol::id::{HostIx, IdIx, U256, pnrp_id};
use crate::protocol::node::{Node, Outbox};
use crate::workload::steady::{Phase, SteadyChurn};
use rand::Rng as _;
use rayon::prelude::*;

/// Hosts whose caches are built together, in parallel, before their
/// random draws: large enough to keep both cores busy, small enough that
/// the caches waiting for their host hold little memory.
const SETTLE_CHUNK: usize = 4096;

/// Every live reachable ID, sorted: the ring the builder reads.
struct Ring {
    ids: Vec<(U256, IdIx)>,
}

impl Ring {
    /// Number of IDs at positions `at`, `at + 1`, … (clockwise) whose
    /// clockwise distance from `from` is below `limit`.
    fn clockwise_within(&self, from: U256, at: usize, limit: U256) -> usize {
        let n = self.ids.len();
        let (mut lo, mut hi) = (0, n);
        while lo < hi {
            let mid = (lo + hi) / 2;
            if from.clockwise_to(self.ids[(at + mid) % n].0) < limit {
                lo = mid + 1;
            } else {
                hi = mid;
            }
        }
        lo
    }

    /// Likewise counter-clockwise from position `at − 1`.
    fn counter_within(&self, from: U256, at: usize, limit: U256) -> usize {
        let n = self.ids.len();
        let (mut lo, mut hi) = (0, n);
        while lo < hi {
            let mid = (lo + hi) / 2;
            if self.ids[(at + n - 1 - mid) % n].0.clockwise_to(from) < limit {
                lo = mid + 1;
            } else {
                hi = mid;
            }
        }
        lo
    }

    /// The `k`-th ID clockwise (`k ≥ 0`) or counter-clockwise from `at`.
    fn step(&self, at: usize, clockwise: bool, k: usize) -> IdIx {
        self.step_at(at, clockwise, k).1
    }

    /// Likewise, with the ID itself.
    fn step_at(&self, at: usize, clockwise: bool, k: usize) -> (U256, IdIx) {
        let n = self.ids.len();
        let pos = if clockwise {
            (at + k) % n
        } else {
            (at + n - 1 - k % n) % n
        };
        self.ids[pos]
    }

    /// The route entries a long-lived host with local ID `id` holds for
    /// it: its leaf set, then each level's spread, appended to `out`.
    fn entries_for(
        &self,
        id: U256,
        locals: &[U256],
        leaf: usize,
        capacity: usize,
        ratio: u32,
        out: &mut Vec<IdIx>,
    ) {
        let n = self.ids.len();
        if n == 0 {
            return;
        }
        let at = self.ids.partition_point(|&(x, _)| x < id);
        // The ID itself (ours) is skipped by the cache; one more covers it.
        for k in 0..=leaf.min(n) {
            out.push(self.step(at, true, k));
            out.push(self.step(at, false, k));
        }
        let mut half = U256::HALF;
        let mut band = (
            self.clockwise_within(id, at, half),
            self.counter_within(id, at, half),
        );
        loop {
            let inner_half = half.div_u64(u64::from(ratio));
            // An entry nearer to another local ID sits in that ID's band,
            // at the level its distance from that ID gives: only that
            // ID's own levels may hold it.
            let nearest_is_ours = |x: U256| {
                let d = id.ring_distance(x);
                locals.iter().all(|&l| l.ring_distance(x) >= d)
            };
            if band.0 + band.1 <= capacity + 2 * (leaf + 1) || inner_half == U256::ZERO {
                // A band that fits in one level: it keeps every ID.
                out.extend(
                    (0..band.0)
                        .map(|k| self.step_at(at, true, k))
                        .chain((0..band.1).map(|k| self.step_at(at, false, k)))
                        .filter(|&(x, _)| nearest_is_ours(x))
                        .map(|(_, ix)| ix),
                );
                return;
            }
            let inner = (
                self.clockwise_within(id, at, inner_half),
                self.counter_within(id, at, inner_half),
            );
            // A level opens below this one only once this one overflows
            // with an entry that belongs deeper, outside the leaf set: if
            // the next band holds no more than the leaf set, this is the
            // deepest level, spread over its whole band.
            let deepest = inner.0 + inner.1 <= 2 * (leaf + 1);
            let skip = if deepest { (0, 0) } else { inner };
            // The level's own part of the band, both sides read as one
            // sequence, sampled at `capacity` evenly spaced places (the
            // IDs are uniform on the ring, so even in rank is even in ID).
            let (cw, ccw) = (band.0 - skip.0, band.1 - skip.1);
            let own = cw + ccw;
            let take = capacity.min(own);
            for j in 0..take {
                let t = (j * own + own / 2) / take;
                let (x, ix) = if t < cw {
                    self.step_at(at, true, skip.0 + t)
                } else {
                    self.step_at(at, false, skip.1 + (t - cw))
                };
                // This level's own part: no local ID is as near as the
                // next level's band, or (the deepest) this ID is nearest.
                let kept = if deepest {
                    nearest_is_ours(x)
                } else {
                    locals.iter().all(|&l| l.ring_distance(x) >= inner_half)
                };
                if kept {
                    out.push(ix);
                }
            }
            if deepest {
                return;
            }
            band = inner;
            half = inner_half;
        }
    }
}

impl Simulation<'_> {
    /// Installs the steady start (see the module documentation).
    pub(super) fn start_steady(&mut self, rng: &mut Rng) -> anyhow::Result<()> {
        let c = &self.scenario.churn;
        let steady = SteadyChurn::new(c.enabled.then_some((&c.session, &c.downtime)))?;
        // Only the hosts present at the start: a timeline's flash crowd joins later.
        let present = self.scenario.hosts.count as usize;
        let phases: Vec<Phase> = (0..present).map(|_| steady.draw(rng)).collect();
        // Every online host's IDs, registered long ago.
        let mut locals: Vec<Vec<IdIx>> = vec![Vec::new(); self.hosts.len()];
        let mut ring = Ring { ids: Vec::new() };
        for (h, phase) in phases.iter().enumerate() {
            let host = &mut self.hosts[h];
            host.epoch = 1;
            match *phase {
                Phase::Offline(back) => {
                    self.queue.schedule(
                        SimTime::ZERO + back,
                        Event::Online {
                            host: HostIx(h as u32),
                        },
                    );
                    continue;
                }
                Phase::Online(_) => host.online = true,
            }
            for &name in &host.names {
                let id = pnrp_id(
                    self.plan.catalogue[name as usize],
                    host.prefix,
                    rng.random(),
                );
                let ix = self.ids.insert(id, HostIx(h as u32));
                locals[h].push(ix);
                if !host.firewalled {
                    ring.ids.push((id, ix));
                }
            }
            self.resolves.published(&host.names);
            if !host.firewalled {
                self.seed_server.add(HostIx(h as u32));
            }
        }
        ring.ids.sort_unstable();
        let p = self.params.cache;
        let maintenance = self.params.maintenance_period.0.max(1);
        let refresh = self.params.refresh_interval.0.max(1);
        let mut out = Outbox::default();
        let online: Vec<(usize, Option<SimDuration>)> = phases
            .iter()
            .enumerate()
            .filter_map(|(h, phase)| match *phase {
                Phase::Online(session) => Some((h, session)),
                Phase::Offline(_) => None,
            })
            .collect();
        for chunk in online.chunks(SETTLE_CHUNK) {
            // The caches draw nothing at random: built on every core, they
            // are the same for any number of threads, and the draws below
            // keep their order.
            let (ids, ring, locals) = (&self.ids, &ring, &locals);
            let mut caches: Vec<Cache> = chunk
                .par_iter()
                .map_init(Vec::new, |entries, &(h, _)| {
                    entries.clear();
                    let mine: Vec<U256> = locals[h].iter().map(|&ix| ids.id(ix)).collect();
                    for &id in &mine {
                        ring.entries_for(
                            id,
                            &mine,
                            p.leaf_per_side,
                            p.capacity,
                            p.span_ratio,
                            entries,
                        );
                    }
                    Node::settled_cache(&locals[h], entries, ids, &p)
                })
                .collect();
            for (&(h, session), cache) in chunk.iter().zip(caches.drain(..)) {
                self.settle_host(
                    (h, session),
                    cache,
                    &locals[h],
                    (maintenance, refresh),
                    rng,
                    &mut out,
                );
            }
        }
        Ok(())
    }

    /// Gives online host `h` its settled node holding `cache`, with its
    /// timers at random phases (maintenance and refresh periods, in
    /// simulated time units), and schedules the rest of its life, ending
    /// after `session` if it ends.
    fn settle_host(
        &mut self,
        (h, session): (usize, Option<SimDuration>),
        cache: Cache,
        locals: &[IdIx],
        (maintenance, refresh): (u64, u64),
        rng: &mut Rng,
        out: &mut Outbox,
    ) {
        let host = HostIx(h as u32);
        let seeds = self.seed_server.seeds_for(host, rng);
        let own: Vec<(IdIx, SimDuration)> = locals
            .iter()
            .map(|&ix| (ix, SimDuration(rng.random_range(1..=refresh))))
            .collect();
        let maintenance_in = SimDuration(rng.random_range(0..maintenance));
        out.clear();
        self.hosts[h].node = Node::settled(host, seeds, cache, &own, maintenance_in, out);
        for (after, timer) in out.timers.drain(..) {
            self.queue.schedule(
                SimTime::ZERO + after,
                Event::Timer {
                    host,
                    epoch: 1,
                    timer,
                },
            );
        }
        if let Some(left) = session {
            self.queue
                .schedule(SimTime::ZERO + left, Event::Offline { host, epoch: 1 });
        }
        self.schedule_resolve(SimTime::ZERO, host, 1);
        self.schedule_address_change(SimTime::ZERO, host, 1);
        // Peer groups are not installed settled: their members open
        // their graphs as at a join, which the warm-up absorbs.
        self.graph_online(SimTime::ZERO, host);
    }
}
