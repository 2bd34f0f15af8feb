//! The one-page Markdown report that `--report FILE.md` writes for `size`,
//! `compare` and `sweep`: an architect's answer with its evidence, readable
//! without opening any other file.
//!
//! Every page has the same sections, in the order a reader asks them: the
//! question, the answer (with its confidence), the charts (PNG files
//! written beside the page and linked by file name, so the folder can be
//! moved or attached whole), the parameters that matter with their
//! provenance, the method, and the caveats with a sensitivity table. The
//! page is written last and atomically, once every run it reports on has
//! succeeded: a failed command leaves no page.

pub mod compare;
pub mod sensitivity;
pub mod size;
pub mod sweep;

use crate::outputs::write_atomic;
use crate::scenario::Scenario;
use crate::scenario::overrides::parameter_paths;
use crate::scenario::provenance::Provenance;
use anyhow::Context;
use sensitivity::Sensitivity;
use std::fmt::Write as _;
use std::path::{Path, PathBuf};

/// Where the page goes, checked before any run starts.
#[derive(Clone, Debug)]
pub struct ReportPath {
    pub page: PathBuf,
    dir: PathBuf,
    stem: String,
}

impl ReportPath {
    /// The page must be a `.md` file in a directory that can be created
    /// and written; the error says which of these fails.
    pub fn new(path: &Path) -> Result<ReportPath, String> {
        let bad = |why: &str| format!("--report {}: {why}", path.display());
        if path.extension().and_then(|e| e.to_str()) != Some("md") {
            return Err(bad(
                "the report is a Markdown page: give a file name ending in .md",
            ));
        }
        let stem = path
            .file_stem()
            .and_then(|s| s.to_str())
            .filter(|s| !s.is_empty())
            .ok_or_else(|| bad("the file name is empty or not UTF-8"))?
            .to_owned();
        if path.is_dir() {
            return Err(bad("is a directory"));
        }
        let dir = match path.parent() {
            Some(d) if !d.as_os_str().is_empty() => d.to_path_buf(),
            _ => PathBuf::from("."),
        };
        crate::outputs::prepare_output_dir(&dir, 4 << 20).map_err(|e| bad(&format!("{e:#}")))?;
        Ok(ReportPath {
            page: path.to_path_buf(),
            dir,
            stem,
        })
    }

    /// [`ReportPath::new`] of an optional `--report` argument.
    pub fn from_arg(path: Option<&Path>) -> Result<Option<ReportPath>, String> {
        path.map(ReportPath::new).transpose()
    }

    /// The directory of the page, where its charts go.
    pub fn dir(&self) -> &Path {
        &self.dir
    }

    /// `<page stem>-<name>`: the file stem of one of the page's charts.
    pub fn chart_stem(&self, name: &str) -> String {
        format!("{}-{name}", self.stem)
    }

    /// Copies a chart drawn elsewhere (a sweep's output directory) beside
    /// the page, atomically.
    pub fn copy_chart(&self, from: &Path) -> anyhow::Result<PathBuf> {
        let name = from
            .file_name()
            .and_then(|n| n.to_str())
            .context("a chart file has no name")?;
        let to = self.dir.join(format!("{}-{name}", self.stem));
        let bytes =
            std::fs::read(from).with_context(|| format!("cannot read {}", from.display()))?;
        write_atomic(&to, |w| w.write_all(&bytes))
            .with_context(|| format!("cannot write {}", to.display()))?;
        Ok(to)
    }
}

/// One row of the parameter table.
#[derive(Clone, Debug, PartialEq)]
pub struct Parameter {
    pub path: String,
    pub value: String,
    pub provenance: String,
}

