//! `iss repair`: cut torn last lines (copies kept beside the ledger); on a
//! legacy ledger then write the manifest lines an interrupted append did
//! not write, on a native one record the cut and sign checkpoints. Every
//! write goes through `ledger::append`.

use super::args::RepairArgs;
use super::{EXIT_ERROR, EXIT_OK};
use crate::ledger::append::{
    EXIT_DURABLE_FOLLOW_UP_FAILED, LedgerLock, Repair, Tail, TailState, repair_torn_tail,
};
use crate::ledger::discover::discover;
use crate::ledger::legacy::write::append::WriteError;
use crate::ledger::legacy::write::repair::complete_manifest_and_batches;
use crate::ledger::open::Ledger;
use std::io::Write;

/// Run `iss repair`: cut torn last lines (copies kept beside the ledger),
/// then write the manifest lines an interrupted append did not write.
pub fn run(args: &RepairArgs) -> anyhow::Result<u8> {
    let ledger = super::native::open(&args.path, &args.keys)?;
    if ledger.records_repairs() {
        return native(&ledger, args);
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
fn repair_refused(e: &WriteError, cut: bool, path: &std::path::Path) -> anyhow::Result<u8> {
    if let WriteError::Violated {
        violations: findings,
        ..
    } = e
    {
        return super::refusal::violated(
            "the ledger does not verify: the manifest was not completed (a repair never writes onto a violated ledger)",
            findings,
            false,
        );
    }
    let mut err = anstream::stderr().lock();
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

/// The native side of `iss repair`.
fn native(ledger: &Ledger, args: &RepairArgs) -> anyhow::Result<u8> {
    let keys = ledger.keys().clone();
    let done = match crate::ledger::native::write::repair::repair_native(
        ledger.path(),
        keys.signer,
        keys.mac_key,
    ) {
        Ok(d) => d,
        Err(e) => return super::native::refusal(&e),
    };
    let mut out = super::output::stdout();
    if args.json {
        writeln!(out, "{}", serde_json::to_string(&done)?)?;
        if let Some(f) = &done.follow_up_failed {
            drop(out);
            return super::native::follow_up_failed(
                f,
                false,
                "the steps in the document above are",
            );
        }
        return Ok(EXIT_OK);
    }
    if done.cuts.is_empty() {
        writeln!(out, "nothing to cut: no file ends in a torn line")?;
    }
    for c in &done.cuts {
        let what = if c.recorded_after_interruption {
            "an interrupted repair removed"
        } else {
            "removed"
        };
        writeln!(
            out,
            "{}: {what} {} torn byte(s) at offset {} (sha256 {}); kept in {}; recorded as events record {}",
            c.file,
            c.bytes,
            c.offset,
            c.sha256,
            c.backup,
            c.event
                .as_ref()
                .map_or_else(|| "-".to_owned(), |e| e.seq.to_string())
        )?;
    }
    for cp in &done.checkpoints {
        writeln!(
            out,
            "{}: checkpoint size {} signed with key {}",
            cp.chain, cp.size, cp.key_id
        )?;
    }
    for chain in &done.latest_completed {
        writeln!(
            out,
            "{chain}: the latest-checkpoint file is the newest history entry again (an interrupted checkpoint)"
        )?;
    }
    for name in &done.temp_files_removed {
        writeln!(
            out,
            "removed {name}: the temporary file of an interrupted checkpoint"
        )?;
    }
    if let Some(f) = &done.follow_up_failed {
        drop(out);
        return super::native::follow_up_failed(f, false, "the steps above are");
    }
    if done.checkpoints.is_empty() && !done.cuts.is_empty() {
        writeln!(
            anstream::stderr(),
            "iss: warning: no signing key: the repair record is not yet covered by a signed checkpoint"
        )?;
    }
    Ok(EXIT_OK)
}
