//! A chain's checkpoints against the chain (`docs/FORMAT.md` §7): every
//! history entry's signature, origin, size and root, the order of the
//! history (each entry by [`HistoryJudge`]), and the latest-checkpoint file.

use super::judge::HistoryJudge;
use super::judge::LatestCheckpoint;
use crate::ledger::model::finding::{Finding, FindingKind};
use crate::ledger::model::report::{FileReport, NativeChainStatus};
use crate::ledger::native::format::history::HistoryEntry;
use crate::ledger::native::format::meta::{Chain, ChainPaths, Metadata};
use crate::ledger::native::keyring::Keyring;
use crate::ledger::native::verify::chain::NativeChainVerifier;
use crate::tlog::merkle::Hash;
use std::collections::BTreeMap;

/// Check the history and latest file of `chain`; returns the status so far
/// (checkpoints verified, newest signed size and signers) and the judge as
/// the last entry left it (a live watcher judges later entries with it).
#[allow(clippy::too_many_arguments)] // each is a distinct input of the check
pub fn check(
    chain: Chain,
    paths: &ChainPaths,
    history: &[HistoryEntry],
    roots: &BTreeMap<u64, Option<Hash>>,
    v: &NativeChainVerifier,
    meta: Option<&Metadata>,
    keyring: Option<&Keyring>,
    report: &mut FileReport,
    hist_report: &mut FileReport,
) -> (NativeChainStatus, Option<LatestCheckpoint>, HistoryJudge) {
    let mut judge = HistoryJudge::new(chain, meta, keyring);
    for h in history {
        judge.entry(h, v.records(), roots, &mut hist_report.findings);
    }
    let history_file = paths
        .history
        .file_name()
        .and_then(|f| f.to_str())
        .unwrap_or("");
    // A chain (or history) not read to its end proves nothing about the
    // records past what was read: no truncation, no verdict on the latest
    // file (it may be a history entry that was not read).
    // A missing chain file is reported as such (MISSING_FILE), not again
    // as a truncation.
    let missing = report
        .findings
        .iter()
        .any(|f| f.kind == FindingKind::MissingFile);
    if report.error.is_none() && !missing {
        report
            .findings
            .extend(judge.truncation(v.records(), history_file));
    }
    // A chain not wholly read may hold the current key's checkpoint in the
    // part that could not be read: no verdict on what is missing then.
    if report.error.is_none() && v.root().is_some() {
        hist_report.findings.extend(judge.rotation_cover());
    }
    if hist_report.error.is_none() {
        check_latest(paths, history, v, hist_report);
    }
    (judge.status().clone(), judge.latest().cloned(), judge)
}

fn check_latest(
    paths: &ChainPaths,
    history: &[HistoryEntry],
    v: &NativeChainVerifier,
    hist_report: &mut FileReport,
) {
    let Some(last) = history.last() else {
        // `iss init` signs every chain at creation: no history means it was
        // deleted or emptied, and with it every signature on this chain.
        hist_report.findings.push(
            Finding::new(
                FindingKind::CheckpointMismatch,
                format!(
                    "the checkpoint history is missing or empty: every native ledger signs each chain when it is created, so it was deleted; none of the {} record(s) is covered by a signature",
                    v.records()
                ),
            )
            .expected_found(super::NO_HISTORY, "none"),
        );
        return;
    };
    let latest = match crate::ledger::input::read_regular(&paths.latest) {
        Ok(bytes) => Some(bytes),
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => None,
        Err(e) => {
            // Findings about the latest file go on the history's report.
            hist_report.findings.push(
                Finding::new(
                    FindingKind::Unreadable,
                    format!(
                        "cannot read {}: {e}; it was not compared with the history",
                        paths.latest.display()
                    ),
                )
                .expected_found("the file's bytes, readable to the end", e.to_string()),
            );
            return;
        }
    };
    let lag = |detail: String| Finding::new(FindingKind::CheckpointLag, detail);
    match latest {
        None => hist_report.findings.push(lag(format!(
            "the latest-checkpoint file is missing; the history's last entry (line {}) is authoritative",
            last.line
        ))),
        Some(bytes) => {
            let text = String::from_utf8_lossy(&bytes);
            if last.entry.note == text {
                return;
            }
            if ahead_of(paths, history, &text) {
                return;
            }
            match history.iter().rev().find(|h| h.entry.note == text) {
                Some(h) => hist_report.findings.push(lag(format!(
                    "the latest-checkpoint file holds the checkpoint of history line {} (size {}), not the last one: an interrupted checkpoint write (`iss checkpoint` rewrites it)",
                    h.line, h.entry.size
                ))),
                None => hist_report.findings.push(
                    Finding::new(
                        FindingKind::CheckpointMismatch,
                        format!(
                            "{} holds a checkpoint that is not in the history",
                            paths.latest.display()
                        ),
                    )
                    .expected_found(last.entry.note.clone(), text.into_owned()),
                ),
            }
        }
    }
}

/// Whether `text` (the latest file, not the last entry read) is an entry
/// appended to the history after it was read: a writer checkpointed while
/// the ledger was verified. That entry is judged by the next verification;
/// the latest file is then neither lagging nor foreign.
fn ahead_of(paths: &ChainPaths, history: &[HistoryEntry], text: &str) -> bool {
    let mut scratch = FileReport::new("", String::new(), super::coverage::history());
    let now = crate::ledger::native::format::history::read_history(
        &paths.history,
        crate::ledger::io::reader::DEFAULT_MAX_LINE,
        &mut scratch,
    );
    now.get(history.len()..)
        .is_some_and(|new| new.iter().any(|h| h.entry.note == text))
}
