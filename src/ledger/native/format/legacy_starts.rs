//! The legacy time keeper's start log (`forensic_audit.log`) carried into a
//! migrated native ledger (`docs/FORMAT.md` §10.2).
//!
//! The start log is what tells a restart of the legacy time keeper from an
//! anomaly, so a migration must not lose it; and since the legacy file is
//! not chained at all, a side copy would prove nothing. Each line is copied,
//! byte for byte, as one `events` record of type
//! `legacy_time_keeper_start`: the records are then hash-chained, covered
//! by the signed checkpoints, and the concatenation of their texts (each
//! followed by `\n`) reproduces the file whose SHA-256 the genesis event's
//! `migrated_from` recorded.

use crate::ledger::io::reader::{Content, LineReader};
use crate::ledger::native::format::record::parse_fields;
use serde::Deserialize;
use sha2::{Digest, Sha256};
use std::io::{self, BufRead, BufReader};
use std::path::Path;

/// `type` of an `events` record holding one line of the legacy start log.
pub const START_EVENT: &str = "legacy_time_keeper_start";

/// The start log as the legacy ledger holds it, read once.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct StartLog {
    /// Each line's text, without its `\n` (a `\r` before it, or a byte order
    /// mark, stays: the copy is exact).
    pub lines: Vec<String>,
    /// SHA-256 of the bytes read, lower-case hex.
    pub sha256: String,
}

/// Read the start log at `path`: UTF-8 lines, each ending in `\n` (a torn
/// last line or a line that is not UTF-8 is an error; verification refuses
/// a migration of such a log before this is called).
pub fn read_start_log(path: &Path) -> io::Result<StartLog> {
    let mut reader = BufReader::new(crate::ledger::input::open_regular(path)?);
    let mut hash = Sha256::new();
    let mut lines = Vec::new();
    let mut buf = Vec::new();
    loop {
        buf.clear();
        if reader.read_until(b'\n', &mut buf)? == 0 {
            break;
        }
        hash.update(&buf);
        let Some(text) = buf.strip_suffix(b"\n") else {
            return Err(io::Error::new(
                io::ErrorKind::InvalidData,
                format!("line {}: no final newline (a torn tail)", lines.len() + 1),
            ));
        };
        let text = std::str::from_utf8(text).map_err(|e| {
            io::Error::new(
                io::ErrorKind::InvalidData,
                format!("line {}: {e}", lines.len() + 1),
            )
        })?;
        lines.push(text.to_owned());
    }
    Ok(StartLog {
        lines,
        sha256: hex::encode(hash.finalize()),
    })
}

/// The body of the `events` record for line `legacy_line` (1-based) of the
/// start log, whose text is `text` (compact JSON).
pub fn start_body(legacy_line: u64, text: &str) -> String {
    serde_json::json!({
        "type": START_EVENT,
        "legacy_line": legacy_line,
        "legacy_text": text,
    })
    .to_string()
}

/// One start-log line found in a native ledger's `events` chain.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct StartRecord {
    /// The `events` line that holds it.
    pub events_line: u64,
    /// Its line in the legacy start log.
    pub legacy_line: u64,
    /// The legacy line's text.
    pub text: String,
}

impl StartRecord {
    /// The `timestamp` the legacy line states, read as the legacy
    /// verifier reads the log: a JSON object (after a byte order mark, if
    /// any) with a string `timestamp`.
    pub fn timestamp(&self) -> Option<String> {
        let text = self.text.strip_prefix('\u{feff}').unwrap_or(&self.text);
        let v: serde_json::Value = serde_json::from_str(text).ok()?;
        v.get("timestamp")?.as_str().map(str::to_owned)
    }
}

#[derive(Deserialize)]
struct Body {
    #[serde(rename = "type")]
    kind: String,
    legacy_line: Option<u64>,
    legacy_text: Option<String>,
}

/// The start-log records of the `events` chain at `events`, in chain order.
/// Records that do not parse are skipped (verification reports them); a
/// missing file holds none.
pub fn read_start_records(events: &Path, max_line: usize) -> io::Result<Vec<StartRecord>> {
    let file = match crate::ledger::input::open_regular(events) {
        Ok(f) => f,
        Err(e) if e.kind() == io::ErrorKind::NotFound => return Ok(Vec::new()),
        Err(e) => return Err(e),
    };
    let mut reader = LineReader::with_limit(file, max_line);
    let mut out = Vec::new();
    while let Some(line) = reader.next_line()? {
        let Content::Bytes(bytes) = line.content else {
            continue;
        };
        let Some((frame, _)) = std::str::from_utf8(bytes)
            .ok()
            .and_then(|t| parse_fields(t).ok())
        else {
            continue;
        };
        let Ok(body) = serde_json::from_str::<Body>(frame.body) else {
            continue;
        };
        if let (START_EVENT, Some(legacy_line), Some(text)) =
            (body.kind.as_str(), body.legacy_line, body.legacy_text)
        {
            out.push(StartRecord {
                events_line: line.number,
                legacy_line,
                text,
            });
        }
    }
    Ok(out)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_copied_texts_reproduce_the_file_and_its_hash() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("forensic_audit.log");
        let bytes = "{\"timestamp\": \"2026-11-26T21:44:39+00:00\"}\r\n\n\u{feff}{\"a\": \"é\"}\n";
        std::fs::write(&path, bytes).unwrap();
        let log = read_start_log(&path).unwrap();
        let rebuilt = log.lines.join("\n") + "\n";
        assert_eq!(rebuilt, bytes);
        assert_eq!(log.sha256, hex::encode(Sha256::digest(bytes.as_bytes())));
        let record = StartRecord {
            events_line: 2,
            legacy_line: 1,
            text: log.lines[0].clone(),
        };
        assert_eq!(
            record.timestamp().as_deref(),
            Some("2026-11-26T21:44:39+00:00")
        );
    }

    #[test]
    fn a_torn_start_log_is_refused() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("forensic_audit.log");
        std::fs::write(&path, "{}\n{\"timestamp\"").unwrap();
        assert_eq!(
            read_start_log(&path).unwrap_err().kind(),
            io::ErrorKind::InvalidData
        );
    }
}
