use super::*;
use crate::tlog::merkle::{Hash, leaf_hash, node_hash, root_of};
use std::collections::BTreeMap;

#[test]
fn index_paths_follow_the_spec_examples() {
    assert_eq!(index_path(0), "000");
    assert_eq!(index_path(67), "067");
    assert_eq!(index_path(999), "999");
    assert_eq!(index_path(1000), "x001/000");
    assert_eq!(index_path(1_234_067), "x001/x234/067");
    let full = TileId {
        level: 0,
        index: 1_234_067,
        width: 256,
    };
    assert_eq!(full.path(), "tile/0/x001/x234/067");
    let partial = TileId {
        level: 1,
        index: 1_234_067,
        width: 8,
    };
    assert_eq!(partial.path(), "tile/1/x001/x234/067.p/8");
    assert_eq!(partial.entries_path(), "tile/entries/x001/x234/067.p/8");
}

#[test]
fn in_tree_names_the_full_tiles_and_the_one_partial_per_level() {
    let size = 256 * 256 + 256 * 3 + 5; // level 0: 259 full + .p/5; level 1: 1 full + .p/3; level 2: .p/1
    let t = |level, index, width| TileId {
        level,
        index,
        width,
    };
    assert!(t(0, 258, 256).in_tree(size));
    assert!(!t(0, 259, 256).in_tree(size));
    assert!(t(0, 259, 5).in_tree(size));
    assert!(!t(0, 259, 4).in_tree(size));
    assert!(t(1, 0, 256).in_tree(size));
    assert!(t(1, 1, 3).in_tree(size));
    assert!(t(2, 0, 1).in_tree(size));
    assert!(!t(3, 0, 1).in_tree(size));
    assert!(!t(0, u64::MAX, 256).in_tree(u64::MAX));
}

fn build(size: u64) -> (Vec<Hash>, BTreeMap<TileId, Vec<Hash>>) {
    let leaves: Vec<Hash> = (0..size)
        .map(|i| leaf_hash(format!("entry {i}").as_bytes()))
        .collect();
    let mut tiles = BTreeMap::new();
    let mut b = TileBuilder::new();
    for l in &leaves {
        b.push(*l, &mut |id, h| {
            assert!(tiles.insert(id, h.to_vec()).is_none(), "{id:?} twice");
        });
    }
    b.partial_tiles(&mut |id, h| {
        assert!(tiles.insert(id, h.to_vec()).is_none(), "{id:?} twice");
    });
    (leaves, tiles)
}

/// The root of the tree from its tiles alone: the right-edge subtrees,
/// largest first, each read from the lowest tile that holds it.
fn root_from_tiles(size: u64, tiles: &BTreeMap<TileId, Vec<Hash>>) -> Hash {
    // Node (height h, index i) for h a multiple of 8: tile (h/8, i/256)[i%256].
    let node = |height: u32, index: u64| -> Hash {
        let level = (height / 8) as u8;
        let sub = height % 8;
        // A subtree of height `sub` above level `level`'s nodes: fold them.
        let first = index << sub;
        let nodes = level_nodes(size, level);
        let tile_of = |n: u64| {
            let width = if (n / 256 + 1) * 256 <= nodes {
                256
            } else {
                (nodes % 256) as u16
            };
            &tiles[&TileId {
                level,
                index: n / 256,
                width,
            }][(n % 256) as usize]
        };
        let mut row: Vec<Hash> = (first..first + (1 << sub)).map(|n| *tile_of(n)).collect();
        while row.len() > 1 {
            row = row.chunks(2).map(|p| node_hash(&p[0], &p[1])).collect();
        }
        row[0]
    };
    let mut peaks = Vec::new();
    let mut start = 0u64;
    for height in (0..64).rev() {
        if size & (1 << height) != 0 {
            peaks.push(node(height, start >> height));
            start += 1 << height;
        }
    }
    let mut root = peaks.pop().unwrap();
    while let Some(left) = peaks.pop() {
        root = node_hash(&left, &root);
    }
    root
}

