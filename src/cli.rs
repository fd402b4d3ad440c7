//! The scriptable command line: `iss <command> ... [--json]`; with no
//! command (`iss [PATH]`, or `iss tui PATH`), the terminal workstation.
//!
//! Exit codes are part of the interface: 0 clean, 1 a violation was found,
//! 2 usage or I/O error (the command could not do its job).

mod append;
mod append_pulse;
mod args;
mod audit;
mod health;
mod lookup;
mod native;
mod protect;
mod pulses;
mod report;
mod sample;
mod verify;
mod verify_human;
mod watch;
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
    let cli = Cli::parse();
    match run(cli) {
        Ok(code) => ExitCode::from(code),
        Err(e) if is_broken_pipe(&e) => ExitCode::from(EXIT_OK),
        Err(e) => {
            let _ = writeln!(io::stderr(), "iss: error: {e:#}");
            ExitCode::from(EXIT_ERROR)
        }
    }
}

/// Run a parsed command line; return the exit status.
pub fn run(cli: Cli) -> anyhow::Result<u8> {
    match cli.command {
        Some(Command::Verify(args)) => verify::run(&args),
        Some(Command::Sample(args)) => sample::run(&args),
        Some(Command::Report(args)) => report::run(&args),
        Some(Command::Pulses(args)) => pulses::run(&args),
        Some(Command::Health(args)) => health::run(&args),
        Some(Command::Refs(args)) => audit::refs(&args),
        Some(Command::Export(args)) => health::export(&args),
        Some(Command::Show(args)) => lookup::show(&args),
        Some(Command::Find(args)) => lookup::find_cmd(&args),
        Some(Command::Audit(args)) => audit::run(&args),
        Some(Command::Append(args)) => append::run(&args),
        Some(Command::Watch(args)) => watch::run(&args),
        Some(Command::Repair(args)) => append::repair(&args),
        Some(Command::Init(args)) => native::init_cmd(&args),
        Some(Command::Checkpoint(args)) => native::checkpoint_cmd(&args),
        Some(Command::Key(args)) => native::key_cmd(&args),
        Some(Command::Witness(args)) => witness::run(&args),
        Some(Command::Prove(args)) => native::prove_cmd(&args),
        Some(Command::Migrate(args)) => native::migrate_cmd(&args),
        Some(Command::Protect(args)) => protect::run(&args),
        Some(Command::Tui(args)) => tui(args),
        None => tui(cli.tui),
    }
}

/// The workstation; its exit status is 0 whatever the ledger holds (the
/// verdict is on screen; `iss verify` is the command whose status tells).
fn tui(args: TuiArgs) -> anyhow::Result<u8> {
    let path = args.path.unwrap_or_else(crate::tui::default_ledger);
    // Keys are read before the terminal is taken over, so a key that
    // cannot be used is a plain error here, not a surprise at the first
    // append. The signing key is not even read for a read-only review.
    let keys = crate::tui::writes::Keys::resolve(
        &path,
        args.write,
        args.key.as_deref(),
        args.mac_key.as_deref(),
    )?;
    crate::tui::run(crate::tui::Options {
        path,
        theme: args.theme,
        write: args.write,
        keys,
    })?;
    Ok(EXIT_OK)
}

/// `head` closing the pipe is not an error worth a message.
fn is_broken_pipe(e: &anyhow::Error) -> bool {
    e.chain().any(|c| {
        c.downcast_ref::<io::Error>()
            .is_some_and(|io| io.kind() == io::ErrorKind::BrokenPipe)
    })
}
