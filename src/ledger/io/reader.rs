//! Streaming line reader for JSONL ledgers.
//!
//! Ledgers can be far larger than memory, and evidence can be damaged in any
//! way, so the reader never holds more than one line (plus a read buffer),
//! never trusts a length, and reports every oddity instead of smoothing it
//! over: each line comes with its 1-based number, its byte offset, how it
//! ended (LF, CR LF, or not at all: a torn tail), and whether a byte order
//! mark preceded it. A line longer than the limit is skipped without being
//! allocated and reported as such.

use memchr::memchr;
use std::io::{self, Read};

/// Lines longer than this are reported, not parsed (16 MiB).
pub const DEFAULT_MAX_LINE: usize = 16 * 1024 * 1024;

const INITIAL_BUFFER: usize = 256 * 1024;
const UTF8_BOM: &[u8] = b"\xEF\xBB\xBF";

/// How a line ended.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Ending {
    /// `\n`, as every legacy writer ends a line.
    Lf,
    /// `\r\n`: the line was rewritten by something other than the writer.
    CrLf,
    /// End of file without a newline: a torn (incomplete) last line.
    Torn,
}

/// What a line holds.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Content<'a> {
    /// The line's bytes, without BOM, CR or LF.
    Bytes(&'a [u8]),
    /// The line was longer than the limit; its bytes were skipped.
    TooLong {
        /// Length of the line in bytes, without its terminator.
        len: u64,
    },
}

/// One line of a file, located.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct RawLine<'a> {
    /// 1-based line number.
    pub number: u64,
    /// Byte offset of the line's first byte (of the BOM, on a line 1 that has one).
    pub offset: u64,
    /// The line's content.
    pub content: Content<'a>,
    /// How the line ended.
    pub ending: Ending,
    /// Whether a UTF-8 byte order mark preceded this (first) line.
    pub bom: bool,
}

impl RawLine<'_> {
    /// Byte offset just past this line and its terminator.
    pub fn end_offset(&self) -> u64 {
        let body = match self.content {
            Content::Bytes(b) => b.len() as u64,
            Content::TooLong { len } => len,
        };
        let bom = if self.bom { UTF8_BOM.len() as u64 } else { 0 };
        let term = match self.ending {
            Ending::Lf => 1,
            Ending::CrLf => 2,
            Ending::Torn => 0,
        };
        self.offset + bom + body + term
    }
}

/// Reads a byte stream line by line with offsets, in bounded memory.
///
/// This is a lending reader (each line borrows the reader's buffer), so it
/// is driven with `while let Some(line) = reader.next_line()? { ... }`.
pub struct LineReader<R> {
    inner: R,
    buf: Vec<u8>,
    /// Start of the unconsumed bytes in `buf`.
    start: usize,
    /// End of the valid bytes in `buf`.
    end: usize,
    /// Bytes in `buf[start..scanned]` are known to hold no newline.
    scanned: usize,
    eof: bool,
    max_line: usize,
    /// File offset of `buf[start]`.
    offset: u64,
    line_no: u64,
}

impl<R: Read> LineReader<R> {
    /// A reader with the default 16 MiB line limit.
    pub fn new(inner: R) -> Self {
        Self::with_limit(inner, DEFAULT_MAX_LINE)
    }

    /// A reader whose lines may be at most `max_line` bytes (without terminator).
    pub fn with_limit(inner: R, max_line: usize) -> Self {
        LineReader {
            inner,
            buf: vec![0; INITIAL_BUFFER.min(max_line.saturating_add(2)).max(64)],
            start: 0,
            end: 0,
            scanned: 0,
            eof: false,
            max_line,
            offset: 0,
            line_no: 0,
        }
    }

    /// Byte offset of the next unread line: after the loop, the file's length.
    pub fn offset(&self) -> u64 {
        self.offset
    }

    /// The underlying reader (after the last line, to finish with it).
    pub fn into_inner(self) -> R {
        self.inner
    }

    /// Number of lines returned so far.
    pub fn lines_read(&self) -> u64 {
        self.line_no
    }

