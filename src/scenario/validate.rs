//! Semantic checks of a deserialized [`Scenario`]: the values that parse
//! and have the right type but would make a run meaningless, divide by zero
//! or never end.
//!
//! Every value is checked even when the feature that reads it is switched
//! off (churn parameters while `churn.enabled = false`, `zipf_exponent`
//! under uniform popularity), so that a sweep which switches the feature on
//! never meets a value that was silently accepted. The one exception is
//! `hosts.shared_name_hosts`, whose value is meaningless without shared names.

use super::model::{
    Churn, DistKind, DurationDist, Expect, Hosts, Latency, Metrics, NetworkConfig, Pnrp, Scenario,
    Start, Workload,
};
use crate::engine::SimDuration;
use crate::engine::units::{Duration, Size};
use std::fmt;

/// Most names one host may register. Adding a local ID re-derives every
/// cache entry's level against every local ID, so registering m names on
/// one host costs O(m³): 1 000 names take 3 s, 3 000 take 70 s, and 10^6
/// ran for hours inside one event, beyond `--max-wall`'s reach (issue
/// #16, H1). 1 024 is the largest value `pnrpsim size` tries by default.
pub const MAX_NAMES_PER_HOST: u32 = 1024;

/// One thing wrong with a scenario.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Problem {
    /// Dotted path of the offending parameter, e.g. `hosts.count`; one of
    /// [`parameter_paths`](super::overrides::parameter_paths), or an `[[expect]]`
    /// entry or its field, e.g. `expect.2.tolerance` (index from 0).
    pub path: String,
    /// What is allowed and what was found, e.g. `must be at least 1 (got 0)`.
    pub message: String,
}

impl fmt::Display for Problem {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}: {}", self.path, self.message)
    }
}

/// Smallest AUTHORITY fragment we accept: below it the fixed headers would
/// not fit and fragmentation would never make progress.
const MIN_FRAGMENT_SIZE: Size = Size(100);

/// Checks every semantic rule and returns all problems, in schema order.
pub fn validate(s: &Scenario) -> Result<(), Vec<Problem>> {
    let mut c = Checks::default();
    if let Some(problem) = folder_name_problem(&s.name) {
        c.fail("name", problem);
    }
    c.positive("duration", s.duration);
    if s.warmup >= s.duration {
        c.fail(
            "warmup",
            format!(
                "must be shorter than `duration` ({}) (got {})",
                s.duration, s.warmup
            ),
        );
    }
    c.hosts(&s.hosts);
    c.network(&s.network);
    c.pnrp(&s.pnrp);
    c.workload(&s.workload);
    c.churn(&s.churn);
    if let (Start::Steady, Some(_)) = (s.hosts.start, &s.churn.trace) {
        c.fail(
            "churn.trace",
            "needs `hosts.start = \"joins\"`: a steady start draws each host's state from the parametric churn, while a trace says when each host comes online; add `start = \"joins\"` to [hosts]".to_owned(),
        );
    }
    c.metrics(&s.metrics);
    if s.warmup < s.duration {
        let measured = Duration(SimDuration(s.duration.0.0 - s.warmup.0.0));
        if s.metrics.min_online >= measured {
            c.fail(
                "metrics.min_online",
                format!(
                    "must be shorter than the measured time, `duration` − `warmup` ({measured}) (got {})",
                    s.metrics.min_online
                ),
            );
        }
    }
    if let Some(sweep) = &s.sweep {
        c.sweep(sweep);
    }
    c.expectations(&s.expect, s.sweep.as_ref());
    if let Some(fingerprint) = &s.fingerprint {
        c.fingerprint(fingerprint);
    }
    c.designs(&s.designs);
    for (path, message) in crate::workload::timeline::problems(&s.events, s.duration, s.hosts.count)
    {
        c.fail(&path, message);
    }
    c.problems.extend(super::group::problems(s));
    if c.problems.is_empty() {
        Ok(())
    } else {
        Err(c.problems)
    }
}

/// Smallest Weibull shape: measured DHT session times have shapes of
/// 0.3 to 0.8 [ours: a bound with room on either side of the data].
pub const MIN_WEIBULL_SHAPE: f64 = 0.1;

/// Longest scenario (and design) `name`.
pub const MAX_NAME_CHARS: usize = 100;

