//! `pnrpsim completions` and `pnrpsim man`: shell completions and a man
//! page generated from the same clap definitions as `--help`, so they can
//! never describe options the command does not have.

use super::{Cli, Failure};
use clap::{Args, CommandFactory};
use clap_complete::Shell;
use std::io::Write as _;

#[derive(Args, Debug)]
pub struct CompletionsArgs {
    /// The shell to complete for.
    #[arg(value_enum)]
    pub shell: Shell,
}

#[derive(Args, Debug)]
pub struct ManArgs {}

pub fn completions(args: CompletionsArgs) -> Result<(), Failure> {
    let mut command = Cli::command();
    let mut out = Vec::new();
    clap_complete::generate(args.shell, &mut command, "pnrpsim", &mut out);
    emit(&out)
}

/// The man page of `pnrpsim` with a section per command, in roff.
pub fn man(_: ManArgs) -> Result<(), Failure> {
    let command = Cli::command();
    let mut out = Vec::new();
    clap_mangen::Man::new(command.clone())
        .render(&mut out)
        .map_err(|e| Failure::Run(e.into()))?;
    for sub in command.get_subcommands().filter(|c| !c.is_hide_set()) {
        let name = format!("pnrpsim-{}", sub.get_name());
        let page = sub.clone().name(name.clone()).bin_name(name);
        clap_mangen::Man::new(page)
            .title("pnrpsim")
            .render(&mut out)
            .map_err(|e| Failure::Run(e.into()))?;
    }
    emit(&out)
}

/// Writes generated text to stdout; a closed pipe is an output failure.
fn emit(bytes: &[u8]) -> Result<(), Failure> {
    std::io::stdout()
        .lock()
        .write_all(bytes)
        .map_err(|e| Failure::Run(anyhow::anyhow!("cannot write to stdout: {e}")))
}
