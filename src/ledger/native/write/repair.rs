//! `iss repair` on a native ledger (`docs/FORMAT.md` §9): cut each torn
//! last line (chain or checkpoint history) after keeping a copy of its
//! bytes, then record every cut in the `events` chain and re-sign the
//! chains, so the repair itself is evidence inside the ledger.
//!
//! A repair stopped between its backup and its `events` record leaves a
//! backup no record names (`UNRECORDED_REPAIR`, see
//! [`crate::ledger::native::verify::backups`]): the next repair removes it
//! when its cut was never made (the file still ends in exactly those bytes,
//! which it then cuts and records afresh), and otherwise records the cut
//! (`recorded_after_interruption`; appends are refused until then, so the
//! file's length is still the cut's offset).

use crate::ledger::append::{
    FollowUpFailed, LedgerLock, Repair, TailState, command_for, file_name, remove_file,
    repair_torn_tail,
};
use crate::ledger::native::format::meta::{Chain, ChainPaths};
use crate::ledger::native::secret::MacKey;
use crate::ledger::native::verify::backups;
use crate::ledger::native::write::{
    CheckpointAck, CheckpointStatus, NativeWriter, RecordAck, WriteError,
};
use crate::tlog::note::Signer;
use serde::Serialize;
use std::path::Path;

/// One cut.
#[derive(Debug, Clone, Serialize)]
pub struct Cut {
    /// The file that was cut (name inside the ledger).
    pub file: String,
    /// Where the removed bytes started (the file's new length).
    pub offset: u64,
    /// How many bytes were removed.
    pub bytes: u64,
    /// SHA-256 of the removed bytes (hex).
    pub sha256: String,
    /// The file holding exactly the removed bytes.
    pub backup: String,
    /// The `events` record of the repair.
    pub event: Option<RecordAck>,
    /// The fsync after the cut failed: the cut is made but may not survive
    /// a crash.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub sync_error: Option<String>,
    /// The cut was made by an earlier repair that stopped before recording
    /// it; this one recorded it.
    #[serde(skip_serializing_if = "std::ops::Not::not")]
    pub recorded_after_interruption: bool,
}

/// What a repair did.
#[derive(Debug, Clone, Serialize)]
pub struct Repaired {
    /// The cuts, in file order.
    pub cuts: Vec<Cut>,
    /// The checkpoints issued afterwards (when the signing key was given).
    pub checkpoints: Vec<CheckpointAck>,
    /// Latest-checkpoint files made the newest history entry's note again
    /// (an interrupted checkpoint's last step; no key needed).
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub latest_completed: Vec<String>,
    /// Temporary files of interrupted checkpoint writes, removed.
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub temp_files_removed: Vec<String>,
    /// A step that failed after durable ones (reported above it), and the
    /// command that finishes it.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub follow_up_failed: Option<FollowUpFailed>,
}

/// Repair the native ledger in `dir`: cut torn tails, record the cuts,
/// finish interrupted checkpoints (re-signing every chain with the key,
/// else restoring each latest file from its history), and remove the
/// temporary files interrupted checkpoints left.
pub fn repair_native(
    dir: &Path,
    signer: Option<Signer>,
    mac_key: Option<MacKey>,
) -> Result<Repaired, WriteError> {
    let mut done = Repaired {
        cuts: Vec::new(),
        checkpoints: Vec::new(),
        latest_completed: Vec::new(),
        temp_files_removed: Vec::new(),
        follow_up_failed: None,
    };
    if let Err(e) = cut_torn_tails(dir, &mut done.cuts) {
        return after_cuts(done, e, dir);
    }
    let signs = signer.is_some();
    let mut w = match NativeWriter::open_for_repair(dir, signer, mac_key) {
        Ok(w) => w,
        Err(e) => return after_cuts(done, e, dir),
    };
    for i in 0..done.cuts.len() {
        let cut = &done.cuts[i];
        let mut body = serde_json::json!({
            "type": "repair",
            "file": cut.file,
            "offset": cut.offset,
            "bytes": cut.bytes,
            "sha256": cut.sha256,
            "backup": cut.backup,
        });
        if cut.recorded_after_interruption {
            body["recorded_after_interruption"] = true.into();
        }
        let body = body.to_string();
        match w.append(Chain::Events, &[body]) {
            Ok(mut acks) => done.cuts[i].event = acks.pop(),
            Err(e) => return after_cuts(done, e, dir),
        }
    }
    for c in Chain::ALL {
        if signs {
            match w.checkpoint_after_append(c) {
                CheckpointStatus::Signed(ack) => done.checkpoints.push(ack),
                CheckpointStatus::Failed(f) => {
                    done.follow_up_failed = Some(f);
                    return Ok(done);
                }
                CheckpointStatus::NotSigned => {}
            }
        }
        // With the key the checkpoint did this too; without it, this is
        // what can be finished.
        match w.complete_latest(c) {
            Ok((replaced, removed)) => {
                if replaced {
                    done.latest_completed.push(c.name().to_owned());
                }
                done.temp_files_removed.extend(removed);
            }
            Err(e) => return after_cuts(done, e, dir),
        }
    }
    if let Some(e) = done.cuts.iter().find_map(|c| c.sync_error.clone()) {
        done.follow_up_failed = Some(FollowUpFailed {
            what: "syncing a cut file (the cut is made, but may not survive a crash)".into(),
            error: e,
            finish_with: command_for("repair", dir),
        });
    }
    Ok(done)
}

