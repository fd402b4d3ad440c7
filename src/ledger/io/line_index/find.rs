//! Searching the lines of an [`IndexedFile`] for a piece of text.
//!
//! Lines are read in chunks of whole lines (up to [`SEARCH_CHUNK`] bytes)
//! and searched with `memmem`, so a search costs one pass of large reads
//! however short the lines are. Between chunks it looks at a cancel flag:
//! the workstation runs searches on a worker and stops one the user no
//! longer wants.

use super::{Direction, IndexedFile};
use memchr::memmem;
use std::io;
use std::sync::atomic::{AtomicBool, Ordering};

/// Bytes read at once while searching: whole lines, at least one.
const SEARCH_CHUNK: u64 = 4 << 20;
/// Bytes of one line searched at most (the verifier's line limit).
const SEARCH_MAX_LINE: u64 = crate::ledger::io::reader::DEFAULT_MAX_LINE as u64;

impl IndexedFile {
    /// The first line from `from` (inclusive) in direction `dir` whose text
    /// contains `needle`, ASCII case ignored. Does not wrap around.
    pub fn find(&self, needle: &str, from: u64, dir: Direction) -> io::Result<Option<u64>> {
        self.find_cancellable(needle, from, dir, &AtomicBool::new(false))
    }

    /// [`IndexedFile::find`] that gives up, with an error of kind
    /// [`io::ErrorKind::Interrupted`], once `cancel` is set: it is looked at
    /// before each chunk, so a cancelled search reads at most one more.
    pub fn find_cancellable(
        &self,
        needle: &str,
        from: u64,
        dir: Direction,
        cancel: &AtomicBool,
    ) -> io::Result<Option<u64>> {
        let needle = needle.to_ascii_lowercase();
        if needle.is_empty() || from >= self.lines() {
            return Ok(None);
        }
        let mut at = from;
        loop {
            if cancel.load(Ordering::Relaxed) {
                return Err(io::Error::new(
                    io::ErrorKind::Interrupted,
                    "search cancelled",
                ));
            }
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
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::io::Write;

    fn indexed(data: &[u8]) -> (tempfile::NamedTempFile, IndexedFile) {
        let mut tmp = tempfile::NamedTempFile::new().unwrap();
        tmp.write_all(data).unwrap();
        let f = IndexedFile::open(tmp.path(), |_| {}).unwrap();
        (tmp, f)
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

    #[test]
    fn a_set_cancel_flag_stops_the_search() {
        let (_t, f) = indexed(b"alpha\nbeta\n");
        let cancel = AtomicBool::new(true);
        let err = f
            .find_cancellable("beta", 0, Direction::Forward, &cancel)
            .unwrap_err();
        assert_eq!(err.kind(), io::ErrorKind::Interrupted);
        cancel.store(false, Ordering::Relaxed);
        let found = f.find_cancellable("beta", 0, Direction::Forward, &cancel);
        assert_eq!(found.unwrap(), Some(1), "an unset flag changes nothing");
    }
}
