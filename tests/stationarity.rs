//! The stationarity check end to end, through the binary: every run's
//! summary carries the verdict, a run measured while its churning cloud
//! still relaxes from "everyone online" warns naming the series and a
//! longer warm-up, and `check` can require the verdict.

mod common;

use common::pnrpsim;
use std::path::Path;

/// 300 hosts that all join at the start (not the steady start, which
/// begins in the equilibrium), under churn whose equilibrium is two
/// thirds online and whose relaxation time is 40 min: with a one-minute
/// warm-up, hosts online falls through the whole measured hour.
const STILL_RELAXING: &str = r#"
seed = 5
duration = "1h"
warmup = "1min"
[hosts]
count = 300
start = "joins"
[churn]
enabled = true
session = { dist = "exponential", mean = "2h" }
downtime = { dist = "exponential", mean = "1h" }
"#;

/// A static cloud measured after a 20-minute warm-up.
const SETTLED: &str = r#"
seed = 5
duration = "1h"
warmup = "20min"
[hosts]
count = 300
"#;

const REQUIRE_STATIONARY: &str = "\n[[expect]]\nmetric = \"stationary\"\nmin = 1\n";

fn write(dir: &Path, name: &str, text: &str) -> String {
    let path = dir.join(name);
    std::fs::write(&path, text).unwrap();
    path.display().to_string()
}

/// The value of `name` in a run's `summary.csv` (`name,value,unit` rows).
fn summary_value(out: &Path, name: &str) -> String {
    let text = std::fs::read_to_string(out.join("summary.csv")).unwrap();
    text.lines()
        .find_map(|l| {
            let mut cells = l.split(',');
            (cells.next() == Some(name)).then(|| cells.next().unwrap().to_owned())
        })
        .unwrap_or_else(|| panic!("summary.csv has no row {name}:\n{text}"))
}

#[test]
fn the_quickstart_summary_has_the_verdict_and_its_series() {
    let dir = tempfile::tempdir().unwrap();
    let scenario = concat!(env!("CARGO_MANIFEST_DIR"), "/scenarios/quickstart.toml");
    let out = dir.path().join("out");
    let (code, _, err) = pnrpsim(&["run", scenario, "--out", out.to_str().unwrap()]);
    assert_eq!(code, 0, "{err}");
    let verdict = summary_value(&out, "stationary");
    assert!(verdict == "0" || verdict == "1", "stationary = {verdict:?}");
    for series in ["cloud_bytes", "hosts_online"] {
        let trend = summary_value(&out, &format!("trend_{series}"));
        let share: f64 = summary_value(&out, &format!("mser5_{series}_ratio"))
            .parse()
            .unwrap();
        assert!((0.0..1.0).contains(&share), "{series}: {share}");
        // A trending series is one MSER-5 truncates past half of, and the
        // run warns about exactly the series that trend.
        assert!(trend == "0" || share > 0.5, "{series}: {trend} at {share}");
        let label = series.replace("_bytes", " bytes/s").replace('_', " ");
        let warned = err.contains(&format!("warning: {label} still trends"));
        assert_eq!(warned, trend == "1", "{series}:\n{err}");
    }
    assert_eq!(verdict == "0", err.contains("try --set warmup="), "{err}");
}

