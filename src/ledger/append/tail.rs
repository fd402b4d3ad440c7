//! What the end of a ledger looks like, read from the end.
//!
//! An append is only safe onto the exact bytes the caller verified. Checking
//! the whole file again before every append would make appends O(file), so
//! the caller's verification is summed up as a [`Tail`] (length plus the hash
//! of the last complete line) and compared with the file's current tail,
//! which is found by reading backwards from the end in bounded chunks. A
//! length match alone would miss an in-place edit of the last line; the hash
//! alone would miss a truncation to an earlier identical line.

use super::error::{AppendError, Op};
use super::fsio::{self, CHUNK};
use crate::ledger::io::reader::{Content, Ending, RawLine};
use sha2::{Digest, Sha256};
use std::fmt;
use std::fs::{self, File};
use std::io;
use std::os::unix::fs::FileExt;
use std::path::Path;

/// The end of a ledger as verified: its length and its last complete line.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub struct Tail {
    /// File length in bytes, up to and including the last `\n`.
    pub len: u64,
    /// SHA-256 of the last complete line's raw bytes without the final `\n`
    /// (a `\r` before it, or a BOM on line 1, are included: this pins bytes,
    /// not records). `None` when the file holds no complete line.
    pub last_line_sha256: Option<[u8; 32]>,
}

/// What the end of a file looks like now.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum TailState {
    /// There is no file at the path.
    Missing,
    /// The file exists and is empty.
    Empty,
    /// The file ends with `\n`.
    Clean(Tail),
    /// The file ends in an incomplete line (a crash mid-write, or damage).
    Torn {
        /// The file up to its last complete line.
        complete: Tail,
        /// Bytes after that line (all of the file if it has no `\n`).
        torn_bytes: u64,
    },
}

impl Tail {
    /// The tail of an empty (or not yet created) ledger.
    pub const EMPTY: Tail = Tail {
        len: 0,
        last_line_sha256: None,
    };

    /// Read the current tail of the file at `path`, from its end.
    ///
    /// Reads only the last line (in 64 KiB chunks), never the whole file.
    /// Call it with the [`LedgerLock`](super::LedgerLock) held: reads are not
    /// atomic with writes, so without the lock a write in progress can show
    /// as a torn tail.
    pub fn read(path: &Path) -> Result<TailState, AppendError> {
        // Look before opening: opening a named pipe for reading would block.
        match fs::metadata(path) {
            Ok(m) if !m.file_type().is_file() => {
                return Err(AppendError::NotARegularFile { path: path.into() });
            }
            Ok(_) => {}
            Err(e) if e.kind() == io::ErrorKind::NotFound => return Ok(TailState::Missing),
            Err(e) => return Err(AppendError::io(path, Op::ReadTail, e)),
        }
        match File::open(path) {
            Ok(file) => tail_of(&file, path),
            Err(e) if e.kind() == io::ErrorKind::NotFound => Ok(TailState::Missing),
            Err(e) => Err(AppendError::io(path, Op::ReadTail, e)),
        }
    }

    /// The tail of a file that ends right after `line`, as a verifier walking
    /// the file with [`LineReader`](crate::ledger::io::reader::LineReader) sees it.
    ///
    /// `None` for a torn line or one too long to have been kept: such a line
    /// cannot end a verified ledger (use [`Tail::read`] instead).
    pub fn after_line(line: &RawLine<'_>) -> Option<Tail> {
        let Content::Bytes(body) = line.content else {
            return None;
        };
        let mut h = Sha256::new();
        if line.bom {
            h.update(b"\xEF\xBB\xBF");
        }
        h.update(body);
        match line.ending {
            Ending::Lf => {}
            Ending::CrLf => h.update(b"\r"),
            Ending::Torn => return None,
        }
        Some(Tail {
            len: line.end_offset(),
            last_line_sha256: Some(h.finalize().into()),
        })
    }
}

impl fmt::Display for Tail {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match &self.last_line_sha256 {
            Some(h) => write!(
                f,
                "length {} with last line sha256 {}",
                self.len,
                hex::encode(h)
            ),
            None => write!(f, "length {} with no complete line", self.len),
        }
    }
}

impl TailState {
    /// The file's length (0 when missing).
    pub fn file_len(&self) -> u64 {
        match self {
            TailState::Missing | TailState::Empty => 0,
            TailState::Clean(t) => t.len,
            TailState::Torn {
                complete,
                torn_bytes,
            } => complete.len + torn_bytes,
        }
    }

    /// The tail up to the last complete line ([`Tail::EMPTY`] when there is none).
    pub fn complete(&self) -> Tail {
        match self {
            TailState::Missing | TailState::Empty => Tail::EMPTY,
            TailState::Clean(t) | TailState::Torn { complete: t, .. } => *t,
        }
    }

    /// Whether the file ends in an incomplete line.
    pub fn is_torn(&self) -> bool {
        matches!(self, TailState::Torn { .. })
    }
}

/// The tail of an open file, read through `file` so that it is the same
/// inode the caller goes on to write, whatever happens to `path`.
pub(crate) fn tail_of(file: &File, path: &Path) -> Result<TailState, AppendError> {
    let meta = file
        .metadata()
        .map_err(|e| AppendError::io(path, Op::ReadTail, e))?;
    // A directory or device has a "length" that means nothing here.
    if !meta.file_type().is_file() {
        return Err(AppendError::NotARegularFile { path: path.into() });
    }
    tail_with_chunk(file, meta.len(), CHUNK).map_err(|e| AppendError::io(path, Op::ReadTail, e))
}

/// The tail of the first `len` bytes of `file`, reading `chunk` bytes at a
/// time (a parameter so tests can cross chunk borders).
pub(crate) fn tail_with_chunk(file: &File, len: u64, chunk: usize) -> io::Result<TailState> {
    if len == 0 {
        return Ok(TailState::Empty);
    }
    // A few KiB hold a ledger's last line: start there, grow up to `chunk`
    // for longer lines (the writer and the server read two tails per batch).
    let mut buf = vec![0u8; chunk.clamp(1, FIRST_READ)];
    let Some(last_nl) = rfind_newline(file, len, &mut buf, chunk)? else {
        return Ok(TailState::Torn {
            complete: Tail::EMPTY,
            torn_bytes: len,
        });
    };
    let start = rfind_newline(file, last_nl, &mut buf, chunk)?.map_or(0, |p| p + 1);
    let complete = Tail {
        len: last_nl + 1,
        last_line_sha256: Some(fsio::hash_range(file, start, last_nl, &mut buf)?),
    };
    Ok(if complete.len == len {
        TailState::Clean(complete)
    } else {
        TailState::Torn {
            complete,
            torn_bytes: len - complete.len,
        }
    })
}

/// Bytes the first backward read of a tail takes.
const FIRST_READ: usize = 4096;

/// Offset of the last `\n` in `file[..end]`, scanning backwards; `buf`
/// doubles after each read without one, up to `max` bytes.
fn rfind_newline(file: &File, end: u64, buf: &mut Vec<u8>, max: usize) -> io::Result<Option<u64>> {
    let mut hi = end;
    while hi > 0 {
        let n = fsio::chunk_len(buf, hi);
        let lo = hi - n as u64;
        let chunk = &mut buf[..n];
        file.read_exact_at(chunk, lo)?;
        if let Some(i) = memchr::memrchr(b'\n', chunk) {
            return Ok(Some(lo + i as u64));
        }
        hi = lo;
        if buf.len() < max {
            buf.resize(buf.len().saturating_mul(2).min(max), 0);
        }
    }
    Ok(None)
}
