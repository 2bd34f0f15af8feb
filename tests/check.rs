//! `pnrpsim check` end to end, through the binary: a perturbed expected
//! value or model parameter fails with a diff naming the metric and both
//! values, the JUnit report parses and counts right, `--bless` keeps
//! comments and leaves a passing file, and bad input exits 2 with the line.

use std::path::{Path, PathBuf};
use std::process::{Command, Output};

const BIN: &str = env!("CARGO_BIN_EXE_pnrpsim");

/// A small cloud (150 hosts, 20 simulated minutes) with churn, so that
/// every reason carries traffic, in well under a second.
const SMALL: &str = r#"# A small scenario for the check tests.
description = "150 hosts"   # kept by --bless
seed = 5
fingerprint = ""
duration = "20min"
warmup = "5min"

[hosts]
count = 150
names_per_host = 2

[churn]
enabled = true
session = { dist = "exponential", mean = "30min" }

# Whole-cloud bandwidth.
[[expect]]
metric = "cloud_B_per_s"
tolerance = 0.05   # ± 5 %

[[expect]]
metric = "up_flood_B_per_s"
tolerance = 0.05

[[expect]]
metric = "resolve_success_ratio"
min = 0.5
"#;

fn check(args: &[&str]) -> Output {
    Command::new(BIN)
        .arg("check")
        .args(args)
        .output()
        .expect("the binary runs")
}

fn stdout(o: &Output) -> String {
    String::from_utf8_lossy(&o.stdout).into_owned()
}

fn stderr(o: &Output) -> String {
    String::from_utf8_lossy(&o.stderr).into_owned()
}

fn write(dir: &Path, name: &str, text: &str) -> PathBuf {
    let path = dir.join(name);
    std::fs::write(&path, text).unwrap();
    path
}

/// A copy of [`SMALL`] with its values recorded by `--bless`.
fn blessed_small(dir: &Path) -> PathBuf {
    let path = write(dir, "small.toml", SMALL);
    let o = check(&["--bless", path.to_str().unwrap()]);
    assert_eq!(o.status.code(), Some(0), "{}{}", stdout(&o), stderr(&o));
    path
}

/// The `expected = …` value of the first entry whose metric is `metric`.
fn expected_of(text: &str, metric: &str) -> f64 {
    let doc: toml::Table = text.parse().unwrap();
    doc["expect"]
        .as_array()
        .unwrap()
        .iter()
        .find(|e| e["metric"].as_str() == Some(metric))
        .and_then(|e| e.get("expected"))
        .and_then(toml::Value::as_float)
        .unwrap_or_else(|| panic!("no expected value for {metric}"))
}

#[test]
fn a_perturbed_expected_value_fails_with_a_diff() {
    // The real quickstart: its recorded figures pass as they are ...
    let dir = tempfile::tempdir().unwrap();
    let original = std::fs::read_to_string(concat!(
        env!("CARGO_MANIFEST_DIR"),
        "/scenarios/quickstart.toml"
    ))
    .unwrap();
    let path = write(dir.path(), "quickstart.toml", &original);
    let o = check(&[path.to_str().unwrap()]);
    assert_eq!(o.status.code(), Some(0), "{}{}", stdout(&o), stderr(&o));

    // ... and fail once the expected cloud bandwidth is 20 % lower.
    let measured = expected_of(&original, "cloud_B_per_s");
    let line = format!("expected = {measured}");
    assert!(original.contains(&line), "{line}");
    let lowered = (measured * 0.8).round();
    let perturbed = original.replacen(&line, &format!("expected = {lowered}"), 1);
    write(dir.path(), "quickstart.toml", &perturbed);
    let o = check(&[path.to_str().unwrap()]);
    let out = stdout(&o);
    assert_eq!(o.status.code(), Some(1), "{out}");
    let diff = out
        .lines()
        .find(|l| l.starts_with("FAIL "))
        .unwrap_or_else(|| panic!("no failure line in {out}"));
    let file = path.display().to_string();
    assert!(
        diff.starts_with(&format!(
            "FAIL {file}: cloud_B_per_s: expected {lowered} ± 18 %"
        )),
        "{diff}"
    );
    assert!(diff.contains(&format!("measured {measured}")), "{diff}");
    assert!(diff.contains("(+25.0 % from expected)"), "{diff}");
    // Only that check failed.
    assert_eq!(out.matches("FAIL").count(), 2, "{out}");
    assert!(
        stderr(&o).contains("1 of 9 checks failed"),
        "{}",
        stderr(&o)
    );
}

