//! The fuzz targets beyond the parsers (`fuzz/targets.rs`) driven on the
//! stable toolchain, for machines without cargo-fuzz and nightly: inputs
//! come from a seeded generator instead of libFuzzer's coverage feedback,
//! so it explores less deeply, but runs the very same checks.
//!
//! ```sh
//! cargo run --release --example fuzz_loop -- journal 1000000      # 10^6 damaged journals
//! cargo run --release --example fuzz_loop -- run 20000            # 2·10^4 tiny scenarios
//! cargo run --release --example fuzz_loop -- run 20000 7          # another seed
//! ```
//!
//! It prints the executions done and the time taken; any failed check
//! panics with the case.

#[path = "../fuzz/targets.rs"]
mod targets;

use rand::{Rng, SeedableRng};
use rand_xoshiro::Xoshiro256PlusPlus;
use std::time::Instant;

/// A tiny valid scenario for the `--set` edits to start from.
const BASE: &str = r#"
duration = "3min"
warmup = "30s"
[hosts]
count = 12
[churn]
enabled = true
session = { dist = "exponential", mean = "2min" }
downtime = { dist = "exponential", mean = "1min" }
[metrics]
connectivity_every = "1min"
min_online = "30s"
"#;

fn value(g: &mut Xoshiro256PlusPlus) -> String {
    let durations = [
        "1us", "1ms", "250ms", "1s", "15s", "1min", "10min", "2h", "0s", "7d",
    ];
    let dists = ["exponential", "weibull", "pareto", "lognormal"];
    match g.random_range(0..12) {
        0 => g.random_range(-2i64..70).to_string(),
        1 => ["0", "1", "2", "64", "65", "1025", "4294967296"][g.random_range(0..7)].into(),
        2 => format!("{}", g.random_range(-0.5f64..1.5)),
        3 => ["1e-300", "0.005", "1e300", "nan", "inf", "-0.0", "0.1"][g.random_range(0..7)].into(),
        4 => format!("\"{}\"", durations[g.random_range(0..durations.len())]),
        5 => format!("\"{}B\"", g.random_range(0..5000)),
        6 => ["true", "false", "\"x\"", "[]", "[1, 2]", "{}"][g.random_range(0..6)].into(),
        7 => format!(
            "{{dist=\"{}\",mean=\"{}\",shape={}}}",
            dists[g.random_range(0..dists.len())],
            durations[g.random_range(0..durations.len())],
            ["0.05", "0.1", "0.5", "1.0", "1.5", "3"][g.random_range(0..6)]
        ),
        8 => format!(
            "{{model=\"topology\",routers={},links_per_router={},link_delay_min=\"1ms\",link_delay_max=\"{}\",access_delay_min=\"1ms\",access_delay_max=\"2ms\"}}",
            g.random_range(0..70),
            g.random_range(0..4),
            durations[g.random_range(0..4)]
        ),
        9 => format!(
            "{{model=\"uniform\",min=\"{}\",max=\"{}\"}}",
            durations[g.random_range(0..5)],
            durations[g.random_range(0..5)]
        ),
        10 => format!(
            "{{model=\"lognormal\",median=\"20ms\",sigma={}}}",
            g.random_range(0.0..3.0)
        ),
        _ => format!("\"{}\"", durations[g.random_range(0..durations.len())]),
    }
}

/// A value of the kind the parameter at `path` has in `base` (a whole
/// number, a fraction, a duration…), near the edges of what is allowed.
fn typed_value(g: &mut Xoshiro256PlusPlus, base: &toml::Table, path: &str) -> String {
    let mut at = Some(base);
    let mut found = None;
    for part in path.split('.') {
        found = at.and_then(|t| t.get(part));
        at = found.and_then(toml::Value::as_table);
    }
    match found {
        Some(toml::Value::Integer(_)) => g.random_range(0i64..80).to_string(),
        Some(toml::Value::Float(_)) => {
            ["0.0", "0.05", "0.5", "0.99", "1.0", "0.3", "2.5"][g.random_range(0..7)].into()
        }
        Some(toml::Value::Boolean(_)) => ["true", "false"][g.random_range(0..2)].into(),
        Some(toml::Value::String(text))
            if text.ends_with('s') || text.ends_with("min") || text.ends_with('h') =>
        {
            [
                "\"1ms\"", "\"1s\"", "\"10s\"", "\"45s\"", "\"2min\"", "\"1h\"",
            ][g.random_range(0..6)]
            .into()
        }
        _ => value(g),
    }
}

fn scenario_input(
    g: &mut Xoshiro256PlusPlus,
    paths: &[String],
    base: &toml::Table,
) -> (String, Vec<String>) {
    let sets = (0..g.random_range(1..4))
        .map(|_| {
            let path = &paths[g.random_range(0..paths.len())];
            if g.random_range(0..4) == 0 {
                format!("{path}={}", value(g))
            } else {
                format!("{path}={}", typed_value(g, base, path))
            }
        })
        .collect();
    let mut text = BASE.to_owned();
    // Now and then a damaged file too.
    if g.random_range(0..8) == 0 {
        let mut bytes = text.into_bytes();
        let at = g.random_range(0..bytes.len());
        bytes[at] = g.random();
        text = String::from_utf8_lossy(&bytes).into_owned();
    }
    (text, sets)
}

fn main() {
    let args: Vec<String> = std::env::args().skip(1).collect();
    let target = args.first().map_or("journal", String::as_str);
    let runs: u64 = args
        .get(1)
        .map_or(1_000_000, |n| n.parse().expect("a run count"));
    let seed: u64 = args.get(2).map_or(1, |n| n.parse().expect("a seed"));
    let mut g = Xoshiro256PlusPlus::seed_from_u64(seed);
    let started = Instant::now();
    let mut counted = 0u64;
    match target {
        "journal" => {
            for _ in 0..runs {
                let len = g.random_range(8..72);
                let data: Vec<u8> = (0..len).map(|_| g.random()).collect();
                counted += targets::journal_case(&data) as u64;
            }
            println!(
                "journal: {runs} executions in {:.1} s (seed {seed}); {counted} records recovered in all",
                started.elapsed().as_secs_f64()
            );
        }
        "run" => {
            let paths = pnrpsim::scenario::overrides::parameter_paths();
            let scenario = pnrpsim::scenario::load::load_str(BASE, "base.toml", &[])
                .expect("the base scenario is valid");
            let base = toml::Table::try_from(&scenario).expect("a scenario is a table");
            for _ in 0..runs {
                let (text, sets) = scenario_input(&mut g, &paths, &base);
                counted += u64::from(targets::scenario_case(&text, &sets));
            }
            println!(
                "run: {runs} executions in {:.1} s (seed {seed}); {counted} scenarios valid and tiny, simulated",
                started.elapsed().as_secs_f64()
            );
        }
        other => panic!("unknown target `{other}`: journal or run"),
    }
}
