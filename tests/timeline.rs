//! What-if timelines (`[[event]]`): every bad input is refused with one
//! located line before a run, and each action does what it says.

use pnrpsim::engine::StreamSeed;
use pnrpsim::metrics::RunResult;
use pnrpsim::metrics::recovery::recoveries;
use pnrpsim::scenario::load::load_str;
use std::process::Command;

const ORIGIN: &str = "scenarios/t.toml";

/// A small cloud with frequent resolves; `events` is appended as TOML.
fn scenario(events: &str) -> String {
    format!(
        "duration = \"30min\"\nwarmup = \"5min\"\nseed = 4\n\n[hosts]\ncount = 120\n\n\
         [workload]\nresolves_per_host_per_hour = 60.0\n\n[metrics]\nconnectivity_every = \"1min\"\n\n{events}"
    )
}

/// The one-line error for `events`.
fn error(events: &str) -> String {
    let e = load_str(&scenario(events), ORIGIN, &[]).expect_err("should be rejected");
    let text = e.to_string();
    assert!(!text.contains('\n'), "{text}");
    text
}

#[test]
fn an_event_after_the_end_is_refused_at_its_time() {
    assert_eq!(
        error("[[event]]\nat = \"30min\"\ncrash = 0.2\n"),
        "scenarios/t.toml:15:6: event.0.at: must be before the end of the run, `duration` (30min) (got 30min)"
    );
}

#[test]
fn a_share_outside_zero_to_one_is_refused() {
    for (field, value) in [("crash", "1.5"), ("leave", "-0.1"), ("crash", "nan")] {
        let text = error(&format!("[[event]]\nat = \"10min\"\n{field} = {value}\n"));
        assert!(
            text.starts_with(&format!(
                "scenarios/t.toml:16:{}: event.0.{field}: must be between 0 and 1",
                field.len() + 4
            )),
            "{text}"
        );
    }
    let text = error("[[event]]\nat = \"10min\"\npartition = { share = 2.0, for = \"1min\" }\n");
    assert!(
        text.contains("event.0.partition.share: must be between 0 and 1 (got 2)"),
        "{text}"
    );
    let text = error("[[event]]\nat = \"10min\"\nloss = { p = 1.1, for = \"1min\" }\n");
    assert!(
        text.contains("event.0.loss.p: must be between 0 and 1 (got 1.1)"),
        "{text}"
    );
}

#[test]
fn a_partition_longer_than_the_run_is_refused() {
    let text = error("[[event]]\nat = \"10min\"\npartition = { share = 0.5, for = \"25min\" }\n");
    assert!(text.starts_with("scenarios/t.toml:16:"), "{text}");
    assert!(
        text.contains("event.0.partition.for: must end by the end of the run: at most `duration` − `at` (20min) (got 25min)"),
        "{text}"
    );
}

#[test]
fn overlapping_partitions_are_refused() {
    let text = error(
        "[[event]]\nat = \"10min\"\npartition = { share = 0.5, for = \"10min\" }\n\n\
         [[event]]\nat = \"15min\"\npartition = { share = 0.2, for = \"1min\" }\n",
    );
    assert!(text.starts_with("scenarios/t.toml:20:"), "{text}");
    assert!(
        text.contains("event.1.partition: overlaps the partition of event 0 (at 10min)"),
        "{text}"
    );
}

#[test]
fn an_event_needs_exactly_one_action() {
    let text = error("[[event]]\nat = \"10min\"\n");
    assert!(
        text.starts_with("scenarios/t.toml:14:1: event.0: has no action"),
        "{text}"
    );
    let text = error("[[event]]\nat = \"10min\"\ncrash = 0.1\nleave = 0.1\n");
    assert!(text.contains("has 2 actions (crash, leave)"), "{text}");
    let text = error("[[event]]\nat = \"10min\"\nkrash = 0.1\n");
    assert!(text.contains("unknown field `krash`"), "{text}");
}

#[test]
fn the_cli_exits_2_before_simulating() {
    let dir = std::env::temp_dir().join(format!("pnrpsim-timeline-{}", std::process::id()));
    std::fs::create_dir_all(&dir).unwrap();
    let file = dir.join("late.toml");
    std::fs::write(&file, scenario("[[event]]\nat = \"2h\"\ncrash = 0.2\n")).unwrap();
    let out_dir = dir.join("out");
    for args in [
        vec!["validate"],
        vec!["run", "--out", out_dir.to_str().unwrap()],
    ] {
        let command = args[0];
        let out = Command::new(env!("CARGO_BIN_EXE_pnrpsim"))
            .args(&args)
            .arg(&file)
            .output()
            .unwrap();
        assert_eq!(out.status.code(), Some(2), "{command}");
        let stderr = String::from_utf8_lossy(&out.stderr);
        assert!(stderr.contains("late.toml:15:6: event.0.at"), "{stderr}");
        assert!(!out_dir.exists(), "nothing was written");
    }
    std::fs::remove_dir_all(&dir).unwrap();
}

