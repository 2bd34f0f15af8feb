//! The scenario file schema.
//!
//! Every field has a default; the defaults are the protocol's values from
//! [MS-PNRP] where the spec gives one, and our own modelling choices
//! (marked **[ours]** in the README's field reference) where it is silent.
//! Unknown fields are rejected so that a typo never silently falls back to a
//! default.

use super::sweep::SweepSpec;
use crate::engine::SimDuration;
use crate::engine::units::{Duration, Size};
pub use crate::network::{Latency, NetworkConfig};
pub use crate::protocol::env::FloodBack;
use crate::protocol::node::Params;
pub use crate::workload::churn::{DistKind, DurationDist};
pub use crate::workload::names::Popularity;
pub use crate::workload::timeline::EventSpec;
use serde::{Deserialize, Serialize};

#[derive(Clone, Debug, Deserialize, Serialize, PartialEq)]
#[serde(deny_unknown_fields, default)]
pub struct Scenario {
    /// Names the output folder (`output/<name>/`); defaults to the file stem.
    pub name: String,
    pub description: String,
    pub seed: u64,
    /// Simulated time, warm-up included; absent means the warm-up and
    /// 50 minutes more ([`super::warmup`]).
    pub duration: Duration,
    /// Leading part of the run excluded from every metric; absent means the
    /// settled warm-up **[ours]** ([`super::warmup::settled`]).
    pub warmup: Duration,
    pub hosts: Hosts,
    pub network: NetworkConfig,
    pub pnrp: Pnrp,
    pub workload: Workload,
    pub churn: Churn,
    pub metrics: Metrics,
    /// Parameter sweep run by `pnrpsim sweep`; absent means the default
    /// names-per-host sweep.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub sweep: Option<SweepSpec>,
    /// Expected results that `pnrpsim check` compares the runs against;
    /// ignored by `run` and `sweep`.
    pub expect: Vec<Expect>,
    /// Hash of every counter of the scenario's runs (16 hex digits), pinned
    /// by `pnrpsim check --bless`; `check` fails on any difference, so that a
    /// behavioural change is caught exactly. An empty string asks `--bless`
    /// to fill it in.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub fingerprint: Option<String>,
    /// Design variants compared by `pnrpsim compare` (`[[design]]` tables).
    #[serde(rename = "design", skip_serializing_if = "Vec::is_empty")]
    pub designs: Vec<Design>,
    /// What-if timeline (`[[event]]` tables): scripted crashes, departures,
    /// flash crowds, partitions, loss and seed-server outages.
    #[serde(rename = "event", skip_serializing_if = "Vec::is_empty")]
    pub events: Vec<EventSpec>,
    /// Graph parameters of `hosts.shared_name_method = "group"`.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub group: Option<super::group::GroupConfig>,
    /// Whether `warmup` and `duration` took their defaults, which sweep
    /// points and designs then compute again ([`super::overrides::point_base`]).
    #[serde(skip)]
    pub defaulted: super::warmup::Defaulted,
}

/// A design variant: the scenario with some parameters overridden.
#[derive(Clone, Debug, Deserialize, Serialize, PartialEq)]
#[serde(deny_unknown_fields)]
pub struct Design {
    /// Short name, used in tables and file names.
    pub name: String,
    #[serde(default)]
    pub description: String,
    /// Overrides by dotted parameter path, e.g.
    /// `set = { "hosts.names_per_host" = 50 }`.
    #[serde(default)]
    pub set: toml::Table,
}

impl Default for Scenario {
    fn default() -> Self {
        Scenario {
            name: String::new(),
            description: String::new(),
            seed: 1,
            duration: super::warmup::default_duration(super::warmup::SHORT_WARMUP),
            warmup: super::warmup::SHORT_WARMUP,
            hosts: Hosts::default(),
            network: NetworkConfig::default(),
            pnrp: Pnrp::default(),
            workload: Workload::default(),
            churn: Churn::default(),
            metrics: Metrics::default(),
            sweep: None,
            expect: Vec::new(),
            fingerprint: None,
            designs: Vec::new(),
            events: Vec::new(),
            group: None,
            defaulted: super::warmup::Defaulted {
                warmup: true,
                duration: true,
            },
        }
    }
}

