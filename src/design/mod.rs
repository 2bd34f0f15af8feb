//! Design comparison: the same scenario under several `[[design]]`
//! variants, each run with replications, side by side.
//!
//! All designs use the same seeds for replication r (common random
//! numbers), so that the ratio of a design's cost to the first design's can
//! be taken per replication: pairing removes the run-to-run noise both
//! designs share and gives a tight confidence interval on the ratio.

use crate::engine::StreamSeed;
use crate::metrics::RunResult;
use crate::metrics::catalog::{
    self, RESOLVE_SUCCESS as SUCCESS, UP, UP_GRAPH, UP_P95, UP_TOTAL, reason_metric,
};
use crate::outputs::write_atomic;
use crate::plot::bars::{Bar, BarChart, BarGroup, render_bars};
use crate::protocol::graphing::GraphReason;
use crate::protocol::message::Reason;
use crate::scenario::{Design, Scenario};
use crate::sweep::exec::{Outcome, execute};
use crate::sweep::journal::StudyJournal;
use crate::sweep::stats::SampleMean;
use anyhow::{Context, bail};
use std::fmt::Write as _;
use std::path::{Path, PathBuf};
use std::sync::atomic::AtomicBool;

/// One design's replications.
pub struct DesignRuns {
    pub design: Design,
    /// The per-run metrics of each replication, in
    /// [`catalog::per_run_names`] order.
    pub runs: Vec<Vec<Option<f64>>>,
}

pub struct Comparison {
    pub scenario: String,
    pub metrics: Vec<&'static str>,
    pub designs: Vec<DesignRuns>,
}

/// Runs every design `replications` times (`threads` workers, 0 = one per
/// core). `make` builds a design's scenario. Any failed run fails the
/// comparison: a ratio over a partial set of replications would be biased.
/// With a `journal`, each finished run is recorded there (task = the
/// design's index) and a run it already holds is taken from it, so that a
/// comparison stopped midway resumes where it stopped.
pub fn compare<M, R>(
    base: &Scenario,
    make: M,
    replications: u32,
    threads: usize,
    runner: R,
    stop: &AtomicBool,
    journal: Option<&StudyJournal>,
) -> anyhow::Result<Comparison>
where
    M: Fn(&Design) -> Result<Scenario, String>,
    R: Fn(&Scenario, StreamSeed) -> anyhow::Result<RunResult> + Sync,
{
    if base.designs.len() < 2 {
        bail!(
            "a comparison needs at least two [[design]] tables (found {})",
            base.designs.len()
        );
    }
    let scenarios = base
        .designs
        .iter()
        .map(|d| make(d).map_err(|e| anyhow::anyhow!("design `{}`: {e}", d.name)))
        .collect::<anyhow::Result<Vec<_>>>()?;
    let tasks: Vec<(usize, u32)> = (0..scenarios.len())
        .flat_map(|d| (0..replications).map(move |r| (d, r)))
        .collect();
    crate::guard::progress::plan(
        tasks.len() as u64,
        tasks
            .iter()
            .map(|&(d, _)| crate::guard::cost::cpu_seconds(&scenarios[d]))
            .sum(),
    );
    let outcomes = execute(&tasks, threads, stop, |&(d, r)| {
        let seed = StreamSeed {
            seed: base.seed,
            point: 0,
            replication: u64::from(r),
        };
        let run = || Ok(catalog::per_run_values(&runner(&scenarios[d], seed)?));
        match journal {
            Some(j) => j.run(d, r, seed.run_seed(), run),
            None => run(),
        }
    })?;
    let mut stopped = 0;
    let mut designs: Vec<DesignRuns> = base
        .designs
        .iter()
        .map(|d| DesignRuns {
            design: d.clone(),
            runs: Vec::new(),
        })
        .collect();
    for (&(d, r), outcome) in tasks.iter().zip(outcomes) {
        match outcome {
            Outcome::Done(values) => designs[d].runs.push(values),
            Outcome::Failed(e) | Outcome::CutShort(e) => bail!(
                "design `{}`, replication {r} (seed {}): {e}",
                base.designs[d].name,
                StreamSeed {
                    seed: base.seed,
                    point: 0,
                    replication: u64::from(r)
                }
                .run_seed()
            ),
            Outcome::Skipped => stopped += 1,
        }
    }
    if stopped > 0 {
        let kept = journal.map_or(String::new(), |_| {
            "; the finished runs are kept: run the same command with --resume to run only the missing ones".to_owned()
        });
        bail!(
            "interrupted: the comparison was not completed ({} of {} runs not started){kept}",
            stopped,
            tasks.len()
        );
    }
    Ok(Comparison {
        scenario: base.name.clone(),
        metrics: catalog::per_run_names(),
        designs,
    })
}

