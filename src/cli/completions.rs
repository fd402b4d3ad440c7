//! `iss completions SHELL`: generated from the command line's own
//! definition (`clap_complete`), so they never drift from it.

use super::EXIT_OK;
use super::args::{Cli, CompletionShell, CompletionsArgs};
use clap::CommandFactory;
use std::io::Write;

/// Run `iss completions SHELL`.
pub fn run(args: &CompletionsArgs) -> anyhow::Result<u8> {
    use clap_complete::Shell;
    let shell = match args.shell {
        CompletionShell::Bash => Shell::Bash,
        CompletionShell::Zsh => Shell::Zsh,
        CompletionShell::Fish => Shell::Fish,
    };
    let mut out = super::output::stdout();
    clap_complete::generate(shell, &mut Cli::command(), "iss", &mut out);
    out.flush()?;
    Ok(EXIT_OK)
}
