//! Whole runs of `pnrpsim run --stats`: 10^3, 10^4 and 10^5 hosts with
//! one name each, and the names-per-host scenario (10^3 hosts with churn)
//! at 16 and 64 names per host, where the cost of each event grows with
//! the names a host registers: events/s, datagrams/s, wall time, peak
//! memory and memory per host, as one table.
//!
//! Each workload runs in its own process, so that its peak RSS (VmHWM) is
//! its own. The 10^5 case simulates 20 minutes (10 of warm-up) instead of
//! an hour to keep `cargo bench` within a few minutes. Clouds start settled
//! (the default `hosts.start`), so the wall time includes installing every
//! host's caches and the events are mostly timers.
//!
//! `cargo bench --bench scenarios -- 1000000` runs the one-name sizes given
//! instead (10^6 hosts × 1 h needs about 3 GiB and 7 CPU minutes).

use std::process::Command;

/// Hosts, simulated duration, warm-up.
const SIZES: [(u32, &str, &str); 3] = [
    (1_000, "1h", "10min"),
    (10_000, "1h", "10min"),
    (100_000, "20min", "10min"),
];

/// Names per host run on `scenarios/names-per-host.toml` (10^3 hosts).
const NAMES: [u32; 2] = [16, 64];

/// One row of the table: a scenario file and its `--set`s.
struct Workload {
    hosts: u32,
    names: u32,
    simulated: &'static str,
    scenario: &'static str,
    sets: Vec<String>,
}

fn main() {
    // Cargo passes `--bench`; any number is a host count to run instead.
    let asked: Vec<u32> = std::env::args()
        .skip(1)
        .filter_map(|a| a.replace('_', "").parse().ok())
        .collect();
    let sizes: Vec<(u32, &str, &str)> = if asked.is_empty() {
        SIZES.to_vec()
    } else {
        asked.iter().map(|&h| (h, "1h", "10min")).collect()
    };
    let file = |name: &str| format!("{}/scenarios/{name}", env!("CARGO_MANIFEST_DIR"));
    let mut workloads: Vec<Workload> = sizes
        .into_iter()
        .map(|(hosts, duration, warmup)| Workload {
            hosts,
            names: 1,
            simulated: duration,
            scenario: "quickstart.toml",
            sets: vec![
                format!("hosts.count={hosts}"),
                "hosts.names_per_host=1".to_owned(),
                "churn.enabled=false".to_owned(),
                "workload.resolves_per_host_per_hour=1".to_owned(),
                format!("duration={duration}"),
                format!("warmup={warmup}"),
            ],
        })
        .collect();
    if asked.is_empty() {
        workloads.extend(NAMES.map(|names| Workload {
            hosts: 1_000,
            names,
            simulated: "40min",
            scenario: "names-per-host.toml",
            sets: vec![format!("hosts.names_per_host={names}")],
        }));
    }
    let out = std::env::temp_dir().join(format!("pnrpsim-bench-{}", std::process::id()));
    println!(
        "{:>9} {:>6} {:>9} {:>12} {:>10} {:>12} {:>9} {:>10} {:>10}",
        "hosts",
        "names",
        "simulated",
        "events",
        "events/s",
        "datagrams/s",
        "wall s",
        "peak MiB",
        "KiB/host"
    );
    for w in workloads {
        let mut command = Command::new(env!("CARGO_BIN_EXE_pnrpsim"));
        command
            .arg("run")
            .arg(file(w.scenario))
            .args(["--stats", "--force", "--out"])
            .arg(&out);
        for set in &w.sets {
            command.args(["--set", set]);
        }
        let output = command.output().expect("run pnrpsim");
        let hosts = w.hosts;
        let stdout = String::from_utf8_lossy(&output.stdout);
        if !output.status.success() {
            eprintln!(
                "{hosts} hosts failed: {}",
                String::from_utf8_lossy(&output.stderr)
            );
            std::process::exit(1);
        }
        let last = stdout.lines().last().unwrap_or_default();
        let get = |key: &str| -> f64 {
            last.split_whitespace()
                .find_map(|kv| kv.strip_prefix(key)?.strip_prefix('='))
                .and_then(|v| v.parse().ok())
                .unwrap_or(f64::NAN)
        };
        println!(
            "{:>9} {:>6} {:>9} {:>12} {:>10.0} {:>12.0} {:>9.2} {:>10.1} {:>10.2}",
            hosts,
            w.names,
            w.simulated,
            get("events"),
            get("events_per_s"),
            get("datagrams_per_s"),
            get("wall_s"),
            get("peak_rss_kib") / 1024.0,
            get("rss_per_host_b") / 1024.0
        );
        println!("          {last}");
    }
    let _ = std::fs::remove_dir_all(&out);
}