impl Comparison {
    fn column(&self, metric: &str) -> usize {
        self.metrics
            .iter()
            .position(|&m| m == metric)
            .unwrap_or_else(|| panic!("`{metric}` is a per-run metric of the catalogue"))
    }

    fn values(&self, d: usize, metric: &str) -> Vec<f64> {
        let c = self.column(metric);
        self.designs[d]
            .runs
            .iter()
            .filter_map(|run| run[c])
            .collect()
    }

    pub fn estimate(&self, d: usize, metric: &str) -> Option<SampleMean> {
        SampleMean::of(&self.values(d, metric))
    }

    /// Design `d`'s metric over the first design's, per paired replication.
    pub fn ratio(&self, d: usize, metric: &str) -> Option<SampleMean> {
        self.ratio_between(d, 0, metric)
    }

    /// Design `a`'s metric over design `b`'s, per paired replication.
    pub fn ratio_between(&self, a: usize, b: usize, metric: &str) -> Option<SampleMean> {
        let c = self.column(metric);
        let pairs: Vec<f64> = self.designs[a]
            .runs
            .iter()
            .zip(&self.designs[b].runs)
            .filter_map(|(a, b)| match (a[c], b[c]) {
                (Some(a), Some(b)) if b > 0.0 => Some(a / b),
                _ => None,
            })
            .collect();
        SampleMean::of(&pairs)
    }

    /// Metrics shown: per-host upload mean and p95, each reason that costs
    /// anything in some design, and resolve success.
    fn shown(&self) -> Vec<String> {
        let mut shown = vec![UP.to_string(), UP_P95.to_string()];
        for r in Reason::ALL {
            let m = reason_metric(r);
            if (0..self.designs.len()).any(|d| self.estimate(d, &m).is_some_and(|e| e.mean > 0.0)) {
                shown.push(m);
            }
        }
        if self.has_graph() {
            // Peer groups: graph upload by reason, and PNRP + graph.
            shown.push(UP_GRAPH.to_string());
            for r in GraphReason::ALL {
                let m = format!("up_graph_{}_B_per_s", r.name());
                if (0..self.designs.len())
                    .any(|d| self.estimate(d, &m).is_some_and(|e| e.mean > 0.0))
                {
                    shown.push(m);
                }
            }
            shown.push(UP_TOTAL.to_string());
        }
        shown.push(SUCCESS.to_string());
        shown
    }

    /// Whether a design carries peer-group graph traffic.
    fn has_graph(&self) -> bool {
        (0..self.designs.len()).any(|d| self.estimate(d, UP_GRAPH).is_some_and(|e| e.mean > 0.0))
    }

