//! The `pnrpsim` binary end to end: exit codes, one-line errors, no partial
//! outputs, and sweeps that do not depend on the thread count.

use std::path::Path;
use std::process::{Command, Output};

fn pnrpsim(args: &[&str]) -> Output {
    Command::new(env!("CARGO_BIN_EXE_pnrpsim"))
        .args(args)
        .output()
        .expect("the binary runs")
}

fn write(dir: &Path, name: &str, text: &str) -> String {
    let path = dir.join(name);
    std::fs::write(&path, text).unwrap();
    path.to_string_lossy().into_owned()
}

const SMALL: &str = "duration = \"6min\"\nwarmup = \"1min\"\n[hosts]\ncount = 120\n[metrics]\nmin_online = \"1min\"\n";

/// A valid peer-group scenario (issue #20), its `[group]` table on line 7.
const GROUP: &str = "[hosts]\ncount = 20\nshared_name_share = 0.5\nshared_name_hosts = 3\nshared_name_method = \"group\"\n\n[group]\nrecords_per_member = 1\n";

#[test]
fn run_writes_tables_and_prints_the_summary() {
    let dir = tempfile::tempdir().unwrap();
    let scenario = write(dir.path(), "small.toml", SMALL);
    let out = dir.path().join("out");
    let o = pnrpsim(&["run", &scenario, "--out", out.to_str().unwrap()]);
    assert!(o.status.success(), "{}", String::from_utf8_lossy(&o.stderr));
    let stdout = String::from_utf8_lossy(&o.stdout);
    assert!(stdout.contains("upload B/s"), "{stdout}");
    for f in [
        "summary.csv",
        "hosts.csv",
        "messages.csv",
        "reasons.csv",
        "timeseries.csv",
        "hops.csv",
    ] {
        assert!(out.join(f).is_file(), "{f} written");
    }
    // Nothing but the tables: no temporary files left behind.
    let names: Vec<String> = std::fs::read_dir(&out)
        .unwrap()
        .map(|e| e.unwrap().file_name().to_string_lossy().into_owned())
        .collect();
    assert!(names.iter().all(|n| n.ends_with(".csv")), "{names:?}");
}

#[test]
fn bad_input_exits_2_with_one_line_naming_the_problem() {
    let dir = tempfile::tempdir().unwrap();
    let cases: Vec<(String, Vec<String>, &str)> = vec![
        (
            write(dir.path(), "a.toml", "[hosts]\ncount = 0\n"),
            vec![],
            "a.toml:2:9: hosts.count: must be at least 1",
        ),
        (
            write(dir.path(), "b.toml", "[hosts\n"),
            vec![],
            "b.toml:1:7",
        ),
        (
            write(dir.path(), "c.toml", "hostz = 3\n"),
            vec![],
            "unknown field `hostz`",
        ),
        (
            write(dir.path(), "d.toml", "[network]\nloss = 1.5\n"),
            vec![],
            "network.loss",
        ),
        (
            write(dir.path(), "e.toml", "duration = \"0s\"\n"),
            vec![],
            "duration: must be longer than 0s",
        ),
        (
            write(dir.path(), "f.toml", "[pnrp]\nrefresh_interval = 86400\n"),
            vec![],
            "pnrp.refresh_interval",
        ),
        (
            write(dir.path(), "g.toml", SMALL),
            vec!["--set".into(), "hosts.cont=5".into()],
            "unknown parameter `hosts.cont`",
        ),
        // Issue #20's bad input: a group of one computer, group parameters
        // with identity export, and a zero or negative group interval.
        (
            write(dir.path(), "h.toml", GROUP),
            vec!["--set".into(), "hosts.shared_name_hosts=1".into()],
            "hosts.shared_name_hosts: must be at least 2",
        ),
        (
            write(dir.path(), "i.toml", GROUP),
            vec!["--set".into(), "hosts.shared_name_method=identity".into()],
            "i.toml:7:1: group: group parameters apply only with",
        ),
        (
            write(dir.path(), "j.toml", GROUP),
            vec!["--set".into(), "group.record_refresh=0s".into()],
            "group.record_refresh: must be longer than 0s",
        ),
        (
            write(dir.path(), "k.toml", GROUP),
            vec!["--set".into(), "group.presence_lifetime=-10min".into()],
            "group.presence_lifetime: invalid duration \"-10min\"",
        ),
    ];
    for (file, extra, expected) in cases {
        let mut args = vec!["run".to_string(), file.clone()];
        args.extend(extra);
        let args: Vec<&str> = args.iter().map(String::as_str).collect();
        let o = pnrpsim(&args);
        let stderr = String::from_utf8_lossy(&o.stderr);
        assert_eq!(o.status.code(), Some(2), "{file}: {stderr}");
        assert_eq!(stderr.trim_end().lines().count(), 1, "one line: {stderr}");
        assert!(
            stderr.contains(expected),
            "{file}: expected `{expected}` in {stderr}"
        );
        assert!(!stderr.contains("panicked"), "{stderr}");
    }
}

