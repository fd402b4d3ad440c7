//! What the watcher reports: one [`WatchEvent`] per verified record, torn
//! growth, alert and re-verification, each also one JSON object (the
//! `iss watch --json` schema, documented in docs/JSON.md).

use crate::ledger::model::finding::{Finding, FindingKind, Severity};
use crate::ledger::model::report::{LedgerStatus, NativeChainStatus, VerifyReport};
use serde::Serialize;
use serde_json::{Value, json};
use std::fmt::Write as _;

/// One thing that happened to a watched ledger.
#[derive(Debug, Clone)]
pub enum WatchEvent {
    /// The first full verification is done; watching starts from here.
    Ready(Box<VerifyReport>),
    /// A complete line appended to a file that is verified incrementally.
    Record(RecordEvent),
    /// A file grew by bytes that do not end in a newline yet: a write in
    /// progress, shown as pending rather than as tampering.
    Pending(PendingEvent),
    /// A watched file changed in a way an append never does.
    Alert(Alert),
    /// A full re-verification started, and why.
    Reverifying {
        /// Why the incremental state could not simply continue.
        reason: String,
    },
    /// A full re-verification finished; the incremental state restarts from it.
    Reverified(Box<VerifyReport>),
    /// The watcher itself hit a problem (it keeps running where it can).
    Error(String),
}

/// The verdict on one appended line.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "lowercase")]
pub enum RecordStatus {
    /// Every check listed in `checks` passed (warnings may be listed).
    Verified,
    /// At least one violation on this line.
    Violated,
    /// The line was not checked; `note` says why (a full re-verification follows).
    Unchecked,
}

/// One appended line and what its checks found.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct RecordEvent {
    /// Stable file name (`spice_chain`, `integrity_manifest`, `glyph_chain`).
    pub file: &'static str,
    /// The file's path.
    pub path: String,
    /// 1-based line.
    pub line: u64,
    /// Byte offset of the line.
    pub offset: u64,
    /// Descriptor id, pulse id or manifest timestamp, when the line has one.
    pub record_id: Option<String>,
    /// The verdict.
    pub status: RecordStatus,
    /// The checks that ran on this line (empty when unchecked).
    pub checks: &'static [&'static str],
    /// What was found on this line (violations and warnings).
    pub findings: Vec<Finding>,
    /// What the checks did not establish yet, or why the line was not checked.
    pub note: Option<String>,
    /// A native chain's status after this line (on the last record of each
    /// batch read, and on every checkpoint history entry): what a view
    /// showing tree size, signed size and unsigned records updates to.
    pub native: Option<Box<NativeUpdate>>,
}

/// A native chain's status as the watcher's incremental verification left
/// it: the numbers a full verification would report for the chain now.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct NativeUpdate {
    /// The chain (`descriptors`, `pulses`, `events`).
    pub chain: &'static str,
    /// Tree size and root, checkpoints verified, signed size, unsigned
    /// records, MAC counts.
    pub status: NativeChainStatus,
}

/// Bytes after the last complete line of a file.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct PendingEvent {
    /// Stable file name.
    pub file: &'static str,
    /// The file's path.
    pub path: String,
    /// Offset where the incomplete line starts.
    pub offset: u64,
    /// Its length so far.
    pub bytes: u64,
}

/// How a watched file changed, when it was not by appending.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum ChangeKind {
    /// Bytes before the verified end differ (edited in place).
    Rewritten,
    /// The file is shorter than what was verified.
    Truncated,
    /// Another file (a new inode) now has the name.
    Replaced,
    /// The file is gone.
    Deleted,
    /// A file the ledger's layout expects appeared.
    Created,
    /// An incomplete last line stayed incomplete past the grace period.
    StaysTorn,
    /// A published checkpoint smaller than the last one verified, or gone
    /// (`iss watch URL`).
    Rollback,
    /// A published checkpoint whose tree does not contain the last one
    /// verified (`iss watch URL`).
    Fork,
    /// A published checkpoint not signed by a key of the ledger (`iss watch URL`).
    SignatureInvalid,
}

impl ChangeKind {
    /// The word used in alerts (`rewritten`, `truncated`, ...).
    pub fn word(self) -> &'static str {
        match self {
            ChangeKind::Rewritten => "rewritten",
            ChangeKind::Truncated => "truncated",
            ChangeKind::Replaced => "replaced",
            ChangeKind::Deleted => "deleted",
            ChangeKind::Created => "created",
            ChangeKind::StaysTorn => "stays torn",
            ChangeKind::Rollback => "rolled back",
            ChangeKind::Fork => "forked",
            ChangeKind::SignatureInvalid => "badly signed",
        }
    }
}

/// A watched file changed in a way an append never does. Alerts are
/// sticky: the workstation keeps them until the reviewer acknowledges them,
/// and lists them among the findings for as long as the ledger is open.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Alert {
    /// Stable file name.
    pub file: &'static str,
    /// The file's path.
    pub path: String,
    /// What changed.
    pub change: ChangeKind,
    /// What the watcher had verified (length, inode, last line).
    pub expected: String,
    /// What it found.
    pub found: String,
    /// One sentence a reviewer can act on.
    pub detail: String,
}

impl Alert {
    /// The alert as a finding of the file it concerns: `FILE_CHANGED`, or
    /// `TORN_TAIL` for a line that stayed incomplete; created files are a
    /// warning (an expected file appearing is not tampering by itself).
    pub fn finding(&self) -> Finding {
        let kind = match self.change {
            ChangeKind::StaysTorn => FindingKind::TornTail,
            ChangeKind::Rollback => FindingKind::Rollback,
            ChangeKind::Fork => FindingKind::Fork,
            ChangeKind::SignatureInvalid => FindingKind::SignatureInvalid,
            _ => FindingKind::FileChanged,
        };
        let f = Finding::new(kind, format!("while watched: {}", self.detail))
            .expected_found(self.expected.clone(), self.found.clone());
        if self.change == ChangeKind::Created {
            f.severity(Severity::Warning)
        } else {
            f
        }
    }

