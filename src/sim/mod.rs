//! The simulation glue: hosts running the PNRP state machine on the event
//! engine, talking through the network model, driven by the workload, and
//! watched by the metrics.
//!
//! This is the only place that knows all layers. The engine orders events;
//! the protocol decides what to send; the network decides when (and
//! whether) it arrives and what it costs; the workload's schedulers
//! ([`crate::workload`]) say when hosts come and go, whom they join
//! through and what they resolve; this module routes between them and
//! counts.

mod accounting;
mod groups;
mod sessions;
mod steady_start;
mod timeline;
mod truth;

use crate::engine::{EventQueue, Rng, SimDuration, SimTime, StreamSeed};
use crate::metrics::{HostMetrics, RunResult};
use crate::network::Network;
use crate::protocol::id::{HostIx, IdIx, IdTable, pnrp_id};
use crate::protocol::message::{Message, Reason};
use crate::protocol::node::{Caller, Env, Node, Outbox, Params, Timer};
use crate::scenario::{Scenario, Start};
use crate::workload::bootstrap::SeedServer;
use crate::workload::churn::{self, ChurnSchedule};
use crate::workload::names::{NamePicker, NamePlan};
use crate::workload::resolves::AppResolves;
use crate::workload::trace::TraceChurn;
use accounting::Accounting;
use rand::Rng as _;

/// Everything that can happen. Host-bound events carry the host's epoch
/// (incarnation) so that timers of a previous session are ignored.
#[derive(Debug)]
enum Event {
    Deliver {
        to: HostIx,
        from: HostIx,
        msg: Message,
        /// Sent after the warm-up: only such datagrams count as received,
        /// so that the measured period receives no more than it sent.
        measured: bool,
    },
    Timer {
        host: HostIx,
        epoch: u32,
        timer: Timer,
    },
    Online {
        host: HostIx,
    },
    Offline {
        host: HostIx,
        epoch: u32,
    },
    AppResolve {
        host: HostIx,
        epoch: u32,
    },
    AddressChange {
        host: HostIx,
        epoch: u32,
    },
    WindowEnd,
    Connectivity,
    /// Event `index` of the scenario's timeline starts, or (`end`) its
    /// window ends.
    Timeline {
        index: u32,
        end: bool,
    },
    Graph(Box<groups::GraphEvent>),
}

struct Host {
    node: Node,
    online: bool,
    epoch: u32,
    firewalled: bool,
    /// Catalogue indices of the host's names.
    names: Vec<u32>,
    /// Current /64 prefix of the host's address (service location, high half).
    prefix: u64,
    online_since: SimTime,
}

/// Sees every message as it is put on the wire: (time, sender, recipient,
/// message). Validation studies use it to follow one procedure message by
/// message (e.g. the waves of a flood cascade); runs never set one.
pub type Observer<'s> = Box<dyn FnMut(SimTime, HostIx, HostIx, &Message) + 's>;

/// A running simulation. [`run`] drives one from start to end; tests and
/// validation studies can also step it and intervene (make a host leave,
/// register a new name, watch the messages) to observe single procedures.
pub struct Simulation<'s> {
    scenario: &'s Scenario,
    params: Params,
    queue: EventQueue<Event>,
    ids: IdTable,
    hosts: Vec<Host>,
    seed_server: SeedServer,
    network: Network,
    plan: NamePlan,
    resolves: AppResolves,
    /// Absent without churn: hosts then stay online.
    churn: Option<ChurnSchedule>,
    /// `churn.trace`'s sessions, for the hosts it covers.
    trace: Option<TraceChurn>,
    rng_net: Rng,
    rng_proto: Rng,
    rng_work: Rng,
    /// The timeline's draws (who crashes, the partition's sides, arrivals),
    /// a stream of its own so that a timeline leaves the others alone.
    rng_timeline: Rng,
    acc: Accounting,
    /// Datagrams sent since the start, warm-up included.
    datagrams: u64,
    outbox: Outbox,
    warmup: SimTime,
    end: SimTime,
    observer: Option<Observer<'s>>,
    /// Peer groups of the group method; `None` under identity export.
    groups: Option<groups::Groups>,
}

