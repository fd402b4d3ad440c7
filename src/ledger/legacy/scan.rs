//! Walking a file's lines into a report, with I/O errors recorded, not raised.

use crate::ledger::finding::Finding;
use crate::ledger::reader::{LineReader, RawLine};
use crate::ledger::report::FileReport;
use std::fs::File;
use std::path::Path;

/// Open `path` read-only, or record why it could not be opened.
pub fn open(path: &Path, report: &mut FileReport) -> Option<File> {
    match File::open(path) {
        Ok(f) => Some(f),
        Err(e) => {
            report.error = Some(format!("cannot open {}: {e}", path.display()));
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
                report.error = Some(read_error(path, reader.offset(), &e));
                break;
            }
        }
    }
    report.lines = reader.lines_read();
    report.bytes = reader.offset();
}

/// The message for a read that failed part-way.
pub fn read_error(path: &Path, offset: u64, e: &std::io::Error) -> String {
    format!(
        "read error in {} at byte {offset}: {e}; the rest of the file was not verified",
        path.display()
    )
}
