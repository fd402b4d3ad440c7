//! The `events` chain's bodies that verification depends on: the genesis
//! event that binds the metadata file, key rotations, and on a migrated
//! ledger the copied start log the genesis vouches for (FORMAT.md §10.2).

use crate::ledger::io::reader::{Content, Ending, LineReader};
use crate::ledger::model::finding::{Finding, FindingKind};
use crate::ledger::model::report::FileReport;
use crate::ledger::native::format::legacy_starts::START_EVENT;
use crate::ledger::native::format::record::parse_fields;
use crate::ledger::native::keyring::{Keyring, Rotation};
use sha2::{Digest, Sha256};
use std::path::Path;

/// Check the genesis binding and apply every rotation to `keyring`.
pub fn check(
    path: &Path,
    max_line: usize,
    meta_bytes: Option<&[u8]>,
    mut keyring: Option<&mut Keyring>,
    report: &mut FileReport,
) {
    let Ok(file) = crate::ledger::input::open_regular(path) else {
        return; // already reported by the chain walk
    };
    let mut reader = LineReader::with_limit(file, max_line);
    let mut saw_genesis = false;
    let mut starts = StartLog::default();
    loop {
        // A read error was reported by the chain walk; what was not read is
        // not judged (no missing genesis, no incomplete start log).
        let Ok(next) = reader.next_line() else {
            return;
        };
        let Some(line) = next else { break };
        let (n, off) = (line.number, line.offset);
        let (Content::Bytes(bytes), Ending::Lf | Ending::CrLf) = (line.content, line.ending) else {
            continue;
        };
        let Some(ev) = event_body(bytes) else {
            continue;
        };
        let kind = ev.kind.as_str();
        if n == 1 {
            saw_genesis = true;
            check_genesis(&ev.body, kind, meta_bytes, n, off, report);
            starts.expected = migrated_start_log(&ev.body);
        } else if kind == START_EVENT {
            starts.add(&ev.body, n, off, &ev.seq.to_string(), report);
        } else if kind == "genesis" {
            report.findings.push(second_genesis(n, off, ev.seq));
        }
        if kind == "key_rotation"
            && let Some(ring) = keyring.as_deref_mut()
        {
            let result = serde_json::from_value::<Rotation>(ev.body.clone())
                .map_err(|e| format!("not a rotation record: {e}"))
                .and_then(|rot| ring.apply(&rot, n).map_err(|e| e.to_string()));
            if let Err(e) = result {
                report.findings.push(
                    Finding::new(
                        FindingKind::RotationInvalid,
                        format!("key rotation refused: {e}; checkpoints signed by its new key are not trusted"),
                    )
                    .at(n, off)
                    .record(ev.seq.to_string()),
                );
            }
        }
    }
    starts.finish(report);
    if !saw_genesis && meta_bytes.is_some() {
        report.findings.push(Finding::new(
            FindingKind::MetadataMismatch,
            "the events chain has no genesis record: nothing binds the metadata file",
        ));
    }
}

/// An `events` record's body, as the body rules read it.
#[derive(Debug, Clone)]
pub struct EventBody {
    /// The record's `seq`.
    pub seq: u64,
    /// The body's `type` (empty when it has none).
    pub kind: String,
    /// The body.
    pub body: serde_json::Value,
}

/// The body of the `events` record on a complete line, when the line is a
/// record whose body parses (other lines are judged by the chain rules).
pub fn event_body(bytes: &[u8]) -> Option<EventBody> {
    let (r, _) = std::str::from_utf8(bytes)
        .ok()
        .and_then(|t| parse_fields(t).ok())?;
    let body = serde_json::from_str::<serde_json::Value>(r.body).ok()?;
    let kind = body
        .get("type")
        .and_then(|t| t.as_str())
        .unwrap_or("")
        .to_owned();
    Some(EventBody {
        seq: r.seq,
        kind,
        body,
    })
}

/// The finding for a genesis event after line 1 of `events`.
pub fn second_genesis(n: u64, off: u64, seq: u64) -> Finding {
    Finding::new(FindingKind::MetadataMismatch, "a second genesis event")
        .at(n, off)
        .record(seq.to_string())
}

fn check_genesis(
    body: &serde_json::Value,
    kind: &str,
    meta_bytes: Option<&[u8]>,
    n: u64,
    off: u64,
    report: &mut FileReport,
) {
    if kind != "genesis" {
        report.findings.push(
            Finding::new(
                FindingKind::MetadataMismatch,
                "the first event is not the genesis event that binds the metadata",
            )
            .at(n, off)
            .expected_found("genesis", kind),
        );
        return;
    }
    let Some(bytes) = meta_bytes else { return };
    let actual = hex::encode(Sha256::digest(bytes));
    let bound = body
        .get("metadata_sha256")
        .and_then(|v| v.as_str())
        .unwrap_or("");
    if bound != actual {
        report.findings.push(
            Finding::new(
                FindingKind::MetadataMismatch,
                "the metadata file is not the one the genesis event bound: it was changed after creation",
            )
            .at(n, off)
            .expected_found(bound, actual),
        );
    }
}

/// The start log a migration copied into `events`, as read, against what
/// the genesis recorded of the legacy file.
#[derive(Default)]
struct StartLog {
    /// (records, bytes, SHA-256) of `forensic_audit` in `migrated_from`.
    expected: Option<(u64, u64, String)>,
    records: u64,
    bytes: u64,
    hash: Sha256,
}

