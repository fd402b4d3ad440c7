//! `iss append descriptor|pulse`: the append command. Every write goes
//! through `ledger::append`.

pub(super) mod pulse;

use super::args::{AppendArgs, AppendWhat};
use super::{EXIT_ERROR, EXIT_OK};
use crate::ledger::append::EXIT_DURABLE_FOLLOW_UP_FAILED;
use crate::ledger::legacy::write::append::{Appended, Progress, WriteError};
use crate::ledger::open::{DescriptorsDone, Durable, Ledger};
use crate::ledger::write_error::Refusing;
use anyhow::Context;
use std::io::{Read, Write};

/// Run `iss append ...`.
pub fn run(args: &AppendArgs) -> anyhow::Result<u8> {
    match &args.what {
        AppendWhat::Descriptor {
            path,
            file,
            batch,
            json,
            keys,
        } => descriptor(path, file.as_deref(), *batch, *json, keys),
        AppendWhat::Pulse {
            path,
            at,
            mono_ns,
            source_node,
            json,
            keys,
        } => {
            let ledger = super::native::open(path, keys)?;
            pulse::run(
                &ledger,
                at.as_deref(),
                *mono_ns,
                source_node.as_deref(),
                *json,
            )
        }
    }
}

fn descriptor(
    path: &std::path::Path,
    file: Option<&std::path::Path>,
    batch: bool,
    json: bool,
    keys: &super::args::KeyFiles,
) -> anyhow::Result<u8> {
    let text = match file {
        Some(f) if f.as_os_str() != "-" => {
            crate::ledger::input::read_once_to_string(f, crate::ledger::input::STREAM_LIMIT)
                .with_context(|| format!("reading {}", f.display()))?
        }
        _ => {
            let mut s = String::new();
            std::io::stdin()
                .read_to_string(&mut s)
                .context("reading the descriptor from standard input")?;
            s
        }
    };
    let inputs = super::descriptor_input::parse(&text, batch)?;
    let ledger = super::native::open(path, keys)?;
    let now_micros = super::native::now_micros()?;
    let mut out = super::output::stdout();
    // Each step is printed as soon as it is durable: a record acknowledged
    // here stays acknowledged whatever happens to the checkpoint or the
    // manifest line after.
    let mut printed: std::io::Result<()> = Ok(());
    let result = ledger.append_descriptors(inputs, now_micros, &mut |step| {
        if printed.is_ok() {
            printed = match step {
                Durable::Legacy(step) => print_progress(&mut out, step, json),
                Durable::Native(acks) => super::native::print_acks(&mut out, acks, json),
            };
        }
    });
    printed?;
    match result {
        Ok(DescriptorsDone::Legacy(done)) => witnessed(out, &done, json),
        Ok(DescriptorsDone::Native(checkpoint)) => {
            super::native::checkpointed(out, checkpoint, json)
        }
        Err(e) => refused(&ledger, &e),
    }
}

/// A legacy append's records are durable: say whether the manifest lines
/// attesting them were written.
fn witnessed(mut out: impl Write, done: &Appended, json: bool) -> anyhow::Result<u8> {
    match &done.witness {
        Ok(()) if !json => {
            for ack in &done.acks {
                writeln!(
                    out,
                    "manifest line {} attests it (chain_hash {})",
                    ack.manifest_line, ack.chain_hash
                )?;
            }
            writeln!(
                out,
                "note: the legacy hash covers 4 fields (id, process, time, previous hash); the rest of a record \
                 can be changed without breaking the chain"
            )?;
        }
        Ok(()) => {}
        Err(f) => {
            if json {
                writeln!(out, "{}", serde_json::json!({ "follow_up_failed": f }))?;
            }
            writeln!(
                anstream::stderr(),
                "iss: the record(s) above are durable and acknowledged, but {f}; do not append them again"
            )?;
            return Ok(EXIT_DURABLE_FOLLOW_UP_FAILED);
        }
    }
    Ok(EXIT_OK)
}

/// A descriptor append was refused or failed: say so in the words of the
/// ledger's writes; exit 1 when the ledger does not verify, else 2.
fn refused(ledger: &Ledger, e: &WriteError) -> anyhow::Result<u8> {
    if ledger.refusing() == Refusing::Write {
        return super::native::refusal(e);
    }
    if let WriteError::Violated {
        violations: findings,
        ..
    } = e
    {
        return super::refusal::violated(
            "refusing to append: the ledger does not verify",
            findings,
            true,
        );
    }
    let mut err = anstream::stderr().lock();
    writeln!(err, "iss: {e}")?;
    writeln!(err, "iss: {}", nothing_appended(e))?;
    Ok(EXIT_ERROR)
}

/// Print one durable step of an append.
fn print_progress(out: &mut impl Write, step: Progress<'_>, json: bool) -> std::io::Result<()> {
    match (step, json) {
        (Progress::Completed(c), true) => {
            writeln!(out, "{}", serde_json::json!({ "completed": c }))?;
        }
        (Progress::Completed(c), false) => writeln!(out, "{}", c.describe())?,
        (Progress::Durable(acks), true) => {
            for ack in acks {
                serde_json::to_writer(&mut *out, ack)?;
                writeln!(out)?;
            }
        }
        (Progress::Durable(acks), false) => {
            for ack in acks {
                writeln!(
                    out,
                    "appended descriptor {} as record {} (line {} of {}), descriptor_hash {}",
                    ack.descriptor_id, ack.seq, ack.line, ack.chain, ack.descriptor_hash
                )?;
            }
        }
    }
    out.flush()
}

/// What a failed append left: nothing of its own (the error says which
/// file failed), or bytes that could not be removed.
pub(super) fn nothing_appended(e: &WriteError) -> &'static str {
    match e {
        WriteError::Append(a) if !a.left_file_unchanged() => {
            "nothing was acknowledged, but unacknowledged bytes may be left: run `iss verify`, then `iss repair`"
        }
        _ => "nothing was appended",
    }
}
