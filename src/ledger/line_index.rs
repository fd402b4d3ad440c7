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

use crate::ledger::reader::LineReader;
use memchr::memmem;
use std::fs::File;
use std::io::{self, Read, Seek, SeekFrom};
use std::path::{Path, PathBuf};

/// Progress is reported every this many lines while indexing.
const PROGRESS_EVERY: u64 = 1 << 16;
/// Bytes read at once while searching: whole lines, at least one.
const SEARCH_CHUNK: u64 = 4 << 20;
/// Bytes of one line searched at most (the verifier's line limit).
const SEARCH_MAX_LINE: u64 = crate::ledger::reader::DEFAULT_MAX_LINE as u64;

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
#[derive(Debug)]
pub struct IndexedFile {
    path: PathBuf,
    file: File,
    index: LineIndex,
}

impl IndexedFile {
    /// Open `path` read-only and index it; `progress` receives bytes indexed.
    pub fn open(path: &Path, progress: impl FnMut(u64)) -> io::Result<Self> {
        let file = File::open(path)?;
        let index = LineIndex::build(&file, progress)?;
        Ok(IndexedFile {
            path: path.to_path_buf(),
            file,
            index,
        })
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
    /// indexed is an error: it must be indexed again from the start.
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
        if let Some(&last) = self.index.starts.last()
            && self.read_range(old - 1, 1)? != b"\n"
        {
            // The last line was incomplete: it is read again as it is now.
            self.index.starts.pop();
            from = last;
        }
        let mut f = &self.file;
        f.seek(SeekFrom::Start(from))?;
        let mut lines = LineReader::new(f.take(len - from));
        while let Some(line) = lines.next_line()? {
            self.index.starts.push(from + line.offset);
        }
        self.index.len = from + lines.offset();
        Ok(self.lines().saturating_sub(before))
    }

    /// The first line from `from` (inclusive) in direction `dir` whose text
    /// contains `needle`, ASCII case ignored. Does not wrap around.
    pub fn find(&self, needle: &str, from: u64, dir: Direction) -> io::Result<Option<u64>> {
        let needle = needle.to_ascii_lowercase();
        if needle.is_empty() || from >= self.lines() {
            return Ok(None);
        }
        let mut at = from;
        loop {
            // A chunk of whole lines [a, b), read in one go.
            let (a, b) = self.chunk_around(at, dir);
            let (start, _) = self.index.span(a).unwrap_or((0, 0));
            let (_, end) = self.index.span(b - 1).unwrap_or((0, 0));
            let cap = if b - a == 1 {
                SEARCH_MAX_LINE
            } else {
                SEARCH_CHUNK
            };
            let mut hay = self.read_range(start, (end - start).min(cap))?;
            hay.make_ascii_lowercase();
            let hit = match dir {
                Direction::Forward => memmem::find(&hay, needle.as_bytes()),
                Direction::Backward => memmem::rfind(&hay, needle.as_bytes()),
            };
            if let Some(pos) = hit {
                return Ok(self.index.line_at(start + pos as u64));
            }
            match dir {
                Direction::Forward if b < self.lines() => at = b,
                Direction::Backward if a > 0 => at = a - 1,
                _ => return Ok(None),
            }
        }
    }

    /// Lines next to `at` (inclusive) in direction `dir` whose bytes fit a
    /// search chunk; always at least line `at`.
    fn chunk_around(&self, at: u64, dir: Direction) -> (u64, u64) {
        let size = |a: u64, b: u64| {
            let (s, _) = self.index.span(a).unwrap_or((0, 0));
            let (_, e) = self.index.span(b - 1).unwrap_or((0, 0));
            e - s
        };
        let (mut a, mut b) = (at, at + 1);
        match dir {
            Direction::Forward => {
                while b < self.lines() && size(a, b + 1) <= SEARCH_CHUNK {
                    b += 1;
                }
            }
            Direction::Backward => {
                while a > 0 && size(a - 1, b) <= SEARCH_CHUNK {
                    a -= 1;
                }
            }
        }
        (a, b)
    }

    /// Up to `len` bytes from `start` (fewer if the file shrank).
    fn read_range(&self, start: u64, len: u64) -> io::Result<Vec<u8>> {
        let mut f = &self.file;
        f.seek(SeekFrom::Start(start))?;
        let mut out =
            Vec::with_capacity(usize::try_from(len).unwrap_or(0).min(SEARCH_CHUNK as usize));
        f.take(len).read_to_end(&mut out)?;
        Ok(out)
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
    fn long_lines_are_read_truncated() {
        let (_t, f) = indexed(b"0123456789\nx\n");
        let t = f.read_line(0, 4).unwrap().unwrap();
        assert_eq!(
            (t.bytes.as_slice(), t.span_len, t.truncated),
            (&b"0123"[..], 11, true)
        );
    }

    #[test]
    fn empty_file_has_no_lines() {
        let (_t, f) = indexed(b"");
        assert_eq!(f.lines(), 0);
        assert_eq!(f.find("x", 0, Direction::Forward).unwrap(), None);
    }

    #[test]
    fn find_goes_both_ways_ignoring_ascii_case() {
        let (_t, f) = indexed(b"alpha\nBeta\ngamma\nbeta\n");
        assert_eq!(f.find("beta", 0, Direction::Forward).unwrap(), Some(1));
        assert_eq!(f.find("BETA", 2, Direction::Forward).unwrap(), Some(3));
        assert_eq!(f.find("beta", 2, Direction::Backward).unwrap(), Some(1));
        assert_eq!(f.find("beta", 0, Direction::Backward).unwrap(), None);
        assert_eq!(f.find("delta", 0, Direction::Forward).unwrap(), None);
        assert_eq!(f.find("", 0, Direction::Forward).unwrap(), None);
    }

    #[test]
    fn find_crosses_chunks() {
        // Enough lines to need several chunks.
        let line = format!("{}\n", "x".repeat(1000));
        let mut data = line.repeat(10_000).into_bytes();
        data.extend_from_slice(b"needle here\n");
        data.extend(line.repeat(10).into_bytes());
        let (_t, f) = indexed(&data);
        assert_eq!(
            f.find("NEEDLE", 0, Direction::Forward).unwrap(),
            Some(10_000)
        );
        assert_eq!(
            f.find("needle", f.lines() - 1, Direction::Backward)
                .unwrap(),
            Some(10_000)
        );
    }
}
