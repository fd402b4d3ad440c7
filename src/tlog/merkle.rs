//! RFC 9162 (RFC 6962 §2.1) Merkle trees over SHA-256, as used by the native
//! ledger to cover each chain.
//!
//! - Hashing: [`leaf_hash`], [`node_hash`], [`empty_root`].
//! - Roots: [`TreeBuilder`] (streaming, O(log n) memory, a root at every
//!   size) and [`root_of`].
//! - Proofs from a slice of leaf hashes: [`inclusion_proof`] (`PATH(m, D[n])`)
//!   and [`consistency_proof`] (`PROOF(m, D[n])`).
//! - Verification exactly per RFC 9162 §2.1.3.2 and §2.1.4.2:
//!   [`verify_inclusion`], [`verify_consistency`], [`root_from_inclusion_proof`],
//!   and `*_bytes` variants that take untrusted byte strings and reject any
//!   that are not 32 bytes long.
//!
//! Every failure is a [`MerkleError`] that says why; nothing here panics on
//! untrusted sizes, indices or proofs.
//!
//! ```
//! use iss_workstation::tlog::merkle::{
//!     inclusion_proof, leaf_hash, root_of, verify_inclusion,
//! };
//!
//! let leaves: Vec<_> = [b"a", b"b", b"c"].iter().map(|d| leaf_hash(*d)).collect();
//! let root = root_of(&leaves);
//! let proof = inclusion_proof(&leaves, 2)?;
//! verify_inclusion(&leaves[2], 2, 3, &proof, &root)?;
//! # Ok::<(), iss_workstation::tlog::merkle::MerkleError>(())
//! ```

mod builder;
mod error;
mod prove;
mod verify;

#[cfg(test)]
mod tests;

pub use builder::{TreeBuilder, root_of};
pub use error::{HashRole, MerkleError};
pub use prove::{consistency_proof, inclusion_proof};
pub use verify::{
    root_from_inclusion_proof, verify_consistency, verify_consistency_bytes, verify_inclusion,
    verify_inclusion_bytes,
};

use sha2::{Digest, Sha256};

/// A SHA-256 output: a leaf hash, an interior node hash or a tree root.
pub type Hash = [u8; 32];

/// Domain-separation prefixes (RFC 6962 §2.1): a leaf can never be mistaken
/// for an interior node, which blocks second-preimage tricks on the tree shape.
const LEAF_PREFIX: u8 = 0x00;
const NODE_PREFIX: u8 = 0x01;

/// The hash of a leaf: `SHA-256(0x00 || data)`.
pub fn leaf_hash(data: &[u8]) -> Hash {
    Sha256::new()
        .chain_update([LEAF_PREFIX])
        .chain_update(data)
        .finalize()
        .into()
}

/// The hash of an interior node: `SHA-256(0x01 || left || right)`.
pub fn node_hash(left: &Hash, right: &Hash) -> Hash {
    hash_children(left, right)
}

/// The root of the empty tree: `SHA-256("")`.
pub fn empty_root() -> Hash {
    Sha256::digest([]).into()
}

/// [`node_hash`] over byte strings of any length; only the hasher test
/// vectors need that (their children are not 32 bytes).
fn hash_children(left: &[u8], right: &[u8]) -> Hash {
    Sha256::new()
        .chain_update([NODE_PREFIX])
        .chain_update(left)
        .chain_update(right)
        .finalize()
        .into()
}
