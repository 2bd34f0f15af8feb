//! Crash safety of sweeps, through the real binary: a sweep killed with
//! SIGKILL at a random moment, or stopped by `--max-wall`, and resumed with
//! `--resume`, ends with the same bytes as a sweep that ran straight
//! through, runs no finished run twice and leaves no torn or temporary file.

use pnrpsim::scenario::load::load_file;
use pnrpsim::sweep::journal::{Identity, JOURNAL_FILE, Journal};
use std::collections::BTreeMap;
use std::fs;
use std::path::{Path, PathBuf};
use std::process::{Command, Output, Stdio};
use std::time::{Duration, Instant, SystemTime};

const BIN: &str = env!("CARGO_BIN_EXE_pnrpsim");
const OUTPUTS: [&str; 4] = [
    "runs.csv",
    "sweep.csv",
    "host_rates.csv",
    "cloud_series.csv",
];

/// 400 hosts with churn, 4 points × 4 replications of a fraction of a
/// second each: long enough to be killed midway, short enough for CI. The
/// moments to kill or stop at are fractions of the measured uninterrupted
/// sweep, so that they fall midway on a fast machine and on a slow one.
const SCENARIO: &str = r#"
name = "resume-test"
seed = 11
duration = "1h"
warmup = "5min"
[hosts]
count = 400
[churn]
enabled = true
session = { dist = "exponential", mean = "30min" }
downtime = { dist = "exponential", mean = "10min" }
[metrics]
connectivity_every = "5min"
[sweep]
replications = 4
axis = "hosts.names_per_host"
values = [1, 2, 3, 4]
"#;
const TASKS: usize = 16;

struct Setup {
    _tmp: tempfile::TempDir,
    root: PathBuf,
    scenario: PathBuf,
}

fn setup() -> Setup {
    let tmp = tempfile::tempdir().unwrap();
    let root = tmp.path().to_path_buf();
    let scenario = root.join("resume-test.toml");
    fs::write(&scenario, SCENARIO).unwrap();
    Setup {
        _tmp: tmp,
        root,
        scenario,
    }
}

fn sweep(s: &Setup, out: &str, extra: &[&str]) -> Command {
    let mut cmd = Command::new(BIN);
    cmd.arg("sweep")
        .arg(&s.scenario)
        .arg("--out")
        .arg(s.root.join(out))
        .args(["--threads", "2", "--no-charts"])
        .args(extra)
        .stdin(Stdio::null());
    cmd
}

fn run(mut cmd: Command) -> (Output, String) {
    let out = cmd.output().unwrap();
    let text = format!(
        "{}{}",
        String::from_utf8_lossy(&out.stdout),
        String::from_utf8_lossy(&out.stderr)
    );
    (out, text)
}

/// `(point, replication)` of each complete `kind` record, with counts.
fn records(dir: &Path, kind: &str) -> BTreeMap<(u32, u32), usize> {
    let text = fs::read_to_string(dir.join(JOURNAL_FILE)).unwrap_or_default();
    let mut seen = BTreeMap::new();
    // Only whole lines: a line being appended right now has no newline yet.
    for line in text.split_inclusive('\n').filter(|l| l.ends_with('\n')) {
        let f: Vec<&str> = line.split('\t').collect();
        if f[0] == kind {
            *seen
                .entry((f[1].parse().unwrap(), f[2].parse().unwrap()))
                .or_insert(0) += 1;
        }
    }
    seen
}

fn assert_same_outputs(a: &Path, b: &Path) {
    for name in OUTPUTS {
        let (x, y) = (
            fs::read(a.join(name)).unwrap(),
            fs::read(b.join(name)).unwrap(),
        );
        assert!(x.len() > 100, "{name} is nearly empty");
        assert!(x == y, "{name} differs from the uninterrupted sweep's");
    }
}

/// Nothing but the outputs and the journal: no temporary file, no probe.
fn assert_only_outputs(dir: &Path) {
    let mut names: Vec<String> = fs::read_dir(dir)
        .unwrap()
        .map(|e| e.unwrap().file_name().to_string_lossy().into_owned())
        .collect();
    names.sort();
    let mut expected: Vec<String> = OUTPUTS.iter().map(|s| s.to_string()).collect();
    expected.push(JOURNAL_FILE.into());
    expected.sort();
    assert_eq!(names, expected);
}

/// The journal is whole (every line's checksum holds, or opening it fails)
/// and holds every run once.
fn assert_journal_whole(s: &Setup, dir: &Path) {
    let scenario = load_file(&s.scenario, &[]).unwrap();
    let id = Identity::of(&scenario).unwrap();
    let opened = Journal::open(dir, &id, true).unwrap();
    assert_eq!(opened.done.len(), TASKS);
    let text = fs::read_to_string(dir.join(JOURNAL_FILE)).unwrap();
    assert!(text.ends_with('\n'), "the journal ends with a whole line");
    assert!(text.lines().last().unwrap().starts_with("complete\t"));
}

/// The uninterrupted sweep's directory and wall time.
fn straight_through(s: &Setup) -> (PathBuf, Duration) {
    let began = Instant::now();
    let (out, text) = run(sweep(s, "full", &[]));
    let took = began.elapsed();
    assert!(out.status.success(), "{text}");
    assert!(text.contains(&format!("{TASKS} of {TASKS} runs")), "{text}");
    (s.root.join("full"), took)
}