/// A report page; [`Page::render`] lays it out.
pub struct Page {
    pub title: String,
    /// The command that wrote the page, to reproduce it.
    pub command: String,
    pub question: String,
    /// Markdown paragraphs (a line each) and tables.
    pub answer: Vec<String>,
    /// Caption and file of each chart, beside the page.
    pub charts: Vec<(String, PathBuf)>,
    pub parameters: Vec<Parameter>,
    /// Extra lines under the parameter table (design overrides…).
    pub parameter_notes: Vec<String>,
    /// Bullet points.
    pub method: Vec<String>,
    pub sensitivity: Sensitivity,
    /// Bullet points after the sensitivity table.
    pub caveats: Vec<String>,
}

impl Page {
    pub fn render(&self) -> String {
        let mut out = String::new();
        let _ = writeln!(out, "# {}\n", self.title);
        let _ = writeln!(
            out,
            "_Written by pnrpsim {} with `{}`._\n",
            env!("CARGO_PKG_VERSION"),
            self.command
        );
        let _ = writeln!(out, "## Question\n\n{}\n", self.question);
        let _ = writeln!(out, "## Answer\n");
        for line in &self.answer {
            let _ = writeln!(out, "{line}\n");
        }
        let _ = writeln!(out, "## Charts\n");
        if self.charts.is_empty() {
            let _ = writeln!(out, "No chart was drawn.\n");
        }
        for (caption, file) in &self.charts {
            let name = file.file_name().map_or_else(
                || file.display().to_string(),
                |n| n.to_string_lossy().into_owned(),
            );
            let _ = writeln!(out, "![{caption}]({name})\n\n_{caption}_ (`{name}`)\n");
        }
        let _ = writeln!(out, "## Parameters that matter\n");
        let _ = writeln!(out, "| parameter | value | provenance |\n|---|---|---|");
        for p in &self.parameters {
            let _ = writeln!(out, "| `{}` | `{}` | {} |", p.path, p.value, p.provenance);
        }
        out.push('\n');
        for line in &self.parameter_notes {
            let _ = writeln!(out, "{line}\n");
        }
        let _ = writeln!(out, "## Method\n");
        for line in &self.method {
            let _ = writeln!(out, "- {line}");
        }
        let _ = writeln!(out, "\n## Caveats\n");
        let _ = writeln!(out, "{}\n", self.sensitivity.summary());
        let _ = writeln!(out, "{}", self.sensitivity.table());
        for line in &self.caveats {
            let _ = writeln!(out, "- {line}");
        }
        out
    }

    /// Writes the page atomically.
    pub fn write(&self, to: &ReportPath) -> anyhow::Result<()> {
        let text = self.render();
        write_atomic(&to.page, |w| w.write_all(text.as_bytes()))
            .with_context(|| format!("cannot write {}", to.page.display()))
    }
}

/// Parameters every answer depends on, shown even at their defaults.
const KEY_PARAMETERS: &[&str] = &[
    "seed",
    "duration",
    "warmup",
    "hosts.count",
    "hosts.names_per_host",
    "churn.enabled",
    "churn.session.dist",
    "churn.session.mean",
    "churn.session.shape",
    "churn.downtime.dist",
    "churn.downtime.mean",
    "churn.graceful_share",
    "pnrp.refresh_interval",
    "workload.resolves_per_host_per_hour",
    "workload.app_query_request",
    "workload.app_query_response",
    "network.loss",
    "metrics.min_online",
];

/// Paths that are not model parameters (output, test and study settings).
fn is_model_parameter(path: &str) -> bool {
    let first = path.split('.').next().unwrap_or_default();
    !matches!(
        first,
        "name" | "description" | "sweep" | "expect" | "design" | "fingerprint"
    )
}

/// The value of `path` in `s`, as TOML; "absent" if unset.
pub fn value_of(s: &Scenario, path: &str) -> String {
    let Ok(t) = toml::Table::try_from(s) else {
        return "?".to_owned();
    };
    let mut value: Option<&toml::Value> = None;
    let mut table = Some(&t);
    for key in path.split('.') {
        value = table.and_then(|t| t.get(key));
        table = value.and_then(|v| v.as_table());
    }
    value.map_or_else(|| "absent".to_owned(), |v| v.to_string())
}

