//! `pnrpsim size`: how many names per host fit a bandwidth budget, or what
//! budget a given number of names needs.

use super::Failure;
use super::run::ScenarioArgs;
use crate::scenario::load::{load_file, scenario_with};
use crate::scenario::units::parse_rate;
use crate::size::{Evaluation, Evaluator, Search, Statistic, largest_within};
use crate::sweep::interrupt_flag;
use clap::Args;

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
    /// Replications per evaluated value (more are added until settled).
    #[arg(long, default_value_t = 5, value_parser = clap::value_parser!(u32).range(2..))]
    pub replications: u32,
    /// Most replications spent on one value.
    #[arg(long, default_value_t = 20)]
    pub max_replications: u32,
    /// Largest axis value the search may try.
    #[arg(long, default_value_t = 1024)]
    pub max_value: i64,
    /// Worker threads [default: one per core].
    #[arg(long, value_name = "N")]
    pub threads: Option<usize>,
}

fn kbit(bytes_per_s: f64) -> String {
    format!(
        "{:.2} kbit/s ({bytes_per_s:.1} B/s)",
        bytes_per_s * 8.0 / 1000.0
    )
}

fn describe(e: &Evaluation, stat: &str) -> String {
    let ci = e.estimate.ci95.map_or(String::new(), |(lo, hi)| {
        format!(", 95% CI {:.1}–{:.1} B/s", lo, hi)
    });
    format!(
        "{} at {stat}{ci}, {} runs",
        kbit(e.estimate.mean),
        e.estimate.n
    )
}

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
    if !crate::scenario::load::parameter_paths().contains(&args.axis) {
        return Err(input(format!("--axis: unknown parameter `{}`", args.axis)));
    }
    let base = toml::Table::try_from(&s).map_err(|e| Failure::Run(e.into()))?;
    let search = Search {
        axis: args.axis.clone(),
        statistic: args.metric,
        budget,
        replications: args.replications,
        max_replications: args.max_replications.max(args.replications),
        threads: args.threads.unwrap_or(0),
        max_value: args.max_value.max(1),
    };
    let make = |v: i64| scenario_with(&base, &[(args.axis.clone(), toml::Value::Integer(v))]);
    let stop = interrupt_flag()?;
    let mut ev = Evaluator::new(&search, &s, make, crate::sim::run, stop);
    let stat = args.metric.name();

    if let Some(n) = args.names {
        let e = ev.evaluate(n).map_err(|e| input(format!("{e:#}")))?;
        say!("{} · {} = {n}", s.name, args.axis);
        say!("a host needs {}", describe(&e, stat));
        return Ok(());
    }

    let answer = largest_within(&mut ev, 1).map_err(|e| input(format!("{e:#}")))?;
    say!(
        "{} · budget {} per host at {stat} · axis {}",
        s.name,
        kbit(budget),
        args.axis
    );
    match (&answer.within, &answer.over) {
        (None, Some(over)) => {
            return Err(input(format!(
                "even {} = {} costs {} — over the budget of {}",
                args.axis,
                over.value,
                describe(over, stat),
                kbit(budget)
            )));
        }
        (Some(w), Some(o)) => {
            say!("answer: {} = {}", args.axis, w.value);
            say!(
                "  {} = {} stays within budget at 95% confidence: {}; margin {:.1} B/s",
                args.axis,
                w.value,
                describe(w, stat),
                budget - w.estimate.mean
            );
            say!(
                "  {} = {} exceeds it at 95% confidence: {}; over by {:.1} B/s",
                args.axis,
                o.value,
                describe(o, stat),
                o.estimate.mean - budget
            );
        }
        (Some(w), None) => {
            say!(
                "answer: at least {} = {} (the largest value tried) — {}",
                args.axis,
                w.value,
                describe(w, stat)
            );
        }
        (None, None) => unreachable!("the search evaluates at least one value"),
    }
    say!("{} simulation runs", answer.runs);
    Ok(())
}
