//! The reference test vectors in `../shared/vectors/` (see
//! `docs/TLOG_FORMATS.md`). Skipped, with a note on stderr, when that folder
//! is absent.

use std::path::{Path, PathBuf};

use super::super::{
    Hash, HashRole, MerkleError, TreeBuilder, consistency_proof, empty_root, hash_children,
    inclusion_proof, leaf_hash, root_from_inclusion_proof, root_of, verify_consistency,
    verify_consistency_bytes, verify_inclusion, verify_inclusion_bytes,
};

fn vectors_dir() -> Option<PathBuf> {
    let dir = Path::new(env!("CARGO_MANIFEST_DIR")).join("../shared/vectors");
    if dir.is_dir() {
        Some(dir)
    } else {
        eprintln!("skipping: test vector folder {} not found", dir.display());
        None
    }
}

/// The file's data lines, split on `|` and trimmed; `None` to skip.
fn vector_lines(name: &str) -> Option<Vec<Vec<String>>> {
    let path = vectors_dir()?.join(name);
    let text = std::fs::read_to_string(&path)
        .unwrap_or_else(|e| panic!("cannot read {}: {e}", path.display()));
    let lines = text
        .lines()
        .map(str::trim)
        .filter(|l| !l.is_empty() && !l.starts_with('#'))
        .map(|l| l.split('|').map(|f| f.trim().to_owned()).collect())
        .collect();
    Some(lines)
}

/// Hex, where "(empty)" is the zero-length string.
fn bytes(field: &str) -> Vec<u8> {
    if field == "(empty)" {
        return Vec::new();
    }
    hex::decode(field).unwrap_or_else(|e| panic!("bad hex {field:?}: {e}"))
}

fn hash(field: &str) -> Hash {
    bytes(field).try_into().expect("a 32-byte hash")
}

/// A proof: "none" is empty, otherwise comma-separated elements.
fn proof(field: &str) -> Vec<Vec<u8>> {
    if field == "none" {
        return Vec::new();
    }
    field.split(',').map(bytes).collect()
}

fn to_hashes(proof: &[Vec<u8>]) -> Vec<Hash> {
    try_hashes(proof).expect("32-byte elements")
}

/// The elements as hashes, if all are 32 bytes.
fn try_hashes(proof: &[Vec<u8>]) -> Option<Vec<Hash>> {
    proof.iter().map(|p| p.as_slice().try_into().ok()).collect()
}

fn number(field: &str) -> u64 {
    field
        .parse()
        .unwrap_or_else(|e| panic!("bad number {field:?}: {e}"))
}

fn expect_ok(field: &str) -> bool {
    match field {
        "ok" => true,
        "err" => false,
        other => panic!("bad expectation {other:?}"),
    }
}

/// The leaf hashes of the 8 standard leaf inputs of `rfc6962_roots_8leaf.txt`.
fn standard_leaves() -> Option<Vec<Hash>> {
    let lines = vector_lines("rfc6962_roots_8leaf.txt")?;
    let leaves: Vec<Hash> = section(&lines, "[LEAF_INPUTS]")
        .iter()
        .map(|f| leaf_hash(&bytes(&f[1])))
        .collect();
    assert_eq!(leaves.len(), 8);
    Some(leaves)
}

/// The lines after the `[NAME]` marker line, up to the next marker.
fn section<'a>(lines: &'a [Vec<String>], name: &str) -> &'a [Vec<String>] {
    let start = lines
        .iter()
        .position(|l| l[0] == name)
        .unwrap_or_else(|| panic!("no section {name}"))
        + 1;
    let len = lines[start..]
        .iter()
        .position(|l| l[0].starts_with('['))
        .unwrap_or(lines.len() - start);
    &lines[start..start + len]
}

/// `ascii "N123"` or `hex "00ff"`.
fn quoted_arg(arg: &str) -> Vec<u8> {
    let (kind, rest) = arg.trim().split_once(' ').expect("kind and value");
    let value = rest.trim().trim_matches('"');
    match kind {
        "ascii" => value.as_bytes().to_vec(),
        "hex" => bytes(value),
        other => panic!("bad argument kind {other:?}"),
    }
}

#[test]
fn hasher_vectors() {
    let Some(lines) = vector_lines("rfc6962_hasher_basic.txt") else {
        return;
    };
    assert_eq!(lines.len(), 4);
    for l in &lines {
        let (name, input, want) = (&l[0], l[1].as_str(), hash(&l[2]));
        let got = if input == "(no input)" {
            empty_root()
        } else if let Some(arg) = input.strip_prefix("HashLeaf(") {
            leaf_hash(&quoted_arg(arg.trim_end_matches(')')))
        } else if let Some(args) = input.strip_prefix("HashChildren(") {
            let (left, right) = args.trim_end_matches(')').split_once(", ").expect("two");
            hash_children(&quoted_arg(left), &quoted_arg(right))
        } else {
            panic!("{name}: unknown input {input:?}")
        };
        assert_eq!(got, want, "{name}");
    }
}

