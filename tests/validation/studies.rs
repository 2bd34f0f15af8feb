//! The validation studies: each runs the simulation on a scenario of
//! `scenarios/validation/` and returns the measured figures with their
//! expectation (from the model doc) and the analytic estimate.
//!
//! Shared by the tests (`tests/validation.rs`, which assert the
//! expectations) and by the chart generator
//! (`examples/validation_charts.rs`, which draws them for
//! `docs/validation.md`), so the doc shows exactly what the tests check.

#![allow(dead_code)] // each includer uses its own subset

use pnrpsim::engine::{SimDuration, SimTime, StreamSeed};
use pnrpsim::estimate::AnalyticEstimate;
use pnrpsim::metrics::RunResult;
use pnrpsim::protocol::id::{HostIx, IdIx, U256};
use pnrpsim::protocol::message::{Body, MsgType, Reason};
use pnrpsim::scenario::Scenario;
use pnrpsim::scenario::load::load_file;
use pnrpsim::sim::Simulation;
use std::cell::RefCell;
use std::collections::BTreeMap;
use std::path::PathBuf;

/// Loads `scenarios/validation/<name>.toml` with `--set` style overrides.
/// Connectivity sampling is switched off: no study needs it, and it costs
/// time in large clouds.
pub fn scenario(name: &str, sets: &[String]) -> Scenario {
    let path = PathBuf::from(env!("CARGO_MANIFEST_DIR"))
        .join("scenarios/validation")
        .join(format!("{name}.toml"));
    let mut s = load_file(&path, sets).unwrap_or_else(|e| panic!("{e}"));
    s.metrics.connectivity_every = None;
    s
}

pub fn run(s: &Scenario) -> RunResult {
    pnrpsim::sim::run(s, StreamSeed::single(s.seed)).expect("run")
}

/// Loads a validation scenario with one override and runs it.
fn simulate(name: &str, set: String) -> (Scenario, RunResult) {
    let s = scenario(name, &[set]);
    let r = run(&s);
    (s, r)
}

fn estimate(s: &Scenario) -> AnalyticEstimate {
    AnalyticEstimate::of(s).expect("the scenario measures something")
}

/// Online host-seconds over measured seconds: the mean number of hosts online.
fn hosts_online(r: &RunResult) -> f64 {
    r.hosts.iter().map(|h| h.online_secs).sum::<f64>() / r.measured_secs
}

// ----- cache levels and resolve hops ---------------------------------------

#[derive(Clone, Debug)]
pub struct Levels {
    pub registrations: f64,
    pub hops: f64,
    pub levels: f64,
    /// Most entries in one band of one level, any host.
    pub max_fill: u32,
    pub estimate_hops: f64,
    pub estimate_levels: f64,
}

/// A static cloud of `hosts` hosts with one name each. Clouds beyond 30 000
/// hosts resolve less often (6 an hour instead of 30) and join over 4 min,
/// so that 10^5 registrations fit in a few minutes.
pub fn levels(hosts: u32) -> Levels {
    let mut sets = vec![format!("hosts.count={hosts}")];
    if hosts > 30_000 {
        sets.push("workload.resolves_per_host_per_hour=6.0".into());
        sets.push("hosts.join_spread=4min".into());
    }
    let s = scenario("levels", &sets);
    let r = run(&s);
    let cached: Vec<_> = r.hosts.iter().filter(|h| h.cache_entries > 0).collect();
    let e = estimate(&s);
    Levels {
        registrations: r.registrations as f64,
        hops: r.resolves.mean_hops().expect("resolves succeeded"),
        levels: cached
            .iter()
            .map(|h| f64::from(h.cache_levels))
            .sum::<f64>()
            / cached.len() as f64,
        max_fill: r.hosts.iter().map(|h| h.max_level_fill).max().unwrap_or(0),
        estimate_hops: e.resolve_hops,
        estimate_levels: e.cache_levels,
    }
}

/// Least-squares slope of `y` against log10(`x`): the rise per decade.
pub fn slope_per_decade(points: &[(f64, f64)]) -> f64 {
    let n = points.len() as f64;
    let xs: Vec<f64> = points.iter().map(|p| p.0.log10()).collect();
    let mx = xs.iter().sum::<f64>() / n;
    let my = points.iter().map(|p| p.1).sum::<f64>() / n;
    let sxy: f64 = xs
        .iter()
        .zip(points)
        .map(|(x, p)| (x - mx) * (p.1 - my))
        .sum();
    let sxx: f64 = xs.iter().map(|x| (x - mx).powi(2)).sum();
    sxy / sxx
}

