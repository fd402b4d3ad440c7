//! Small file-system helpers shared by the writer and the repair.
//!
//! Everything reads with positioned reads (`pread`) so no handle's cursor is
//! ever moved, and in bounded chunks so a huge line or torn tail never has to
//! fit in memory.

use super::error::{AppendError, Op};
use super::storage::Storage;
use sha2::{Digest, Sha256};
use std::fs::{File, Metadata, OpenOptions};
use std::io;
use std::os::unix::fs::{FileExt, MetadataExt};
use std::path::{Path, PathBuf};

/// Chunk size for every bounded read.
pub(crate) const CHUNK: usize = 64 * 1024;

/// The directory holding `path` (`.` for a bare file name).
pub(crate) fn parent_dir(path: &Path) -> PathBuf {
    match path.parent() {
        Some(p) if !p.as_os_str().is_empty() => p.to_path_buf(),
        _ => PathBuf::from("."),
    }
}

/// Make a directory's entries (a new file, a new name) durable.
///
/// On Linux, `fsync` on a file flushes its data and inode but not the
/// directory entry that names it: a new file can vanish after a crash
/// unless its directory is synced too.
pub(crate) fn sync_dir(storage: &dyn Storage, dir: &Path) -> Result<(), AppendError> {
    storage
        .sync_dir(dir)
        .map_err(|e| AppendError::io(dir, Op::SyncDir, e))
}

/// `(device, inode)`: which file a path or handle names, to detect a file
/// swapped under us.
pub(crate) fn identity(m: &Metadata) -> (u64, u64) {
    (m.dev(), m.ino())
}

/// SHA-256 of `file[start..end]`, read in chunks.
pub(crate) fn hash_range(
    file: &File,
    start: u64,
    end: u64,
    buf: &mut [u8],
) -> io::Result<[u8; 32]> {
    let mut h = Sha256::new();
    let mut pos = start;
    while pos < end {
        let n = chunk_len(buf, end - pos);
        file.read_exact_at(&mut buf[..n], pos)?;
        h.update(&buf[..n]);
        pos += n as u64;
    }
    Ok(h.finalize().into())
}

/// Absolute offset of the first byte of `file[offset..]` that differs from
/// `expected`, or `None` when they are equal. A file that ends early differs
/// at its end.
pub(crate) fn first_difference(
    file: &File,
    offset: u64,
    expected: &[u8],
) -> io::Result<Option<u64>> {
    let mut buf = vec![0u8; CHUNK.min(expected.len().max(1))];
    let mut done = 0usize;
    while done < expected.len() {
        let want = &expected[done..(done + buf.len()).min(expected.len())];
        let got = read_up_to(file, &mut buf[..want.len()], offset + done as u64)?;
        // Slice equality is a memcmp; find the byte only when there is one.
        if want[..got] != buf[..got] {
            let i = want
                .iter()
                .zip(&buf[..got])
                .take_while(|(a, b)| a == b)
                .count();
            return Ok(Some(offset + (done + i) as u64));
        }
        if got < want.len() {
            return Ok(Some(offset + (done + got) as u64));
        }
        done += got;
    }
    Ok(None)
}

/// Fill as much of `buf` as the file holds at `offset`; fewer bytes only at EOF.
pub(crate) fn read_up_to(file: &File, buf: &mut [u8], offset: u64) -> io::Result<usize> {
    let mut got = 0;
    while got < buf.len() {
        match file.read_at(&mut buf[got..], offset + got as u64) {
            Ok(0) => break,
            Ok(n) => got += n,
            Err(e) if e.kind() == io::ErrorKind::Interrupted => {}
            Err(e) => return Err(e),
        }
    }
    Ok(got)
}

/// How much of `buf` to use when `remaining` bytes are left.
pub(crate) fn chunk_len(buf: &[u8], remaining: u64) -> usize {
    usize::try_from(remaining).map_or(buf.len(), |r| r.min(buf.len()))
}

/// SHA-256 of a byte slice.
pub(crate) fn sha256(bytes: &[u8]) -> [u8; 32] {
    Sha256::digest(bytes).into()
}

/// How many backup names to try when the first ones exist.
const NAME_TRIES: u32 = 100;

/// A new file `<stem>[-n]` in `dir` that did not exist before:
/// `create_new` makes "never overwrite" the kernel's job, not a race.
pub(crate) fn create_new_beside(
    storage: &dyn Storage,
    dir: &Path,
    stem: &str,
    op: Op,
) -> Result<(PathBuf, File), AppendError> {
    let mut last_err = None;
    for n in 0..NAME_TRIES {
        let file_name = if n == 0 {
            stem.to_owned()
        } else {
            format!("{stem}-{n}")
        };
        let p = dir.join(file_name);
        match storage.open(&p, OpenOptions::new().write(true).create_new(true), op) {
            Ok(f) => return Ok((p, f)),
            Err(e) if e.kind() == io::ErrorKind::AlreadyExists => last_err = Some((p, e)),
            Err(e) => return Err(AppendError::io(p, op, e)),
        }
    }
    let (p, e) = last_err.unwrap_or_else(|| (dir.into(), io::ErrorKind::AlreadyExists.into()));
    Err(AppendError::io(p, op, e))
}
