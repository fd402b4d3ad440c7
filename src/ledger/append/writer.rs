//! Appending a batch of lines: check, write once, sync, read back.
//!
//! The order is what makes an acknowledgement safe: the tail is compared
//! through the same handle that will write (so it is the same inode), the
//! whole batch goes out in one `write` on an `O_APPEND` handle (so the kernel
//! places it at the end in one piece), `fdatasync` makes it durable, and
//! only a read-back through a fresh handle that sees exactly our bytes at
//! exactly the offset we checked lets [`append_lines`] return `Ok`.

use super::error::{AppendError, LineProblem, Op};
use super::fsio;
use super::lock::LedgerLock;
use super::storage::{Storage, SyncKind};
use super::tail::{self, Tail, TailState};
use crate::ledger::io::reader::DEFAULT_MAX_LINE;
use std::fs::{self, File, OpenOptions};
use std::io;
use std::path::Path;

/// How to append.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct AppendOptions {
    /// Create the ledger if it does not exist (then `expected` must be
    /// [`Tail::EMPTY`]). Off by default: a ledger that vanished is news.
    pub create: bool,
}

/// A batch that is written, durable and read back: it may be acknowledged.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Appended {
    /// Offset of the batch's first byte (the old length).
    pub offset: u64,
    /// Bytes written, newlines included.
    pub bytes: u64,
    /// The tail after the batch, to pass to the next append.
    pub new_tail: Tail,
    /// Offset of each line of the batch, in order.
    pub line_offsets: Vec<u64>,
}

/// Append `lines` to the ledger at `path`, whose verified tail is `expected`.
///
/// Refuses, writing nothing, when a line is invalid (see [`validate_line`]),
/// when the file's tail is not `expected` or is torn, or when `path` is not
/// inside the locked directory. On `Ok` the batch is on stable storage as
/// far as the kernel can tell and has been read back. See
/// [`AppendError`] for what each failure leaves behind.
pub fn append_lines<L: AsRef<[u8]>>(
    lock: &mut LedgerLock,
    path: &Path,
    expected: &Tail,
    lines: &[L],
    opts: AppendOptions,
) -> Result<Appended, AppendError> {
    let storage = lock.storage();
    let p = prepare(lock, path, expected, lines, opts)?;
    let synced = p.write(storage).and_then(|()| p.sync(storage));
    p.finish(storage, synced)
}

/// [`append_lines`] to two files of the ledger with one sync round: both
/// batches are checked and written, the first file is synced, then each is
/// read back. The second file's lines are **not** synced here: the caller
/// makes them durable later ([`sync_file`], or the next [`append_lines`] to
/// that file, whose `fdatasync` covers every byte written before it), and
/// must pair only lines whose loss in a crash is explained without them
/// (in a legacy ledger: the manifest lines of records already durable,
/// under a batch record that stays until the manifest is synced). Each
/// result is otherwise the one [`append_lines`] gives for that file alone,
/// with the same undo on failure; neither depends on the other.
pub fn append_lines_together<A, B>(
    lock: &mut LedgerLock,
    first: (&Path, &Tail, &[A]),
    second: (&Path, &Tail, &[B]),
) -> (Result<Appended, AppendError>, Result<Appended, AppendError>)
where
    A: AsRef<[u8]>,
    B: AsRef<[u8]>,
{
    let storage = lock.storage();
    let opts = AppendOptions::default();
    let p1 = prepare(lock, first.0, first.1, first.2, opts);
    let p2 = prepare(lock, second.0, second.1, second.2, opts);
    let (p1, p2) = match (p1, p2) {
        (Ok(a), Ok(b)) => (a, b),
        (a, b) => {
            // Nothing was written to either file.
            let not = |r: Result<Prepared, AppendError>| r.and_then(|p| Err(p.not_written()));
            return (not(a), not(b));
        }
    };
    let w1 = p1.write(storage);
    let w2 = p2.write(storage);
    // One fdatasync a round: the second file's would double the round's
    // wait on a busy disk (measured: scripts/fsync_probe.py --files 1|2).
    let s1 = w1.and_then(|()| p1.sync(storage));
    (p1.finish(storage, s1), p2.finish(storage, w2))
}

/// Make every byte written to the ledger file at `path` durable
/// (`fdatasync`), e.g. lines [`append_lines_together`] left unsynced.
/// A file that does not exist has nothing to make durable.
pub fn sync_file(lock: &LedgerLock, path: &Path) -> Result<(), AppendError> {
    lock.covers(path)?;
    let storage = lock.storage();
    let mut oo = OpenOptions::new();
    oo.read(true);
    let file = match storage.open(path, &oo, Op::Open) {
        Ok(f) => f,
        Err(e) if e.kind() == io::ErrorKind::NotFound => return Ok(()),
        Err(e) => return Err(AppendError::io(path, Op::Open, e)),
    };
    storage
        .sync(&file, path, SyncKind::Data)
        .map_err(|e| AppendError::io(path, Op::Sync, e))
}