#[test]
fn roots_and_node_hashes_of_the_8_standard_leaves() {
    let Some(lines) = vector_lines("rfc6962_roots_8leaf.txt") else {
        return;
    };
    let Some(leaves) = standard_leaves() else {
        return;
    };
    let roots = section(&lines, "[ROOTS]");
    assert_eq!(roots.len(), 9, "roots for sizes 0-8");
    let mut builder = TreeBuilder::new();
    for (size, l) in roots.iter().enumerate() {
        assert_eq!(number(&l[0]), size as u64);
        let want = hash(&l[1]);
        assert_eq!(root_of(&leaves[..size]), want, "root_of, size {size}");
        assert_eq!(builder.root(), want, "TreeBuilder, size {size}");
        if let Some(&leaf) = leaves.get(size) {
            builder.push_leaf_hash(leaf);
        }
    }
    let nodes = section(&lines, "[NODE_HASHES]");
    assert_eq!(nodes.len(), 15);
    for l in nodes {
        let (level, index) = (number(&l[0]), number(&l[1]) as usize);
        let width = 1 << level;
        let subtree = &leaves[index * width..(index + 1) * width];
        assert_eq!(root_of(subtree), hash(&l[2]), "node {level}/{index}");
    }
}

#[test]
fn inclusion_vectors() {
    let Some(lines) = vector_lines("rfc6962_inclusion_proofs.txt") else {
        return;
    };
    let Some(leaves) = standard_leaves() else {
        return;
    };
    assert_eq!(lines.len(), 39, "39 vectors, as TLOG_FORMATS.md says");
    for l in &lines {
        let [index, size, leaf, root, path, expect, source] = &l[..] else {
            panic!("bad line {l:?}");
        };
        let (index, size) = (number(index), number(size));
        let (leaf, root, path) = (bytes(leaf), bytes(root), proof(path));
        let got = verify_inclusion_bytes(&leaf, index, size, &path, &root);
        let want = expected_inclusion_error(source);
        assert_eq!(got, want, "{source}");
        if let (Ok(leaf), Ok(root), Some(path)) = (
            Hash::try_from(leaf.as_slice()),
            Hash::try_from(root.as_slice()),
            try_hashes(&path),
        ) {
            let typed = verify_inclusion(&leaf, index, size, &path, &root);
            assert_eq!(typed, got, "typed variant, {source}");
        }
        assert_eq!(got.is_ok(), expect_ok(expect), "{source}");
        if got.is_ok() {
            // The proofs we generate for the same leaves are the reference's.
            let path = to_hashes(&path);
            assert_eq!(
                inclusion_proof(&leaves[..size as usize], index),
                Ok(path.clone())
            );
            let leaf: Hash = leaf.try_into().expect("32 bytes");
            let root = root_from_inclusion_proof(&leaf, index, size, &path);
            assert_eq!(root.map(Vec::from), Ok(bytes(&l[3])), "{source}");
        }
    }
}

/// Why each corrupted inclusion vector must fail (`Ok` for the happy paths).
fn expected_inclusion_error(source: &str) -> Result<(), MerkleError> {
    use MerkleError::{BadHashLength, BadProofElement, IndexOutOfRange, WrongProofLength};
    let file = source.split(':').next().unwrap_or_default();
    let case = file
        .trim_end_matches(".json")
        .rsplit('/')
        .next()
        .unwrap_or_default();
    let set = file.split('/').nth(1).unwrap_or_default();
    let mismatch = Err(MerkleError::RootMismatch {
        role: HashRole::Root,
    });
    match (set, case) {
        (_, "happy-path") => Ok(()),
        (_, "inserted-component" | "preceding-root" | "trailing-root") => Err(WrongProofLength {
            got: 4,
            expected: 3,
        }),
        (_, "removed-component") => Err(WrongProofLength {
            got: 2,
            expected: 3,
        }),
        (_, "preceding-garbage") => Err(BadProofElement { index: 0, len: 0 }),
        (_, "trailing-garbage") => Err(BadProofElement { index: 3, len: 0 }),
        (_, "wrong-leaf") => Err(BadHashLength {
            role: HashRole::Leaf,
            len: 9,
        }),
        ("1", "leafIdx-sub-@1") => Err(IndexOutOfRange {
            index: u64::MAX,
            size: 8,
        }),
        ("1", "treeSize-div-@2") => Err(WrongProofLength {
            got: 3,
            expected: 2,
        }),
        (_, "treeSize-mul-@2") => Err(WrongProofLength {
            got: 3,
            expected: 4,
        }),
        ("2", "treeSize-div-@2") => Err(IndexOutOfRange { index: 5, size: 4 }),
        // Right shape, wrong hashes: empty/random root, modified elements,
        // and indices whose proof has the same length.
        _ => mismatch,
    }
}