/// A model change: every FLOOD carries a CPA, and each application
/// endpoint after the first adds 20 bytes to it (§2.2, see `docs/wire.md`),
/// so 10 endpoints instead of 1 (the most a CPA holds) make every FLOOD
/// (and AUTHORITY) 180 bytes larger. The scenario parameter stands in
/// for a changed constant; the check must catch it in the flood bytes, in
/// the cloud total, and in the fingerprint.
#[test]
fn a_perturbed_model_fails_naming_the_metrics() {
    let dir = tempfile::tempdir().unwrap();
    let path = blessed_small(dir.path());
    let text = std::fs::read_to_string(&path).unwrap();
    let o = check(&[path.to_str().unwrap(), "--set", "pnrp.app_endpoints=10"]);
    let out = stdout(&o);
    assert_eq!(o.status.code(), Some(1), "{out}");
    for metric in ["cloud_B_per_s", "up_flood_B_per_s"] {
        let expected = expected_of(&text, metric);
        let diff = out
            .lines()
            .find(|l| l.starts_with("FAIL ") && l.contains(&format!(": {metric}: ")))
            .unwrap_or_else(|| panic!("{metric} did not fail: {out}"));
        assert!(
            diff.contains(&format!("expected {expected} ± 5 %")),
            "{diff}"
        );
        let measured: f64 = diff
            .split("measured ")
            .nth(1)
            .and_then(|m| m.split(' ').next())
            .and_then(|m| m.parse().ok())
            .unwrap_or_else(|| panic!("no measured value in {diff}"));
        assert!(measured > expected * 1.05, "{diff}");
    }
    assert!(
        out.lines()
            .any(|l| l.starts_with("FAIL ") && l.contains(": fingerprint: expected ")),
        "{out}"
    );
    // Resolution still works: the bound holds.
    assert!(!out.contains(": resolve_success_ratio: "), "{out}");
    // The default model passes again: the override changed nothing on disk.
    let o = check(&[path.to_str().unwrap()]);
    assert_eq!(o.status.code(), Some(0), "{}", stdout(&o));
}

