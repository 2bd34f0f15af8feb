//! Loading scenarios: every error is one line that names the place (file
//! position or `--set`), the parameter and the problem.

use pnrpsim::scenario::load::{ScenarioError, load_file, load_str};
use pnrpsim::scenario::units::Duration;
use pnrpsim::scenario::{Latency, Scenario};
use std::io::Write;

const ORIGIN: &str = "scenarios/x.toml";

fn sets(args: &[&str]) -> Vec<String> {
    args.iter().map(|s| s.to_string()).collect()
}

/// The error `text` (with `args` as `--set`s) gives, checked to be one line.
fn error(text: &str, args: &[&str]) -> ScenarioError {
    let e = load_str(text, ORIGIN, &sets(args)).expect_err("the scenario should be rejected");
    assert!(!e.to_string().contains('\n'), "not one line: {e}");
    e
}

/// Asserts that the message starts with `prefix` (location and field) and
/// contains every one of `parts`.
fn assert_error(e: &ScenarioError, prefix: &str, parts: &[&str]) {
    let text = e.to_string();
    assert!(
        text.starts_with(prefix),
        "expected `{prefix}…`, got: {text}"
    );
    for part in parts {
        assert!(text.contains(part), "expected `{part}` in: {text}");
    }
}

#[test]
fn malformed_toml() {
    let e = error("[hosts]\ncount = 3\n[network\nloss = 0.1\n", &[]);
    assert_eq!(e.position, Some((3, 9)));
    assert_error(&e, "scenarios/x.toml:3:9: ", &["expected `]`"]);
}

#[test]
fn unknown_top_level_field_lists_the_allowed_ones() {
    let e = error("name = \"x\"\nseed = 3\nhostz = 5\n", &[]);
    assert_error(
        &e,
        "scenarios/x.toml:3:1: unknown field `hostz`, expected one of `name`, `description`",
        &["`hosts`", "`metrics`"],
    );
}

#[test]
fn unknown_nested_field_names_its_table() {
    let e = error("[hosts]\ncount = 3\ncont = 4\n", &[]);
    assert_error(
        &e,
        "scenarios/x.toml:3:1: hosts: unknown field `cont`, expected one of `count`",
        &["`names_per_host`"],
    );
    let e = error("[churn.session]\nmaen = \"1h\"\n", &[]);
    assert_error(
        &e,
        "scenarios/x.toml:2:1: churn.session: unknown field `maen`",
        &["`mean`"],
    );
}

#[test]
fn unknown_field_of_the_latency_model_points_at_the_field() {
    let text = "[network.latency]\nmodel = \"constant\"\nmedian = \"3s\"\n";
    let e = error(text, &[]);
    assert_error(
        &e,
        "scenarios/x.toml:3:",
        &[
            "network.latency: unknown field `median`, expected `delay`",
            "model `lognormal`",
        ],
    );
}

#[test]
fn wrong_type() {
    let e = error("[hosts]\ncount = \"many\"\n", &[]);
    assert_error(
        &e,
        "scenarios/x.toml:2:9: hosts.count: invalid type: string \"many\", expected a whole number from 0 to 4294967295",
        &[],
    );
    let e = error("[pnrp]\nsecured_names = 1\n", &[]);
    assert_error(
        &e,
        "scenarios/x.toml:2:17: pnrp.secured_names: ",
        &["expected true or false"],
    );
}

#[test]
fn negative_and_zero_durations() {
    let e = error("[pnrp]\nmaintenance_period = \"-15s\"\n", &[]);
    assert_error(
        &e,
        "scenarios/x.toml:2:22: pnrp.maintenance_period: invalid duration \"-15s\"",
        &[],
    );
    let e = error("[pnrp]\nmaintenance_period = \"0s\"\n", &[]);
    assert_error(
        &e,
        "scenarios/x.toml:2:22: pnrp.maintenance_period: must be longer than 0s (got 0s)",
        &[],
    );
    let e = error("duration = \"0s\"\nwarmup = \"0s\"\n", &[]);
    assert_error(
        &e,
        "scenarios/x.toml:1:12: duration: must be longer than 0s",
        &[],
    );
}

#[test]
fn duration_inside_the_latency_model_is_located() {
    let text = "[network.latency]\nmodel = \"uniform\"\nmin = \"1ms\"\nmax = \"2 fortnights\"\n";
    let e = error(text, &[]);
    assert_error(
        &e,
        "scenarios/x.toml:4:7: network.latency.max: invalid duration \"2 fortnights\"",
        &[],
    );
}

