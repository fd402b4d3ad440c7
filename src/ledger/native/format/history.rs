//! A chain's checkpoint files (`docs/FORMAT.md` §7): the append-only
//! history `<chain>.jsonl.checkpoints`, one line per checkpoint ever issued,
//! and the latest one in `<chain>.jsonl.checkpoint`.

use crate::ledger::io::reader::{Content, Ending, RawLine};
use crate::ledger::io::scan::scan_file;
use crate::ledger::model::finding::{Finding, FindingKind};
use crate::ledger::model::report::FileReport;
use serde::{Deserialize, Serialize};
use std::path::Path;

/// One line of the history file, as written.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct HistoryLine {
    /// The checkpoint's tree size (also inside the signed note).
    pub size: u64,
    /// The signed note, exactly as issued.
    pub note: String,
}

impl HistoryLine {
    /// The line's exact text (compact JSON, without `\n`).
    pub fn to_line(&self) -> String {
        serde_json::to_string(self).unwrap_or_default()
    }
}

/// A history entry, located in its file.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct HistoryEntry {
    /// 1-based line.
    pub line: u64,
    /// Byte offset of the line.
    pub offset: u64,
    /// The entry.
    pub entry: HistoryLine,
}

/// Read every entry of a history file into `report` (lines, bytes,
/// findings for lines that are not entries).
pub fn read_history(path: &Path, max_line: usize, report: &mut FileReport) -> Vec<HistoryEntry> {
    let mut entries = Vec::new();
    scan_file(path, max_line, report, |line, out| {
        entries.extend(parse_entry(line, out));
    });
    report.records = entries.len() as u64;
    entries
}

/// One line of a history file as an entry; a line that is not one (too
/// long, torn, not the one allowed form) is a finding in `out`.
pub fn parse_entry(line: &RawLine<'_>, out: &mut Vec<Finding>) -> Option<HistoryEntry> {
    let (n, off) = (line.number, line.offset);
    let Content::Bytes(bytes) = line.content else {
        out.push(
            Finding::new(FindingKind::LineTooLong, "history line too long to read").at(n, off),
        );
        return None;
    };
    if line.ending == Ending::Torn {
        out.push(
            Finding::new(
                FindingKind::TornTail,
                "the last history line has no final newline: an interrupted checkpoint write (run `iss repair`)",
            )
            .at(n, off),
        );
        return None;
    }
    let parsed = std::str::from_utf8(bytes)
        .map_err(|e| e.to_string())
        .and_then(|t| {
            serde_json::from_str::<HistoryLine>(t)
                .map_err(|e| e.to_string())
                .and_then(|h| {
                    if h.to_line() == t && !line.bom && line.ending == Ending::Lf {
                        Ok(h)
                    } else {
                        Err("not in the one allowed form {\"size\":N,\"note\":\"...\"}".to_owned())
                    }
                })
        });
    match parsed {
        Ok(entry) => Some(HistoryEntry {
            line: n,
            offset: off,
            entry,
        }),
        Err(e) => {
            out.push(
                Finding::new(
                    FindingKind::ParseError,
                    format!("not a checkpoint history entry: {e}"),
                )
                .at(n, off),
            );
            None
        }
    }
}
