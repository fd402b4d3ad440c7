//! Reads at a byte position that never touch the file's shared offset.
//!
//! One open file serves the UI thread (rows, appended lines) and search
//! workers at once. A seek followed by a read is two steps on an offset
//! the threads share, so one thread's seek could land between the other's
//! seek and read and hand it the wrong bytes. `pread` (Unix) and
//! `ReadFile` with an offset (Windows) are one step each.
//!
//! On Windows the positional read also moves the shared offset; nothing
//! here relies on that offset, which is why every read of an
//! [`super::IndexedFile`] after opening goes through this module.

use std::fs::File;
use std::io::{self, Read};

/// Read into `buf` from byte `offset`; the bytes read (0 at the end).
#[cfg(unix)]
fn read_once(file: &File, buf: &mut [u8], offset: u64) -> io::Result<usize> {
    std::os::unix::fs::FileExt::read_at(file, buf, offset)
}

/// Read into `buf` from byte `offset`; the bytes read (0 at the end).
#[cfg(windows)]
fn read_once(file: &File, buf: &mut [u8], offset: u64) -> io::Result<usize> {
    std::os::windows::fs::FileExt::seek_read(file, buf, offset)
}

/// Up to `len` bytes from `start`: fewer only at the end of the file (one
/// that shrank since it was indexed gives what is left, not an error).
pub(super) fn read_range(file: &File, start: u64, len: u64) -> io::Result<Vec<u8>> {
    let want = usize::try_from(len).map_err(|_| io::Error::other("read too large"))?;
    let mut out = vec![0; want];
    let mut filled = 0;
    while filled < want {
        match read_once(file, &mut out[filled..], start + filled as u64) {
            Ok(0) => break,
            Ok(n) => filled += n,
            Err(e) if e.kind() == io::ErrorKind::Interrupted => {}
            Err(e) => return Err(e),
        }
    }
    out.truncate(filled);
    Ok(out)
}

/// A [`Read`] over `file` from a position of its own, for the streaming
/// [`crate::ledger::io::reader::LineReader`].
pub(super) struct ReadAt<'a> {
    /// The file.
    pub file: &'a File,
    /// Where the next read starts.
    pub pos: u64,
}

impl Read for ReadAt<'_> {
    fn read(&mut self, buf: &mut [u8]) -> io::Result<usize> {
        let n = read_once(self.file, buf, self.pos)?;
        self.pos += n as u64;
        Ok(n)
    }
}
