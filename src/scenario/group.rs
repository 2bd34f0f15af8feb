//! How a person's computers share one peer name (issue #20):
//! `hosts.shared_name_method` and the `[group]` table of the group method.
//!
//! - `identity`: the identity is exported to every computer, each of which
//!   registers the same secure name in PNRP (the model so far).
//! - `group`: the computers form a peer group ([MS-PPSEC] over
//!   [MS-PPGRH]); each member publishes the group's peer name in PNRP when
//!   it listens ([MS-PPSEC] §1.3.2.4), finds a member through PNRP when it
//!   connects (§1.3), and keeps a graph with the others over TCP.

use super::Scenario;
use super::units::{Duration, Size};
use super::validate::Problem;
use crate::engine::SimDuration;
use crate::protocol::graphing::GraphParams;
use serde::{Deserialize, Serialize};

/// `hosts.shared_name_method`.
#[derive(Clone, Copy, Debug, Default, Deserialize, Serialize, PartialEq, Eq)]
#[serde(rename_all = "lowercase")]
pub enum SharedNameMethod {
    #[default]
    Identity,
    Group,
}

/// The `[group]` table: graph parameters of the group method. Every
/// default is [ours] (docs/model.md gives the reasons) except the presence
/// lifetime, [MS-PPGRH] §2.2.3.1's default.
#[derive(Clone, Debug, Deserialize, Serialize, PartialEq)]
#[serde(deny_unknown_fields, default)]
pub struct GroupConfig {
    /// Presence Lifetime of the graph (§2.2.3.1: at least 300 s).
    pub presence_lifetime: Duration,
    /// Application records each member publishes.
    pub records_per_member: u32,
    /// Payload of one application record.
    pub record_bytes: Size,
    /// How often a member updates its application records.
    pub record_refresh: Duration,
    /// Ideal Neighbors (§3.1.1: 3).
    pub ideal_neighbors: u32,
}

impl Default for GroupConfig {
    fn default() -> Self {
        let p = GraphParams::default();
        GroupConfig {
            presence_lifetime: Duration(p.presence_lifetime),
            records_per_member: p.records_per_member,
            record_bytes: Size(u64::from(p.record_bytes)),
            record_refresh: Duration(p.record_refresh),
            ideal_neighbors: p.ideal_neighbors as u32,
        }
    }
}

impl GroupConfig {
    /// The graph parameters, with the hosts' address count.
    pub fn graph_params(&self, addresses: u8) -> GraphParams {
        GraphParams {
            presence_lifetime: self.presence_lifetime.0,
            records_per_member: self.records_per_member,
            record_bytes: self.record_bytes.0.min(u64::from(u32::MAX)) as u32,
            record_refresh: self.record_refresh.0,
            ideal_neighbors: self.ideal_neighbors as usize,
            addresses,
            ..GraphParams::default()
        }
    }
}

/// Shortest presence lifetime (§2.2.3.1: "greater than or equal to 300").
const MIN_PRESENCE_LIFETIME: SimDuration = SimDuration::from_secs(300);

/// The rules of the group method.
pub(super) fn problems(s: &Scenario) -> Vec<Problem> {
    let mut out = Vec::new();
    let mut fail = |path: &str, message: String| {
        out.push(Problem {
            path: path.to_owned(),
            message,
        })
    };
    let h = &s.hosts;
    match (h.shared_name_method, &s.group) {
        (SharedNameMethod::Identity, Some(_)) => fail(
            "group",
            "group parameters apply only with `hosts.shared_name_method = \"group\"` (the method is \"identity\")".to_owned(),
        ),
        (SharedNameMethod::Group, group) => {
            if h.shared_name_hosts < 2 {
                fail(
                    "hosts.shared_name_hosts",
                    format!("must be at least 2 with the group method: a group joins a person's several computers (got {})", h.shared_name_hosts),
                );
            }
            if h.shared_name_share <= 0.0 {
                fail(
                    "hosts.shared_name_share",
                    format!("must be above 0 with the group method, or no group exists (got {})", h.shared_name_share),
                );
            }
            let g = group.clone().unwrap_or_default();
            if g.presence_lifetime.0 < MIN_PRESENCE_LIFETIME {
                fail(
                    "group.presence_lifetime",
                    format!("must be at least 300s ([MS-PPGRH] §2.2.3.1) (got {})", g.presence_lifetime),
                );
            }
            if g.record_refresh.0 == SimDuration::ZERO {
                fail(
                    "group.record_refresh",
                    format!("must be longer than 0s (got {})", g.record_refresh),
                );
            }
            if !(1..=7).contains(&g.ideal_neighbors) {
                fail(
                    "group.ideal_neighbors",
                    format!("must be between 1 and 7, the Maximum Neighbors of §3.1.1 (got {})", g.ideal_neighbors),
                );
            }
        }
        (SharedNameMethod::Identity, None) => {}
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    fn paths(s: &Scenario) -> Vec<String> {
        problems(s).into_iter().map(|p| p.path).collect()
    }

    fn group() -> Scenario {
        let mut s = Scenario::default();
        s.hosts.shared_name_method = SharedNameMethod::Group;
        s.hosts.shared_name_share = 0.5;
        s.hosts.shared_name_hosts = 3;
        s
    }

    #[test]
    fn a_group_needs_two_computers_and_shared_names() {
        assert!(paths(&group()).is_empty());
        let mut s = group();
        s.hosts.shared_name_hosts = 1;
        s.hosts.shared_name_share = 0.0;
        assert_eq!(
            paths(&s),
            ["hosts.shared_name_hosts", "hosts.shared_name_share"]
        );
    }

    #[test]
    fn group_parameters_are_refused_with_identity() {
        let mut s = Scenario {
            group: Some(GroupConfig::default()),
            ..Scenario::default()
        };
        assert_eq!(paths(&s), ["group"]);
        s.group = None;
        assert!(paths(&s).is_empty());
    }

    #[test]
    fn intervals_must_be_positive_and_presence_at_least_300_s() {
        let mut s = group();
        s.group = Some(GroupConfig {
            presence_lifetime: Duration(SimDuration::ZERO),
            record_refresh: Duration(SimDuration::ZERO),
            ideal_neighbors: 0,
            ..GroupConfig::default()
        });
        assert_eq!(
            paths(&s),
            [
                "group.presence_lifetime",
                "group.record_refresh",
                "group.ideal_neighbors"
            ]
        );
    }
}