#[derive(Clone, Debug, Deserialize, Serialize, PartialEq)]
#[serde(deny_unknown_fields, default)]
pub struct Hosts {
    /// Hosts in the cloud (H).
    pub count: u32,
    /// Peer names each host registers (m).
    pub names_per_host: u32,
    /// Share of names that are also registered on other hosts (the same
    /// peer name on a person's several computers).
    pub shared_name_share: f64,
    /// How many hosts in total register each shared name.
    pub shared_name_hosts: u32,
    /// How the hosts of a shared name share it: `"identity"` (exported
    /// identity) or `"group"` (a peer group, [`super::group`]).
    pub shared_name_method: super::group::SharedNameMethod,
    /// Share of hosts whose firewall drops unsolicited inbound UDP 3540.
    pub firewalled_share: f64,
    /// Share of hosts reached over Teredo (28 extra bytes per datagram).
    pub teredo_share: f64,
    /// IPv6 addresses each host publishes in its route entries and CPAs
    /// (1–4, §3.1.4.1).
    pub addresses: u8,
    /// How the run begins **[ours]**: `"steady"` installs the state a
    /// long-lived cloud holds; `"joins"` has every host join.
    pub start: Start,
    /// With `start = "joins"`: hosts come online at uniformly random times
    /// within this window; absent means [`Hosts::join_spread`]'s rule.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub join_spread: Option<Duration>,
}

/// How a run begins (`hosts.start`).
#[derive(Clone, Copy, Debug, Deserialize, Serialize, PartialEq, Eq)]
#[serde(rename_all = "lowercase")]
pub enum Start {
    /// Every host's state as a long-lived cloud holds it (`crate::sim`).
    Steady,
    /// Every host joins, within `join_spread`, and builds its state itself.
    Joins,
}

/// Registrations per minute the default join spread lets join
/// ([`Hosts::join_spread`]) **[ours]**.
pub const JOINS_PER_MINUTE: f64 = 2500.0;

impl Hosts {
    /// The join window of a `"joins"` start: the one given, else one minute
    /// per [`JOINS_PER_MINUTE`] registrations (at least one minute). A
    /// flash crowd damages the cloud for good (issue #14: 20 000 × 5 names
    /// joining within 1 min left resolve success at 95.2 %, within 40 min
    /// at 100 %), so the window grows with the registrations that join.
    pub fn join_spread(&self) -> Duration {
        self.join_spread.unwrap_or_else(|| {
            let regs = f64::from(self.count) * f64::from(self.names_per_host);
            let minutes = (regs / JOINS_PER_MINUTE).max(1.0);
            Duration(SimDuration::from_secs_f64(minutes * 60.0))
        })
    }
}

impl Default for Hosts {
    fn default() -> Self {
        Hosts {
            count: 1000,
            names_per_host: 1,
            shared_name_share: 0.0,
            shared_name_hosts: 2,
            shared_name_method: super::group::SharedNameMethod::Identity,
            firewalled_share: 0.0,
            teredo_share: 0.0,
            addresses: Params::default().sizes.addresses,
            start: Start::Steady,
            join_spread: None,
        }
    }
}

#[derive(Clone, Debug, Deserialize, Serialize, PartialEq)]
#[serde(deny_unknown_fields, default)]
pub struct Pnrp {
    pub leaf_set_per_side: u32,
    pub cache_level_capacity: u32,
    pub level_span_ratio: u32,
    pub maintenance_period: Duration,
    /// Maintenance period while the cache is sparse (≤ `sparse_cache_entries`).
    pub sparse_maintenance_period: Duration,
    pub sparse_cache_entries: u32,
    pub retransmit_timeout: Duration,
    pub retries: u32,
    pub advertise_ids: u32,
    pub sync_peers: u32,
    pub max_hops: u32,
    pub max_suspicious: u32,
    pub lookups_per_hop: u32,
    pub flood_list_max: u32,
    pub refresh_interval: Duration,
    /// Mean interval between split detections in the whole cloud **[ours]**.
    pub split_detection_interval: Duration,
    /// A gap in cache level k is balanced when it exceeds this share of the
    /// level's span **[ours]**.
    pub balance_gap_fraction: f64,
    /// Which reading of the flood cascade hosts follow **[ours]**:
    /// `"sender"` (§3.2.5.11: flood back to the FLOOD's sender, forward to
    /// the cached IDs nearest the new entry) or `"owner"` (§4.4: flood back
    /// to the new entry, forward to the local ID's nearest neighbours).
    pub flood_back: FloodBack,
    pub secured_names: bool,
    pub app_endpoints: u32,
    /// Extra payload returned with each resolved CPA.
    pub extended_payload: Size,
    /// AUTHORITY buffers above this size are fragmented.
    pub fragment_size: Size,
}