/// Runs one scenario with one seed.
pub fn run(s: &Scenario, seed: StreamSeed) -> anyhow::Result<RunResult> {
    run_counted(s, seed).map(|(result, _)| result)
}

/// The work one run took, warm-up included (`--stats`, benchmarks).
#[derive(Clone, Copy, Debug, Default, PartialEq)]
pub struct Work {
    pub events: u64,
    /// Datagrams put on the wire (lost ones included).
    pub datagrams: u64,
    pub simulated_secs: f64,
}

/// Runs one scenario with one seed, and says how much work it was.
pub fn run_counted(s: &Scenario, seed: StreamSeed) -> anyhow::Result<(RunResult, Work)> {
    let mut sim = Simulation::new(s, seed)?;
    sim.run_until(sim.end);
    let work = sim.work();
    Ok((sim.finish(seed), work))
}

impl<'s> Simulation<'s> {
    /// The work done so far.
    pub fn work(&self) -> Work {
        Work {
            events: self.queue.events_processed(),
            datagrams: self.datagrams,
            simulated_secs: self.queue.now().as_secs_f64(),
        }
    }

    pub fn new(s: &'s Scenario, seed: StreamSeed) -> anyhow::Result<Simulation<'s>> {
        // Hosts of the timeline's flash crowds come after those of `hosts.count`.
        let present = s.hosts.count as usize;
        let n = present + crate::workload::timeline::joining_hosts(&s.events) as usize;
        let mut setup = seed.stream("setup");
        let plan = NamePlan::new(
            n,
            s.hosts.names_per_host as usize,
            s.hosts.shared_name_share,
            s.hosts.shared_name_hosts as usize,
            &mut setup,
        );
        let teredo: Vec<bool> = (0..n)
            .map(|_| setup.random::<f64>() < s.hosts.teredo_share)
            .collect();
        let firewalled: Vec<bool> = (0..n)
            .map(|_| setup.random::<f64>() < s.hosts.firewalled_share)
            .collect();
        let network = Network::new(&s.network, teredo.clone(), &mut setup);
        let popularity = NamePicker::new(
            s.workload.popularity,
            s.workload.zipf_exponent,
            plan.catalogue.len(),
        )?;
        let resolves = AppResolves::new(
            s.workload.resolves_per_host_per_hour,
            popularity,
            plan.catalogue.len(),
        );
        let c = &s.churn;
        let churn = c
            .enabled
            .then(|| ChurnSchedule::new(&c.session, &c.downtime, c.graceful_share))
            .transpose()?;
        let trace = match &c.trace {
            Some(path) => Some(TraceChurn::new(crate::scenario::trace_file::load(
                std::path::Path::new(path),
            )?)),
            None => None,
        };
        let hosts = (0..n)
            .map(|h| Host {
                node: Node::new(HostIx(h as u32)),
                online: false,
                epoch: 0,
                firewalled: firewalled[h],
                names: plan.per_host[h].clone(),
                prefix: setup.random(),
                online_since: SimTime::ZERO,
            })
            .collect();
        let warmup = SimTime::ZERO + s.warmup.0;
        let end = SimTime::ZERO + s.duration.0;
        let acc = Accounting::new(s, &teredo, &firewalled, warmup);
        let plan_hosts = plan.per_host.clone();
        let mut world = Simulation {
            scenario: s,
            params: s.protocol_params(),
            queue: EventQueue::new(),
            ids: IdTable::default(),
            hosts,
            seed_server: SeedServer::new(n),
            network,
            plan,
            resolves,
            churn,
            trace,
            rng_net: seed.stream("network"),
            rng_proto: seed.stream("protocol"),
            rng_work: seed.stream("workload"),
            rng_timeline: seed.stream("timeline"),
            acc,
            datagrams: 0,
            outbox: Outbox::default(),
            warmup,
            end,
            observer: None,
            groups: (s.hosts.shared_name_method == crate::scenario::group::SharedNameMethod::Group)
                .then(|| {
                    let params = s
                        .group
                        .clone()
                        .unwrap_or_default()
                        .graph_params(s.hosts.addresses);
                    groups::Groups::new(params, &plan_hosts, seed.stream("graph"))
                }),
        };
        match s.hosts.start {
            // Validation refuses a steady start with a churn trace: the
            // trace's hosts start where the trace says.
            Start::Steady => world.start_steady(&mut seed.stream("steady"))?,
            Start::Joins => {
                let spread = s.hosts.join_spread().0;
                for h in 0..present {
                    let at = match world.trace.as_ref().filter(|t| t.covers(h)) {
                        Some(t) => match t.first_up(h) {
                            Some(at) => at,
                            None => continue,
                        },
                        None => churn::arrival(spread, &mut world.rng_work),
                    };
                    let host = HostIx(h as u32);
                    world.queue.schedule(at, Event::Online { host });
                }
            }
        }
        world
            .queue
            .schedule(warmup + s.metrics.window.0, Event::WindowEnd);
        if let Some(every) = s.metrics.connectivity_every {
            world.queue.schedule(warmup + every.0, Event::Connectivity);
        }
        world.schedule_timeline();
        Ok(world)
    }

    /// Processes every event up to `until` (capped at the scenario's end).
    pub fn run_until(&mut self, until: SimTime) {
        self.run_at_most(until, u64::MAX);
    }

    /// [`Simulation::run_until`], but returns after `events` events if
    /// `until` is not reached by then (result: whether it was). Events are
    /// processed in the same order however a run is cut into calls: the
    /// wall-clock guard uses it so that a second of simulated time dense
    /// with events (a 1 µs timer) cannot outlast `--max-wall`.
    pub fn run_at_most(&mut self, until: SimTime, events: u64) -> bool {
        let until = until.min(self.end);
        for _ in 0..events {
            let Some((now, event)) = self.queue.pop_until(until) else {
                self.queue.advance_to(until);
                return true;
            };
            self.prefetch();
            self.acc.advance(now);
            self.handle(now, event);
        }
        false
    }

    /// The current simulated time.
    pub fn now(&self) -> SimTime {
        self.queue.now()
    }

    /// Makes `host` leave now, cleanly (revoke floods) or by crashing.
    pub fn depart(&mut self, host: HostIx, graceful: bool) {
        let now = self.queue.now();
        if self.hosts[host.0 as usize].online {
            self.go_offline_as(now, host, graceful);
        }
    }

    /// Makes online `host` register one more peer name now, under a new
    /// random name and a fresh PNRP ID, as an application would; returns
    /// the ID. Validation studies use it to watch one registration (its
    /// resolve and flood cascade) in a quiet cloud.
    ///
    /// # Panics
    /// If `host` is offline: an offline host registers nothing.
    pub fn register_new_name(&mut self, host: HostIx) -> IdIx {
        assert!(
            self.hosts[host.0 as usize].online,
            "register_new_name: host {} is offline",
            host.0
        );
        let now = self.queue.now();
        let name = self.plan.catalogue.len() as u32;
        self.plan.catalogue.push(self.rng_work.random());
        self.resolves.add_published_name();
        self.hosts[host.0 as usize].names.push(name);
        self.register_name(now, host, name, Reason::Registration, false)
    }

    /// Calls `observer` for every message sent from now on (see [`Observer`]).
    pub fn observe(&mut self, observer: impl FnMut(SimTime, HostIx, HostIx, &Message) + 's) {
        self.observer = Some(Box::new(observer));
    }

    /// Whether `host` reaches IPv6 through Teredo.
    pub fn is_teredo(&self, host: HostIx) -> bool {
        self.network.is_teredo(host.0)
    }

    /// The table of every PNRP ID registered so far (ground truth).
    pub fn ids(&self) -> &IdTable {
        &self.ids
    }

    /// The IDs `host` has registered.
    pub fn locals(&self, host: HostIx) -> Vec<IdIx> {
        self.hosts[host.0 as usize].node.cache.locals().to_vec()
    }

    /// Online hosts whose cache holds `ix`, each with whether it is in one
    /// of their leaf sets.
    pub fn holders(&self, ix: IdIx) -> Vec<(HostIx, bool)> {
        let p = &self.params.cache;
        (0..self.hosts.len())
            .filter(|&h| self.hosts[h].online && self.hosts[h].node.cache.contains(ix, &self.ids))
            .map(|h| {
                let cache = &self.hosts[h].node.cache;
                let leaf = cache.locals().iter().any(|&l| {
                    let (below, above) = cache.leaf_set(l, &self.ids, p);
                    below.contains(&ix) || above.contains(&ix)
                });
                (HostIx(h as u32), leaf)
            })
            .collect()
    }

    /// Traffic sent so far (after warm-up), by message type and reason.
    pub fn traffic(
        &self,
    ) -> &[[crate::metrics::Traffic; Reason::COUNT]; crate::protocol::message::MsgType::COUNT] {
        self.acc.by_type_reason()
    }

    fn handle(&mut self, now: SimTime, event: Event) {
        match event {
            Event::Deliver {
                to,
                from,
                msg,
                measured,
            } => {
                let host = &self.hosts[to.0 as usize];
                if !host.online {
                    return;
                }
                if host.firewalled && !msg.is_reply() {
                    self.acc.blocked(&msg);
                    return;
                }
                if measured {
                    self.acc
                        .received(to, &msg, &self.network, from, &self.params.sizes);
                }
                self.react(now, to, |node, env, out| {
                    node.on_message(from, msg, env, out)
                });
            }
            Event::Timer { host, epoch, timer } => {
                if self.is_current(host, epoch) {
                    self.react(now, host, |node, env, out| node.on_timer(timer, env, out));
                }
            }
            Event::Online { host } => self.come_online(now, host),
            Event::Offline { host, epoch } => {
                if self.is_current(host, epoch) {
                    self.go_offline(now, host);
                }
            }
            Event::AppResolve { host, epoch } => {
                if self.is_current(host, epoch) {
                    self.app_resolve(now, host, epoch);
                }
            }
            Event::AddressChange { host, epoch } => {
                if self.is_current(host, epoch) {
                    self.change_address(now, host, epoch);
                }
            }
            Event::WindowEnd => {
                let online = self.reachable_or_online_count();
                self.acc.close_window(online, self.live_registrations());
                self.queue
                    .schedule(now + self.scenario.metrics.window.0, Event::WindowEnd);
            }
            Event::Graph(ev) => self.graph_event(now, *ev),
            Event::Connectivity => {
                let net = &self.network;
                let c =
                    truth::connectivity(&self.hosts_view(), &self.ids, |a, b| !net.is_cut(a, b));
                self.acc.connectivity(c);
                if let Some(every) = self.scenario.metrics.connectivity_every {
                    self.queue.schedule(now + every.0, Event::Connectivity);
                }
            }
            Event::Timeline { index, end } => self.on_timeline(now, index as usize, end),
        }
    }

    /// Starts loading the host state the next events will touch: two
    /// events ahead the host itself, one event ahead (whose host is loaded
    /// by now) what its handling reads first. Only a hint: results do not
    /// depend on it.
    fn prefetch(&self) {
        let host_of = |e: &Event| match e {
            Event::Deliver { to, .. } => Some(*to),
            Event::Timer { host, .. } => Some(*host),
            _ => None,
        };
        if let Some(h) = self.queue.peek_ahead(2).and_then(host_of) {
            if let Some(host) = self.hosts.get(h.0 as usize) {
                let p: *const u8 = (host as *const Host).cast();
                for line in (0..std::mem::size_of::<Host>()).step_by(64) {
                    crate::engine::prefetch(p.wrapping_add(line));
                }
            }
            self.acc.prefetch(h);
        }
        if let Some(h) = self.queue.peek_ahead(1).and_then(host_of) {
            if let Some(host) = self.hosts.get(h.0 as usize) {
                host.node.prefetch();
            }
        }
    }

    fn is_current(&self, host: HostIx, epoch: u32) -> bool {
        let h = &self.hosts[host.0 as usize];
        h.online && h.epoch == epoch
    }

    /// Runs one reaction of a host's state machine and dispatches its output.
    fn react(
        &mut self,
        now: SimTime,
        host: HostIx,
        f: impl FnOnce(&mut Node, &mut Env, &mut Outbox),
    ) {
        let mut out = std::mem::take(&mut self.outbox);
        out.clear();
        {
            let h = &mut self.hosts[host.0 as usize];
            let mut env = Env {
                now,
                ids: &self.ids,
                params: &self.params,
                rng: &mut self.rng_proto,
            };
            f(&mut h.node, &mut env, &mut out);
        }
        let epoch = self.hosts[host.0 as usize].epoch;
        for (to, msg) in out.sends.drain(..) {
            self.transmit(now, host, to, msg);
        }
        for (after, timer) in out.timers.drain(..) {
            self.queue
                .schedule(now + after, Event::Timer { host, epoch, timer });
        }
        let w = &self.scenario.workload;
        let (request, response) = (w.app_query_request.0, w.app_query_response.0);
        // The grouping layer's resolves of its own group's name are traffic
        // (counted with every resolve's messages) but not the workload's
        // resolves: `resolve_success_ratio` is the application's, and the
        // grouping layer connects over its graph, not with an app query.
        // Their answers go to the group, once this reaction is dispatched.
        let mut grouping = Vec::new();
        for outcome in out.resolved.drain(..) {
            if outcome.caller == Caller::Grouping {
                grouping.push(outcome);
                continue;
            }
            if let Some(peer) = outcome.peer.filter(|_| request + response > 0) {
                self.acc
                    .app_query(host, peer, request, response, &self.network);
            }
            self.acc.resolved(outcome);
        }
        self.outbox = out;
        for outcome in grouping {
            self.graph_resolved(now, host, outcome);
        }
    }

    /// Puts a message on the wire: counts it, then delivers it after the
    /// network's delay unless a fragment is lost.
    fn transmit(&mut self, now: SimTime, from: HostIx, to: HostIx, msg: Message) {
        if let Some(observe) = &mut self.observer {
            observe(now, from, to, &msg);
        }
        let fragments = self
            .acc
            .sent(from, to, &msg, &self.network, &self.params.sizes);
        self.datagrams += u64::from(fragments);
        let lost = (0..fragments).any(|_| self.network.is_lost(&mut self.rng_net));
        if lost || self.network.is_cut(from.0, to.0) {
            return;
        }
        let delay = self.network.delay(from.0, to.0, &mut self.rng_net);
        let measured = now >= self.warmup;
        self.queue.schedule(
            now + delay,
            Event::Deliver {
                to,
                from,
                msg,
                measured,
            },
        );
    }

    fn come_online(&mut self, now: SimTime, host: HostIx) {
        let seeds = self.seed_server.seeds_for(host, &mut self.rng_work);
        let epoch = {
            let h = &mut self.hosts[host.0 as usize];
            h.online = true;
            h.epoch += 1;
            h.online_since = now;
            h.node = Node::new(host);
            h.epoch
        };
        self.acc.joined(now);
        let h = &self.hosts[host.0 as usize];
        self.resolves.published(&h.names);
        if !h.firewalled {
            self.seed_server.add(host);
        }
        // Names first, so that the SOLICIT carries our route entry; their
        // registration resolves wait until the cache is synchronised.
        self.register_names(now, host, Reason::Registration);
        self.react(now, host, |node, env, out| node.join(seeds, env, out));
        self.graph_online(now, host);
        if let Some(end) = self.session_end(now, host) {
            self.queue.schedule(end, Event::Offline { host, epoch });
        }
        self.schedule_resolve(now, host, epoch);
        self.schedule_address_change(now, host, epoch);
    }

    /// Registers every name of `host` under fresh PNRP IDs (its current
    /// prefix and a new random suffix each).
    ///
    /// The hosts present at the start stand for a cloud that has been
    /// running for a long time, so their names are at a random phase of the
    /// refresh cycle; a name registered later is first refreshed one full
    /// interval after its registration.
    fn register_names(&mut self, now: SimTime, host: HostIx, reason: Reason) {
        let names = self.hosts[host.0 as usize].names.clone();
        // A flash crowd's hosts are new: their names start a fresh cycle.
        let initial = self.hosts[host.0 as usize].epoch == 1
            && reason == Reason::Registration
            && host.0 < self.scenario.hosts.count;
        for name in names {
            let draw = self.draw_registration(initial);
            match &mut self.groups {
                // The grouping layer publishes a group's name when the
                // graph listens ([MS-PPSEC] §3.1.4.4), under the ID drawn
                // now (so that both methods draw the same numbers).
                Some(groups) if groups.is_group_name(host, name) => {
                    groups.publish_later(host, name, draw);
                }
                _ => {
                    self.register_drawn(now, host, name, reason, draw);
                }
            }
        }
    }

    /// Registers catalogue name `name` on `host` under a fresh PNRP ID (the
    /// host's prefix and a new random suffix); its first refresh comes at a
    /// random phase of the refresh interval if `random_phase`, else one
    /// full interval on.
    fn register_name(
        &mut self,
        now: SimTime,
        host: HostIx,
        name: u32,
        reason: Reason,
        random_phase: bool,
    ) -> IdIx {
        let draw = self.draw_registration(random_phase);
        self.register_drawn(now, host, name, reason, draw)
    }

    /// A registration's random numbers: the ID's suffix and the delay to
    /// its first refresh.
    fn draw_registration(&mut self, random_phase: bool) -> (u64, SimDuration) {
        let interval = self.params.refresh_interval;
        let suffix: u64 = self.rng_work.random();
        let first_refresh = if random_phase {
            SimDuration(self.rng_work.random_range(1..=interval.0.max(1)))
        } else {
            interval
        };
        (suffix, first_refresh)
    }

    /// Registers `name` on `host` under the ID of suffix `draw.0`, first
    /// refreshed after `draw.1`.
    fn register_drawn(
        &mut self,
        now: SimTime,
        host: HostIx,
        name: u32,
        reason: Reason,
        (suffix, first_refresh): (u64, SimDuration),
    ) -> IdIx {
        let prefix = self.hosts[host.0 as usize].prefix;
        let name = self.plan.catalogue[name as usize];
        let ix = self.ids.insert(pnrp_id(name, prefix, suffix), host);
        self.react(now, host, |node, env, out| {
            node.register(ix, reason, first_refresh, env, out)
        });
        ix
    }

    fn retire_names(&mut self, host: HostIx) {
        let locals: Vec<IdIx> = self.hosts[host.0 as usize].node.cache.locals().to_vec();
        for ix in locals {
            self.ids.retire(ix);
        }
    }

    /// A churning host's session ends.
    fn go_offline(&mut self, now: SimTime, host: HostIx) {
        let graceful = self.leaves_gracefully(host);
        self.go_offline_as(now, host, graceful);
    }

    fn go_offline_as(&mut self, now: SimTime, host: HostIx, graceful: bool) {
        self.graph_offline(now, host, graceful);
        if graceful {
            self.react(now, host, |node, env, out| node.leave_gracefully(env, out));
        }
        self.retire_names(host);
        let h = &mut self.hosts[host.0 as usize];
        h.online = false;
        self.resolves.withdrawn(&h.names);
        let since = h.online_since;
        self.acc.left(now, host, since);
        self.seed_server.remove(host);
        if let Some(back) = self.return_time(now, host) {
            self.queue.schedule(back, Event::Online { host });
        }
    }

    fn schedule_resolve(&mut self, now: SimTime, host: HostIx, epoch: u32) {
        if let Some(gap) = self.resolves.next_gap(&mut self.rng_work) {
            self.queue
                .schedule(now + gap, Event::AppResolve { host, epoch });
        }
    }

    fn app_resolve(&mut self, now: SimTime, host: HostIx, epoch: u32) {
        self.schedule_resolve(now, host, epoch);
        let own = &self.hosts[host.0 as usize].names;
        if let Some(pick) = self.resolves.pick(own, &mut self.rng_work) {
            let name = self.plan.catalogue[pick as usize];
            self.acc.resolve_started();
            self.react(now, host, |node, env, out| {
                node.resolve_name(name, Caller::Application, env, out)
            });
        }
    }

    fn schedule_address_change(&mut self, now: SimTime, host: HostIx, epoch: u32) {
        if let Some(mean) = self.scenario.workload.address_change_interval {
            let gap = -(1.0 - self.rng_work.random::<f64>()).ln() * mean.as_secs_f64();
            self.queue.schedule(
                now + SimDuration::from_secs_f64(gap),
                Event::AddressChange { host, epoch },
            );
        }
    }

    /// The host re-advertises its PNRP IDs with its new addresses
    /// (§3.2.7.2, `Node::change_address`); names it registers later take
    /// their service location from the new prefix.
    fn change_address(&mut self, now: SimTime, host: HostIx, epoch: u32) {
        self.react(now, host, |node, env, out| node.change_address(env, out));
        self.hosts[host.0 as usize].prefix = self.rng_work.random();
        self.schedule_address_change(now, host, epoch);
    }

    fn reachable_or_online_count(&self) -> u32 {
        self.hosts.iter().filter(|h| h.online).count() as u32
    }

    fn live_registrations(&self) -> u32 {
        self.hosts
            .iter()
            .filter(|h| h.online)
            .map(|h| h.node.cache.locals().len() as u32)
            .sum()
    }

    fn hosts_view(&self) -> Vec<truth::HostView<'_>> {
        self.hosts
            .iter()
            .map(|h| truth::HostView {
                online: h.online,
                reachable: !h.firewalled,
                cache: &h.node.cache,
            })
            .collect()
    }