#[test]
fn tiles_agree_with_the_merkle_module_at_every_edge() {
    for size in [
        1u64,
        2,
        255,
        256,
        257,
        511,
        512,
        513,
        256 * 256 - 1,
        256 * 256,
        256 * 256 + 1,
        256 * 259 + 5,
    ] {
        let (leaves, tiles) = build(size);
        // Exactly the tiles the tree has.
        assert!(tiles.keys().all(|id| id.in_tree(size)), "size {size}");
        for (id, hashes) in &tiles {
            assert_eq!(hashes.len(), usize::from(id.width), "{id:?}");
        }
        // Level 0 is the leaf hashes; level 1 the roots of 256-leaf subtrees.
        for (i, l) in leaves.iter().enumerate() {
            let i = i as u64;
            let nodes = level_nodes(size, 0);
            let width = if (i / 256 + 1) * 256 <= nodes {
                256
            } else {
                (nodes % 256) as u16
            };
            assert_eq!(
                &tiles[&TileId {
                    level: 0,
                    index: i / 256,
                    width
                }][(i % 256) as usize],
                l
            );
        }
        if let Some(h) = tiles.iter().find(|(id, _)| id.level == 1).map(|(_, h)| h) {
            assert_eq!(h[0], root_of(&leaves[..256]));
        }
        assert_eq!(
            root_from_tiles(size, &tiles),
            root_of(&leaves),
            "size {size}"
        );
    }
}

#[test]
fn the_root_folded_from_the_tiles_peaks_is_the_trees_root() {
    let leaves: Vec<Hash> = (0u32..70_000)
        .map(|i| leaf_hash(&i.to_be_bytes()))
        .collect();
    let mut tiles = TileBuilder::new();
    assert_eq!(tiles.root(), crate::tlog::merkle::empty_root());
    let edges = [
        1usize, 2, 3, 255, 256, 257, 511, 65_535, 65_536, 65_537, 70_000,
    ];
    for (n, leaf) in leaves.iter().enumerate() {
        tiles.push(*leaf, &mut |_, _| {});
        if n < 1_000 || edges.contains(&(n + 1)) {
            assert_eq!(tiles.root(), root_of(&leaves[..=n]), "size {}", n + 1);
        }
    }
}

#[test]
fn bundles_hold_the_exact_entries_length_prefixed() {
    let entries: Vec<Vec<u8>> = (0..600)
        .map(|i| vec![b'a' + (i % 26) as u8; i % 300])
        .collect();
    let mut out = BTreeMap::new();
    let mut b = BundleBuilder::new();
    for e in &entries {
        b.push(e, &mut |id, bytes| {
            out.insert(id, bytes.to_vec());
        })
        .unwrap();
    }
    let (id, bytes) = b.partial().unwrap();
    out.insert(id, bytes.to_vec());
    assert_eq!(
        out.keys().map(TileId::entries_path).collect::<Vec<_>>(),
        [
            "tile/entries/000",
            "tile/entries/001",
            "tile/entries/002.p/88"
        ]
    );
    let back: Vec<&[u8]> = out
        .values()
        .flat_map(|b| decode_bundle(b).unwrap())
        .collect();
    assert_eq!(back.len(), 600);
    assert!(back.iter().zip(&entries).all(|(a, b)| *a == b.as_slice()));
    // The first bytes: a big-endian uint16 length, then the entry.
    // (entry 0 is empty, entry 1 is "b").
    assert_eq!(
        &out[&TileId {
            level: 0,
            index: 0,
            width: 256
        }][..5],
        &[0, 0, 0, 1, b'b']
    );
}

#[test]
fn a_bundle_builder_started_later_builds_only_the_bundles_from_there() {
    let mut b = BundleBuilder::starting_at(300);
    let mut built = Vec::new();
    for i in 0..600u32 {
        b.push(&i.to_be_bytes(), &mut |id, bytes| {
            built.push((id, bytes.len()));
        })
        .unwrap();
    }
    // Bundle 1 (entries 256-511) holds entry 300: built whole; bundle 0 not.
    assert_eq!(
        built,
        [(
            TileId {
                level: 0,
                index: 1,
                width: 256
            },
            256 * 6
        )]
    );
    assert_eq!(
        b.partial().map(|(id, b)| (id.width, b.len())),
        Some((88, 88 * 6))
    );
}

