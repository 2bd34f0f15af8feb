//! What a node reads during one reaction: the protocol parameters, the
//! clock, the table of IDs and the random stream.
//!
//! Its own module so that every procedure module (the node, resolution)
//! depends on it, and on nothing of each other's.

use super::cache::CacheParams;
use super::id::IdTable;
use super::message::WireSizes;
use crate::engine::{Rng, SimDuration, SimTime};
use serde::{Deserialize, Serialize};

/// Where a host that took a flooded entry X into a leaf set sends its own
/// route entry back, and which neighbours it floods X on to: the two
/// readings of the flood cascade **[ours]**. Both flood back only when X
/// arrived in a FLOOD from a host other than X's owner (§3.2.5.11).
#[derive(Clone, Copy, Debug, Deserialize, Serialize, PartialEq, Eq)]
#[serde(rename_all = "lowercase")]
pub enum FloodBack {
    /// §3.2.5.11 (normative): back to the FLOOD's sender; X goes on to the
    /// cached IDs nearest X on each side.
    Sender,
    /// §4.4 (informative example): back to X; X goes on to the leaf-set
    /// members nearest the local ID on each side.
    Owner,
}

/// Protocol parameters, resolved from the scenario.
#[derive(Clone, Debug)]
pub struct Params {
    pub cache: CacheParams,
    pub maintenance_period: SimDuration,
    pub sparse_maintenance_period: SimDuration,
    pub sparse_cache_entries: usize,
    pub retransmit_timeout: SimDuration,
    /// The Retry Count of §3.1.6.3: sends of a request in all.
    pub retries: u32,
    pub advertise_ids: usize,
    pub sync_peers: usize,
    pub max_hops: u32,
    pub max_suspicious: u32,
    pub lookups_per_hop: u32,
    pub flood_list_max: usize,
    pub refresh_interval: SimDuration,
    /// Mean seconds between split detections in the whole cloud.
    pub split_detection_interval_secs: f64,
    pub balance_gap_fraction: f64,
    pub flood_back: FloodBack,
    pub sizes: WireSizes,
}

/// Read-only world facts and the node's random stream for one reaction.
pub struct Env<'a> {
    pub now: SimTime,
    pub ids: &'a IdTable,
    pub params: &'a Params,
    pub rng: &'a mut Rng,
}

/// The values of [MS-PNRP] and Windows (where the specification leaves them
/// to the implementation), which the scenario's `[pnrp]` section takes as
/// its defaults: 5 leaf-set entries a side, 20 entries a cache level, 15 s
/// maintenance, a 1 s retransmission timeout with a Retry Count of 2 (two
/// sends), synchronisation with up to 10 hosts (note <2>), 22 hops, 6
/// suspicious replies, AUTHORITY fragments of 1 188 bytes. Defined here,
/// once, so the protocol's own tests and the scenario schema agree.
impl Default for Params {
    fn default() -> Self {
        Params {
            cache: CacheParams {
                capacity: 20,
                span_ratio: 10,
                leaf_per_side: 5,
            },
            maintenance_period: SimDuration::from_secs(15),
            sparse_maintenance_period: SimDuration::from_secs(10),
            sparse_cache_entries: 2,
            retransmit_timeout: SimDuration::from_secs(1),
            retries: 2,
            advertise_ids: 5,
            sync_peers: 10,
            max_hops: 22,
            max_suspicious: 6,
            lookups_per_hop: 3,
            flood_list_max: 22,
            refresh_interval: SimDuration::from_secs(86_400),
            split_detection_interval_secs: 10.0,
            balance_gap_fraction: 0.1,
            flood_back: FloodBack::Owner,
            sizes: WireSizes {
                addresses: 2,
                secured: true,
                app_endpoints: 1,
                extended_payload: 0,
                fragment: 1188,
            },
        }
    }
}
