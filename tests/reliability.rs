//! The cases of issue #16 (crashes, hangs, lost work, misplaced errors),
//! each run through the real binary: every one of them failed on the code
//! before the fix. docs/robustness.md lists them with these test names.

mod common;

use common::{SMALL_CLOUD, pnrpsim};
use std::fs;
use std::path::Path;
use std::time::{Duration, Instant};

/// A file in a fresh directory, and the directory (kept alive).
fn scenario(text: &str) -> (tempfile::TempDir, String) {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("s.toml");
    fs::write(&path, text).unwrap();
    (dir, path.to_string_lossy().into_owned())
}

fn out_in(dir: &Path) -> String {
    dir.join("out").to_string_lossy().into_owned()
}

/// Two designs of the small cloud, for `compare`.
fn with_designs() -> String {
    format!(
        "{SMALL_CLOUD}\n[[design]]\nname = \"one\"\nset = {{ \"hosts.names_per_host\" = 1 }}\n\
         [[design]]\nname = \"two\"\nset = {{ \"hosts.names_per_host\" = 2 }}\n"
    )
}

/// Runs `args`, which must be refused as bad input within seconds (never
/// an allocation abort, exit 134, or the kernel's OOM killer, 137), with
/// `wanted` in the message.
fn refused(args: &[&str], wanted: &str) {
    let began = Instant::now();
    let (code, out, err) = pnrpsim(args);
    assert_eq!(code, 2, "{args:?}\nstdout: {out}\nstderr: {err}");
    assert!(err.contains(wanted), "{args:?}: {err}");
    assert_eq!(
        err.trim_end().lines().count(),
        1,
        "{args:?}: one line: {err}"
    );
    assert!(began.elapsed() < Duration::from_secs(20), "{args:?}");
}

/// A topology far too large for any machine: a 10^6-router delay table is
/// 4 TB.
const HUGE_TOPOLOGY: &str = "network.latency={model=\"topology\",routers=1000000,links_per_router=2,\
link_delay_min=\"1ms\",link_delay_max=\"5ms\",access_delay_min=\"1ms\",access_delay_max=\"2ms\"}";

/// C1: `size --names` started a 10^9-name run and was OOM-killed.
#[test]
fn c1_size_checks_the_memory_of_its_runs_first() {
    let (dir, s) = scenario(SMALL_CLOUD);
    let out = out_in(dir.path());
    // size keeps its journal in a directory of its own.
    let journal = format!("{out}-size");
    refused(
        &[
            "size",
            &s,
            "--names",
            "1000000000",
            "--replications",
            "2",
            "--out",
            &journal,
        ],
        "must be at most 1024",
    );
    refused(
        &[
            "size",
            &s,
            "--axis",
            "hosts.count",
            "--names",
            "1000000000",
            "--out",
            &journal,
        ],
        "of memory, but only",
    );
    assert!(!Path::new(&out).exists());
}

/// C2: `compare`, `check` and `size` aborted allocating for 10^8 hosts,
/// which `run` refuses at once.
#[test]
fn c2_every_simulating_command_checks_memory_first() {
    let (dir, s) = scenario(&with_designs());
    let out = out_in(dir.path());
    let big = "hosts.count=100000000";
    refused(&["run", &s, "--set", big, "--out", &out], "of memory");
    refused(&["compare", &s, "--set", big, "--out", &out], "of memory");
    refused(
        &["size", &s, "--set", big, "--names", "1", "--out", &out],
        "of memory",
    );
    refused(&["validate", &s, "--set", big], "of memory");
    let (dir, s) = scenario(&format!(
        "{SMALL_CLOUD}\n[[expect]]\nmetric = \"registrations\"\nmin = 1\n"
    ));
    let _ = dir;
    refused(&["check", &s, "--set", big], "of memory");
}