#[test]
fn consistency_vectors() {
    let Some(lines) = vector_lines("rfc6962_consistency_proofs.txt") else {
        return;
    };
    let Some(leaves) = standard_leaves() else {
        return;
    };
    assert_eq!(lines.len(), 39, "39 vectors, as TLOG_FORMATS.md says");
    for l in &lines {
        let [size1, size2, root1, root2, path, expect, source] = &l[..] else {
            panic!("bad line {l:?}");
        };
        let (size1, size2) = (number(size1), number(size2));
        let path = proof(path);
        let (root1, root2) = (bytes(root1), bytes(root2));
        let got = verify_consistency_bytes(size1, size2, &path, &root1, &root2);
        assert_eq!(got, expected_consistency_error(source), "{source}");
        if let (Ok(root1), Ok(root2), Some(path)) = (
            Hash::try_from(root1.as_slice()),
            Hash::try_from(root2.as_slice()),
            try_hashes(&path),
        ) {
            let typed = verify_consistency(size1, size2, &path, &root1, &root2);
            assert_eq!(typed, got, "typed variant, {source}");
        }
        assert_eq!(got.is_ok(), expect_ok(expect), "{source}");
        if got.is_ok() {
            let generated = consistency_proof(&leaves[..size2 as usize], size1);
            assert_eq!(generated, Ok(to_hashes(&path)), "{source}");
        }
    }
}

/// Why each corrupted consistency vector must fail (`Ok` for the valid ones).
fn expected_consistency_error(source: &str) -> Result<(), MerkleError> {
    use HashRole::{NewRoot, OldRoot};
    use MerkleError::{
        BadHashLength, BadProofElement, EmptyOldTree, OldTreeLarger, RootMismatch, WrongProofLength,
    };
    let case = source.split(": ").nth(1).unwrap_or_default();
    let wrong_length = |got, expected| Err(WrongProofLength { got, expected });
    match case {
        "happy path" | "sizes are equal (one) and proof is empty" => Ok(()),
        "empty proof" => wrong_length(0, 3),
        // Its roots are 12-byte placeholders, rejected before the proof.
        "sizes do not watch and proof is empty" => Err(BadHashLength {
            role: OldRoot,
            len: 12,
        }),
        "preceding proof @0" | "preceding root1" | "preceding root2" | "trailing root1"
        | "trailing root2" => wrong_length(4, 3),
        "truncated proof" => wrong_length(2, 3),
        "sizes match but proof is not empty and sizes are one" => wrong_length(1, 0),
        // Proofs of 3 for other sizes than 6 -> 8, which call for 1 or 4.
        "size1 XOR @2" => wrong_length(3, 1),
        "size1 plus @1" | "size1 sub @1" | "size2 mul @2" => wrong_length(3, 4),
        // Elements 0 (the seed) and 2 of the 6 -> 8 proof enter both roots,
        // element 1 only the new one; the old root is checked first.
        "modified proof@0 bit @4" | "modified proof@2 bit @4" | "swapped roots" => {
            Err(RootMismatch { role: OldRoot })
        }
        "modified proof@1 bit @4" => Err(RootMismatch { role: NewRoot }),
        "roots do not not match and sizes are one" | "sizes are equal (one) but roots are not" => {
            Err(RootMismatch { role: NewRoot })
        }
        "preceding garbage" => Err(BadProofElement { index: 0, len: 0 }),
        "trailing garbage" => Err(BadProofElement { index: 3, len: 0 }),
        "wrong root1" => Err(BadHashLength {
            role: OldRoot,
            len: 9,
        }),
        "wrong root2" => Err(BadHashLength {
            role: NewRoot,
            len: 9,
        }),
        "size2 div @2" => Err(OldTreeLarger { size1: 6, size2: 4 }),
        "size1 is greater than size2" => Err(OldTreeLarger { size1: 1, size2: 0 }),
        "size1 is greater than size2 again" => Err(OldTreeLarger { size1: 2, size2: 1 }),
        _ if case.contains("zero") || case.contains("empty tree") => Err(EmptyOldTree),
        other => panic!("no expectation for {other:?}"),
    }
}