#[test]
fn a_short_warm_up_on_a_relaxing_cloud_warns_and_suggests_a_longer_one() {
    let dir = tempfile::tempdir().unwrap();
    let scenario = write(dir.path(), "relaxing.toml", STILL_RELAXING);
    let out = dir.path().join("out");
    let (code, _, err) = pnrpsim(&["run", &scenario, "--out", out.to_str().unwrap()]);
    assert_eq!(code, 0, "a warning is not a failure: {err}");
    assert!(
        err.contains("warning: hosts online still trends in the measured window (MSER-5 truncates"),
        "{err}"
    );
    // The suggestion starts measuring after the truncated part (more than
    // half the 59 measured minutes) and keeps the measured time.
    let suggestion = err
        .lines()
        .find_map(|l| l.split("try ").nth(1))
        .unwrap_or_else(|| panic!("no suggestion in {err}"));
    let minutes = |key: &str| -> u64 {
        let value = suggestion
            .split_whitespace()
            .find_map(|w| w.strip_prefix(key))
            .unwrap_or_else(|| panic!("no {key} in {suggestion}"));
        value.strip_suffix("min").unwrap().parse().unwrap()
    };
    let (warmup, duration) = (minutes("warmup="), minutes("duration="));
    assert!(warmup > 1 + 59 / 2, "{suggestion}");
    assert_eq!(duration - warmup, 59, "{suggestion}");
    assert_eq!(summary_value(&out, "stationary"), "0");
    assert_eq!(summary_value(&out, "trend_hosts_online"), "1");
}

#[test]
fn check_requires_the_verdict_through_an_expectation() {
    let dir = tempfile::tempdir().unwrap();
    let settled = write(
        dir.path(),
        "settled.toml",
        &format!("{SETTLED}{REQUIRE_STATIONARY}"),
    );
    let relaxing = write(
        dir.path(),
        "relaxing.toml",
        &format!("{STILL_RELAXING}{REQUIRE_STATIONARY}"),
    );
    let (code, out, err) = pnrpsim(&["check", &settled]);
    assert_eq!(code, 0, "{out}{err}");
    let (code, out, err) = pnrpsim(&["check", &relaxing]);
    assert_eq!(code, 1, "{out}{err}");
    assert!(
        out.contains("relaxing.toml: stationary: expected ≥ 1, measured 0"),
        "{out}{err}"
    );
}

#[test]
fn sweep_compare_and_size_name_the_runs_that_still_trend_in_stderr_and_report() {
    let dir = tempfile::tempdir().unwrap();
    let at = |name: &str| dir.path().join(name).display().to_string();
    let sweep = write(
        dir.path(),
        "sweep.toml",
        &format!(
            "{STILL_RELAXING}[sweep]\naxis = \"hosts.names_per_host\"\nvalues = [1, 2]\nreplications = 2\n"
        ),
    );
    let (code, out, err) = pnrpsim(&[
        "sweep",
        &sweep,
        "--out",
        &at("sweep-out"),
        "--no-charts",
        "--report",
        &at("sweep.md"),
    ]);
    assert_eq!(code, 0, "{out}{err}");
    // Every run of this cloud relaxes: each of the 4 is named.
    for (point, replication) in [(0, 0), (0, 1), (1, 0), (1, 1)] {
        let line =
            format!("warning: point {point}, replication {replication}: hosts online still trends");
        assert!(err.contains(&line), "{line}\n{err}");
    }
    assert!(err.contains("try --set warmup="), "{err}");
    let page = std::fs::read_to_string(at("sweep.md")).unwrap();
    assert!(
        page.contains("Not settled: in point 1, replication 1, hosts online still trends"),
        "{page}"
    );

    let designs = write(
        dir.path(),
        "compare.toml",
        &format!(
            "{STILL_RELAXING}[[design]]\nname = \"one\"\nset = {{ \"hosts.names_per_host\" = 1 }}\n\
             [[design]]\nname = \"two\"\nset = {{ \"hosts.names_per_host\" = 2 }}\n"
        ),
    );
    let (code, out, err) = pnrpsim(&[
        "compare",
        &designs,
        "--replications",
        "2",
        "--out",
        &at("compare-out"),
    ]);
    assert_eq!(code, 0, "{out}{err}");
    assert!(
        err.contains("warning: design two, replication 1: hosts online still trends"),
        "{err}"
    );

    let relaxing = write(dir.path(), "relaxing.toml", STILL_RELAXING);
    let (code, out, err) = pnrpsim(&["size", &relaxing, "--names", "1", "--replications", "2"]);
    assert_eq!(code, 0, "{out}{err}");
    assert!(
        err.contains("warning: hosts.names_per_host = 1, replication 0: hosts online still trends"),
        "{err}"
    );
}
