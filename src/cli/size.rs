//! `pnrpsim size`: how many names per host fit a bandwidth budget, or what
//! budget a given number of names needs.

use super::Failure;
use super::run::ScenarioArgs;
use crate::page::sensitivity::{Answer as Row, Sensitivity};
use crate::page::size::{describe, short_answer};
use crate::page::{ReportPath, kbit};
use crate::scenario::Scenario;
use crate::scenario::load::load_file;
use crate::scenario::overrides::scenario_with;
use crate::scenario::provenance::Provenance;
use crate::scenario::units::parse_rate;
use crate::size::{Evaluator, Search, Start, Statistic, analytic_start, largest_within};
use crate::sweep::interrupt_flag;
use crate::sweep::journal::{Identity, StudyJournal};
use clap::Args;
use std::path::PathBuf;
use std::sync::atomic::{AtomicBool, Ordering};

#[derive(Args, Debug)]
pub struct SizeArgs {
    #[command(flatten)]
    pub scenario: ScenarioArgs,
    /// Per-host upload budget with a unit, e.g. `2kbit/s` or `500B/s`.
    #[arg(long, required_unless_present = "names")]
    pub budget: Option<String>,
    /// The inverse question: what budget does a host with this many names
    /// (this axis value) need?
    #[arg(long, value_name = "N", conflicts_with = "budget")]
    pub names: Option<i64>,
    /// Per-host statistic that must fit the budget.
    #[arg(long, value_enum, default_value_t = Statistic::P95)]
    pub metric: Statistic,
    /// Integer scenario parameter to size.
    #[arg(long, default_value = "hosts.names_per_host")]
    pub axis: String,
    /// Replications of a value's first look; it is looked at again each
    /// time its runs double, until its 95 % interval clears the budget
    /// (docs/guide/sizing.md#how-size-decides).
    #[arg(long, default_value_t = 4, value_parser = clap::value_parser!(u32).range(2..))]
    pub replications: u32,
    /// Most replications spent on one value (its last look).
    #[arg(long, default_value_t = 20)]
    pub max_replications: u32,
    /// Largest axis value the search may try.
    #[arg(long, default_value_t = 1024)]
    pub max_value: i64,
    /// Most simulation runs one search may start. When they are spent (or
    /// a value cannot be settled) the answer is the bracket the settled
    /// values support, e.g. "between 10 and 12", and the report is still
    /// written. Each sensitivity row of --report is a search of its own.
    #[arg(long, value_name = "N", default_value_t = 200)]
    pub max_runs: usize,
    /// `json` prints one JSON document (the answer or its bracket, every
    /// value evaluated with its 95 % interval; docs/reference/json.md)
    /// instead of the sentences.
    #[arg(long, value_enum, default_value_t = super::Format::Text)]
    pub format: super::Format,
    /// Worker threads [default: one per core].
    /// 0 means one per core; at most 256.
    #[arg(long, value_name = "N", value_parser = crate::sweep::exec::parse_threads)]
    pub threads: Option<usize>,
    /// Also write a one-page Markdown report (question, answer, charts,
    /// parameters with their provenance, method, caveats) to FILE.md, with
    /// its charts beside it. It repeats the search with churn session mean,
    /// refresh interval and cloud size halved and doubled (six more
    /// searches) for its sensitivity table.
    #[arg(long, value_name = "FILE.md")]
    pub report: Option<PathBuf>,
    /// Where the search keeps its journal of finished runs,
    /// size-journal.log, for --resume [default: output/<scenario name>/].
    #[arg(long, value_name = "DIR")]
    pub out: Option<PathBuf>,
    /// Continue a search stopped by Ctrl-C or a kill: take the runs its
    /// journal holds and run only the others, for the same answer (same
    /// scenario, --set options, --axis and pnrpsim version, or refused).
    #[arg(long)]
    pub resume: bool,
}

