//! `pnrpsim compare`: the scenario's `[[design]]` variants side by side.

use super::Failure;
use super::run::ScenarioArgs;
use crate::design::{Comparison, compare};
use crate::page::ReportPath;
use crate::page::sensitivity::Sensitivity;
use crate::scenario::Scenario;
use crate::scenario::load::load_file;
use crate::scenario::overrides::scenario_with;
use crate::scenario::provenance::Provenance;
use crate::sweep::interrupt_flag;
use crate::sweep::journal::{Identity, StudyJournal};
use clap::Args;
use std::path::PathBuf;
use std::sync::atomic::AtomicBool;

#[derive(Args, Debug)]
pub struct CompareArgs {
    #[command(flatten)]
    pub scenario: ScenarioArgs,
    /// Runs per design; the confidence intervals come from these.
    #[arg(long, default_value_t = 5, value_parser = clap::value_parser!(u32).range(2..))]
    pub replications: u32,
    /// Worker threads [default: one per core]. Results do not depend on it.
    /// 0 means one per core; at most 256.
    #[arg(long, value_name = "N", value_parser = crate::sweep::exec::parse_threads)]
    pub threads: Option<usize>,
    /// Output directory [default: output/<scenario name>/]. It keeps the
    /// journal of finished runs, compare-journal.log, for --resume.
    #[arg(long, value_name = "DIR")]
    pub out: Option<PathBuf>,
    /// Also write a one-page Markdown report (question, answer, chart,
    /// parameters with their provenance, method, caveats) to FILE.md, with
    /// its chart beside it. It repeats the comparison with churn session
    /// mean, refresh interval and cloud size halved and doubled (six more
    /// comparisons) for its sensitivity table.
    #[arg(long, value_name = "FILE.md")]
    pub report: Option<PathBuf>,
    /// Continue a comparison stopped by Ctrl-C or a kill: take the runs its
    /// journal holds and run only the others, for the same outputs (same
    /// scenario, --set options and pnrpsim version, or it is refused).
    #[arg(long)]
    pub resume: bool,
    /// `json` prints one JSON document (every design's metrics with their
    /// 95 % intervals and ratios to the first design;
    /// docs/reference/json.md) instead of the table.
    #[arg(long, value_enum, default_value_t = super::Format::Text)]
    pub format: super::Format,
}

/// The journal of `compare`'s finished runs, in its output directory.
pub const JOURNAL_FILE: &str = "compare-journal.log";

pub fn run(args: CompareArgs) -> Result<(), Failure> {
    let s = load_file(&args.scenario.scenario, &args.scenario.sets)
        .map_err(|e| Failure::Input(e.to_string()))?;
    let out = crate::outputs::output_dir(args.out.clone(), &s.name)
        .and_then(|out| crate::outputs::prepare_output_dir(&out, 0).map(|()| out))
        .map_err(|e| Failure::Input(format!("{e:#}")))?;
    let report = ReportPath::from_arg(args.report.as_deref()).map_err(Failure::Input)?;
    let base = crate::scenario::overrides::point_base(&s).map_err(|e| Failure::Run(e.into()))?;
    let runs = super::stats::runs_of(&s).map_err(|e| {
        let origin = super::stats::origin_of(&args.scenario.scenario, &args.scenario.sets, &e);
        Failure::Input(format!("{origin}: {e}"))
    })?;
    super::stats::check_all(&runs)?;
    super::stats::print_warmup_notices(&runs);
    if s.designs.len() < 2 {
        return Err(Failure::Input(format!(
            "{}: a comparison needs at least two [[design]] tables (found {})",
            args.scenario.scenario.display(),
            s.designs.len()
        )));
    }
    let stop = interrupt_flag()?;
    let threads = args.threads.unwrap_or(0);
    let designs: Vec<Scenario> = runs
        .iter()
        .filter(|(what, _)| what.starts_with("design"))
        .flat_map(|(_, d)| std::iter::repeat_n(d.clone(), args.replications as usize))
        .collect();
    let shown = super::stats::begin(
        &designs,
        &format!(
            "{} × {}{}",
            crate::guard::cost::count(s.designs.len() as u64, "design"),
            crate::guard::cost::count(u64::from(args.replications), "replication"),
            if report.is_some() {
                "; the report's sensitivity table repeats it once per row"
            } else {
                ""
            }
        ),
        threads,
        "compare",
    );
    let id = Identity::of_study(&s, "compare").map_err(Failure::Run)?;
    let journal = StudyJournal::open(&out, JOURNAL_FILE, &id, args.resume, "comparison")
        .map_err(|e| Failure::Input(format!("{e:#}")))?;
    let compared = compare_at(&s, &base, args.replications, threads, stop, Some(&journal));
    if let Some(note) = journal.note() {
        eprintln!("{note}");
    }
    // Only an interruption leaves the journal open for --resume.
    if compared.is_err() && !stop.load(std::sync::atomic::Ordering::SeqCst) {
        journal.complete()?;
    }
    let cmp = compared.map_err(|e| {
        if s.designs.len() < 2 {
            Failure::Input(format!("{}: {e:#}", args.scenario.scenario.display()))
        } else {
            Failure::Run(e)
        }
    })?;
    drop(shown);
    let text = args.format == super::Format::Text;
    if text {
        say!(
            "{} · {} designs × {} replications (paired seeds)",
            s.name,
            cmp.designs.len(),
            args.replications
        );
        for d in &cmp.designs {
            if !d.design.description.is_empty() {
                say!("  {}: {}", d.design.name, d.design.description);
            }
        }
        say!("{}", cmp.table().trim_end());
    }
    let csv = cmp.write_csv(&out)?;
    let [png, svg] = cmp.chart(&out, "compare")?;
    journal.complete()?;
    let mut files = vec![csv, png, svg];
    if text {
        say!(
            "wrote {}, {}, {}",
            files[0].display(),
            files[1].display(),
            files[2].display()
        );
    }
    let trending = super::trend::of_comparison(&cmp);
    // Designs may warm up for their own sessions: a suggestion sized from
    // the longest warm-up is long enough for each.
    let longest = runs.iter().map(|(_, r)| r).max_by_key(|r| r.warmup);
    super::trend::warn(longest.unwrap_or(&s), &trending);
    if let Some(report) = &report {
        let shown = crate::guard::progress::start("report");
        write_report(&args, &s, &base, &cmp, stop, report, &trending)?;
        drop(shown);
        if text {
            say!("wrote {}", report.page.display());
        }
        files.push(report.page.clone());
    }
    if !text {
        super::print_json(&compare_json(&s, &cmp, args.replications, &files));
    }
    Ok(())
}