#[test]
fn the_junit_report_counts_passes_failures_and_skips() {
    let dir = tempfile::tempdir().unwrap();
    let suite = dir.path().join("suite");
    std::fs::create_dir_all(suite.join("nested")).unwrap();
    let passing = blessed_small(&suite);
    // A failing copy in a subdirectory: the cloud expectation halved and a
    // wrong fingerprint.
    let text = std::fs::read_to_string(&passing).unwrap();
    let cloud = expected_of(&text, "cloud_B_per_s");
    let fingerprint_line = text
        .lines()
        .find(|l| l.starts_with("fingerprint = "))
        .unwrap();
    let failing = text
        .replacen(
            &format!("expected = {cloud}"),
            &format!("expected = {}", cloud / 2.0),
            1,
        )
        .replacen(fingerprint_line, "fingerprint = \"0123456789abcdef\"", 1);
    write(&suite.join("nested"), "failing.toml", &failing);
    // Nothing to check: not run, reported as skipped.
    write(&suite, "plain.toml", "[hosts]\ncount = 10\n");

    let junit = dir.path().join("report.xml");
    let o = check(&[suite.to_str().unwrap(), "--junit", junit.to_str().unwrap()]);
    assert_eq!(o.status.code(), Some(1), "{}", stdout(&o));
    let xml = std::fs::read_to_string(&junit).unwrap();
    let doc = roxmltree::Document::parse(&xml).unwrap();
    let root = doc.root_element();
    assert_eq!(root.tag_name().name(), "testsuites");
    let attr = |n: roxmltree::Node, a: &str| n.attribute(a).unwrap().to_owned();
    // 2 files × (3 expectations + fingerprint) + 1 skipped.
    assert_eq!(attr(root, "tests"), "9");
    assert_eq!(attr(root, "failures"), "2");
    assert_eq!(attr(root, "errors"), "0");
    assert_eq!(attr(root, "skipped"), "1");
    let suites: Vec<_> = root
        .children()
        .filter(|n| n.has_tag_name("testsuite"))
        .collect();
    let names: Vec<String> = suites.iter().map(|s| attr(*s, "name")).collect();
    let under = |f: &str| suite.join(f).display().to_string();
    assert_eq!(
        names,
        [
            under("nested/failing.toml"),
            under("plain.toml"),
            under("small.toml")
        ]
    );
    let count =
        |s: roxmltree::Node, tag: &str| s.descendants().filter(|n| n.has_tag_name(tag)).count();
    assert_eq!(count(suites[0], "testcase"), 4);
    assert_eq!(count(suites[0], "failure"), 2);
    assert_eq!(attr(suites[0], "failures"), "2");
    assert_eq!(count(suites[1], "skipped"), 1);
    assert_eq!(count(suites[2], "testcase"), 4);
    assert_eq!(count(suites[2], "failure") + count(suites[2], "error"), 0);
    let messages: Vec<&str> = suites[0]
        .descendants()
        .filter(|n| n.has_tag_name("failure"))
        .filter_map(|n| n.attribute("message"))
        .collect();
    // The halved expectation: measured is twice it (values are printed to
    // six significant digits, so compare the relative difference).
    assert!(
        messages[0].starts_with("expected ")
            && messages[0].contains(" ± 5 % (")
            && messages[0].ends_with("(+100.0 % from expected)"),
        "{messages:?}"
    );
    assert!(
        messages[1].starts_with("expected 0123456789abcdef, measured "),
        "{messages:?}"
    );
}

#[test]
fn bless_keeps_comments_and_layout_and_leaves_a_passing_file() {
    let dir = tempfile::tempdir().unwrap();
    // A stale value that fails, beside the unset ones.
    let text = SMALL.replace(
        "metric = \"up_flood_B_per_s\"\n",
        "metric = \"up_flood_B_per_s\"\nexpected = 1e9 # stale\n",
    );
    let path = write(dir.path(), "small.toml", &text);
    assert_eq!(check(&[path.to_str().unwrap()]).status.code(), Some(1));

    let o = check(&["--bless", path.to_str().unwrap()]);
    assert_eq!(o.status.code(), Some(0), "{}{}", stdout(&o), stderr(&o));
    let out = stdout(&o);
    assert_eq!(out.matches("\nblessed ").count(), 3, "{out}");
    let blessed = std::fs::read_to_string(&path).unwrap();

    // Every line of the original is still there, in order, except the
    // values that were rewritten; the only new lines are values.
    let mut kept = blessed.lines().peekable();
    for line in text.lines() {
        if line.starts_with("fingerprint =") || line.starts_with("expected =") {
            continue;
        }
        loop {
            let next = kept
                .next()
                .unwrap_or_else(|| panic!("lost line {line:?}:\n{blessed}"));
            if next == line {
                break;
            }
            assert!(
                next.starts_with("expected = ") || next.starts_with("fingerprint = "),
                "unexpected line {next:?}:\n{blessed}"
            );
        }
    }
    assert!(blessed.contains("expected = "), "{blessed}");
    assert!(blessed.contains(" # stale"), "{blessed}");
    assert!(!blessed.contains("1e9"), "{blessed}");
    // `expected` goes right after `metric`.
    assert!(
        blessed.contains("metric = \"cloud_B_per_s\"\nexpected = "),
        "{blessed}"
    );

    // The blessed file passes, and blessing again changes nothing.
    let o = check(&[path.to_str().unwrap()]);
    assert_eq!(o.status.code(), Some(0), "{}", stdout(&o));
    assert!(
        stdout(&o).contains("4 checks in 1 files: 4 passed"),
        "{}",
        stdout(&o)
    );
    let o = check(&["--bless", path.to_str().unwrap()]);
    assert_eq!(o.status.code(), Some(0));
    assert_eq!(std::fs::read_to_string(&path).unwrap(), blessed);
}