#[test]
fn unwritable_output_directory_is_refused_before_running() {
    let dir = tempfile::tempdir().unwrap();
    let scenario = write(dir.path(), "small.toml", SMALL);
    let blocker = write(dir.path(), "file", "not a directory");
    let out = format!("{blocker}/out");
    let o = pnrpsim(&["run", &scenario, "--out", &out]);
    let stderr = String::from_utf8_lossy(&o.stderr);
    assert_eq!(o.status.code(), Some(2), "{stderr}");
    assert!(
        stderr.contains("cannot create output directory"),
        "{stderr}"
    );
    assert!(o.stdout.is_empty(), "nothing ran");
}

#[test]
fn validate_checks_without_running() {
    let dir = tempfile::tempdir().unwrap();
    let scenario = write(dir.path(), "small.toml", SMALL);
    let o = pnrpsim(&["validate", &scenario]);
    assert!(o.status.success());
    assert!(String::from_utf8_lossy(&o.stdout).contains("ok"));
    let o = pnrpsim(&["validate", &scenario, "--set", "hosts.names_per_host=0"]);
    assert_eq!(o.status.code(), Some(2));
}

#[test]
fn sweep_output_is_identical_for_one_and_two_threads() {
    let dir = tempfile::tempdir().unwrap();
    let text = format!(
        "{SMALL}[sweep]\nreplications = 2\naxis = \"hosts.names_per_host\"\nvalues = [1, 2, 3]\n"
    );
    let scenario = write(dir.path(), "sweep.toml", &text);
    let run = |threads: &str| {
        let out = dir.path().join(format!("t{threads}"));
        let o = pnrpsim(&[
            "sweep",
            &scenario,
            "--threads",
            threads,
            "--no-charts",
            "--out",
            out.to_str().unwrap(),
        ]);
        assert!(o.status.success(), "{}", String::from_utf8_lossy(&o.stderr));
        [
            "runs.csv",
            "sweep.csv",
            "host_rates.csv",
            "cloud_series.csv",
        ]
        .map(|f| std::fs::read(out.join(f)).unwrap())
    };
    let one = run("1");
    let two = run("2");
    assert_eq!(one, two, "byte-identical for 1 and 2 threads");
    let runs = String::from_utf8_lossy(&one[0]);
    assert_eq!(runs.lines().count(), 1 + 3 * 2, "a row per replication");
}

/// `sweep` runs one scenario: a file with `[[design]]` tables is swept as
/// written, and the user is told so and pointed at `compare`.
#[test]
fn sweep_says_it_ignores_designs() {
    let dir = tempfile::tempdir().unwrap();
    let text = format!(
        "{SMALL}[sweep]\nreplications = 1\naxis = \"hosts.names_per_host\"\nvalues = [1]\n\
         [[design]]\nname = \"a\"\nset = {{ \"hosts.names_per_host\" = 1 }}\n\
         [[design]]\nname = \"b\"\nset = {{ \"hosts.names_per_host\" = 2 }}\n"
    );
    let scenario = write(dir.path(), "designs.toml", &text);
    let out = dir.path().join("out");
    let o = pnrpsim(&[
        "sweep",
        &scenario,
        "--no-charts",
        "--out",
        out.to_str().unwrap(),
    ]);
    assert!(o.status.success(), "{}", String::from_utf8_lossy(&o.stderr));
    let err = String::from_utf8_lossy(&o.stderr);
    assert!(
        err.contains("ignores its 2 [[design]] tables")
            && err.contains("pnrpsim compare")
            && err.contains("--set hosts.names_per_host=VALUE"),
        "{err}"
    );
}

