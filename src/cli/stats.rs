//! `--stats` (how fast a run went and how much memory it took) and the
//! preflight memory check with `--force`.

use super::Failure;
use crate::engine::StreamSeed;
use crate::estimate::footprint::Footprint;
use crate::metrics::RunResult;
use crate::scenario::Scenario;
use crate::sim::Work;
use std::time::Duration;

/// Figures of one run or one sweep for `--stats`.
pub struct Stats {
    pub work: Work,
    pub wall: Duration,
    /// Hosts per run (for memory per host; 0 when runs differ in size).
    pub hosts: u64,
    pub estimate: Footprint,
}

impl Stats {
    /// Prints the figures for people, then one line of `key=value` pairs
    /// for scripts (always last, keys stable).
    pub fn print(&self) {
        let wall = self.wall.as_secs_f64().max(1e-9);
        let w = &self.work;
        let events_per_s = w.events as f64 / wall;
        let datagrams_per_s = w.datagrams as f64 / wall;
        let speed = w.simulated_secs / wall;
        let rss = peak_rss_kib();
        let per_host = rss
            .filter(|_| self.hosts > 0)
            .map(|k| k * 1024 / self.hosts);
        say!(
            "performance        {} events in {:.2} s · {:.2} M events/s · {:.2} M datagrams/s · {:.0} simulated s per wall s",
            w.events,
            wall,
            events_per_s / 1e6,
            datagrams_per_s / 1e6,
            speed
        );
        say!(
            "memory             peak RSS {}{} · estimated {} before the run",
            rss.map_or("unknown".into(), |k| size(k * 1024)),
            per_host.map_or(String::new(), |b| format!(
                " ({:.2} KiB per host)",
                b as f64 / 1024.0
            )),
            size(self.estimate.bytes)
        );
        say!(
            "events={} datagrams={} wall_s={:.3} events_per_s={:.0} datagrams_per_s={:.0} sim_s_per_wall_s={:.1} peak_rss_kib={} hosts={} rss_per_host_b={} estimate_kib={}",
            w.events,
            w.datagrams,
            wall,
            events_per_s,
            datagrams_per_s,
            speed,
            rss.map_or("".into(), |k| k.to_string()),
            self.hosts,
            per_host.map_or("".into(), |b| b.to_string()),
            self.estimate.bytes / 1024
        );
    }
}

fn size(bytes: u64) -> String {
    let mib = bytes as f64 / (1024.0 * 1024.0);
    if mib < 10_240.0 {
        format!("{mib:.1} MiB")
    } else {
        format!("{:.1} GiB", mib / 1024.0)
    }
}

/// Refuses a run whose estimated memory exceeds what the machine has free,
/// unless forced. `what` names the run in the message.
pub fn preflight(estimate_bytes: u64, force: bool, what: &str) -> Result<(), Failure> {
    if force {
        return Ok(());
    }
    match refusal(estimate_bytes, what) {
        Some(why) => Err(Failure::Input(format!("{why}, or --force to run anyway"))),
        None => Ok(()),
    }
}

/// Why a run needing `estimate_bytes` does not fit in the memory available
/// now, if it does not.
fn refusal(estimate_bytes: u64, what: &str) -> Option<String> {
    // Not Linux: nothing to compare with.
    let available = mem_available_kib()? * 1024;
    (estimate_bytes > available).then(|| {
        format!(
            "{what} needs about {} of memory, but only {} is available; use fewer hosts, names or routers",
            size(estimate_bytes),
            size(available)
        )
    })
}

/// A run refused before it started because it would not fit in memory:
/// bad input (exit 2), not a failed run.
#[derive(Debug, thiserror::Error)]
#[error("{0}")]
pub struct TooBig(pub String);

/// The memory check of one run of `s` (named by `what`), for commands that
/// start runs they cannot all list beforehand.
pub fn check_memory(s: &Scenario, what: &str) -> Result<(), TooBig> {
    match refusal(crate::estimate::footprint::estimate(s).bytes, what) {
        Some(why) => Err(TooBig(why)),
        None => Ok(()),
    }
}

/// Every distinct run `s` describes, named for messages: the scenario
/// itself, each point of its `[sweep]` and each `[[design]]`. Building
/// them is the check `sweep` and `compare` make before running, so a bad
/// point or design is refused here too (by `validate`, with its name).
pub fn runs_of(s: &Scenario) -> Result<Vec<(String, Scenario)>, String> {
    use crate::scenario::overrides::scenario_with;
    let base = crate::scenario::overrides::point_base(s).map_err(|e| e.to_string())?;
    let mut runs = vec![("this run".to_owned(), s.clone())];
    runs.extend(sweep_points_of(s, &base)?);
    for d in &s.designs {
        let sets: Vec<_> = d.set.iter().map(|(k, v)| (k.clone(), v.clone())).collect();
        let design =
            scenario_with(&base, &sets).map_err(|e| format!("design `{}`: {e}", d.name))?;
        runs.push((format!("design `{}`", d.name), design));
    }
    Ok(runs)
}

/// The points of `s`'s `[sweep]`, named for messages as [`runs_of`] names
/// them, made from `base` (its [`point_base`](crate::scenario::overrides::point_base));
/// none without a `[sweep]`.
pub fn sweep_points_of(
    s: &Scenario,
    base: &toml::Table,
) -> Result<Vec<(String, Scenario)>, String> {
    let Some(spec) = &s.sweep else {
        return Ok(Vec::new());
    };
    let plan = spec.clone().plan()?;
    plan.points
        .iter()
        .map(|p| {
            let point = crate::scenario::overrides::scenario_at(base, &p.coords)
                .map_err(|e| format!("sweep point {} ({p}): {e}", p.index))?;
            Ok((format!("sweep point {} ({p})", p.index), point))
        })
        .collect()
}

