//! `iss repair`: cut torn last lines (copies kept beside the ledger); on a
//! legacy ledger then write the manifest lines an interrupted append did
//! not write, on a native one record the cut and sign checkpoints. The
//! `Ledger` decides and runs the repair (`Ledger::repair`); this command
//! prints what it did, and gives each partial outcome its exit status.

use super::args::RepairArgs;
use super::{EXIT_ERROR, EXIT_OK};
use crate::ledger::append::{AppendError, EXIT_DURABLE_FOLLOW_UP_FAILED, command_for};
use crate::ledger::open::{
    LegacyCut, LegacyEnd, LegacyRepaired, NativeRepaired, RepairError, Repaired,
};
use crate::ledger::write_error::WriteError;
use std::io::Write;

/// Run `iss repair`: cut torn last lines (copies kept beside the ledger),
/// then write the manifest lines an interrupted append did not write (or,
/// on a native ledger, record the cuts): the `Ledger` repairs, this prints
/// what it did (a legacy cut as soon as it is made).
pub fn run(args: &RepairArgs) -> anyhow::Result<u8> {
    let ledger = super::native::open(&args.path, &args.keys)?;
    let mut out = super::output::stdout();
    let repaired = ledger.repair(super::native::now_micros, &mut |cut| {
        print_cut(&mut out, cut).map_err(anyhow::Error::from)
    });
    let repaired = match repaired {
        Ok(r) => r,
        Err(RepairError::Refused(e)) => return super::native::refusal(&e),
        Err(RepairError::Discover(e)) => return Err(e.into()),
        Err(RepairError::Storage(e)) => return Err(e.into()),
        Err(RepairError::Caller(e)) => return Err(e),
    };
    match repaired {
        Repaired::Native(done) => native(&done, args, out),
        Repaired::Legacy(done) => legacy(&done, args, out),
    }
}

/// A legacy cut, as soon as it is made.
fn print_cut(out: &mut impl Write, cut: &LegacyCut) -> std::io::Result<()> {
    let t = &cut.removed;
    writeln!(
        out,
        "{}: removed {} torn byte(s) at offset {} (sha256 {}); kept in {}",
        cut.file.display(),
        t.len,
        t.offset,
        hex::encode(t.sha256),
        t.backup.display()
    )
}

/// The legacy side of `iss repair`, after its cuts were printed: the
/// manifest completion, the batch records, and each partial outcome's own
/// exit status.
fn legacy(done: &LegacyRepaired, args: &RepairArgs, mut out: impl Write) -> anyhow::Result<u8> {
    let repaired: Vec<_> = done
        .cuts
        .iter()
        .map(|c| {
            let t = &c.removed;
            serde_json::json!({
                "file": c.file.display().to_string(), "offset": t.offset, "bytes": t.len,
                "sha256": hex::encode(t.sha256), "backup": t.backup.display().to_string(),
                "sync_error": t.sync_error,
            })
        })
        .collect();
    let (completed, batches) = match &done.end {
        LegacyEnd::Completed {
            completed,
            batch_records,
        } => (completed, batch_records),
        LegacyEnd::CutFailed(e) => {
            writeln!(
                anstream::stderr(),
                "iss: the cuts above are made and acknowledged, but {e} — run `{}` again",
                command_for("repair", &args.path)
            )?;
            return Ok(EXIT_DURABLE_FOLLOW_UP_FAILED);
        }
        LegacyEnd::NotCompleted(e) => {
            let code = repair_refused(e, !repaired.is_empty(), &args.path)?;
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
    if let Some(c) = completed {
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
    if let Err(e) = batches {
        return batch_record_not_removed(e, &args.path);
    }
    if let Some(e) = done.unsynced() {
        writeln!(
            anstream::stderr(),
            "iss: the repair above is made and acknowledged, but syncing a cut file failed ({e}): the cut may not survive a crash — run `{}` again once the disk is sound",
            command_for("repair", &args.path)
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
fn batch_record_not_removed(e: &AppendError, path: &std::path::Path) -> anyhow::Result<u8> {
    writeln!(
        anstream::stderr(),
        "iss: the repair above is made and acknowledged, but removing a stale batch record failed ({e}): \
         while it stays, manifest lines missing from its range are only a warning — run `{}` again",
        command_for("repair", path)
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
            command_for("repair", path)
        )?;
        return Ok(EXIT_DURABLE_FOLLOW_UP_FAILED);
    }
    Ok(EXIT_ERROR)
}

/// The native side of `iss repair`: what the ledger recorded.
fn native(done: &NativeRepaired, args: &RepairArgs, mut out: impl Write) -> anyhow::Result<u8> {
    if args.json {
        writeln!(out, "{}", serde_json::to_string(done)?)?;
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
