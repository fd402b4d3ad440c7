//! `iss man DIR`: the manual pages, generated from the command line's own
//! definition (`clap_mangen`), so they never drift from it.

use super::EXIT_OK;
use super::args::{Cli, ManArgs};
use anyhow::Context;
use clap::CommandFactory;
use std::io::Write;

/// Run `iss man DIR`: `iss.1` and `iss-COMMAND.1` for each command.
pub fn run(args: &ManArgs) -> anyhow::Result<u8> {
    std::fs::create_dir_all(&args.dir)
        .with_context(|| format!("creating {}", args.dir.display()))?;
    clap_mangen::generate_to(Cli::command(), &args.dir)
        .with_context(|| format!("writing the manual pages into {}", args.dir.display()))?;
    let mut out = super::output::stdout();
    writeln!(out, "manual pages written to {}", args.dir.display())?;
    Ok(EXIT_OK)
}
