//! Cutting a torn last line, keeping a copy of every byte removed.
//!
//! A writer killed mid-`write` (or a full disk) can leave a partial line at
//! the end of a ledger. No append is allowed onto it, and nothing else may
//! touch the file, so the only repair is to cut the ledger back to its last
//! complete line. Because this is evidence, the cut bytes are first copied
//! to a new backup file and made durable; only then is the ledger truncated.
//! Complete lines are never touched.

use super::error::{AppendError, Op};
use super::fsio::create_new_beside;
use super::fsio::{self, CHUNK};
use super::lock::LedgerLock;
use super::record::remove_file;
use super::storage::{Storage, SyncKind};
use super::tail::{self, Tail, TailState};
use sha2::{Digest, Sha256};
use std::fs::{File, OpenOptions};
use std::io;
use std::os::unix::fs::FileExt;
use std::path::{Path, PathBuf};
use std::time::{SystemTime, UNIX_EPOCH};

/// What [`repair_torn_tail`] did.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Repair {
    /// The ledger ends with a complete line (or is empty): nothing was changed.
    NothingToDo,
    /// The torn line was copied to a backup and cut from the ledger.
    Truncated(TornRemoved),
}

/// The record of a repair, to be written into the ledger itself.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct TornRemoved {
    /// Where the removed bytes started (the ledger's new length).
    pub offset: u64,
    /// How many bytes were removed.
    pub len: u64,
    /// SHA-256 of the removed bytes.
    pub sha256: [u8; 32],
    /// The file holding exactly the removed bytes.
    pub backup: PathBuf,
    /// The ledger's tail after the cut, for the next append.
    pub new_tail: Tail,
    /// The fsync after the cut failed with this error: the cut is made,
    /// but may not survive a crash (the backup does).
    pub sync_error: Option<String>,
}

/// Cut a torn last line from the ledger at `path`, after copying it to a new
/// file `<name>.torn-<unix_nanos>` in `backup_dir`.
///
/// The ledger is opened for writing without `O_APPEND`, so a ledger made
/// append-only with `chattr +a` fails here, before any backup is made.
pub fn repair_torn_tail(
    lock: &mut LedgerLock,
    path: &Path,
    backup_dir: &Path,
) -> Result<Repair, AppendError> {
    lock.covers(path)?;
    let storage = lock.storage();
    let file = match storage.open(path, OpenOptions::new().read(true).write(true), Op::Open) {
        Ok(f) => f,
        Err(e) if e.kind() == io::ErrorKind::NotFound => {
            return Err(AppendError::NotFound { path: path.into() });
        }
        Err(e) => return Err(AppendError::io(path, Op::Open, e)),
    };
    let TailState::Torn {
        complete,
        torn_bytes,
    } = tail::tail_of(&file, path)?
    else {
        return Ok(Repair::NothingToDo);
    };
    let len = complete.len + torn_bytes;

    let name = path
        .file_name()
        .map_or_else(|| "ledger".into(), |n| n.to_string_lossy().into_owned());
    let nanos = SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .map_or(0, |d| d.as_nanos());
    let (backup_path, backup) = create_backup(storage, backup_dir, &name, nanos)?;
    let torn = Torn {
        file: &file,
        path,
        start: complete.len,
        len: torn_bytes,
    };
    let sha256 = match backup_then_check(storage, &torn, &backup, &backup_path, backup_dir) {
        Ok(h) => h,
        Err(e) => {
            // Nothing was cut: a backup of a cut that did not happen must
            // not stay behind, claiming one.
            drop(backup);
            let _ = remove_file(lock, &backup_path);
            return Err(e);
        }
    };
    let storage = lock.storage();

    // Nobody else should write while we hold the lock, but a writer that
    // ignores it must not lose bytes to our cut.
    let found_len = file
        .metadata()
        .map_err(|e| AppendError::io(path, Op::ReadTail, e))?
        .len();
    let cut = if found_len == len {
        storage.set_len(&file, path, complete.len)
    } else {
        Err(io::Error::other("changed"))
    };
    if let Err(e) = cut {
        drop(backup);
        let _ = remove_file(lock, &backup_path);
        if found_len != len {
            return Err(AppendError::ChangedDuringRepair {
                path: path.into(),
                expected_len: len,
                found_len,
            });
        }
        return Err(AppendError::io(path, Op::Truncate, e));
    }
    // The cut is made (every reader sees it); whether it is on stable
    // storage yet is what the fsync says, reported with it.
    let sync_error = lock
        .storage()
        .sync(&file, path, SyncKind::All)
        .err()
        .map(|e| AppendError::io(path, Op::Truncate, e).to_string());

    Ok(Repair::Truncated(TornRemoved {
        offset: complete.len,
        len: torn_bytes,
        sha256,
        backup: backup_path,
        new_tail: complete,
        sync_error,
    }))
}