/// A batch checked against its file and ready to go out: the open handle,
/// the old length, and the bytes.
struct Prepared<'a> {
    path: &'a Path,
    file: File,
    old_len: u64,
    buf: Vec<u8>,
    line_offsets: Vec<u64>,
    last: Vec<u8>,
}

/// Validate the lines, open the file and check its tail: nothing written.
fn prepare<'a, L: AsRef<[u8]>>(
    lock: &LedgerLock,
    path: &'a Path,
    expected: &Tail,
    lines: &[L],
    opts: AppendOptions,
) -> Result<Prepared<'a>, AppendError> {
    if lines.is_empty() {
        return Err(AppendError::EmptyBatch { path: path.into() });
    }
    for (index, line) in lines.iter().enumerate() {
        validate_line(line.as_ref()).map_err(|problem| AppendError::InvalidLine {
            path: path.into(),
            index,
            problem,
        })?;
    }
    lock.covers(path)?;
    let file = open_ledger(lock.storage(), path, expected, opts)?;
    let old_len = check_tail(&file, path, expected)?;

    let total: usize = lines.iter().map(|l| l.as_ref().len() + 1).sum();
    let mut buf = Vec::with_capacity(total);
    let mut line_offsets = Vec::with_capacity(lines.len());
    for line in lines {
        line_offsets.push(old_len + buf.len() as u64);
        buf.extend_from_slice(line.as_ref());
        buf.push(b'\n');
    }
    Ok(Prepared {
        path,
        file,
        old_len,
        buf,
        line_offsets,
        last: lines.last().map_or(&[][..], AsRef::as_ref).to_vec(),
    })
}

/// A step that failed, and how.
type StepFailed = (Op, io::Error);

impl Prepared<'_> {
    /// The whole batch in one `write`.
    fn write(&self, storage: &dyn Storage) -> Result<(), StepFailed> {
        storage
            .write_all(&self.file, self.path, &self.buf)
            .map_err(|e| (Op::Write, e))
    }

    /// fdatasync also flushes the new size, which is all an append changes.
    fn sync(&self, storage: &dyn Storage) -> Result<(), StepFailed> {
        storage
            .sync(&self.file, self.path, SyncKind::Data)
            .map_err(|e| (Op::Sync, e))
    }

    /// The error for a batch that was prepared but not written because its
    /// pair could not be: nothing changed in this file.
    fn not_written(self) -> AppendError {
        AppendError::io(
            self.path,
            Op::Write,
            io::Error::other("not written: the other file of the pair was refused"),
        )
    }

    /// After the write and sync: undo on their failure, else read back.
    fn finish(
        self,
        storage: &dyn Storage,
        synced: Result<(), StepFailed>,
    ) -> Result<Appended, AppendError> {
        let (file, path, old_len, buf) = (&self.file, self.path, self.old_len, &self.buf);
        if let Err((op, e)) = synced {
            return Err(undo(storage, file, path, old_len, buf, op, e));
        }
        match read_back(storage, file, path, old_len, buf) {
            Ok(()) => {}
            // Written and synced, but not read back: not acknowledged, so the
            // batch must not stay either (a caller would retry it). Removed if
            // provably ours, as after a failed write.
            Err(ReadBackFailed::Io(e)) => {
                return Err(undo(storage, file, path, old_len, buf, Op::ReadBack, e));
            }
            Err(ReadBackFailed::Differs(e)) => return Err(e),
        }
        Ok(Appended {
            offset: old_len,
            bytes: buf.len() as u64,
            new_tail: Tail {
                len: old_len + buf.len() as u64,
                last_line_sha256: Some(fsio::sha256(&self.last)),
            },
            line_offsets: self.line_offsets,
        })
    }
}

/// Check one line: non-empty, no `\n` or `\r`, UTF-8, not over the reader's limit.
pub fn validate_line(line: &[u8]) -> Result<(), LineProblem> {
    if line.is_empty() {
        return Err(LineProblem::Empty);
    }
    if line.len() > DEFAULT_MAX_LINE {
        return Err(LineProblem::TooLong {
            len: line.len(),
            max: DEFAULT_MAX_LINE,
        });
    }
    if let Some(at) = memchr::memchr(b'\n', line) {
        return Err(LineProblem::LineFeed { at });
    }
    if let Some(at) = memchr::memchr(b'\r', line) {
        return Err(LineProblem::CarriageReturn { at });
    }
    std::str::from_utf8(line).map_err(|e| LineProblem::InvalidUtf8 {
        valid_up_to: e.valid_up_to(),
    })?;
    Ok(())
}