fn run(events: &str) -> RunResult {
    let s = load_str(&scenario(events), ORIGIN, &[]).expect("valid");
    pnrpsim::sim::run(&s, StreamSeed::single(s.seed)).expect("run")
}

#[test]
fn a_crash_removes_its_share_of_the_online_hosts() {
    let r = run("[[event]]\nat = \"15min\"\ncrash = 0.25\n");
    assert_eq!(r.departures, 30, "a quarter of 120");
    assert_eq!(r.joins, 0);
    let rec = recoveries(&r);
    assert_eq!(rec.len(), 1);
    assert!(rec[0].success_before.unwrap() > 0.9, "{rec:?}");
    assert!(rec[0].success_min.unwrap() <= rec[0].success_before.unwrap());
    // Without the event, nobody leaves.
    assert_eq!(run("").departures, 0);
    assert!(run("").timeline.windows.is_empty());
}

#[test]
fn a_flash_crowd_adds_hosts_within_its_span() {
    let r = run("[[event]]\nat = \"10min\"\njoin = 40\nover = \"2min\"\n");
    assert_eq!(r.hosts.len(), 160);
    assert_eq!(r.joins, 40);
    let online: Vec<u32> = r.windows.iter().map(|w| w.hosts_online).collect();
    assert_eq!(online.first(), Some(&120));
    assert_eq!(online.last(), Some(&160));
}

#[test]
fn a_partition_splits_the_overlay_while_it_lasts_and_it_joins_after() {
    // Connectivity is sampled at the start of each minute window, just
    // after the timeline's changes at that instant; the partition lasts
    // from 8 to 23 min.
    let r = run("[[event]]\nat = \"8min\"\npartition = { share = 0.5, for = \"15min\" }\n");
    let samples: Vec<(f64, u32)> = r
        .windows
        .iter()
        .filter_map(|w| w.connectivity.map(|c| (w.start_secs, c.components)))
        .collect();
    let during: Vec<u32> = samples
        .iter()
        .filter(|&&(t, _)| (480.0..1380.0).contains(&t))
        .map(|&(_, c)| c)
        .collect();
    let before: Vec<u32> = samples
        .iter()
        .filter(|&&(t, _)| t < 480.0)
        .map(|&(_, c)| c)
        .collect();
    let after: Vec<u32> = samples
        .iter()
        .filter(|&&(t, _)| t >= 1380.0)
        .map(|&(_, c)| c)
        .collect();
    assert!(before.iter().all(|&c| c == 1), "{samples:?}");
    assert!(
        !during.is_empty() && during.iter().all(|&c| c >= 2),
        "{samples:?}"
    );
    assert!(
        !after.is_empty() && after.iter().all(|&c| c == 1),
        "{samples:?}"
    );
}

#[test]
fn events_leave_runs_without_them_unchanged_and_are_deterministic() {
    let a = run("[[event]]\nat = \"10min\"\nloss = { p = 0.3, for = \"5min\" }\n");
    let b = run("[[event]]\nat = \"10min\"\nloss = { p = 0.3, for = \"5min\" }\n");
    assert_eq!(a, b);
    let base = run("");
    assert_ne!(
        a.total_sent(),
        base.total_sent(),
        "the loss burst costs retransmits"
    );
}

/// A scenario file and a trace beside it, in a fresh directory.
fn with_trace(trace: &str, churn: &str) -> (std::path::PathBuf, std::path::PathBuf) {
    use std::sync::atomic::{AtomicU32, Ordering};
    static N: AtomicU32 = AtomicU32::new(0);
    let dir = std::env::temp_dir().join(format!(
        "pnrpsim-trace-{}-{}",
        std::process::id(),
        N.fetch_add(1, Ordering::Relaxed)
    ));
    std::fs::create_dir_all(dir.join("traces")).unwrap();
    std::fs::write(dir.join("traces/s.csv"), trace).unwrap();
    let file = dir.join("t.toml");
    std::fs::write(
        &file,
        format!(
            "duration = \"1h\"\nwarmup = \"5min\"\nseed = 2\n\n[hosts]\ncount = 6\nstart = \"joins\"\n\n\
             [churn]\ntrace = \"traces/s.csv\"\n{churn}"
        ),
    )
    .unwrap();
    (dir, file)
}

/// The one-line error that loading `file` with the `--set` arguments gives.
fn refusal(file: &std::path::Path, sets: &[&str]) -> String {
    let sets: Vec<String> = sets.iter().map(|s| (*s).to_owned()).collect();
    pnrpsim::scenario::load::load_file(file, &sets)
        .unwrap_err()
        .to_string()
}