#[test]
fn zero_hosts() {
    let e = error("seed = 7\n\n[hosts]\n  count = 0\n", &[]);
    assert_eq!(e.position, Some((4, 11)));
    assert_eq!(e.path, "hosts.count");
    assert_error(
        &e,
        "scenarios/x.toml:4:11: hosts.count: must be at least 1 (got 0)",
        &[],
    );
    // The same with a dotted key.
    let e = error("hosts.count = 0\n", &[]);
    assert_error(
        &e,
        "scenarios/x.toml:1:15: hosts.count: must be at least 1",
        &[],
    );
}

#[test]
fn probability_outside_0_1() {
    let e = error("[network]\nloss = 1.5\n", &[]);
    assert_error(
        &e,
        "scenarios/x.toml:2:8: network.loss: must be between 0 and 1 (got 1.5)",
        &[],
    );
    let e = error("[churn]\ngraceful_share = -0.5\n", &[]);
    assert_error(
        &e,
        "scenarios/x.toml:2:18: churn.graceful_share: must be between 0 and 1 (got -0.5)",
        &[],
    );
    let e = error("[hosts]\nteredo_share = nan\n", &[]);
    assert_error(
        &e,
        "scenarios/x.toml:2:16: hosts.teredo_share: ",
        &["(got NaN)"],
    );
}

#[test]
fn bad_unit() {
    let e = error("[pnrp]\nfragment_size = \"1188 octets\"\n", &[]);
    assert_error(
        &e,
        "scenarios/x.toml:2:17: pnrp.fragment_size: invalid size \"1188 octets\"",
        &["B, KB"],
    );
    // A bare number is not a duration.
    let e = error("warmup = 60\n", &[]);
    assert_error(&e, "scenarios/x.toml:1:10: warmup: ", &["e.g. \"15s\""]);
}

#[test]
fn semantic_problem_of_a_default_falls_back_to_the_enclosing_table() {
    // warmup keeps its default (10min) but the file shortens the run.
    let e = error("duration = \"5min\"\n", &[]);
    assert_eq!(e.position, None);
    assert_error(
        &e,
        "scenarios/x.toml: warmup: must be shorter than `duration` (5min) (got 10min)",
        &[],
    );
    // A default inside a table the file has points at that table's header.
    let e = error("[churn.session]\ndist = \"pareto\"\n", &[]);
    assert_error(
        &e,
        "scenarios/x.toml:1:1: churn.session.shape: ",
        &["greater than 1"],
    );
}

#[test]
fn bad_set_path_lists_the_siblings() {
    let e = error("", &["hosts.cont=3"]);
    assert_error(
        &e,
        "--set hosts.cont=3: unknown parameter `hosts.cont`; `hosts` has: addresses, count, ",
        &["names_per_host"],
    );
    let e = error("", &["hostz=3"]);
    assert_error(
        &e,
        "--set hostz=3: unknown parameter `hostz`; top-level parameters: ",
        &["hosts"],
    );
    let e = error("", &["hosts.count"]);
    assert_error(&e, "--set hosts.count: expected `path=value`", &[]);
}

#[test]
fn bad_set_value() {
    let e = error("", &["hosts.count=abc"]);
    assert_eq!(
        e.to_string(),
        "--set hosts.count=abc: hosts.count: invalid type: string \"abc\", expected a whole number from 0 to 4294967295"
    );
    let e = error("", &["pnrp.refresh_interval=1 day"]);
    assert_error(
        &e,
        "--set pnrp.refresh_interval=1 day: pnrp.refresh_interval: invalid duration",
        &[],
    );
    // Well-typed but invalid: blamed on the --set, not on the file.
    let e = error("[hosts]\ncount = 10\n", &["hosts.count=0"]);
    assert_error(
        &e,
        "--set hosts.count=0: hosts.count: must be at least 1 (got 0)",
        &[],
    );
}

#[test]
fn a_file_error_is_reported_even_if_a_set_would_replace_the_value() {
    let e = error("[hosts]\ncount = \"x\"\n", &["hosts.count=5"]);
    assert_error(&e, "scenarios/x.toml:2:9: hosts.count: ", &[]);
}

