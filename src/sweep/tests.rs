//! Sweep tests with a synthetic runner: numbers derived from the run seed
//! and the scenario, shaped like a real run's but costing nothing.

use super::*;
use crate::metrics::{HostMetrics, LeafSetAccuracy, ResolveStats, Traffic, Window};
use crate::protocol::message::Reason;
use crate::scenario::units::Duration;
use rand::Rng as _;
use std::fs;
use std::path::Path;
use std::sync::atomic::Ordering;

/// A fake run: per-host traffic grows with names per host and loss, with
/// per-host and per-run noise drawn from the run's own stream.
pub(crate) fn synthetic_run(s: &Scenario, seed: StreamSeed) -> anyhow::Result<RunResult> {
    let mut rng = seed.stream("synthetic");
    let measured = s.duration.as_secs_f64() - s.warmup.as_secs_f64();
    let m = f64::from(s.hosts.names_per_host);
    let run_factor = 1.0 + 0.3 * (rng.random::<f64>() - 0.5);
    let loss_factor = 1.0 + 5.0 * s.network.loss;
    // B/s per host for each reason, in Reason::ALL order.
    let base = [20.0, 5.0 * m, 3.0 * m, 1.0 * m, 8.0, 30.0, 10.0, 0.5 * m];
    let mut hosts = Vec::new();
    let mut total = 0u64;
    for _ in 0..s.hosts.count {
        let online_secs = measured * rng.random_range(0.5..=1.0);
        let host_factor = run_factor * loss_factor * rng.random_range(0.3..1.7);
        let mut by_reason = [0u64; Reason::COUNT];
        for (b, rate) in by_reason.iter_mut().zip(base) {
            *b = (rate * host_factor * online_secs) as u64;
        }
        let sent: u64 = by_reason.iter().sum();
        total += sent;
        hosts.push(HostMetrics {
            sent: Traffic {
                datagrams: sent / 200,
                bytes: sent,
            },
            received: Traffic {
                datagrams: sent / 200,
                bytes: sent * 9 / 10,
            },
            sent_bytes_by_reason: by_reason,
            online_secs,
            names: s.hosts.names_per_host,
            ..HostMetrics::default()
        });
    }
    let width = s.metrics.window.as_secs_f64();
    let n_windows = (measured / width).ceil() as usize;
    let windows = (0..n_windows)
        .map(|i| {
            let wave = 1.0 + 0.2 * (i as f64 / 5.0).sin() + 0.1 * rng.random::<f64>();
            Window {
                start_secs: s.warmup.as_secs_f64() + i as f64 * width,
                sent: Traffic {
                    datagrams: 1,
                    bytes: (total as f64 / measured * width * wave) as u64,
                },
                ..Window::default()
            }
        })
        .collect();
    let registrations = u64::from(s.hosts.count) * u64::from(s.hosts.names_per_host);
    let mean_hops = 1.0 + 0.6 * (registrations as f64).log10() + 0.2 * rng.random::<f64>();
    let low = mean_hops.floor() as usize;
    let frac = mean_hops - low as f64;
    let mut hops = vec![0; low + 2];
    hops[low] = ((1.0 - frac) * 1000.0) as u64;
    hops[low + 1] = (frac * 1000.0) as u64;
    Ok(RunResult {
        scenario: s.name.clone(),
        run_seed: seed.run_seed(),
        measured_secs: measured,
        hosts,
        windows,
        resolves: ResolveStats {
            started: 1000,
            succeeded: hops.iter().sum(),
            hops,
            latencies_secs: Vec::new(),
        },
        leaf_sets: LeafSetAccuracy {
            expected: 1000,
            matching: rng.random_range(950..=1000),
        },
        registrations,
        events: 1000 + rng.random_range(0..100),
        ..RunResult::default()
    })
}

