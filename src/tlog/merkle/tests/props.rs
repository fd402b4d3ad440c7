//! Property tests: generated proofs verify; any tampering, wrong index or
//! wrong size fails unless it cannot change what the verifier computes.

use std::iter::repeat_n;

use proptest::prelude::*;
use proptest::sample::Index;

use super::super::{
    Hash, HashRole, MerkleError, TreeBuilder, consistency_proof, empty_root, inclusion_proof,
    leaf_hash, node_hash, root_of, verify_consistency, verify_consistency_bytes, verify_inclusion,
    verify_inclusion_bytes,
};

/// `n` distinct pseudo-random leaf hashes (cheaper to generate and shrink
/// than `n` random 32-byte arrays).
fn leaves(seed: u64, n: usize) -> Vec<Hash> {
    (0..n as u64)
        .map(|i| leaf_hash(&[seed.to_le_bytes(), i.to_le_bytes()].concat()))
        .collect()
}

/// `MTH(D[n])` straight from the RFC 6962 definition, as an oracle.
fn naive_root(leaves: &[Hash]) -> Hash {
    match leaves.len() {
        0 => empty_root(),
        1 => leaves[0],
        n => {
            let k = (1..n)
                .map(|k| 1 << k)
                .take_while(|&k| k < n)
                .last()
                .unwrap_or(1);
            node_hash(&naive_root(&leaves[..k]), &naive_root(&leaves[k..]))
        }
    }
}

fn bit_len(x: u64) -> u32 {
    u64::BITS - x.leading_zeros()
}

/// The side of each sibling of an inclusion proof (true = left), from the
/// `TLOG_FORMATS.md` formula: one per low `inner` bit of the index, then one
/// left sibling per 1 bit above (`border`). `None` if `index >= size`.
fn inclusion_shape(index: u64, size: u64) -> Option<Vec<bool>> {
    if index >= size {
        return None;
    }
    let inner = bit_len(index ^ (size - 1));
    let border = index.checked_shr(inner).unwrap_or(0).count_ones();
    let low_bits = (0..inner).map(|b| index >> b & 1 == 1);
    Some(low_bits.chain(repeat_n(true, border as usize)).collect())
}

/// What the consistency verifier does with each proof element: whether the
/// seed comes from the proof (size1 not a power of two), then, for each
/// further element, whether it is hashed into both roots (true) or only into
/// the new one. `None` for sizes that are always rejected.
fn consistency_shape(size1: u64, size2: u64) -> Option<(bool, Vec<bool>)> {
    if size1 == 0 || size1 > size2 {
        return None;
    }
    if size1 == size2 {
        return Some((false, Vec::new()));
    }
    let last = size1 - 1;
    let inner = bit_len(last ^ (size2 - 1));
    let border = last.checked_shr(inner).unwrap_or(0).count_ones();
    let low_bits = (size1.trailing_zeros()..inner).map(|b| last >> b & 1 == 1);
    let ops = low_bits.chain(repeat_n(true, border as usize)).collect();
    Some((!size1.is_power_of_two(), ops))
}

/// Sizes and indices that stress the u64 arithmetic.
fn edgy_u64() -> impl Strategy<Value = u64> {
    prop_oneof![
        any::<u64>(),
        0u64..20,
        (0u32..64).prop_map(|b| 1 << b),
        (0u32..64).prop_map(|b| (1u64 << b) - 1),
        (0u32..64).prop_map(|b| (1u64 << b) + 1),
        Just(u64::MAX),
        Just(u64::MAX - 1),
    ]
}

fn mismatch(role: HashRole) -> Result<(), MerkleError> {
    Err(MerkleError::RootMismatch { role })
}