/// Where a [`runs_of`] error comes from: the last `--set` of the `[sweep]`
/// section for a sweep point (its values or axis came from there), else
/// the scenario `file`.
pub fn origin_of(file: &std::path::Path, sets: &[String], error: &str) -> String {
    let from_set = error
        .starts_with("sweep point")
        .then(|| {
            sets.iter()
                .rev()
                .find(|a| a.trim_start().starts_with("sweep"))
        })
        .flatten();
    match from_set {
        Some(arg) => format!("--set {arg}"),
        None => file.display().to_string(),
    }
}

/// The warm-up notices of `runs` ([`crate::scenario::warmup::notice`]), on
/// stderr: once when every run that has one has the same, else one per run
/// with its name (a sweep over `churn.session.mean` settles at each
/// point's own pace).
pub fn print_warmup_notices(runs: &[(String, Scenario)]) {
    let notices: Vec<(&str, String)> = runs
        .iter()
        .filter_map(|(what, s)| crate::scenario::warmup::notice(s).map(|n| (what.as_str(), n)))
        .collect();
    let all_same = notices.windows(2).all(|w| w[0].1 == w[1].1);
    for (what, notice) in &notices {
        if all_same {
            eprintln!("{notice}");
            break;
        }
        eprintln!("{what}: {notice}");
    }
}

/// [`check_memory`] of each of `runs` (as [`runs_of`] names them), before
/// any of them starts.
pub fn check_all(runs: &[(String, Scenario)]) -> Result<(), Failure> {
    for (what, s) in runs {
        check_memory(s, what).map_err(|e| Failure::Input(e.0))?;
    }
    Ok(())
}

/// [`crate::sim::run`] after [`check_memory`]: the runner of `compare`,
/// `check`, `size` and the reports' sensitivity reruns, so that every run
/// they start is checked (these commands have no `--force`). Without it a
/// run too big for the machine was killed by the kernel, or aborted on an
/// allocation, after the others' work.
pub fn checked_run(s: &Scenario, seed: StreamSeed) -> anyhow::Result<RunResult> {
    let what = format!(
        "a run of `{}` ({} hosts × {} names)",
        s.name, s.hosts.count, s.hosts.names_per_host
    );
    check_memory(s, &what)?;
    crate::guard::run_within(s, seed, None).map(|(result, _)| result)
}

/// The line a command prints on stderr before it starts its runs: how
/// many, and the CPU and wall time the cost model gives them.
pub fn plan_line(runs: &[Scenario], what: &str, threads: usize) -> (String, f64) {
    use crate::guard::cost;
    let cpu: f64 = runs.iter().map(cost::cpu_seconds).sum();
    let n = runs.len() as u64;
    let line = format!(
        "{} ({what}), {}",
        cost::count(n, "run"),
        cost::describe(cpu, n, cost::threads_of(threads))
    );
    (line, cpu)
}

/// Prints [`plan_line`] and starts progress with `phase`. The runs are
/// added to the progress account by whoever starts them
/// ([`crate::guard::progress::plan`]).
pub fn begin(
    runs: &[Scenario],
    what: &str,
    threads: usize,
    phase: &str,
) -> crate::guard::progress::Session {
    use crate::guard::progress;
    let (line, _) = plan_line(runs, what, threads);
    progress::note(&format!("plan: {line}"));
    progress::start(phase)
}

/// Peak resident set size of this process (`VmHWM`), in KiB.
pub fn peak_rss_kib() -> Option<u64> {
    proc_field("/proc/self/status", "VmHWM:")
}

/// Memory available for new work (`MemAvailable`), in KiB.
fn mem_available_kib() -> Option<u64> {
    proc_field("/proc/meminfo", "MemAvailable:")
}

/// A `Name:   123 kB` line of a /proc file, in KiB.
fn proc_field(path: &str, name: &str) -> Option<u64> {
    let text = std::fs::read_to_string(path).ok()?;
    parse_kib(&text, name)
}

fn parse_kib(text: &str, name: &str) -> Option<u64> {
    let line = text.lines().find(|l| l.starts_with(name))?;
    line[name.len()..].split_whitespace().next()?.parse().ok()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn reads_kib_fields() {
        let status = "Name:\tpnrpsim\nVmPeak:\t  2000 kB\nVmHWM:\t   1234 kB\n";
        assert_eq!(parse_kib(status, "VmHWM:"), Some(1234));
        assert_eq!(parse_kib(status, "VmRSS:"), None);
        #[cfg(target_os = "linux")]
        assert!(peak_rss_kib().is_some_and(|k| k > 0));
    }

    #[test]
    fn preflight_refuses_only_what_does_not_fit() {
        assert!(preflight(1, false, "this run").is_ok());
        if mem_available_kib().is_some() {
            let huge = u64::MAX / 2;
            let err = preflight(huge, false, "this run").unwrap_err();
            assert!(
                matches!(&err, Failure::Input(m) if m.contains("--force")),
                "{err:?}"
            );
            assert!(preflight(huge, true, "this run").is_ok());
        }
    }
}
