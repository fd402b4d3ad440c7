//! Health of a ledger at a glance: per file, the verdict, the counts, the
//! time of the last record and whether the file can be written — what an
//! operator checks during operations, and what the legacy `/health` gave.

use crate::ledger::model::report::{FileStatus, VerifyReport};
use serde::Serialize;
use std::io::{self, Read, Seek, SeekFrom};
use std::path::Path;

/// The end of a file read to find its last line: enough for any legacy
/// record, bounded whatever the file's size.
const TAIL_BYTES: u64 = 1 << 20;

/// One file's health.
#[derive(Debug, Clone, Serialize)]
pub struct FileHealth {
    /// Stable file kind name.
    pub name: &'static str,
    /// The file.
    pub path: String,
    /// Verification verdict.
    pub status: FileStatus,
    /// Records read.
    pub records: u64,
    /// Violations and warnings found.
    pub violations: usize,
    /// Warnings found.
    pub warnings: usize,
    /// The time field of the last complete line (`assessed_at`, `timestamp`
    /// or `utc_iso`; in a native record, its body's `assessed_at`, `utc`,
    /// `legacy_pulse.utc_iso` or `created`), as stored.
    pub last_record_time: Option<String>,
    /// File size in bytes.
    pub bytes: u64,
    /// Whether the file's permission bits allow writing (append-only or
    /// immutable attributes are not read here).
    pub mode_allows_writes: Option<bool>,
}

/// Health of every file of a verified ledger.
pub fn health(report: &VerifyReport) -> Vec<FileHealth> {
    report
        .files
        .iter()
        .map(|f| {
            let path = Path::new(&f.path);
            FileHealth {
                name: f.name,
                path: f.path.clone(),
                status: f.status,
                records: f.records,
                violations: f.violations(),
                warnings: f.warnings(),
                last_record_time: last_line(path).ok().flatten().and_then(|l| record_time(&l)),
                bytes: f.bytes,
                mode_allows_writes: std::fs::metadata(path)
                    .ok()
                    .map(|m| !m.permissions().readonly()),
            }
        })
        .collect()
}

/// The last complete line of a file (without its newline), read from its
/// end only.
pub fn last_line(path: &Path) -> io::Result<Option<Vec<u8>>> {
    let mut file = crate::ledger::input::open_regular(path)?;
    let len = file.metadata()?.len();
    let start = len.saturating_sub(TAIL_BYTES);
    file.seek(SeekFrom::Start(start))?;
    let mut buf = Vec::new();
    file.take(TAIL_BYTES).read_to_end(&mut buf)?;
    // Only complete lines count: drop a torn tail after the last newline.
    let Some(end) = buf.iter().rposition(|b| *b == b'\n') else {
        return Ok(None);
    };
    let body = &buf[..end];
    let begin = body.iter().rposition(|b| *b == b'\n').map_or(0, |i| i + 1);
    if begin == 0 && start > 0 {
        // The line started before the window: too long to be a record.
        return Ok(None);
    }
    Ok(Some(body[begin..].to_vec()))
}

/// The time a record says it was written, by the field its file uses: a
/// legacy line's own field, or a native record's body's (`assessed_at`,
/// `utc`, a migrated pulse's `legacy_pulse.utc_iso`, an event's `created`,
/// a migrated start-log line's `timestamp` inside its `legacy_text`).
fn record_time(line: &[u8]) -> Option<String> {
    let v: serde_json::Value = serde_json::from_slice(line).ok()?;
    let body = v.get("body");
    let legacy_pulse = body.and_then(|b| b.get("legacy_pulse"));
    let legacy_text: Option<serde_json::Value> = body
        .and_then(|b| b.get("legacy_text"))
        .and_then(serde_json::Value::as_str)
        .and_then(|t| serde_json::from_str(t.trim_start_matches('\u{feff}')).ok());
    [Some(&v), body, legacy_pulse, legacy_text.as_ref()]
        .into_iter()
        .flatten()
        .find_map(|o| {
            ["assessed_at", "timestamp", "utc_iso", "utc", "created"]
                .iter()
                .find_map(|k| o.get(*k).and_then(serde_json::Value::as_str))
        })
        .map(str::to_owned)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn last_line_ignores_a_torn_tail_and_reads_only_the_end() {
        let dir = tempfile::tempdir().unwrap();
        let p = dir.path().join("f.jsonl");
        std::fs::write(
            &p,
            b"{\"timestamp\":\"a\"}\n{\"timestamp\":\"b\"}\n{\"timest",
        )
        .unwrap();
        let last = last_line(&p).unwrap().unwrap();
        assert_eq!(record_time(&last).as_deref(), Some("b"));
        for (line, time) in [
            (
                &br#"{"seq":0,"prev":"00","body":{"assessed_at":"t1"},"hash":"h"}"#[..],
                "t1",
            ),
            (
                br#"{"seq":0,"prev":"00","body":{"tai_ns":1,"utc":"t2"},"hash":"h"}"#,
                "t2",
            ),
            (
                br#"{"seq":0,"prev":"00","body":{"legacy_pulse":{"utc_iso":"t3"}},"hash":"h"}"#,
                "t3",
            ),
            (br#"{"format":"iss-native-v1","created":"t4"}"#, "t4"),
            (
                br#"{"seq":1,"prev":"00","body":{"legacy_line":1,"legacy_text":"{\"timestamp\": \"t5\"}","type":"legacy_time_keeper_start"},"hash":"h"}"#,
                "t5",
            ),
        ] {
            assert_eq!(record_time(line).as_deref(), Some(time));
        }
        std::fs::write(&p, b"no newline at all").unwrap();
        assert_eq!(last_line(&p).unwrap(), None);
        std::fs::write(&p, b"").unwrap();
        assert_eq!(last_line(&p).unwrap(), None);
    }
}