    /// Ends the run: final cache state, leaf-set accuracy, the result.
    pub fn finish(mut self, seed: StreamSeed) -> RunResult {
        let now = self.end;
        let p = self.params.cache;
        let view = self.hosts_view();
        let leaf_sets = truth::leaf_set_accuracy(&view, &self.ids, &p);
        drop(view);
        let mut hosts: Vec<HostMetrics> = Vec::with_capacity(self.hosts.len());
        for (i, h) in self.hosts.iter().enumerate() {
            let mut m = self.acc.take_host(HostIx(i as u32));
            if h.online {
                m.online_secs += now.since(h.online_since.max(self.warmup)).as_secs_f64();
                m.cache_entries = h.node.cache.len() as u32;
                m.cache_levels = h.node.cache.levels();
                m.max_level_fill = h.node.cache.max_level_fill();
            }
            m.names = h.names.len() as u32;
            m.firewalled = h.firewalled;
            m.teredo = self.network.is_teredo(i as u32);
            hosts.push(m);
        }
        let graph = self.groups.take().map(|g| g.finish(&mut hosts));
        let registrations = u64::from(self.live_registrations());
        let events = self.queue.events_processed();
        self.acc.into_result(RunResultParts {
            scenario: self.scenario.name.clone(),
            run_seed: seed.run_seed(),
            measured_secs: self.end.since(self.warmup).as_secs_f64(),
            min_online_secs: self.scenario.metrics.min_online.as_secs_f64(),
            hosts,
            leaf_sets,
            registrations,
            events,
            events_marked: timeline::marks(&self.scenario.events),
            graph,
        })
    }
}

/// The parts of a [`RunResult`] known only at the end of the run.
struct RunResultParts {
    scenario: String,
    run_seed: u64,
    measured_secs: f64,
    min_online_secs: f64,
    hosts: Vec<HostMetrics>,
    leaf_sets: crate::metrics::LeafSetAccuracy,
    registrations: u64,
    events: u64,
    events_marked: Vec<crate::metrics::recovery::EventMark>,
    graph: Option<crate::metrics::graph::GraphTraffic>,
}