/// Why `name` cannot be used as one folder name (`output/<name>/`), if it
/// cannot. Restricted to a portable character set so that the same scenario
/// writes to the same folder on every OS and never escapes `output/`.
pub fn folder_name_problem(name: &str) -> Option<String> {
    if name.is_empty() {
        Some("must not be empty (it names the output folder)".to_owned())
    } else if name.starts_with('.') {
        Some(format!("must not start with `.` (got `{name}`)"))
    } else if name.chars().count() > MAX_NAME_CHARS {
        // A file system refuses a folder name over 255 bytes, and the
        // output directory's files add their names to it.
        Some(format!(
            "must be at most {MAX_NAME_CHARS} characters, as it names the output folder (got {})",
            name.chars().count()
        ))
    } else if !name
        .chars()
        .all(|c| c.is_ascii_alphanumeric() || matches!(c, '_' | '.' | '-'))
    {
        Some(format!(
            "may contain only letters, digits, `_`, `.` and `-`, as it names the output folder (got `{name}`)"
        ))
    } else {
        None
    }
}

#[derive(Default)]
struct Checks {
    problems: Vec<Problem>,
}

impl Checks {
    /// Each design needs a unique, folder-safe name and overrides of real
    /// parameters (their values are checked when the variant is built).
    fn designs(&mut self, designs: &[crate::scenario::Design]) {
        let known = super::overrides::parameter_paths();
        for (i, d) in designs.iter().enumerate() {
            let at = format!("design[{i}]");
            if let Some(problem) = folder_name_problem(&d.name) {
                self.fail(&format!("{at}.name"), problem);
            } else if designs[..i].iter().any(|e| e.name == d.name) {
                self.fail(
                    &format!("{at}.name"),
                    format!("`{}` is used by an earlier design", d.name),
                );
            }
            for path in d.set.keys() {
                let own = path.starts_with("sweep.") || path.starts_with("design");
                if own || !known.contains(path) {
                    self.fail(
                        &format!("{at}.set"),
                        format!("unknown parameter `{path}`; a design overrides dotted parameter paths such as `hosts.names_per_host`"),
                    );
                }
            }
        }
    }

    /// The sweep's axes must be real parameters and its values usable.
    fn sweep(&mut self, sw: &crate::scenario::sweep::SweepSpec) {
        let known = super::overrides::parameter_paths();
        for (field, path) in [
            ("sweep.axis", Some(&sw.axis)),
            ("sweep.series_axis", sw.series_axis.as_ref()),
        ] {
            if let Some(path) = path.filter(|p| !known.contains(p) || p.starts_with("sweep.")) {
                self.fail(
                    field,
                    format!(
                        "unknown parameter `{path}`; an axis is a dotted parameter path such as \
                         `hosts.names_per_host` or `pnrp.refresh_interval`"
                    ),
                );
            }
        }
        if let Err(e) = sw.plan() {
            self.fail("sweep", e);
        }
    }

    /// Each `[[expect]]` entry must name a metric, take one of the two
    /// forms (`expected` with `tolerance`, or bounds) with usable numbers,
    /// and address a point the sweep has. Problems are reported at
    /// `expect.<index>[.<field>]`, which load turns into the entry's line.
    fn expectations(
        &mut self,
        entries: &[Expect],
        sweep: Option<&crate::scenario::sweep::SweepSpec>,
    ) {
        use super::expect::point_index;
        use crate::metrics::catalog;
        // A sweep that does not plan is reported by `sweep` already.
        let plan = match sweep.map(crate::scenario::sweep::SweepSpec::plan) {
            Some(Err(_)) => None,
            Some(Ok(plan)) => Some(Some(plan)),
            None => Some(None),
        };
        for (i, e) in entries.iter().enumerate() {
            let at = |field: Option<&str>| match field {
                Some(field) => format!("expect.{i}.{field}"),
                None => format!("expect.{i}"),
            };
            if catalog::per_run_index(&e.metric).is_none() {
                self.fail(&at(Some("metric")), catalog::not_per_run(&e.metric));
            }
            for (field, value) in [
                ("expected", e.expected),
                ("tolerance", e.tolerance),
                ("min", e.min),
                ("max", e.max),
            ] {
                if let Some(v) = value {
                    self.number(&at(Some(field)), v, true, "a finite number");
                }
            }
            if let Some(t) = e.tolerance {
                self.number(
                    &at(Some("tolerance")),
                    t,
                    t >= 0.0,
                    "at least 0 (a relative tolerance: 0.05 is ± 5 %)",
                );
            }
            if let (Some(min), Some(max)) = (e.min, e.max) {
                if min > max {
                    self.fail(
                        &at(Some("min")),
                        format!("must not exceed `max` ({max}) (got {min})"),
                    );
                }
            }
            let bounds = e.min.is_some() || e.max.is_some();
            if bounds && (e.expected.is_some() || e.tolerance.is_some()) {
                let field = if e.expected.is_some() {
                    "expected"
                } else {
                    "tolerance"
                };
                self.fail(
                    &at(Some(field)),
                    "give either `expected` with `tolerance`, or bounds `min`/`max`, not both",
                );
            } else if e.expected.is_some() && e.tolerance.is_none() {
                self.fail(
                    &at(Some("expected")),
                    "needs a relative `tolerance` beside it, e.g. `tolerance = 0.05` for ± 5 %",
                );
            } else if !bounds && e.tolerance.is_none() {
                self.fail(
                    &at(None),
                    "give `expected` with a relative `tolerance`, or only `tolerance` for \
                     `pnrpsim check --bless` to fill in `expected`, or bounds `min`/`max`",
                );
            }
            if let Some(plan) = &plan {
                if let Err((field, message)) = point_index(e, plan.as_ref()) {
                    self.fail(&at(field), message);
                }
            }
        }
    }