/// The journal of `size`'s finished runs, in its output directory.
pub const JOURNAL_FILE: &str = "size-journal.log";

pub fn run(args: SizeArgs) -> Result<(), Failure> {
    let input = |m: String| Failure::Input(m);
    let s = load_file(&args.scenario.scenario, &args.scenario.sets)
        .map_err(|e| input(e.to_string()))?;
    let budget = match &args.budget {
        Some(b) => {
            parse_rate(b)
                .map_err(|e| input(format!("--budget: {e}")))?
                .0
        }
        None => 0.0,
    };
    if !crate::scenario::overrides::parameter_paths().contains(&args.axis) {
        return Err(input(format!("--axis: unknown parameter `{}`", args.axis)));
    }
    let base = crate::scenario::overrides::point_base(&s).map_err(|e| Failure::Run(e.into()))?;
    // The search steps the axis by whole numbers: a rate or a probability
    // would only be truncated, and a duration written back without a unit.
    let mut at = Some(&base);
    let mut value = None;
    for part in args.axis.split('.') {
        value = at.and_then(|t| t.get(part));
        at = value.and_then(toml::Value::as_table);
    }
    if let Some(v) = value.filter(|v| !v.is_integer()) {
        return Err(input(format!(
            "--axis {}: the axis must be a whole-number parameter such as `hosts.names_per_host` or `hosts.count` (this one is {})",
            args.axis,
            match v {
                toml::Value::Float(_) => "a fraction",
                toml::Value::String(_) => "a quantity with a unit",
                toml::Value::Boolean(_) => "true or false",
                _ => "a table or list",
            }
        )));
    }
    if args.max_runs < args.replications as usize {
        return Err(input(format!(
            "--max-runs {} is below --replications {}: the search could not evaluate a single value",
            args.max_runs, args.replications
        )));
    }
    if args.max_replications < args.replications {
        return Err(input(format!(
            "--max-replications {} is below --replications {}: the most replications per value cannot be fewer than the first ones",
            args.max_replications, args.replications
        )));
    }
    let search = Search {
        axis: args.axis.clone(),
        statistic: args.metric,
        budget,
        replications: args.replications,
        max_replications: args.max_replications,
        threads: args.threads.unwrap_or(0),
        max_value: args.max_value.max(1),
        max_runs: args.max_runs,
    };
    // Checked before any run: a bad path fails fast and writes nothing.
    let report = ReportPath::from_arg(args.report.as_deref()).map_err(input)?;
    let out = crate::outputs::output_dir(args.out.clone(), &s.name)
        .and_then(|out| crate::outputs::prepare_output_dir(&out, 1 << 20).map(|()| out))
        .map_err(|e| input(format!("{e:#}")))?;
    // The study names its seeds: a journal of the search before common
    // seeds across values is refused rather than mixed in.
    let id = Identity::of_study(&s, &format!("size --axis {} (common seeds)", args.axis))
        .map_err(Failure::Run)?;
    let journal = StudyJournal::open(&out, JOURNAL_FILE, &id, args.resume, "size search")
        .map_err(|e| input(format!("{e:#}")))?;
    let stop = interrupt_flag()?;
    let stat = args.metric.name();
    let first = scenario_with(
        &base,
        &[(
            args.axis.clone(),
            toml::Value::Integer(args.names.unwrap_or(1)),
        )],
    )
    .map_err(|e| input(format!("{} = 1: {e}", args.axis)))?;
    // A first run too big for the machine is refused before the plan.
    super::stats::check_memory(
        &first,
        &format!(
            "a run of `{}` ({} hosts × {} names)",
            first.name, first.hosts.count, first.hosts.names_per_host
        ),
    )
    .map_err(|e| {
        input(format!(
            "{} = {}: {}",
            args.axis,
            args.names.unwrap_or(1),
            e.0
        ))
    })?;
    let per_run = crate::guard::cost::cpu_seconds(&first);
    let plan = match args.names {
        Some(n) => format!(
            "plan: {} at {} = {n}, {}",
            crate::guard::cost::count(u64::from(args.replications), "run"),
            args.axis,
            crate::guard::cost::describe(
                per_run * f64::from(args.replications),
                u64::from(args.replications),
                crate::guard::cost::threads_of(search.threads)
            )
        ),
        None => format!(
            "plan: a search of {}, {}–{} replications per value, at most {} (--max-runs); a run at {} = 1 takes about {} of CPU time, more at larger values{}",
            args.axis,
            args.replications,
            args.max_replications,
            crate::guard::cost::count(args.max_runs as u64, "run"),
            args.axis,
            crate::guard::cost::human(per_run),
            if report.is_some() {
                "; the report repeats the search once per sensitivity row"
            } else {
                ""
            }
        ),
    };
    crate::guard::progress::note(&plan);
    let shown = crate::guard::progress::start("search");
    // A budget below the cheapest value or a non-monotone axis is bad
    // input; a failed run or Ctrl-C is not.
    let searched = search_once(&args, &search, &s, &base, stop, Some(&journal));
    if let Some(note) = journal.note() {
        eprintln!("{note}");
    }
    // Only an interruption leaves the journal open for --resume.
    if !stop.load(Ordering::SeqCst) {
        journal.complete()?;
    }
    let found = searched.map_err(|e| {
        if stop.load(Ordering::SeqCst) {
            Failure::Run(e)
        } else {
            input(format!("{e:#}"))
        }
    })?;
    drop(shown);
    super::trend::warn(&s, &found.trending);

    let text = args.format == super::Format::Text;
    if let Some(n) = args.names {
        let e = found.answer.evaluations.first().expect("one evaluation");
        if text {
            say!("{} · {} = {n}", s.name, args.axis);
            say!("a host needs {}", describe(e, stat));
        }
    } else {
        refuse_none(&search, &found.answer)?;
        if text {
            print_answer(&s, &search, &found.answer);
        }
    }
    if let Some(report) = &report {
        let shown = crate::guard::progress::start("report");
        let sensitivity = sensitivity(&args, &search, &s, &base, &found, stop)?;
        drop(shown);
        write_report(&args, &s, &search, &found, sensitivity, report)?;
        if text {
            say!("wrote {}", report.page.display());
        }
    }
    if !text {
        super::print_json(&size_json(
            &s,
            &search,
            args.names,
            &found.answer,
            report.as_ref().map(|r| r.page.as_path()),
        ));
    }
    Ok(())
}

