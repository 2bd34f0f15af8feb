//! Real graph nodes over a FIFO network without the simulation: 10 ms per
//! message, TCP connections that open in 10 ms (or fail after 21 s to an
//! offline host, and in 20 ms, reset, to a host whose graph does not
//! listen), and a log of every message, for the procedure tests.

use super::node::{GraphEnv, GraphNode, GraphOutbox, GraphTimer};
use super::{GraphMsg, GraphParams};
use crate::engine::{Rng, SimDuration, SimTime};
use crate::protocol::id::HostIx;
use rand::SeedableRng;
use std::collections::BTreeMap;

const LATENCY: SimDuration = SimDuration::from_millis(10);
const CONNECT_FAIL: SimDuration = SimDuration::from_secs(21);

enum Ev {
    Deliver {
        from: HostIx,
        to: HostIx,
        msg: GraphMsg,
    },
    Timer {
        host: HostIx,
        timer: GraphTimer,
    },
    Connected {
        from: HostIx,
        to: HostIx,
    },
    Lost {
        host: HostIx,
        peer: HostIx,
    },
}

pub struct Harness {
    pub nodes: Vec<GraphNode>,
    online: Vec<bool>,
    pub params: GraphParams,
    rng: Rng,
    now: SimTime,
    queue: BTreeMap<(SimTime, u64), Ev>,
    seq: u64,
    /// Every message sent: (time, from, to, message).
    pub log: Vec<(SimTime, HostIx, HostIx, GraphMsg)>,
    /// Every timer that fired: (time, host, timer).
    pub fired: Vec<(SimTime, HostIx, GraphTimer)>,
    /// Every TCP connection opened: (initiator, responder).
    pub opened: Vec<(HostIx, HostIx)>,
    /// What the application's resolve of the group's name returns when
    /// the graph asks for a node to connect to (`find_member`): the test
    /// plays PNRP. `None`: the resolve fails.
    pub resolve_answer: Option<HostIx>,
}

impl Harness {
    pub fn new(n: usize, params: GraphParams) -> Self {
        Harness {
            nodes: (0..n as u32).map(|h| GraphNode::new(HostIx(h))).collect(),
            online: vec![false; n],
            params,
            rng: Rng::seed_from_u64(7),
            now: SimTime::ZERO,
            queue: BTreeMap::new(),
            seq: 0,
            log: Vec::new(),
            fired: Vec::new(),
            opened: Vec::new(),
            resolve_answer: None,
        }
    }

    pub fn now(&self) -> SimTime {
        self.now
    }

    fn push(&mut self, at: SimTime, ev: Ev) {
        self.seq += 1;
        self.queue.insert((at, self.seq), ev);
    }

    /// Runs one reaction of `host` now and carries out its outbox.
    pub fn react(
        &mut self,
        host: HostIx,
        f: impl FnOnce(&mut GraphNode, &mut GraphEnv, &mut GraphOutbox),
    ) {
        let mut out = GraphOutbox::default();
        let params = self.params.clone();
        let mut env = GraphEnv {
            now: self.now,
            params: &params,
            rng: &mut self.rng,
        };
        f(&mut self.nodes[host.0 as usize], &mut env, &mut out);
        self.carry(host, out);
    }

    fn carry(&mut self, host: HostIx, out: GraphOutbox) {
        let now = self.now;
        for (to, msg, _) in out.sends {
            self.log.push((now, host, to, msg.clone()));
            self.push(
                now + LATENCY,
                Ev::Deliver {
                    from: host,
                    to,
                    msg,
                },
            );
        }
        for (after, timer) in out.timers {
            self.push(now + after, Ev::Timer { host, timer });
        }
        for to in out.opens {
            self.opened.push((host, to));
            if !self.reachable(to) {
                self.push(now + CONNECT_FAIL, Ev::Lost { host, peer: to });
            } else if !self.nodes[to.0 as usize].is_listening() {
                self.push(now + LATENCY + LATENCY, Ev::Lost { host, peer: to });
            } else {
                self.push(now + LATENCY, Ev::Connected { from: host, to });
            }
        }
        for peer in out.closes {
            self.push(
                now + LATENCY + LATENCY,
                Ev::Lost {
                    host: peer,
                    peer: host,
                },
            );
        }
        if out.find_member {
            if let Some(peer) = self.resolve_answer {
                let mut more = GraphOutbox::default();
                self.nodes[host.0 as usize].member_found(peer, &mut more);
                self.carry(host, more);
            }
        }
    }

    fn reachable(&self, b: HostIx) -> bool {
        self.online[b.0 as usize]
    }

    /// Host `h` opens the graph (creating it, or connecting to `contact`).
    pub fn open(&mut self, h: u32, create: bool, contact: Option<u32>) {
        self.online[h as usize] = true;
        self.react(HostIx(h), |n, env, out| {
            n.open(create, false, contact.map(HostIx), env, out)
        });
    }

    /// Runs every event up to `secs` seconds after the start.
    pub fn run_until(&mut self, secs: u64) {
        let until = SimTime::ZERO + SimDuration::from_secs(secs);
        while let Some(entry) = self.queue.first_entry() {
            if entry.key().0 > until {
                break;
            }
            let ((at, _), ev) = entry.remove_entry();
            self.now = at;
            match ev {
                Ev::Deliver { from, to, msg } => {
                    if self.reachable(to) && self.online[from.0 as usize] {
                        self.react(to, |n, env, out| n.on_message(from, msg, env, out));
                    }
                }
                Ev::Timer { host, timer } => {
                    if self.online[host.0 as usize] {
                        self.fired.push((at, host, timer));
                        self.react(host, |n, env, out| n.on_timer(timer, env, out));
                    }
                }
                Ev::Connected { from, to } => {
                    if self.reachable(to) {
                        self.react(to, |n, _, _| n.on_tcp_accepted(from));
                        self.react(from, |n, _, out| n.on_tcp_connected(to, out));
                    } else {
                        self.react(from, |n, env, out| n.on_connection_lost(to, env, out));
                    }
                }
                Ev::Lost { host, peer } => {
                    self.react(host, |n, env, out| n.on_connection_lost(peer, env, out));
                }
            }
        }
        self.now = until;
    }

    /// Messages of a §2.2.1.2 type name sent so far.
    pub fn sent(&self, name: &str) -> Vec<(HostIx, HostIx, GraphMsg)> {
        self.log
            .iter()
            .filter(|(_, _, _, m)| {
                super::message::TYPE_NAMES[usize::from(m.type_code(&self.params)) - 1] == name
            })
            .map(|(_, f, t, m)| (*f, *t, m.clone()))
            .collect()
    }
}