/// Each `[pnrp]` field and the protocol parameter it sets: the one table of
/// the correspondence. It makes the section's defaults the protocol's own
/// ([`Params::default`]), so that the schema and the protocol cannot
/// disagree, and sets the parameters of [`Scenario::protocol_params`].
macro_rules! pnrp_fields {
    ($($field:ident => $($param:ident).+,)*) => {
        impl Default for Pnrp {
            fn default() -> Self {
                let p = Params::default();
                Pnrp {
                    $($field: ParamValue::from_param(p.$($param).+),)*
                }
            }
        }

        impl Pnrp {
            fn set_params(&self, p: &mut Params) {
                $(p.$($param).+ = self.$field.to_param();)*
            }
        }
    };
}

pnrp_fields! {
    leaf_set_per_side => cache.leaf_per_side,
    cache_level_capacity => cache.capacity,
    level_span_ratio => cache.span_ratio,
    maintenance_period => maintenance_period,
    sparse_maintenance_period => sparse_maintenance_period,
    sparse_cache_entries => sparse_cache_entries,
    retransmit_timeout => retransmit_timeout,
    retries => retries,
    advertise_ids => advertise_ids,
    sync_peers => sync_peers,
    max_hops => max_hops,
    max_suspicious => max_suspicious,
    lookups_per_hop => lookups_per_hop,
    flood_list_max => flood_list_max,
    refresh_interval => refresh_interval,
    split_detection_interval => split_detection_interval_secs,
    balance_gap_fraction => balance_gap_fraction,
    flood_back => flood_back,
    secured_names => sizes.secured,
    app_endpoints => sizes.app_endpoints,
    extended_payload => sizes.extended_payload,
    fragment_size => sizes.fragment,
}

/// A scenario value and the protocol parameter of type `P` it stands for,
/// converted both ways (validation keeps values within the parameter's
/// range).
trait ParamValue<P> {
    fn to_param(&self) -> P;
    fn from_param(p: P) -> Self;
}

impl<T: Copy> ParamValue<T> for T {
    fn to_param(&self) -> T {
        *self
    }
    fn from_param(p: T) -> T {
        p
    }
}

impl ParamValue<usize> for u32 {
    fn to_param(&self) -> usize {
        *self as usize
    }
    fn from_param(p: usize) -> u32 {
        p as u32
    }
}

impl ParamValue<u8> for u32 {
    fn to_param(&self) -> u8 {
        *self as u8
    }
    fn from_param(p: u8) -> u32 {
        u32::from(p)
    }
}

impl ParamValue<SimDuration> for Duration {
    fn to_param(&self) -> SimDuration {
        self.0
    }
    fn from_param(p: SimDuration) -> Duration {
        Duration(p)
    }
}

/// Seconds.
impl ParamValue<f64> for Duration {
    fn to_param(&self) -> f64 {
        self.as_secs_f64()
    }
    fn from_param(p: f64) -> Duration {
        Duration(SimDuration::from_secs_f64(p))
    }
}

impl ParamValue<u32> for Size {
    fn to_param(&self) -> u32 {
        self.0 as u32
    }
    fn from_param(p: u32) -> Size {
        Size(u64::from(p))
    }
}

impl ParamValue<usize> for Size {
    fn to_param(&self) -> usize {
        self.0 as usize
    }
    fn from_param(p: usize) -> Size {
        Size(p as u64)
    }
}

impl Scenario {
    /// The protocol parameters of this scenario: its `[pnrp]` section, and
    /// from `[hosts]` the names per host (the split-detection rate divides
    /// by it) and the addresses each route entry carries.
    pub fn protocol_params(&self) -> Params {
        let mut p = Params::default();
        p.sizes.addresses = self.hosts.addresses;
        self.pnrp.set_params(&mut p);
        p
    }
}