/// The JSON document of `compare --format json` (schema
/// `pnrpsim.compare/1`, docs/reference/json.md).
fn compare_json(
    s: &Scenario,
    cmp: &Comparison,
    replications: u32,
    files: &[PathBuf],
) -> serde_json::Value {
    use super::json_ci;
    let estimate = |e: Option<crate::sweep::stats::SampleMean>| match e {
        Some(e) => serde_json::json!({"mean": e.mean, "ci95": json_ci(e.ci95), "n": e.n}),
        None => serde_json::Value::Null,
    };
    let designs: Vec<serde_json::Value> = cmp
        .designs
        .iter()
        .enumerate()
        .map(|(d, runs)| {
            let mut metrics = serde_json::Map::new();
            let mut ratios = serde_json::Map::new();
            for m in &cmp.metrics {
                metrics.insert((*m).to_owned(), estimate(cmp.estimate(d, m)));
                ratios.insert((*m).to_owned(), estimate(cmp.ratio(d, m)));
            }
            serde_json::json!({
                "name": runs.design.name,
                "description": runs.design.description,
                "set": runs.design.set,
                "metrics": metrics,
                "ratio_to_first": ratios,
            })
        })
        .collect();
    let units: serde_json::Map<String, serde_json::Value> = cmp
        .metrics
        .iter()
        .filter_map(|m| crate::metrics::catalog::find(m).map(|c| ((*m).to_owned(), c.unit.into())))
        .collect();
    serde_json::json!({
        "schema": "pnrpsim.compare/1",
        "scenario": s.name,
        "replications": replications,
        "designs": designs,
        "units": units,
        "files": files.iter().map(|f| f.display().to_string()).collect::<Vec<_>>(),
    })
}

/// The comparison of the designs of `s` on the scenario table `table`
/// (the scenario itself, or a sensitivity variant of it).
fn compare_at(
    s: &Scenario,
    table: &toml::Table,
    replications: u32,
    threads: usize,
    stop: &AtomicBool,
    journal: Option<&StudyJournal>,
) -> anyhow::Result<Comparison> {
    let make = |d: &crate::scenario::Design| {
        let sets: Vec<_> = d.set.iter().map(|(k, v)| (k.clone(), v.clone())).collect();
        scenario_with(table, &sets)
    };
    compare(
        s,
        make,
        replications,
        threads,
        super::stats::checked_run,
        stop,
        journal,
    )
}

fn write_report(
    args: &CompareArgs,
    s: &Scenario,
    base: &toml::Table,
    cmp: &Comparison,
    stop: &AtomicBool,
    report: &ReportPath,
    trending: &[(String, Vec<crate::metrics::stationarity::Trend>)],
) -> anyhow::Result<()> {
    use crate::page::compare as page;
    let (hi, lo) = page::extremes(cmp);
    let threads = args.threads.unwrap_or(0);
    let sensitivity = Sensitivity::compute(
        format!(
            "ratio `{}` ÷ `{}`, mean upload per host",
            cmp.designs[hi].design.name, cmp.designs[lo].design.name
        ),
        format!(
            "Each row is simulated: the whole comparison again ({} designs × {} paired replications) on the changed scenario.",
            cmp.designs.len(),
            args.replications
        ),
        s,
        base,
        page::row(cmp, hi, lo),
        |_, table| {
            let c = compare_at(s, table, args.replications, threads, stop, None)?;
            Ok(page::row(&c, hi, lo))
        },
    )?;
    let [png, _] = cmp.chart(report.dir(), &report.chart_stem("compare"))?;
    let charts = vec![(
        "Upload per host by design: mean, p95 and each reason that costs anything (mean over replications, 95 % CI)".to_owned(),
        png,
    )];
    let text = std::fs::read_to_string(&args.scenario.scenario)?;
    let prov = Provenance::new(&text, &args.scenario.sets);
    let mut page = page::page(s, cmp, args.replications, &prov, charts, sensitivity);
    page.caveats.extend(super::trend::caveats(trending));
    page.write(report)
}
