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
    refused(
        &["size", &s, "--names", "1000000000", "--replications", "2"],
        "must be at most 1024",
    );
    refused(
        &["size", &s, "--axis", "hosts.count", "--names", "1000000000"],
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
    refused(&["size", &s, "--set", big, "--names", "1"], "of memory");
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
