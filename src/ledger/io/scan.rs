//! Walking a file's lines into a report, with I/O errors recorded, not raised.

use crate::ledger::io::par_lines::{LineCheck, ParLines, default_workers};
use crate::ledger::io::reader::{LineReader, RawLine};
use crate::ledger::model::finding::Finding;
use crate::ledger::model::report::FileReport;
use std::path::Path;

/// Open `path` read-only, or record why it could not be opened. The reads
/// are counted for whoever follows the file's progress
/// ([`crate::ledger::io::progress`]).
pub fn open(path: &Path, report: &mut FileReport) -> Option<crate::ledger::io::progress::Counted> {
    match crate::ledger::input::open_regular(path) {
        Ok(f) => Some(crate::ledger::io::progress::counted(path, f)),
        Err(e) => {
            report.unreadable(
                format!("cannot open {}: {e}", path.display()),
                &e.to_string(),
                None,
            );
            None
        }
    }
}

/// Feed every line of `path` to `f`, filling the report's line and byte
/// counts. A read error mid-file is recorded on the report: the lines before
/// it stay verified, the rest is reported as not read.
pub fn scan_file(
    path: &Path,
    max_line: usize,
    report: &mut FileReport,
    mut f: impl FnMut(&RawLine<'_>, &mut Vec<Finding>),
) {
    let Some(file) = open(path, report) else {
        return;
    };
    let mut reader = LineReader::with_limit(file, max_line);
    loop {
        match reader.next_line() {
            Ok(Some(line)) => f(&line, &mut report.findings),
            Ok(None) => break,
            Err(e) => {
                read_failed(report, path, reader.lines_read(), reader.offset(), &e);
                break;
            }
        }
    }
    report.lines = reader.lines_read();
    report.bytes = reader.offset();
}

/// [`scan_file`] with the per-line `check` on worker threads: `accept`
/// gets each line's result in file order, on this thread.
pub fn scan_file_parallel<T: Send + 'static>(
    path: &Path,
    max_line: usize,
    report: &mut FileReport,
    check: &LineCheck<T>,
    accept: impl FnMut(T, &mut Vec<Finding>),
) {
    scan_file_parallel_tapped(path, max_line, report, check, (None, None), accept);
}

/// [`scan_file_parallel`], copying the bytes to `tap` as they are read
/// (when the tap names `path`), and reading `path` as it grows until its
/// writer ends it (when `growing` says it is being written).
pub fn scan_file_parallel_tapped<T: Send + 'static>(
    path: &Path,
    max_line: usize,
    report: &mut FileReport,
    check: &LineCheck<T>,
    (tap, growing): (
        Option<&crate::ledger::io::tap::Tap>,
        Option<&crate::ledger::io::growing::Growing>,
    ),
    mut accept: impl FnMut(T, &mut Vec<Finding>),
) {
    let Some(file) = open(path, report) else {
        return;
    };
    let file = crate::ledger::io::growing::Growing::wrap(growing, path, file);
    let input = crate::ledger::io::tap::Tap::wrap(tap, path, file);
    let mut lines = ParLines::new(input, max_line, default_workers(), check);
    for item in lines.by_ref() {
        accept(item, &mut report.findings);
    }
    let (count, bytes) = lines.totals().unwrap_or((0, 0));
    report.lines = count;
    report.bytes = bytes;
    if let Some(e) = lines.take_error() {
        read_failed(report, path, count, bytes, &e);
    }
}

/// Record on `report` a read of `path` that failed after `lines` complete
/// lines (`bytes` bytes): the file is unreadable from the next line on.
pub fn read_failed(
    report: &mut FileReport,
    path: &Path,
    lines: u64,
    bytes: u64,
    e: &std::io::Error,
) {
    report.unreadable(
        read_error(path, bytes, e),
        &e.to_string(),
        Some((lines + 1, bytes)),
    );
}

/// The message for a read that failed part-way.
pub fn read_error(path: &Path, offset: u64, e: &std::io::Error) -> String {
    format!(
        "read error in {} at byte {offset}: {e}; the rest of the file was not verified",
        path.display()
    )
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::ledger::model::report::{Coverage, FileStatus};

    fn report() -> FileReport {
        let coverage = Coverage {
            hash_chained: true,
            witnessed_by: None,
            summary: "",
            protected_fields: vec![],
            unprotected_fields: vec![],
            checked: vec![],
            not_checked: vec![],
        };
        FileReport::new("spice_chain", String::new(), coverage)
    }

    #[test]
    fn open_failure_is_recorded_not_raised() {
        let mut r = report();
        scan_file(Path::new("/no/such/ledger.jsonl"), 100, &mut r, |_, _| {
            panic!("no lines")
        });
        r.settle();
        assert_eq!(r.status, FileStatus::Unreadable);
        assert!(
            r.error
                .as_deref()
                .unwrap()
                .starts_with("cannot open /no/such/ledger.jsonl")
        );
    }

    #[test]
    fn a_directory_in_a_files_place_is_refused_at_open() {
        // A directory opens on Linux and fails only when read (EISDIR, even
        // for root); it is refused before that, saying what it is.
        let dir = tempfile::tempdir().unwrap();
        let mut r = report();
        scan_file(dir.path(), 100, &mut r, |_, _| panic!("no lines"));
        r.settle();
        assert_eq!(r.status, FileStatus::Unreadable);
        let e = r.error.unwrap();
        assert!(e.contains("it is a directory, not a regular file"), "{e}");
    }

    #[test]
    fn read_failure_is_recorded_with_its_line_and_offset() {
        let dir = tempfile::tempdir().unwrap();
        let p = dir.path().join("x.jsonl");
        std::fs::write(&p, b"{\"a\":1}\n{\"b\":2}\n{\"c\":3}\n").unwrap();
        // EIO in the middle of line 2 (it starts at byte 8).
        let _fault = crate::ledger::input::fault::fail_reads_after(&p, 12);
        let mut r = report();
        let mut seen = Vec::new();
        scan_file(&p, 100, &mut r, |line, _| seen.push(line.number));
        r.settle();
        assert_eq!(seen, vec![1], "only the line read in full is checked");
        assert_eq!(r.status, FileStatus::Unreadable);
        let e = r.error.clone().unwrap();
        assert!(e.contains("read error") && e.contains("at byte 8"), "{e}");
        let u = &r.findings[0];
        assert_eq!(
            u.kind,
            crate::ledger::model::finding::FindingKind::Unreadable
        );
        assert_eq!((u.line, u.offset), (Some(2), Some(8)));
        assert!(u.found.as_deref().unwrap().contains("os error 5"), "{u:?}");
    }
}
