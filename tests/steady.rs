//! The steady-state start (`hosts.start = "steady"`, issue #14): it must
//! measure what a long natural warm-up measures, settle static lossless
//! clouds, and refuse what it cannot represent.

mod common;

use common::pnrpsim;
use pnrpsim::engine::StreamSeed;
use pnrpsim::metrics::RunResult;
use pnrpsim::protocol::message::Reason;
use pnrpsim::scenario::Scenario;
use pnrpsim::scenario::load::load_str;

fn scenario(text: &str, sets: &[&str]) -> Scenario {
    let sets: Vec<String> = sets.iter().map(|s| s.to_string()).collect();
    load_str(text, "steady.toml", &sets).unwrap_or_else(|e| panic!("{e}"))
}

/// The figures the validation compares, by name: each reason's bytes per
/// online host-second, then resolve success, hops, levels, leaf sets.
fn figures(r: &RunResult) -> Vec<(String, f64)> {
    let host_secs: f64 = r.hosts.iter().map(|h| h.online_secs).sum();
    let mut out: Vec<(String, f64)> = Reason::ALL
        .iter()
        .map(|&reason| {
            let bytes = r.sent_by_reason(reason).bytes as f64;
            (reason.name().to_owned(), bytes / host_secs)
        })
        .collect();
    let cached: Vec<f64> = r
        .hosts
        .iter()
        .filter(|h| h.cache_entries > 0)
        .map(|h| f64::from(h.cache_levels))
        .collect();
    out.push(("resolve success".into(), r.resolves.success_rate().unwrap()));
    out.push(("hops".into(), r.resolves.mean_hops().unwrap()));
    out.push((
        "levels".into(),
        cached.iter().sum::<f64>() / cached.len() as f64,
    ));
    out.push(("leaf sets".into(), r.leaf_sets.share().unwrap()));
    out
}

/// Mean and standard error of each figure over runs with seeds 1..=n.
fn replicate(s: &Scenario, n: u64) -> Vec<(String, f64, f64)> {
    let runs: Vec<Vec<(String, f64)>> = (1..=n)
        .map(|seed| {
            let mut s = s.clone();
            s.seed = seed;
            figures(&pnrpsim::sim::run(&s, StreamSeed::single(seed)).unwrap())
        })
        .collect();
    (0..runs[0].len())
        .map(|i| {
            let xs: Vec<f64> = runs.iter().map(|r| r[i].1).collect();
            let mean = xs.iter().sum::<f64>() / n as f64;
            let var = xs.iter().map(|x| (x - mean).powi(2)).sum::<f64>() / (n - 1) as f64;
            (runs[0][i].0.clone(), mean, (var / n as f64).sqrt())
        })
        .collect()
}

/// Asserts that every figure of the steady start agrees with the long
/// natural warm-up within ±5 % or within the 95 % confidence interval of
/// their difference (Welch, t with 2n − 2 degrees of freedom), skipping
/// reasons below 5 % of the bytes (their noise is all there is).
fn assert_agree(steady: &Scenario, natural: &Scenario, n: u64, t95: f64) {
    let a = replicate(steady, n);
    let b = replicate(natural, n);
    let reasons = Reason::ALL.len();
    let total: f64 = b[..reasons].iter().map(|f| f.1).sum();
    for (i, ((name, ma, sa), (_, mb, sb))) in a.iter().zip(&b).enumerate() {
        if i < reasons && *mb < 0.05 * total {
            continue;
        }
        let diff = (ma - mb).abs();
        let ci = t95 * (sa * sa + sb * sb).sqrt();
        println!("{name:<16} steady {ma:.4} ± {sa:.4}   natural {mb:.4} ± {sb:.4}");
        assert!(
            diff <= (0.05 * mb.abs()).max(ci),
            "{name}: steady {ma:.4} vs natural {mb:.4} (95 % CI of the difference ±{ci:.4})"
        );
    }
}

/// One name per host (eight names are compared on levels and hops below:
/// their deeper bands fill more slowly in a natural warm-up).
const STATIC: &str = r#"
duration = "25min"
warmup = "5min"
[hosts]
count = 400
names_per_host = 1
[workload]
resolves_per_host_per_hour = 20.0
[metrics]
connectivity_every = "1h"
"#;

#[test]
fn a_static_steady_start_measures_what_a_long_natural_warm_up_does() {
    let steady = scenario(STATIC, &[]);
    let natural = scenario(
        STATIC,
        &["hosts.start=joins", "warmup=60min", "duration=80min"],
    );
    assert_agree(&steady, &natural, 4, 2.447);
}

