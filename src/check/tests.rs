//! The check pipeline with a synthetic runner: replications, failed runs,
//! files with nothing to check, thread-count independence and the JUnit
//! report's counts.

use super::*;
use crate::engine::StreamSeed;
use crate::metrics::{HostMetrics, RunResult, Traffic};
use crate::scenario::{Expect, Scenario};
use crate::sweep::{Coord, SweepSpec};
use std::path::PathBuf;
use std::sync::atomic::{AtomicBool, AtomicUsize, Ordering};

/// One host online for 10 s that sends `100 × names + replication` bytes,
/// so replications differ a little and points a lot. Fails on 13 names.
fn runner(s: &Scenario, seed: StreamSeed) -> anyhow::Result<RunResult> {
    let names = u64::from(s.hosts.names_per_host);
    if names == 13 {
        anyhow::bail!("thirteen names are unlucky");
    }
    let bytes = 100 * names + seed.replication;
    Ok(RunResult {
        run_seed: seed.run_seed(),
        measured_secs: 10.0,
        hosts: vec![HostMetrics {
            sent: Traffic {
                datagrams: 1,
                bytes,
            },
            sent_bytes_by_reason: std::array::from_fn(|i| if i == 0 { bytes } else { 0 }),
            online_secs: 10.0,
            ..HostMetrics::default()
        }],
        ..RunResult::default()
    })
}

fn near(metric: &str, point: Option<i64>, expected: f64, tolerance: f64) -> Expect {
    Expect {
        metric: metric.into(),
        point: point.map(toml::Value::Integer),
        expected: Some(expected),
        tolerance: Some(tolerance),
        ..Expect::default()
    }
}

fn target(name: &str, values: Option<&[i64]>, expect: Vec<Expect>) -> Target {
    let scenario = Scenario {
        name: name.into(),
        sweep: values.map(|v| SweepSpec {
            replications: 3,
            values: v.iter().map(|&x| toml::Value::Integer(x)).collect(),
            ..SweepSpec::default()
        }),
        expect,
        fingerprint: Some(String::new()),
        ..Scenario::default()
    };
    let make_point = |coords: &[Coord]| {
        let mut s = scenario.clone();
        s.hosts.names_per_host = coords[0].value.as_integer().unwrap() as u32;
        Ok(s)
    };
    Target::new(
        PathBuf::from(format!("{name}.toml")),
        scenario.clone(),
        make_point,
    )
    .unwrap()
}

fn nothing_to_check() -> Target {
    let mut t = target("empty", None, Vec::new());
    t.scenario.fingerprint = None;
    t
}

fn run(targets: &[Target], threads: usize) -> Report {
    let stop = AtomicBool::new(false);
    let runs = run_targets(targets, threads, &stop, runner).unwrap();
    Report::of(targets, &runs)
}

fn verdicts(s: &ScenarioReport) -> Vec<Verdict> {
    s.rows.iter().map(|r| r.verdict).collect()
}

#[test]
fn replications_are_checked_against_the_widened_interval() {
    // Point 4 names: 40.0, 40.1, 40.2 B/s, mean 40.1, CI 40.1 ± 0.248.
    let t = target(
        "sweep",
        Some(&[1, 4]),
        vec![
            near("up_B_per_s", Some(4), 40.3, 0.0),
            near("up_B_per_s", Some(4), 40.4, 0.0),
            near("up_B_per_s", Some(4), 40.4, 0.01),
            near("up_B_per_s", Some(1), 10.1, 0.0),
        ],
    );
    let report = run(&[t], 2);
    let s = &report.scenarios[0];
    assert_eq!(
        verdicts(s),
        [
            Verdict::Pass,
            Verdict::Fail,
            Verdict::Pass,
            Verdict::Pass,
            Verdict::Unset
        ]
    );
    assert_eq!(s.rows[1].check, "up_B_per_s @ hosts.names_per_host = 4");
    let detail = s.rows[1].detail.as_deref().unwrap();
    assert!(
        detail.starts_with(
            "expected 40.4 ± 0 % (40.4 … 40.4), measured 40.1 (95 % CI 39.8516 … 40.3484, n = 3)"
        ),
        "{detail}"
    );
    // The table names the file, the check, and both values.
    let table = report.table();
    assert!(
        table.contains("FAIL sweep.toml: up_B_per_s @ hosts.names_per_host = 4: expected 40.4"),
        "{table}"
    );
    // What --bless would write: the mean.
    assert_eq!(s.rows[1].bless_value, Some(BlessValue::Expected(40.1)));
}

