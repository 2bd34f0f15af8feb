//! Where each parameter's value comes from, for the report page
//! (`--report`): the scenario file, a `--set` option, or the default — and a
//! default is either a value of the specification (with its section) or
//! our own modelling choice, **[ours]**. The sources are the README's
//! scenario reference; `tests/readme.rs` checks that the two agree.

use super::overrides::parse_set;
use std::collections::BTreeSet;

/// The source column of the README's scenario reference, for every
/// parameter that has one; the others ("—") are settings of the study with
/// no protocol value (cloud size, duration, names per host…).
const SOURCES: &[(&str, &str)] = &[
    (
        "warmup",
        "[ours] (1.5 mean sessions under churn from a steady start)",
    ),
    ("hosts.shared_name_share", "[ours]"),
    ("hosts.shared_name_hosts", "[ours]"),
    ("hosts.shared_name_method", "[ours]"),
    ("group.presence_lifetime", "§2.2.3.1"),
    ("group.records_per_member", "[ours]"),
    ("group.record_bytes", "[ours]"),
    ("group.record_refresh", "[ours]"),
    ("group.ideal_neighbors", "§3.1.1"),
    ("hosts.firewalled_share", "[ours]"),
    ("hosts.teredo_share", "[ours]"),
    ("hosts.addresses", "[ours]"),
    ("hosts.start", "[ours]"),
    ("hosts.join_spread", "[ours]"),
    ("network.loss", "[ours]"),
    ("network.latency.model", "[ours]"),
    ("network.latency.median", "[ours]"),
    ("network.latency.sigma", "[ours]"),
    ("network.latency.delay", "[ours]"),
    ("network.latency.min", "[ours]"),
    ("network.latency.max", "[ours]"),
    ("network.latency.routers", "[ours]"),
    ("network.latency.links_per_router", "[ours]"),
    ("network.latency.link_delay_min", "[ours]"),
    ("network.latency.link_delay_max", "[ours]"),
    ("network.latency.access_delay_min", "[ours]"),
    ("network.latency.access_delay_max", "[ours]"),
    ("pnrp.leaf_set_per_side", "§3.2.1"),
    ("pnrp.cache_level_capacity", "\"PNRP Caches\""),
    ("pnrp.level_span_ratio", "\"PNRP Caches\""),
    ("pnrp.maintenance_period", "§3.1.2, §6 note 1"),
    ("pnrp.sparse_maintenance_period", "§6 note 1"),
    ("pnrp.sparse_cache_entries", "§6 note 1"),
    ("pnrp.retransmit_timeout", "§3.1.2"),
    ("pnrp.retries", "§3.1.6.3"),
    ("pnrp.advertise_ids", "§3.2.5.3"),
    ("pnrp.sync_peers", "§3.1.4.2, §6 note 2"),
    ("pnrp.max_hops", "§3.1.4.4.2"),
    ("pnrp.max_suspicious", "§3.1.4.4.2"),
    ("pnrp.lookups_per_hop", "§3.1.4.4.2"),
    ("pnrp.flood_list_max", "§2.2.2.4"),
    ("pnrp.refresh_interval", "PNRPINFO dwLifetime"),
    (
        "pnrp.split_detection_interval",
        "[ours] (§3.2.6.2.1 gives no number)",
    ),
    (
        "pnrp.balance_gap_fraction",
        "[ours] (§6 note 6 gives none); 0.1 makes levels follow log10(registrations), see docs/validation.md",
    ),
    (
        "pnrp.flood_back",
        "[ours] (§3.2.5.11 and the §4.4 example disagree)",
    ),
    ("pnrp.secured_names", "§2.2.3.1"),
    ("pnrp.app_endpoints", "§2.2.3.1.3"),
    ("pnrp.extended_payload", "§2.2.3.3"),
    ("pnrp.fragment_size", "§2.2.2.6"),
    ("workload.resolves_per_host_per_hour", "[ours]"),
    ("workload.popularity", "[ours]"),
    ("workload.zipf_exponent", "[ours]"),
    ("workload.address_change_interval", "[ours]"),
    ("workload.app_query_request", "[ours]"),
    ("workload.app_query_response", "[ours]"),
    ("churn.enabled", "[ours]"),
    ("churn.session.dist", "[ours]"),
    ("churn.session.mean", "[ours]"),
    ("churn.session.shape", "[ours]"),
    ("churn.downtime.dist", "[ours]"),
    ("churn.downtime.mean", "[ours]"),
    ("churn.downtime.shape", "[ours]"),
    ("churn.graceful_share", "[ours]"),
    ("metrics.min_online", "[ours]"),
];

