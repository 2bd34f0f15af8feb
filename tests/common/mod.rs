//! What the tests that run the `pnrpsim` binary on a small cloud share.
//! (Each test file compiles this module anew and uses part of it.)
#![allow(dead_code)]

use std::process::Command;

/// 150 hosts under heavy churn, so that publication (hence names) dominates
/// the cost; a run takes milliseconds. Every host joins at the start, as
/// before the steady start, so that the figures the tests were tuned on hold.
pub const SMALL_CLOUD: &str = r#"
duration = "10min"
warmup = "3min"
seed = 5
[hosts]
count = 150
start = "joins"
[churn]
enabled = true
session = { dist = "exponential", mean = "20min" }
downtime = { dist = "exponential", mean = "10min" }
[metrics]
min_online = "2min"
connectivity_every = "10min"
"#;

/// Runs the binary: exit code, stdout, stderr.
pub fn pnrpsim(args: &[&str]) -> (i32, String, String) {
    let o = Command::new(env!("CARGO_BIN_EXE_pnrpsim"))
        .args(args)
        .output()
        .unwrap();
    (
        o.status.code().unwrap_or(-1),
        String::from_utf8_lossy(&o.stdout).into_owned(),
        String::from_utf8_lossy(&o.stderr).into_owned(),
    )
}

/// The answer `pnrpsim size` prints for names per host.
pub fn answer_of(out: &str) -> i64 {
    out.lines()
        .find_map(|l| l.strip_prefix("answer: hosts.names_per_host = "))
        .expect(out)
        .trim()
        .parse()
        .unwrap()
}
