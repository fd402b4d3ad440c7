//! Small files beside a ledger that say what a repair or a completion did.
//!
//! A completion (a manifest line an interrupted append did not write,
//! written later) changes a ledger, so it leaves a record, as a cut torn
//! line leaves its backup: a new file, never overwriting one, made durable
//! (fsync and directory sync) before the ledger is touched. Evidence for a
//! reader; never read by verification.

use super::error::{AppendError, Op};
use super::fsio::{self, create_new_beside};
use super::lock::LedgerLock;
use super::storage::SyncKind;
use std::path::{Path, PathBuf};
use std::time::{SystemTime, UNIX_EPOCH};

/// Write `bytes` to a new file `<name>.<kind>-<unix nanos>` in `dir`, durably.
/// On failure the partial file is removed (when it can be) and the error
/// returned: nothing is left that claims what did not happen.
pub fn write_record_file(
    lock: &mut LedgerLock,
    dir: &Path,
    name: &str,
    kind: &str,
    bytes: &[u8],
) -> Result<PathBuf, AppendError> {
    let storage = lock.storage();
    let nanos = SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .map_or(0, |d| d.as_nanos());
    let (path, file) = create_new_beside(
        storage,
        dir,
        &format!("{name}.{kind}-{nanos}"),
        Op::RecordFile,
    )?;
    let written = storage
        .write_all(&file, &path, bytes)
        .and_then(|()| storage.sync(&file, &path, SyncKind::All))
        .map_err(|e| AppendError::io(&path, Op::RecordFile, e))
        .and_then(|()| fsio::sync_dir(storage, dir));
    drop(file);
    match written {
        Ok(()) => Ok(path),
        Err(e) => {
            let _ = remove_file(lock, &path);
            Err(e)
        }
    }
}

/// Remove a file of ours (a record that turned out false, a temporary file
/// left by an interrupted write) and make the removal durable. A file that
/// is already gone is not an error.
pub fn remove_file(lock: &mut LedgerLock, path: &Path) -> Result<(), AppendError> {
    let storage = lock.storage();
    match storage.remove_file(path) {
        Ok(()) => {}
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => return Ok(()),
        Err(e) => return Err(AppendError::io(path, Op::Remove, e)),
    }
    fsio::sync_dir(storage, &fsio::parent_dir(path))
}

/// A record's path as kept in messages: the file's name in its folder.
pub fn file_name(path: &Path) -> String {
    path.file_name().map_or_else(
        || path.display().to_string(),
        |n| n.to_string_lossy().into_owned(),
    )
}
