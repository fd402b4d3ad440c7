//! `iss append descriptor|pulse` and `iss repair`: the write commands. Every write
//! goes through `ledger::append`.

use super::args::{AppendArgs, AppendWhat, RepairArgs};
use super::{EXIT_ERROR, EXIT_OK, EXIT_VIOLATION};
use crate::ledger::append::{
    EXIT_DURABLE_FOLLOW_UP_FAILED, LedgerLock, Repair, Tail, TailState, repair_torn_tail,
};
use crate::ledger::discover::discover;
use crate::ledger::legacy::append::{LegacyAppendError, Progress, append_descriptors};
use crate::ledger::legacy::witness::complete_manifest_and_batches;
use crate::ledger::model::finding::Finding;
use crate::ledger::open::Format;
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
            match ledger.format() {
                Format::Native => {
                    super::native::append_pulse(&ledger, at.as_deref(), *mono_ns, *json)
                }
                Format::Legacy => super::append_pulse::run(
                    path,
                    at.as_deref(),
                    *mono_ns,
                    source_node.as_deref(),
                    *json,
                ),
            }
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
    if ledger.format() == Format::Native {
        return super::native::append_descriptor(&ledger, inputs, json);
    }
    let now_micros = super::native::now_micros()?;
    let mut out = super::output::stdout();
    let mut err = anstream::stderr().lock();
    // Each step is printed as soon as it is durable: a record acknowledged
    // here stays acknowledged whatever happens to the manifest line after.
    let mut printed: std::io::Result<()> = Ok(());
    let result = append_descriptors(path, inputs, now_micros, &mut |step| {
        if printed.is_ok() {
            printed = print_progress(&mut out, step, json);
        }
    });
    printed?;
    match result {
        Ok(done) => {
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
                        err,
                        "iss: the record(s) above are durable and acknowledged, but {f}; do not append them again"
                    )?;
                    return Ok(EXIT_DURABLE_FOLLOW_UP_FAILED);
                }
            }
            Ok(EXIT_OK)
        }
        Err(LegacyAppendError::Violated(findings)) => {
            writeln!(err, "iss: refusing to append: the ledger does not verify")?;
            print_violations(&mut err, &findings, true)?;
            Ok(EXIT_VIOLATION)
        }
        Err(e) => {
            writeln!(err, "iss: {e}")?;
            writeln!(err, "iss: {}", nothing_appended(&e))?;
            Ok(EXIT_ERROR)
        }
    }
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

/// The violations that refused a write, one line each, at most 20; with
/// `count_more`, then how many more there are and where to see them.
pub(super) fn print_violations(
    err: &mut impl Write,
    findings: &[(String, Finding)],
    count_more: bool,
) -> std::io::Result<()> {
    for (file, f) in findings.iter().take(20) {
        let line = f.line.map_or_else(String::new, |l| format!(":{l}"));
        writeln!(err, "  ✘ {file}{line} {}: {}", f.kind, f.detail)?;
    }
    if count_more && findings.len() > 20 {
        writeln!(err, "  … {} more; run `iss verify`", findings.len() - 20)?;
    }
    Ok(())
}

/// What a failed append left: nothing of its own (the error says which
/// file failed), or bytes that could not be removed.
pub(super) fn nothing_appended(e: &LegacyAppendError) -> &'static str {
    match e {
        LegacyAppendError::Append(a) if !a.left_file_unchanged() => {
            "nothing was acknowledged, but unacknowledged bytes may be left: run `iss verify`, then `iss repair`"
        }
        _ => "nothing was appended",
    }
}

