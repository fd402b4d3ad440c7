//! Witness cosignatures on a checkpoint being written (docs/FORMAT.md §7.1).
//!
//! The ledger layer does not talk to witnesses: the caller (the command
//! line) implements [`Cosign`] over HTTP. This module gives it what a
//! witness needs (the signed note, a consistency proof from whatever size
//! the witness holds, the previous note as a hint of that size) and adds
//! the signature lines it returns to the note.

use super::{KeyError, WriteError};
use crate::ledger::native::format::meta::Chain;
use crate::ledger::native::prove::chain_leaves;
use crate::tlog::checkpoint::{Checkpoint, sign_checkpoint_by};
use crate::tlog::merkle::{Hash, consistency_proof};
use crate::tlog::note::Signer;
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

impl<'a> ConsistencyProof<'a> {
    /// Proofs to the tree of the first `size` lines of `file`.
    pub fn new(file: &'a Path, size: u64) -> Self {
        Self {
            file,
            size,
            leaves: OnceLock::new(),
        }
    }

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
            .get_or_init(|| chain_leaves(self.file, self.size, None).map(|(l, _)| l))
            .as_ref()
            .map_err(Clone::clone)?;
        consistency_proof(all, old_size).map_err(|e| e.to_string())
    }
}

/// One checkpoint to be cosigned.
pub struct CosignRequest<'a> {
    /// Its chain.
    pub chain: Chain,
    /// The signed checkpoint note.
    pub note: &'a str,
    /// The chain's newest history note before this one (a witness that
    /// cosigned it holds its size).
    pub previous: Option<&'a str>,
    /// Consistency proofs from any older size.
    pub proof: ConsistencyProof<'a>,
}

/// Asks witnesses to cosign checkpoints.
pub trait Cosign {
    /// Returns, per request and in order, the cosignature lines (each
    /// `— <name> <base64>\n`) the witnesses gave. Failures are the
    /// implementation's to report; they only mean fewer lines.
    fn cosign(&mut self, requests: &[CosignRequest<'_>]) -> Vec<Vec<String>>;
}

/// The note with the new cosignature lines appended, and how many were new
/// (lines the note already has are not repeated).
pub(super) fn merge(note: &str, lines: Vec<String>) -> (String, usize) {
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

/// Signs `cp` with each of `signers` under its name (the ledger origin,
/// which verifiers trust: docs/FORMAT.md §7) and again under the chain's
/// origin line, as c2sp.org/tlog-checkpoint recommends, so that a witness
/// configured by origin finds a signature whose key name is the origin
/// (§7.1). Verifiers that do not know the second name ignore it.
pub(super) fn sign_with_origin_name(
    cp: &Checkpoint,
    signers: &[&Signer],
) -> Result<String, WriteError> {
    let key = |e| WriteError::Key(KeyError::OriginName(Box::new(e)));
    let by_origin = signers
        .iter()
        .map(|s| s.renamed(&cp.origin))
        .collect::<Result<Vec<_>, _>>()
        .map_err(key)?;
    // `sign_checkpoint_by` applies the checks every checkpoint we sign gets
    // (text, recommended origin); the note itself carries all signatures.
    sign_checkpoint_by(cp, signers).map_err(|e| WriteError::Key(KeyError::Sign(Box::new(e))))?;
    crate::tlog::note::sign(
        &cp.to_text(),
        signers.iter().copied().chain(by_origin.iter()),
    )
    .map_err(key)
}

#[cfg(test)]
mod tests {
    use super::merge;

    const NOTE: &str =
        "o\n1\nAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA=\n\n\u{2014} o AAAAAQ==\n";

    #[test]
    fn only_new_single_signature_lines_are_added() {
        let good = "\u{2014} w AAAAAgAA\n".to_owned();
        let (note, added) = merge(
            NOTE,
            vec![
                good.clone(),
                good.clone(),                            // repeated
                "\u{2014} o AAAAAQ==\n".into(),          // already there
                "\u{2014} w AA\n\u{2014} x AA\n".into(), // two lines in one
                "\u{2014} w AA".into(),                  // no newline
                "not a signature\n".into(),
                "\u{2014} w A\rA\n".into(), // control character
            ],
        );
        assert_eq!(added, 1);
        assert_eq!(note, format!("{NOTE}{good}"));
    }
}