#[test]
fn help_exists_for_every_command() {
    for cmd in ["run", "validate", "sweep", "plot"] {
        let o = pnrpsim(&[cmd, "--help"]);
        assert!(o.status.success(), "{cmd} --help");
        assert!(String::from_utf8_lossy(&o.stdout).contains("Usage"));
    }
}

/// A small churning cloud with no `warmup`: its default is 1.5 mean
/// sessions (6 min) of churn, its `duration` on line 1.
const CHURN_NO_WARMUP: &str = "duration = \"5min\"\n[hosts]\ncount = 120\n[churn]\nenabled = true\nsession = { dist = \"exponential\", mean = \"4min\" }\ndowntime = { dist = \"exponential\", mean = \"2min\" }\n[metrics]\nmin_online = \"1min\"\n";

#[test]
fn a_duration_within_the_settled_warm_up_is_refused_at_duration() {
    let dir = tempfile::tempdir().unwrap();
    let file = write(dir.path(), "churn.toml", CHURN_NO_WARMUP);
    for (extra, at) in [
        (vec![], format!("{file}:1:12: duration: ")),
        (
            vec!["--set", "duration=6min"],
            "--set duration=6min: duration: ".to_owned(),
        ),
    ] {
        for command in ["run", "validate"] {
            let mut args = vec![command, file.as_str()];
            args.extend(&extra);
            let o = pnrpsim(&args);
            let stderr = String::from_utf8_lossy(&o.stderr);
            assert_eq!(o.status.code(), Some(2), "{command}: {stderr}");
            assert_eq!(stderr.trim_end().lines().count(), 1, "one line: {stderr}");
            // Where, the default warm-up and why, and both fixes.
            for part in [
                at.as_str(),
                "default warm-up, 6min",
                "mean sessions of churn",
                "longer `duration`",
                "explicit, shorter `warmup`",
            ] {
                assert!(stderr.contains(part), "{command}: `{part}` in {stderr}");
            }
        }
    }
    // Either fix runs.
    for fix in ["duration=10min", "warmup=1min"] {
        let o = pnrpsim(&["validate", &file, "--set", fix]);
        assert!(
            o.status.success(),
            "{fix}: {}",
            String::from_utf8_lossy(&o.stderr)
        );
    }
}

#[test]
fn a_warm_up_shorter_than_the_settled_one_is_noticed_on_stderr_only() {
    let dir = tempfile::tempdir().unwrap();
    let file = write(dir.path(), "churn.toml", CHURN_NO_WARMUP);
    let out = dir.path().join("out");
    let run = |sets: &[&str]| {
        let mut args = vec!["run", file.as_str(), "--out", out.to_str().unwrap()];
        for set in sets {
            args.extend(["--set", set]);
        }
        let o = pnrpsim(&args);
        assert!(o.status.success(), "{}", String::from_utf8_lossy(&o.stderr));
        let text = |b: &[u8]| String::from_utf8_lossy(b).into_owned();
        (text(&o.stdout), text(&o.stderr))
    };
    let (stdout, stderr) = run(&["warmup=1min"]);
    assert_eq!(stderr.matches("notice: ").count(), 1, "{stderr}");
    assert!(
        stderr.contains("notice: warmup 1min is shorter than the settled warm-up, 6min")
            && stderr.contains("docs/validation.md"),
        "{stderr}"
    );
    assert!(!stdout.contains("notice"), "{stdout}");
    assert!(
        stdout.contains("warm-up            1min, shorter than the settled 6min"),
        "{stdout}"
    );
    // The default: no notice, and the summary says so.
    let (stdout, stderr) = run(&["duration=16min"]);
    assert!(!stderr.contains("notice"), "{stderr}");
    assert!(
        stdout.contains("warm-up            6min, the settled default"),
        "{stdout}"
    );
}