#[test]
fn replicated_checks_use_the_confidence_interval() {
    let dir = tempfile::tempdir().unwrap();
    let text = SMALL
        .replace("fingerprint = \"\"\n", "")
        .replace("names_per_host = 2\n", "")
        + "\n[sweep]\naxis = \"hosts.names_per_host\"\nvalues = [1, 2]\nreplications = 3\n";
    let text = text.replace(
        "tolerance = 0.05   # ± 5 %",
        "point = 2\ntolerance = 0.05   # ± 5 %",
    );
    let text = text.replace(
        "metric = \"up_flood_B_per_s\"\n",
        "metric = \"up_flood_B_per_s\"\npoint = 1\n",
    );
    let text = text.replace("min = 0.5\n", "point = 2\nmin = 0.5\n");
    let path = write(dir.path(), "sweep.toml", &text);
    let o = check(&["--bless", path.to_str().unwrap()]);
    let out = stdout(&o);
    assert_eq!(o.status.code(), Some(0), "{out}{}", stderr(&o));
    assert!(
        out.contains("cloud_B_per_s @ hosts.names_per_host = 2"),
        "{out}"
    );
    assert!(out.contains("(95 % CI "), "{out}");
    assert!(out.contains(", n = 3)"), "{out}");

    // The same figures as `pnrpsim sweep` writes into sweep.csv.
    let sweep_dir = dir.path().join("out");
    let o = Command::new(BIN)
        .args(["sweep", path.to_str().unwrap(), "--no-charts", "--out"])
        .arg(&sweep_dir)
        .output()
        .unwrap();
    assert!(o.status.success(), "{}", stderr(&o));
    let mut csv = csv::Reader::from_path(sweep_dir.join("sweep.csv")).unwrap();
    let header = csv.headers().unwrap().clone();
    let column = header
        .iter()
        .position(|h| h == "cloud_B_per_s_mean")
        .unwrap();
    let rows: Vec<csv::StringRecord> = csv.records().map(Result::unwrap).collect();
    let mean: f64 = rows[1][column].parse().unwrap();
    let blessed = std::fs::read_to_string(&path).unwrap();
    let expected = expected_of(&blessed, "cloud_B_per_s");
    assert!(
        (expected - mean).abs() <= 1e-5 * mean,
        "blessed {expected}, sweep.csv {mean}"
    );
}

#[test]
fn bad_input_exits_2_naming_file_line_and_problem() {
    let dir = tempfile::tempdir().unwrap();
    let unknown = write(
        dir.path(),
        "a.toml",
        "seed = 1\n\n[[expect]]\nmetric = \"up_B_per_sec\"\ntolerance = 0.05\n",
    );
    let negative = write(
        dir.path(),
        "b.toml",
        "[[expect]]\nmetric = \"up_B_per_s\"\nexpected = 3.0\ntolerance = -0.1\n",
    );
    let inverted = write(
        dir.path(),
        "c.toml",
        "[[expect]]\nmetric = \"events\"\nmin = 5\nmax = 2\n",
    );
    let o = check(&[dir.path().to_str().unwrap()]);
    assert_eq!(o.status.code(), Some(2));
    assert_eq!(stdout(&o), "", "nothing runs on bad input");
    let err = stderr(&o);
    let lines: Vec<&str> = err.lines().collect();
    let at = |p: &Path, rest: &str| format!("error: {}:{rest}", p.display());
    assert_eq!(lines.len(), 3, "{err}");
    assert!(
        lines[0].starts_with(&at(
            &unknown,
            "4:10: expect.0.metric: unknown metric `up_B_per_sec`; the metrics are the rows of \
             summary.csv: hosts,"
        )),
        "{err}"
    );
    assert_eq!(
        lines[1],
        at(
            &negative,
            "4:13: expect.0.tolerance: must be at least 0 (a relative tolerance: 0.05 is ± 5 %) (got -0.1)"
        )
    );
    assert_eq!(
        lines[2],
        at(
            &inverted,
            "3:7: expect.0.min: must not exceed `max` (2) (got 5)"
        )
    );
    // A missing path, and --bless with --set.
    let o = check(&[dir.path().join("nope").to_str().unwrap()]);
    assert_eq!(o.status.code(), Some(2));
    assert!(stderr(&o).contains("nope: No such file or directory"));
    let o = check(&[
        "--bless",
        "--set",
        "hosts.count=5",
        unknown.to_str().unwrap(),
    ]);
    assert_eq!(o.status.code(), Some(2));
    assert!(stderr(&o).contains("--bless cannot be combined with --set"));
}