/// C3: a topology whose all-pairs delay table cannot fit passed `validate`
/// and aborted in `run`: the estimate left the table out.
#[test]
fn c3_the_estimate_counts_the_topology_table_and_validate_refuses_it() {
    let (dir, s) = scenario(SMALL_CLOUD);
    refused(&["validate", &s, "--set", HUGE_TOPOLOGY], "of memory");
    refused(
        &[
            "run",
            &s,
            "--set",
            HUGE_TOPOLOGY,
            "--out",
            &out_in(dir.path()),
        ],
        "of memory",
    );
}

/// `validate` builds every sweep point and design, as `sweep` and
/// `compare` do: a point or design they would refuse is refused here, named.
#[test]
fn validate_rejects_the_sweep_points_and_designs_the_commands_reject() {
    let (_dir, s) = scenario(&format!(
        "{SMALL_CLOUD}\n[sweep]\naxis = \"network.loss\"\nvalues = [0.1, 2]\n"
    ));
    refused(&["validate", &s], "sweep point 1");
    let (_dir, s) = scenario(&format!(
        "{SMALL_CLOUD}\n[[design]]\nname = \"none\"\nset = {{ \"hosts.count\" = 0 }}\n"
    ));
    refused(&["validate", &s], "design `none`");
}

/// `size --axis` steps whole numbers; contradictory replication flags are
/// refused rather than one silently overriding the other.
#[test]
fn size_refuses_a_non_integer_axis_and_contradictory_flags() {
    let (_dir, s) = scenario(SMALL_CLOUD);
    refused(
        &["size", &s, "--budget", "2kbit/s", "--axis", "network.loss"],
        "--axis network.loss",
    );
    refused(
        &[
            "size",
            &s,
            "--names",
            "2",
            "--replications",
            "10",
            "--max-replications",
            "2",
        ],
        "--max-replications 2 is below --replications 10",
    );
}

/// H1: 10^6 names on one host spent hours inside one event (each name
/// re-derives the cache against every other), beyond `--max-wall`.
#[test]
fn h1_names_per_host_is_capped() {
    let (_dir, s) = scenario(SMALL_CLOUD);
    refused(
        &["validate", &s, "--set", "hosts.names_per_host=1000000"],
        "must be at most 1024",
    );
    refused(
        &[
            "run",
            &s,
            "--set",
            "hosts.names_per_host=1000000",
            "--max-wall",
            "20s",
        ],
        "must be at most 1024",
    );
}

/// H2: a 1 µs timer packs millions of events into one simulated second;
/// `--max-wall 5s` stopped such a run only after 35–61 s.
#[test]
fn h2_max_wall_holds_inside_a_dense_second() {
    let (dir, s) = scenario(SMALL_CLOUD);
    let out = out_in(dir.path());
    for set in [
        "metrics.connectivity_every=1us",
        "pnrp.refresh_interval=1us",
    ] {
        let began = Instant::now();
        let (code, _, err) = pnrpsim(&["run", &s, "--set", set, "--max-wall", "2s", "--out", &out]);
        let took = began.elapsed();
        assert_eq!(code, 1, "{set}: {err}");
        assert!(err.contains("stopped by --max-wall 2s"), "{set}: {err}");
        assert!(took < Duration::from_secs(6), "{set}: took {took:?}");
    }
}

/// H4: `--threads 100000` created threads without limit.
#[test]
fn h4_threads_are_capped() {
    let (dir, s) = scenario(SMALL_CLOUD);
    let out = out_in(dir.path());
    let (code, _, err) = pnrpsim(&["sweep", &s, "--threads", "100000", "--out", &out]);
    assert_eq!(code, 2, "{err}");
    assert!(err.contains("from 0 (one thread per core) to 256"), "{err}");
    assert!(!Path::new(&out).exists());
}

