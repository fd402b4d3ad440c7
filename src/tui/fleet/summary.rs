//! What a watcher event changes in a fleet row, worked out on the
//! watcher's thread (it stats files: the UI thread never waits on a disk).

use crate::ledger::model::report::{LedgerStatus, VerifyReport};
use crate::ledger::watch::event::counts;
use crate::ledger::watch::{RecordStatus, WatchEvent};
use std::path::Path;

/// The chain files whose lines are records (the manifest and checkpoint
/// histories attest records; they are not counted as records).
const CHAINS: [&str; 5] = [
    "spice_chain",
    "glyph_chain",
    "descriptors",
    "pulses",
    "events",
];

/// A native chain's newest verified signed checkpoint.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Checkpoint {
    /// The chain (`descriptors`, `pulses`, `events`).
    pub chain: &'static str,
    /// The size it signs.
    pub size: u64,
    /// When its history file was last written (UTC ns; `None`: unknown):
    /// the time the checkpoint was issued, as the file system recorded it.
    pub written_ns: Option<i64>,
}

/// A whole-ledger verification, reduced to what a row shows.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Verified {
    /// The verdict.
    pub status: LedgerStatus,
    /// `iss-legacy-v2`, `iss-legacy-v1` or `iss-native-v1`.
    pub format: &'static str,
    /// Records in the chains.
    pub records: u64,
    /// Violations and warnings.
    pub violations: usize,
    /// Warnings.
    pub warnings: usize,
    /// The newest checkpoint of a native ledger.
    pub checkpoint: Option<Checkpoint>,
    /// The newest modification of a chain file (UTC ns): its last change.
    pub changed_ns: Option<i64>,
    /// What could not be read, when the verdict is incomplete.
    pub unreadable: Option<String>,
}

/// What one watcher event changes in a row.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Update {
    /// The first verification, or a full re-verification.
    Verified(Box<Verified>),
    /// A line appended to a chain or a checkpoint history, judged.
    Appended {
        /// Whether it was a record (a chain line) rather than a history entry.
        record: bool,
        /// Its verdict.
        status: RecordStatus,
        /// After a checkpoint history entry: the chain's newest checkpoint.
        checkpoint: Option<Checkpoint>,
    },
    /// An incomplete line is being written.
    Pending,
    /// A change an append never makes.
    Alert(String),
    /// The whole ledger is being verified again (why).
    Reverifying(String),
    /// The watcher could not do something (it may keep running).
    Error(String),
}

/// The row update for `ev`.
pub fn of_event(ev: &WatchEvent) -> Update {
    match ev {
        WatchEvent::Ready(r) | WatchEvent::Reverified(r) => Update::Verified(Box::new(verified(r))),
        WatchEvent::Record(e) => {
            let checkpoint = e.file.strip_suffix("_checkpoints").and_then(|_| {
                let n = e.native.as_ref()?;
                Some(Checkpoint {
                    chain: n.chain,
                    size: n.status.signed_size?,
                    written_ns: modified_ns(Path::new(&e.path)),
                })
            });
            Update::Appended {
                record: CHAINS.contains(&e.file),
                status: e.status,
                checkpoint,
            }
        }
        WatchEvent::Pending(_) => Update::Pending,
        WatchEvent::Alert(a) => Update::Alert(a.text()),
        WatchEvent::Reverifying { reason } => Update::Reverifying(reason.clone()),
        WatchEvent::Error(e) => Update::Error(e.clone()),
    }
}

/// A report reduced to a row (stats the chain files and histories).
pub fn verified(r: &VerifyReport) -> Verified {
    let (violations, warnings) = counts(r);
    let chains = r.files.iter().filter(|f| CHAINS.contains(&f.name));
    let records = chains.clone().map(|f| f.records).sum();
    let changed_ns = chains.filter_map(|f| modified_ns(Path::new(&f.path))).max();
    let checkpoint = r
        .files
        .iter()
        .filter_map(|f| {
            let n = f.native.as_ref()?;
            let chain = CHAINS.iter().find(|c| **c == f.name)?;
            let history = format!("{}.checkpoints", f.path);
            Some(Checkpoint {
                chain,
                size: n.signed_size?,
                written_ns: modified_ns(Path::new(&history)),
            })
        })
        // Unknown times (a published copy) tie: the largest checkpoint then.
        .max_by_key(|c| (c.written_ns, c.size));
    let unreadable = r
        .files
        .iter()
        .find_map(|f| f.error.as_ref().map(|e| format!("{}: {e}", f.name)));
    Verified {
        status: r.status,
        format: r.format,
        records,
        violations,
        warnings,
        checkpoint,
        changed_ns,
        unreadable,
    }
}

/// When `path` was last modified (UTC ns), if it can be told.
fn modified_ns(path: &Path) -> Option<i64> {
    let t = std::fs::metadata(path).ok()?.modified().ok()?;
    let d = t.duration_since(std::time::UNIX_EPOCH).ok()?;
    i64::try_from(d.as_nanos()).ok()
}