/// Run `iss repair`: cut torn last lines (copies kept beside the ledger),
/// then write the manifest lines an interrupted append did not write.
pub fn repair(args: &RepairArgs) -> anyhow::Result<u8> {
    let ledger = super::native::open(&args.path, &args.keys)?;
    if ledger.format() == Format::Native {
        return super::native::repair(&ledger, args);
    }
    let found = discover(&args.path)?;
    let mut out = super::output::stdout();
    let mut repaired = Vec::new();
    let mut unsynced = None;
    for file in &found.found {
        if !matches!(Tail::read(&file.path)?, TailState::Torn { .. }) {
            continue;
        }
        let dir = file.path.parent().unwrap_or(std::path::Path::new("."));
        let cut =
            LedgerLock::acquire(dir).and_then(|mut l| repair_torn_tail(&mut l, &file.path, dir));
        let cut = match cut {
            Ok(c) => c,
            Err(e) if repaired.is_empty() => return Err(e.into()),
            Err(e) => {
                writeln!(
                    anstream::stderr(),
                    "iss: the cuts above are made and acknowledged, but {e} — run `{}` again",
                    crate::ledger::append::command_for("repair", &args.path)
                )?;
                return Ok(EXIT_DURABLE_FOLLOW_UP_FAILED);
            }
        };
        if let Repair::Truncated(t) = cut {
            writeln!(
                out,
                "{}: removed {} torn byte(s) at offset {} (sha256 {}); kept in {}",
                file.path.display(),
                t.len,
                t.offset,
                hex::encode(t.sha256),
                t.backup.display()
            )?;
            repaired.push(serde_json::json!({
                "file": file.path.display().to_string(), "offset": t.offset, "bytes": t.len,
                "sha256": hex::encode(t.sha256), "backup": t.backup.display().to_string(),
                "sync_error": t.sync_error,
            }));
            unsynced = unsynced.or(t.sync_error);
        }
    }
    let (completed, batches) =
        match complete_manifest_and_batches(&args.path, super::native::now_micros()?) {
            Ok(c) => c,
            Err(e) => {
                let code = repair_refused(&e, !repaired.is_empty(), &args.path)?;
                if args.json {
                    writeln!(
                        out,
                        "{}",
                        serde_json::json!({ "repaired": repaired, "completed": null })
                    )?;
                }
                return Ok(code);
            }
        };
    if let Some(c) = &completed {
        writeln!(out, "{}", c.describe())?;
    }
    let removed = batches.as_ref().map_or(&[][..], Vec::as_slice);
    print_removed_batch_records(&mut out, removed)?;
    if repaired.is_empty() && completed.is_none() && removed.is_empty() && batches.is_ok() {
        writeln!(
            out,
            "nothing to repair: no file ends in a torn line, and the manifest attests every record"
        )?;
    } else {
        writeln!(
            out,
            "the legacy format has no place to record a repair: the files named above are the record; keep them with the ledger"
        )?;
    }
    if args.json {
        writeln!(
            out,
            "{}",
            serde_json::json!({ "repaired": repaired, "completed": completed,
                "batch_records_removed": removed.iter().map(|p| p.display().to_string()).collect::<Vec<_>>() })
        )?;
    }
    if let Err(e) = &batches {
        return batch_record_not_removed(e, &args.path);
    }
    if let Some(e) = unsynced {
        writeln!(
            anstream::stderr(),
            "iss: the repair above is made and acknowledged, but syncing a cut file failed ({e}): the cut may not survive a crash — run `{}` again once the disk is sound",
            crate::ledger::append::command_for("repair", &args.path)
        )?;
        return Ok(EXIT_DURABLE_FOLLOW_UP_FAILED);
    }
    Ok(EXIT_OK)
}

/// The stale batch records a repair removed, one line each.
fn print_removed_batch_records(
    out: &mut impl Write,
    removed: &[std::path::PathBuf],
) -> std::io::Result<()> {
    for b in removed {
        writeln!(
            out,
            "{}: removed a batch record left by a batch append that was stopped before removing it (every record is attested now)",
            b.display()
        )?;
    }
    Ok(())
}

/// A stale batch record could not be removed: exit 3, what to run.
fn batch_record_not_removed(
    e: &crate::ledger::append::AppendError,
    path: &std::path::Path,
) -> anyhow::Result<u8> {
    writeln!(
        anstream::stderr(),
        "iss: the repair above is made and acknowledged, but removing a stale batch record failed ({e}): \
         while it stays, manifest lines missing from its range are only a warning — run `{}` again",
        crate::ledger::append::command_for("repair", path)
    )?;
    Ok(EXIT_DURABLE_FOLLOW_UP_FAILED)
}

/// The completion after the cuts was refused or failed: say so; the exit
/// status (1 violated, 2 nothing changed, 3 when cuts were made before).
fn repair_refused(e: &LegacyAppendError, cut: bool, path: &std::path::Path) -> anyhow::Result<u8> {
    let mut err = anstream::stderr().lock();
    if let LegacyAppendError::Violated(findings) = e {
        writeln!(
            err,
            "iss: the ledger does not verify: the manifest was not completed (a repair never writes onto a violated ledger)"
        )?;
        print_violations(&mut err, findings, false)?;
        return Ok(EXIT_VIOLATION);
    }
    writeln!(err, "iss: completing the manifest failed: {e}")?;
    if cut {
        writeln!(
            err,
            "iss: the cuts above are made and acknowledged, but the manifest is not completed — run `{}` again",
            crate::ledger::append::command_for("repair", path)
        )?;
        return Ok(EXIT_DURABLE_FOLLOW_UP_FAILED);
    }
    Ok(EXIT_ERROR)
}