    fn fingerprint(&mut self, f: &str) {
        let hex = f.len() == 16
            && f.bytes()
                .all(|b| b.is_ascii_digit() || (b'a'..=b'f').contains(&b));
        if !f.is_empty() && !hex {
            self.fail(
                "fingerprint",
                format!(
                    "must be 16 lowercase hexadecimal digits as written by `pnrpsim check --bless`, \
                     or \"\" for `--bless` to fill in (got \"{f}\")"
                ),
            );
        }
    }

    fn fail(&mut self, path: &str, message: impl Into<String>) {
        self.problems.push(Problem {
            path: path.to_owned(),
            message: message.into(),
        });
    }

    fn at_least(&mut self, path: &str, got: u32, min: u32) {
        if got < min {
            self.fail(path, format!("must be at least {min} (got {got})"));
        }
    }

    fn within(&mut self, path: &str, got: u32, min: u32, max: u32) {
        if !(min..=max).contains(&got) {
            self.fail(path, format!("must be between {min} and {max} (got {got})"));
        }
    }

    fn positive(&mut self, path: &str, got: Duration) {
        if got.0.as_micros() == 0 {
            self.fail(path, format!("must be longer than 0s (got {got})"));
        }
    }

    /// A float that must be finite and satisfy `ok`; `allowed` completes
    /// "must be …". NaN and infinities fail every rule, as TOML can spell
    /// them (`nan`, `inf`) and they would poison every sum they enter.
    fn number(&mut self, path: &str, got: f64, ok: bool, allowed: &str) {
        if !(got.is_finite() && ok) {
            // 1e-300 as such, not as three hundred zeros.
            let got = if got != 0.0 && !(1e-6..1e15).contains(&got.abs()) {
                format!("{got:e}")
            } else {
                got.to_string()
            };
            self.fail(path, format!("must be {allowed} (got {got})"));
        }
    }

    fn share(&mut self, path: &str, got: f64) {
        self.number(path, got, (0.0..=1.0).contains(&got), "between 0 and 1");
    }

    /// `min_path` names the lower bound of a range whose upper bound is the
    /// sibling `max_name`.
    fn ordered(&mut self, min_path: &str, min: Duration, max_name: &str, max: Duration) {
        if min > max {
            self.fail(
                min_path,
                format!("must not exceed `{max_name}` ({max}) (got {min})"),
            );
        }
    }

