//! Proof verification, following RFC 9162 §2.1.3.2 (inclusion) and §2.1.4.2
//! (consistency) step by step.
//!
//! Before running the RFC's loops, the proof's length is checked against the
//! one the index and sizes call for, so that a wrong length is reported as
//! such rather than as a root mismatch; the RFC's own `sn` checks stay as a
//! second line.
//!
//! Note that a proof does not commit to the tree size: when two sizes give
//! the same left/right pattern of siblings (e.g. leaf 0 of 3 or of 4 leaves),
//! one proof verifies for both against the same root. The size is bound to
//! the root by the signed checkpoint, not by the proof.

use super::{Hash, HashRole, MerkleError, node_hash};

/// Verifies that `leaf_hash` is leaf `index` of the tree of `size` leaves
/// whose root is `root` (RFC 9162 §2.1.3.2).
pub fn verify_inclusion(
    leaf_hash: &Hash,
    index: u64,
    size: u64,
    proof: &[Hash],
    root: &Hash,
) -> Result<(), MerkleError> {
    verify_inclusion_bytes(leaf_hash, index, size, proof, root)
}

/// [`verify_inclusion`] for untrusted byte strings: the leaf hash, the root
/// and every proof element must be exactly 32 bytes.
pub fn verify_inclusion_bytes<P: AsRef<[u8]>>(
    leaf_hash: &[u8],
    index: u64,
    size: u64,
    proof: &[P],
    root: &[u8],
) -> Result<(), MerkleError> {
    if index >= size {
        return Err(MerkleError::IndexOutOfRange { index, size });
    }
    let leaf_hash = as_hash(leaf_hash, HashRole::Leaf)?;
    let root = as_hash(root, HashRole::Root)?;
    if root_from_inclusion_proof(leaf_hash, index, size, proof)? == *root {
        Ok(())
    } else {
        Err(MerkleError::RootMismatch {
            role: HashRole::Root,
        })
    }
}

/// The root that an inclusion proof implies for `leaf_hash` at `index` in a
/// tree of `size` leaves (steps 1-4 of RFC 9162 §2.1.3.2); every proof
/// element must be exactly 32 bytes.
///
/// Only meaningful when compared with a root obtained independently, e.g.
/// from a signed checkpoint; [`verify_inclusion`] does that comparison.
pub fn root_from_inclusion_proof<P: AsRef<[u8]>>(
    leaf_hash: &Hash,
    index: u64,
    size: u64,
    proof: &[P],
) -> Result<Hash, MerkleError> {
    if index >= size {
        return Err(MerkleError::IndexOutOfRange { index, size });
    }
    let path = proof_hashes(proof)?;
    let expected = inclusion_proof_len(index, size);
    check_length(proof.len(), expected)?;

    let (mut fnode, mut snode) = (index, size - 1);
    let mut r = *leaf_hash;
    for p in path {
        if snode == 0 {
            return Err(wrong_length(proof.len(), expected));
        }
        if fnode & 1 == 1 || fnode == snode {
            r = node_hash(p, &r);
            // On the right border, levels where the node has no sibling are
            // skipped: it is promoted unchanged.
            while fnode & 1 == 0 && fnode != 0 {
                fnode >>= 1;
                snode >>= 1;
            }
        } else {
            r = node_hash(&r, p);
        }
        fnode >>= 1;
        snode >>= 1;
    }
    if snode != 0 {
        return Err(wrong_length(proof.len(), expected));
    }
    Ok(r)
}

/// Verifies that the tree of `size2` leaves with root `root2` extends the
/// tree of `size1` leaves with root `root1` (RFC 9162 §2.1.4.2).
///
/// As in the reference implementation, `size1 == 0` is an error (even with
/// `size2 == 0`), and `size1 == size2` needs an empty proof and equal roots.
pub fn verify_consistency(
    size1: u64,
    size2: u64,
    proof: &[Hash],
    root1: &Hash,
    root2: &Hash,
) -> Result<(), MerkleError> {
    verify_consistency_bytes(size1, size2, proof, root1, root2)
}