/// Sets dotted paths on the scenario's TOML form, as the real loader's
/// `set_path` does, refusing paths the schema does not have.
pub(crate) fn make_point(base: &Scenario) -> impl Fn(&[Coord]) -> Result<Scenario, String> + '_ {
    move |coords| {
        let mut table = toml::Table::try_from(base).map_err(|e| e.to_string())?;
        for c in coords {
            let (parents, leaf) = c.path.rsplit_once('.').unwrap_or(("", &c.path));
            let mut t = &mut table;
            for key in parents.split('.').filter(|k| !k.is_empty()) {
                t = t
                    .get_mut(key)
                    .and_then(toml::Value::as_table_mut)
                    .ok_or_else(|| format!("unknown parameter \"{}\"", c.path))?;
            }
            if !t.contains_key(leaf) {
                return Err(format!("unknown parameter \"{}\"", c.path));
            }
            t.insert(leaf.to_string(), c.value.clone());
        }
        table.try_into().map_err(|e: toml::de::Error| e.to_string())
    }
}

/// A small scenario with the given `[sweep]` section.
pub(crate) fn scenario(sweep: &str) -> Scenario {
    let mut s = Scenario {
        name: "synthetic".into(),
        seed: 42,
        duration: Duration::secs(3600),
        warmup: Duration::secs(600),
        sweep: Some(toml::from_str(sweep).unwrap()),
        ..Scenario::default()
    };
    s.hosts.count = 60;
    s
}

/// A fresh (not resumed, not sharded) sweep into `dir` on `threads`.
fn config(dir: &Path, threads: usize) -> SweepConfig {
    SweepConfig {
        out_dir: dir.to_path_buf(),
        threads,
        extra_bytes: 0,
        resume: false,
        shard: None,
        charts: None,
    }
}

pub(crate) fn sweep_into(dir: &Path, s: &Scenario, threads: usize) -> SweepOutcome {
    let cfg = config(dir, threads);
    run_sweep(
        &cfg,
        s,
        make_point(s),
        synthetic_run,
        &AtomicBool::new(false),
    )
    .unwrap()
}

fn read(dir: &Path, name: &str) -> String {
    fs::read_to_string(dir.join(name)).unwrap()
}

fn csv_rows(dir: &Path, name: &str) -> (Vec<String>, Vec<Vec<String>>) {
    let mut r = csv::Reader::from_path(dir.join(name)).unwrap();
    let header = r.headers().unwrap().iter().map(String::from).collect();
    let rows = r
        .records()
        .map(|rec| rec.unwrap().iter().map(String::from).collect())
        .collect();
    (header, rows)
}

const GRID: &str = r#"
    replications = 3
    values = [1, 4, 16]
    series_axis = "network.loss"
    series_values = [0.0, 0.2]
"#;