    /// One line for people: the file, what changed, the detail.
    pub fn text(&self) -> String {
        let name = std::path::Path::new(&self.path)
            .file_name()
            .map_or_else(|| self.file.into(), |n| n.to_string_lossy());
        format!("{name} {}: {}", self.change.word(), self.detail)
    }
}

/// A report reduced to its verdict and counts.
fn summary(r: &VerifyReport) -> Value {
    let (v, w) = counts(r);
    json!({"status": r.status, "violations": v, "warnings": w})
}

/// Violations and warnings of a report.
pub fn counts(r: &VerifyReport) -> (usize, usize) {
    r.files
        .iter()
        .fold((0, 0), |(v, w), f| (v + f.violations(), w + f.warnings()))
}

fn findings(r: &VerifyReport) -> Value {
    r.findings()
        .map(|(file, f)| json!({"file": file.name, "finding": f}))
        .collect()
}

impl WatchEvent {
    /// The event as one JSON object (the `iss watch --json` schema).
    pub fn to_json(&self) -> Value {
        match self {
            WatchEvent::Ready(r) => {
                let mut v = summary(r);
                v["event"] = json!("ready");
                v["ledger"] = json!(r.ledger);
                v["files"] = r
                    .files
                    .iter()
                    .map(|f| {
                        let mut o = json!({"name": f.name, "path": f.path, "records": f.records, "bytes": f.bytes});
                        // A keyed chain verified without its key is clean
                        // with a caveat: the counts say how many MACs were checked.
                        if let Some(n) = &f.native {
                            o["macs_checked"] = json!(n.macs_checked);
                            o["macs_unchecked"] = json!(n.macs_unchecked);
                        }
                        o
                    })
                    .collect();
                v["findings"] = findings(r);
                v
            }
            WatchEvent::Record(e) => {
                let mut v = json!({
                    "event": "record",
                    "file": e.file,
                    "path": e.path,
                    "line": e.line,
                    "offset": e.offset,
                    "record_id": e.record_id,
                    "status": e.status,
                    "checks": e.checks,
                    "findings": e.findings,
                    "note": e.note,
                });
                if let Some(n) = &e.native {
                    let mut o = json!(n.status);
                    o["chain"] = json!(n.chain);
                    v["native"] = o;
                }
                v
            }
            WatchEvent::Pending(p) => json!({
                "event": "pending",
                "file": p.file,
                "path": p.path,
                "offset": p.offset,
                "bytes": p.bytes,
            }),
            WatchEvent::Alert(a) => json!({
                "event": "alert",
                "file": a.file,
                "path": a.path,
                "change": a.change,
                "expected": a.expected,
                "found": a.found,
                "detail": a.detail,
            }),
            WatchEvent::Reverifying { reason } => json!({"event": "reverifying", "reason": reason}),
            WatchEvent::Reverified(r) => {
                let mut v = summary(r);
                v["event"] = json!("reverified");
                v["findings"] = findings(r);
                v
            }
            WatchEvent::Error(message) => json!({"event": "error", "message": message}),
        }
    }

    /// The event as one line for people.
    pub fn text(&self) -> String {
        let verdict = |r: &VerifyReport| {
            let (v, w) = counts(r);
            let word = match r.status {
                LedgerStatus::Clean => "✔ CLEAN",
                LedgerStatus::Violated => "✘ VIOLATED",
                LedgerStatus::Incomplete => "⚠ INCOMPLETE",
            };
            let mut s = format!("{word}: {v} violation(s), {w} warning(s)");
            // What could not be read is named: incomplete is not clean.
            for (file, f) in r
                .findings()
                .filter(|(_, f)| f.kind == FindingKind::Unreadable)
            {
                let _ = write!(s, "; {} {}: {}", f.kind, file.name, f.detail);
            }
            s
        };
        match self {
            WatchEvent::Ready(r) => format!("watching {}: {}", r.ledger, verdict(r)),
            WatchEvent::Record(e) => {
                let sym = match e.status {
                    RecordStatus::Verified if e.findings.is_empty() => "✔",
                    RecordStatus::Verified => "⚠",
                    RecordStatus::Violated => "✘",
                    RecordStatus::Unchecked => "?",
                };
                let id = e
                    .record_id
                    .as_deref()
                    .map_or_else(String::new, |i| format!(" {i}"));
                let mut s = format!(
                    "{sym} {} line {}{id}: {}",
                    e.file,
                    e.line,
                    match e.status {
                        RecordStatus::Verified => "verified",
                        RecordStatus::Violated => "violated",
                        RecordStatus::Unchecked => "not checked",
                    }
                );
                for f in &e.findings {
                    let _ = write!(s, "; {} {}", f.kind, f.detail);
                }
                if let Some(n) = &e.note {
                    let _ = write!(s, " ({n})");
                }
                s
            }
            WatchEvent::Pending(p) => format!(
                "… {} pending: {} byte(s) of an incomplete line at offset {}",
                p.file, p.bytes, p.offset
            ),
            WatchEvent::Alert(a) => format!("✘ ALERT {}", a.text()),
            WatchEvent::Reverifying { reason } => format!("re-verifying the ledger: {reason}"),
            WatchEvent::Reverified(r) => format!("re-verified: {}", verdict(r)),
            WatchEvent::Error(m) => format!("watch error: {m}"),
        }
    }
}
