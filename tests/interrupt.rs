//! Interrupted work is never lost and output sets are never mixed, through
//! the real binary (issue #16, D3, D4, P1, P2, P3): a shard, a sizing
//! search and a comparison stopped by a real SIGINT keep their finished runs
//! and, run again, end with the same bytes as an uninterrupted run; a set of
//! tables whose writing hits a full disk or a kill leaves the old set whole
//! (or the new one, once recovered), never a mix; a sweep that cannot write
//! its outputs exits 1.
//!
//! Full disks and kills between two renames are injected with the
//! `PNRPSIM_FAULT` test hook (`outputs::staging`), as a small file system to
//! fill would need mounts.

use std::fs;
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Output, Stdio};
use std::time::{Duration, Instant};

const BIN: &str = env!("CARGO_BIN_EXE_pnrpsim");

/// 400 hosts with churn for an hour: a run takes a fraction of a second,
/// long enough to be interrupted between runs.
const CLOUD: &str = r#"
name = "interrupt-test"
seed = 3
duration = "1h"
warmup = "5min"
[hosts]
count = 400
[churn]
enabled = true
session = { dist = "exponential", mean = "30min" }
downtime = { dist = "exponential", mean = "10min" }
"#;

const DESIGNS: &str = r#"
[[design]]
name = "one"
set = { "hosts.names_per_host" = 1 }
[[design]]
name = "three"
set = { "hosts.names_per_host" = 3 }
"#;

const SWEEP: &str = r#"
[sweep]
replications = 2
axis = "hosts.names_per_host"
values = [1, 2, 3, 4]
"#;

struct Dir {
    _tmp: tempfile::TempDir,
    root: PathBuf,
}

fn dir_with(scenario: &str) -> (Dir, String) {
    let tmp = tempfile::tempdir().unwrap();
    let root = tmp.path().to_path_buf();
    let path = root.join("s.toml");
    fs::write(&path, scenario).unwrap();
    (Dir { _tmp: tmp, root }, path.to_str().unwrap().to_owned())
}

fn cmd(d: &Dir, args: &[&str]) -> Command {
    let mut c = Command::new(BIN);
    c.args(args)
        .current_dir(&d.root)
        .stdin(Stdio::null())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped());
    c
}

fn text(o: &Output) -> String {
    format!(
        "{}{}",
        String::from_utf8_lossy(&o.stdout),
        String::from_utf8_lossy(&o.stderr)
    )
}

fn done_records(journal: &Path) -> usize {
    fs::read_to_string(journal)
        .map(|t| t.lines().filter(|l| l.starts_with("done\t")).count())
        .unwrap_or(0)
}

/// Starts `c`, sends it SIGINT once `journal` holds a finished run, and
/// returns its output.
fn interrupt_after_first_run(mut c: Command, journal: &Path) -> Output {
    let child: Child = c.spawn().unwrap();
    let deadline = Instant::now() + Duration::from_secs(120);
    while done_records(journal) == 0 {
        assert!(Instant::now() < deadline, "no run finished in 120 s");
        std::thread::sleep(Duration::from_millis(5));
    }
    let sent = Command::new("kill")
        .args(["-INT", &child.id().to_string()])
        .status()
        .unwrap();
    assert!(sent.success());
    child.wait_with_output().unwrap()
}

fn same_files(a: &Path, b: &Path, names: &[&str]) {
    for n in names {
        let (x, y) = (fs::read(a.join(n)).unwrap(), fs::read(b.join(n)).unwrap());
        assert!(
            x == y,
            "{n} differs between {} and {}",
            a.display(),
            b.display()
        );
    }
}

/// The names in `dir`, sorted.
fn entries(dir: &Path) -> Vec<String> {
    let mut names: Vec<String> = fs::read_dir(dir)
        .unwrap()
        .map(|e| e.unwrap().file_name().to_string_lossy().into_owned())
        .collect();
    names.sort();
    names
}

