//! A closed-form estimate of a scenario's bandwidth, by reason, to put
//! beside every simulated figure as a sanity check.
//!
//! The estimate multiplies how often each procedure runs (from the
//! population model, [`population`]) by what one run of it costs (message
//! counts from the procedure, path lengths from log10(registrations) in
//! [`paths`], sizes from the simulator's own message model in [`wire`]).
//! Per reason, whole cloud, in bytes/s:
//!
//! | reason | rate | cost of one |
//! |---|---|---|
//! | join | joins/s | synchronisation with min(sync_peers, 10, H−1) peers, and the validation (with the CPA) of every entry learnt |
//! | registration | joins/s · m | ID + 1 resolve from one entry, with its INQUIREs |
//! | flood | joins/s · m, and joins/s | §4.4 cascade and flood-backs; the leaf-set FLOODs of a joining publisher's synchronised entries |
//! | refresh | refreshes/s, and address changes/s · m | one-hop resolve of an ID its neighbours already hold (an address change re-advertises the same IDs, §3.2.7.2) |
//! | resolve | resolves/host/h · H_online / 3600 | application resolve with CPA fetch |
//! | app_query | the same | the application's query and answer, fragmented |
//! | maintenance | joins/s · the balancing resolves that spread a joining host's balanced levels (`balancing.rs`) | a resolve of a hole's midpoint, one hop past an application resolve's, validating the entries it is pointed to |
//! | split_detection | 1 / split_detection_interval | seed hop, own-successor hop and the closing INQUIRE |
//! | unregistration | departures/s · graceful share · m | revoke cascade and replacement FLOODs |
//!
//! Per host, the estimate is the cloud rate over the mean number of hosts
//! online: bytes per online host-second. It leaves out loss, firewalls and
//! shared names (docs/validation.md lists where it and the simulation
//! differ, and why).

mod balancing;
mod costs;
pub mod footprint;
pub mod paths;
pub mod population;
mod renewal;
mod wire;

pub use population::Population;

use crate::protocol::message::{IdList, Reason};
use crate::scenario::Scenario;
use costs::Costs;
use paths::Paths;
use wire::Wire;

/// The estimate of one scenario.
#[derive(Clone, Debug, PartialEq)]
pub struct AnalyticEstimate {
    pub population: Population,
    /// LOOKUP hops of an application resolve.
    pub resolve_hops: f64,
    /// Cache levels per host.
    pub cache_levels: f64,
    /// Bytes sent per second by the whole cloud, by [`Reason`] index.
    pub cloud_bytes_per_s: [f64; Reason::COUNT],
}

