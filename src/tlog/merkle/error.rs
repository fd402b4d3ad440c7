//! Why a Merkle proof, or a request for one, was rejected.

use std::fmt;

use thiserror::Error;

/// Which caller-supplied hash a [`MerkleError`] is about.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
#[non_exhaustive]
pub enum HashRole {
    /// The leaf hash whose inclusion is being proven.
    Leaf,
    /// The root an inclusion proof is checked against.
    Root,
    /// The root of the older tree (`size1`) of a consistency proof.
    OldRoot,
    /// The root of the newer tree (`size2`) of a consistency proof.
    NewRoot,
}

impl fmt::Display for HashRole {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(match self {
            HashRole::Leaf => "the leaf hash",
            HashRole::Root => "the root",
            HashRole::OldRoot => "the old root (size1)",
            HashRole::NewRoot => "the new root (size2)",
        })
    }
}

/// Why a Merkle proof failed to verify or could not be produced.
#[derive(Debug, Clone, PartialEq, Eq, Error)]
#[non_exhaustive]
pub enum MerkleError {
    /// The leaf index is not below the tree size.
    #[error("leaf index {index} is out of range for a tree of size {size}")]
    IndexOutOfRange {
        /// The leaf index given.
        index: u64,
        /// The tree size given.
        size: u64,
    },
    /// A consistency proof was asked for, or given, from the empty tree.
    /// Every tree extends the empty one, so such a proof proves nothing; the
    /// reference implementation rejects it even when both sizes are 0.
    #[error("a consistency proof from the empty tree (size1 = 0) is meaningless")]
    EmptyOldTree,
    /// The "old" tree is larger than the "new" one.
    #[error("old tree size {size1} is larger than new tree size {size2}")]
    OldTreeLarger {
        /// The old tree size given.
        size1: u64,
        /// The new tree size given.
        size2: u64,
    },
    /// The proof has the wrong number of hashes for the given index and
    /// sizes (an RFC 9162 proof's length is fixed by them).
    #[error("the proof has {got} hashes, but must have exactly {expected}")]
    WrongProofLength {
        /// Number of hashes in the proof.
        got: usize,
        /// Number the index and sizes call for.
        expected: usize,
    },
    /// A proof element is not a 32-byte hash.
    #[error("proof element {index} is {len} bytes long, not 32")]
    BadProofElement {
        /// Position of the element in the proof (0 = bottom).
        index: usize,
        /// Its length in bytes.
        len: usize,
    },
    /// A leaf hash or root is not a 32-byte hash.
    #[error("{role} is {len} bytes long, not 32")]
    BadHashLength {
        /// Which hash is malformed.
        role: HashRole,
        /// Its length in bytes.
        len: usize,
    },
    /// The hash recomputed from the proof differs from the one given: the
    /// leaf, the proof or the root (or, for a consistency proof, one of the
    /// two roots) has been altered or belongs to another tree.
    #[error("{role} does not match the hash recomputed from the proof")]
    RootMismatch {
        /// Which given hash disagrees with the recomputation.
        role: HashRole,
    },
}
