//! Regenerates the charts of `docs/validation.md`:
//!
//! ```sh
//! cargo run --release --example validation_charts -- docs/img [CHART ...]
//! ```
//!
//! With chart names (`levels`, `churn`, …) only those are redrawn.
//! Each chart comes from the same study functions the validation tests
//! assert on (`tests/validation/studies.rs`), plus the names-per-host sweep
//! of `scenarios/validation/names_per_host.toml` with its analytic estimate
//! drawn dashed. Takes about 200 s of CPU, spread over the cores (10^5
//! registrations are the longest run). The figures behind each chart are
//! printed.

#[path = "../tests/validation/studies.rs"]
mod studies;

use plotters::style::RGBColor;
use pnrpsim::plot::{Axis, Chart, Curve, Marker, Scale, color, lighten, render};
use pnrpsim::protocol::message::MsgType;
use pnrpsim::sweep::{SweepConfig, run_sweep};
use std::collections::BTreeMap;
use std::path::{Path, PathBuf};
use std::sync::atomic::AtomicBool;
use studies::*;

fn axis(label: &str, scale: Scale, include_zero: bool) -> Axis {
    Axis {
        label: label.to_string(),
        scale,
        include_zero,
    }
}

fn curve(label: &str, i: usize, points: Vec<(f64, f64)>) -> Curve {
    Curve {
        label: label.to_string(),
        color: color(i),
        width: 3,
        dashed: false,
        marker: Marker::Circle,
        points,
        errors: Vec::new(),
    }
}

/// Reference lines (expectations, tolerance bands): dark grey, apart from
/// the palette the data use.
const REFERENCE: usize = usize::MAX;

/// An expectation or estimate: dashed, no markers, in the colour of the
/// data it belongs to, or dark grey for [`REFERENCE`].
fn dashed(label: &str, i: usize, points: Vec<(f64, f64)>) -> Curve {
    let color = if i == REFERENCE {
        RGBColor(60, 60, 60)
    } else {
        color(i)
    };
    Curve {
        color,
        width: 2,
        dashed: true,
        marker: Marker::None,
        ..curve(label, 0, points)
    }
}

fn chart(title: &str, x: Axis, y: Axis, curves: Vec<Curve>) -> Chart {
    Chart {
        title: title.to_string(),
        x,
        y,
        bands: Vec::new(),
        curves,
    }
}

/// Writes `<stem>.png` into `dir` (the SVG twin is not kept).
fn save(c: &Chart, dir: &Path, stem: &str) -> anyhow::Result<()> {
    if let Some([png, svg]) = render(c, dir, stem)? {
        std::fs::remove_file(svg)?;
        println!("wrote {}", png.display());
    }
    Ok(())
}

fn levels_chart(dir: &Path) -> anyhow::Result<()> {
    let points: Vec<Levels> = [1_000, 3_000, 10_000, 30_000, 100_000]
        .into_iter()
        .map(levels)
        .collect();
    for p in &points {
        println!("levels: {p:?}");
    }
    let at = |f: fn(&Levels) -> f64| -> Vec<(f64, f64)> {
        points.iter().map(|p| (p.registrations, f(p))).collect()
    };
    let c = chart(
        "Resolve hops and cache levels vs registrations (static cloud)",
        axis("registrations in the cloud", Scale::Log, false),
        axis(
            "hops per application resolve / levels per cache",
            Scale::Linear,
            true,
        ),
        vec![
            curve("mean LOOKUP hops (simulated)", 0, at(|p| p.hops)),
            dashed("hops, analytic estimate", 0, at(|p| p.estimate_hops)),
            Curve {
                marker: Marker::Triangle,
                ..curve("mean cache levels (simulated)", 1, at(|p| p.levels))
            },
            dashed(
                "levels, analytic estimate: log10(registrations / 20) + 1/2",
                1,
                at(|p| p.estimate_levels),
            ),
        ],
    );
    save(&c, dir, "levels")
}

fn churn_chart(dir: &Path) -> anyhow::Result<()> {
    let points: Vec<Churn> = [10, 20, 40, 80].into_iter().map(churn).collect();
    for p in &points {
        println!("churn: {p:?}");
    }
    let hi = points.iter().map(|p| p.expected_per_s).fold(0.0, f64::max) * 1.05;
    let c = chart(
        "Host joins + departures vs 2·H/T (exponential sessions of mean T)",
        axis("2 · hosts online / mean session (1/s)", Scale::Linear, true),
        axis(
            "measured joins + departures per second",
            Scale::Linear,
            true,
        ),
        vec![
            curve(
                "simulated, T = 10, 20, 40, 80 min",
                0,
                points
                    .iter()
                    .map(|p| (p.expected_per_s, p.measured_per_s))
                    .collect(),
            ),
            dashed("expected: equal", REFERENCE, vec![(0.0, 0.0), (hi, hi)]),
        ],
    );
    save(&c, dir, "churn")
}