// ----- churn ---------------------------------------------------------------

#[derive(Clone, Debug)]
pub struct Churn {
    pub session_s: f64,
    /// Mean hosts online over the measured time.
    pub hosts_online: f64,
    pub joins: u64,
    pub departures: u64,
    /// (joins + departures) per measured second.
    pub measured_per_s: f64,
    /// 2·H/T with the measured H.
    pub expected_per_s: f64,
    pub estimate_per_s: f64,
}

/// Exponential churn with mean session `session` (downtime half of it).
pub fn churn(session_minutes: u32) -> Churn {
    let s = scenario(
        "churn",
        &[
            format!("churn.session.mean={session_minutes}min"),
            format!("churn.downtime.mean={}s", u64::from(session_minutes) * 30),
        ],
    );
    let r = run(&s);
    let t = s.churn.session.mean.as_secs_f64();
    let h = hosts_online(&r);
    let e = estimate(&s).population;
    Churn {
        session_s: t,
        hosts_online: h,
        joins: r.joins,
        departures: r.departures,
        measured_per_s: (r.joins + r.departures) as f64 / r.measured_secs,
        expected_per_s: 2.0 * h / t,
        estimate_per_s: e.joins_per_s + e.departures_per_s,
    }
}

// ----- publication per name --------------------------------------------------

#[derive(Clone, Debug)]
pub struct Publication {
    pub names_per_host: u32,
    /// Names registered by joining hosts while measuring.
    pub names_registered: f64,
    /// Registration + flood bytes per registered name.
    pub bytes_per_name: f64,
    /// The same from the estimate.
    pub estimate_per_name: f64,
    /// Registration + flood bytes per online host-second, simulated and estimated.
    pub per_host: f64,
    pub estimate_per_host: f64,
}

pub fn publication(names_per_host: u32) -> Publication {
    let (s, r) = simulate(
        "publication",
        format!("hosts.names_per_host={names_per_host}"),
    );
    let m = f64::from(names_per_host);
    let bytes = (r.sent_by_reason(Reason::Registration).bytes
        + r.sent_by_reason(Reason::Flood).bytes) as f64;
    let names = r.joins as f64 * m;
    let e = estimate(&s);
    let est_cloud = e.cloud_bytes_per_s[Reason::Registration.index()]
        + e.cloud_bytes_per_s[Reason::Flood.index()];
    let host_secs: f64 = r.hosts.iter().map(|h| h.online_secs).sum();
    Publication {
        names_per_host,
        names_registered: names,
        bytes_per_name: bytes / names,
        estimate_per_name: est_cloud / (e.population.joins_per_s * m),
        per_host: bytes / host_secs,
        estimate_per_host: est_cloud / e.population.online,
    }
}

// ----- refresh -------------------------------------------------------------------

#[derive(Clone, Debug)]
pub struct Refresh {
    pub interval_s: f64,
    /// Refresh bytes per second, whole cloud.
    pub cloud_per_s: f64,
    pub estimate_per_s: f64,
}

pub fn refresh(interval_minutes: u32) -> Refresh {
    let (s, r) = simulate(
        "refresh",
        format!("pnrp.refresh_interval={interval_minutes}min"),
    );
    Refresh {
        interval_s: s.pnrp.refresh_interval.as_secs_f64(),
        cloud_per_s: r.sent_by_reason(Reason::Refresh).bytes as f64 / r.measured_secs,
        estimate_per_s: estimate(&s).cloud_bytes_per_s[Reason::Refresh.index()],
    }
}

// ----- split detection ---------------------------------------------------------

#[derive(Clone, Debug)]
pub struct Split {
    pub hosts: u32,
    /// Split-detection bytes per second, whole cloud.
    pub cloud_per_s: f64,
    /// Split-detection resolves started per second, whole cloud (LOOKUPs
    /// with an empty flagged path: the first of each resolve).
    pub resolves_per_s: f64,
    pub estimate_per_s: f64,
}