/// A budget below the cost of the smallest value is bad input (exit 2).
fn refuse_none(search: &Search, answer: &crate::size::Answer) -> Result<(), Failure> {
    match (&answer.within, &answer.over) {
        (None, Some(over)) if over.value == 1 => Err(Failure::Input(format!(
            "even {} = {} costs {} — over the budget of {}",
            search.axis,
            over.value,
            describe(over, search.statistic.name()),
            kbit(search.budget)
        ))),
        _ => Ok(()),
    }
}

/// The JSON document of `size --format json` (schema `pnrpsim.size/1`,
/// docs/reference/json.md).
fn size_json(
    s: &Scenario,
    search: &Search,
    names: Option<i64>,
    answer: &crate::size::Answer,
    report: Option<&std::path::Path>,
) -> serde_json::Value {
    use super::json_ci;
    use crate::size::Verdict;
    let evaluation = |e: &crate::size::Evaluation| {
        serde_json::json!({
            "value": e.value,
            "runs": e.estimate.n,
            "mean_B_per_s": e.estimate.mean,
            "ci95_B_per_s": json_ci(e.estimate.ci95),
            "verdict": match e.verdict {
                Verdict::Within => "within",
                Verdict::Over => "over",
                Verdict::Unsettled => "unsettled",
            },
        })
    };
    let (lo, hi) = answer.bracket();
    let answer_json = match names {
        Some(_) => serde_json::Value::Null,
        None => serde_json::json!({
            "settled": answer.settled(),
            "value": answer.settled().then_some(lo),
            "bracket": [lo, hi],
            "stopped": answer.stopped,
        }),
    };
    serde_json::json!({
        "schema": "pnrpsim.size/1",
        "scenario": s.name,
        "axis": search.axis,
        "statistic": search.statistic.name(),
        "budget_B_per_s": names.is_none().then_some(search.budget),
        "names": names,
        "need": names.and_then(|_| answer.evaluations.first()).map(evaluation),
        "answer": answer_json,
        "within": answer.within.as_ref().map(evaluation),
        "over": answer.over.as_ref().map(evaluation),
        "evaluations": answer.evaluations.iter().map(evaluation).collect::<Vec<_>>(),
        "runs": answer.runs,
        "report": report.map(|p| p.display().to_string()),
    })
}

