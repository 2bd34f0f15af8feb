//! The preflight memory estimate against the peak RSS of real runs.
//!
//! Each run is a process of its own (`pnrpsim run --stats`), so that its
//! peak RSS is its own. Linux only: elsewhere the peak is not reported.

use std::process::Command;

/// Runs the quickstart scenario with `sets` and returns (estimated KiB,
/// measured peak KiB) from the `--stats` line.
fn estimate_and_peak(sets: &[&str]) -> Option<(f64, f64)> {
    let out = tempfile::tempdir().unwrap();
    let scenario = concat!(env!("CARGO_MANIFEST_DIR"), "/scenarios/quickstart.toml");
    let mut cmd = Command::new(env!("CARGO_BIN_EXE_pnrpsim"));
    cmd.args(["run", scenario, "--stats", "--out"])
        .arg(out.path());
    for s in sets {
        cmd.args(["--set", s]);
    }
    let output = cmd.output().unwrap();
    assert!(output.status.success(), "{output:?}");
    let stdout = String::from_utf8(output.stdout).unwrap();
    let last = stdout.lines().last().unwrap();
    let get = |key: &str| -> Option<f64> {
        last.split_whitespace()
            .find_map(|kv| kv.strip_prefix(key)?.strip_prefix('='))?
            .parse()
            .ok()
    };
    Some((get("estimate_kib")?, get("peak_rss_kib")?))
}

fn check(sets: &[&str]) {
    let Some((estimate, peak)) = estimate_and_peak(sets) else {
        return; // no /proc: nothing measured
    };
    let ratio = estimate / peak;
    // The estimate carries a 10 % safety margin over a model that fits
    // within ±10 %: it may overshoot a little, never undershoot much.
    assert!(
        (0.95..=1.4).contains(&ratio),
        "{sets:?}: estimated {estimate} KiB, measured peak {peak} KiB (ratio {ratio:.2})"
    );
}

#[test]
fn estimate_matches_a_cloud_of_one_name_hosts() {
    check(&[
        "hosts.count=10000",
        "hosts.names_per_host=1",
        "churn.enabled=false",
        "duration=12min",
        "warmup=5min",
    ]);
}

#[test]
fn estimate_matches_hosts_with_many_names() {
    check(&[
        "hosts.count=800",
        "hosts.names_per_host=16",
        "churn.enabled=false",
        "duration=8min",
        "warmup=4min",
        "metrics.min_online=1min",
    ]);
}