#[test]
fn a_sweep_killed_at_a_random_moment_resumes_to_identical_outputs() {
    let s = setup();
    let (full, took) = straight_through(&s);
    let killed = s.root.join("killed");

    let nanos = SystemTime::now()
        .duration_since(SystemTime::UNIX_EPOCH)
        .unwrap()
        .subsec_nanos();
    // Somewhere in the first third of the sweep after its first run.
    let delay = took.mul_f64(f64::from(nanos % 1000) / 3000.0);
    eprintln!("killing {delay:?} after the first finished run");
    let mut child = sweep(&s, "killed", &[])
        .stdout(Stdio::null())
        .stderr(Stdio::null())
        .spawn()
        .unwrap();
    let deadline = Instant::now() + Duration::from_secs(120);
    while records(&killed, "done").is_empty() {
        assert!(
            child.try_wait().unwrap().is_none(),
            "the sweep ended before a run finished"
        );
        assert!(
            Instant::now() < deadline,
            "no run finished within 2 minutes"
        );
        std::thread::sleep(Duration::from_millis(5));
    }
    std::thread::sleep(delay);
    child.kill().unwrap(); // SIGKILL
    child.wait().unwrap();
    let done_at_kill = records(&killed, "done");
    eprintln!(
        "{} of {TASKS} runs were durable at the kill",
        done_at_kill.len()
    );
    assert!(
        done_at_kill.len() < TASKS,
        "the sweep finished before the kill ({delay:?}): the test would prove nothing"
    );

    // Without --resume the finished runs are not thrown away.
    let (out, text) = run(sweep(&s, "killed", &[]));
    assert_eq!(out.status.code(), Some(2), "{text}");
    assert!(
        text.contains(&format!(
            "holds an unfinished sweep (runs done: {}): add --resume to continue it",
            done_at_kill.len()
        )),
        "{text}"
    );

    let (out, text) = run(sweep(&s, "killed", &["--resume"]));
    assert!(out.status.success(), "{text}");
    assert!(
        text.contains(&format!(
            "resumed: {} runs taken from the journal",
            done_at_kill.len()
        )),
        "{text}"
    );
    assert_same_outputs(&full, &killed);
    assert_only_outputs(&killed);
    assert_journal_whole(&s, &killed);

    // Each run finished once; a run durable before the kill never started again.
    let (starts, dones) = (records(&killed, "start"), records(&killed, "done"));
    assert_eq!(dones.len(), TASKS);
    assert!(dones.values().all(|&n| n == 1), "{dones:?}");
    for task in done_at_kill.keys() {
        assert_eq!(starts.get(task), Some(&1), "run {task:?} started again");
    }
}

#[test]
fn max_wall_stops_a_sweep_cleanly_and_resume_finishes_it() {
    let s = setup();
    let (full, took) = straight_through(&s);
    let cut = s.root.join("cut");
    // A quarter of the uninterrupted sweep: some runs finish, not all.
    let limit = format!("{}ms", (took.as_millis() / 4).max(1));
    let began = Instant::now();
    let (out, text) = run(sweep(&s, "cut", &["--max-wall", &limit]));
    let took = began.elapsed();
    assert_eq!(out.status.code(), Some(1), "{text}");
    assert!(took < Duration::from_secs(20), "took {took:?}");
    assert!(text.contains("the sweep was interrupted: "), "{text}");
    assert!(
        text.contains("run the same command with --resume"),
        "{text}"
    );
    // partial/ holds the finished runs, one row each.
    let rows = fs::read_to_string(cut.join("partial").join("runs.csv"))
        .unwrap()
        .lines()
        .count()
        - 1;
    assert_eq!(rows, records(&cut, "done").len());
    assert!(rows < TASKS, "{text}");

    let (out, text) = run(sweep(&s, "cut", &["--resume"]));
    assert!(out.status.success(), "{text}");
    assert_same_outputs(&full, &cut);
    assert_only_outputs(&cut);
    assert_journal_whole(&s, &cut);
}

#[test]
fn resuming_another_scenario_is_refused() {
    let s = setup();
    let one = ["--set", "sweep.values=[1]", "--set", "sweep.replications=1"];
    let (out, text) = run(sweep(&s, "one", &one));
    assert!(out.status.success(), "{text}");
    let (out, text) = run(sweep(
        &s,
        "one",
        &[&one[..], &["--set", "seed=12", "--resume"]].concat(),
    ));
    assert_eq!(out.status.code(), Some(2), "{text}");
    assert!(text.contains("cannot resume: "), "{text}");
    assert!(text.contains("belongs to another scenario"), "{text}");
}

#[test]
fn max_wall_stops_a_run_and_writes_nothing() {
    let s = setup();
    let out_dir = s.root.join("run");
    let began = Instant::now();
    let (out, text) = run({
        let mut c = Command::new(BIN);
        c.arg("run")
            .arg(&s.scenario)
            .args(["--set", "hosts.count=20000", "--set", "duration=2h"])
            .arg("--out")
            .arg(&out_dir)
            .args(["--max-wall", "300ms"]);
        c
    });
    assert!(began.elapsed() < Duration::from_secs(20));
    assert_eq!(out.status.code(), Some(1), "{text}");
    assert!(
        text.contains("error: stopped by --max-wall 300ms after "),
        "{text}"
    );
    assert!(
        text.contains("of 2h simulated; no tables written"),
        "{text}"
    );
    assert_eq!(fs::read_dir(&out_dir).unwrap().count(), 0);
}
