//! A preflight estimate of the memory a run will need, so that a run too
//! big for the machine is refused before it starts instead of being killed
//! by the kernel an hour in.
//!
//! The estimate is a model of the simulator's data structures, not of the
//! protocol: a fixed part (program, event wheel), a part per host (host
//! state, counters, events in flight), a part per name (its registration
//! and the requests it keeps pending), a part per cache entry (the entry
//! and the vector's growth slack), and a part per re-registration
//! (the ID table never shrinks). The costs were fitted to the peak RSS of
//! release runs; `tests/footprint.rs` checks the estimate against measured
//! runs, so a change to the data structures that breaks the model fails a
//! test.

use super::paths::Paths;
use crate::scenario::Scenario;

/// Program, libraries, the event wheel and output buffers.
const FIXED_BYTES: f64 = 6.0 * 1024.0 * 1024.0;
/// Host state, counters and events in flight, per host.
const HOST_BYTES: f64 = 950.0;
/// Per name of a host: its registration, and the requests, resolves and
/// events its publication keeps in flight.
const NAME_BYTES: f64 = 640.0;
/// One cache entry (12 bytes, and up to a third more of the vector's
/// growth slack). The connectivity search walks the caches themselves, so
/// an entry no longer has an edge of its own at the peak.
const ENTRY_BYTES: f64 = 16.0;
/// One more registration in the ID table (re-registrations).
const REGISTRATION_BYTES: f64 = 40.0;
/// The model fits measured peaks within ±10 %; a refusal should err on the
/// side of not starting a run that would not fit.
const MARGIN: f64 = 1.1;

/// The estimated peak memory of one run, with the figures it was made from.
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct Footprint {
    pub bytes: u64,
    /// Cache entries expected per host.
    pub entries_per_host: f64,
    /// PNRP IDs expected to be registered over the whole run.
    pub registrations: f64,
}

/// Estimates the peak memory of one run of `s`.
pub fn estimate(s: &Scenario) -> Footprint {
    let hosts = f64::from(s.hosts.count);
    let names = f64::from(s.hosts.names_per_host);
    let live = hosts * names;
    let entries = entries_per_host(s, live);
    let again = reregistrations(s) * names;
    let bytes = FIXED_BYTES
        + hosts * (HOST_BYTES + names * NAME_BYTES + entries * ENTRY_BYTES)
        + again * REGISTRATION_BYTES
        + topology_bytes(s);
    Footprint {
        bytes: (bytes * MARGIN) as u64,
        entries_per_host: entries,
        registrations: live + again,
    }
}

/// The router graph of the `topology` latency model and its table of
/// delays between all router pairs: `routers²` `u32`s, which dominate
/// everything else from a few ten thousand routers on (100 000 routers
/// are 40 GB: left out, the estimate let such a run start and abort).
fn topology_bytes(s: &Scenario) -> f64 {
    match s.network.latency {
        crate::scenario::model::Latency::Topology {
            routers,
            links_per_router,
            ..
        } => {
            let routers = f64::from(routers);
            routers * routers * 4.0 + routers * f64::from(links_per_router) * GRAPH_LINK_BYTES
        }
        _ => 0.0,
    }
}

/// One link of the router graph (petgraph edge and adjacency) while the
/// delay table is computed, with Dijkstra's per-row scratch.
const GRAPH_LINK_BYTES: f64 = 64.0;

/// Cache entries of a host with m local IDs: the leaf sets (2 ·
/// leaf_per_side per ID) and the bands of the levels above them. Measured
/// over 10^3–10^4 hosts and 1–16 names (`pnrpsim run --stats`), a band level holds about 0.9 ·
/// capacity entries, the levels follow the estimator's
/// log_r(registrations / capacity) + ½, and m local IDs multiply the
/// bands by about √m (bands of nearby local IDs merge, and the upper
/// levels are shared).
fn entries_per_host(s: &Scenario, live: f64) -> f64 {
    let p = &s.pnrp;
    let m = f64::from(s.hosts.names_per_host);
    let leaves = 2.0 * f64::from(p.leaf_set_per_side) * m;
    let levels = Paths::new(s, live).cache_levels();
    let bands = 0.9 * f64::from(p.cache_level_capacity) * levels * m.sqrt();
    (leaves + bands).min((live - 1.0).max(0.0))
}

/// Hosts that register their names again under new IDs during the run:
/// every join after a downtime and every address change.
fn reregistrations(s: &Scenario) -> f64 {
    let hosts = f64::from(s.hosts.count);
    let secs = s.duration.as_secs_f64();
    let mut n = 0.0;
    if s.churn.enabled {
        let cycle = s.churn.session.mean.as_secs_f64() + s.churn.downtime.mean.as_secs_f64();
        if cycle > 0.0 {
            n += hosts * secs / cycle;
        }
    }
    if let Some(every) = s.workload.address_change_interval {
        let every = every.as_secs_f64();
        if every > 0.0 {
            n += hosts * secs / every;
        }
    }
    n
}