    fn hosts(&mut self, h: &Hosts) {
        self.at_least("hosts.count", h.count, 1);
        self.at_least("hosts.names_per_host", h.names_per_host, 1);
        if h.names_per_host > MAX_NAMES_PER_HOST {
            self.fail(
                "hosts.names_per_host",
                format!(
                    "must be at most {MAX_NAMES_PER_HOST} (got {}): a host's cache re-derives its levels for each of its names, a cost that grows with the cube of the names on one host",
                    h.names_per_host
                ),
            );
        }
        self.share("hosts.shared_name_share", h.shared_name_share);
        if h.shared_name_share > 0.0 {
            self.at_least("hosts.shared_name_hosts", h.shared_name_hosts, 2);
        }
        self.share("hosts.firewalled_share", h.firewalled_share);
        self.share("hosts.teredo_share", h.teredo_share);
        // A node listens on at most four addresses (§3.1.4.1).
        self.within("hosts.addresses", u32::from(h.addresses), 1, 4);
        if let (Start::Steady, Some(spread)) = (h.start, h.join_spread) {
            self.fail(
                "hosts.join_spread",
                format!(
                    "applies only to `hosts.start = \"joins\"`: a steady start has no joins to spread; remove it, or set `hosts.start = \"joins\"` to study the bootstrap (got {spread})"
                ),
            );
        }
    }

    fn network(&mut self, n: &NetworkConfig) {
        self.share("network.loss", n.loss);
        match &n.latency {
            Latency::Constant { .. } | Latency::Uniform { .. } => {}
            Latency::Lognormal { median, sigma } => {
                // ln(0) = -inf: a log-normal needs a positive median.
                self.positive("network.latency.median", *median);
                self.number("network.latency.sigma", *sigma, *sigma >= 0.0, "at least 0");
            }
            Latency::Topology {
                routers,
                links_per_router,
                ..
            } => {
                self.at_least("network.latency.routers", *routers, 2);
                self.at_least("network.latency.links_per_router", *links_per_router, 1);
                // Preferential attachment links each new router to that many
                // distinct existing ones.
                if links_per_router >= routers {
                    self.fail(
                        "network.latency.links_per_router",
                        format!("must be less than `routers` ({routers}) (got {links_per_router})"),
                    );
                }
            }
        }
        for (min_field, min, max_field, max) in n.latency.ranges() {
            self.ordered(&format!("network.latency.{min_field}"), min, max_field, max);
        }
    }

    fn pnrp(&mut self, p: &Pnrp) {
        self.at_least("pnrp.leaf_set_per_side", p.leaf_set_per_side, 1);
        self.at_least("pnrp.cache_level_capacity", p.cache_level_capacity, 1);
        // Each cache level must cover a strictly smaller part of the ID space.
        self.at_least("pnrp.level_span_ratio", p.level_span_ratio, 2);
        self.positive("pnrp.maintenance_period", p.maintenance_period);
        self.positive(
            "pnrp.sparse_maintenance_period",
            p.sparse_maintenance_period,
        );
        self.positive("pnrp.retransmit_timeout", p.retransmit_timeout);
        self.at_least("pnrp.advertise_ids", p.advertise_ids, 1);
        self.at_least("pnrp.sync_peers", p.sync_peers, 1);
        self.at_least("pnrp.max_hops", p.max_hops, 1);
        self.at_least("pnrp.lookups_per_hop", p.lookups_per_hop, 1);
        self.at_least("pnrp.flood_list_max", p.flood_list_max, 1);
        self.positive("pnrp.refresh_interval", p.refresh_interval);
        self.positive("pnrp.split_detection_interval", p.split_detection_interval);
        let gap = p.balance_gap_fraction;
        self.number(
            "pnrp.balance_gap_fraction",
            gap,
            gap > 0.0 && gap <= 1.0,
            "greater than 0 and at most 1",
        );
        // A PAYLOAD holds 20–200 bytes of 20-byte endpoints (§2.2.3.1.2).
        self.within("pnrp.app_endpoints", p.app_endpoints, 0, 10);
        // A binary extended payload is 1–4096 bytes (§2.2.3.3).
        if p.extended_payload.0 > 4096 {
            self.fail(
                "pnrp.extended_payload",
                format!("must be at most 4096B (got {})", p.extended_payload),
            );
        }
        if p.fragment_size < MIN_FRAGMENT_SIZE {
            self.fail(
                "pnrp.fragment_size",
                format!(
                    "must be at least {MIN_FRAGMENT_SIZE} (got {})",
                    p.fragment_size
                ),
            );
        }
    }

    fn workload(&mut self, w: &Workload) {
        let rate = w.resolves_per_host_per_hour;
        self.number(
            "workload.resolves_per_host_per_hour",
            rate,
            rate >= 0.0,
            "at least 0",
        );
        let zipf = w.zipf_exponent;
        self.number("workload.zipf_exponent", zipf, zipf > 0.0, "greater than 0");
        if let Some(interval) = w.address_change_interval {
            self.positive("workload.address_change_interval", interval);
        }
    }

