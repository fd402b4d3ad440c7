//! The scriptable command line: `iss <command> ... [--json]`; with no
//! command (`iss [PATH]`, or `iss tui PATH`), the terminal workstation.
//!
//! Exit codes are part of the interface: 0 clean, 1 a violation was found,
//! 2 usage or I/O error (the command could not do its job).
//!
//! May import every other layer (it is the top: arguments in, exit status
//! out). It is not where a ledger's format is decided or its files are
//! written: a command opens a [`crate::ledger::open::Ledger`] and prints
//! what it answers.

mod append;
mod args;
mod audit;
mod checkpoint;
mod clock;
mod completions;
mod descriptor_input;
mod export;
mod find;
mod health;
mod init;
mod input;
mod key;
mod man;
mod migrate;
mod native;
mod output;
mod protect;
mod prove;
mod publish;
mod pulses;
mod reference;
mod refs;
mod refusal;
mod repair;
mod report;
mod sample;
mod serve;
mod show;
mod timestamp;
mod trust;
mod tui;
mod tui_fleet;
mod tui_remote;
mod usage;
mod verify;
mod verify_human;
mod watch;
mod watch_fleet;
mod watch_verdict;
mod witness;

use clap::Parser;
use std::io::{self, Write};
use std::process::ExitCode;

pub use args::{Cli, Command, TuiArgs};

/// Exit status: the command ran and found nothing wrong.
pub const EXIT_OK: u8 = 0;
/// Exit status: the command ran and found a violation.
pub const EXIT_VIOLATION: u8 = 1;
/// Exit status: usage error, or the command could not read what it needed.
pub const EXIT_ERROR: u8 = 2;

/// Entry point of the `iss` binary.
pub fn main() -> ExitCode {
    let argv: Vec<std::ffi::OsString> = std::env::args_os().collect();
    let cli = match Cli::try_parse_from(&argv) {
        Ok(cli) if cli.command.is_some() => cli,
        // `iss WORD`: a path to open, unless WORD is no path and a mistyped
        // command (then clap's suggestion, exit 2).
        parsed => match (usage::mistyped_subcommand(&argv), parsed) {
            (Some(e), _) | (None, Err(e)) => e.exit(),
            (None, Ok(cli)) => cli,
        },
    };
    // A test build run with a fault plan says so, and refuses a plan it
    // cannot read (a typo must not silently test nothing). Release builds
    // have no fault injection (see `ledger::append::fault`).
    #[cfg(debug_assertions)]
    match crate::ledger::append::fault::check_env() {
        Ok(None) => {}
        Ok(Some(banner)) => {
            let _ = writeln!(io::stderr(), "{banner}");
        }
        Err(e) => {
            let _ = writeln!(io::stderr(), "iss: error: {e}");
            return ExitCode::from(EXIT_ERROR);
        }
    }
    match run(cli) {
        Ok(code) => ExitCode::from(code),
        Err(e) if is_broken_pipe(&e) => ExitCode::from(EXIT_OK),
        Err(e) => {
            let _ = writeln!(io::stderr(), "iss: error: {}", error_text(&e));
            ExitCode::from(EXIT_ERROR)
        }
    }
}

/// An error and its causes on one line, `outer: cause: …`, each cause once:
/// an error type that already prints its source (`{path}: {source}`) is not
/// followed by that source again.
fn error_text(e: &anyhow::Error) -> String {
    let mut text = String::new();
    for cause in e.chain() {
        let part = cause.to_string();
        if text.contains(&part) {
            continue;
        }
        if !text.is_empty() {
            text.push_str(": ");
        }
        text.push_str(&part);
    }
    text
}

/// The exit status of a verification's verdict: 0 clean, 1 violated, 2
/// incomplete (a file could not be read: no verdict on it).
pub fn verdict_exit(status: crate::ledger::model::report::LedgerStatus) -> u8 {
    use crate::ledger::model::report::LedgerStatus;
    match status {
        LedgerStatus::Clean => EXIT_OK,
        LedgerStatus::Violated => EXIT_VIOLATION,
        LedgerStatus::Incomplete => EXIT_ERROR,
    }
}

/// Run a parsed command line; return the exit status.
pub fn run(cli: Cli) -> anyhow::Result<u8> {
    input::prepare(&cli)?;
    match cli.command {
        Some(Command::Verify(args)) => verify::run(&args),
        Some(Command::Sample(args)) => sample::run(&args),
        Some(Command::Serve(args)) => serve::run(&args),
        Some(Command::Completions(args)) => completions::run(&args),
        Some(Command::Man(args)) => man::run(&args),
        Some(Command::Report(args)) => report::run(&args),
        Some(Command::Pulses(args)) => pulses::run(&args),
        Some(Command::Health(args)) => health::run(&args),
        Some(Command::Refs(args)) => refs::run(&args),
        Some(Command::Export(args)) => export::run(&args),
        Some(Command::Show(args)) => show::run(&args),
        Some(Command::Find(args)) => find::run(&args),
        Some(Command::Audit(args)) => audit::run(&args),
        Some(Command::Append(args)) => append::run(&args),
        Some(Command::Watch(args)) => watch::run(&args),
        Some(Command::Repair(args)) => repair::run(&args),
        Some(Command::Init(args)) => init::run(&args),
        Some(Command::Checkpoint(args)) => checkpoint::checkpoint_cmd(&args),
        Some(Command::Key(args)) => key::key_cmd(&args),
        Some(Command::Witness(args)) => witness::run(&args),
        Some(Command::Prove(args)) => prove::run(&args),
        Some(Command::Migrate(args)) => migrate::run(&args),
        Some(Command::Protect(args)) => protect::run(&args),
        Some(Command::Publish(args)) => publish::run(&args),
        Some(Command::Tui(args)) => tui::run(args),
        None => tui::run(cli.tui),
    }
}

/// `head` closing the pipe is not an error worth a message. Standard
/// output already ends quietly ([`output::QuietPipe`]); this catches the
/// rest. `serde_json` wraps the I/O error and its `source()` skips it, so
/// its kind is asked for explicitly.
fn is_broken_pipe(e: &anyhow::Error) -> bool {
    e.chain().any(|c| {
        let kind = c
            .downcast_ref::<io::Error>()
            .map(io::Error::kind)
            .or_else(|| {
                c.downcast_ref::<serde_json::Error>()
                    .and_then(serde_json::Error::io_error_kind)
            });
        kind == Some(io::ErrorKind::BrokenPipe)
    })
}