/// Open for reading and appending; create only a missing ledger the caller
/// expects to be empty.
fn open_ledger(
    storage: &dyn Storage,
    path: &Path,
    expected: &Tail,
    opts: AppendOptions,
) -> Result<File, AppendError> {
    let mut oo = OpenOptions::new();
    oo.read(true).append(true);
    match storage.open(path, &oo, Op::Open) {
        Ok(f) => return Ok(f),
        Err(e) if e.kind() != io::ErrorKind::NotFound => {
            return Err(AppendError::io(path, Op::Open, e));
        }
        Err(_) => {}
    }
    if !opts.create || *expected != Tail::EMPTY {
        return Err(AppendError::NotFound { path: path.into() });
    }
    match storage.open(path, oo.clone().create_new(true), Op::Create) {
        Ok(f) => {
            // The new name must survive a crash, or the acknowledged batch
            // would be in a file nobody can find.
            fsio::sync_dir(storage, &fsio::parent_dir(path))?;
            Ok(f)
        }
        // Created by someone else meanwhile: the tail check decides.
        Err(e) if e.kind() == io::ErrorKind::AlreadyExists => storage
            .open(path, &oo, Op::Open)
            .map_err(|e| AppendError::io(path, Op::Open, e)),
        Err(e) => Err(AppendError::io(path, Op::Create, e)),
    }
}

/// The file's length, if its tail is the one the caller verified.
fn check_tail(file: &File, path: &Path, expected: &Tail) -> Result<u64, AppendError> {
    let found = match tail::tail_of(file, path)? {
        TailState::Torn {
            complete,
            torn_bytes,
        } => {
            return Err(AppendError::TornTail {
                path: path.into(),
                complete_len: complete.len,
                torn_bytes,
            });
        }
        state => state.complete(),
    };
    if found == *expected {
        Ok(found.len)
    } else {
        Err(AppendError::TailMoved {
            path: path.into(),
            expected: *expected,
            found,
        })
    }
}

/// Why a read-back did not confirm the batch.
#[derive(Debug)]
pub(super) enum ReadBackFailed {
    /// The file could not be read: nothing is known about the bytes.
    Io(io::Error),
    /// The file was read and is not what was written (or not where).
    Differs(AppendError),
}

/// Compare the file at `path` (a fresh handle, so no state of ours can
/// answer for the disk) with what we wrote through `file`.
pub(super) fn read_back(
    storage: &dyn Storage,
    file: &File,
    path: &Path,
    offset: u64,
    buf: &[u8],
) -> Result<(), ReadBackFailed> {
    let replaced = || ReadBackFailed::Differs(AppendError::Replaced { path: path.into() });
    let ours = fsio::identity(&file.metadata().map_err(ReadBackFailed::Io)?);
    // Compare by path before opening (a pipe swapped in would block the
    // open), and by handle after (the path may change in between).
    match fs::metadata(path) {
        Ok(m) if fsio::identity(&m) == ours => {}
        Ok(_) => return Err(replaced()),
        Err(e) if e.kind() == io::ErrorKind::NotFound => return Err(replaced()),
        Err(e) => return Err(ReadBackFailed::Io(e)),
    }
    let mut oo = OpenOptions::new();
    oo.read(true);
    let fresh = storage
        .open(path, &oo, Op::ReadBack)
        .map_err(ReadBackFailed::Io)?;
    let fresh_meta = fresh.metadata().map_err(ReadBackFailed::Io)?;
    if fsio::identity(&fresh_meta) != ours {
        return Err(replaced());
    }
    match fsio::first_difference(&fresh, offset, buf) {
        Ok(None) => Ok(()),
        Ok(Some(first_difference)) => Err(ReadBackFailed::Differs(AppendError::ReadBackMismatch {
            path: path.into(),
            offset,
            len: buf.len() as u64,
            first_difference,
        })),
        Err(e) => Err(ReadBackFailed::Io(e)),
    }
}

/// After a failed write or sync, remove what this batch added, but only
/// bytes provably ours: the file must be `old_len` plus a prefix of `buf`.
/// Returns the error to report.
pub(super) fn undo(
    storage: &dyn Storage,
    file: &File,
    path: &Path,
    old_len: u64,
    buf: &[u8],
    op: Op,
    cause: io::Error,
) -> AppendError {
    let found_len = file.metadata().ok().map(|m| m.len());
    let added = found_len.and_then(|len| len.checked_sub(old_len));
    let removed = match added {
        Some(0) => true,
        Some(n) if n <= buf.len() as u64 => {
            let ours = matches!(
                fsio::first_difference(file, old_len, &buf[..n as usize]),
                Ok(None)
            );
            // sync_all: the truncation is a metadata change that must be durable.
            ours && storage
                .set_len(file, path, old_len)
                .and_then(|()| storage.sync(file, path, SyncKind::All))
                .is_ok()
        }
        _ => false,
    };
    if removed {
        AppendError::io(path, op, cause)
    } else {
        AppendError::PartialWrite {
            path: path.into(),
            op,
            offset: old_len,
            found_len,
            source: cause,
        }
    }
}