/// The answer again with each sensitive parameter halved and doubled: a
/// whole search (or evaluation, with `--names`) per row.
fn sensitivity(
    args: &SizeArgs,
    search: &Search,
    s: &Scenario,
    base: &toml::Table,
    found: &Found,
    stop: &AtomicBool,
) -> anyhow::Result<Sensitivity> {
    let stat = search.statistic.name();
    let base_row = found.row(search, args.names.is_some(), stat);
    let (what, how) = match args.names {
        Some(n) => (
            format!("upload per host at {stat} with {} = {n}", args.axis),
            format!(
                "Each row is simulated: {} replications of the changed scenario, with the seeds of the main answer.",
                args.replications
            ),
        ),
        None => (
            format!("largest {} within budget", args.axis),
            format!(
                "Each row is a complete simulated search on the changed scenario (analytic bracket, then pairs of neighbouring values with {}–{} replications each, settled at 95 % confidence), like the main answer.",
                search.replications, search.max_replications
            ),
        ),
    };
    Sensitivity::compute(what, how, s, base, base_row, |_, table| {
        match search_once(args, search, s, table, stop, None) {
            Ok(f) => Ok(f.row(search, args.names.is_some(), stat)),
            Err(_) if stop.load(Ordering::SeqCst) => anyhow::bail!("interrupted"),
            Err(e) => Ok(Row {
                text: format!("no answer: {e:#}"),
                number: None,
                ci: None,
            }),
        }
    })
}

/// One search (or, with `--names`, one evaluation) on a scenario table.
struct Found {
    answer: crate::size::Answer,
    start: Option<Start>,
    /// Its runs whose measured window still trends.
    trending: Vec<(String, Vec<crate::metrics::stationarity::Trend>)>,
}

impl Found {
    fn row(&self, search: &Search, names: bool, stat: &str) -> Row {
        match self.answer.evaluations.first() {
            Some(e) if names => Row {
                text: describe(e, stat),
                number: Some(e.estimate.mean),
                ci: e.estimate.ci95,
            },
            _ => short_answer(search, &self.answer),
        }
    }
}

fn search_once(
    args: &SizeArgs,
    search: &Search,
    s: &Scenario,
    table: &toml::Table,
    stop: &AtomicBool,
    journal: Option<&StudyJournal>,
) -> anyhow::Result<Found> {
    let make = |v: i64| scenario_with(table, &[(args.axis.clone(), toml::Value::Integer(v))]);
    let mut ev = Evaluator::new(search, s, make, super::stats::checked_run, stop);
    if let Some(j) = journal {
        ev = ev.with_journal(j);
    }
    if let Some(n) = args.names {
        let mut ev = ev.single_look();
        let e = ev.evaluate(n)?;
        let runs = ev.runs;
        return Ok(Found {
            answer: crate::size::Answer {
                within: None,
                over: None,
                evaluations: vec![e],
                runs,
                stopped: None,
            },
            start: None,
            trending: ev.trending,
        });
    }
    let start = analytic_start(&mut ev)?;
    Ok(Found {
        answer: largest_within(&mut ev, start.map_or(1, |s| s.value))?,
        start,
        trending: ev.trending,
    })
}