#[test]
fn bad_name() {
    let e = error("name = \"my run\"\n", &[]);
    assert_error(
        &e,
        "scenarios/x.toml:1:8: name: may contain only letters, digits",
        &["(got `my run`)"],
    );
    let e = error("name = \".hidden\"\n", &[]);
    assert_error(
        &e,
        "scenarios/x.toml:1:8: name: must not start with `.`",
        &[],
    );
    let e = error("", &["name=../up"]);
    assert_error(&e, "--set name=../up: name: must not start with `.`", &[]);
    // A file stem that is not a valid name is reported as such.
    let e = load_str("", "scenarios/my run.toml", &[]).unwrap_err();
    assert_error(
        &e,
        "scenarios/my run.toml: name: may contain only",
        &["taken from the file name"],
    );
}

#[test]
fn missing_file() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("absent.toml");
    let e = load_file(&path, &[]).unwrap_err();
    assert_eq!(
        e.to_string(),
        format!(
            "{}: cannot read file: No such file or directory",
            path.display()
        )
    );
}

#[test]
fn empty_file_is_the_default_named_after_the_file() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("baseline-1.toml");
    std::fs::File::create(&path).unwrap();
    let s = load_file(&path, &[]).unwrap();
    assert_eq!(
        s,
        Scenario {
            name: "baseline-1".into(),
            ..Scenario::default()
        }
    );
    // An explicit name wins over the stem.
    let mut file = std::fs::File::create(&path).unwrap();
    writeln!(file, "name = \"other\"").unwrap();
    assert_eq!(load_file(&path, &[]).unwrap().name, "other");
}

#[test]
fn set_overrides_a_nested_duration() {
    let text = "[pnrp]\nmaintenance_period = \"30s\"\n";
    let s = load_str(text, ORIGIN, &sets(&["pnrp.maintenance_period=1min"])).unwrap();
    assert_eq!(s.pnrp.maintenance_period, Duration::secs(60));
    // The last of several sets of one path wins; others stay untouched.
    let s = load_str(
        text,
        ORIGIN,
        &sets(&["churn.session.mean=2h", "churn.session.mean=\"3h\""]),
    )
    .unwrap();
    assert_eq!(s.churn.session.mean, Duration::secs(3 * 3600));
    assert_eq!(s.pnrp.maintenance_period, Duration::secs(30));
}

#[test]
fn set_a_field_of_the_current_latency_model() {
    // The file omits the latency table: the default model's other field stays.
    let s = load_str("", ORIGIN, &sets(&["network.latency.median=25ms"])).unwrap();
    assert_eq!(
        s.network.latency,
        Latency::Lognormal {
            median: Duration::millis(25),
            sigma: 0.5
        }
    );
}

#[test]
fn set_switches_the_latency_model_in_either_order() {
    let text = "[network.latency]\nmodel = \"lognormal\"\nmedian = \"40ms\"\nsigma = 0.5\n";
    let constant = Latency::Constant {
        delay: Duration::millis(20),
    };
    for args in [
        [
            "network.latency.model=constant",
            "network.latency.delay=20ms",
        ],
        [
            "network.latency.delay=20ms",
            "network.latency.model=constant",
        ],
    ] {
        let s = load_str(text, ORIGIN, &sets(&args)).unwrap();
        assert_eq!(s.network.latency, constant, "{args:?}");
    }
    let whole = "network.latency={ model = \"constant\", delay = \"20ms\" }";
    let s = load_str(text, ORIGIN, &sets(&[whole])).unwrap();
    assert_eq!(s.network.latency, constant);
}

#[test]
fn set_latency_mistakes_are_explained() {
    // A field of another model without switching.
    let e = error("", &["network.latency.delay=20ms"]);
    assert_error(
        &e,
        "--set network.latency.delay=20ms: network.latency: unknown field `delay`",
        &["belongs to model `constant`", "network.latency.model"],
    );
    // Switching without giving the new model's fields.
    let e = error(
        "",
        &["network.latency.model=uniform", "network.latency.min=1ms"],
    );
    assert_error(
        &e,
        "--set network.latency.min=1ms: network.latency: missing field `max`",
        &[],
    );
    let e = error("", &["network.latency.model=fast"]);
    assert_error(
        &e,
        "--set network.latency.model=fast: network.latency.model: unknown variant `fast`",
        &["`constant`", "`topology`"],
    );
}

#[test]
fn min_online_longer_than_the_measured_time() {
    let e = error(
        "duration = \"20min\"\nwarmup = \"10min\"\n[metrics]\nmin_online = \"10min\"\n",
        &[],
    );
    assert_error(
        &e,
        "scenarios/x.toml:4:14: metrics.min_online: ",
        &["shorter than the measured time", "10min"],
    );
}
