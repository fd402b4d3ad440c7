//! Random access to the lines of a large file: an index of line offsets.
//!
//! A reviewer scrolls a million-line chain and expects every screen at once.
//! Parsing the whole file for that would take seconds and memory in
//! proportion to its records; instead one streaming pass (the same
//! [`LineReader`] the verifier uses, so torn tails, CR LF and over-long
//! lines split exactly as verification splits them) records where each line
//! starts, and a line is then read by seeking to it. The index costs eight
//! bytes per line (8 MB for a million records) and nothing else grows with
//! the file.
//!
//! Files are opened read-only. A file that changes after it was indexed is
//! not re-read: the index describes the bytes that were there, and a read
//! past a shrunken end returns fewer bytes instead of failing loudly.
//!
//! A search reads the whole file when it finds nothing (seconds on a chain
//! of gigabytes), so the workstation runs it on a worker thread. For that
//! an [`IndexedFile`] shares its open file and its index through `Arc`s:
//! [`IndexedFile::snapshot`] costs two reference counts, every read is
//! positional (`read_at`: no seek on an offset the threads share), and
//! [`IndexedFile::refresh`] copies the index before changing it when a
//! snapshot holds it, so a snapshot keeps the lines it was taken with.
//! A search can be stopped between two chunks
//! ([`IndexedFile::find_cancellable`]).

mod find;
mod read_at;

use crate::ledger::io::reader::LineReader;
use std::fs::File;
use std::io::{self, Read};
use std::path::Path;
use std::sync::Arc;

/// Progress is reported every this many lines while indexing.
const PROGRESS_EVERY: u64 = 1 << 16;

/// Where every line of a file starts.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct LineIndex {
    /// Byte offset of each line's first byte, in file order.
    starts: Vec<u64>,
    /// Bytes indexed (the file's length when it was read).
    len: u64,
}

impl LineIndex {
    /// Index a byte stream in one pass. `progress` is called now and then
    /// with the number of bytes indexed so far.
    pub fn build<R: Read>(reader: R, mut progress: impl FnMut(u64)) -> io::Result<Self> {
        let mut lines = LineReader::new(reader);
        let mut starts = Vec::new();
        while let Some(line) = lines.next_line()? {
            starts.push(line.offset);
            if line.number % PROGRESS_EVERY == 0 {
                progress(line.end_offset());
            }
        }
        let len = lines.offset();
        progress(len);
        Ok(LineIndex { starts, len })
    }

    /// Number of lines (a torn last line counts).
    pub fn lines(&self) -> u64 {
        self.starts.len() as u64
    }

    /// Bytes indexed.
    pub fn byte_len(&self) -> u64 {
        self.len
    }

    /// The byte range of 0-based line `n`, terminator included.
    pub fn span(&self, n: u64) -> Option<(u64, u64)> {
        let i = usize::try_from(n).ok()?;
        let start = *self.starts.get(i)?;
        let end = self.starts.get(i + 1).copied().unwrap_or(self.len);
        Some((start, end))
    }

    /// The 0-based line that holds byte `offset`.
    pub fn line_at(&self, offset: u64) -> Option<u64> {
        if offset >= self.len {
            return None;
        }
        let i = self.starts.partition_point(|&s| s <= offset);
        Some(i.checked_sub(1)? as u64)
    }
}

/// The bytes of one line, as read for display.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct LineText {
    /// The line without terminator (and without a BOM on line 1); at most
    /// the requested number of bytes.
    pub bytes: Vec<u8>,
    /// Bytes the line occupies in the file, terminator included.
    pub span_len: u64,
    /// Whether `bytes` holds only the beginning of the line.
    pub truncated: bool,
}

/// Direction of a search.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Direction {
    /// Towards the end of the file.
    Forward,
    /// Towards its beginning.
    Backward,
}

/// A file opened read-only together with its line index.
///
/// Not `Clone`: [`IndexedFile::snapshot`] says what a copy is.
#[derive(Debug)]
pub struct IndexedFile {
    path: Arc<Path>,
    /// Shared with snapshots; read only at positions ([`read_at`]).
    file: Arc<File>,
    /// Shared with snapshots until [`IndexedFile::refresh`] changes it.
    index: Arc<LineIndex>,
}

