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
    let base = toml::Table::try_from(&s).map_err(|e| Failure::Run(e.into()))?;
    let runs = super::stats::runs_of(&s).map_err(|e| {
        let origin = super::stats::origin_of(&args.scenario.scenario, &args.scenario.sets, &e);
        Failure::Input(format!("{origin}: {e}"))
    })?;
    super::stats::check_all(&runs)?;
    let stop = interrupt_flag()?;
    let threads = args.threads.unwrap_or(0);
    let id = Identity::of_study(&s, "compare").map_err(Failure::Run)?;
    let journal = StudyJournal::open(&out, JOURNAL_FILE, &id, args.resume, "comparison")
        .map_err(|e| Failure::Input(format!("{e:#}")))?;
    let compared = compare_at(&s, &base, args.replications, threads, stop, Some(&journal));
    if let Some(note) = journal.note() {
        say!("{note}");
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
    let csv = cmp.write_csv(&out)?;
    let [png, svg] = cmp.chart(&out, "compare")?;
    journal.complete()?;
    say!(
        "wrote {}, {}, {}",
        csv.display(),
        png.display(),
        svg.display()
    );
    let trending = super::trend::of_comparison(&cmp);
    super::trend::warn(&s, &trending);
    if let Some(report) = report {
        write_report(&args, &s, &base, &cmp, stop, &report, &trending)?;
        say!("wrote {}", report.page.display());
    }
    Ok(())
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