/// D4: a comparison stopped by Ctrl-C keeps its finished runs, refuses to
/// start over without --resume, and with it runs only the others and
/// writes the same bytes.
#[test]
fn d4_an_interrupted_comparison_resumes_to_identical_outputs() {
    let (d, s) = dir_with(&format!("{CLOUD}{DESIGNS}"));
    let args = |out: &'static str| {
        vec![
            "compare".to_owned(),
            s.clone(),
            "--replications".into(),
            "4".into(),
            "--threads".into(),
            "1".into(),
            "--out".into(),
            out.into(),
        ]
    };
    let run = |out, extra: &[&str]| {
        let mut a = args(out);
        a.extend(extra.iter().map(|x| x.to_string()));
        cmd(&d, &a.iter().map(String::as_str).collect::<Vec<_>>())
    };
    let full = run("full", &[]).output().unwrap();
    assert!(full.status.success(), "{}", text(&full));

    let journal = d.root.join("cut/compare-journal.log");
    let cut = interrupt_after_first_run(run("cut", &[]), &journal);
    let said = text(&cut);
    assert_eq!(cut.status.code(), Some(1), "{said}");
    assert!(
        said.contains("the finished runs are kept: run the same command with --resume"),
        "{said}"
    );
    let kept = done_records(&journal);
    assert!((1..8).contains(&kept), "{kept} runs kept of 8: {said}");
    let refused = run("cut", &[]).output().unwrap();
    assert_eq!(refused.status.code(), Some(2), "{}", text(&refused));
    assert!(text(&refused).contains("holds an unfinished comparison"));

    let again = run("cut", &["--resume"]).output().unwrap();
    let said = text(&again);
    assert!(again.status.success(), "{said}");
    assert!(
        said.contains(&format!("resumed: {kept} runs taken from")),
        "{said}"
    );
    assert_eq!(done_records(&journal), 8, "each run recorded once");
    same_files(
        &d.root.join("full"),
        &d.root.join("cut"),
        &["compare.csv", "compare.png", "compare.svg"],
    );
}

/// D4: a sizing search stopped by Ctrl-C keeps its finished runs; with
/// --resume it gives the same answer, word for word, running only the rest.
#[test]
fn d4_an_interrupted_size_search_resumes_to_the_same_answer() {
    let (d, s) = dir_with(CLOUD);
    let run = |out: &str, extra: &[&str]| {
        let mut a = vec![
            "size",
            &s,
            "--budget",
            "90B/s",
            "--metric",
            "mean",
            "--threads",
            "1",
            "--out",
            out,
        ];
        a.extend(extra);
        cmd(&d, &a)
    };
    let answer = |o: &Output| -> String {
        String::from_utf8_lossy(&o.stdout)
            .lines()
            .filter(|l| !l.starts_with("resumed:"))
            .collect::<Vec<_>>()
            .join("\n")
    };
    let full = run("full", &[]).output().unwrap();
    assert!(full.status.success(), "{}", text(&full));
    let total = done_records(&d.root.join("full/size-journal.log"));

    let journal = d.root.join("cut/size-journal.log");
    let cut = interrupt_after_first_run(run("cut", &[]), &journal);
    let said = text(&cut);
    assert_eq!(cut.status.code(), Some(1), "{said}");
    assert!(said.contains("the finished runs are kept"), "{said}");
    let kept = done_records(&journal);
    assert!(kept >= 1 && kept < total, "{kept} of {total}: {said}");

    let again = run("cut", &["--resume"]).output().unwrap();
    assert!(again.status.success(), "{}", text(&again));
    assert!(
        text(&again).contains(&format!("resumed: {kept} runs taken from")),
        "{}",
        text(&again)
    );
    assert_eq!(answer(&again), answer(&full));
    assert_eq!(done_records(&journal), total, "no run recorded twice");
}