    /// The next line, or `None` at end of file.
    pub fn next_line(&mut self) -> io::Result<Option<RawLine<'_>>> {
        loop {
            if let Some(pos) = memchr(b'\n', &self.buf[self.scanned..self.end]) {
                let nl = self.scanned + pos;
                let (start, offset) = (self.start, self.offset);
                self.start = nl + 1;
                self.scanned = self.start;
                self.offset += (nl + 1 - start) as u64;
                return Ok(Some(self.make_line(start, nl, offset, true)));
            }
            self.scanned = self.end;
            if self.eof {
                if self.start == self.end {
                    return Ok(None);
                }
                let (start, end, offset) = (self.start, self.end, self.offset);
                self.start = end;
                self.offset += (end - start) as u64;
                return Ok(Some(self.make_line(start, end, offset, false)));
            }
            // `+ 2` leaves room for a BOM-less CR before the LF of a line at the limit.
            if self.end - self.start > self.max_line + UTF8_BOM.len() + 1 {
                return self.skip_long_line().map(Some);
            }
            self.fill()?;
        }
    }

    fn make_line(
        &mut self,
        start: usize,
        end: usize,
        offset: u64,
        terminated: bool,
    ) -> RawLine<'_> {
        self.line_no += 1;
        let mut body = &self.buf[start..end];
        let bom = self.line_no == 1 && body.starts_with(UTF8_BOM);
        if bom {
            body = &body[UTF8_BOM.len()..];
        }
        let ending = if !terminated {
            Ending::Torn
        } else if let Some(stripped) = body.strip_suffix(b"\r") {
            body = stripped;
            Ending::CrLf
        } else {
            Ending::Lf
        };
        let content = if body.len() > self.max_line {
            Content::TooLong {
                len: body.len() as u64,
            }
        } else {
            Content::Bytes(body)
        };
        RawLine {
            number: self.line_no,
            offset,
            content,
            ending,
            bom,
        }
    }

    /// Consume an over-long line without keeping it.
    fn skip_long_line(&mut self) -> io::Result<RawLine<'static>> {
        self.line_no += 1;
        let offset = self.offset;
        let bom = self.line_no == 1 && self.buf[self.start..self.end].starts_with(UTF8_BOM);
        let mut len = (self.end - self.start) as u64;
        let mut last_was_cr = self.buf[self.end - 1] == b'\r';
        self.start = 0;
        self.end = 0;
        self.scanned = 0;
        loop {
            let n = self.read_some()?;
            if n == 0 {
                let line = RawLine {
                    number: self.line_no,
                    offset,
                    content: Content::TooLong {
                        len: len - if bom { 3 } else { 0 },
                    },
                    ending: Ending::Torn,
                    bom,
                };
                self.offset += len;
                self.eof = true;
                return Ok(line);
            }
            if let Some(pos) = memchr(b'\n', &self.buf[..n]) {
                len += pos as u64;
                let cr = if pos > 0 {
                    self.buf[pos - 1] == b'\r'
                } else {
                    last_was_cr
                };
                self.start = pos + 1;
                self.end = n;
                self.scanned = self.start;
                self.offset += len + 1;
                let body = len - if bom { 3 } else { 0 } - u64::from(cr);
                return Ok(RawLine {
                    number: self.line_no,
                    offset,
                    content: Content::TooLong { len: body },
                    ending: if cr { Ending::CrLf } else { Ending::Lf },
                    bom,
                });
            }
            len += n as u64;
            last_was_cr = self.buf[n - 1] == b'\r';
        }
    }

    /// Make room and read more bytes after `end`.
    fn fill(&mut self) -> io::Result<()> {
        if self.start > 0 {
            self.buf.copy_within(self.start..self.end, 0);
            self.end -= self.start;
            self.scanned -= self.start;
            self.start = 0;
        }
        if self.end == self.buf.len() {
            let cap = (self.buf.len() * 2).min(self.max_line + UTF8_BOM.len() + 2);
            self.buf.resize(cap.max(self.end + 1), 0);
        }
        let end = self.end;
        let n = read_retrying(&mut self.inner, &mut self.buf[end..])?;
        if n == 0 {
            self.eof = true;
        }
        self.end += n;
        Ok(())
    }

    /// Read into the whole buffer (used while skipping).
    fn read_some(&mut self) -> io::Result<usize> {
        read_retrying(&mut self.inner, &mut self.buf[..])
    }
}

fn read_retrying<R: Read>(r: &mut R, buf: &mut [u8]) -> io::Result<usize> {
    loop {
        match r.read(buf) {
            Err(e) if e.kind() == io::ErrorKind::Interrupted => {}
            other => return other,
        }
    }
}