    /// The metrics whose ratio to the first design the table gives.
    fn ratios(&self) -> Vec<&'static str> {
        let mut r = vec![UP, UP_P95];
        if self.has_graph() {
            r.push(UP_TOTAL);
        }
        r
    }

    /// The side-by-side table printed by `pnrpsim compare`.
    pub fn table(&self) -> String {
        let fmt = |e: Option<SampleMean>| match e {
            Some(SampleMean {
                mean,
                ci95: Some((lo, hi)),
                ..
            }) => format!("{mean:.2} [{lo:.2}, {hi:.2}]"),
            Some(e) => format!("{:.2}", e.mean),
            None => "n/a".to_string(),
        };
        let mut rows: Vec<Vec<String>> = Vec::new();
        let mut head = vec!["metric (95% CI)".to_string()];
        head.extend(self.designs.iter().map(|d| d.design.name.clone()));
        rows.push(head);
        for m in self.shown() {
            let mut row = vec![m.clone()];
            row.extend((0..self.designs.len()).map(|d| fmt(self.estimate(d, &m))));
            rows.push(row);
        }
        for m in self.ratios() {
            let mut row = vec![format!("{m} ÷ {}", self.designs[0].design.name)];
            row.extend((0..self.designs.len()).map(|d| fmt(self.ratio(d, m))));
            rows.push(row);
        }
        let widths: Vec<usize> = (0..rows[0].len())
            .map(|c| rows.iter().map(|r| r[c].chars().count()).max().unwrap_or(0))
            .collect();
        let mut out = String::new();
        for row in rows {
            for (c, cell) in row.iter().enumerate() {
                let pad = widths[c] - cell.chars().count();
                if c == 0 {
                    let _ = write!(out, "{cell}{}", " ".repeat(pad));
                } else {
                    let _ = write!(out, "  {}{cell}", " ".repeat(pad));
                }
            }
            out.push('\n');
        }
        out
    }

    /// `compare.csv`: one row per (design, metric) with mean, CI, n, and the
    /// paired ratio to the first design.
    pub fn write_csv(&self, dir: &Path) -> anyhow::Result<PathBuf> {
        let path = dir.join("compare.csv");
        let cell = |v: Option<f64>| v.map_or(String::new(), |v| format!("{v:.6}"));
        write_atomic(&path, |w| {
            let mut csv = csv::Writer::from_writer(w);
            csv.write_record([
                "design",
                "metric",
                "n",
                "mean",
                "ci95_low",
                "ci95_high",
                "ratio_to_first",
                "ratio_ci95_low",
                "ratio_ci95_high",
            ])?;
            for (d, design) in self.designs.iter().enumerate() {
                for m in &self.metrics {
                    let e = self.estimate(d, m);
                    let r = self.ratio(d, m);
                    csv.write_record([
                        design.design.name.clone(),
                        (*m).to_owned(),
                        e.map_or(String::new(), |e| e.n.to_string()),
                        cell(e.map(|e| e.mean)),
                        cell(e.and_then(|e| e.ci95).map(|c| c.0)),
                        cell(e.and_then(|e| e.ci95).map(|c| c.1)),
                        cell(r.map(|r| r.mean)),
                        cell(r.and_then(|r| r.ci95).map(|c| c.0)),
                        cell(r.and_then(|r| r.ci95).map(|c| c.1)),
                    ])?;
                }
            }
            csv.flush()
        })
        .with_context(|| format!("cannot write {}", path.display()))?;
        Ok(path)
    }

    /// Grouped bar chart: per-host upload mean, p95 and each costly reason,
    /// one bar per design, as `<stem>.png` and `<stem>.svg` in `dir`.
    pub fn chart(&self, dir: &Path, stem: &str) -> anyhow::Result<[PathBuf; 2]> {
        let groups = self
            .shown()
            .into_iter()
            .filter(|m| m != SUCCESS)
            .map(|m| BarGroup {
                label: if m == UP {
                    "mean".to_owned()
                } else {
                    m.trim_start_matches("up_")
                        .trim_end_matches("_B_per_s")
                        .replace('_', " ")
                },
                bars: (0..self.designs.len())
                    .map(|d| {
                        let e = self.estimate(d, &m);
                        Bar {
                            value: e.map_or(0.0, |e| e.mean),
                            ci: e.and_then(|e| e.ci95),
                        }
                    })
                    .collect(),
            })
            .collect();
        let chart = BarChart {
            title: format!("{}: upload per host by design", self.scenario),
            y_label: "upload per host (B/s), mean with 95% CI".to_string(),
            series: self.designs.iter().map(|d| d.design.name.clone()).collect(),
            groups,
        };
        render_bars(&chart, dir, stem)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// `compare.csv` has one row per design and catalogued per-run metric,
    /// named as everywhere else, and pairs replications for the ratio.
    #[test]
    fn compare_csv_rows_are_the_catalogue_per_design() {
        let design = |name: &str| Design {
            name: name.to_owned(),
            description: String::new(),
            set: toml::Table::new(),
        };
        let base = Scenario {
            designs: vec![design("a"), design("b")],
            ..Scenario::default()
        };
        // Design b registers twice what a does, in every replication.
        let runner = |s: &Scenario, seed: StreamSeed| {
            Ok(RunResult {
                registrations: (seed.replication + 1) * s.hosts.count as u64,
                ..RunResult::default()
            })
        };
        let make = |d: &Design| {
            let mut s = base.clone();
            s.hosts.count = if d.name == "a" { 10 } else { 20 };
            Ok(s)
        };
        let stop = AtomicBool::new(false);
        let cmp = compare(&base, make, 3, 1, runner, &stop, None).unwrap();
        let dir = tempfile::tempdir().unwrap();
        let path = cmp.write_csv(dir.path()).unwrap();
        let mut csv = csv::Reader::from_path(path).unwrap();
        let rows: Vec<csv::StringRecord> = csv.records().map(Result::unwrap).collect();
        let names = catalog::per_run_names();
        assert_eq!(rows.len(), 2 * names.len());
        for (row, name) in rows.iter().zip(names.iter().chain(&names)) {
            assert_eq!(&row[1], *name);
        }
        let b_regs = &rows[names.len() + catalog::per_run_index(catalog::REGISTRATIONS).unwrap()];
        assert_eq!(
            (&b_regs[0], &b_regs[3], &b_regs[6]),
            ("b", "40.000000", "2.000000")
        );
    }
}