pub fn split_detection(hosts: u32) -> Split {
    let s = scenario("split_detection", &[format!("hosts.count={hosts}")]);
    let starts = RefCell::new(0u64);
    let mut sim = Simulation::new(&s, StreamSeed::single(s.seed)).unwrap();
    let warmup = SimTime::ZERO + s.warmup.0;
    sim.observe(|now, _, _, m| {
        if let Body::Lookup { path, .. } = &m.body {
            if m.reason == Reason::SplitDetection && path.is_empty() && now >= warmup {
                *starts.borrow_mut() += 1;
            }
        }
    });
    sim.run_until(SimTime::ZERO + s.duration.0);
    let r = sim.finish(StreamSeed::single(s.seed));
    Split {
        hosts,
        cloud_per_s: r.sent_by_reason(Reason::SplitDetection).bytes as f64 / r.measured_secs,
        resolves_per_s: *starts.borrow() as f64 / r.measured_secs,
        estimate_per_s: estimate(&s).cloud_bytes_per_s[Reason::SplitDetection.index()],
    }
}

// ----- controlled cloud: unregistration and flood cascade ------------------------

/// A message seen on the wire.
#[derive(Clone, Debug)]
pub struct Sent {
    pub from: HostIx,
    pub to: HostIx,
    pub ty: MsgType,
    pub reason: Reason,
    /// Route entry of a FLOOD or revoke.
    pub entry: Option<IdIx>,
}

fn sent(from: HostIx, to: HostIx, m: &pnrpsim::protocol::message::Message) -> Sent {
    let entry = match &m.body {
        Body::Flood { entry, .. } | Body::FloodRevoke { entry, .. } => Some(*entry),
        _ => None,
    };
    Sent {
        from,
        to,
        ty: m.msg_type(),
        reason: m.reason,
        entry,
    }
}

/// The owners of the `k` registered IDs nearest to `x` on each side
/// (ground truth), nearest first: (below, above).
pub fn ring_neighbours(sim: &Simulation, x: IdIx, k: usize) -> (Vec<HostIx>, Vec<HostIx>) {
    let ids = sim.ids();
    let xid = ids.id(x);
    let mut live: Vec<(U256, HostIx)> = (0..ids.len() as u32)
        .map(IdIx)
        .filter(|&i| i != x && ids.is_alive(i))
        .map(|i| (ids.id(i), ids.owner(i)))
        .collect();
    live.sort_by_key(|&(id, _)| xid.clockwise_to(id));
    let above = live.iter().take(k).map(|p| p.1).collect();
    live.sort_by_key(|&(id, _)| id.clockwise_to(xid));
    let below = live.iter().take(k).map(|p| p.1).collect();
    (below, above)
}