fn publication_chart(dir: &Path) -> anyhow::Result<()> {
    let points: Vec<Publication> = [1, 2, 4, 8, 16].into_iter().map(publication).collect();
    for p in &points {
        println!("publication: {p:?}");
    }
    let m = |f: fn(&Publication) -> f64| -> Vec<(f64, f64)> {
        points
            .iter()
            .map(|p| (f64::from(p.names_per_host), f(p)))
            .collect()
    };
    let one = points[0].bytes_per_name;
    let c = chart(
        "Registration + flood bytes per registered name vs names per host (churn)",
        axis("names per host", Scale::Log, false),
        axis("bytes per registered name", Scale::Linear, true),
        vec![
            curve("simulated", 0, m(|p| p.bytes_per_name)),
            dashed("analytic estimate", 0, m(|p| p.estimate_per_name)),
            dashed(
                "m = 1 value ± 20 %",
                REFERENCE,
                vec![(1.0, 1.2 * one), (16.0, 1.2 * one)],
            ),
            dashed("", REFERENCE, vec![(1.0, 0.8 * one), (16.0, 0.8 * one)]),
        ],
    );
    save(&c, dir, "publication")
}

fn refresh_chart(dir: &Path) -> anyhow::Result<()> {
    let points: Vec<Refresh> = [10, 20, 40, 80].into_iter().map(refresh).collect();
    for p in &points {
        println!("refresh: {p:?}");
    }
    let first = &points[0];
    let c = chart(
        "Refresh traffic vs refresh interval (static cloud, log–log)",
        axis("refresh interval (s)", Scale::Log, false),
        axis("refresh bytes/s, whole cloud", Scale::Log, false),
        vec![
            curve(
                "simulated",
                0,
                points
                    .iter()
                    .map(|p| (p.interval_s, p.cloud_per_s))
                    .collect(),
            ),
            dashed(
                "analytic estimate",
                0,
                points
                    .iter()
                    .map(|p| (p.interval_s, p.estimate_per_s))
                    .collect(),
            ),
            dashed(
                "∝ 1 / interval",
                REFERENCE,
                points
                    .iter()
                    .map(|p| {
                        (
                            p.interval_s,
                            first.cloud_per_s * first.interval_s / p.interval_s,
                        )
                    })
                    .collect(),
            ),
        ],
    );
    save(&c, dir, "refresh")
}

fn split_chart(dir: &Path) -> anyhow::Result<()> {
    let points: Vec<Split> = [1_000, 3_000, 10_000]
        .into_iter()
        .map(split_detection)
        .collect();
    for p in &points {
        println!("split detection: {p:?}");
    }
    let first = points[0].cloud_per_s;
    let xs = |f: fn(&Split) -> f64| -> Vec<(f64, f64)> {
        points.iter().map(|p| (f64::from(p.hosts), f(p))).collect()
    };
    let c = chart(
        "Split-detection traffic of the whole cloud vs hosts",
        axis("hosts", Scale::Log, false),
        axis("split-detection bytes/s, whole cloud", Scale::Linear, true),
        vec![
            curve("simulated", 0, xs(|p| p.cloud_per_s)),
            dashed("analytic estimate", 0, xs(|p| p.estimate_per_s)),
            dashed(
                "1000-host value ± 20 %",
                REFERENCE,
                vec![(1e3, 1.2 * first), (1e4, 1.2 * first)],
            ),
            dashed("", REFERENCE, vec![(1e3, 0.8 * first), (1e4, 0.8 * first)]),
        ],
    );
    save(&c, dir, "split_detection")
}

