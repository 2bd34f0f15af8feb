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
    // Connectivity is sampled at the start of each minute window; the
    // partition lasts from 8 to 23 min.
    let r = run("[[event]]\nat = \"8min\"\npartition = { share = 0.5, for = \"15min\" }\n");
    let samples: Vec<(f64, u32)> = r
        .windows
        .iter()
        .filter_map(|w| w.connectivity.map(|c| (w.start_secs, c.components)))
        .collect();
    let during: Vec<u32> = samples
        .iter()
        .filter(|&&(t, _)| t > 480.0 && t < 1380.0)
        .map(|&(_, c)| c)
        .collect();
    let before: Vec<u32> = samples
        .iter()
        .filter(|&&(t, _)| t <= 480.0)
        .map(|&(_, c)| c)
        .collect();
    let after: Vec<u32> = samples
        .iter()
        .filter(|&&(t, _)| t > 1380.0)
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