/// Every metric of a run's `summary.csv` is checkable under the name the
/// file gives it, and `check` measures the value `run` wrote (the run seed,
/// which identifies the run, is refused with a reason).
#[test]
fn a_name_copied_from_summary_csv_into_expect_is_accepted() {
    let dir = tempfile::tempdir().unwrap();
    // 35 measured minutes: enough windows (30) for the stationarity verdict.
    let scenario = SMALL[..SMALL.find("# Whole-cloud").unwrap()]
        .replace("fingerprint = \"\"\n", "")
        .replace("duration = \"20min\"", "duration = \"40min\"");
    let path = write(dir.path(), "small.toml", &scenario);
    let out = dir.path().join("out");
    let o = Command::new(BIN)
        .args([
            "run",
            path.to_str().unwrap(),
            "--out",
            out.to_str().unwrap(),
        ])
        .output()
        .unwrap();
    assert!(o.status.success(), "{}", stderr(&o));
    let summary = std::fs::read_to_string(out.join("summary.csv")).unwrap();
    let mut with_expect = scenario.clone();
    let mut checked = Vec::new();
    for line in summary.lines().skip(1) {
        let [metric, value, _unit] = line.split(',').collect::<Vec<_>>()[..] else {
            panic!("{line}");
        };
        if metric == "run_seed" || value.is_empty() {
            continue;
        }
        // summary.csv rounds to 6 decimals.
        let v: f64 = value.parse().unwrap();
        with_expect += &format!(
            "\n[[expect]]\nmetric = \"{metric}\"\nmin = {:?}\nmax = {:?}\n",
            v - 1e-6,
            v + 1e-6
        );
        checked.push(metric.to_owned());
    }
    // This run defines every figure but the timeline's (it has no
    // `[[event]]`): all others but the seed are checked.
    let timeline_figures = pnrpsim::metrics::catalog::all()
        .iter()
        .filter(|m| m.name.starts_with("event") && m.name != "events")
        .count();
    assert_eq!(
        checked.len() + 1 + timeline_figures,
        pnrpsim::metrics::catalog::all().len(),
        "{checked:?}"
    );
    let path = write(dir.path(), "copied.toml", &with_expect);
    let o = check(&[path.to_str().unwrap()]);
    assert_eq!(o.status.code(), Some(0), "{}{}", stdout(&o), stderr(&o));
    let report = stdout(&o);
    for metric in &checked {
        assert!(
            report.lines().any(|l| {
                l.split_whitespace().any(|w| w == metric) && l.trim_end().ends_with("pass")
            }),
            "{metric}: {report}"
        );
    }

    let seed = write(
        dir.path(),
        "seed.toml",
        &format!("{scenario}\n[[expect]]\nmetric = \"run_seed\"\nmin = 0\n"),
    );
    let o = check(&[seed.to_str().unwrap()]);
    assert_eq!(o.status.code(), Some(2));
    assert!(
        stderr(&o).contains("expect.0.metric: `run_seed` is only in summary.csv"),
        "{}",
        stderr(&o)
    );
}

#[test]
fn help_explains_the_rule_and_the_exit_codes() {
    let o = check(&["--help"]);
    assert_eq!(o.status.code(), Some(0));
    let help = stdout(&o);
    for part in [
        "widened by the tolerance",
        "Exit codes: 0",
        "--junit <FILE>",
        "--bless",
        "--set <PATH=VALUE>",
        "--threads <N>",
    ] {
        assert!(help.contains(part), "{part}: {help}");
    }
}
