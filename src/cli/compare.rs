//! `pnrpsim compare`: the scenario's `[[design]]` variants side by side.

use super::Failure;
use super::run::ScenarioArgs;
use crate::design::compare;
use crate::scenario::load::{load_file, scenario_with};
use crate::sweep::interrupt_flag;
use clap::Args;
use std::path::PathBuf;

#[derive(Args, Debug)]
pub struct CompareArgs {
    #[command(flatten)]
    pub scenario: ScenarioArgs,
    /// Runs per design; the confidence intervals come from these.
    #[arg(long, default_value_t = 5, value_parser = clap::value_parser!(u32).range(2..))]
    pub replications: u32,
    /// Worker threads [default: one per core]. Results do not depend on it.
    #[arg(long, value_name = "N")]
    pub threads: Option<usize>,
    /// Output directory [default: output/<scenario name>/].
    #[arg(long, value_name = "DIR")]
    pub out: Option<PathBuf>,
}

pub fn run(args: CompareArgs) -> Result<(), Failure> {
    let s = load_file(&args.scenario.scenario, &args.scenario.sets)
        .map_err(|e| Failure::Input(e.to_string()))?;
    let out = crate::report::output_dir(args.out, &s.name)
        .and_then(|out| crate::report::prepare_output_dir(&out, 0).map(|()| out))
        .map_err(|e| Failure::Input(format!("{e:#}")))?;
    let base = toml::Table::try_from(&s).map_err(|e| Failure::Run(e.into()))?;
    let make = |d: &crate::scenario::Design| {
        let sets: Vec<_> = d.set.iter().map(|(k, v)| (k.clone(), v.clone())).collect();
        scenario_with(&base, &sets)
    };
    let stop = interrupt_flag()?;
    let threads = args.threads.unwrap_or(0);
    let cmp =
        compare(&s, make, args.replications, threads, crate::sim::run, stop).map_err(|e| {
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
    let [png, svg] = cmp.chart(&out)?;
    say!(
        "wrote {}, {}, {}",
        csv.display(),
        png.display(),
        svg.display()
    );
    Ok(())
}