impl AnalyticEstimate {
    /// `None` when the scenario measures nothing (warm-up ≥ duration) or
    /// no host is ever online.
    pub fn of(s: &Scenario) -> Option<AnalyticEstimate> {
        let pop = Population::of(s)?;
        if pop.online <= 0.0 {
            return None;
        }
        let paths = Paths::new(s, pop.registrations);
        let p = &s.pnrp;
        let costs = Costs {
            wire: Wire::new(s),
            sends_unanswered: f64::from(p.retries),
            leaf: f64::from(p.leaf_set_per_side),
            flood_list_max: f64::from(p.flood_list_max),
            stale_hop: pop.stale_hop,
            stale_host: pop.stale_host,
        };
        let m = f64::from(s.hosts.names_per_host);
        let others = (pop.online - 1.0).max(0.0);
        let address_changes = s
            .workload
            .address_change_interval
            .map_or(0.0, |i| pop.online / i.as_secs_f64().max(1e-9));
        let levels = paths.cache_levels();

        let mut bytes = [0.0; Reason::COUNT];
        let mut add = |r: Reason, x: f64| bytes[r.index()] += x;
        let peers = f64::from(p.sync_peers)
            .min(crate::protocol::SEEDS_PER_JOIN as f64)
            .min(others);
        let advertised = (p.advertise_ids as usize).min(IdList::CAPACITY);
        add(
            Reason::Join,
            pop.joins_per_s * costs.join(peers, advertised, m > 0.0),
        );
        add(
            Reason::Registration,
            pop.joins_per_s * m * costs.registration(paths.registration(1.0)),
        );
        add(
            Reason::Flood,
            pop.joins_per_s
                * (m * costs.flood_cascade()
                    + costs.join_leaf_additions(peers, advertised, m > 0.0)),
        );
        add(
            Reason::Refresh,
            pop.refreshes_per_s * costs.refresh() + address_changes * m * costs.refresh(),
        );
        if others > 0.0 && m > 0.0 {
            let w = &s.workload;
            let per_s = w.resolves_per_host_per_hour / 3600.0 * pop.online;
            add(
                Reason::Resolve,
                per_s * costs.app_resolve(paths.app_resolve()),
            );
            // Every resolve is taken to succeed and be followed by the query.
            let query = costs.wire.app_data(w.app_query_request.0)
                + costs.wire.app_data(w.app_query_response.0);
            add(Reason::AppQuery, per_s * query);
        }
        // Cache balancing: the resolves a joining host runs to spread its
        // balanced levels (see `balancing`); departures open no holes there.
        let joiner = balancing::Joiner {
            balanced_levels: paths.balanced_levels(),
            local_ids: m,
            learnt: peers * advertised as f64,
            capacity: f64::from(p.cache_level_capacity),
            span_ratio: f64::from(p.level_span_ratio.max(2)),
            gap_fraction: p.balance_gap_fraction,
            per_resolve: paths.app_resolve(),
        };
        add(
            Reason::Maintenance,
            pop.joins_per_s * joiner.resolves() * costs.balancing(paths.app_resolve()),
        );
        if others > 0.0 {
            let per_s = 1.0 / p.split_detection_interval.as_secs_f64().max(1e-9);
            add(Reason::SplitDetection, per_s * costs.split_detection());
        }
        add(
            Reason::Unregistration,
            pop.departures_per_s * s.churn.graceful_share * m * costs.unregistration(),
        );
        Some(AnalyticEstimate {
            population: pop,
            resolve_hops: paths.app_resolve(),
            cache_levels: levels,
            cloud_bytes_per_s: bytes,
        })
    }

    /// Bytes/s per online host for one reason.
    pub fn per_host(&self, r: Reason) -> f64 {
        self.cloud_bytes_per_s[r.index()] / self.population.online
    }

    /// Bytes/s per online host, all reasons.
    pub fn per_host_total(&self) -> f64 {
        self.cloud_bytes_per_s.iter().sum::<f64>() / self.population.online
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_static_cloud_pays_only_resolves_refresh_and_split_detection() {
        let e = AnalyticEstimate::of(&Scenario::default()).unwrap();
        for r in [
            Reason::Join,
            Reason::Registration,
            Reason::Flood,
            Reason::Maintenance,
            Reason::Unregistration,
        ] {
            assert_eq!(e.per_host(r), 0.0, "{r:?}");
        }
        for r in [Reason::Refresh, Reason::Resolve, Reason::SplitDetection] {
            assert!(e.per_host(r) > 0.0, "{r:?}");
        }
        let sum: f64 = Reason::ALL.iter().map(|&r| e.per_host(r)).sum();
        assert!((sum - e.per_host_total()).abs() < 1e-12);
        // One split detection per 10 s for the whole cloud: two LOOKUP
        // round trips (about 650 B with headers) and the closing INQUIRE
        // with its CPA-sized AUTHORITY (about 720 B).
        let split = e.cloud_bytes_per_s[Reason::SplitDetection.index()];
        assert!(split > 100.0 && split < 200.0, "{split}");
    }

    #[test]
    fn publication_per_name_grows_only_with_the_path_length() {
        let publication = |m: u32| {
            let mut s = Scenario::default();
            s.churn.enabled = true;
            s.hosts.names_per_host = m;
            let e = AnalyticEstimate::of(&s).unwrap();
            e.per_host(Reason::Registration) + e.per_host(Reason::Flood)
        };
        // The cost of one more name (a joining publisher's flooding of its
        // synchronised entries is a cost per host, not per name).
        let (p1, p10, p100) = (publication(1), publication(10), publication(100));
        let (few, many) = ((p10 - p1) / 9.0, (p100 - p10) / 90.0);
        // Tenfold registrations: one more hop of the registration resolve.
        assert!(many > few && many < 1.1 * few, "{few} {many}");
    }

    #[test]
    fn nothing_measured_gives_no_estimate() {
        let mut s = Scenario::default();
        s.warmup = s.duration;
        assert_eq!(AnalyticEstimate::of(&s), None);
    }
}
