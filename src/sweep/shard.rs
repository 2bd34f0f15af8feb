//! Sweeps split over a batch system: `sweep --shard I/N` runs one share of
//! the (point, replication) tasks and `merge` joins the shares.
//!
//! Slurm job arrays and Kubernetes Indexed Jobs already schedule, retry and
//! place work; pnrpsim only has to split deterministically and to check the
//! join. A shard writes, once its share is done, `shard-<I>-of-<N>.journal`
//! (the [`journal`](super::journal) format, with its `complete` record) and
//! `shard-<I>-of-<N>.scenario.toml` (the scenario, after `--set`, which
//! [`check`] needs to rebuild the tables). Both are written atomically.
//! Until then the shard keeps its finished runs in its own running journal,
//! `shard-<I>-of-<N>.progress.log` (the sweep journal's format, which
//! `merge` ignores): a shard stopped by Ctrl-C, `--max-wall` or a kill
//! loses only the runs in progress, and the same command with `--resume`
//! runs only the missing ones; the progress journal is removed once the
//! shard file is written.

use super::SweepPlan;
use super::journal::{self, Identity};
use super::tables::RunRecord;
use crate::scenario::Scenario;
use anyhow::{Context, anyhow, bail};
use std::collections::BTreeMap;
use std::path::{Path, PathBuf};

/// Share `index` of `count`: the tasks whose index (point × replications +
/// replication) is `index` modulo `count`. Round-robin, so each shard gets
/// a mix of cheap and costly points.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Shard {
    pub index: u32,
    pub count: u32,
}

/// Environment variables the shard is taken from when `--shard` is absent.
pub const SHARD_COUNT_ENV: &str = "PNRPSIM_SHARD_COUNT";

impl Shard {
    pub fn new(index: u32, count: u32) -> Result<Shard, String> {
        if count == 0 {
            return Err("shard count must be at least 1".into());
        }
        if index >= count {
            return Err(format!(
                "shard index {index} is out of range for {count} shards (indexes run from 0 to {})",
                count - 1
            ));
        }
        Ok(Shard { index, count })
    }

    /// Parses `I/N`, as given to `--shard`.
    pub fn parse(spec: &str) -> Result<Shard, String> {
        let bad = || {
            format!("--shard `{spec}`: expected I/N, e.g. 0/4 (shard index from 0, then the count)")
        };
        let (i, n) = spec.split_once('/').ok_or_else(bad)?;
        let (i, n) = (
            i.trim().parse().map_err(|_| bad())?,
            n.trim().parse().map_err(|_| bad())?,
        );
        Shard::new(i, n).map_err(|e| format!("--shard `{spec}`: {e}"))
    }

    /// The shard the batch system assigned, if any: a Slurm array task
    /// (`SLURM_ARRAY_TASK_ID` less `SLURM_ARRAY_TASK_MIN`, out of
    /// `SLURM_ARRAY_TASK_COUNT` or MAX − MIN + 1; the array must be a
    /// contiguous range), else a Kubernetes Indexed Job pod
    /// (`JOB_COMPLETION_INDEX`, out of `count` or [`SHARD_COUNT_ENV`]).
    /// `var` reads the environment. `count` overrides the count in both.
    pub fn from_env(
        var: impl Fn(&str) -> Option<String>,
        count: Option<u32>,
    ) -> Result<Option<Shard>, String> {
        let num = |name: &str| -> Result<Option<u32>, String> {
            var(name)
                .map(|v| {
                    v.trim().parse().map_err(|_| {
                        format!("environment variable {name}=`{v}` is not a whole number")
                    })
                })
                .transpose()
        };
        if let Some(id) = num("SLURM_ARRAY_TASK_ID")? {
            let min = num("SLURM_ARRAY_TASK_MIN")?.unwrap_or(0);
            let n = match (count, num("SLURM_ARRAY_TASK_COUNT")?, num("SLURM_ARRAY_TASK_MAX")?) {
                (Some(n), _, _) | (None, Some(n), _) => n,
                (None, None, Some(max)) if max >= min => max - min + 1,
                _ => return Err("SLURM_ARRAY_TASK_ID is set but neither SLURM_ARRAY_TASK_COUNT nor SLURM_ARRAY_TASK_MAX is: give --shard I/N".into()),
            };
            let index = id.checked_sub(min).ok_or_else(|| {
                format!("SLURM_ARRAY_TASK_ID {id} is below SLURM_ARRAY_TASK_MIN {min}")
            })?;
            return Shard::new(index, n)
                .map(Some)
                .map_err(|e| format!("Slurm array task: {e}"));
        }
        if let Some(index) = num("JOB_COMPLETION_INDEX")? {
            let n = match count {
                Some(n) => n,
                None => num(SHARD_COUNT_ENV)?.ok_or_else(|| {
                    format!("JOB_COMPLETION_INDEX is set but the shard count is not: give --shard-count N or set {SHARD_COUNT_ENV} (the Job's completions)")
                })?,
            };
            return Shard::new(index, n)
                .map(Some)
                .map_err(|e| format!("Indexed Job pod: {e}"));
        }
        Ok(None)
    }

