//! [`TileBuilder`]: the hash tiles of a tree, built from its leaf hashes
//! in order, one buffer of at most 256 hashes per level.

use super::{TILE_WIDTH, TileId};
use crate::tlog::merkle::{Hash, empty_root, node_hash};

/// Builds the hash tiles of a tree from its leaf hashes, in order.
///
/// [`TileBuilder::push`] hands each tile to a callback the moment it is
/// full (its bytes are final); [`TileBuilder::partial_tiles`] hands the
/// partial tiles at the right edge of the tree of the current size. Memory
/// is one 8 KiB buffer per level (at most 8 levels for 2^64 leaves).
#[derive(Debug, Clone, Default)]
pub struct TileBuilder {
    /// Per level: the nodes of its current (not yet full) tile.
    levels: Vec<Vec<Hash>>,
    /// Per level: how many nodes it has had (`size >> 8·level`).
    counts: Vec<u64>,
    size: u64,
}

impl TileBuilder {
    /// An empty tree.
    pub fn new() -> Self {
        Self::default()
    }

    /// Leaves pushed so far.
    pub fn size(&self) -> u64 {
        self.size
    }

    /// The builder as it stands after `size` leaves, from the tree's
    /// right edge: `edge[L]` holds the nodes of level `L`'s partial tile
    /// (`(size >> 8L) % 256` hashes, none when the level ends on a full
    /// tile). An incremental publisher reads them back from the tiles it
    /// published, so it need not rehash the leaves before `size`. `None`
    /// when a level holds the wrong number of hashes.
    pub fn resume(size: u64, edge: Vec<Vec<Hash>>) -> Option<Self> {
        let mut levels = Vec::new();
        let mut counts = Vec::new();
        let mut edge = edge.into_iter();
        let mut level = 0u32;
        while level < 8 && size >> (8 * level) > 0 {
            let count = size >> (8 * level);
            let nodes = edge.next().unwrap_or_default();
            if nodes.len() as u64 != count % TILE_WIDTH {
                return None;
            }
            levels.push(nodes);
            counts.push(count);
            level += 1;
        }
        if edge.any(|rest| !rest.is_empty()) {
            return None;
        }
        Some(TileBuilder {
            levels,
            counts,
            size,
        })
    }

    /// The roots of the perfect subtrees the tree of the current size is
    /// made of, largest (leftmost) first: what
    /// [`TreeBuilder::from_peaks`](crate::tlog::merkle::TreeBuilder::from_peaks) continues from.
    pub fn peaks(&self) -> Vec<Hash> {
        let mut peaks = Vec::new();
        for nodes in self.levels.iter().rev() {
            // A partial tile's width, bit by bit from the top, is its
            // perfect subtrees left to right.
            let mut start = 0usize;
            for bit in (0..8).rev() {
                let len = 1usize << bit;
                if nodes.len() & len != 0 {
                    peaks.push(perfect_root(&nodes[start..start + len]));
                    start += len;
                }
            }
        }
        peaks
    }

    /// The RFC 6962 root of the tree of the current size, folded from its
    /// [peaks](TileBuilder::peaks) (the empty tree's root when no leaf was
    /// pushed): a reader that builds the tiles needs no second tree builder
    /// beside them.
    pub fn root(&self) -> Hash {
        let mut peaks = self.peaks().into_iter().rev();
        match peaks.next() {
            None => empty_root(),
            Some(last) => peaks.fold(last, |right, left| node_hash(&left, &right)),
        }
    }

    /// Add the next leaf hash; `full` is called with each tile this leaf
    /// completes (level 0 first, then the levels above it completes in turn).
    pub fn push(&mut self, leaf: Hash, full: &mut impl FnMut(TileId, &[Hash])) {
        self.size += 1;
        let mut node = leaf;
        let mut level = 0usize;
        loop {
            if self.levels.len() == level {
                self.levels.push(Vec::with_capacity(TILE_WIDTH as usize));
                self.counts.push(0);
            }
            self.levels[level].push(node);
            self.counts[level] += 1;
            if self.levels[level].len() as u64 != TILE_WIDTH {
                return;
            }
            let id = TileId {
                level: level as u8,
                index: self.counts[level] / TILE_WIDTH - 1,
                width: TILE_WIDTH as u16,
            };
            full(id, &self.levels[level]);
            node = perfect_root(&self.levels[level]);
            self.levels[level].clear();
            level += 1;
        }
    }

    /// The partial tiles of the tree of the current size, lowest level
    /// first (none when every level ends on a full tile).
    pub fn partial_tiles(&self, partial: &mut impl FnMut(TileId, &[Hash])) {
        for (level, nodes) in self.levels.iter().enumerate() {
            if nodes.is_empty() {
                continue;
            }
            let id = TileId {
                level: level as u8,
                index: self.counts[level] / TILE_WIDTH,
                width: nodes.len() as u16,
            };
            partial(id, nodes);
        }
    }
}

/// The root of a perfect subtree whose bottom row is `nodes` (a power of
/// two of them).
fn perfect_root(nodes: &[Hash]) -> Hash {
    let mut row: Vec<Hash> = nodes.to_vec();
    while row.len() > 1 {
        row = row.chunks(2).map(|p| node_hash(&p[0], &p[1])).collect();
    }
    row[0]
}

/// The bytes of a tile: its hashes, concatenated.
pub fn tile_bytes(hashes: &[Hash]) -> Vec<u8> {
    hashes.concat()
}