// Case counts keep the suite to a few seconds in the dev profile, where
// SHA-256 is unoptimised (~250,000 node hashes/s).
proptest! {
    #![proptest_config(ProptestConfig::with_cases(32))]

    #[test]
    fn inclusion_proofs_verify_and_tampering_fails(
        seed in any::<u64>(),
        n in 1usize..2000,
        picks in prop::collection::vec(any::<Index>(), 1..4),
        others in prop::collection::vec((any::<Index>(), 1u64..4000), 4),
        bytes in prop::collection::vec(any::<Index>(), 32),
        mask in 1u8..=255,
    ) {
        let leaves = leaves(seed, n);
        let root = root_of(&leaves);
        prop_assert_eq!(root, naive_root(&leaves));
        let size = n as u64;
        let mut indices: Vec<usize> = picks.iter().map(|p| p.index(n)).collect();
        indices.extend([0, n - 1]);
        for i in indices {
            let (leaf, index) = (leaves[i], i as u64);
            let proof = inclusion_proof(&leaves, index)?;
            let shape = inclusion_shape(index, size);
            prop_assert_eq!(Some(proof.len()), shape.as_ref().map(Vec::len));
            prop_assert_eq!(verify_inclusion(&leaf, index, size, &proof, &root), Ok(()));

            // Every element, one random byte each.
            for (e, b) in (0..proof.len()).zip(&bytes) {
                let mut bad = proof.clone();
                bad[e][b.index(32)] ^= mask;
                let got = verify_inclusion(&leaf, index, size, &bad, &root);
                prop_assert_eq!(got, mismatch(HashRole::Root));
            }
            for b in 0..32 {
                let (mut bad_leaf, mut bad_root) = (leaf, root);
                bad_leaf[b] ^= mask;
                bad_root[b] ^= mask;
                let got = verify_inclusion(&bad_leaf, index, size, &proof, &root);
                prop_assert_eq!(got, mismatch(HashRole::Root));
                let got = verify_inclusion(&leaf, index, size, &proof, &bad_root);
                prop_assert_eq!(got, mismatch(HashRole::Root));
            }

            // A wrong index or size passes only where it leaves the
            // verifier's computation unchanged (same sibling sides): never
            // for another index at the same size, but e.g. leaf 0 of 3 and
            // of 4 share a proof. The checkpoint binds size to root.
            let mut claims: Vec<(u64, u64)> = others
                .iter()
                .map(|(j, m)| (j.index(n) as u64, *m))
                .flat_map(|(j, m)| [(j, size), (index, m), (j, m)])
                .collect();
            claims.extend([
                (index.wrapping_sub(1), size),
                (index + 1, size),
                (index ^ 1, size),
                (index, size - 1),
                (index, size + 1),
                (index, size * 2),
                (index, size / 2),
                (u64::MAX, size),
                (index, u64::MAX),
            ]);
            for (j, m) in claims {
                if (j, m) == (index, size) {
                    continue;
                }
                let got = verify_inclusion(&leaf, j, m, &proof, &root);
                let same = inclusion_shape(j, m) == shape;
                prop_assert_eq!(got.is_ok(), same, "claim {}/{} for {}/{}", j, m, index, size);
                if m == size {
                    prop_assert!(got.is_err());
                }
            }
        }
    }

    #[test]
    fn consistency_proofs_verify_and_tampering_fails(
        seed in any::<u64>(),
        n in 1usize..2000,
        old in any::<Index>(),
        others in prop::collection::vec((1u64..4000, 1u64..4000), 4),
        bytes in prop::collection::vec(any::<Index>(), 32),
        mask in 1u8..=255,
    ) {
        let leaves = leaves(seed, n);
        let m = old.index(n) + 1;
        let (size1, size2) = (m as u64, n as u64);
        let (root1, root2) = (root_of(&leaves[..m]), root_of(&leaves));
        let proof = consistency_proof(&leaves, size1)?;
        let shape = consistency_shape(size1, size2).expect("valid sizes");
        prop_assert_eq!(proof.len(), usize::from(shape.0) + shape.1.len());
        prop_assert_eq!(verify_consistency(size1, size2, &proof, &root1, &root2), Ok(()));

        for (e, b) in (0..proof.len()).zip(&bytes) {
            let mut bad = proof.clone();
            bad[e][b.index(32)] ^= mask;
            let got = verify_consistency(size1, size2, &bad, &root1, &root2);
            prop_assert!(matches!(got, Err(MerkleError::RootMismatch { .. })), "{:?}", got);
        }
        for b in 0..32 {
            let (mut bad1, mut bad2) = (root1, root2);
            bad1[b] ^= mask;
            bad2[b] ^= mask;
            let got = verify_consistency(size1, size2, &proof, &bad1, &root2);
            prop_assert!(matches!(got, Err(MerkleError::RootMismatch { .. })), "{:?}", got);
            let got = verify_consistency(size1, size2, &proof, &root1, &bad2);
            prop_assert!(matches!(got, Err(MerkleError::RootMismatch { .. })), "{:?}", got);
        }

        // As for inclusion: wrong sizes pass only where the verifier would
        // do exactly the same hashing.
        let mut claims: Vec<(u64, u64)> = others
            .iter()
            .flat_map(|&(a, b)| [(a, size2), (size1, b), (a, b), (a.min(b), a.max(b))])
            .collect();
        claims.extend([
            (size1 - 1, size2),
            (size1 + 1, size2),
            (size1, size2 - 1),
            (size1, size2 + 1),
            (size1, size2 * 2),
            (size2, size1),
            (0, size2),
            (u64::MAX, size2),
            (size1, u64::MAX),
        ]);
        for (s1, s2) in claims {
            if (s1, s2) == (size1, size2) {
                continue;
            }
            let got = verify_consistency(s1, s2, &proof, &root1, &root2);
            let same = consistency_shape(s1, s2).as_ref() == Some(&shape);
            prop_assert_eq!(got.is_ok(), same, "claim {}->{} for {}->{}", s1, s2, size1, size2);
        }
    }

    #[test]
    fn arbitrary_inputs_never_panic(
        index in edgy_u64(),
        size1 in edgy_u64(),
        size2 in edgy_u64(),
        proof in prop::collection::vec(any::<[u8; 32]>(), 0..140),
        ragged in prop::collection::vec(prop::collection::vec(any::<u8>(), 0..40), 0..8),
        leaf in any::<[u8; 32]>(),
        root in any::<[u8; 32]>(),
    ) {
        // Random proofs for random claims: never a panic, never a pass.
        prop_assert!(verify_inclusion(&leaf, index, size1, &proof, &root).is_err());
        prop_assert!(verify_inclusion_bytes(&leaf, index, size1, &ragged, &root).is_err());
        prop_assert!(verify_consistency(size1, size2, &proof, &leaf, &root).is_err());
        prop_assert!(verify_consistency_bytes(size1, size2, &ragged, &leaf, &root).is_err());
        // A proof of exactly the right length still gets hashed through.
        if let Some(shape) = inclusion_shape(index, size1) {
            let sized = vec![root; shape.len()];
            let got = verify_inclusion(&leaf, index, size1, &sized, &root);
            prop_assert_eq!(got, mismatch(HashRole::Root));
        }
        if let Some((seed, ops)) = consistency_shape(size1.min(size2), size1.max(size2)) {
            let sized = vec![root; usize::from(seed) + ops.len()];
            let (s1, s2) = (size1.min(size2), size1.max(size2));
            let got = verify_consistency(s1, s2, &sized, &leaf, &root);
            prop_assert!(matches!(got, Err(MerkleError::RootMismatch { .. })), "{:?}", got);
        }
    }
}

// Quadratic in n: every prefix is rehashed twice by the oracles.
proptest! {
    #![proptest_config(ProptestConfig::with_cases(16))]

    #[test]
    fn builder_root_matches_at_every_size(seed in any::<u64>(), n in 0usize..200) {
        let leaves = leaves(seed, n);
        let mut builder = TreeBuilder::new();
        for size in 0..=n {
            prop_assert_eq!(builder.size(), size as u64);
            let root = builder.root();
            prop_assert_eq!(root, naive_root(&leaves[..size]));
            prop_assert_eq!(root, root_of(&leaves[..size]));
            if let Some(&leaf) = leaves.get(size) {
                builder.push_leaf_hash(leaf);
            }
        }
    }
}
