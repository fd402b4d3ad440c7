//! A chain's checkpoints against the chain (`docs/FORMAT.md` §7): every
//! history entry's signature, origin, size and root, the order of the
//! history, and the latest-checkpoint file.

use crate::ledger::finding::{Finding, FindingKind, LineRange};
use crate::ledger::native::chain::NativeChainVerifier;
use crate::ledger::native::checkpoint::open_checkpoint_with_signatures;
use crate::ledger::native::history::HistoryEntry;
use crate::ledger::native::keyring::Keyring;
use crate::ledger::native::merkle::Hash;
use crate::ledger::native::meta::{Chain, ChainPaths, Metadata};
use crate::ledger::report::{FileReport, NativeChainStatus};
use std::collections::BTreeMap;

/// The newest checkpoint that verified, for proofs.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct LatestCheckpoint {
    /// Tree size.
    pub size: u64,
    /// Merkle root.
    pub root: Hash,
    /// The signed note.
    pub note: String,
}

/// Check the history and latest file of `chain`; returns the status so far
/// (checkpoints verified, newest signed size and signers).
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
) -> (NativeChainStatus, Option<LatestCheckpoint>) {
    let mut status = NativeChainStatus::default();
    let mut latest = None;
    let mut prev_size: Option<(u64, u64)> = None;
    let mut truncated_by: Option<&HistoryEntry> = None;
    let mut diverged = false;
    let verifiers = keyring.map(Keyring::verifiers).unwrap_or_default();
    for h in history {
        let (n, off, size) = (h.line, h.offset, h.entry.size);
        let backwards = prev_size.is_some_and(|(p, _)| size < p);
        if let Some((p, pl)) = prev_size
            && size < p
        {
            hist_report.findings.push(
                Finding::new(
                    FindingKind::CheckpointMismatch,
                    format!("the history goes backwards: line {pl} signed size {p}, this one a smaller tree"),
                )
                .at(n, off)
                .expected_found(format!("size >= {p}"), size.to_string()),
            );
        }
        prev_size = Some((size, n));
        let (Some(meta), Some(ring)) = (meta, keyring) else {
            continue;
        };
        if backwards {
            continue; // an entry that breaks the order is not verified
        }
        let Some((cp_root, signers)) = open_entry(chain, h, meta, ring, &verifiers, hist_report)
        else {
            continue;
        };
        if size > v.records() {
            if truncated_by.is_none_or(|t| t.entry.size < size) {
                truncated_by = Some(h);
            }
            continue;
        }
        match roots.get(&size).copied().flatten() {
            Some(root) if root == cp_root => {
                status.checkpoints_verified += 1;
                status.signed_size = Some(size);
                status.signed_by = signers;
                latest = Some(LatestCheckpoint {
                    size,
                    root,
                    note: h.entry.note.clone(),
                });
            }
            Some(root) => {
                let mut f = Finding::new(
                    FindingKind::CheckpointMismatch,
                    format!(
                        "the first {size} lines of {} no longer have the Merkle root this checkpoint signed: a record among them was changed",
                        chain.file_name()
                    ),
                )
                .at(n, off)
                .expected_found(hex::encode(cp_root), hex::encode(root));
                // The first divergence names the records it implicates:
                // those after the last checkpoint that still verified (the
                // change is among them), as the legacy manifest does. Later
                // checkpoints cover that change too and name nothing more.
                if !diverged {
                    diverged = true;
                    let good = status.signed_size.filter(|&g| g < size).unwrap_or(0);
                    f = f.related(LineRange {
                        file: chain.name(),
                        first_line: good + 1,
                        last_line: size,
                    });
                }
                hist_report.findings.push(f);
            }
            None => {} // a line could not be read: reported on the chain
        }
    }
    if let Some(h) = truncated_by {
        report.findings.push(
            Finding::new(
                FindingKind::Truncated,
                format!(
                    "the chain has {} complete records, but the checkpoint at line {} of {} signs {}: signed records were removed",
                    v.records(),
                    h.line,
                    paths.history.file_name().and_then(|f| f.to_str()).unwrap_or(""),
                    h.entry.size
                ),
            )
            .expected_found(format!("at least {} records", h.entry.size), v.records().to_string()),
        );
    }
    check_latest(paths, history, v, hist_report);
    (status, latest)
}

/// Open a history entry's note with the keys trusted for its size; on
/// success, its root and the ids of the keys that signed it.
fn open_entry(
    chain: Chain,
    h: &HistoryEntry,
    meta: &Metadata,
    ring: &Keyring,
    verifiers: &[crate::ledger::native::note::Verifier],
    hist_report: &mut FileReport,
) -> Option<(Hash, Vec<String>)> {
    let (n, off, size) = (h.line, h.offset, h.entry.size);
    let origin = meta.chain_origin(chain);
    let (cp, opened) = match open_checkpoint_with_signatures(&h.entry.note, verifiers, &origin) {
        Ok(x) => x,
        Err(e) => {
            hist_report.findings.push(
                Finding::new(
                    FindingKind::SignatureInvalid,
                    format!("the checkpoint does not open with the ledger's keys: {e}"),
                )
                .at(n, off),
            );
            return None;
        }
    };
    if cp.size != size {
        hist_report.findings.push(
            Finding::new(
                FindingKind::CheckpointMismatch,
                "the entry's size differs from the size its note signs",
            )
            .at(n, off)
            .expected_found(cp.size.to_string(), size.to_string()),
        );
        return None;
    }
    let mut signers = Vec::new();
    let mut refusals = Vec::new();
    for s in &opened.verified {
        match ring.may_sign(s.key_id, chain, size) {
            Ok(()) => signers.push(format!("{:08x}", s.key_id)),
            Err(e) => refusals.push(e),
        }
    }
    if signers.is_empty() {
        hist_report.findings.push(
            Finding::new(
                FindingKind::SignatureInvalid,
                format!(
                    "no signature by a key trusted for this size: {}",
                    refusals.join("; ")
                ),
            )
            .at(n, off),
        );
        return None;
    }
    Some((cp.root, signers))
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
    let latest = std::fs::read(&paths.latest).ok();
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
