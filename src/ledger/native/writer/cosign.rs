//! Witness cosignatures on a checkpoint being written (docs/FORMAT.md §7.1).
//!
//! The ledger layer does not talk to witnesses: the caller (the command
//! line) implements [`Cosign`] over HTTP. This module gives it what a
//! witness needs (the signed note, a consistency proof from whatever size
//! the witness holds, the previous note as a hint of that size) and adds
//! the signature lines it returns to the note.

use crate::ledger::native::history::HistoryLine;
use crate::ledger::native::meta::Chain;
use crate::ledger::native::prove::leaves;
use crate::tlog::merkle::{Hash, consistency_proof};
use std::path::Path;
use std::sync::OnceLock;

/// Consistency proofs from any older size to the checkpoint's size, computed
/// from the chain file on demand (a witness that already holds the tree
/// needs none). Shared by reference between threads asking witnesses at
/// once: the leaves are read at most once.
pub struct ConsistencyProof<'a> {
    file: &'a Path,
    size: u64,
    leaves: OnceLock<Result<Vec<Hash>, String>>,
}

impl ConsistencyProof<'_> {
    /// The RFC 9162 consistency proof from `old_size` to the checkpoint's
    /// size (empty for 0 or the same size).
    pub fn from(&self, old_size: u64) -> Result<Vec<Hash>, String> {
        if old_size == 0 || old_size == self.size {
            return Ok(Vec::new());
        }
        if old_size > self.size {
            return Err(format!(
                "the witness holds {old_size} records, more than this checkpoint's {}",
                self.size
            ));
        }
        let all = self
            .leaves
            .get_or_init(|| leaves(self.file, self.size, None).map(|(l, _)| l))
            .as_ref()
            .map_err(Clone::clone)?;
        consistency_proof(all, old_size).map_err(|e| e.to_string())
    }
}

/// Asks witnesses to cosign a checkpoint.
pub trait Cosign {
    /// Returns the cosignature lines (each `— <name> <base64>\n`) the
    /// witnesses gave for `note`, the signed checkpoint of `chain`.
    /// `previous` is the chain's newest history note before this one (a
    /// witness that cosigned it holds its size). Failures are the
    /// implementation's to report; they only mean fewer lines.
    fn cosign(
        &mut self,
        chain: Chain,
        note: &str,
        previous: Option<&str>,
        proof: &ConsistencyProof<'_>,
    ) -> Vec<String>;
}

/// The note with the new cosignature lines appended, and how many were new
/// (lines the note already has are not repeated).
pub(super) fn gather(
    witnesses: &mut dyn Cosign,
    (chain, file, size): (Chain, &Path, u64),
    note: &str,
    previous: Option<&HistoryLine>,
) -> (String, usize) {
    let proof = ConsistencyProof {
        file,
        size,
        leaves: OnceLock::new(),
    };
    let lines = witnesses.cosign(chain, note, previous.map(|p| p.note.as_str()), &proof);
    let mut out = note.to_owned();
    let mut added = 0;
    for line in lines {
        // Only well-formed single signature lines: anything else would
        // break the note for every reader.
        let ok = line.starts_with("\u{2014} ")
            && line.ends_with('\n')
            && line.matches('\n').count() == 1
            && !line.chars().any(|c| c < ' ' && c != '\n');
        if ok && !out.contains(line.as_str()) {
            out.push_str(&line);
            added += 1;
        }
    }
    (out, added)
}
