//! `pnrpsim init`: writes a commented scenario to start from.
//!
//! A newcomer's first scenario is easier to adapt than to write: each
//! template answers one kind of question (a first run, a budget, two
//! designs, a CI check, a cluster sweep) and says in its comments which
//! command asks it.

use super::Failure;
use crate::outputs::atomic::write_atomic;
use crate::scenario::validate::folder_name_problem;
use clap::{Args, ValueEnum};
use std::path::PathBuf;

/// The templates, in the order `--help` lists them.
#[derive(Clone, Copy, Debug, PartialEq, Eq, ValueEnum)]
pub enum Template {
    /// A first run: 1 000 hosts, 2 names each, churn, 1 h.
    Quickstart,
    /// A budget question for `pnrpsim size`.
    Sizing,
    /// Two `[[design]]` variants for `pnrpsim compare`.
    Compare,
    /// A regression check with `[[expect]]` entries for `pnrpsim check`.
    Ci,
    /// A `[sweep]` to split over a Slurm or Kubernetes cluster.
    Cluster,
}

impl Template {
    /// The template's text, with `{file}` and `{name}` still to fill in.
    fn text(self) -> &'static str {
        match self {
            Template::Quickstart => include_str!("../../templates/quickstart.toml"),
            Template::Sizing => include_str!("../../templates/sizing.toml"),
            Template::Compare => include_str!("../../templates/compare.toml"),
            Template::Ci => include_str!("../../templates/ci.toml"),
            Template::Cluster => include_str!("../../templates/cluster.toml"),
        }
    }

    fn default_name(self) -> &'static str {
        match self {
            Template::Quickstart => "quickstart",
            Template::Sizing => "sizing",
            Template::Compare => "compare",
            Template::Ci => "ci",
            Template::Cluster => "cluster",
        }
    }
}

#[derive(Args, Debug)]
pub struct InitArgs {
    /// Which question the scenario starts from.
    #[arg(value_enum)]
    pub template: Template,
    /// Scenario name: the file is NAME.toml, and its outputs go to
    /// output/NAME/ [default: the template's name].
    pub name: Option<String>,
    /// Folder to write the file into.
    #[arg(long, value_name = "DIR", default_value = ".")]
    pub dir: PathBuf,
    /// Replace an existing file of that name.
    #[arg(long)]
    pub force: bool,
}

pub fn run(args: InitArgs) -> Result<(), Failure> {
    let name = args.name.as_deref().unwrap_or(args.template.default_name());
    if let Some(problem) = folder_name_problem(name) {
        return Err(Failure::Input(format!("NAME: {problem}")));
    }
    if !args.dir.is_dir() {
        return Err(Failure::Input(format!(
            "--dir {}: no such folder",
            args.dir.display()
        )));
    }
    let file = format!("{name}.toml");
    // `./x.toml` reads worse than `x.toml` in the commands we print.
    let path = if args.dir == std::path::Path::new(".") {
        PathBuf::from(file)
    } else {
        args.dir.join(file)
    };
    if path.exists() && !args.force {
        return Err(Failure::Input(format!(
            "{} exists already: choose another NAME, or add --force to replace it",
            path.display()
        )));
    }
    let text = args
        .template
        .text()
        .replace("{file}", &path.display().to_string())
        .replace("{name}", name);
    write_atomic(&path, |w| w.write_all(text.as_bytes()))
        .map_err(|e| Failure::Run(anyhow::anyhow!("cannot write {}: {e}", path.display())))?;
    say!("wrote {}", path.display());
    say!("next: pnrpsim validate {}", path.display());
    Ok(())
}
