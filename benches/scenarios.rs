//! Whole runs of `pnrpsim run --stats` at 10^3, 10^4 and 10^5 hosts with
//! one name each: events/s, datagrams/s, wall time, peak memory and memory
//! per host, as one table.
//!
//! Each size runs in its own process, so that its peak RSS (VmHWM) is its
//! own. The 10^5 case simulates 20 minutes (10 of warm-up) instead of an
//! hour to keep `cargo bench` within a few minutes; the rates are those of
//! a cloud that has finished joining.
//!
//! `cargo bench --bench scenarios -- 1000000` runs the sizes given instead
//! (10^6 hosts × 1 h needs about 4 GiB and 10 minutes).

use std::process::Command;

/// Hosts, simulated duration, warm-up.
const SIZES: [(u32, &str, &str); 3] = [
    (1_000, "1h", "10min"),
    (10_000, "1h", "10min"),
    (100_000, "20min", "10min"),
];

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
    let scenario = concat!(env!("CARGO_MANIFEST_DIR"), "/scenarios/quickstart.toml");
    let out = std::env::temp_dir().join(format!("pnrpsim-bench-{}", std::process::id()));
    println!(
        "{:>9} {:>9} {:>12} {:>10} {:>12} {:>9} {:>10} {:>10}",
        "hosts", "simulated", "events", "events/s", "datagrams/s", "wall s", "peak MiB", "KiB/host"
    );
    for (hosts, duration, warmup) in sizes {
        let output = Command::new(env!("CARGO_BIN_EXE_pnrpsim"))
            .args(["run", scenario, "--stats", "--force", "--out"])
            .arg(&out)
            .args(["--set", &format!("hosts.count={hosts}")])
            .args(["--set", "hosts.names_per_host=1"])
            .args(["--set", "churn.enabled=false"])
            .args(["--set", "workload.resolves_per_host_per_hour=1"])
            .args(["--set", &format!("duration={duration}")])
            .args(["--set", &format!("warmup={warmup}")])
            .output()
            .expect("run pnrpsim");
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
            "{:>9} {:>9} {:>12} {:>10.0} {:>12.0} {:>9.2} {:>10.1} {:>10.2}",
            hosts,
            duration,
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