    /// Whether task `task` (point × replications + replication) is ours.
    pub fn owns(&self, task: usize) -> bool {
        task % self.count as usize == self.index as usize
    }

    pub fn journal_path(&self, dir: &Path) -> PathBuf {
        dir.join(format!("shard-{}-of-{}.journal", self.index, self.count))
    }

    /// The running journal of an unfinished shard (the sweep journal's
    /// format), which `merge` ignores: `shard-<I>-of-<N>.progress.log`.
    pub fn progress_name(&self) -> String {
        format!("shard-{}-of-{}.progress.log", self.index, self.count)
    }

    pub fn progress_path(&self, dir: &Path) -> PathBuf {
        dir.join(self.progress_name())
    }
}

/// The scenario file written next to a shard journal.
fn scenario_path(journal: &Path) -> PathBuf {
    journal.with_extension("scenario.toml")
}

/// Writes a finished shard: the scenario first, then the journal, so a
/// journal never lacks its scenario.
pub fn write(
    dir: &Path,
    shard: Shard,
    base: &Scenario,
    records: &[RunRecord],
) -> anyhow::Result<Vec<PathBuf>> {
    let path = shard.journal_path(dir);
    let scenario = scenario_path(&path);
    let text = toml::to_string(base).context("cannot serialize the scenario")?;
    crate::outputs::write_atomic(&scenario, |w| w.write_all(text.as_bytes()))
        .with_context(|| format!("cannot write {}", scenario.display()))?;
    journal::write_shard(&path, &Identity::of(base)?, records)?;
    Ok(vec![scenario, path])
}

/// Shards [`check`]ed to form one whole sweep, ready to [`Merged::write`].
#[derive(Debug)]
pub struct Merged {
    pub scenario: Scenario,
    pub shards: usize,
    plan: SweepPlan,
    /// Every run, sorted by (point, replication).
    records: Vec<RunRecord>,
}

/// The shard journals in `dir`, by name.
fn shard_journals(dir: &Path) -> anyhow::Result<Vec<PathBuf>> {
    let mut found = Vec::new();
    for entry in std::fs::read_dir(dir).with_context(|| format!("cannot read {}", dir.display()))? {
        let path = entry
            .with_context(|| format!("cannot read {}", dir.display()))?
            .path();
        let name = path.file_name().and_then(|n| n.to_str()).unwrap_or("");
        if name.starts_with("shard-") && name.ends_with(".journal") {
            found.push(path);
        }
    }
    found.sort();
    Ok(found)
}

/// Reads the shard journals in `dir` and checks that they form one sweep:
/// every task present exactly once, every shard from the same scenario and
/// pnrpsim version; the error lists what is wrong. Writes nothing.
pub fn check(dir: &Path) -> anyhow::Result<Merged> {
    let journals = shard_journals(dir)?;
    let Some(first) = journals.first() else {
        bail!(
            "{} holds no shard journals (shard-<I>-of-<N>.journal); run `pnrpsim sweep <scenario> --shard I/N --out {}` first",
            dir.display(),
            dir.display()
        );
    };
    let scenario_file = scenario_path(first);
    let text = std::fs::read_to_string(&scenario_file)
        .with_context(|| format!("cannot read {}", scenario_file.display()))?;
    let scenario =
        crate::scenario::load::load_str(&text, &scenario_file.display().to_string(), &[])
            .map_err(|e| anyhow!("{e}"))?;
    let id = Identity::of(&scenario)?;
    let plan = scenario
        .sweep
        .clone()
        .unwrap_or_default()
        .plan()
        .map_err(anyhow::Error::msg)?;

    let mut holders: BTreeMap<(usize, u32), Vec<String>> = BTreeMap::new();
    let mut records = Vec::new();
    for path in &journals {
        let (found, runs) = journal::read_shard(path)?;
        if found != id {
            bail!(
                "{} comes from another sweep: scenario hash {:016x}, pnrpsim {}; {} has scenario hash {:016x}, pnrpsim {}. Remove the foreign shard, or run it again with the same scenario, --set options and pnrpsim",
                path.display(),
                found.scenario_hash,
                found.version,
                scenario_file.display(),
                id.scenario_hash,
                id.version
            );
        }
        let name = path
            .file_name()
            .map(|n| n.to_string_lossy().into_owned())
            .unwrap_or_default();
        for r in runs {
            holders
                .entry((r.point, r.replication))
                .or_default()
                .push(name.clone());
            records.push(r);
        }
    }

    let mut problems = Vec::new();
    for p in &plan.points {
        for replication in 0..plan.replications {
            if !holders.contains_key(&(p.index, replication)) {
                problems.push(format!(
                    "  missing: point {} ({p}), replication {replication}",
                    p.index
                ));
            }
        }
    }
    for ((point, replication), files) in &holders {
        let known = *point < plan.points.len() && *replication < plan.replications;
        if !known {
            problems.push(format!(
                "  unknown: point {point}, replication {replication} (in {}), which this sweep does not have",
                files.join(", ")
            ));
        } else if files.len() > 1 {
            problems.push(format!(
                "  duplicated: point {point} ({}), replication {replication}, in {}",
                plan.points[*point],
                files.join(", ")
            ));
        }
    }
    if records
        .iter()
        .any(|r| r.values.len() != crate::metrics::catalog::per_run_names().len())
    {
        problems.push("  a run record has the wrong number of metrics".into());
    }
    if !problems.is_empty() {
        bail!(
            "cannot merge the {} shards in {}: {} of {} tasks are not present exactly once; nothing was written\n{}",
            journals.len(),
            dir.display(),
            problems.len(),
            plan.points.len() * plan.replications as usize,
            problems.join("\n")
        );
    }

    records.sort_by_key(|r| (r.point, r.replication));
    Ok(Merged {
        shards: journals.len(),
        scenario,
        plan,
        records,
    })
}