/// Eight names per host: each local ID's bands are filled from the part
/// of the ring that is that ID's own, so entries nearer to another local
/// ID do not crowd that ID's deeper bands and open levels a natural cache
/// does not. Before that, the steady start built 3.88 levels against 3.49
/// natural (+11 %). What remains (+5 % levels, −5 % hops) is the natural
/// caches' deeper bands not yet full after an hour (docs/validation.md,
/// "Steady-state start"), hence ±7 % here rather than ±5 %.
#[test]
fn eight_names_per_host_open_the_levels_a_natural_warm_up_opens() {
    let sets = ["hosts.count=1000", "hosts.names_per_host=8"];
    let steady = scenario(STATIC, &sets);
    let mut long = sets.to_vec();
    long.extend(["hosts.start=joins", "warmup=60min", "duration=80min"]);
    let natural = scenario(STATIC, &long);
    let (a, b) = (replicate(&steady, 2), replicate(&natural, 2));
    for name in ["levels", "hops"] {
        let find = |f: &[(String, f64, f64)]| f.iter().find(|x| x.0 == name).unwrap().1;
        let (ma, mb) = (find(&a), find(&b));
        println!("{name}: steady {ma:.3}, natural {mb:.3}");
        assert!(
            (ma - mb).abs() <= 0.07 * mb,
            "{name}: steady {ma:.3} vs natural {mb:.3}, more than 7 % apart"
        );
    }
}

/// Churn with sessions of 10 min: the steady start's caches hold no stale
/// entries at first, so its warm-up is two mean sessions (docs/model.md).
const CHURN: &str = r#"
duration = "40min"
warmup = "20min"
[hosts]
count = 300
names_per_host = 2
[workload]
resolves_per_host_per_hour = 20.0
[churn]
enabled = true
session = { dist = "exponential", mean = "10min" }
downtime = { dist = "exponential", mean = "5min" }
[metrics]
connectivity_every = "1h"
"#;

#[test]
fn a_churning_steady_start_measures_what_a_long_natural_warm_up_does() {
    let steady = scenario(CHURN, &[]);
    let natural = scenario(
        CHURN,
        &["hosts.start=joins", "warmup=80min", "duration=100min"],
    );
    assert_agree(&steady, &natural, 4, 2.447);
}

#[test]
fn a_churning_steady_start_begins_with_the_long_run_share_online() {
    let s = scenario(
        CHURN,
        &[
            "hosts.count=3000",
            "duration=2min",
            "warmup=1min",
            "metrics.min_online=30s",
        ],
    );
    let r = pnrpsim::sim::run(&s, StreamSeed::single(1)).unwrap();
    let online = f64::from(r.windows[0].hosts_online);
    // 2/3 of 3 000 hosts, within 4 standard errors of a binomial share.
    let se = (3000.0_f64 * 2.0 / 9.0).sqrt();
    assert!((online - 2000.0).abs() < 4.0 * se, "{online} online");
}

/// The settled caches are built on every core, a chunk of hosts at a time
/// (src/sim/steady_start.rs): the run must be the same on any number of
/// threads. About 4 700 hosts online, two names each, span two chunks.
#[test]
fn a_steady_start_is_the_same_on_one_thread_and_on_three() {
    let s = scenario(
        CHURN,
        &[
            "hosts.count=7000",
            "hosts.names_per_host=2",
            "duration=2min",
            "warmup=1min",
            "metrics.min_online=30s",
        ],
    );
    let on = |threads: usize| {
        let pool = rayon::ThreadPoolBuilder::new()
            .num_threads(threads)
            .build()
            .unwrap();
        let r = pool.install(|| pnrpsim::sim::run(&s, StreamSeed::single(1)).unwrap());
        format!("{r:?}")
    };
    assert_eq!(on(1), on(3));
}

#[test]
fn static_lossless_clouds_resolve_and_hold_their_leaf_sets() {
    // 10³, 4·10³, 1.6·10⁴ and 10⁵ registrations, the range of #14's
    // acceptance (a 5 min warm-up, shorter than the static default's 10).
    for (hosts, names) in [(1000, 1), (1000, 4), (1000, 16), (6250, 16)] {
        let s = scenario(
            STATIC,
            &[
                &format!("hosts.count={hosts}"),
                &format!("hosts.names_per_host={names}"),
                "workload.resolves_per_host_per_hour=30.0",
            ],
        );
        let r = pnrpsim::sim::run(&s, StreamSeed::single(1)).unwrap();
        let success = r.resolves.success_rate().unwrap();
        let leaf = r.leaf_sets.share().unwrap();
        assert!(
            success >= 0.995,
            "{hosts} × {names}: resolve success {success}"
        );
        assert!(leaf >= 0.995, "{hosts} × {names}: leaf sets {leaf}");
    }
}