/// D3: a shard stopped by Ctrl-C keeps its finished runs in its progress
/// journal and says one thing (how to go on); run again with the same
/// command (as a batch system retries it) it runs only the rest, and its
/// shard file is the uninterrupted one's, byte for byte.
#[test]
fn d3_an_interrupted_shard_keeps_its_runs_and_resumes() {
    let (d, s) = dir_with(&format!("{CLOUD}{SWEEP}"));
    let run = |out: &str, extra: &[&str]| {
        let mut a = vec!["sweep", s.as_str(), "--shard", "0/1", "--threads", "1"];
        a.extend(["--out", out]);
        a.extend(extra);
        cmd(&d, &a)
    };
    let full = run("full", &[]).output().unwrap();
    assert!(full.status.success(), "{}", text(&full));

    let progress = d.root.join("cut/shard-0-of-1.progress.log");
    let cut = interrupt_after_first_run(run("cut", &[]), &progress);
    let said = text(&cut);
    assert_eq!(cut.status.code(), Some(1), "{said}");
    let kept = done_records(&progress);
    assert!((1..8).contains(&kept), "{kept}: {said}");
    assert!(
        said.contains("shard 0/1 is not complete")
            && said.contains("run the same command again to run only the missing runs"),
        "{said}"
    );
    for contradiction in ["partial/", "wrote no file", "run it again"] {
        assert!(!said.contains(contradiction), "{said}");
    }

    // Run again as a batch system retries it: the same command.
    let again = run("cut", &[]).output().unwrap();
    assert!(again.status.success(), "{}", text(&again));
    assert!(
        text(&again).contains(&format!("resumed: {kept} runs taken from the journal")),
        "{}",
        text(&again)
    );
    same_files(
        &d.root.join("full"),
        &d.root.join("cut"),
        &["shard-0-of-1.journal", "shard-0-of-1.scenario.toml"],
    );
    assert!(
        !progress.exists(),
        "the progress journal goes once the shard file is written"
    );
}

const TABLES: [&str; 8] = [
    "summary.csv",
    "hosts.csv",
    "messages.csv",
    "reasons.csv",
    "timeseries.csv",
    "hops.csv",
    "timeline.csv",
    "recovery.csv",
];

fn read_all(dir: &Path, names: &[&str]) -> Vec<Vec<u8>> {
    names
        .iter()
        .map(|n| fs::read(dir.join(n)).unwrap())
        .collect()
}

/// P1: a run whose writing hits a full disk leaves the earlier run's
/// tables exactly as they were (no new summary.csv beside them), exits 1,
/// and leaves no staging or temporary file. Temporary files a dead process
/// left are removed by the next run.
#[test]
fn p1_a_full_disk_leaves_the_old_tables_whole() {
    let (d, s) = dir_with(CLOUD);
    let first = cmd(&d, &["run", &s, "--out", "out", "--set", "duration=20min"])
        .output()
        .unwrap();
    assert!(first.status.success(), "{}", text(&first));
    let out = d.root.join("out");
    let before = read_all(&out, &TABLES);
    fs::write(out.join(".hosts.csv.tmp-999999999-0"), "torn").unwrap();

    for table in ["summary.csv", "timeseries.csv", "hops.csv"] {
        let full = cmd(
            &d,
            &[
                "run",
                &s,
                "--out",
                "out",
                "--set",
                "duration=20min",
                "--seed",
                "9",
            ],
        )
        .env("PNRPSIM_FAULT", format!("full-disk-{table}"))
        .output()
        .unwrap();
        let said = text(&full);
        assert_eq!(full.status.code(), Some(1), "{said}");
        assert!(said.contains("No space left on device"), "{said}");
        assert!(
            read_all(&out, &TABLES) == before,
            "{table}: a table changed"
        );
        let mut want: Vec<String> = TABLES.iter().map(|t| t.to_string()).collect();
        want.sort();
        assert_eq!(entries(&out), want, "after a full disk on {table}");
    }
}

