//! Repair backups that no `events` record names.
//!
//! A native repair keeps the bytes it cuts in a backup `<file>.torn-<ns>`
//! beside the file, cuts, and then records the cut in `events` (FORMAT.md
//! §9). Stopped between its backup and that record (a kill, a full disk),
//! the ledger would verify clean while bytes were removed with no trace in
//! it: the backup is the only evidence. So every backup of a ledger file
//! must be named by an `events` repair record; one that is not is reported
//! (`UNRECORDED_REPAIR`), and `iss repair` records it (or removes it when
//! the cut it prepared was never made).

use crate::ledger::io::reader::{Content, Ending, LineReader};
use crate::ledger::model::finding::{Finding, FindingKind};
use crate::ledger::native::format::meta::{Chain, ChainPaths};
use crate::ledger::native::verify::events::event_body;
use std::collections::BTreeSet;
use std::path::{Path, PathBuf};

/// A backup of a ledger file that no repair record names.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Unrecorded {
    /// The ledger file it was cut from (a chain or a checkpoint history).
    pub file: PathBuf,
    /// The backup.
    pub backup: PathBuf,
}

/// Whether `name` is a backup name of the file named `of`:
/// `<of>.torn-<digits>` or `<of>.torn-<digits>-<n>`.
fn is_backup_of(name: &str, of: &str) -> bool {
    let Some(rest) = name.strip_prefix(of).and_then(|r| r.strip_prefix(".torn-")) else {
        return false;
    };
    let (stamp, n) = rest.split_once('-').unwrap_or((rest, "0"));
    let digits = |s: &str| !s.is_empty() && s.bytes().all(|b| b.is_ascii_digit());
    digits(stamp) && digits(n)
}

/// The backup names `events` repair records name (their `backup` field).
pub fn recorded_backups(events: &Path, max_line: usize) -> Option<BTreeSet<String>> {
    let file = crate::ledger::input::open_regular(events).ok()?;
    let mut reader = LineReader::with_limit(file, max_line);
    let mut names = BTreeSet::new();
    while let Some(line) = reader.next_line().ok()? {
        let (Content::Bytes(bytes), Ending::Lf | Ending::CrLf) = (line.content, line.ending) else {
            continue;
        };
        if let Some(ev) = event_body(bytes)
            && ev.kind == "repair"
            && let Some(b) = ev.body.get("backup").and_then(|b| b.as_str())
        {
            names.insert(b.to_owned());
        }
    }
    Some(names)
}

/// Every backup in `dir` of a chain or history file that `recorded` does
/// not name.
pub fn unrecorded(dir: &Path, recorded: &BTreeSet<String>) -> Vec<Unrecorded> {
    let Ok(entries) = std::fs::read_dir(dir) else {
        return Vec::new();
    };
    let mut names: Vec<String> = entries
        .filter_map(Result::ok)
        .filter_map(|e| e.file_name().into_string().ok())
        .filter(|n| n.contains(".torn-") && !recorded.contains(n))
        .collect();
    names.sort();
    let mut out = Vec::new();
    for chain in Chain::ALL {
        let paths = ChainPaths::new(dir, chain);
        for file in [paths.file, paths.history] {
            let Some(of) = file.file_name().and_then(|n| n.to_str()) else {
                continue;
            };
            for n in names.iter().filter(|n| is_backup_of(n, of)) {
                out.push(Unrecorded {
                    backup: dir.join(n),
                    file: file.clone(),
                });
            }
        }
    }
    out
}

/// Unrecorded backups in `dir`, when it holds any (`events` is read only
/// then); `None` when `events` cannot be read (that is reported by the
/// chain walk, and nothing is judged from bytes not read).
pub fn check(dir: &Path, max_line: usize) -> Option<Vec<Unrecorded>> {
    let any = std::fs::read_dir(dir)
        .ok()?
        .filter_map(Result::ok)
        .any(|e| e.file_name().to_str().is_some_and(|n| n.contains(".torn-")));
    if !any {
        return Some(Vec::new());
    }
    let events = ChainPaths::new(dir, Chain::Events).file;
    let recorded = recorded_backups(&events, max_line)?;
    Some(unrecorded(dir, &recorded))
}

/// The finding for an unrecorded backup, on the file it was cut from.
pub fn finding(u: &Unrecorded) -> Finding {
    let name = |p: &Path| {
        p.file_name()
            .map_or_else(String::new, |n| n.to_string_lossy().into_owned())
    };
    let (file, backup) = (name(&u.file), name(&u.backup));
    let bytes = std::fs::metadata(&u.backup).map_or_else(
        |e| format!("cannot be read: {e}"),
        |m| format!("holds {} byte(s)", m.len()),
    );
    Finding::new(
        FindingKind::UnrecordedRepair,
        format!(
            "{backup} {bytes} that a repair prepared to cut from {file}, but no events record names it: \
             the repair stopped before recording its cut, so the ledger holds no trace of it; \
             run `iss repair` to record the cut (or drop the backup of a cut never made)"
        ),
    )
    .expected_found(
        format!("an events record {{\"type\":\"repair\",\"backup\":\"{backup}\",...}}"),
        "none",
    )
}

#[cfg(test)]
mod tests {
    use super::is_backup_of;

    #[test]
    fn backup_names() {
        assert!(is_backup_of("events.jsonl.torn-123", "events.jsonl"));
        assert!(is_backup_of("events.jsonl.torn-123-2", "events.jsonl"));
        assert!(!is_backup_of(
            "events.jsonl.checkpoints.torn-1",
            "events.jsonl"
        ));
        assert!(is_backup_of(
            "events.jsonl.checkpoints.torn-1",
            "events.jsonl.checkpoints"
        ));
        assert!(!is_backup_of("events.jsonl.torn-", "events.jsonl"));
        assert!(!is_backup_of("events.jsonl.torn-1x", "events.jsonl"));
    }
}
