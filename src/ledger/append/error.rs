//! The one error type of the append module.
//!
//! Every variant names the file it is about and, where something was
//! compared, what was expected and what was found, because these messages
//! reach users of a forensic tool who must decide what to do with evidence.
//!
//! Contract for [`append_lines`](super::append_lines): every variant except
//! [`AppendError::PartialWrite`], [`AppendError::ReadBackMismatch`] and
//! [`AppendError::Replaced`] means the ledger's bytes are exactly as they
//! were found (a missing ledger may have been created empty). Nothing was
//! acknowledged in any case.

use super::tail::Tail;
use std::fmt;
use std::io;
use std::path::PathBuf;
use std::time::Duration;

/// What the module was doing when an I/O call failed.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
#[non_exhaustive]
pub enum Op {
    /// Opening or creating the lock file.
    OpenLock,
    /// Taking the lock.
    Lock,
    /// Resolving a directory or a ledger's parent.
    Resolve,
    /// Opening the ledger.
    Open,
    /// Creating a missing ledger.
    Create,
    /// Reading the ledger's metadata or its tail.
    ReadTail,
    /// Writing the batch.
    Write,
    /// Flushing the file to stable storage.
    Sync,
    /// Flushing a directory entry to stable storage.
    SyncDir,
    /// Reading back what was written.
    ReadBack,
    /// Cutting the ledger (repair, or removing a failed write).
    Truncate,
    /// Creating or writing the backup of a torn tail.
    Backup,
    /// Writing a temporary file that replaces another one when complete.
    TempFile,
    /// Renaming a complete temporary file over the file it replaces.
    Rename,
    /// Removing a file (a temporary file left by an interrupted write).
    Remove,
    /// Writing the record of a completion (what was added, and why).
    RecordFile,
}

impl fmt::Display for Op {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(match self {
            Op::OpenLock => "opening lock file",
            Op::Lock => "locking",
            Op::Resolve => "resolving",
            Op::Open => "opening",
            Op::Create => "creating",
            Op::ReadTail => "reading the end of",
            Op::Write => "writing to",
            Op::Sync => "syncing",
            Op::SyncDir => "syncing directory",
            Op::ReadBack => "reading back",
            Op::Truncate => "truncating",
            Op::Backup => "writing backup",
            Op::TempFile => "writing temporary file",
            Op::Rename => "renaming over",
            Op::Remove => "removing",
            Op::RecordFile => "writing the record of a completion",
        })
    }
}

/// Why a line of a batch was refused.
#[derive(Debug, Clone, Copy, PartialEq, Eq, thiserror::Error)]
#[non_exhaustive]
pub enum LineProblem {
    /// The line has no bytes (a blank line would break every verifier).
    #[error("it is empty")]
    Empty,
    /// A `\n` inside the line would split it into two records.
    #[error("it contains a line feed at byte {at}")]
    LineFeed {
        /// Byte index within the line.
        at: usize,
    },
    /// A `\r` would make the line look rewritten (CR LF) to the reader.
    #[error("it contains a carriage return at byte {at}")]
    CarriageReturn {
        /// Byte index within the line.
        at: usize,
    },
    /// Ledgers are UTF-8 JSON.
    #[error("it is not valid UTF-8 after byte {valid_up_to}")]
    InvalidUtf8 {
        /// Length of the valid prefix.
        valid_up_to: usize,
    },
    /// The reader would skip the line as over-long, so it could never be verified.
    #[error("it is {len} bytes long, more than the {max} bytes a reader accepts")]
    TooLong {
        /// Length of the line.
        len: usize,
        /// The limit.
        max: usize,
    },
}

