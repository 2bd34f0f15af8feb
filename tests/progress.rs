//! Progress on stderr when it is not a terminal (CI logs): the plan before
//! the runs, a line per phase and per finished run, and the last line;
//! apart from the times, the ETA and the `…` lines written every five
//! quiet seconds, the log depends only on the work (one thread here).
//! Also: `sweep` refuses a file without `[sweep]` rather than running a
//! default grid.

mod common;
use common::{SMALL_CLOUD, pnrpsim};

/// The log without what depends on the clock: the `[h:mm:ss] ` prefix,
/// the share done and the ETA after `·`, and the `…` lines.
fn steady(stderr: &str) -> Vec<String> {
    stderr
        .lines()
        .map(|l| match l.strip_prefix('[') {
            Some(rest) => rest.split_once("] ").map_or(l, |(_, t)| t),
            None => l,
        })
        .filter(|l| !l.starts_with('…'))
        .map(|l| match l.split_once(" done · ") {
            Some((head, _)) => format!("{head} done"),
            None => l.to_owned(),
        })
        .collect()
}

fn write(dir: &std::path::Path, extra: &str) -> String {
    let path = dir.join("small.toml");
    std::fs::write(&path, format!("{SMALL_CLOUD}{extra}")).unwrap();
    path.to_str().unwrap().to_owned()
}

#[test]
fn a_piped_sweep_logs_its_plan_phases_and_every_finished_run() {
    let dir = tempfile::tempdir().unwrap();
    let file = write(
        dir.path(),
        "[sweep]\naxis = \"hosts.names_per_host\"\nvalues = [1, 2]\nreplications = 2\n",
    );
    let out = dir.path().join("out");
    let (code, stdout, stderr) = pnrpsim(&[
        "sweep",
        &file,
        "--threads",
        "1",
        "--no-charts",
        "--out",
        out.to_str().unwrap(),
    ]);
    assert_eq!(code, 0, "{stdout}{stderr}");
    let lines = steady(&stderr);
    assert!(
        lines[0].starts_with("plan: 4 runs (2 points × 2 replications), ")
            && lines[0].ends_with(" of CPU time"),
        "{stderr}"
    );
    assert_eq!(
        lines[1..],
        [
            "sweep",
            "1/4 runs done",
            "2/4 runs done",
            "3/4 runs done",
            "4/4 runs done",
            "done: 4 runs"
        ],
        "{stderr}"
    );
    // Each run line carries the share of the estimated work and an ETA;
    // with one thread the share after the last run is all of it.
    let last = stderr.lines().rev().nth(1).unwrap();
    assert!(
        last.contains("4/4 runs done · 100 % · ETA 0:00:00"),
        "{stderr}"
    );
    assert!(
        stderr
            .lines()
            .all(|l| l.starts_with('[') || l.starts_with("plan: ")),
        "{stderr}"
    );
    // Progress never reaches stdout.
    assert!(!stdout.contains("runs done"), "{stdout}");
}

#[test]
fn a_piped_run_logs_its_plan_and_its_end() {
    let dir = tempfile::tempdir().unwrap();
    let file = write(dir.path(), "");
    let out = dir.path().join("out");
    let (code, stdout, stderr) = pnrpsim(&["run", &file, "--out", out.to_str().unwrap()]);
    assert_eq!(code, 0, "{stdout}{stderr}");
    let lines = steady(&stderr);
    assert!(
        lines[0].starts_with("plan: 1 run (150 hosts × 1 name, 10min simulated), "),
        "{stderr}"
    );
    assert_eq!(
        lines[1..],
        ["run: small", "1/1 run done", "done: 1 run"],
        "{stderr}"
    );
}

#[test]
fn validate_states_the_runs_each_command_plans_and_their_cost() {
    let dir = tempfile::tempdir().unwrap();
    let file = write(
        dir.path(),
        "[sweep]\naxis = \"hosts.names_per_host\"\nvalues = [1, 2, 4]\nreplications = 3\n\
         [[design]]\nname = \"a\"\n[[design]]\nname = \"b\"\nset = { \"hosts.names_per_host\" = 2 }\n",
    );
    let (code, out, err) = pnrpsim(&["validate", &file]);
    assert_eq!(code, 0, "{err}");
    assert!(out.contains("  run:     1 run (one seed), "), "{out}");
    assert!(
        out.contains("  sweep:   9 runs (3 points × 3 replications), "),
        "{out}"
    );
    assert!(
        out.contains("  compare: 10 runs (2 designs × 5 replications, the default), "),
        "{out}"
    );
    assert!(out.contains("of CPU time"), "{out}");
}

#[test]
fn sweep_without_a_sweep_table_is_refused() {
    let dir = tempfile::tempdir().unwrap();
    let file = write(dir.path(), "");
    let out = dir.path().join("out");
    let (code, stdout, stderr) = pnrpsim(&["sweep", &file, "--out", out.to_str().unwrap()]);
    assert_eq!(code, 2, "{stdout}{stderr}");
    assert!(
        stderr.contains("the scenario has no [sweep] table, so there is nothing to sweep"),
        "{stderr}"
    );
    assert!(stderr.contains("pnrpsim run"), "{stderr}");
    assert!(!out.exists(), "nothing was written");
}