/// [`verify_consistency`] for untrusted byte strings: every proof element,
/// and both roots when `size1 < size2`, must be exactly 32 bytes.
///
/// When `size1 == size2` the roots are compared as plain byte strings,
/// without a length check, exactly as the reference implementation does.
pub fn verify_consistency_bytes<P: AsRef<[u8]>>(
    size1: u64,
    size2: u64,
    proof: &[P],
    root1: &[u8],
    root2: &[u8],
) -> Result<(), MerkleError> {
    if size1 > size2 {
        return Err(MerkleError::OldTreeLarger { size1, size2 });
    }
    if size1 == 0 {
        return Err(MerkleError::EmptyOldTree);
    }
    if size1 == size2 {
        // Same tree: nothing to prove, nothing to hash.
        check_length(proof.len(), 0)?;
        return if root1 == root2 {
            Ok(())
        } else {
            Err(MerkleError::RootMismatch {
                role: HashRole::NewRoot,
            })
        };
    }
    let root1 = as_hash(root1, HashRole::OldRoot)?;
    let root2 = as_hash(root2, HashRole::NewRoot)?;
    let mut path = proof_hashes(proof)?;
    let expected = consistency_proof_len(size1, size2);
    check_length(proof.len(), expected)?;

    // Step 2: when size1 is a power of two the old tree is itself a node of
    // the new one, so the proof leaves its hash out and root1 stands in.
    let seed = if size1.is_power_of_two() {
        root1
    } else {
        path.next()
            .ok_or_else(|| wrong_length(proof.len(), expected))?
    };
    let (mut fnode, mut snode) = (size1 - 1, size2 - 1);
    // Step 4: start above the perfect subtree that the seed is the root of.
    while fnode & 1 == 1 {
        fnode >>= 1;
        snode >>= 1;
    }
    let (mut fr, mut sr) = (*seed, *seed);
    for c in path {
        if snode == 0 {
            return Err(wrong_length(proof.len(), expected));
        }
        if fnode & 1 == 1 || fnode == snode {
            fr = node_hash(c, &fr);
            sr = node_hash(c, &sr);
            while fnode & 1 == 0 && fnode != 0 {
                fnode >>= 1;
                snode >>= 1;
            }
        } else {
            // A right sibling exists only in the new tree.
            sr = node_hash(&sr, c);
        }
        fnode >>= 1;
        snode >>= 1;
    }
    if snode != 0 {
        return Err(wrong_length(proof.len(), expected));
    }
    if fr != *root1 {
        return Err(MerkleError::RootMismatch {
            role: HashRole::OldRoot,
        });
    }
    if sr != *root2 {
        return Err(MerkleError::RootMismatch {
            role: HashRole::NewRoot,
        });
    }
    Ok(())
}

/// Length of a correct inclusion proof (`index < size`): `inner + border`.
///
/// `inner` counts the levels where the paths to `index` and to the last leaf
/// part (each has a sibling); above them the path runs along the right
/// border, where only the levels at which `index` has a 1 bit have one.
fn inclusion_proof_len(index: u64, size: u64) -> usize {
    let inner = bit_len(index ^ (size - 1));
    let border = index.checked_shr(inner).unwrap_or(0).count_ones();
    (inner + border) as usize
}

/// Length of a correct consistency proof (`0 < size1 < size2`): the
/// inclusion path of the old tree's last leaf, less the levels inside the
/// perfect subtree the seed covers, plus the seed unless it is root1.
fn consistency_proof_len(size1: u64, size2: u64) -> usize {
    let last = size1 - 1;
    let inner = bit_len(last ^ (size2 - 1));
    let border = last.checked_shr(inner).unwrap_or(0).count_ones();
    // The paths to the last leaves part above the seed's subtree, so inner
    // exceeds the shift; saturating keeps this free of panics regardless.
    let inner = inner.saturating_sub(size1.trailing_zeros());
    let seed = u32::from(!size1.is_power_of_two());
    (seed + inner + border) as usize
}

/// Number of significant bits of `x` (0 for 0).
fn bit_len(x: u64) -> u32 {
    u64::BITS - x.leading_zeros()
}

fn as_hash(bytes: &[u8], role: HashRole) -> Result<&Hash, MerkleError> {
    bytes.try_into().map_err(|_| MerkleError::BadHashLength {
        role,
        len: bytes.len(),
    })
}

/// Checks that every proof element is a 32-byte hash, then yields them as
/// such.
fn proof_hashes<P: AsRef<[u8]>>(proof: &[P]) -> Result<impl Iterator<Item = &Hash>, MerkleError> {
    for (index, p) in proof.iter().enumerate() {
        let len = p.as_ref().len();
        if len != 32 {
            return Err(MerkleError::BadProofElement { index, len });
        }
    }
    // Every element converts, as just checked: nothing is filtered out.
    Ok(proof
        .iter()
        .filter_map(|p| <&Hash>::try_from(p.as_ref()).ok()))
}

/// The RFC's own length checks (`sn` reaching 0 too early or too late)
/// cannot fail once this has passed; they stay as a second line.
fn check_length(got: usize, expected: usize) -> Result<(), MerkleError> {
    if got == expected {
        Ok(())
    } else {
        Err(wrong_length(got, expected))
    }
}

fn wrong_length(got: usize, expected: usize) -> MerkleError {
    MerkleError::WrongProofLength { got, expected }
}