/// Everything that can stop a lock, an append or a repair.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum AppendError {
    /// Another writer holds the lock (from `try_acquire`).
    #[error("another writer holds the lock {}", lock_path.display())]
    LockHeld {
        /// The lock file.
        lock_path: PathBuf,
    },
    /// The lock was still held when the timeout ran out.
    #[error("gave up waiting for the lock {} after {waited:?}", lock_path.display())]
    LockTimeout {
        /// The lock file.
        lock_path: PathBuf,
        /// How long we waited.
        waited: Duration,
    },
    /// The ledger is not inside the directory the lock covers.
    #[error("{} is not inside {}, the directory that is locked", path.display(), lock_dir.display())]
    NotUnderLock {
        /// The ledger.
        path: PathBuf,
        /// The locked directory (canonical).
        lock_dir: PathBuf,
    },
    /// The ledger does not exist (and may not be created now).
    #[error("ledger {} does not exist", path.display())]
    NotFound {
        /// The ledger.
        path: PathBuf,
    },
    /// The path is a directory, device or pipe.
    #[error("{} is not a regular file", path.display())]
    NotARegularFile {
        /// The path.
        path: PathBuf,
    },
    /// The ledger changed since the caller verified it.
    #[error(
        "ledger {} changed since it was verified: expected {expected}, found {found}; verify it again",
        path.display()
    )]
    TailMoved {
        /// The ledger.
        path: PathBuf,
        /// The tail the caller verified.
        expected: Tail,
        /// The tail on disk now.
        found: Tail,
    },
    /// The ledger ends in an incomplete line.
    #[error(
        "ledger {} ends in a torn line: {torn_bytes} bytes after the last complete line, which ends at byte {complete_len}; run `iss repair {}`",
        path.display(), path.display()
    )]
    TornTail {
        /// The ledger.
        path: PathBuf,
        /// Length up to and including the last `\n`.
        complete_len: u64,
        /// Bytes after it.
        torn_bytes: u64,
    },
    /// The batch had no lines.
    #[error("nothing to append to {}: the batch is empty", path.display())]
    EmptyBatch {
        /// The ledger.
        path: PathBuf,
    },
    /// A line of the batch cannot be written.
    #[error("line {index} of the batch for {} was refused: {problem}", path.display())]
    InvalidLine {
        /// The ledger.
        path: PathBuf,
        /// 0-based index in the batch.
        index: usize,
        /// What is wrong with it.
        problem: LineProblem,
    },
    /// What was read back differs from what was written. Nothing was undone.
    #[error(
        "read-back of {} does not match what was written: {len} bytes written at offset {offset}, first difference at offset {first_difference}; nothing was acknowledged and the file was left as it is",
        path.display()
    )]
    ReadBackMismatch {
        /// The file read back.
        path: PathBuf,
        /// Where the written bytes should start.
        offset: u64,
        /// How many bytes were written.
        len: u64,
        /// Absolute offset of the first byte that differs (or the file's end if it is short).
        first_difference: u64,
    },
    /// The path now names another file than the one written to.
    #[error(
        "{} was replaced or removed while appending: the batch went to the old file, not to this path, and was not acknowledged",
        path.display()
    )]
    Replaced {
        /// The ledger.
        path: PathBuf,
    },
    /// A failed write left bytes that could not be proven ours and removed.
    #[error(
        "{op} {} failed ({source}) and left {} after offset {offset} that could not be removed; verify the ledger",
        path.display(), left_behind(*offset, *found_len)
    )]
    PartialWrite {
        /// The ledger.
        path: PathBuf,
        /// What failed.
        op: Op,
        /// The length before the write (where the batch starts).
        offset: u64,
        /// The length found after the failure (`None` if it could not be read).
        found_len: Option<u64>,
        /// The original failure.
        #[source]
        source: io::Error,
    },
    /// The repair found the ledger changed between its steps.
    #[error(
        "ledger {} changed during repair: expected length {expected_len}, found {found_len}; nothing was truncated",
        path.display()
    )]
    ChangedDuringRepair {
        /// The ledger.
        path: PathBuf,
        /// Length when the repair started.
        expected_len: u64,
        /// Length found before truncating.
        found_len: u64,
    },
    /// ENOSPC or EDQUOT.
    #[error("no space left (disk full or quota exceeded) while {op} {}: {source}", path.display())]
    DiskFull {
        /// The file or directory.
        path: PathBuf,
        /// What failed.
        op: Op,
        /// The OS error.
        #[source]
        source: io::Error,
    },
    /// EACCES, EPERM (also from `chattr +i`/`+a`) or EROFS.
    #[error("permission denied while {op} {}: {source}", path.display())]
    PermissionDenied {
        /// The file or directory.
        path: PathBuf,
        /// What failed.
        op: Op,
        /// The OS error.
        #[source]
        source: io::Error,
    },
    /// Any other I/O failure.
    #[error("I/O error while {op} {}: {source}", path.display())]
    Io {
        /// The file or directory.
        path: PathBuf,
        /// What failed.
        op: Op,
        /// The OS error.
        #[source]
        source: io::Error,
    },
}

/// "N unacknowledged bytes", for [`AppendError::PartialWrite`].
fn left_behind(offset: u64, found_len: Option<u64>) -> String {
    match found_len {
        Some(len) => format!("{} unacknowledged bytes", len.saturating_sub(offset)),
        None => "an unknown number of unacknowledged bytes".into(),
    }
}

impl AppendError {
    /// Whether the file is known to hold exactly the bytes it held before
    /// the failed call: every variant but those that say bytes may be left
    /// ([`AppendError::PartialWrite`], [`AppendError::ReadBackMismatch`],
    /// [`AppendError::Replaced`]).
    pub fn left_file_unchanged(&self) -> bool {
        !matches!(
            self,
            AppendError::PartialWrite { .. }
                | AppendError::ReadBackMismatch { .. }
                | AppendError::Replaced { .. }
        )
    }

    /// Classify an OS error so the UI can say "disk full" or "permission denied".
    pub(crate) fn io(path: impl Into<PathBuf>, op: Op, source: io::Error) -> Self {
        let path = path.into();
        match source.kind() {
            io::ErrorKind::StorageFull | io::ErrorKind::QuotaExceeded => {
                AppendError::DiskFull { path, op, source }
            }
            io::ErrorKind::PermissionDenied | io::ErrorKind::ReadOnlyFilesystem => {
                AppendError::PermissionDenied { path, op, source }
            }
            _ => AppendError::Io { path, op, source },
        }
    }
}