/// Each complete line of a file that parses as JSON, with its line number;
/// other lines are skipped (verification reports them). For the lookups
/// that read any of a ledger's files generically.
pub fn for_each_object(
    path: &std::path::Path,
    max_line: usize,
    mut f: impl FnMut(u64, &serde_json::Value),
) -> io::Result<()> {
    let mut reader = LineReader::with_limit(crate::ledger::input::open_regular(path)?, max_line);
    while let Some(line) = reader.next_line()? {
        let Content::Bytes(bytes) = line.content else {
            continue;
        };
        if let Ok(v) = serde_json::from_slice::<serde_json::Value>(bytes) {
            f(line.number, &v);
        }
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    /// number, offset, body (None when too long), ending, bom, end offset
    type Seen = (u64, u64, Option<Vec<u8>>, Ending, bool, u64);

    fn collect(data: &[u8], limit: usize) -> Vec<Seen> {
        let mut r = LineReader::with_limit(data, limit);
        let mut out = Vec::new();
        while let Some(l) = r.next_line().unwrap() {
            let body = match l.content {
                Content::Bytes(b) => Some(b.to_vec()),
                Content::TooLong { .. } => None,
            };
            out.push((l.number, l.offset, body, l.ending, l.bom, l.end_offset()));
        }
        assert_eq!(
            r.offset(),
            data.len() as u64,
            "offset must end at file length"
        );
        out
    }

    #[test]
    fn splits_lines_with_offsets_and_endings() {
        let lines = collect(b"ab\r\n\ncd\nef", 100);
        assert_eq!(
            lines,
            vec![
                (1, 0, Some(b"ab".to_vec()), Ending::CrLf, false, 4),
                (2, 4, Some(b"".to_vec()), Ending::Lf, false, 5),
                (3, 5, Some(b"cd".to_vec()), Ending::Lf, false, 8),
                (4, 8, Some(b"ef".to_vec()), Ending::Torn, false, 10),
            ]
        );
    }

    #[test]
    fn strips_bom_on_first_line_only() {
        let lines = collect(b"\xEF\xBB\xBFa\n\xEF\xBB\xBFb\n", 100);
        assert_eq!(lines[0].2.as_deref(), Some(&b"a"[..]));
        assert!(lines[0].4);
        assert_eq!(lines[1].2.as_deref(), Some(&b"\xEF\xBB\xBFb"[..]));
        assert!(!lines[1].4);
    }

    #[test]
    fn over_long_lines_are_skipped_and_measured() {
        let mut data = vec![b'x'; 1000];
        data.extend_from_slice(b"\nok\n");
        data.extend(vec![b'y'; 300]);
        let lines = collect(&data, 100);
        assert_eq!(lines.len(), 3);
        assert_eq!(
            (lines[0].2.clone(), lines[0].3, lines[0].5),
            (None, Ending::Lf, 1001)
        );
        assert_eq!(lines[1].2.as_deref(), Some(&b"ok"[..]));
        assert_eq!(lines[1].1, 1001);
        assert_eq!(
            (lines[2].2.clone(), lines[2].3, lines[2].5),
            (None, Ending::Torn, 1304)
        );
    }

    #[test]
    fn line_exactly_at_limit_is_kept() {
        let mut data = vec![b'z'; 100];
        data.extend_from_slice(b"\r\n");
        let lines = collect(&data, 100);
        assert_eq!(lines[0].2.as_ref().map(Vec::len), Some(100));
        assert_eq!(lines[0].3, Ending::CrLf);
    }

    #[test]
    fn lines_spanning_many_reads() {
        // A reader that returns one byte at a time exercises every refill path.
        struct OneByte<'a>(&'a [u8]);
        impl Read for OneByte<'_> {
            fn read(&mut self, buf: &mut [u8]) -> io::Result<usize> {
                if self.0.is_empty() || buf.is_empty() {
                    return Ok(0);
                }
                buf[0] = self.0[0];
                self.0 = &self.0[1..];
                Ok(1)
            }
        }
        let data = b"first line\nsecond\r\nthird";
        let mut r = LineReader::with_limit(OneByte(data), 64);
        let mut got = Vec::new();
        while let Some(l) = r.next_line().unwrap() {
            if let Content::Bytes(b) = l.content {
                got.push((String::from_utf8(b.to_vec()).unwrap(), l.offset));
            }
        }
        assert_eq!(
            got,
            vec![
                ("first line".into(), 0),
                ("second".into(), 11),
                ("third".into(), 19)
            ]
        );
    }
}