#[test]
fn entries_too_long_or_bundles_cut_short_are_refused() {
    let mut b = BundleBuilder::new();
    let long = vec![b'x'; MAX_ENTRY + 1];
    assert_eq!(
        b.push(&long, &mut |_, _| {}),
        Err(BundleError::TooLong(MAX_ENTRY + 1))
    );
    assert!(
        BundleBuilder::starting_at(512)
            .push(&long, &mut |_, _| {})
            .is_err()
    );
    assert!(b.push(&long[..MAX_ENTRY], &mut |_, _| {}).is_ok());
    assert_eq!(
        decode_bundle(&[0, 3, b'a']),
        Err(BundleError::Truncated {
            entry: 0,
            offset: 0,
            len: 3
        })
    );
    assert_eq!(
        decode_bundle(&[0, 1, b'a', 0]),
        Err(BundleError::Truncated {
            entry: 1,
            offset: 3,
            len: 4
        })
    );
    assert_eq!(decode_bundle(&[]), Ok(vec![]));
}

/// Everything a builder hands out while `leaves` are pushed from `from`
/// on, then its partial tiles: (id, bytes) in order.
fn emitted(b: &mut TileBuilder, leaves: &[Hash]) -> Vec<(TileId, Vec<u8>)> {
    let mut out = Vec::new();
    for l in leaves {
        b.push(*l, &mut |id, h| out.push((id, tile_bytes(h))));
    }
    b.partial_tiles(&mut |id, h| out.push((id, tile_bytes(h))));
    out
}

#[test]
fn a_builder_resumed_from_the_right_edge_continues_as_if_it_had_every_leaf() {
    // Leaves need not be leaf hashes here: any 32 bytes do.
    let leaves: Vec<Hash> = (0u32..66_200)
        .map(|i| {
            let mut h = [0u8; 32];
            h[..4].copy_from_slice(&i.to_be_bytes());
            h
        })
        .collect();
    // Resumed inside a level-0 tile, at its edges, and past level 2's first node.
    for from in [1u64, 255, 256, 257, 65_537] {
        let leaves = &leaves[..from as usize + 600];
        let mut whole = TileBuilder::new();
        let mut edge: Vec<Vec<Hash>> = Vec::new();
        for l in &leaves[..from as usize] {
            whole.push(*l, &mut |_, _| {});
        }
        whole.partial_tiles(&mut |id, h| {
            edge.resize(usize::from(id.level) + 1, Vec::new());
            edge[usize::from(id.level)] = h.to_vec();
        });
        let peaks = whole.peaks();
        let tree = crate::tlog::merkle::TreeBuilder::from_peaks(from, peaks).unwrap();
        assert_eq!(tree.root(), root_of(&leaves[..from as usize]), "{from}");
        let mut resumed = TileBuilder::resume(from, edge.clone()).unwrap();
        let rest = &leaves[from as usize..];
        assert_eq!(
            emitted(&mut resumed, rest),
            emitted(&mut whole, rest),
            "{from}"
        );
        // A level of the wrong width is refused.
        edge.push(vec![leaves[0]]);
        assert!(TileBuilder::resume(from, edge).is_none(), "{from}");
    }
    assert!(crate::tlog::merkle::TreeBuilder::from_peaks(3, vec![leaves[0]]).is_none());
}

#[test]
fn a_bundle_builder_resumed_from_the_partial_bundle_continues_it() {
    let entries: Vec<Vec<u8>> = (0..600)
        .map(|i| format!("entry {i}").into_bytes())
        .collect();
    for from in [0u64, 1, 255, 256, 300] {
        let mut whole = BundleBuilder::new();
        for e in &entries[..from as usize] {
            whole.push(e, &mut |_, _| {}).unwrap();
        }
        let partial = whole.partial().map(|(_, b)| b.to_vec()).unwrap_or_default();
        let mut resumed = BundleBuilder::resume(from, &partial).unwrap();
        let (mut a, mut b) = (Vec::new(), Vec::new());
        for e in &entries[from as usize..] {
            whole
                .push(e, &mut |id, x| a.push((id, x.to_vec())))
                .unwrap();
            resumed
                .push(e, &mut |id, x| b.push((id, x.to_vec())))
                .unwrap();
        }
        assert_eq!(a, b, "{from}");
        assert_eq!(whole.partial(), resumed.partial(), "{from}");
    }
    let mut one = Vec::new();
    encode_entry(&mut one, b"x").unwrap();
    assert!(matches!(
        BundleBuilder::resume(258, &one),
        Err(BundleError::Width {
            expected: 2,
            found: 1
        })
    ));
}