/// P2: a run or a merge killed between two renames of its set: the next
/// command on the directory (here its recovery alone) finishes the set, so
/// it is the complete new one, equal to an uninterrupted write, with
/// nothing left behind.
#[test]
fn p2_a_kill_between_renames_is_finished_not_mixed() {
    let (d, s) = dir_with(&format!("{CLOUD}{SWEEP}"));
    let run = |out: &str, seed: &str| {
        cmd(
            &d,
            &[
                "run",
                &s,
                "--out",
                out,
                "--set",
                "duration=20min",
                "--seed",
                seed,
            ],
        )
    };
    assert!(run("killed", "1").output().unwrap().status.success());
    assert!(run("straight", "2").output().unwrap().status.success());
    let killed = run("killed", "2")
        .env("PNRPSIM_FAULT", "kill-after-3-commit")
        .output()
        .unwrap();
    assert_eq!(killed.status.code(), None, "killed by SIGKILL");
    let dir = d.root.join("killed");
    let staged: Vec<String> = entries(&dir)
        .into_iter()
        .filter(|n| n.starts_with(".pnrpsim-staging-"))
        .collect();
    assert_eq!(staged.len(), 1, "{:?}", entries(&dir));
    pnrpsim::outputs::staging::recover(&dir).unwrap();
    assert!(read_all(&dir, &TABLES) == read_all(&d.root.join("straight"), &TABLES));
    assert_eq!(entries(&dir).len(), TABLES.len(), "{:?}", entries(&dir));

    // merge: the same, for the sweep's tables and charts.
    let shard = |out: &str, i: &str| {
        cmd(
            &d,
            &["sweep", &s, "--shard", i, "--threads", "1", "--out", out],
        )
        .output()
        .unwrap()
    };
    for out in ["m-killed", "m-straight"] {
        assert!(shard(out, "0/2").status.success());
        assert!(shard(out, "1/2").status.success());
    }
    assert!(
        cmd(&d, &["merge", "m-straight"])
            .output()
            .unwrap()
            .status
            .success()
    );
    let killed = cmd(&d, &["merge", "m-killed"])
        .env("PNRPSIM_FAULT", "kill-after-5-commit")
        .output()
        .unwrap();
    assert_eq!(killed.status.code(), None, "killed by SIGKILL");
    // plot recovers the directory before it reads it.
    let plotted = cmd(&d, &["plot", "m-killed"]).output().unwrap();
    assert!(plotted.status.success(), "{}", text(&plotted));
    let m = d.root.join("m-killed");
    assert_eq!(entries(&m), entries(&d.root.join("m-straight")));
    same_files(
        &m,
        &d.root.join("m-straight"),
        &[
            "runs.csv",
            "sweep.csv",
            "host_rates.csv",
            "cloud_series.csv",
        ],
    );
}

/// A 20-minute sweep of `s` into `out/`, tables only.
fn short_sweep(d: &Dir, s: &str) -> Command {
    cmd(
        d,
        &[
            "sweep",
            s,
            "--threads",
            "2",
            "--out",
            "out",
            "--no-charts",
            "--set",
            "duration=20min",
        ],
    )
}

/// A sweep that cannot write its outputs (a full disk) failed to run:
/// exit 1, not 2 (bad input), and its finished runs stay in the journal.
#[test]
fn a_full_disk_during_a_sweep_exits_1() {
    let (d, s) = dir_with(&format!("{CLOUD}{SWEEP}"));
    let o = short_sweep(&d, &s)
        .env("PNRPSIM_FAULT", "full-disk-sweep.csv")
        .output()
        .unwrap();
    let said = text(&o);
    assert_eq!(o.status.code(), Some(1), "{said}");
    assert!(said.contains("No space left on device"), "{said}");
    assert_eq!(done_records(&d.root.join("out/sweep-journal.log")), 8);
    assert!(!d.root.join("out/runs.csv").exists(), "no part of the set");
}

/// P3: `plot` says which charts it did not draw and why, and a path that
/// does not exist is named as such (exit 2).
#[test]
fn p3_plot_names_every_chart_it_skips() {
    let (d, s) = dir_with(&format!("{CLOUD}{SWEEP}"));
    let o = short_sweep(&d, &s).output().unwrap();
    assert!(o.status.success(), "{}", text(&o));
    fs::remove_file(d.root.join("out/host_rates.csv")).unwrap();
    fs::remove_file(d.root.join("out/cloud_series.csv")).unwrap();
    let o = cmd(&d, &["plot", "out"]).output().unwrap();
    let said = String::from_utf8_lossy(&o.stderr);
    assert!(o.status.success(), "{said}");
    assert!(
        said.contains("note: chart host_cdf: out/host_rates.csv is missing; not drawn"),
        "{said}"
    );
    assert!(
        said.contains("note: chart cloud_series: out/cloud_series.csv is missing; not drawn"),
        "{said}"
    );

    let o = cmd(&d, &["plot", "no/such/dir"]).output().unwrap();
    assert_eq!(o.status.code(), Some(2));
    assert_eq!(
        String::from_utf8_lossy(&o.stderr).trim(),
        "error: no/such/dir does not exist"
    );
}