#[derive(Clone, Debug, Deserialize, Serialize, PartialEq)]
#[serde(deny_unknown_fields, default)]
pub struct Workload {
    /// Application resolves each online host issues per hour (Poisson).
    pub resolves_per_host_per_hour: f64,
    /// Which names the application resolves.
    pub popularity: Popularity,
    /// Zipf exponent when `popularity = "zipf"`.
    pub zipf_exponent: f64,
    /// Mean time between address changes of a host (exponential); absent
    /// means addresses never change.
    pub address_change_interval: Option<Duration>,
    /// After each successful resolve, the application sends a query of this
    /// size to the resolved host **[ours]** …
    pub app_query_request: Size,
    /// … which answers with this many bytes (e.g. the list of items a
    /// service offers). Both zero: no application query.
    pub app_query_response: Size,
}

impl Default for Workload {
    fn default() -> Self {
        Workload {
            resolves_per_host_per_hour: 1.0,
            popularity: Popularity::Uniform,
            zipf_exponent: 1.0,
            address_change_interval: None,
            app_query_request: Size(0),
            app_query_response: Size(0),
        }
    }
}

#[derive(Clone, Debug, Deserialize, Serialize, PartialEq)]
#[serde(deny_unknown_fields, default)]
pub struct Churn {
    pub enabled: bool,
    /// Online session length.
    pub session: DurationDist,
    /// Offline time between sessions.
    pub downtime: DurationDist,
    /// Share of departures that unregister cleanly; the rest crash.
    pub graceful_share: f64,
    /// Sessions replayed from a trace file (`host,up,down`, or the Failure
    /// Trace Archive's event trace), relative to the scenario file; its
    /// hosts are hosts 0, 1, … and those beyond it follow the rest of
    /// `[churn]` ([`crate::workload::trace`]).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub trace: Option<String>,
}

impl Default for Churn {
    fn default() -> Self {
        Churn {
            enabled: false,
            session: DurationDist::default(),
            downtime: DurationDist {
                mean: Duration::secs(1800),
                ..DurationDist::default()
            },
            graceful_share: 0.5,
            trace: None,
        }
    }
}

#[derive(Clone, Debug, Deserialize, Serialize, PartialEq)]
#[serde(deny_unknown_fields, default)]
pub struct Metrics {
    /// Width of one time-series window.
    pub window: Duration,
    /// How often the overlay's connected components are computed; absent
    /// turns the (costly at large scale) sampling off.
    pub connectivity_every: Option<Duration>,
    /// Hosts online for less than this within the measured period are left
    /// out of the per-host rate distribution **[ours]**: a host that joined
    /// seconds before the end would show its join burst divided by seconds.
    /// Their traffic still counts in every total.
    pub min_online: Duration,
}

impl Default for Metrics {
    fn default() -> Self {
        Metrics {
            window: Duration::secs(60),
            connectivity_every: Some(Duration::secs(300)),
            min_online: Duration::secs(300),
        }
    }
}

/// One `[[expect]]` entry: a run metric that `pnrpsim check` compares,
/// either with an expected value and a relative tolerance, or with bounds.
/// `src/check` resolves and applies it; `validate` checks its consistency.
#[derive(Clone, Debug, Default, Deserialize, Serialize, PartialEq)]
#[serde(deny_unknown_fields)]
pub struct Expect {
    /// A per-run metric of the [catalogue](crate::metrics::catalog), named
    /// as in `summary.csv` and `runs.csv` (`up_B_per_s`, `up_p95_B_per_s`,
    /// `up_flood_B_per_s`, `resolve_success_ratio`, `resolve_hops`, …).
    pub metric: String,
    /// Sweep point: a value of `sweep.values`, as written there or as the
    /// same number (`"12h"` or `43200` for a duration axis). Needed when the
    /// sweep has more than one value.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub point: Option<toml::Value>,
    /// Value of `sweep.series_values`, when the sweep has a series axis
    /// with more than one value.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub series: Option<toml::Value>,
    /// Expected value; absent until `--bless` fills it in.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub expected: Option<f64>,
    /// Relative tolerance around `expected` (0.05 = ± 5 %).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub tolerance: Option<f64>,
    /// Bounds, instead of `expected` and `tolerance`; either may be alone.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub min: Option<f64>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub max: Option<f64>,
}