fn print_answer(s: &Scenario, search: &Search, answer: &crate::size::Answer) {
    let (axis, budget, stat) = (&search.axis, search.budget, search.statistic.name());
    say!(
        "{} · budget {} per host at {stat} · axis {axis}",
        s.name,
        kbit(budget),
    );
    match (&answer.within, &answer.over) {
        _ if !answer.settled() && answer.stopped.is_some() => {
            let (lo, hi) = answer.bracket();
            let why = answer.stopped.as_deref().unwrap_or_default();
            match hi {
                Some(hi) => {
                    say!("answer: {axis} between {lo} and {hi} (not settled to one value: {why})")
                }
                None => say!("answer: {axis} at least {lo} (not settled to one value: {why})"),
            }
            if let Some(w) = &answer.within {
                say!(
                    "  {axis} = {} stays within budget at 95% confidence: {}",
                    w.value,
                    describe(w, stat)
                );
            }
            if let Some(o) = &answer.over {
                say!(
                    "  {axis} = {} exceeds it at 95% confidence: {}",
                    o.value,
                    describe(o, stat)
                );
            }
            for e in answer.unsettled_inside() {
                say!(
                    "  {axis} = {} is not settled: {}",
                    e.value,
                    describe(e, stat)
                );
            }
        }
        (Some(w), Some(o)) => {
            say!("answer: {axis} = {}", w.value);
            say!(
                "  {axis} = {} stays within budget at 95% confidence: {}; margin {:.1} B/s",
                w.value,
                describe(w, stat),
                budget - w.estimate.mean
            );
            say!(
                "  {axis} = {} exceeds it at 95% confidence: {}; over by {:.1} B/s",
                o.value,
                describe(o, stat),
                o.estimate.mean - budget
            );
        }
        (Some(w), None) => {
            say!(
                "answer: at least {axis} = {} (the largest value tried) — {}",
                w.value,
                describe(w, stat)
            );
        }
        (None, _) => unreachable!("an unsettled search states why it stopped"),
    }
    say!("{} simulation runs", answer.runs);
}

fn write_report(
    args: &SizeArgs,
    s: &Scenario,
    search: &Search,
    found: &Found,
    sensitivity: Sensitivity,
    report: &ReportPath,
) -> anyhow::Result<()> {
    use crate::page::size as page;
    let text = std::fs::read_to_string(&args.scenario.scenario)?;
    let prov = Provenance::new(&text, &args.scenario.sets);
    let base = crate::scenario::overrides::point_base(s)?;
    let estimate_at = |v: i64| {
        scenario_with(&base, &[(args.axis.clone(), toml::Value::Integer(v))])
            .ok()
            .and_then(|p| page::analytic(&p))
    };
    let evaluations = &found.answer.evaluations;
    let chart = page::chart(
        report,
        s,
        search,
        evaluations,
        &estimate_at,
        found.start.and_then(|s| s.factor),
        args.names.is_none(),
    )?;
    let answer = match args.names {
        Some(n) => vec![
            format!(
                "**A host with {} = {n} needs {}.**",
                args.axis,
                describe(&evaluations[0], search.statistic.name())
            ),
            format!(
                "The analytic estimate of the mean per online host-second is {}.",
                estimate_at(n).map_or("undefined".to_owned(), kbit)
            ),
        ],
        None => page::answer_lines(search, &found.answer),
    };
    let mut p = page::page(
        s,
        page::question(s, search, args.names),
        answer,
        chart.into_iter().collect(),
        &prov,
        search,
        page::method(s, search, found.start, args.names.is_some()),
        sensitivity,
    );
    p.caveats.extend(super::trend::caveats(&found.trending));
    p.write(report)
}