impl IndexedFile {
    /// Open `path` read-only and index it; `progress` receives bytes indexed.
    pub fn open(path: &Path, progress: impl FnMut(u64)) -> io::Result<Self> {
        let file = crate::ledger::input::open_regular(path)?;
        let index = LineIndex::build(&file, progress)?;
        Ok(IndexedFile {
            path: path.into(),
            file: Arc::new(file),
            index: Arc::new(index),
        })
    }

    /// The same open file with the index as it is now, for another thread:
    /// later [`IndexedFile::refresh`]es of either do not change the other.
    #[must_use]
    pub fn snapshot(&self) -> IndexedFile {
        IndexedFile {
            path: Arc::clone(&self.path),
            file: Arc::clone(&self.file),
            index: Arc::clone(&self.index),
        }
    }

    /// The file's path.
    pub fn path(&self) -> &Path {
        &self.path
    }

    /// The line index.
    pub fn index(&self) -> &LineIndex {
        &self.index
    }

    /// Number of lines.
    pub fn lines(&self) -> u64 {
        self.index.lines()
    }

    /// Read 0-based line `n`, at most `max` bytes of it. `None` past the end.
    pub fn read_line(&self, n: u64, max: usize) -> io::Result<Option<LineText>> {
        let Some((start, end)) = self.index.span(n) else {
            return Ok(None);
        };
        let span_len = end - start;
        let want = span_len.min(max as u64);
        let mut bytes = self.read_range(start, want)?;
        let truncated = want < span_len;
        if !truncated {
            // Strip what the reader strips: LF, a CR before it, a first-line BOM.
            if bytes.last() == Some(&b'\n') {
                bytes.pop();
                if bytes.last() == Some(&b'\r') {
                    bytes.pop();
                }
            }
        }
        if n == 0 && bytes.starts_with(b"\xEF\xBB\xBF") {
            bytes.drain(..3);
        }
        Ok(Some(LineText {
            bytes,
            span_len,
            truncated,
        }))
    }

    /// Index what was appended since the file was indexed (a last line
    /// that had no newline yet is read again); return the number of lines
    /// gained. Reads only the new bytes. A file now shorter than what was
    /// indexed is an error: it must be indexed again from the start. On an
    /// error the index is left as it was.
    pub fn refresh(&mut self) -> io::Result<u64> {
        let len = self.file.metadata()?.len();
        let old = self.index.len;
        if len < old {
            return Err(io::Error::new(
                io::ErrorKind::InvalidData,
                format!(
                    "{} is shorter than when it was indexed",
                    self.path.display()
                ),
            ));
        }
        if len == old {
            return Ok(0);
        }
        let before = self.lines();
        let mut from = old;
        let mut keep = self.index.starts.len();
        if let Some(&last) = self.index.starts.last()
            && self.read_range(old - 1, 1)? != b"\n"
        {
            // The last line was incomplete: it is read again as it is now.
            keep -= 1;
            from = last;
        }
        let at = read_at::ReadAt {
            file: &self.file,
            pos: from,
        };
        let mut lines = LineReader::new(at.take(len - from));
        let mut added = Vec::new();
        while let Some(line) = lines.next_line()? {
            added.push(from + line.offset);
        }
        // Copies the index first if a snapshot (a search) still holds it.
        let index = Arc::make_mut(&mut self.index);
        index.starts.truncate(keep);
        index.starts.extend(added);
        index.len = from + lines.offset();
        Ok(self.lines().saturating_sub(before))
    }

