//! The `events` chain's bodies that verification depends on: the genesis
//! event that binds the metadata file, and key rotations.

use crate::ledger::finding::{Finding, FindingKind};
use crate::ledger::native::keyring::{Keyring, Rotation};
use crate::ledger::native::record::parse_fields;
use crate::ledger::reader::{Content, Ending, LineReader};
use crate::ledger::report::FileReport;
use sha2::{Digest, Sha256};
use std::fs::File;
use std::path::Path;

/// Check the genesis binding and apply every rotation to `keyring`.
pub fn check(
    path: &Path,
    max_line: usize,
    meta_bytes: Option<&[u8]>,
    mut keyring: Option<&mut Keyring>,
    report: &mut FileReport,
) {
    let Ok(file) = File::open(path) else {
        return; // already reported by the chain walk
    };
    let mut reader = LineReader::with_limit(file, max_line);
    let mut saw_genesis = false;
    while let Ok(Some(line)) = reader.next_line() {
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
        } else if kind == "genesis" {
            report.findings.push(second_genesis(n, off, ev.seq));
        }
        if kind == "key_rotation"
            && let Some(ring) = keyring.as_deref_mut()
        {
            let result = serde_json::from_value::<Rotation>(ev.body.clone())
                .map_err(|e| format!("not a rotation record: {e}"))
                .and_then(|rot| ring.apply(&rot, n));
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