/// The torn bytes of a ledger: `file[start..start + len]`.
struct Torn<'a> {
    file: &'a File,
    path: &'a Path,
    start: u64,
    len: u64,
}

/// Copy the torn bytes to the backup, make it durable, and read it back.
fn backup_then_check(
    storage: &dyn Storage,
    torn: &Torn<'_>,
    backup: &File,
    backup_path: &Path,
    backup_dir: &Path,
) -> Result<[u8; 32], AppendError> {
    let sha256 = copy_range(
        storage,
        torn.file,
        torn.path,
        (torn.start, torn.start + torn.len),
        backup,
        backup_path,
    )?;
    storage
        .sync(backup, backup_path, SyncKind::All)
        .map_err(|e| AppendError::io(backup_path, Op::Sync, e))?;
    fsio::sync_dir(storage, backup_dir)?;
    check_backup(
        storage,
        torn.file,
        torn.path,
        torn.start,
        torn.len,
        backup_path,
    )?;
    Ok(sha256)
}

/// A new backup file `<name>.torn-<nanos>[-n]` that did not exist before.
pub(super) fn create_backup(
    storage: &dyn Storage,
    dir: &Path,
    name: &str,
    nanos: u128,
) -> Result<(PathBuf, File), AppendError> {
    create_new_beside(storage, dir, &format!("{name}.torn-{nanos}"), Op::Backup)
}

/// Copy `file[start..end]` into `out`, returning the bytes' SHA-256.
fn copy_range(
    storage: &dyn Storage,
    file: &File,
    path: &Path,
    (start, end): (u64, u64),
    out: &File,
    out_path: &Path,
) -> Result<[u8; 32], AppendError> {
    let mut buf = vec![0u8; CHUNK];
    let mut h = Sha256::new();
    let mut pos = start;
    while pos < end {
        let n = fsio::chunk_len(&buf, end - pos);
        file.read_exact_at(&mut buf[..n], pos)
            .map_err(|e| AppendError::io(path, Op::ReadTail, e))?;
        storage
            .write_all(out, out_path, &buf[..n])
            .map_err(|e| AppendError::io(out_path, Op::Backup, e))?;
        h.update(&buf[..n]);
        pos += n as u64;
    }
    Ok(h.finalize().into())
}

/// Read the backup back through a fresh handle and compare it with the
/// ledger's torn bytes, so the cut never happens on a bad copy.
fn check_backup(
    storage: &dyn Storage,
    file: &File,
    path: &Path,
    start: u64,
    len: u64,
    backup_path: &Path,
) -> Result<(), AppendError> {
    let backup = storage
        .open(backup_path, OpenOptions::new().read(true), Op::ReadBack)
        .map_err(|e| AppendError::io(backup_path, Op::ReadBack, e))?;
    let backup_len = backup
        .metadata()
        .map_err(|e| AppendError::io(backup_path, Op::ReadBack, e))?
        .len();
    let mut buf = vec![0u8; CHUNK];
    let mut done = 0u64;
    while done < len {
        let n = fsio::chunk_len(&buf, len - done);
        file.read_exact_at(&mut buf[..n], start + done)
            .map_err(|e| AppendError::io(path, Op::ReadTail, e))?;
        let diff = fsio::first_difference(&backup, done, &buf[..n])
            .map_err(|e| AppendError::io(backup_path, Op::ReadBack, e))?;
        if let Some(first_difference) = diff {
            return Err(AppendError::ReadBackMismatch {
                path: backup_path.into(),
                offset: 0,
                len,
                first_difference,
            });
        }
        done += n as u64;
    }
    if backup_len == len {
        Ok(())
    } else {
        Err(AppendError::ReadBackMismatch {
            path: backup_path.into(),
            offset: 0,
            len,
            first_difference: len.min(backup_len),
        })
    }
}