    /// Up to `len` bytes from `start` (fewer if the file shrank).
    fn read_range(&self, start: u64, len: u64) -> io::Result<Vec<u8>> {
        read_at::read_range(&self.file, start, len)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::io::Write;

    #[test]
    fn refresh_indexes_appended_lines_and_a_completed_torn_line() {
        let mut tmp = tempfile::NamedTempFile::new().unwrap();
        tmp.write_all(b"a\nb\n").unwrap();
        let mut f = IndexedFile::open(tmp.path(), |_| {}).unwrap();
        assert_eq!(f.refresh().unwrap(), 0);
        tmp.write_all(b"c\nhal").unwrap();
        assert_eq!(f.refresh().unwrap(), 2, "c and the torn line");
        tmp.write_all(b"f\nd\n").unwrap();
        assert_eq!(f.refresh().unwrap(), 1, "the torn line completed, d is new");
        let texts: Vec<Vec<u8>> = (0..f.lines())
            .map(|n| f.read_line(n, 100).unwrap().unwrap().bytes)
            .collect();
        assert_eq!(texts, [&b"a"[..], b"b", b"c", b"half", b"d"]);
        tmp.as_file().set_len(2).unwrap();
        assert!(
            f.refresh().is_err(),
            "a shrunken file must be indexed again"
        );
    }

    fn indexed(data: &[u8]) -> (tempfile::NamedTempFile, IndexedFile) {
        let mut tmp = tempfile::NamedTempFile::new().unwrap();
        tmp.write_all(data).unwrap();
        let f = IndexedFile::open(tmp.path(), |_| {}).unwrap();
        (tmp, f)
    }

    fn text(f: &IndexedFile, n: u64) -> String {
        String::from_utf8(f.read_line(n, 1 << 20).unwrap().unwrap().bytes).unwrap()
    }

    #[test]
    fn offsets_match_the_reader_and_endings_are_stripped() {
        let (_t, f) = indexed(b"\xEF\xBB\xBFab\r\n\ncd\nef");
        assert_eq!(f.lines(), 4);
        assert_eq!(f.index().span(0), Some((0, 7)));
        assert_eq!(f.index().span(3), Some((11, 13)));
        assert_eq!(f.index().span(4), None);
        assert_eq!(
            (0..4).map(|n| text(&f, n)).collect::<Vec<_>>(),
            ["ab", "", "cd", "ef"]
        );
        assert_eq!(f.read_line(4, 10).unwrap(), None);
    }

    #[test]
    fn line_at_maps_offsets_back_to_lines() {
        let (_t, f) = indexed(b"aa\nbbb\nc\n");
        let got: Vec<_> = (0..10).map(|o| f.index().line_at(o)).collect();
        let want = [0, 0, 0, 1, 1, 1, 1, 2, 2].map(Some);
        assert_eq!(&got[..9], &want);
        assert_eq!(got[9], None);
    }

    #[test]
    fn a_snapshot_keeps_its_lines_when_the_original_refreshes() {
        let (mut tmp, mut f) = indexed(b"a\nb\nhal");
        let snap = f.snapshot();
        tmp.write_all(b"f\nc\n").unwrap();
        assert_eq!(f.refresh().unwrap(), 1);
        assert_eq!(f.lines(), 4);
        assert_eq!(text(&f, 2), "half");
        assert_eq!(snap.lines(), 3, "the snapshot's index is as it was");
        assert_eq!(snap.index().byte_len(), 7);
        assert_eq!(text(&snap, 2), "hal", "its torn line keeps its old span");
        assert_eq!(snap.read_line(3, 10).unwrap(), None);
    }

    #[test]
    fn two_threads_reading_one_file_get_their_own_bytes() {
        let lines: Vec<String> = (0..2000).map(|n| format!("line {n:05}")).collect();
        let data = lines.join("\n") + "\n";
        let (_t, f) = indexed(data.as_bytes());
        // Opposite orders, so the threads' reads interleave at different
        // offsets: with a shared seek offset they would read each other's.
        let check = |f: IndexedFile, rev: bool| {
            move || {
                for _ in 0..5 {
                    for i in 0..2000u64 {
                        let n = if rev { 1999 - i } else { i };
                        assert_eq!(text(&f, n), format!("line {n:05}"));
                    }
                }
            }
        };
        let a = std::thread::spawn(check(f.snapshot(), false));
        let b = std::thread::spawn(check(f.snapshot(), true));
        a.join().unwrap();
        b.join().unwrap();
    }

    #[test]
    fn long_lines_are_read_truncated() {
        let (_t, f) = indexed(b"0123456789\nx\n");
        let t = f.read_line(0, 4).unwrap().unwrap();
        assert_eq!(
            (t.bytes.as_slice(), t.span_len, t.truncated),
            (&b"0123"[..], 11, true)
        );
    }
}
