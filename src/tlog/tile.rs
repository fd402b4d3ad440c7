//! C2SP tlog-tiles (<https://c2sp.org/tlog-tiles>): the static layout of a
//! Merkle tree as 256-wide tiles of hashes and bundles of entries.
//!
//! - Paths: [`TileId::path`] (`tile/<L>/<N>[.p/<W>]`) and
//!   [`TileId::entries_path`] (`tile/entries/<N>[.p/<W>]`), `N` in the
//!   spec's three-digit path elements ([`index_path`]: 1234067 →
//!   `x001/x234/067`).
//! - Which tiles a tree of a given size has: [`TileId::in_tree`].
//! - Building them from a stream of leaf hashes in O(log n) memory:
//!   [`TileBuilder`]; entry bundles (big-endian `uint16` length-prefixed
//!   entries): [`BundleBuilder`], read back with [`decode_bundle`].
//!
//! A tile at level `L` holds the hashes of the tree nodes at height `8·L`
//! (level 0: the leaf hashes), i.e. the roots of consecutive perfect
//! subtrees of `256^L` leaves each; the hashing is [`super::merkle`]'s, so
//! the tiles agree with its roots and proofs.

mod build;
mod bundle;

#[cfg(test)]
mod tests;

pub use build::{TileBuilder, tile_bytes};
pub use bundle::{BundleBuilder, BundleError, MAX_ENTRY, decode_bundle, encode_entry};

/// Hashes per full tile (and entries per full bundle): `2^8`.
pub const TILE_WIDTH: u64 = 256;
/// Tree levels one tile spans.
pub const TILE_HEIGHT: u32 = 8;

/// One tile (or entry bundle) of a tree: its level, its index within the
/// level and its width (1 to 256 hashes; 256 is a full tile).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct TileId {
    /// Level `L`: the tile holds nodes at height `8·L`.
    pub level: u8,
    /// Index `N` within the level (the tile's first node is `N·256`).
    pub index: u64,
    /// Hashes in the tile, 1 to 256.
    pub width: u16,
}

impl TileId {
    /// Whether the tile is full (256 wide): its bytes never change again.
    pub fn is_full(&self) -> bool {
        u64::from(self.width) == TILE_WIDTH
    }

    /// `tile/<L>/<N>[.p/<W>]`.
    pub fn path(&self) -> String {
        format!("tile/{}/{}", self.level, self.suffix())
    }

    /// `tile/entries/<N>[.p/<W>]`: the entry bundle of a level-0 tile.
    pub fn entries_path(&self) -> String {
        format!("tile/entries/{}", self.suffix())
    }

    fn suffix(&self) -> String {
        let n = index_path(self.index);
        if self.is_full() {
            n
        } else {
            format!("{n}.p/{}", self.width)
        }
    }

    /// Whether the tree of `size` leaves has exactly this tile: a full tile
    /// whose nodes all exist, or the one partial tile at the right edge of
    /// its level. Tiles a tree has are the ones a publisher of a smaller
    /// tree need not write again.
    pub fn in_tree(&self, size: u64) -> bool {
        let nodes = level_nodes(size, self.level);
        if self.is_full() {
            self.index
                .checked_add(1)
                .and_then(|n| n.checked_mul(TILE_WIDTH))
                .is_some_and(|end| end <= nodes)
        } else {
            self.width > 0
                && self.index == nodes / TILE_WIDTH
                && u64::from(self.width) == nodes % TILE_WIDTH
        }
    }
}

/// Nodes at level `level` (height `8·level`) of a tree of `size` leaves.
pub fn level_nodes(size: u64, level: u8) -> u64 {
    size.checked_shr(TILE_HEIGHT * u32::from(level))
        .unwrap_or(0)
}

/// The spec's encoding of a tile index: three-digit decimal path elements,
/// every one but the last prefixed with `x` (`0` → `000`, `1234067` →
/// `x001/x234/067`). It keeps every directory of a published log under
/// 1,000 names of each kind.
pub fn index_path(mut n: u64) -> String {
    let mut parts = vec![format!("{:03}", n % 1000)];
    n /= 1000;
    while n > 0 {
        parts.push(format!("x{:03}", n % 1000));
        n /= 1000;
    }
    parts.reverse();
    parts.join("/")
}