#[test]
fn a_join_spread_with_a_steady_start_is_refused_at_its_line() {
    let dir = std::env::temp_dir().join(format!("pnrpsim-steady-{}", std::process::id()));
    std::fs::create_dir_all(&dir).unwrap();
    let file = dir.join("spread.toml");
    std::fs::write(&file, "[hosts]\ncount = 10\njoin_spread = \"2min\"\n").unwrap();
    let path = file.to_str().unwrap();
    let out_dir = dir.join("out");
    for args in [
        vec!["validate", path],
        vec!["run", path, "--out", out_dir.to_str().unwrap()],
    ] {
        let command = args[0];
        let (code, out, err) = pnrpsim(&args);
        assert_eq!(code, 2, "{command}: {out}{err}");
        assert!(
            err.contains(&format!("{path}:3:")) && err.contains("hosts.join_spread"),
            "{err}"
        );
        assert!(err.contains("hosts.start = \"joins\""), "{err}");
    }
    let (code, _, err) = pnrpsim(&["validate", path, "--set", "hosts.start=joins"]);
    assert_eq!(code, 0, "{err}");
    std::fs::remove_dir_all(&dir).unwrap();
}

/// Churn with sessions of one hour and no `warmup` or `duration`: the
/// defaults are [`SETTLED_SESSIONS`](pnrpsim::scenario::warmup::SETTLED_SESSIONS)
/// mean sessions of warm-up and 50 minutes measured.
const HOUR_CHURN: &str = r#"
[hosts]
count = 1000
names_per_host = 1
[workload]
resolves_per_host_per_hour = 30.0
[churn]
enabled = true
session = { dist = "exponential", mean = "1h" }
downtime = { dist = "exponential", mean = "30min" }
[metrics]
connectivity_every = "10h"
"#;

#[test]
fn the_default_warm_up_is_settled_sessions_under_churn_and_10_min_otherwise() {
    use pnrpsim::scenario::warmup::SETTLED_SESSIONS;
    let min = |m: f64| (m * 60.0).round();
    let churn = scenario(HOUR_CHURN, &[]);
    assert_eq!(churn.warmup.as_secs_f64(), min(60.0 * SETTLED_SESSIONS));
    assert_eq!(
        churn.duration.as_secs_f64(),
        churn.warmup.as_secs_f64() + min(50.0)
    );
    // The default follows a --set of the session mean.
    let shorter = scenario(HOUR_CHURN, &["churn.session.mean=40min"]);
    assert_eq!(shorter.warmup.as_secs_f64(), min(40.0 * SETTLED_SESSIONS));
    // Static clouds and natural starts keep 10 min, and a 1 h run.
    for sets in [&["churn.enabled=false"][..], &["hosts.start=joins"][..]] {
        let s = scenario(HOUR_CHURN, sets);
        assert_eq!(s.warmup.as_secs_f64(), min(10.0), "{sets:?}");
        assert_eq!(s.duration.as_secs_f64(), min(60.0), "{sets:?}");
    }
    // An explicit warm-up is kept, and the default duration follows it.
    let explicit = scenario(HOUR_CHURN, &["warmup=20min"]);
    assert_eq!(explicit.warmup.as_secs_f64(), min(20.0));
    assert_eq!(explicit.duration.as_secs_f64(), min(70.0));
}

/// The default warm-up measures what a long natural warm-up (every host
/// joining, three mean sessions before measuring) does, on the two figures
/// a steady start biases most under churn; 10 minutes does not: its caches
/// hold no stale entries yet, so fewer resolves fail (in percentage
/// points) and fewer maintenance bytes are sent (docs/validation.md,
/// "Steady-state start").
#[test]
fn a_churning_steady_start_settles_within_its_default_warm_up() {
    let n = 4;
    let settled = scenario(HOUR_CHURN, &[]);
    let short = scenario(HOUR_CHURN, &["warmup=10min", "duration=60min"]);
    let natural = scenario(
        HOUR_CHURN,
        &["hosts.start=joins", "warmup=3h", "duration=230min"],
    );
    let [want, got, early] = std::thread::scope(|scope| {
        [&natural, &settled, &short]
            .map(|s| scope.spawn(move || replicate(s, n)))
            .map(|run| run.join().unwrap())
    });
    let of = |f: &[(String, f64, f64)], name: &str| f.iter().find(|x| x.0 == name).unwrap().1;
    // Resolve success in percentage points; maintenance bytes relative.
    for (name, scale, tolerance) in [("resolve success", 100.0, 0.6), ("maintenance", 0.0, 0.07)] {
        let (want, got, early) = (of(&want, name), of(&got, name), of(&early, name));
        let apart = |x: f64| {
            if scale > 0.0 {
                scale * (x - want).abs()
            } else {
                (x - want).abs() / want
            }
        };
        println!("{name}: natural {want:.4}, default warm-up {got:.4}, 10 min {early:.4}");
        assert!(
            apart(got) <= tolerance,
            "{name}: default warm-up {got:.4} vs natural {want:.4}"
        );
        assert!(
            apart(early) > tolerance,
            "{name}: 10 min {early:.4} vs natural {want:.4}, expected the clean caches' bias"
        );
    }
}
