//! Tests of the Merkle module: edge cases here, the reference vectors in
//! `vectors`, property tests in `props`.

mod props;
mod vectors;

use super::{
    Hash, HashRole, MerkleError, TreeBuilder, consistency_proof, empty_root, inclusion_proof,
    leaf_hash, root_from_inclusion_proof, root_of, verify_consistency, verify_consistency_bytes,
    verify_inclusion, verify_inclusion_bytes,
};

fn leaves(n: u64) -> Vec<Hash> {
    (0..n).map(|i| leaf_hash(&i.to_le_bytes())).collect()
}

#[test]
fn empty_tree() {
    assert_eq!(root_of(&[]), empty_root());
    assert_eq!(TreeBuilder::new().root(), empty_root());
    assert_eq!(TreeBuilder::new().size(), 0);
    assert_eq!(
        inclusion_proof(&[], 0),
        Err(MerkleError::IndexOutOfRange { index: 0, size: 0 })
    );
    assert_eq!(consistency_proof(&[], 0), Err(MerkleError::EmptyOldTree));
}

#[test]
fn push_hashes_the_data_as_a_leaf() {
    let mut by_data = TreeBuilder::new();
    let mut by_hash = TreeBuilder::new();
    for data in [&b""[..], b"a", b"bc"] {
        by_data.push(data);
        by_hash.push_leaf_hash(leaf_hash(data));
    }
    assert_eq!(by_data, by_hash);
}

#[test]
fn generation_rejects_bad_requests() {
    let l = leaves(5);
    assert_eq!(
        inclusion_proof(&l, 5),
        Err(MerkleError::IndexOutOfRange { index: 5, size: 5 })
    );
    assert_eq!(
        inclusion_proof(&l, u64::MAX),
        Err(MerkleError::IndexOutOfRange {
            index: u64::MAX,
            size: 5
        })
    );
    assert_eq!(consistency_proof(&l, 0), Err(MerkleError::EmptyOldTree));
    assert_eq!(
        consistency_proof(&l, 6),
        Err(MerkleError::OldTreeLarger { size1: 6, size2: 5 })
    );
    assert_eq!(consistency_proof(&l, 5), Ok(Vec::new()));
    assert_eq!(inclusion_proof(&l[..1], 0), Ok(Vec::new()));
}

#[test]
fn single_leaf_tree() {
    let l = leaves(1);
    assert_eq!(root_of(&l), l[0]);
    assert_eq!(verify_inclusion(&l[0], 0, 1, &[], &l[0]), Ok(()));
    assert_eq!(verify_consistency(1, 1, &[], &l[0], &l[0]), Ok(()));
}

#[test]
fn checks_come_in_a_fixed_order() {
    let junk: [&[u8]; 1] = [b"short"];
    // The index is checked before anything else, as in the reference.
    assert_eq!(
        verify_inclusion_bytes(b"x", 3, 3, &junk, b"y"),
        Err(MerkleError::IndexOutOfRange { index: 3, size: 3 })
    );
    assert_eq!(
        verify_inclusion_bytes(b"x", 0, 3, &junk, b"y"),
        Err(MerkleError::BadHashLength {
            role: HashRole::Leaf,
            len: 1
        })
    );
    assert_eq!(
        verify_inclusion_bytes(&[0; 32], 0, 3, &junk, b"y"),
        Err(MerkleError::BadHashLength {
            role: HashRole::Root,
            len: 1
        })
    );
    assert_eq!(
        verify_inclusion_bytes(&[0; 32], 0, 3, &junk, &[0; 32]),
        Err(MerkleError::BadProofElement { index: 0, len: 5 })
    );
    // Sizes before roots and proof; size1 > size2 before size1 == 0.
    assert_eq!(
        verify_consistency_bytes(1, 0, &junk, b"", b""),
        Err(MerkleError::OldTreeLarger { size1: 1, size2: 0 })
    );
    assert_eq!(
        verify_consistency_bytes(0, 0, &[] as &[&[u8]], b"", b""),
        Err(MerkleError::EmptyOldTree)
    );
    assert_eq!(
        verify_consistency_bytes(2, 2, &junk, b"", b""),
        Err(MerkleError::WrongProofLength {
            got: 1,
            expected: 0
        })
    );
    assert_eq!(
        verify_consistency_bytes(2, 3, &junk, b"", b""),
        Err(MerkleError::BadHashLength {
            role: HashRole::OldRoot,
            len: 0
        })
    );
}

#[test]
fn huge_sizes_do_not_overflow() {
    // 2^63 + 1 leaves: the paths to leaf 0 and to the last leaf part at the
    // top bit, so `inner` is 64 and `index >> inner` must not be evaluated.
    let size = (1 << 63) + 1;
    let proof = vec![[7; 32]; 64];
    assert_eq!(
        verify_inclusion(&[1; 32], 0, size, &proof, &[2; 32]),
        Err(MerkleError::RootMismatch {
            role: HashRole::Root
        })
    );
    let last = u64::MAX - 1;
    let proof = vec![[7; 32]; 63];
    assert_eq!(
        root_from_inclusion_proof(&[1; 32], last, u64::MAX, &proof).map(|_| ()),
        Ok(())
    );
    // Old tree ...1110: seed, one inner level, then 62 border levels.
    let proof = vec![[7; 32]; 64];
    assert!(matches!(
        verify_consistency(u64::MAX - 1, u64::MAX, &proof, &[1; 32], &[2; 32]),
        Err(MerkleError::RootMismatch { .. })
    ));
}

/// A proof does not commit to the tree size: leaf 0 of 3 and of 4 leaves
/// has siblings on the same sides, so one proof verifies for both sizes
/// against the same root. Signed checkpoints bind the size to the root.
#[test]
fn size_is_bound_by_the_root_not_the_proof() {
    let l = leaves(3);
    let proof = inclusion_proof(&l, 0).expect("valid index");
    let root = root_of(&l);
    assert_eq!(verify_inclusion(&l[0], 0, 3, &proof, &root), Ok(()));
    assert_eq!(verify_inclusion(&l[0], 0, 4, &proof, &root), Ok(()));
}

#[test]
fn errors_say_why() {
    let e = MerkleError::BadHashLength {
        role: HashRole::Leaf,
        len: 9,
    };
    assert_eq!(e.to_string(), "the leaf hash is 9 bytes long, not 32");
    let e = MerkleError::RootMismatch {
        role: HashRole::OldRoot,
    };
    assert_eq!(
        e.to_string(),
        "the old root (size1) does not match the hash recomputed from the proof"
    );
}
