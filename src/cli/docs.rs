//! `iss completions SHELL` and `iss man DIR`: generated from the command
//! line's own definition (`clap_complete`, `clap_mangen`), so they never
//! drift from it.

use super::EXIT_OK;
use super::args::{Cli, CompletionShell, CompletionsArgs, ManArgs};
use anyhow::Context;
use clap::CommandFactory;
use std::io::Write;

/// Run `iss completions SHELL`.
pub fn completions(args: &CompletionsArgs) -> anyhow::Result<u8> {
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

/// Run `iss man DIR`: `iss.1` and `iss-COMMAND.1` for each command.
pub fn man(args: &ManArgs) -> anyhow::Result<u8> {
    std::fs::create_dir_all(&args.dir)
        .with_context(|| format!("creating {}", args.dir.display()))?;
    clap_mangen::generate_to(Cli::command(), &args.dir)
        .with_context(|| format!("writing the manual pages into {}", args.dir.display()))?;
    let mut out = super::output::stdout();
    writeln!(out, "manual pages written to {}", args.dir.display())?;
    Ok(EXIT_OK)
}