    fn churn(&mut self, c: &Churn) {
        self.duration_dist("churn.session", &c.session);
        self.duration_dist("churn.downtime", &c.downtime);
        self.share("churn.graceful_share", c.graceful_share);
    }

    fn duration_dist(&mut self, path: &str, d: &DurationDist) {
        self.positive(&format!("{path}.mean"), d.mean);
        let shape_path = format!("{path}.shape");
        if d.dist == DistKind::Pareto {
            self.number(
                &shape_path,
                d.shape,
                d.shape > 1.0,
                "greater than 1 for a Pareto distribution (its mean is infinite otherwise)",
            );
        } else if d.dist == DistKind::Weibull {
            self.number(
                &shape_path,
                d.shape,
                d.shape >= MIN_WEIBULL_SHAPE,
                &format!(
                    "at least {MIN_WEIBULL_SHAPE} for a Weibull distribution (a smaller shape spreads lifetimes over hundreds of orders of magnitude, and its scale cannot be computed below about 0.006)"
                ),
            );
        } else {
            self.number(&shape_path, d.shape, d.shape > 0.0, "greater than 0");
        }
    }

    fn metrics(&mut self, m: &Metrics) {
        self.positive("metrics.window", m.window);
        if let Some(every) = m.connectivity_every {
            self.positive("metrics.connectivity_every", every);
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::scenario::overrides::parameter_paths;

    fn problems(s: &Scenario) -> Vec<Problem> {
        validate(s).err().unwrap_or_default()
    }

    fn named() -> Scenario {
        Scenario {
            name: "ok".into(),
            ..Scenario::default()
        }
    }

    #[test]
    fn default_with_a_name_is_valid() {
        assert_eq!(validate(&named()), Ok(()));
    }

    #[test]
    fn folder_names() {
        for good in ["a", "run-1.b_2", "X"] {
            assert_eq!(folder_name_problem(good), None, "{good}");
        }
        for bad in ["", ".hidden", "..", "a/b", "a b", "ü", "a\\b"] {
            assert!(folder_name_problem(bad).is_some(), "{bad:?}");
        }
    }

    /// A scenario breaking every rule at once: each rule must report, and
    /// report under a path that `--set` accepts, so that load can locate it.
    #[test]
    fn every_rule_reports_a_valid_path() {
        let mut s = named();
        s.name = ".x".into();
        s.duration = Duration::secs(0);
        s.hosts = Hosts {
            count: 0,
            names_per_host: 0,
            shared_name_share: 1.5,
            shared_name_hosts: 1,
            shared_name_method: Default::default(),
            firewalled_share: -0.1,
            teredo_share: f64::NAN,
            addresses: 5,
            start: Start::Steady,
            join_spread: Some(Duration::secs(0)),
        };
        s.network.loss = 2.0;
        s.network.latency = Latency::Lognormal {
            median: Duration::secs(0),
            sigma: f64::NAN,
        };
        s.pnrp = Pnrp {
            leaf_set_per_side: 0,
            cache_level_capacity: 0,
            level_span_ratio: 1,
            maintenance_period: Duration::secs(0),
            sparse_maintenance_period: Duration::secs(0),
            retransmit_timeout: Duration::secs(0),
            advertise_ids: 0,
            sync_peers: 0,
            max_hops: 0,
            lookups_per_hop: 0,
            flood_list_max: 0,
            refresh_interval: Duration::secs(0),
            split_detection_interval: Duration::secs(0),
            balance_gap_fraction: 0.0,
            app_endpoints: 11,
            extended_payload: Size(4097),
            fragment_size: Size(99),
            ..Pnrp::default()
        };
        s.workload = Workload {
            resolves_per_host_per_hour: f64::INFINITY,
            zipf_exponent: 0.0,
            address_change_interval: Some(Duration::secs(0)),
            ..Workload::default()
        };
        s.churn.session = DurationDist {
            dist: DistKind::Pareto,
            mean: Duration::secs(0),
            shape: 1.0,
        };
        s.churn.downtime.shape = 0.0;
        s.churn.graceful_share = 1.01;
        s.metrics = Metrics {
            window: Duration::secs(0),
            connectivity_every: Some(Duration::secs(0)),
            min_online: Duration::secs(0),
        };
        let found: Vec<String> = problems(&s).into_iter().map(|p| p.path).collect();
        let expected = [
            "name",
            "duration",
            "warmup",
            "hosts.count",
            "hosts.names_per_host",
            "hosts.shared_name_share",
            "hosts.shared_name_hosts",
            "hosts.firewalled_share",
            "hosts.teredo_share",
            "hosts.addresses",
            "hosts.join_spread",
            "network.loss",
            "network.latency.median",
            "network.latency.sigma",
            "pnrp.leaf_set_per_side",
            "pnrp.cache_level_capacity",
            "pnrp.level_span_ratio",
            "pnrp.maintenance_period",
            "pnrp.sparse_maintenance_period",
            "pnrp.retransmit_timeout",
            "pnrp.advertise_ids",
            "pnrp.sync_peers",
            "pnrp.max_hops",
            "pnrp.lookups_per_hop",
            "pnrp.flood_list_max",
            "pnrp.refresh_interval",
            "pnrp.split_detection_interval",
            "pnrp.balance_gap_fraction",
            "pnrp.app_endpoints",
            "pnrp.extended_payload",
            "pnrp.fragment_size",
            "workload.resolves_per_host_per_hour",
            "workload.zipf_exponent",
            "workload.address_change_interval",
            "churn.session.mean",
            "churn.session.shape",
            "churn.downtime.shape",
            "churn.graceful_share",
            "metrics.window",
            "metrics.connectivity_every",
        ];
        assert_eq!(found, expected);
        let paths = parameter_paths();
        for p in found {
            assert!(paths.contains(&p), "{p} is not a parameter path");
        }
    }

    #[test]
    fn messages_say_what_is_allowed_and_what_was_found() {
        let mut s = named();
        s.hosts.count = 0;
        s.network.loss = 1.5;
        s.pnrp.fragment_size = Size(50);
        s.warmup = Duration::secs(7200);
        let text: Vec<String> = problems(&s).iter().map(Problem::to_string).collect();
        assert_eq!(
            text,
            [
                "warmup: must be shorter than `duration` (1h) (got 2h)",
                "hosts.count: must be at least 1 (got 0)",
                "network.loss: must be between 0 and 1 (got 1.5)",
                "pnrp.fragment_size: must be at least 100B (got 50B)",
            ]
        );
    }

    #[test]
    fn boundaries_are_inclusive_where_documented() {
        let mut s = named();
        s.network.loss = 1.0;
        s.hosts.firewalled_share = 0.0;
        s.pnrp.balance_gap_fraction = 1.0;
        s.pnrp.level_span_ratio = 2;
        s.pnrp.fragment_size = Size(100);
        s.warmup = Duration::secs(0);
        s.hosts.start = Start::Joins;
        s.hosts.join_spread = Some(Duration::secs(0));
        s.workload.resolves_per_host_per_hour = 0.0;
        assert_eq!(validate(&s), Ok(()));
        s.warmup = s.duration;
        assert_eq!(problems(&s)[0].path, "warmup");
    }

    #[test]
    fn shared_name_hosts_only_matters_with_shared_names() {
        let mut s = named();
        s.hosts.shared_name_hosts = 1;
        assert_eq!(validate(&s), Ok(()));
        s.hosts.shared_name_share = 0.1;
        assert_eq!(problems(&s)[0].path, "hosts.shared_name_hosts");
    }

    #[test]
    fn pareto_needs_shape_above_one_but_weibull_does_not() {
        let mut s = named();
        s.churn.session = DurationDist {
            dist: DistKind::Weibull,
            mean: Duration::secs(60),
            shape: 0.5,
        };
        assert_eq!(validate(&s), Ok(()));
        s.churn.session.dist = DistKind::Pareto;
        let p = &problems(&s)[0];
        assert_eq!(p.path, "churn.session.shape");
        assert!(p.message.contains("greater than 1") && p.message.contains("(got 0.5)"));
    }

    #[test]
    fn latency_models() {
        let mut s = named();
        let ms = Duration::millis;
        s.network.latency = Latency::Uniform {
            min: ms(30),
            max: ms(20),
        };
        assert_eq!(
            problems(&s)[0].to_string(),
            "network.latency.min: must not exceed `max` (20ms) (got 30ms)"
        );
        s.network.latency = Latency::Lognormal {
            median: ms(40),
            sigma: f64::INFINITY,
        };
        assert_eq!(problems(&s)[0].path, "network.latency.sigma");
        s.network.latency = Latency::Constant { delay: ms(0) };
        assert_eq!(validate(&s), Ok(()));
        let topology = |routers, links_per_router| Latency::Topology {
            routers,
            links_per_router,
            link_delay_min: ms(1),
            link_delay_max: ms(5),
            access_delay_min: ms(6),
            access_delay_max: ms(5),
        };
        s.network.latency = topology(2, 1);
        let paths: Vec<String> = problems(&s).into_iter().map(|p| p.path).collect();
        assert_eq!(paths, ["network.latency.access_delay_min"]);
        s.network.latency = topology(1, 1);
        let paths: Vec<String> = problems(&s).into_iter().map(|p| p.path).collect();
        assert_eq!(
            paths,
            [
                "network.latency.routers",
                "network.latency.links_per_router",
                "network.latency.access_delay_min"
            ]
        );
    }

    /// Each expectation rule reports at the entry, or at its field, so that
    /// load can point at the line.
    #[test]
    fn expectations_report_at_their_entry() {
        let entry = |metric: &str| Expect {
            metric: metric.into(),
            tolerance: Some(0.05),
            ..Expect::default()
        };
        let mut s = named();
        s.expect = vec![
            entry("up_B_per_s"),
            entry("bytes"),
            Expect {
                tolerance: Some(-0.1),
                ..entry("up_B_per_s")
            },
            Expect {
                min: Some(3.0),
                max: Some(2.0),
                tolerance: None,
                ..entry("events")
            },
            Expect {
                expected: Some(1.0),
                max: Some(2.0),
                ..entry("events")
            },
            Expect {
                expected: Some(f64::NAN),
                tolerance: None,
                ..entry("events")
            },
            Expect {
                tolerance: None,
                ..entry("events")
            },
            Expect {
                point: Some(toml::Value::Integer(4)),
                ..entry("events")
            },
        ];
        s.fingerprint = Some("0123".into());
        let found: Vec<String> = problems(&s)
            .into_iter()
            .map(|p| format!("{}: {}", p.path, p.message))
            .collect();
        let expected = [
            "expect.1.metric: unknown metric `bytes`",
            "expect.2.tolerance: must be at least 0",
            "expect.3.min: must not exceed `max` (2) (got 3)",
            "expect.4.expected: give either `expected` with `tolerance`, or bounds",
            "expect.5.expected: must be a finite number (got NaN)",
            "expect.5.expected: needs a relative `tolerance`",
            "expect.6: give `expected` with a relative `tolerance`",
            "expect.7.point: the scenario has no [sweep]",
            "fingerprint: must be 16 lowercase hexadecimal digits",
        ];
        assert_eq!(found.len(), expected.len(), "{found:#?}");
        for (f, e) in found.iter().zip(expected) {
            assert!(f.starts_with(e), "{f} does not start with {e}");
        }

        // With a sweep: the point must be one of its values, and is needed
        // when it has several.
        let mut s = named();
        s.sweep = Some(crate::scenario::sweep::SweepSpec {
            values: vec![toml::Value::Integer(1), toml::Value::Integer(8)],
            ..crate::scenario::sweep::SweepSpec::default()
        });
        let at = |point: Option<toml::Value>| Expect {
            point,
            ..entry("up_B_per_s")
        };
        s.expect = vec![
            at(Some(toml::Value::Float(8.0))),
            at(None),
            at(Some(toml::Value::Integer(2))),
            at(Some(toml::Value::String("x".into()))),
        ];
        let found: Vec<String> = problems(&s)
            .into_iter()
            .map(|p| format!("{}: {}", p.path, p.message))
            .collect();
        assert_eq!(
            found,
            [
                "expect.1: which sweep point? add `point = ` one of sweep.values (1, 8)",
                "expect.2.point: 2 is not one of sweep.values (1, 8)",
                "expect.3.point: \"x\" is not numeric: expected a number, a duration such as \"12h\" or a size such as \"4KB\"",
            ]
        );
        s.expect.truncate(1);
        s.fingerprint = Some("0123456789abcdef".into());
        assert_eq!(validate(&s), Ok(()));
    }
}