fn unregistration_chart(dir: &Path) -> anyhow::Result<()> {
    let runs = unregistrations(20);
    let (leaf, reach) = (runs[0].leaf as i32, runs[0].below.len() as i32);
    // Mean revoke FLOODs, and FLOODs from the leaving host, received at
    // each ring position from the leaving ID.
    let mut revokes = BTreeMap::new();
    let mut floods = BTreeMap::new();
    for u in &runs {
        let sides = (1..)
            .zip(&u.above)
            .chain((1..).map(|i: i32| -i).zip(&u.below));
        for (pos, h) in sides {
            let n = u.revokes_to.get(&h.0).copied().unwrap_or(0);
            *revokes.entry(pos).or_insert(0.0) += f64::from(n) / runs.len() as f64;
            let f = u
                .initial
                .iter()
                .filter(|(ty, to)| *ty == MsgType::Flood && to == h)
                .count();
            *floods.entry(pos).or_insert(0.0) += f as f64 / runs.len() as f64;
        }
    }
    let series = |m: &BTreeMap<i32, f64>| m.iter().map(|(&p, &v)| (f64::from(p), v)).collect();
    println!("revokes received by ring position: {revokes:?}; replacement FLOODs: {floods:?}");
    let positions = (-reach..=reach).filter(|&p| p != 0);
    let expected_revokes = positions
        .clone()
        .map(|p| (f64::from(p), f64::from(u8::from(p.abs() <= leaf))))
        .collect();
    let expected_floods = positions
        .map(|p| (f64::from(p), f64::from(u8::from(p.abs() == leaf))))
        .collect();
    let c = chart(
        "Clean unregistration: FLOODs received by ring position (20 departures)",
        axis(
            "position from the leaving ID (its leaf set is ±5)",
            Scale::Linear,
            false,
        ),
        axis("FLOODs received per departure", Scale::Linear, true),
        vec![
            curve("revoke FLOODs, simulated", 0, series(&revokes)),
            dashed("revoke FLOODs expected (§4.3)", 0, expected_revokes),
            Curve {
                marker: Marker::Triangle,
                ..curve("replacement FLOODs, simulated", 1, series(&floods))
            },
            dashed("replacement FLOODs expected", 1, expected_floods),
            // Nothing drawn: room above the data for the legend.
            Curve {
                color: RGBColor(255, 255, 255),
                marker: Marker::None,
                ..curve("", 0, vec![(0.0, 1.5)])
            },
        ],
    );
    save(&c, dir, "unregistration")
}

fn cascade_chart(dir: &Path) -> anyhow::Result<()> {
    let runs = cascades(40);
    let most = runs.iter().map(|c| c.waves).max().unwrap_or(0);
    let mut by_waves = vec![0.0; most + 1];
    for c in &runs {
        by_waves[c.waves] += 1.0;
    }
    println!("cascades by number of waves: {by_waves:?}");
    let top = by_waves.iter().copied().fold(0.0, f64::max);
    let c = chart(
        "Leaf-set flood cascade of a new name: waves per cascade (40 registrations)",
        axis("waves of FLOODs", Scale::Linear, false),
        axis("cascades", Scale::Linear, true),
        vec![
            curve(
                "simulated",
                0,
                by_waves
                    .iter()
                    .enumerate()
                    .skip(1)
                    .map(|(w, &n)| (w as f64, n))
                    .collect(),
            ),
            dashed("§4.4 example: six waves", 3, vec![(6.0, 0.0), (6.0, top)]),
        ],
    );
    save(&c, dir, "cascade")
}

fn quickstart_chart(dir: &Path) -> anyhow::Result<()> {
    let figures = quickstart("steady");
    let mut curves = Vec::new();
    let (mut lo, mut hi) = (f64::INFINITY, 0.0f64);
    for (i, f) in figures.iter().enumerate() {
        println!("quickstart: {f:?}");
        if f.simulated > 0.0 && f.estimate > 0.0 {
            lo = lo.min(f.simulated).min(f.estimate);
            hi = hi.max(f.simulated).max(f.estimate);
            curves.push(Curve {
                width: 1,
                ..curve(
                    &format!("{} ({:.1} % of bytes)", f.reason.name(), 100.0 * f.share),
                    i,
                    vec![(f.simulated, f.estimate)],
                )
            });
        }
    }
    let (lo, hi) = (lo / 1.5, hi * 1.5);
    curves.push(dashed(
        "estimate = simulated",
        REFERENCE,
        vec![(lo, lo), (hi, hi)],
    ));
    curves.push(Curve {
        color: lighten(RGBColor(60, 60, 60), 0.5),
        ..dashed("± 30 %", REFERENCE, vec![(lo, 1.3 * lo), (hi, 1.3 * hi)])
    });
    curves.push(Curve {
        color: lighten(RGBColor(60, 60, 60), 0.5),
        ..dashed("", REFERENCE, vec![(lo, 0.7 * lo), (hi, 0.7 * hi)])
    });
    let c = chart(
        "quickstart, settled start: analytic estimate vs simulation, by reason",
        axis("simulated B/s per online host (log)", Scale::Log, false),
        axis("estimated B/s per online host (log)", Scale::Log, false),
        curves,
    );
    save(&c, dir, "quickstart_estimate")
}