/// What the genesis recorded of the legacy start log, if it was migrated.
fn migrated_start_log(genesis: &serde_json::Value) -> Option<(u64, u64, String)> {
    let files = genesis.pointer("/migrated_from/files")?.as_array()?;
    let f = files.iter().find(|f| f["name"] == "forensic_audit")?;
    Some((
        f["records"].as_u64()?,
        f["bytes"].as_u64()?,
        f["sha256"].as_str()?.to_owned(),
    ))
}

impl StartLog {
    /// One start record: the next line of the log, right after the genesis
    /// and the starts before it.
    fn add(
        &mut self,
        body: &serde_json::Value,
        n: u64,
        off: u64,
        seq: &str,
        report: &mut FileReport,
    ) {
        self.records += 1;
        let text = body["legacy_text"].as_str().unwrap_or("");
        self.hash.update(text.as_bytes());
        self.hash.update(b"\n");
        self.bytes += text.len() as u64 + 1;
        let line = body["legacy_line"].as_u64();
        if n != self.records + 1 || line != Some(self.records) {
            report.findings.push(
                Finding::new(
                    FindingKind::MetadataMismatch,
                    "a migrated start record out of place: they follow the genesis in log order",
                )
                .at(n, off)
                .record(seq.to_owned())
                .expected_found(
                    format!(
                        "events line {}, legacy_line {}",
                        self.records + 1,
                        self.records
                    ),
                    format!(
                        "events line {n}, legacy_line {}",
                        line.map_or("none".into(), |l| l.to_string())
                    ),
                ),
            );
        }
    }

    /// The records, put together, must be the file the genesis describes.
    fn finish(self, report: &mut FileReport) {
        let found = (self.records, self.bytes, hex::encode(self.hash.finalize()));
        let detail = match &self.expected {
            Some(e) if *e == found => return,
            None if self.records == 0 => return,
            Some(_) => {
                "the migrated start records are not the legacy start log the genesis recorded"
            }
            None => "start records, but the genesis records no migrated start log",
        };
        let shown = |(r, b, h): &(u64, u64, String)| format!("{r} records, {b} bytes, sha256 {h}");
        report.findings.push(
            Finding::new(FindingKind::MetadataMismatch, detail).expected_found(
                self.expected
                    .as_ref()
                    .map_or_else(|| "no start records".to_owned(), shown),
                shown(&found),
            ),
        );
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::ledger::native::format::legacy_starts::start_body;
    use crate::ledger::native::format::record::{GENESIS_PREV, build_line_raw};

    /// `events` with a genesis recording a start log of `logged` lines, then
    /// one start record per `(legacy_line, text)`; the `METADATA_MISMATCH`
    /// findings `check` reports, as (line, detail).
    fn mismatches(logged: &[&str], records: &[(u64, &str)]) -> Vec<(Option<u64>, String)> {
        let log: String = logged.iter().flat_map(|l| [*l, "\n"]).collect();
        let genesis = serde_json::json!({
            "type": "genesis",
            "migrated_from": {"files": [{
                "name": "forensic_audit",
                "records": logged.len(),
                "bytes": log.len(),
                "sha256": hex::encode(Sha256::digest(log.as_bytes())),
            }]},
        })
        .to_string();
        let mut bodies = vec![genesis];
        bodies.extend(records.iter().map(|(n, t)| start_body(*n, t)));
        let (mut prev, mut text) = (GENESIS_PREV.to_owned(), String::new());
        for (seq, body) in (0u64..).zip(&bodies) {
            let (line, hash) = build_line_raw("events", seq, &prev, body, None).unwrap();
            text.push_str(&line);
            text.push('\n');
            prev = hash;
        }
        let tmp = tempfile::NamedTempFile::new().unwrap();
        std::fs::write(tmp.path(), text).unwrap();
        let mut report =
            FileReport::new("events", String::new(), super::super::coverage::metadata());
        check(tmp.path(), 1 << 20, None, None, &mut report);
        report
            .findings
            .iter()
            .filter(|f| f.kind == FindingKind::MetadataMismatch)
            .map(|f| (f.line, f.detail.clone()))
            .collect()
    }

    #[test]
    fn the_copied_start_log_must_be_the_one_the_genesis_recorded() {
        let log = [r#"{"timestamp":"a"}"#, r#"{"timestamp":"b"}"#];
        assert_eq!(mismatches(&log, &[(1, log[0]), (2, log[1])]), vec![]);
        // A start dropped (and the chain re-signed): the log no longer matches.
        let dropped = mismatches(&log, &[(1, log[0])]);
        assert_eq!(dropped.len(), 1, "{dropped:?}");
        assert_eq!(dropped[0].0, None);
        // Two starts swapped: both out of place, and the log differs.
        let swapped = mismatches(&log, &[(2, log[1]), (1, log[0])]);
        let lines: Vec<Option<u64>> = swapped.iter().map(|(l, _)| *l).collect();
        assert_eq!(lines, vec![Some(2), Some(3), None], "{swapped:?}");
        // No log recorded, none copied: nothing to say.
        assert_eq!(mismatches(&[], &[]), vec![]);
    }
}