/// The README's source of a parameter's default; `None` for a setting of
/// the study ("—").
pub fn source(path: &str) -> Option<&'static str> {
    SOURCES.iter().find(|(p, _)| *p == path).map(|(_, s)| *s)
}

/// Where a parameter's value was set.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Origin {
    /// Not set anywhere: the default, with its [`source`].
    Default(Option<&'static str>),
    /// The scenario file.
    File,
    /// A `--set` option, which wins over the file.
    Set,
}

impl Origin {
    /// For a reader: "default — our modelling choice", "scenario file"…
    pub fn describe(&self) -> String {
        match self {
            Origin::File => "set by the scenario file".to_owned(),
            Origin::Set => "set by `--set`".to_owned(),
            Origin::Default(Some(s)) if s.starts_with("[ours]") => {
                let note = s.trim_start_matches("[ours]").trim();
                let note = if note.is_empty() {
                    String::new()
                } else {
                    format!(" {note}")
                };
                format!("default — **our modelling choice [ours]**{note}")
            }
            Origin::Default(Some(s)) => format!("default — specification value ({s})"),
            Origin::Default(None) => "default (a study setting, no protocol value)".to_owned(),
        }
    }
}

/// The parameters a scenario file and its `--set` options set explicitly.
#[derive(Clone, Debug, Default)]
pub struct Provenance {
    file: BTreeSet<String>,
    sets: BTreeSet<String>,
}

/// The dotted paths of every non-table value under `value`, prefixed.
fn leaves(prefix: &str, value: &toml::Value, out: &mut BTreeSet<String>) {
    match value {
        toml::Value::Table(t) => {
            for (k, v) in t {
                let path = if prefix.is_empty() {
                    k.clone()
                } else {
                    format!("{prefix}.{k}")
                };
                leaves(&path, v, out);
            }
        }
        _ => {
            out.insert(prefix.to_owned());
        }
    }
}

impl Provenance {
    /// From the file's text (already loaded successfully, so it parses)
    /// and the `--set` options as given.
    pub fn new(file_text: &str, sets: &[String]) -> Provenance {
        let mut p = Provenance::default();
        if let Ok(table) = file_text.parse::<toml::Table>() {
            leaves("", &toml::Value::Table(table), &mut p.file);
        }
        for (path, value) in sets.iter().filter_map(|s| parse_set(s).ok()) {
            leaves(&path, &value, &mut p.sets);
        }
        p
    }

    pub fn origin(&self, path: &str) -> Origin {
        if self.sets.contains(path) {
            Origin::Set
        } else if self.file.contains(path) {
            Origin::File
        } else {
            Origin::Default(source(path))
        }
    }

    /// Every parameter path set by the file or a `--set`, sorted.
    pub fn explicit(&self) -> impl Iterator<Item = &String> {
        self.file.union(&self.sets)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn sets_win_over_the_file_and_defaults_carry_their_source() {
        let file = "duration = \"30min\"\n[churn]\nenabled = true\nsession = { mean = \"2h\" }\n";
        let p = Provenance::new(
            file,
            &[
                "churn.session.mean=1h".to_owned(),
                "network.latency={model=\"constant\",delay=\"20ms\"}".to_owned(),
            ],
        );
        assert_eq!(p.origin("duration"), Origin::File);
        assert_eq!(p.origin("churn.enabled"), Origin::File);
        assert_eq!(p.origin("churn.session.mean"), Origin::Set);
        assert_eq!(p.origin("network.latency.delay"), Origin::Set);
        assert!(matches!(p.origin("warmup"), Origin::Default(Some(s)) if s.starts_with("[ours]")));
        assert_eq!(
            p.origin("pnrp.leaf_set_per_side"),
            Origin::Default(Some("§3.2.1"))
        );
        assert_eq!(p.origin("hosts.count"), Origin::Default(None));
        assert!(p.origin("warmup").describe().contains("[ours]"));
        let explicit: Vec<&String> = p.explicit().collect();
        assert!(explicit.contains(&&"churn.session.mean".to_owned()));
        assert!(explicit.contains(&&"network.latency.model".to_owned()));
    }
}