#[test]
fn a_trace_is_replayed_exactly() {
    // Times around the 5 min warm-up and the 1 h end: only what happens
    // in between counts.
    let trace = "host,up,down\na,0,10min\nb,2min,\nc,4min,20min\na,30min,40min\nc,25min,2h\na,50min,3500\nd,70min,80min\n";
    let (dir, file) = with_trace(trace, "");
    let s = pnrpsim::scenario::load::load_file(&file, &[]).unwrap();
    let r = pnrpsim::sim::run(&s, StreamSeed::single(s.seed)).unwrap();
    // Joins at 25, 30 and 50 min; departures at 10, 20, 40 and 58:20 min.
    assert_eq!((r.joins, r.departures), (3, 4));
    // Online time of each host within [5 min, 60 min]: a 5+10+8:20 min,
    // b 55 min, c 15+35 min, d never (after the end); hosts 4 and 5 are
    // beyond the trace and, without churn, online throughout.
    let online: Vec<f64> = r.hosts.iter().map(|h| h.online_secs).collect();
    let expected = [1400.0, 3300.0, 3000.0, 0.0, 3300.0, 3300.0];
    for (h, (got, want)) in online.iter().zip(expected).enumerate() {
        assert!(
            (got - want).abs() < 1e-6,
            "host {h}: {got} s, expected {want} s"
        );
    }
    std::fs::remove_dir_all(dir).unwrap();
}

#[test]
fn the_failure_trace_archive_layout_is_replayed_too() {
    let trace = "node_id\tevent_type\tevent_start_time\tevent_end_time\n\
                 n1\t1\t1700000000\t1700000600\n\
                 n1\t0\t1700000600\t1700001200\n\
                 n1\t1\t1700001200\t1700002400\n\
                 n2\t1\t1700000200\t1700009999\n";
    let (dir, file) = with_trace(trace, "");
    let s = pnrpsim::scenario::load::load_file(&file, &[]).unwrap();
    let r = pnrpsim::sim::run(&s, StreamSeed::single(s.seed)).unwrap();
    // n1: leaves at 10 min, back at 20, leaves at 40; n2 stays past the end.
    assert_eq!((r.joins, r.departures), (1, 2));
    std::fs::remove_dir_all(dir).unwrap();
}

#[test]
fn a_bad_trace_is_refused_at_its_line_and_column() {
    for (trace, at, message) in [
        ("host,up\na,0\n", "s.csv:1:1: ", "missing column `down`"),
        (
            "host,up,down\na,-5,30\n",
            "s.csv:2:3: ",
            "up: must not be negative (got -5)",
        ),
        (
            "host,up,down\na,100,200\na,50,60\n",
            "s.csv:3:3: ",
            "sessions of host `a` are not in time order",
        ),
        (
            "host,up,down\na,100,200\nb,0,10\na,150,300\n",
            "s.csv:4:3: ",
            "overlaps the previous session of host `a`, which ends at 200s",
        ),
    ] {
        let (dir, file) = with_trace(trace, "");
        let e = refusal(&file, &[]);
        assert!(e.contains(at) && e.contains(message), "{e}");
        assert!(!e.contains('\n'));
        let out = Command::new(env!("CARGO_BIN_EXE_pnrpsim"))
            .arg("validate")
            .arg(&file)
            .output()
            .unwrap();
        assert_eq!(out.status.code(), Some(2));
        std::fs::remove_dir_all(dir).unwrap();
    }
    // More trace hosts than simulated ones.
    let (dir, file) = with_trace(
        "host,up,down\na,0,\nb,0,\nc,0,\nd,0,\ne,0,\nf,0,\ng,0,\n",
        "",
    );
    let e = refusal(&file, &[]);
    assert!(
        e.contains("t.toml:10:9: churn.trace: the trace has 7 hosts, more than `hosts.count` (6)"),
        "{e}"
    );
    std::fs::remove_dir_all(dir).unwrap();
}

#[test]
fn a_missing_trace_is_refused_at_the_parameter() {
    let (dir, file) = with_trace("host,up,down\n", "");
    let e = refusal(&file, &["churn.trace=nowhere.csv"]);
    assert!(
        e.starts_with("--set churn.trace=nowhere.csv: churn.trace: cannot read the trace"),
        "{e}"
    );
    std::fs::remove_file(dir.join("traces/s.csv")).unwrap();
    let e = refusal(&file, &[]);
    assert!(
        e.contains("t.toml:10:9: churn.trace: cannot read the trace"),
        "{e}"
    );
    std::fs::remove_dir_all(dir).unwrap();
}

#[test]
fn a_steady_start_with_a_trace_is_refused() {
    // The steady start draws hosts' states from the parametric churn; a
    // trace says when each host is online: the two cannot both hold.
    let (dir, file) = with_trace("host,up,down\na,0,\n", "");
    let text = std::fs::read_to_string(&file)
        .unwrap()
        .replace("start = \"joins\"\n", "");
    std::fs::write(&file, text).unwrap();
    let out = Command::new(env!("CARGO_BIN_EXE_pnrpsim"))
        .arg("validate")
        .arg(&file)
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(2));
    let e = String::from_utf8_lossy(&out.stderr);
    assert!(
        e.contains("t.toml:9:9: churn.trace: needs `hosts.start = \"joins\"`"),
        "{e}"
    );
    std::fs::remove_dir_all(dir).unwrap();
}