/// The quiet cloud after 10 minutes, with every message from then on
/// appended to `log`.
/// One event a minute in the quiet cloud, on `count` hosts (host k is
/// `k · stride` modulo the hosts): `act` makes it happen (and notes what it
/// needs before it does), the cloud runs a minute, and `read` turns what
/// was sent in that minute into a figure. `leaf` is ℓ, per side.
fn each_minute<P, T>(
    count: u32,
    stride: u32,
    mut act: impl FnMut(&mut Simulation<'_>, HostIx, usize) -> P,
    mut read: impl FnMut(P, &Simulation<'_>, &[Sent], HostIx, usize) -> T,
) -> Vec<T> {
    let s = scenario("controlled", &[]);
    let log: RefCell<Vec<Sent>> = RefCell::new(Vec::new());
    let mut sim = Simulation::new(&s, StreamSeed::single(s.seed)).unwrap();
    sim.run_until(SimTime(600_000_000));
    sim.observe(|_, from, to, m| log.borrow_mut().push(sent(from, to, m)));
    let leaf = s.pnrp.leaf_set_per_side as usize;
    (0..count)
        .map(|k| {
            let host = HostIx(k * stride % s.hosts.count);
            log.borrow_mut().clear();
            let noted = act(&mut sim, host, leaf);
            let t = sim.now();
            sim.run_until(t + SimDuration::from_secs(60));
            read(noted, &sim, &log.borrow(), host, leaf)
        })
        .collect()
}

#[derive(Clone, Debug)]
pub struct Unregistration {
    /// What the leaving host sent: (type, recipient).
    pub initial: Vec<(MsgType, HostIx)>,
    /// Leaf-set members per side (ℓ).
    pub leaf: usize,
    /// Owners of the ℓ + 2 IDs nearest to the leaving ID on each side
    /// (ground truth), nearest first.
    pub below: Vec<HostIx>,
    pub above: Vec<HostIx>,
    /// Revoke FLOODs received per host.
    pub revokes_to: BTreeMap<u32, u32>,
    pub revokes: u64,
    /// Every message of the departure, by (type, reason).
    pub messages: BTreeMap<(MsgType, Reason), u64>,
    /// Hosts that still hold the ID in a leaf set a minute later.
    pub leaf_holders_after: usize,
    pub leaf_holders_before: usize,
}

/// Clean departures of `count` hosts of the quiet cloud, one a minute.
pub fn unregistrations(count: u32) -> Vec<Unregistration> {
    each_minute(
        count,
        29,
        |sim, host, leaf| {
            let x = sim.locals(host)[0];
            let (below, above) = ring_neighbours(sim, x, leaf + 2);
            let leaf_holders_before = sim.holders(x).iter().filter(|h| h.1).count();
            sim.depart(host, true);
            (x, below, above, leaf_holders_before)
        },
        |(x, below, above, leaf_holders_before), sim, log, host, leaf| {
            let mut revokes_to = BTreeMap::new();
            let mut messages = BTreeMap::new();
            for m in log {
                if m.ty == MsgType::FloodRevoke && m.entry == Some(x) {
                    *revokes_to.entry(m.to.0).or_insert(0) += 1;
                }
                if m.reason == Reason::Unregistration {
                    *messages.entry((m.ty, m.reason)).or_insert(0) += 1;
                }
            }
            Unregistration {
                initial: log
                    .iter()
                    .filter(|m| m.from == host)
                    .map(|m| (m.ty, m.to))
                    .collect(),
                leaf,
                below,
                above,
                revokes: revokes_to.values().map(|&v| u64::from(v)).sum(),
                revokes_to,
                messages,
                leaf_holders_after: sim.holders(x).iter().filter(|h| h.1).count(),
                leaf_holders_before,
            }
        },
    )
}

#[derive(Clone, Debug)]
pub struct Cascade {
    /// FLOODs carrying X sent in each wave (index 0 = wave 1). A FLOOD is
    /// in wave w + 1 when its sender first received X in wave w; hosts
    /// that learnt X otherwise (the registration's LOOKUP recipients, the
    /// first adders) send wave 1. The owner's own flood-backs are left out.
    pub floods_per_wave: Vec<u32>,
    pub waves: usize,
    /// Hosts that sent wave 1.
    pub first_adders: usize,
    /// Hosts holding X in a leaf set a minute later, and how many of them
    /// are X's true 2ℓ nearest.
    pub leaf_holders: usize,
    pub true_neighbours_holding: usize,
    /// True neighbours without X: (signed ring position, FLOODs of X received).
    pub missing: Vec<(i32, u32)>,
    /// Every message of the registration, by (type, reason).
    pub messages: BTreeMap<(MsgType, Reason), u64>,
}

/// New names registered by `count` hosts of the quiet cloud, one a minute.
pub fn cascades(count: u32) -> Vec<Cascade> {
    each_minute(
        count,
        31,
        |sim, host, _| sim.register_new_name(host),
        |x, sim, log, host, leaf| {
            let mut reached: BTreeMap<u32, usize> = BTreeMap::new();
            let mut floods_per_wave: Vec<u32> = Vec::new();
            let mut first = std::collections::BTreeSet::new();
            for m in log.iter() {
                if m.ty != MsgType::Flood || m.entry != Some(x) || m.from == host {
                    continue;
                }
                let wave = match reached.get(&m.from.0) {
                    Some(&w) => w + 1,
                    None => {
                        first.insert(m.from.0);
                        1
                    }
                };
                if floods_per_wave.len() < wave {
                    floods_per_wave.resize(wave, 0);
                }
                floods_per_wave[wave - 1] += 1;
                let at = reached.entry(m.to.0).or_insert(wave);
                *at = (*at).min(wave);
            }
            let (below, above) = ring_neighbours(sim, x, leaf);
            let holders = sim.holders(x);
            let holding = |h: &HostIx| holders.iter().any(|(o, l)| o == h && *l);
            let mut messages = BTreeMap::new();
            for m in log.iter() {
                *messages.entry((m.ty, m.reason)).or_insert(0) += 1;
            }
            let positions = below
                .iter()
                .enumerate()
                .map(|(i, h)| (-(i as i32) - 1, h))
                .chain(above.iter().enumerate().map(|(i, h)| (i as i32 + 1, h)));
            let missing = positions
                .filter(|(_, h)| !holding(h))
                .map(|(pos, h)| {
                    let floods = log
                        .iter()
                        .filter(|m| m.ty == MsgType::Flood && m.entry == Some(x) && m.to == *h)
                        .count() as u32;
                    (pos, floods)
                })
                .collect();
            Cascade {
                missing,
                waves: floods_per_wave.len(),
                floods_per_wave,
                first_adders: first.len(),
                leaf_holders: holders.iter().filter(|h| h.1).count(),
                true_neighbours_holding: below.iter().chain(&above).filter(|h| holding(h)).count(),
                messages,
            }
        },
    )
}

// ----- estimate against the quickstart ------------------------------------------

#[derive(Clone, Debug)]
pub struct ReasonFigure {
    pub reason: Reason,
    /// Share of all bytes sent.
    pub share: f64,
    /// Bytes per online host-second, simulated and estimated.
    pub simulated: f64,
    pub estimate: f64,
}

/// `scenarios/quickstart.toml` with `hosts.start` = `start` ("steady", the
/// default, or "joins"), simulated and estimated, by reason.
pub fn quickstart(start: &str) -> Vec<ReasonFigure> {
    let path = PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("scenarios/quickstart.toml");
    let start = [format!("hosts.start={start}")];
    let s = load_file(&path, &start).unwrap_or_else(|e| panic!("{e}"));
    let r = run(&s);
    let e = estimate(&s);
    let host_secs: f64 = r.hosts.iter().map(|h| h.online_secs).sum();
    let total = r.total_sent().bytes as f64;
    Reason::ALL
        .iter()
        .map(|&reason| {
            let bytes = r.sent_by_reason(reason).bytes as f64;
            ReasonFigure {
                reason,
                share: bytes / total,
                simulated: bytes / host_secs,
                estimate: e.per_host(reason),
            }
        })
        .collect()
}

// ----- findings: stale caches and leaf-set coverage -------------------------------

#[derive(Clone, Debug)]
pub struct Staleness {
    /// (simulated minutes, share of all cache entries, of non-leaf entries,
    /// of leaf-set entries) whose owner has left.
    pub samples: Vec<(f64, f64, f64, f64)>,
    pub resolve_success: f64,
}

/// Share of cache entries that belong to departed owners, every 10 min of
/// the publication scenario grown to 1 000 hosts, with resolves, over 4 h.
pub fn staleness() -> Staleness {
    let s = scenario(
        "publication",
        &[
            "hosts.count=1000".into(),
            "workload.resolves_per_host_per_hour=6.0".into(),
            "duration=4h".into(),
            "warmup=2h".into(),
        ],
    );
    let mut sim = Simulation::new(&s, StreamSeed::single(s.seed)).unwrap();
    let mut samples = Vec::new();
    for minutes in (10..=240).step_by(10) {
        sim.run_until(SimTime(minutes * 60_000_000));
        let ids = sim.ids();
        let mut counts = [[0u64; 2]; 2]; // [alive][leaf]
        for ix in (0..ids.len() as u32).map(IdIx) {
            for (_, leaf) in sim.holders(ix) {
                counts[usize::from(ids.is_alive(ix))][usize::from(leaf)] += 1;
            }
        }
        let share = |dead: u64, live: u64| dead as f64 / (dead + live).max(1) as f64;
        samples.push((
            minutes as f64,
            share(counts[0][0] + counts[0][1], counts[1][0] + counts[1][1]),
            share(counts[0][0], counts[1][0]),
            share(counts[0][1], counts[1][1]),
        ));
    }
    let r = sim.finish(StreamSeed::single(s.seed));
    Staleness {
        samples,
        resolve_success: r.resolves.success_rate().unwrap_or(0.0),
    }
}

/// Live IDs by the number of leaf sets that hold them (index 11 = more
/// than 10), at the end of the split-detection scenario with `hosts` hosts
/// joining over `join_spread`.
pub fn leaf_coverage(hosts: u32, join_spread: &str) -> Vec<u32> {
    let s = scenario(
        "split_detection",
        &[
            format!("hosts.count={hosts}"),
            format!("hosts.join_spread={join_spread}"),
        ],
    );
    let mut sim = Simulation::new(&s, StreamSeed::single(s.seed)).unwrap();
    sim.run_until(SimTime::ZERO + s.duration.0);
    let ids = sim.ids();
    let mut by_holders = vec![0u32; 12];
    for ix in (0..ids.len() as u32)
        .map(IdIx)
        .filter(|&ix| ids.is_alive(ix))
    {
        let n = sim.holders(ix).iter().filter(|h| h.1).count();
        by_holders[n.min(11)] += 1;
    }
    by_holders
}
