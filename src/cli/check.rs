//! `pnrpsim check`: runs scenario files as regression tests.

use super::Failure;
use crate::check::bless::{Updates, bless_file};
use crate::check::discover::scenario_files;
use crate::check::target::TargetRuns;
use crate::check::{Report, ScenarioReport, Target, evaluate, junit, run_targets};
use crate::outputs::write_atomic;
use crate::scenario::load::load_file;
use crate::sweep::interrupt_flag;
use anyhow::{Context, anyhow};
use clap::Args;
use std::path::{Path, PathBuf};
use std::time::Instant;

/// `pnrpsim check --help`.
pub const LONG_ABOUT: &str = "Runs every scenario file found under the paths (directories recursively, \
*.toml), in parallel, and checks each file's [[expect]] entries and fingerprint against what \
its runs measured. Prints one row per check: scenario, expectation, expected, measured, \
verdict. Files with neither are reported as skipped and not run.\n\n\
With replications (a [sweep]), an expectation fails only when the expected value lies outside \
the 95 % confidence interval of the mean widened by the tolerance.\n\n\
Exit codes: 0 every check passed, 1 a check failed or a run failed, 2 bad input (a scenario \
file, a path, --set).";

#[derive(Args, Debug)]
pub struct CheckArgs {
    /// Scenario files, or directories searched recursively for *.toml files.
    #[arg(value_name = "PATH", default_value = "scenarios")]
    pub paths: Vec<PathBuf>,
    /// Also write a JUnit XML report to FILE (one testsuite per scenario file).
    #[arg(long, value_name = "FILE")]
    pub junit: Option<PathBuf>,
    /// Record what was measured: rewrite the expected value of every failed
    /// or unset expectation and every differing or empty fingerprint, in
    /// place, keeping the files' comments and layout. Bounds (min/max) are
    /// never rewritten.
    #[arg(long)]
    pub bless: bool,
    /// Override a parameter in every scenario, e.g. `--set pnrp.flood_list_max=8`
    /// to see which expectations a change moves (repeatable; not with --bless).
    #[arg(long = "set", value_name = "PATH=VALUE")]
    pub sets: Vec<String>,
    /// Worker threads [default: one per core]. Results do not depend on it.
    /// 0 means one per core; at most 256.
    #[arg(long, value_name = "N", value_parser = crate::sweep::exec::parse_threads)]
    pub threads: Option<usize>,
}

pub fn check(args: CheckArgs) -> Result<(), Failure> {
    if args.bless && !args.sets.is_empty() {
        return Err(Failure::Input(
            "--bless cannot be combined with --set: it would record the figures of modified scenarios"
                .to_owned(),
        ));
    }
    // Checked before any run: a report that cannot be written is known now,
    // not after every scenario has run.
    if let Some(path) = &args.junit {
        crate::outputs::outdir::check_output_file(path, 1 << 20)
            .map_err(|e| Failure::Input(format!("--junit: {e}")))?;
    }
    let started = Instant::now();
    let files = scenario_files(&args.paths).map_err(Failure::Input)?;
    let mut targets = Vec::with_capacity(files.len());
    let mut errors = Vec::new();
    for file in &files {
        match load_target(file, &args.sets) {
            Ok(t) => targets.push(t),
            Err(e) => errors.push(e),
        }
    }
    if !errors.is_empty() {
        // One line per broken file; `main` prefixes the first with "error: ".
        return Err(Failure::Input(errors.join("\nerror: ")));
    }

    for target in targets.iter().filter(|t| t.has_checks()) {
        for (i, point) in target.points.iter().enumerate() {
            let what = format!(
                "{} (run {} of {})",
                target.file.display(),
                i + 1,
                target.points.len()
            );
            super::stats::check_memory(point, &what).map_err(|e| Failure::Input(e.0))?;
        }
    }
    let stop = interrupt_flag()?;
    let planned: Vec<crate::scenario::Scenario> = targets
        .iter()
        .filter(|t| t.has_checks())
        .flat_map(|t| {
            t.points
                .iter()
                .flat_map(move |p| std::iter::repeat_n(p.clone(), t.replications() as usize))
        })
        .collect();
    let shown = super::stats::begin(
        &planned,
        &crate::guard::cost::count(
            targets.iter().filter(|t| t.has_checks()).count() as u64,
            "file",
        ),
        args.threads.unwrap_or(0),
        "check",
    );
    crate::guard::progress::plan(
        planned.len() as u64,
        planned.iter().map(crate::guard::cost::cpu_seconds).sum(),
    );
    let runs = run_targets(
        &targets,
        args.threads.unwrap_or(0),
        stop,
        super::stats::checked_run,
    )?;
    drop(shown);
    let mut report = Report::of(&targets, &runs);
    let mut blessed = Vec::new();
    if args.bless {
        for (i, (target, target_runs)) in targets.iter().zip(&runs).enumerate() {
            if let Some((scenario, lines)) = bless(target, target_runs, &report.scenarios[i])? {
                report.scenarios[i] = scenario;
                blessed.extend(lines);
            }
        }
    }

    say!("{}", report.table().trim_end());
    for line in &blessed {
        say!("{line}");
    }
    if let Some(path) = &args.junit {
        let xml = junit::to_xml(&report);
        write_atomic(path, |w| w.write_all(xml.as_bytes()))
            .with_context(|| format!("cannot write the JUnit report {}", path.display()))?;
    }
    let c = report.counts();
    say!(
        "{} checks in {} files: {} passed, {} failed, {} errors, {} skipped ({:.1} s)",
        c.total,
        report.scenarios.len(),
        c.passed,
        c.failed,
        c.errors,
        c.skipped,
        started.elapsed().as_secs_f64()
    );
    if c.all_passed() {
        Ok(())
    } else {
        Err(Failure::Run(anyhow!(
            "{} of {} checks failed and {} could not be made",
            c.failed,
            c.total,
            c.errors
        )))
    }
}

/// Loads a file and builds its sweep points; the error is one line.
fn load_target(file: &Path, sets: &[String]) -> Result<Target, String> {
    let s = load_file(file, sets).map_err(|e| e.to_string())?;
    let base = crate::scenario::overrides::point_base(&s)
        .map_err(|e| format!("{}: {e}", file.display()))?;
    let make_point =
        |coords: &[crate::sweep::Coord]| crate::scenario::overrides::scenario_at(&base, coords);
    Target::new(file.to_path_buf(), s, make_point).map_err(|e| format!("{}: {e}", file.display()))
}

/// Writes a file's failed and unset values, then checks the rewritten file
/// against the same runs. Returns its new report and one line per value
/// written, or `None` if nothing needed writing.
fn bless(
    target: &Target,
    runs: &TargetRuns,
    before: &ScenarioReport,
) -> Result<Option<(ScenarioReport, Vec<String>)>, Failure> {
    let updates = Updates::of(before);
    if updates.is_empty() {
        return Ok(None);
    }
    bless_file(&target.file, &updates)?;
    let reloaded = load_target(&target.file, &[]).map_err(Failure::Input)?;
    let after = evaluate(&reloaded, runs);
    let lines = before
        .rows
        .iter()
        .zip(&after.rows)
        .filter(|(old, new)| old.expected != new.expected)
        .map(|(old, new)| {
            format!(
                "blessed {}: {}: {} -> {}",
                after.file, new.check, old.expected, new.expected
            )
        })
        .collect();
    Ok(Some((after, lines)))
}