#[test]
fn outputs_are_byte_identical_for_any_thread_count() {
    let s = scenario(GRID);
    let (one, two) = (tempfile::tempdir().unwrap(), tempfile::tempdir().unwrap());
    let out1 = sweep_into(one.path(), &s, 1);
    let out2 = sweep_into(two.path(), &s, 2);
    assert_eq!((out1.tasks, out1.completed), (18, 18));
    out1.check().unwrap();
    out2.check().unwrap();
    for name in [
        tables::RUNS_CSV,
        tables::SWEEP_CSV,
        tables::HOST_RATES_CSV,
        tables::CLOUD_SERIES_CSV,
    ] {
        let a = read(one.path(), name);
        assert!(a.lines().count() > 1, "{name} has no rows");
        assert_eq!(
            a,
            read(two.path(), name),
            "{name} differs between 1 and 2 threads"
        );
    }

    let (header, rows) = csv_rows(one.path(), tables::RUNS_CSV);
    assert_eq!(
        header[..5],
        [
            "point",
            "hosts.names_per_host",
            "network.loss",
            "replication",
            "run_seed"
        ]
    );
    // The metric columns are the catalogue's per-run metrics, in its order.
    let metrics = crate::metrics::catalog::per_run_names();
    assert_eq!(header[5..], metrics);
    assert_eq!(rows.len(), 18);
    // Sorted by (point, replication), with each run's seed derived from
    // (scenario seed, point, replication).
    for (i, row) in rows.iter().enumerate() {
        let (point, rep) = (i / 3, i % 3);
        assert_eq!(row[0], point.to_string());
        assert_eq!(row[3], rep.to_string());
        let seed = StreamSeed {
            seed: 42,
            point: point as u64,
            replication: rep as u64,
        };
        assert_eq!(row[4], seed.run_seed().to_string());
    }
    // Point 4 is the second series value (loss 0.2) at the second x (4).
    assert_eq!(rows[12][1..3], ["4", "0.2"]);

    let (header, rows) = csv_rows(one.path(), tables::SWEEP_CSV);
    assert_eq!(
        header[..5],
        [
            "scenario",
            "point",
            "hosts.names_per_host",
            "network.loss",
            "n"
        ]
    );
    // Three columns per catalogued metric, then the analytic estimate.
    let stats: Vec<String> = metrics
        .iter()
        .flat_map(|m| {
            [
                format!("{m}_mean"),
                format!("{m}_ci95_low"),
                format!("{m}_ci95_high"),
            ]
        })
        .chain([tables::ESTIMATE_UP.to_owned()])
        .collect();
    assert_eq!(header[5..], stats);
    assert!(header.contains(&"up_join_B_per_s_ci95_high".to_string()));
    assert_eq!(rows.len(), 6);
    assert!(rows.iter().all(|r| r[0] == "synthetic" && r[4] == "3"));

    // Host rates only at the default CDF points (first, middle, last x) of
    // replication 0, for both series values; the time series of one run.
    let (_, hosts) = csv_rows(one.path(), tables::HOST_RATES_CSV);
    assert_eq!(hosts.len(), 6 * 60);
    let (_, series) = csv_rows(one.path(), tables::CLOUD_SERIES_CSV);
    assert_eq!(series.len(), 50);
    assert!(series.iter().all(|r| r[0] == "0" && r[3] == "0"));
}

/// Mean and CI of `up_B_per_s` per point from sweep.csv.
fn up_estimates(dir: &Path) -> Vec<(f64, f64, f64)> {
    let (header, rows) = csv_rows(dir, tables::SWEEP_CSV);
    let col = |name: &str| header.iter().position(|h| h == name).unwrap();
    let (m, lo, hi) = (
        col("up_B_per_s_mean"),
        col("up_B_per_s_ci95_low"),
        col("up_B_per_s_ci95_high"),
    );
    rows.iter()
        .map(|r| {
            (
                r[m].parse().unwrap(),
                r[lo].parse().unwrap(),
                r[hi].parse().unwrap(),
            )
        })
        .collect()
}

#[test]
fn confidence_interval_shrinks_with_replications_and_contains_the_mean() {
    let widths = [3, 10, 40].map(|reps| {
        let dir = tempfile::tempdir().unwrap();
        let s = scenario(&format!("replications = {reps}\nvalues = [1, 8, 64]"));
        sweep_into(dir.path(), &s, 2);
        up_estimates(dir.path())
            .into_iter()
            .map(|(mean, lo, hi)| {
                assert!(lo < mean && mean < hi, "{lo} < {mean} < {hi}");
                hi - lo
            })
            .collect::<Vec<f64>>()
    });
    for point in 0..3 {
        assert!(
            widths[0][point] > widths[1][point] && widths[1][point] > widths[2][point],
            "point {point}: widths {:?} do not shrink",
            widths.iter().map(|w| w[point]).collect::<Vec<_>>()
        );
    }
}

#[test]
fn one_replication_leaves_ci_cells_empty() {
    let dir = tempfile::tempdir().unwrap();
    sweep_into(dir.path(), &scenario("replications = 1\nvalues = [2]"), 1);
    let (header, rows) = csv_rows(dir.path(), tables::SWEEP_CSV);
    let col = |name: &str| header.iter().position(|h| h == name).unwrap();
    assert_eq!(rows[0][col("n")], "1");
    assert!(!rows[0][col("up_B_per_s_mean")].is_empty());
    assert_eq!(rows[0][col("up_B_per_s_ci95_low")], "");
    assert_eq!(rows[0][col("up_B_per_s_ci95_high")], "");
    assert!(!read(dir.path(), tables::SWEEP_CSV).contains("NaN"));
}