/// The names-per-host sweep, whose upload chart carries the estimate dashed.
fn names_per_host_chart(dir: &Path) -> anyhow::Result<()> {
    let base = scenario("names_per_host", &[]);
    let path =
        PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("scenarios/validation/names_per_host.toml");
    let out = tempfile_dir()?;
    let cfg = SweepConfig {
        out_dir: out.clone(),
        threads: 0,
        extra_bytes: pnrpsim::plot::CHART_BYTES,
        resume: false,
        shard: None,
        charts: None,
    };
    let outcome = run_sweep(
        &cfg,
        &base,
        |coords| {
            let sets: Vec<String> = coords
                .iter()
                .map(|c| format!("{}={}", c.path, c.value))
                .collect();
            let mut s =
                pnrpsim::scenario::load::load_file(&path, &sets).map_err(|e| e.to_string())?;
            s.metrics.connectivity_every = None;
            Ok(s)
        },
        pnrpsim::sim::run,
        &AtomicBool::new(false),
    )?;
    outcome.check()?;
    pnrpsim::plot::plot_dir(&out)?;
    let png = dir.join("names_per_host.png");
    std::fs::copy(out.join("bandwidth_linear.png"), &png)?;
    println!("wrote {}", png.display());
    print!("{}", std::fs::read_to_string(out.join("sweep.csv"))?);
    std::fs::remove_dir_all(&out)?;
    Ok(())
}

/// A fresh directory under the system's temporary directory.
fn tempfile_dir() -> anyhow::Result<PathBuf> {
    let dir = std::env::temp_dir().join(format!("pnrpsim-validation-{}", std::process::id()));
    std::fs::create_dir_all(&dir)?;
    Ok(dir)
}

fn staleness_chart(dir: &Path) -> anyhow::Result<()> {
    let st = staleness();
    println!("staleness: {st:?}");
    let series = |f: fn(&(f64, f64, f64, f64)) -> f64| -> Vec<(f64, f64)> {
        st.samples.iter().map(|p| (p.0, f(p))).collect()
    };
    let c = chart(
        "Cache entries of departed owners under churn (1 000 hosts, T = 30 min)",
        axis("simulated time (min)", Scale::Linear, true),
        axis(
            "share of cache entries whose owner has left",
            Scale::Linear,
            true,
        ),
        vec![
            curve("all entries", 0, series(|p| p.1)),
            curve("outside leaf sets", 1, series(|p| p.2)),
            curve("in leaf sets", 2, series(|p| p.3)),
        ],
    );
    save(&c, dir, "staleness")
}

fn leaf_coverage_chart(dir: &Path) -> anyhow::Result<()> {
    let mut curves = Vec::new();
    for (i, spread) in ["1min", "10min"].into_iter().enumerate() {
        let by = leaf_coverage(10_000, spread);
        println!("leaf coverage, 10 000 hosts joining over {spread}: {by:?}");
        // Log scale: the IDs held by exactly 10 leaf sets dwarf the rest.
        curves.push(curve(
            &format!("hosts join over {spread}"),
            i,
            by.iter()
                .enumerate()
                .map(|(k, &n)| (k as f64, f64::from(n).max(0.5)))
                .collect(),
        ));
    }
    let c = chart(
        "Live IDs by leaf sets holding them, 10 000 hosts after 75 min (11 = more than 10)",
        axis(
            "leaf sets holding the ID (10 expected)",
            Scale::Linear,
            true,
        ),
        axis("IDs (log; 0 drawn at 0.5)", Scale::Log, false),
        curves,
    );
    save(&c, dir, "leaf_coverage")
}

fn main() -> anyhow::Result<()> {
    let mut args = std::env::args().skip(1);
    let dir = PathBuf::from(args.next().unwrap_or_else(|| "docs/img".into()));
    let only: Vec<String> = args.collect();
    std::fs::create_dir_all(&dir)?;
    type Job = fn(&Path) -> anyhow::Result<()>;
    // Longest first, so that the two cores finish together.
    let jobs: [(&str, Job); 11] = [
        ("levels", levels_chart),
        ("names_per_host", names_per_host_chart),
        ("leaf_coverage", leaf_coverage_chart),
        ("staleness", staleness_chart),
        ("publication", publication_chart),
        ("split_detection", split_chart),
        ("churn", churn_chart),
        ("refresh", refresh_chart),
        ("quickstart_estimate", quickstart_chart),
        ("unregistration", unregistration_chart),
        ("cascade", cascade_chart),
    ];
    if let Some(unknown) = only.iter().find(|o| !jobs.iter().any(|(n, _)| n == o)) {
        anyhow::bail!(
            "unknown chart \"{unknown}\"; charts: {}",
            jobs.map(|(n, _)| n).join(", ")
        );
    }
    use rayon::prelude::*;
    jobs.par_iter()
        .filter(|(name, _)| only.is_empty() || only.iter().any(|o| o == name))
        .try_for_each(|(_, job)| job(&dir))
}
