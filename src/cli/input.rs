//! What each command does with a path that is not a file or a folder: a
//! pipe (`<(zcat x.gz)`, `/dev/stdin`), `-` (standard input), a named pipe,
//! a device.
//!
//! - Commands that only read the ledger (`verify`, `report`, `pulses`,
//!   `show`, `find`, `audit`, `health`, `refs`, `export`) take the stream in
//!   once ([`crate::ledger::input::spool`]) and then read those bytes as
//!   often as they need: the verdict is the one the same bytes in a file
//!   get.
//! - Commands that need the ledger on disk (`watch` and the workstation
//!   follow the file as it grows; `append`, `repair`, `checkpoint`, `key`,
//!   `migrate`, `prove`, `protect` write or reopen it) refuse it at once,
//!   before anything is opened.
//!
//! Either way nothing waits for a named pipe's writer: a stream with none
//! gives no bytes and is refused.

use super::args::{AppendWhat, Cli, Command, KeyWhat};
use crate::ledger::input::{InputKind, STREAM_LIMIT, classify, spool};
use anyhow::bail;
use std::path::Path;

/// Take in or refuse the ledger path of `cli`'s command (see the module doc).
pub fn prepare(cli: &Cli) -> anyhow::Result<()> {
    let Some(command) = &cli.command else {
        return on_disk(cli.tui.path.as_deref(), "the workstation");
    };
    match command {
        Command::Verify(a) => read_once(&a.path),
        Command::Report(a) => read_once(&a.path),
        Command::Pulses(a) => read_once(&a.path),
        Command::Show(a) | Command::Audit(a) => read_once(&a.path),
        Command::Find(a) => read_once(&a.path),
        Command::Health(a) | Command::Refs(a) => read_once(&a.path),
        Command::Export(a) => read_once(&a.path),
        Command::Tui(a) => on_disk(a.path.as_deref(), "the workstation"),
        Command::Watch(a) => on_disk(a.path.as_deref(), "iss watch"),
        Command::Append(a) => match &a.what {
            AppendWhat::Descriptor { path, .. } | AppendWhat::Pulse { path, .. } => {
                on_disk(Some(path), "iss append")
            }
        },
        Command::Repair(a) => on_disk(Some(&a.path), "iss repair"),
        Command::Checkpoint(a) => on_disk(Some(&a.path), "iss checkpoint"),
        Command::Key(a) => match &a.what {
            KeyWhat::Verifier { path, .. } | KeyWhat::Rotate { path, .. } => {
                on_disk(Some(path), "iss key")
            }
        },
        Command::Migrate(a) => on_disk(Some(&a.legacy), "iss migrate"),
        Command::Prove(a) => on_disk(Some(&a.path), "iss prove"),
        Command::Protect(a) => on_disk(Some(&a.path), "iss protect"),
        Command::Publish(a) => on_disk(Some(&a.path), "iss publish"),
        Command::Serve(a) => on_disk(Some(&a.path), "iss serve"),
        // These create what their path names, or name no ledger (a
        // witness's state is its own folder, not a ledger).
        Command::Init(_)
        | Command::Sample(_)
        | Command::Completions(_)
        | Command::Man(_)
        | Command::Witness(_) => Ok(()),
    }
}

/// A read-only command: a stream is taken in once.
fn read_once(path: &Path) -> anyhow::Result<()> {
    if let InputKind::Stream(_) = classify(path) {
        spool(path, STREAM_LIMIT)?;
    }
    Ok(())
}

/// A command that needs the ledger on disk: a stream is refused.
fn on_disk(path: Option<&Path>, command: &str) -> anyhow::Result<()> {
    if let Some(path) = path
        && let InputKind::Stream(what) = classify(path)
    {
        bail!(
            "{}: {what}, not a ledger file or folder: {command} needs the ledger on disk \
             (save the stream to a file first; `iss verify` reads a stream)",
            path.display()
        );
    }
    Ok(())
}