/// The parameter table: [`KEY_PARAMETERS`], then every other model
/// parameter the file or a `--set` gives, each with its provenance.
pub fn parameters(s: &Scenario, prov: &Provenance) -> Vec<Parameter> {
    let known = parameter_paths();
    let mut paths: Vec<String> = KEY_PARAMETERS.iter().map(|p| (*p).to_owned()).collect();
    for p in prov.explicit() {
        if is_model_parameter(p) && known.contains(p) && !paths.contains(p) {
            paths.push(p.clone());
        }
    }
    paths
        .into_iter()
        .map(|path| Parameter {
            value: value_of(s, &path),
            provenance: prov.origin(&path).describe(),
            path,
        })
        .collect()
}

/// `1 000`, `12 500`: thousands separated by a thin space, as in the README.
pub fn thousands(n: u64) -> String {
    let digits = n.to_string();
    let mut out = String::new();
    for (i, c) in digits.chars().enumerate() {
        if i > 0 && (digits.len() - i) % 3 == 0 {
            out.push('\u{202f}');
        }
        out.push(c);
    }
    out
}

/// "a cloud of 1 000 hosts with Weibull churn (sessions of mean 2h…)".
pub fn cloud(s: &Scenario) -> String {
    let hosts = format!("a cloud of {} hosts", thousands(u64::from(s.hosts.count)));
    if !s.churn.enabled {
        return format!("{hosts} without churn");
    }
    let c = &s.churn;
    let kind = |d: &crate::scenario::DurationDist| match d.dist {
        crate::scenario::DistKind::Exponential => "exponential".to_owned(),
        crate::scenario::DistKind::Weibull => format!("Weibull (k = {})", d.shape),
        crate::scenario::DistKind::Pareto => format!("Pareto (α = {})", d.shape),
    };
    let dist = match c.session.dist {
        crate::scenario::DistKind::Exponential => "exponential",
        crate::scenario::DistKind::Weibull => "Weibull",
        crate::scenario::DistKind::Pareto => "Pareto",
    };
    format!(
        "{hosts} with {dist} churn (sessions {} of mean {}, downtimes {} of mean {})",
        kind(&c.session),
        c.session.mean,
        kind(&c.downtime),
        c.downtime.mean
    )
}

/// Bytes/s as `2.00 kbit/s (250.0 B/s)`.
pub fn kbit(bytes_per_s: f64) -> String {
    format!(
        "{:.2} kbit/s ({bytes_per_s:.1} B/s)",
        bytes_per_s * 8.0 / 1000.0
    )
}

/// The method bullets every page shares: what was measured and how the
/// runs' seeds and confidence intervals come about.
pub fn common_method(s: &Scenario) -> Vec<String> {
    let measured = s
        .duration
        .0
        .as_micros()
        .saturating_sub(s.warmup.0.as_micros());
    vec![
        format!(
            "Each run simulates {} of a PNRP cloud event by event; the first {} (warm-up, {}) is excluded from every figure, so the **measured period is {}**.",
            s.duration,
            s.warmup,
            crate::scenario::warmup::choice(s),
            crate::engine::SimDuration::from_micros(measured)
        ),
        format!(
            "Per-host bandwidth is each host's upload (bytes sent, every PNRP message and any application query, with UDP/IP headers) over its own online time in the measured period; hosts online for less than {} of it are left out of the per-host distribution (their traffic still counts in cloud totals). The p95 is over hosts, within one run.",
            s.metrics.min_online
        ),
        "Every figure is the mean over independent **replications** (runs with different seeds) with its **95 % confidence interval from Student's t** with n − 1 degrees of freedom.".to_owned(),
        format!(
            "Seeds: each run's seed is derived from the scenario seed ({}), the point (axis value or sweep point) and the replication number (SplitMix64), so the same command gives byte-identical results with any number of threads.",
            s.seed
        ),
    ]
}

/// The command line as typed, for the page's header.
pub fn command_line() -> String {
    let args: Vec<String> = std::env::args().skip(1).collect();
    format!("pnrpsim {}", args.join(" "))
}