/// A Weibull shape of 0.005 or 1e-300 passed `validate` and failed at run
/// time (exit 1, no location): its scale overflows. Now `validate`, `run`
/// and `--set` refuse it with the parameter and where it was written.
#[test]
fn weibull_shapes_too_small_to_run_are_refused_where_written() {
    for (shape, shown) in [("0.005", "0.005"), ("1e-300", "1e-300")] {
        let text = SMALL_CLOUD.replace(
            "session = { dist = \"exponential\", mean = \"20min\" }",
            &format!("session = {{ dist = \"weibull\", mean = \"20min\", shape = {shape} }}"),
        );
        assert_ne!(text, SMALL_CLOUD);
        let (dir, s) = scenario(&text);
        let out = out_in(dir.path());
        let wanted = "churn.session.shape: must be at least 0.1 for a Weibull distribution";
        refused(&["validate", &s], wanted);
        refused(&["run", &s, "--out", &out], wanted);
        let (_, _, err) = pnrpsim(&["validate", &s]);
        assert!(err.contains("s.toml:10:"), "located: {err}");
        assert!(err.contains(&format!("(got {shown})")), "{err}");
    }
    let (_dir, s) = scenario(SMALL_CLOUD);
    refused(
        &[
            "validate",
            &s,
            "--set",
            "churn.session={dist=\"weibull\",mean=\"1h\",shape=0.005}",
        ],
        "error: --set churn.session={dist=\"weibull\",mean=\"1h\",shape=0.005}: churn.session.shape: must be at least 0.1",
    );
}

/// A 300-character `name` passed `validate`; it names the output folder,
/// which a file system refuses beyond 255 bytes.
#[test]
fn a_name_too_long_for_a_folder_is_refused() {
    let (_dir, s) = scenario(&format!("name = \"{}\"\n{SMALL_CLOUD}", "a".repeat(300)));
    refused(
        &["validate", &s],
        "s.toml:1:8: name: must be at most 100 characters, as it names the output folder (got 300)",
    );
}

/// Messages in plain words: types as people say them, and a rate without
/// its unit, or with an ambiguous one, says which unit is meant.
#[test]
fn errors_speak_plainly() {
    let (_dir, s) = scenario(SMALL_CLOUD);
    refused(
        &["validate", &s, "--set", "hosts.count=many"],
        "error: --set hosts.count=many: hosts.count: invalid type: string \"many\", expected a whole number from 0 to 4294967295",
    );
    refused(
        &["validate", &s, "--set", "network.loss=\"x\""],
        "expected a number",
    );
    let (_, _, err) = pnrpsim(&["validate", &s, "--set", "network.loss=\"x\""]);
    assert!(!err.contains("f64") && !err.contains("u32"), "{err}");
    for (budget, wanted) in [
        (
            "300",
            "give a unit: \"300B/s\" for bytes per second, or \"300bit/s\" for bits per second",
        ),
        (
            "3kb/s",
            "`kb/s` could mean bits or bytes per second: write \"3kbit/s\" for bits, or \"3kB/s\" for bytes",
        ),
        ("2kbit", "a rate is per second: write \"2kbit/s\""),
    ] {
        refused(&["size", &s, "--budget", budget], wanted);
    }
}

/// Every output path is checked before any work: `check --junit` into a
/// directory that does not exist failed only after every run.
#[test]
fn output_paths_are_checked_before_any_run() {
    let (_dir, s) = scenario(&format!(
        "{SMALL_CLOUD}[[expect]]\nmetric = \"up_B_per_s\"\nexpected = 10\ntolerance = 0.5\n"
    ));
    refused(
        &["check", &s, "--junit", "/no/such/dir/x.xml"],
        "error: --junit: directory /no/such/dir does not exist",
    );
}

/// An error a `--set` caused names the `--set`, not the file: one that
/// makes another parameter wrong (a `duration` shorter than the file's
/// warm-up), and sweep values that give a bad point.
#[test]
fn errors_caused_by_a_set_name_the_set() {
    let (_dir, s) = scenario(&format!(
        "{SMALL_CLOUD}[sweep]\naxis = \"hosts.count\"\nvalues = [10, 20]\n"
    ));
    refused(
        &["validate", &s, "--set", "duration=2min"],
        "error: --set duration=2min: warmup: must be shorter than `duration` (2min)",
    );
    refused(
        &["validate", &s, "--set", "sweep.values=[1,0]"],
        "error: --set sweep.values=[1,0]: sweep point 1 (hosts.count = 0): hosts.count: must be at least 1 (got 0)",
    );
}
