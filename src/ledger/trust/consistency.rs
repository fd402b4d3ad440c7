//! Does the ledger contain a trusted tree? The chain's tree now (its size
//! and root, as verification computed them) is compared with the trusted
//! checkpoint through an RFC 9162 consistency proof computed from the
//! chain file: a smaller chain is a `ROLLBACK`, a chain whose first records
//! do not have the trusted root a `FORK`.

use super::anchor::Anchor;
use crate::ledger::model::finding::{Finding, FindingKind};
use crate::ledger::model::trust::{TrustCheck, TrustOutcome};
use crate::ledger::native::format::meta::Chain;
use crate::ledger::native::prove::chain_leaves;
use crate::tlog::merkle::{Hash, consistency_proof, empty_root, root_of, verify_consistency};
use std::path::Path;

/// A chain's tree as verification left it.
#[derive(Debug, Clone, Copy)]
pub struct ChainTree<'a> {
    /// Which chain.
    pub chain: Chain,
    /// Its file.
    pub file: &'a Path,
    /// Complete records.
    pub size: u64,
    /// Their Merkle root; `None` when a line could not be read.
    pub root: Option<Hash>,
}

/// The result of one check: the report entry, the finding to raise on the
/// chain's file (`ROLLBACK`, `FORK`), or why no verdict was possible.
#[derive(Debug, Clone)]
pub struct Checked {
    /// What was compared, and the verdict.
    pub check: TrustCheck,
    /// The violation, if any.
    pub finding: Option<Finding>,
    /// Why the comparison could not be made, if it could not.
    pub error: Option<String>,
}

fn tree(size: u64, root: &Hash) -> String {
    format!("size {size}, root {}", hex::encode(root))
}

/// Compare the chain `t` with the trusted checkpoint `a`.
pub fn check(a: &Anchor, t: ChainTree<'_>) -> Checked {
    let mut out = Checked {
        check: TrustCheck {
            origin: a.origin.clone(),
            chain: t.chain.name().to_owned(),
            source: a.source.clone(),
            trusted_size: a.size,
            trusted_root: hex::encode(a.root),
            ledger_size: t.size,
            ledger_root: t.root.map(hex::encode),
            outcome: TrustOutcome::Unknown,
        },
        finding: None,
        error: None,
    };
    let Some(root) = t.root else {
        out.error = Some(format!(
            "{}: a line could not be read, so the chain cannot be compared with the checkpoint trusted from {}",
            t.file.display(),
            a.source
        ));
        return out;
    };
    let file = t.chain.file_name();
    if a.size > t.size {
        out.check.outcome = TrustOutcome::Rollback;
        out.finding = Some(
            Finding::new(
                FindingKind::Rollback,
                format!(
                    "{file} has {} records, fewer than the {} of the checkpoint trusted from {}: records were removed or an older copy of the ledger was restored",
                    t.size, a.size, a.source
                ),
            )
            .expected_found(tree(a.size, &a.root), tree(t.size, &root)),
        );
        return out;
    }
    // `Ok((consistent, the ledger's root at the trusted size when larger))`.
    let consistent = match a.size {
        0 => Ok((a.root == empty_root(), None)),
        m if m == t.size => Ok((verify_consistency(m, m, &[], &a.root, &root).is_ok(), None)),
        m => chain_leaves(t.file, t.size, None).and_then(|(leaves, _)| {
            if root_of(&leaves) != root {
                return Err(format!(
                    "{}: changed while it was verified; verify again",
                    t.file.display()
                ));
            }
            let proof = consistency_proof(&leaves, m).map_err(|e| e.to_string())?;
            let ok = verify_consistency(m, t.size, &proof, &a.root, &root).is_ok();
            Ok((ok, Some(root_of(&leaves[..m as usize]))))
        }),
    };
    match consistent {
        Ok((true, _)) => out.check.outcome = TrustOutcome::Consistent,
        Ok((false, at)) => {
            out.check.outcome = TrustOutcome::Fork;
            out.finding = Some(fork(a, t, &root, at));
        }
        Err(e) => out.error = Some(e),
    }
    out
}

/// The `FORK` finding; `at` is the ledger's root at the trusted size when
/// the ledger is larger.
fn fork(a: &Anchor, t: ChainTree<'_>, root: &Hash, at: Option<Hash>) -> Finding {
    let found = match at {
        Some(at) => format!(
            "{} (the ledger now: {})",
            tree(a.size, &at),
            tree(t.size, root)
        ),
        None => tree(t.size, root),
    };
    Finding::new(
        FindingKind::Fork,
        format!(
            "the first {} records of {} do not have the root of the checkpoint trusted from {}: the ledger holds another history than the one trusted (no consistency proof from that tree to the ledger's exists)",
            a.size,
            t.chain.file_name(),
            a.source
        ),
    )
    .expected_found(tree(a.size, &a.root), found)
}
