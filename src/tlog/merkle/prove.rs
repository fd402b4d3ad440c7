//! Proof generation from the full list of leaf hashes (RFC 6962 §2.1.1-2).
//!
//! Both proofs walk down from the root, always into the subtree that holds
//! the leaf (or the old tree's edge), and record the root of the subtree
//! they leave behind. Those subtrees are disjoint, so one proof hashes each
//! leaf at most once: O(n) time and O(log n) memory, with no tree kept.

use super::{Hash, MerkleError, root_of};

/// The inclusion proof `PATH(m, D[n])` of leaf `index` in the tree of
/// `leaves`, bottom-up, as [`verify_inclusion`](super::verify_inclusion)
/// expects it.
///
/// Hashes each leaf at most once (about 2n SHA-256 compressions).
pub fn inclusion_proof(leaves: &[Hash], index: u64) -> Result<Vec<Hash>, MerkleError> {
    let out_of_range = MerkleError::IndexOutOfRange {
        index,
        size: leaves.len() as u64,
    };
    let mut m = usize::try_from(index).map_err(|_| out_of_range.clone())?;
    if m >= leaves.len() {
        return Err(out_of_range);
    }
    let mut tree = leaves;
    let mut path = Vec::new();
    while tree.len() > 1 {
        let (left, right) = tree.split_at(split_point(tree.len()));
        if m < left.len() {
            path.push(root_of(right));
            tree = left;
        } else {
            path.push(root_of(left));
            m -= left.len();
            tree = right;
        }
    }
    // Collected top-down; the RFC orders the path from the leaf up.
    path.reverse();
    Ok(path)
}

/// The consistency proof `PROOF(m, D[n])` from the first `old_size` leaves
/// to all of `leaves`, bottom-up, as
/// [`verify_consistency`](super::verify_consistency) expects it.
///
/// The proof is empty when `old_size == leaves.len()`. Hashes each leaf at
/// most once.
pub fn consistency_proof(leaves: &[Hash], old_size: u64) -> Result<Vec<Hash>, MerkleError> {
    let mut m = match usize::try_from(old_size) {
        Ok(m) if m <= leaves.len() => m,
        _ => {
            return Err(MerkleError::OldTreeLarger {
                size1: old_size,
                size2: leaves.len() as u64,
            });
        }
    };
    if m == 0 {
        return Err(MerkleError::EmptyOldTree);
    }
    let mut tree = leaves;
    // SUBPROOF's flag: whether `tree` is still a prefix of the whole tree,
    // i.e. the old tree itself, whose root the verifier already holds.
    let mut is_old_root = true;
    let mut proof = Vec::new();
    while m < tree.len() {
        // m >= 1 and m < len, so len >= 2 and there is a split.
        let (left, right) = tree.split_at(split_point(tree.len()));
        if m <= left.len() {
            proof.push(root_of(right));
            tree = left;
        } else {
            proof.push(root_of(left));
            m -= left.len();
            tree = right;
            is_old_root = false;
        }
    }
    // `tree` is now the largest perfect subtree ending at the old size: the
    // verifier's starting point. It need not be sent if it is the old root.
    if !is_old_root {
        proof.push(root_of(tree));
    }
    proof.reverse();
    Ok(proof)
}

/// RFC 6962's `k`: the largest power of two strictly below `n` (`n >= 2`).
fn split_point(n: usize) -> usize {
    1 << (n - 1).ilog2()
}