#[test]
fn failing_runs_are_reported_with_point_and_seed_and_others_written() {
    let s = scenario("replications = 3\nvalues = [1, 2, 4]");
    let dir = tempfile::tempdir().unwrap();
    let cfg = config(dir.path(), 2);
    let runner = |sc: &Scenario, seed: StreamSeed| {
        match (seed.point, seed.replication) {
            (2, 1) => anyhow::bail!("routing table corrupted"),
            (0, 0) => panic!("index out of bounds"),
            _ => {}
        }
        synthetic_run(sc, seed)
    };
    let out = run_sweep(&cfg, &s, make_point(&s), runner, &AtomicBool::new(false)).unwrap();
    assert_eq!((out.tasks, out.completed, out.skipped), (9, 7, 0));
    let seed = |point, replication| {
        StreamSeed {
            seed: 42,
            point,
            replication,
        }
        .run_seed()
    };
    let failed: Vec<(usize, u32, u64)> = out
        .failures
        .iter()
        .map(|f| (f.point.index, f.replication, f.run_seed))
        .collect();
    assert_eq!(failed, [(0, 0, seed(0, 0)), (2, 1, seed(2, 1))]);
    let err = out.check().unwrap_err().to_string();
    assert!(err.contains("2 of 9 runs failed"), "{err}");
    assert!(
        err.contains(&format!(
            "point 2 (hosts.names_per_host = 4), replication 1, run seed {}: routing table corrupted",
            seed(2, 1)
        )),
        "{err}"
    );
    assert!(err.contains("panicked: index out of bounds"), "{err}");

    let partial = dir.path().join(PARTIAL_DIR);
    let (_, runs) = csv_rows(&partial, tables::RUNS_CSV);
    assert_eq!(runs.len(), 7);
    let (header, points) = csv_rows(&partial, tables::SWEEP_CSV);
    let n = header.iter().position(|h| h == "n").unwrap();
    let ns: Vec<&str> = points.iter().map(|r| r[n].as_str()).collect();
    assert_eq!(ns, ["2", "3", "2"]);
}

#[test]
fn interrupted_sweep_writes_finished_runs_and_says_so() {
    let s = scenario("replications = 2\nvalues = [1, 2, 4, 8]");
    let dir = tempfile::tempdir().unwrap();
    let cfg = config(dir.path(), 1);
    let stop = AtomicBool::new(false);
    let started = std::sync::atomic::AtomicUsize::new(0);
    let runner = |sc: &Scenario, seed: StreamSeed| {
        // Ctrl-C during the third run.
        if started.fetch_add(1, Ordering::SeqCst) == 2 {
            stop.store(true, Ordering::SeqCst);
        }
        synthetic_run(sc, seed)
    };
    let out = run_sweep(&cfg, &s, make_point(&s), runner, &stop).unwrap();
    assert_eq!((out.completed, out.skipped), (3, 5));
    let err = out.check().unwrap_err().to_string();
    assert!(
        err.contains("interrupted: 3 of 8 runs finished, 5 not started"),
        "{err}"
    );
    // Costliest points start first: the last point completes, the one
    // before it has one run.
    let (_, runs) = csv_rows(&dir.path().join(PARTIAL_DIR), tables::RUNS_CSV);
    let done: Vec<(&str, &str)> = runs
        .iter()
        .map(|r| (r[0].as_str(), r[2].as_str()))
        .collect();
    assert_eq!(done, [("2", "0"), ("3", "0"), ("3", "1")]);
}

