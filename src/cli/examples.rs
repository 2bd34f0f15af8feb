//! The Examples section of every command's `--help`, in one place so that
//! they read as a set and a test can run each of them.
//!
//! Every example line starts with `pnrpsim ` and names files that exist
//! in a checkout (or that an earlier example line writes), so that
//! `tests/cli_examples.rs` can check each parses.

pub const TOP: &str = "Examples:
  pnrpsim init quickstart                      # write a commented scenario
  pnrpsim run scenarios/quickstart.toml        # one run: summary and CSV tables
  pnrpsim size scenarios/sizing.toml --budget 2kbit/s
  pnrpsim <command> --help                     # options and examples of a command";

pub const RUN: &str = "Examples:
  pnrpsim run scenarios/quickstart.toml
  pnrpsim run scenarios/quickstart.toml --set hosts.count=5000 --seed 7 --out /tmp/q
  pnrpsim run scenarios/quickstart.toml --stats --max-wall 10min";

pub const VALIDATE: &str = "Examples:
  pnrpsim validate scenarios/quickstart.toml
  pnrpsim validate scenarios/quickstart.toml --set network.loss=0.05";

pub const SWEEP: &str = "Examples:
  pnrpsim sweep scenarios/names-per-host.toml --threads 2
  pnrpsim sweep scenarios/names-per-host.toml --resume
  pnrpsim sweep scenarios/names-per-host.toml --shard 0/4 --out /shared/study";

pub const MERGE: &str = "Examples:
  pnrpsim merge /shared/study";

pub const PLOT: &str = "Examples:
  pnrpsim plot output/names-per-host
  pnrpsim plot output/names-per-host/sweep.csv";

pub const CHECK: &str = "Examples:
  pnrpsim check scenarios/*.toml
  pnrpsim check scenarios/ --junit target/check-junit.xml
  pnrpsim check scenarios/quickstart.toml --bless";

pub const COMPARE: &str = "Examples:
  pnrpsim compare scenarios/picture-publishing.toml
  pnrpsim compare scenarios/picture-publishing.toml --report output/pictures/report.md";

pub const SIZE: &str = "Examples:
  pnrpsim size scenarios/sizing.toml --budget 2kbit/s
  pnrpsim size scenarios/sizing.toml --budget 250B/s --metric mean
  pnrpsim size scenarios/sizing.toml --names 8 --report output/sizing/report.md";

pub const INIT: &str = "Examples:
  pnrpsim init sizing my-design                # writes my-design.toml
  pnrpsim init ci --dir scenarios              # writes scenarios/ci.toml";

pub const COMPLETIONS: &str = "Examples:
  pnrpsim completions bash > ~/.local/share/bash-completion/completions/pnrpsim
  pnrpsim completions zsh > ~/.zfunc/_pnrpsim
  pnrpsim completions fish > ~/.config/fish/completions/pnrpsim.fish";

pub const MAN: &str = "Examples:
  pnrpsim man > pnrpsim.1 && man ./pnrpsim.1";

#[cfg(test)]
mod tests {
    use super::super::Cli;
    use clap::Parser;

    /// Every example line, reduced to the words the shell would give
    /// `pnrpsim` (comments, redirections and what follows `&&` dropped).
    fn example_commands() -> Vec<Vec<String>> {
        [
            super::TOP,
            super::RUN,
            super::VALIDATE,
            super::SWEEP,
            super::MERGE,
            super::PLOT,
            super::CHECK,
            super::COMPARE,
            super::SIZE,
            super::INIT,
            super::COMPLETIONS,
            super::MAN,
        ]
        .iter()
        .flat_map(|text| text.lines().skip(1))
        .map(|line| {
            let line = line.split('#').next().unwrap();
            let line = line.split(['>', '|', '&']).next().unwrap();
            line.split_whitespace()
                .map(str::to_owned)
                .collect::<Vec<_>>()
        })
        .filter(|words| !words.iter().any(|w| w.starts_with('<')))
        .collect()
    }

    #[test]
    fn every_help_example_parses_as_a_command() {
        let commands = example_commands();
        assert!(commands.len() >= 20, "{commands:?}");
        for words in commands {
            assert_eq!(words[0], "pnrpsim", "{words:?}");
            if let Err(e) = Cli::try_parse_from(&words) {
                panic!("`{}` does not parse: {e}", words.join(" "));
            }
        }
    }

    /// The help of every command ends with its examples.
    #[test]
    fn every_command_help_has_examples() {
        use clap::CommandFactory;
        let mut command = Cli::command();
        let top = command.render_long_help().to_string();
        assert!(top.contains("Examples:"), "{top}");
        for sub in Cli::command().get_subcommands_mut() {
            let help = sub.render_long_help().to_string();
            assert!(
                help.contains("Examples:\n  pnrpsim "),
                "`pnrpsim {} --help` has no examples",
                sub.get_name()
            );
        }
    }
}