#[test]
fn a_failed_run_is_an_error_for_its_point_only() {
    let calls = AtomicUsize::new(0);
    let counting = |s: &Scenario, seed: StreamSeed| {
        calls.fetch_add(1, Ordering::Relaxed);
        runner(s, seed)
    };
    let targets = [
        target(
            "mixed",
            Some(&[2, 13]),
            vec![
                near("up_B_per_s", Some(2), 20.1, 0.05),
                near("up_B_per_s", Some(13), 1300.0, 0.05),
                near("up_B_per_s", Some(2), 30.0, 0.05),
            ],
        ),
        target("plain", None, vec![near("events", None, 0.0, 0.0)]),
        nothing_to_check(),
    ];
    let stop = AtomicBool::new(false);
    let runs = run_targets(&targets, 2, &stop, counting).unwrap();
    // 2 points × 3 replications, 1 run, and nothing for the empty file.
    assert_eq!(calls.load(Ordering::Relaxed), 7);
    let report = Report::of(&targets, &runs);
    let mixed = &report.scenarios[0];
    assert_eq!(
        verdicts(mixed),
        [Verdict::Pass, Verdict::Error, Verdict::Fail, Verdict::Error]
    );
    let error = mixed.rows[1].detail.as_deref().unwrap();
    assert!(
        error.starts_with("point 1 (hosts.names_per_host = 13), replication 0, run seed "),
        "{error}"
    );
    assert!(error.ends_with(": thirteen names are unlucky"), "{error}");
    assert_eq!(
        verdicts(&report.scenarios[1]),
        [Verdict::Pass, Verdict::Unset]
    );
    assert_eq!(verdicts(&report.scenarios[2]), [Verdict::Skipped]);
    let c = report.counts();
    assert_eq!(
        (c.total, c.passed, c.failed, c.errors, c.skipped),
        (7, 2, 2, 2, 1)
    );
    assert!(!c.all_passed());

    // The JUnit report carries the same counts, per file and in total.
    let xml = junit::to_xml(&report);
    let doc = roxmltree::Document::parse(&xml).unwrap();
    let root = doc.root_element();
    assert_eq!(root.tag_name().name(), "testsuites");
    let attr = |n: roxmltree::Node, a: &str| n.attribute(a).unwrap().to_owned();
    assert_eq!(attr(root, "tests"), "7");
    assert_eq!(attr(root, "failures"), "2");
    assert_eq!(attr(root, "errors"), "2");
    assert_eq!(attr(root, "skipped"), "1");
    let suites: Vec<_> = root.children().filter(|n| n.is_element()).collect();
    assert_eq!(suites.len(), 3);
    assert_eq!(attr(suites[0], "name"), "mixed.toml");
    let count = |suite: roxmltree::Node, tag: &str| {
        suite
            .descendants()
            .filter(|n| n.tag_name().name() == tag)
            .count()
    };
    assert_eq!(
        (
            count(suites[0], "testcase"),
            count(suites[0], "failure"),
            count(suites[0], "error")
        ),
        (4, 1, 2)
    );
    let error_message = suites[0]
        .descendants()
        .find(|n| n.tag_name().name() == "error")
        .and_then(|n| n.attribute("message"))
        .unwrap();
    assert!(error_message.contains("thirteen names are unlucky"));
    assert_eq!(count(suites[1], "failure"), 1);
    assert_eq!(count(suites[2], "skipped"), 1);
}

#[test]
fn results_do_not_depend_on_the_thread_count() {
    let targets = [
        target(
            "a",
            Some(&[1, 2, 3]),
            vec![near("up_B_per_s", Some(3), 30.0, 0.1)],
        ),
        target("b", None, vec![near("cloud_B_per_s", None, 10.0, 0.1)]),
    ];
    let one = run(&targets, 1);
    let two = run(&targets, 2);
    let strip = |r: &Report| {
        r.scenarios
            .iter()
            .map(|s| s.rows.clone())
            .collect::<Vec<_>>()
    };
    assert_eq!(strip(&one), strip(&two));
    // The sweep's fingerprint covers all its runs, one run's is its own.
    let fingerprint = |r: &Report, i: usize| r.scenarios[i].rows.last().unwrap().measured.clone();
    let single = runner(&targets[1].scenario, StreamSeed::single(1)).unwrap();
    assert_eq!(
        fingerprint(&one, 1),
        fingerprint::hex(fingerprint::of_run(&single))
    );
    assert_ne!(fingerprint(&one, 0), fingerprint(&one, 1));
}

/// A scenario built in code skips validation: a bad entry is an error row,
/// never a check of some other metric.
#[test]
fn an_unvalidated_entry_is_an_error_row() {
    let t = target(
        "code",
        Some(&[1, 2]),
        vec![
            near("no_such_metric", Some(1), 1.0, 0.0),
            near("events", None, 1.0, 0.0),
            Expect {
                tolerance: None,
                ..near("events", Some(2), 1.0, 0.0)
            },
        ],
    );
    let report = run(&[t], 1);
    let details: Vec<_> = report.scenarios[0].rows[..3]
        .iter()
        .map(|r| (r.verdict, r.detail.clone().unwrap_or_default()))
        .collect();
    assert_eq!(
        details,
        [
            (
                Verdict::Error,
                "invalid expectation: unknown metric".to_owned()
            ),
            (
                Verdict::Error,
                "invalid expectation: which sweep point? add `point = ` one of sweep.values (1, 2)"
                    .to_owned()
            ),
            (
                Verdict::Error,
                "invalid expectation: neither `expected` with `tolerance` nor bounds".to_owned()
            ),
        ]
    );
}
