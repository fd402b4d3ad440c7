//! Consistency of a new checkpoint with the tree the monitor verified,
//! proved from the published hash tiles alone (no entry bundle): the
//! RFC 9162 §2.1.4 consistency proof between the old size `m` and the new
//! size `n`, whose nodes are read from the new tree's tiles.
//!
//! The root of `n` is recomputed from the monitor's own peaks of the tree
//! of `m` (computed from the entries it verified) and, for the leaves
//! `m..n`, the perfect subtrees the tiles hold. Equal to the signed root:
//! the signed tree contains the verified one. Not equal, while the tiles
//! alone do make the signed root: the signed tree holds other records
//! before `m` — a fork, found without downloading a bundle. Otherwise the
//! tiles are not the signed tree's (or are missing): undecided, and the
//! monitor falls back to the entries, which name the bad tile.

use super::location::{Location, LocationError};
use crate::ledger::native::format::meta::Chain;
use crate::tlog::merkle::{Hash, node_hash};
use crate::tlog::tile::{TILE_WIDTH, TileId, level_nodes};
use std::collections::HashMap;

/// What the tiles say about the new checkpoint.
#[derive(Debug, PartialEq, Eq)]
pub enum Consistency {
    /// The signed tree contains the verified one.
    Consistent,
    /// The tiles make the signed root and hold another history before the
    /// verified size; the root those tiles give the verified size.
    Fork,
    /// The tiles are missing or do not make the signed root.
    Undecided,
}

/// Prove that the tree of `new_size` with root `new_root` contains the
/// tree of `old_size` whose perfect-subtree roots are `old_peaks` (largest
/// first), from `chain`'s hash tiles at `location`.
pub fn check(
    location: &Location,
    chain: Chain,
    old_size: u64,
    old_peaks: &[Hash],
    new_size: u64,
    new_root: &Hash,
) -> Result<Consistency, LocationError> {
    if old_size == 0 || new_size < old_size {
        return Ok(Consistency::Undecided);
    }
    let mut tiles = Tiles {
        location,
        chain,
        size: new_size,
        fetched: HashMap::new(),
    };
    let peaks = peak_ranges(old_size)
        .into_iter()
        .zip(old_peaks.iter().copied())
        .collect::<Vec<_>>();
    let proved = root(0, new_size, old_size, &peaks, &mut tiles)?;
    if proved.as_ref() == Some(new_root) {
        return Ok(Consistency::Consistent);
    }
    let tiles_only = root(0, new_size, 0, &[], &mut tiles)?;
    if tiles_only.as_ref() == Some(new_root) {
        return Ok(Consistency::Fork);
    }
    Ok(Consistency::Undecided)
}

/// The leaf ranges of the perfect subtrees of a tree of `size`, largest first.
fn peak_ranges(size: u64) -> Vec<(u64, u64)> {
    let mut out = Vec::new();
    let mut at = 0;
    for bit in (0..64).rev() {
        let len = 1u64 << bit;
        if size & len != 0 {
            out.push((at, at + len));
            at += len;
        }
    }
    out
}

/// `MTH(D[lo:hi])`: ranges inside `0..m` from `peaks` (the verified tree),
/// perfect subtrees inside `m..` from the tiles, split as RFC 9162 splits
/// (at the largest power of two below the size). `None`: a node could not
/// be had.
fn root(
    lo: u64,
    hi: u64,
    m: u64,
    peaks: &[((u64, u64), Hash)],
    tiles: &mut Tiles<'_>,
) -> Result<Option<Hash>, LocationError> {
    let n = hi - lo;
    if hi <= m {
        if let Some((_, h)) = peaks.iter().find(|(r, _)| *r == (lo, hi)) {
            return Ok(Some(*h));
        }
        if n.is_power_of_two() {
            return Ok(None); // inside a peak: not a node the proof uses
        }
    }
    if lo >= m && n.is_power_of_two() {
        return tiles.node(n.trailing_zeros(), lo / n);
    }
    let k = if n.is_power_of_two() {
        n / 2
    } else {
        1u64 << (n - 1).ilog2()
    };
    let Some(left) = root(lo, lo + k, m, peaks, tiles)? else {
        return Ok(None);
    };
    let Some(right) = root(lo + k, hi, m, peaks, tiles)? else {
        return Ok(None);
    };
    Ok(Some(node_hash(&left, &right)))
}

/// The hash tiles of one tree, each fetched once.
struct Tiles<'a> {
    location: &'a Location,
    chain: Chain,
    size: u64,
    fetched: HashMap<(u8, u64), Option<Vec<u8>>>,
}