impl Merged {
    pub fn runs(&self) -> usize {
        self.records.len()
    }

    /// Writes into `dir` the tables (and `charts`) a one-process sweep of
    /// the same scenario writes there, as one output set; returns their
    /// paths.
    pub fn write(&self, dir: &Path, charts: Option<super::Charts>) -> anyhow::Result<Vec<PathBuf>> {
        let name = if self.scenario.name.is_empty() {
            "scenario"
        } else {
            &self.scenario.name
        };
        super::write_set(dir, name, &self.plan, &self.records, &self.scenario, charts)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn env(pairs: &[(&str, &str)]) -> impl Fn(&str) -> Option<String> {
        let pairs: Vec<(String, String)> = pairs
            .iter()
            .map(|(k, v)| (k.to_string(), v.to_string()))
            .collect();
        move |k| pairs.iter().find(|(n, _)| n == k).map(|(_, v)| v.clone())
    }

    #[test]
    fn shard_specs_are_checked() {
        assert_eq!(Shard::parse("2/3"), Ok(Shard { index: 2, count: 3 }));
        assert!(
            Shard::parse("3/3")
                .unwrap_err()
                .contains("out of range for 3 shards")
        );
        assert!(Shard::parse("0/0").unwrap_err().contains("at least 1"));
        assert!(Shard::parse("1").unwrap_err().contains("expected I/N"));
    }

    #[test]
    fn shards_come_from_slurm_or_kubernetes() {
        let slurm = env(&[
            ("SLURM_ARRAY_TASK_ID", "5"),
            ("SLURM_ARRAY_TASK_MIN", "4"),
            ("SLURM_ARRAY_TASK_MAX", "6"),
        ]);
        assert_eq!(
            Shard::from_env(slurm, None),
            Ok(Some(Shard { index: 1, count: 3 }))
        );
        let slurm = env(&[
            ("SLURM_ARRAY_TASK_ID", "2"),
            ("SLURM_ARRAY_TASK_COUNT", "4"),
        ]);
        assert_eq!(
            Shard::from_env(slurm, None),
            Ok(Some(Shard { index: 2, count: 4 }))
        );
        let k8s = env(&[("JOB_COMPLETION_INDEX", "1"), (SHARD_COUNT_ENV, "2")]);
        assert_eq!(
            Shard::from_env(k8s, None),
            Ok(Some(Shard { index: 1, count: 2 }))
        );
        let k8s = env(&[("JOB_COMPLETION_INDEX", "1")]);
        assert!(
            Shard::from_env(&k8s, None)
                .unwrap_err()
                .contains("--shard-count")
        );
        assert_eq!(
            Shard::from_env(&k8s, Some(5)),
            Ok(Some(Shard { index: 1, count: 5 }))
        );
        assert_eq!(Shard::from_env(env(&[]), None), Ok(None));
    }

    #[test]
    fn shards_partition_the_tasks() {
        let shards: Vec<Shard> = (0..3).map(|i| Shard::new(i, 3).unwrap()).collect();
        for task in 0..50 {
            assert_eq!(shards.iter().filter(|s| s.owns(task)).count(), 1);
        }
    }
}
