//! The checkpoint history's end, and the atomically replaced latest file.

use super::{Moved, WriteError, torn_refusal};
use crate::ledger::append::{AppendError, LedgerLock, Op, SyncKind, Tail, TailState, remove_file};
use crate::ledger::native::format::history::HistoryLine;
use std::fs::{self, OpenOptions};
use std::io::{Read, Seek, SeekFrom};
use std::path::Path;

/// Longest history line read back (a signed note is a few hundred bytes).
const MAX_HISTORY_LINE: u64 = 64 * 1024;

fn io(path: &Path) -> impl FnOnce(std::io::Error) -> WriteError + '_ {
    move |e| WriteError::Io {
        path: path.to_path_buf(),
        error: e,
    }
}

/// The history file's tail and its last entry (`None` when empty or missing).
pub fn history_end(path: &Path) -> Result<(Tail, Option<HistoryLine>), WriteError> {
    let state = Tail::read(path)?;
    if let Some(e) = torn_refusal(path, &state) {
        return Err(e);
    }
    let tail = match state {
        TailState::Missing | TailState::Empty => return Ok((Tail::EMPTY, None)),
        TailState::Clean(t) | TailState::Torn { complete: t, .. } => t,
    };
    let mut f = crate::ledger::input::open_regular(path).map_err(io(path))?;
    let start = tail.len.saturating_sub(MAX_HISTORY_LINE);
    let mut buf = Vec::new();
    f.seek(SeekFrom::Start(start))
        .and_then(|_| f.take(tail.len - start).read_to_end(&mut buf))
        .map_err(io(path))?;
    let body = buf.strip_suffix(b"\n").unwrap_or(&buf);
    let last = body.rsplit(|&b| b == b'\n').next().unwrap_or(body);
    let entry: HistoryLine = serde_json::from_slice(last).map_err(|e| {
        WriteError::Moved(Moved::NotACheckpoint {
            path: path.to_path_buf(),
            reason: e,
        })
    })?;
    Ok((tail, Some(entry)))
}

/// Replace the latest-checkpoint file with `note`: write a temporary file
/// beside it, fsync, rename over, fsync the directory — every step through
/// the lock's storage. On failure the temporary file is removed (when it
/// can be) and the error names the step: the file at `path` is then as it
/// was (the rename is the only step that changes it, atomically).
pub fn replace(lock: &mut LedgerLock, path: &Path, note: &str) -> Result<(), WriteError> {
    if crate::ledger::input::read_regular(path).is_ok_and(|b| b == note.as_bytes()) {
        return Ok(());
    }
    let dir = path.parent().unwrap_or(Path::new("."));
    let tmp = dir.join(format!("{}{}", temp_prefix(path), std::process::id()));
    let written = write_temp(lock, &tmp, note);
    let renamed = written.and_then(|()| {
        lock.storage()
            .rename(&tmp, path)
            .map_err(|e| AppendError::io(path, Op::Rename, e))
    });
    if let Err(e) = renamed {
        // Not renamed: the temporary file is ours and nobody's evidence.
        let _ = remove_file(lock, &tmp);
        return Err(e.into());
    }
    // Renamed: the new name must survive a crash.
    lock.storage()
        .sync_dir(dir)
        .map_err(|e| AppendError::io(dir, Op::SyncDir, e).into())
}

/// Create, write and fsync the temporary file.
fn write_temp(lock: &LedgerLock, tmp: &Path, note: &str) -> Result<(), AppendError> {
    let storage = lock.storage();
    let f = storage
        .open(
            tmp,
            OpenOptions::new().write(true).create(true).truncate(true),
            Op::TempFile,
        )
        .map_err(|e| AppendError::io(tmp, Op::TempFile, e))?;
    storage
        .write_all(&f, tmp, note.as_bytes())
        .and_then(|()| storage.sync(&f, tmp, SyncKind::All))
        .map_err(|e| AppendError::io(tmp, Op::TempFile, e))
}

/// `.<name>.tmp-`: the start of the temporary files of `path`'s
/// replacement (`docs/FORMAT.md` §2: `.<file>.tmp-<pid>`).
fn temp_prefix(path: &Path) -> String {
    let name = path
        .file_name()
        .and_then(|n| n.to_str())
        .unwrap_or("checkpoint");
    format!(".{name}.tmp-")
}

/// Remove the temporary files an interrupted replacement of `path` left
/// (by any process: under the lock no replacement is under way, so every
/// one is stale); the names removed. They are never evidence: a checkpoint
/// counts once it is in the history.
pub fn remove_stale_temps(lock: &mut LedgerLock, path: &Path) -> Result<Vec<String>, WriteError> {
    let dir = path.parent().unwrap_or(Path::new("."));
    let prefix = temp_prefix(path);
    let entries = match fs::read_dir(dir) {
        Ok(e) => e,
        Err(e) => return Err(io(dir)(e)),
    };
    let mut removed = Vec::new();
    for entry in entries {
        let entry = entry.map_err(io(dir))?;
        let name = entry.file_name();
        let Some(name) = name.to_str() else { continue };
        let is_temp = name
            .strip_prefix(&prefix)
            .is_some_and(|pid| !pid.is_empty() && pid.bytes().all(|b| b.is_ascii_digit()));
        if is_temp && entry.file_type().is_ok_and(|t| t.is_file()) {
            remove_file(lock, &entry.path())?;
            removed.push(name.to_owned());
        }
    }
    Ok(removed)
}
