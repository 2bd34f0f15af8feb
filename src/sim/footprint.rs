//! A preflight estimate of the memory a run will need, so that a run too
//! big for the machine is refused before it starts instead of being killed
//! by the kernel an hour in.
//!
//! The estimate is a model of the simulator's data structures, not of the
//! protocol: a fixed part (program, event wheel), a part per host (host
//! state, counters, pending requests and events in flight), a part per
//! cache entry (the entry itself and its edge in the connectivity graph),
//! and a part per PNRP ID ever registered (the ID table never shrinks).
//! The per-item costs were measured as peak RSS of release builds (see
//! README, "Performance"); `tests/footprint.rs` checks the estimate against
//! measured runs, so a change to the data structures that breaks the model
//! fails a test.

use crate::scenario::Scenario;

/// Program, libraries, the event wheel and output buffers.
const FIXED_BYTES: f64 = 12.0 * 1024.0 * 1024.0;
/// Host state, per-host counters, pending requests and events in flight.
const HOST_BYTES: f64 = 3_000.0;
/// One cache entry (12 bytes, with the vector's growth slack) and its edge
/// in the connectivity graph while that is being computed.
const ENTRY_BYTES: f64 = 24.0;
/// One registration in the ID table.
const REGISTRATION_BYTES: f64 = 40.0;

/// The estimate, with the figures it was made from.
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct Estimate {
    pub bytes: u64,
    /// Cache entries expected per host.
    pub entries_per_host: f64,
    /// PNRP IDs expected to be registered over the whole run.
    pub registrations: f64,
}

/// Estimates the peak memory of one run of `s`.
pub fn estimate(s: &Scenario) -> Estimate {
    let hosts = f64::from(s.hosts.count);
    let names = f64::from(s.hosts.names_per_host);
    let live = hosts * names;
    let entries = entries_per_host(s, live);
    let registrations = live + reregistrations(s) * names;
    let bytes = FIXED_BYTES
        + hosts * (HOST_BYTES + entries * ENTRY_BYTES)
        + registrations * REGISTRATION_BYTES;
    Estimate {
        bytes: bytes as u64,
        entries_per_host: entries,
        registrations,
    }
}

/// Cache entries of a host with m local IDs in a cloud of `live` IDs: the
/// leaf sets (2 · leaf_per_side per ID), plus `capacity` per band of every
/// open level. A level opens when the band above overflows, so there are
/// about log_ratio(live / capacity) of them; bands of nearby local IDs
/// merge, and m random IDs keep about √m apart at the levels that matter.
fn entries_per_host(s: &Scenario, live: f64) -> f64 {
    let p = &s.pnrp;
    let m = f64::from(s.hosts.names_per_host);
    let capacity = f64::from(p.cache_level_capacity);
    let ratio = f64::from(p.level_span_ratio).max(2.0);
    let levels = ((live / capacity).max(1.0).ln() / ratio.ln()).max(1.0);
    let leaves = 2.0 * f64::from(p.leaf_set_per_side) * m;
    (leaves + capacity * levels * m.sqrt()).min((live - 1.0).max(0.0))
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
