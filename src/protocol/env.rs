//! What a node reads during one reaction: the protocol parameters, the
//! clock, the table of IDs and the random stream.
//!
//! Its own module so that every procedure module (the node, resolution)
//! depends on it, and on nothing of each other's.

use super::cache::CacheParams;
use super::id::IdTable;
use super::message::SizeModel;
use crate::engine::{Rng, SimDuration, SimTime};

/// Protocol parameters, resolved from the scenario.
#[derive(Clone, Debug)]
pub struct Params {
    pub cache: CacheParams,
    pub maintenance_period: SimDuration,
    pub sparse_maintenance_period: SimDuration,
    pub sparse_cache_entries: usize,
    pub retransmit_timeout: SimDuration,
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
    pub names_per_host: f64,
    pub sizes: SizeModel,
}

/// Read-only world facts and the node's random stream for one reaction.
pub struct Env<'a> {
    pub now: SimTime,
    pub ids: &'a IdTable,
    pub params: &'a Params,
    pub rng: &'a mut Rng,
}