impl Tiles<'_> {
    /// The root of the perfect subtree at tree level `level`, index
    /// `index`: hashed up from the stored hashes of its tile level.
    fn node(&mut self, level: u32, index: u64) -> Result<Option<Hash>, LocationError> {
        let t = u8::try_from(level / 8).unwrap_or(u8::MAX);
        let span = 1u64 << (level % 8);
        let first = index * span;
        let tile = first / TILE_WIDTH;
        let nodes = level_nodes(self.size, t);
        let width = (nodes.saturating_sub(tile * TILE_WIDTH)).min(TILE_WIDTH);
        if width == 0 {
            return Ok(None);
        }
        let id = TileId {
            level: t,
            index: tile,
            width: u16::try_from(width).unwrap_or(u16::MAX),
        };
        if !self.fetched.contains_key(&(t, tile)) {
            let key = format!("{}/{}", self.chain.name(), id.path());
            let got = self.location.get(&key)?;
            self.fetched.insert((t, tile), got);
        }
        let Some(Some(bytes)) = self.fetched.get(&(t, tile)) else {
            return Ok(None);
        };
        let from = usize::try_from(first % TILE_WIDTH).unwrap_or(usize::MAX);
        let mut row: Vec<Hash> = Vec::new();
        for i in from..from + usize::try_from(span).unwrap_or(0) {
            let Some(h) = bytes.get(i * 32..i * 32 + 32) else {
                return Ok(None);
            };
            row.push(h.try_into().unwrap_or([0; 32]));
        }
        while row.len() > 1 {
            row = row.chunks(2).map(|p| node_hash(&p[0], &p[1])).collect();
        }
        Ok(row.first().copied())
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::tlog::merkle::{TreeBuilder, leaf_hash};
    use crate::tlog::tile::{TileBuilder, tile_bytes};

    /// The hash tiles of a tree of `leaves` written under `dir/descriptors`,
    /// and the tree's root.
    fn publish(dir: &std::path::Path, leaves: &[Hash]) -> Hash {
        let mut tiles = TileBuilder::new();
        let mut tree = TreeBuilder::new();
        let mut out = Vec::new();
        for l in leaves {
            tree.push_leaf_hash(*l);
            tiles.push(*l, &mut |id, h| out.push((id, tile_bytes(h))));
        }
        tiles.partial_tiles(&mut |id, h| out.push((id, tile_bytes(h))));
        for (id, bytes) in out {
            let p = dir.join("descriptors").join(id.path());
            std::fs::create_dir_all(p.parent().unwrap()).unwrap();
            std::fs::write(p, bytes).unwrap();
        }
        tree.root()
    }

    fn peaks(leaves: &[Hash]) -> Vec<Hash> {
        let mut t = TileBuilder::new();
        for l in leaves {
            t.push(*l, &mut |_, _| {});
        }
        t.peaks()
    }

    fn leaves(tag: &str, n: u64) -> Vec<Hash> {
        (0..n)
            .map(|i| leaf_hash(format!("{tag}{i}").as_bytes()))
            .collect()
    }

    #[test]
    fn growth_is_consistent_another_history_is_a_fork_and_missing_tiles_undecided() {
        let n = 70_000; // three tile levels, partial tiles at each
        let a = leaves("a", n);
        let dir = tempfile::tempdir().unwrap();
        let root = publish(dir.path(), &a);
        let loc = Location::open(dir.path()).unwrap();
        let chain = Chain::Descriptors;
        for m in [1, 2, 3, 255, 256, 257, 4_096, 65_535, 65_536, 69_999, n] {
            let got = check(&loc, chain, m, &peaks(&a[..m as usize]), n, &root).unwrap();
            assert_eq!(got, Consistency::Consistent, "m = {m}");
        }
        // The verified tree differs from the published one at one record.
        let mut b = a.clone();
        b[300] = leaf_hash(b"other");
        for m in [301, 512, 65_536, 69_999] {
            let got = check(&loc, chain, m, &peaks(&b[..m as usize]), n, &root).unwrap();
            assert_eq!(got, Consistency::Fork, "m = {m}");
        }
        // A record after the verified ones differs: still consistent.
        assert_eq!(
            check(&loc, chain, 300, &peaks(&b[..300]), n, &root).unwrap(),
            Consistency::Consistent
        );
        // Tiles that do not make the signed root, or are missing: undecided.
        let wrong = leaf_hash(b"not the root");
        assert_eq!(
            check(&loc, chain, 512, &peaks(&b[..512]), n, &wrong).unwrap(),
            Consistency::Undecided
        );
        std::fs::remove_dir_all(dir.path().join("descriptors/tile/1")).unwrap();
        assert_eq!(
            check(&loc, chain, 512, &peaks(&b[..512]), n, &root).unwrap(),
            Consistency::Undecided
        );
    }
}
