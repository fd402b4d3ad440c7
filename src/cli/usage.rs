//! Telling a mistyped command from a path: `iss [PATH]` opens the
//! workstation, so without this `iss verfy x` would be taken as a path and
//! open an empty workstation (or get a puzzling clap error about `x`).

use super::Cli;
use clap::error::{ContextKind, ContextValue, ErrorKind};
use clap::{CommandFactory, Error};
use std::ffi::OsString;
use std::path::Path;

/// Clap's own "unrecognized subcommand … tip: a similar subcommand exists"
/// error when the first word of `argv` (after the program name and any
/// options of the workstation) is not a command, not an existing path, and
/// close to a command's name; else `None` (a path, or a usage error of its
/// own).
pub fn mistyped_subcommand(argv: &[OsString]) -> Option<Error> {
    let full = Cli::command();
    // The same commands and workstation options, without `[PATH]`: clap then
    // judges the first word as a command, with its suggestion.
    let usage = full.clone().render_usage().to_string();
    let commands_only = clap::Command::new("iss")
        .bin_name("iss")
        .override_usage(usage.trim_start_matches("Usage: ").trim_end().to_owned())
        .subcommands(full.get_subcommands().cloned())
        .args(
            full.get_arguments()
                .filter(|a| !a.is_positional())
                .filter(|a| !matches!(a.get_id().as_str(), "help" | "version"))
                .cloned(),
        );
    let err = commands_only.try_get_matches_from(argv).err()?;
    if err.kind() != ErrorKind::InvalidSubcommand
        || err.get(ContextKind::SuggestedSubcommand).is_none()
    {
        return None;
    }
    let Some(ContextValue::String(word)) = err.get(ContextKind::InvalidSubcommand) else {
        return None;
    };
    if Path::new(word).exists() {
        return None;
    }
    Some(err)
}