/// Issue #16: a sweep stopped partway once overwrote a complete sweep's
/// `sweep.csv` and charts with a chart of 9 of its 35 runs that did not say
/// so. The complete files must stay byte for byte; the finished runs go to
/// `partial/`, without charts, until `--resume` completes the sweep.
#[test]
fn a_stopped_sweep_never_replaces_a_complete_one() {
    let s = scenario("replications = 2\nvalues = [1, 2]");
    let dir = tempfile::tempdir().unwrap();
    let cfg = config(dir.path(), 1);
    let no_stop = AtomicBool::new(false);
    let out = run_sweep(&cfg, &s, make_point(&s), synthetic_run, &no_stop).unwrap();
    out.check().unwrap();
    let snapshot = |dir: &Path| -> Vec<(std::ffi::OsString, Vec<u8>)> {
        let mut files: Vec<_> = fs::read_dir(dir)
            .unwrap()
            .map(|e| e.unwrap().path())
            .filter(|p| p.is_file() && p.extension().is_some_and(|e| e != "log"))
            .map(|p| (p.file_name().unwrap().to_owned(), fs::read(&p).unwrap()))
            .collect();
        files.sort();
        files
    };
    let complete = snapshot(dir.path());
    assert!(complete.iter().any(|(n, _)| n == tables::SWEEP_CSV));

    // The same sweep again (a complete journal starts over), stopped
    // during its second run.
    let stop = AtomicBool::new(false);
    let started = std::sync::atomic::AtomicUsize::new(0);
    let runner = |sc: &Scenario, seed: StreamSeed| {
        if started.fetch_add(1, Ordering::SeqCst) == 1 {
            stop.store(true, Ordering::SeqCst);
        }
        synthetic_run(sc, seed)
    };
    let out = run_sweep(&cfg, &s, make_point(&s), runner, &stop).unwrap();
    assert_eq!((out.completed, out.tasks), (2, 4));
    let err = out.check().unwrap_err().to_string();
    assert!(err.contains("are in partial/"), "{err}");
    assert!(
        snapshot(dir.path()) == complete,
        "a complete file was replaced"
    );
    let partial = dir.path().join(PARTIAL_DIR);
    let (_, runs) = csv_rows(&partial, tables::RUNS_CSV);
    assert_eq!(runs.len(), 2);
    assert!(
        snapshot(&partial)
            .iter()
            .all(|(n, _)| n.to_string_lossy().ends_with(".csv")),
        "no chart of a partial sweep"
    );

    let resume = SweepConfig {
        resume: true,
        ..cfg.clone()
    };
    let out = run_sweep(&resume, &s, make_point(&s), synthetic_run, &no_stop).unwrap();
    out.check().unwrap();
    assert!(
        !partial.exists(),
        "partial/ is removed once the sweep is whole"
    );
    assert!(
        snapshot(dir.path()) == complete,
        "resumed ≠ straight through"
    );
}

#[test]
fn bad_paths_and_specs_fail_before_any_run() {
    let cfg = config(&tempfile::tempdir().unwrap().path().join("out"), 1);
    let never =
        |_: &Scenario, _: StreamSeed| -> anyhow::Result<RunResult> { panic!("must not run") };
    let stop = AtomicBool::new(false);

    let s = scenario("axis = \"hosts.names_per_hots\"");
    let err = run_sweep(&cfg, &s, make_point(&s), never, &stop)
        .unwrap_err()
        .to_string();
    assert_eq!(
        err,
        "sweep point 0 (hosts.names_per_hots = 1): unknown parameter \"hosts.names_per_hots\""
    );

    let s = scenario("replications = 0");
    let err = run_sweep(&cfg, &s, make_point(&s), never, &stop)
        .unwrap_err()
        .to_string();
    assert!(
        err.contains("sweep.replications must be at least 1"),
        "{err}"
    );
    assert!(!cfg.out_dir.exists());
}

#[test]
fn sweep_csv_carries_the_analytic_estimate_of_each_point() {
    let s = scenario("replications = 2\nvalues = [1, 8]");
    let dir = tempfile::tempdir().unwrap();
    sweep_into(dir.path(), &s, 1).check().unwrap();
    let (header, rows) = csv_rows(dir.path(), tables::SWEEP_CSV);
    let col = header
        .iter()
        .position(|h| h == tables::ESTIMATE_UP)
        .unwrap();
    for (row, m) in rows.iter().zip([1u32, 8]) {
        let mut point = s.clone();
        point.hosts.names_per_host = m;
        let expected = crate::estimate::AnalyticEstimate::of(&point)
            .unwrap()
            .per_host_total();
        assert_eq!(row[col], expected.to_string(), "names per host {m}");
    }
}