/// Cut each chain's and history's torn tail, under one lock.
fn cut_torn_tails(dir: &Path, cuts: &mut Vec<Cut>) -> Result<(), WriteError> {
    let mut lock = LedgerLock::acquire(dir)?;
    settle_unrecorded(&mut lock, dir, cuts)?;
    for chain in Chain::ALL {
        let paths = ChainPaths::new(dir, chain);
        for path in [&paths.file, &paths.history] {
            if !path.exists() {
                continue;
            }
            if let Repair::Truncated(t) = repair_torn_tail(&mut lock, path, dir)? {
                cuts.push(Cut {
                    file: file_name(path),
                    offset: t.offset,
                    bytes: t.len,
                    sha256: hex::encode(t.sha256),
                    backup: file_name(&t.backup),
                    event: None,
                    sync_error: t.sync_error,
                    recorded_after_interruption: false,
                });
            }
        }
    }
    Ok(())
}

/// The backups of earlier repairs that no `events` record names: removed
/// when their cut was never made, else added to `cuts` to be recorded.
fn settle_unrecorded(
    lock: &mut LedgerLock,
    dir: &Path,
    cuts: &mut Vec<Cut>,
) -> Result<(), WriteError> {
    let io = |p: &Path, e: std::io::Error| WriteError::Io {
        path: p.to_path_buf(),
        error: e,
    };
    let max_line = crate::ledger::io::reader::DEFAULT_MAX_LINE;
    for u in backups::check(dir, max_line).unwrap_or_default() {
        let bytes = crate::ledger::input::read_regular(&u.backup).map_err(|e| io(&u.backup, e))?;
        let offset = match crate::ledger::append::Tail::read(&u.file)? {
            TailState::Torn {
                complete,
                torn_bytes,
            } => {
                let file =
                    crate::ledger::input::read_regular(&u.file).map_err(|e| io(&u.file, e))?;
                let start = usize::try_from(complete.len).unwrap_or(usize::MAX);
                // Backed up (or partly), never cut: the file still ends in
                // those bytes, and this repair cuts and records them afresh.
                if torn_bytes >= bytes.len() as u64
                    && file.get(start..).is_some_and(|t| t.starts_with(&bytes))
                {
                    remove_file(lock, &u.backup)?;
                    continue;
                }
                complete.len
            }
            // A backup still empty was created before any byte was cut.
            _ if bytes.is_empty() => {
                remove_file(lock, &u.backup)?;
                continue;
            }
            TailState::Clean(t) => t.len,
            TailState::Empty | TailState::Missing => 0,
        };
        cuts.push(Cut {
            file: file_name(&u.file),
            offset,
            bytes: bytes.len() as u64,
            sha256: hex::encode(crate::ledger::hash::sha256_parts(&[&bytes])),
            backup: file_name(&u.backup),
            event: None,
            sync_error: None,
            recorded_after_interruption: true,
        });
    }
    Ok(())
}

/// `e` stopped the repair: an error when nothing was done yet, else the
/// durable steps so far with `e` as the follow-up that failed.
fn after_cuts(mut done: Repaired, e: WriteError, dir: &Path) -> Result<Repaired, WriteError> {
    if done.cuts.is_empty() && done.checkpoints.is_empty() && done.latest_completed.is_empty() {
        return Err(e);
    }
    done.follow_up_failed = Some(FollowUpFailed {
        what: "the repair".into(),
        error: e.to_string(),
        finish_with: command_for("repair", dir),
    });
    Ok(done)
}
