//! Streaming roots: the tree kept as its stack of perfect subtrees.

use super::{Hash, empty_root, leaf_hash, node_hash};

/// Computes RFC 6962 roots of a growing sequence of leaves in O(log n)
/// memory.
///
/// A tree of `n` leaves is a sequence of perfect subtrees, one per set bit of
/// `n`, largest first; the builder keeps only their roots. Appending a leaf
/// costs one [`node_hash`] per merge (one on average). [`TreeBuilder::root`]
/// consumes nothing, so the root can be taken after every push, as a
/// checkpoint per size needs: it costs `popcount(n) - 1` hashes and no
/// allocation (about 1 µs per size at a million leaves).
///
/// ```
/// use iss_workstation::tlog::merkle::{TreeBuilder, empty_root};
///
/// let mut tree = TreeBuilder::new();
/// assert_eq!(tree.root(), empty_root());
/// for entry in [&b"first"[..], b"second", b"third"] {
///     tree.push(entry);
///     let _checkpoint = (tree.size(), tree.root());
/// }
/// assert_eq!(tree.size(), 3);
/// ```
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct TreeBuilder {
    size: u64,
    /// Roots of the perfect subtrees, leftmost (largest) first; the i-th from
    /// the top covers the i-th lowest set bit of `size`.
    peaks: Vec<Hash>,
}

impl TreeBuilder {
    /// An empty tree.
    pub fn new() -> Self {
        Self::default()
    }

    /// Appends a leaf given its data; its hash is [`leaf_hash`]`(data)`.
    ///
    /// # Panics
    ///
    /// If the tree already has `u64::MAX` leaves.
    pub fn push(&mut self, data: &[u8]) {
        self.push_leaf_hash(leaf_hash(data));
    }

    /// Appends a leaf given its leaf hash.
    ///
    /// # Panics
    ///
    /// If the tree already has `u64::MAX` leaves (2^64 appends: unreachable in
    /// practice).
    pub fn push_leaf_hash(&mut self, leaf: Hash) {
        // Each trailing 1 bit of the old size is a perfect subtree exactly as
        // large as the one being carried up, so the two merge, like a binary
        // increment carrying.
        let mut carried = leaf;
        for _ in 0..self.size.trailing_ones() {
            // One peak per set bit of `size`, so the pop always succeeds.
            if let Some(left) = self.peaks.pop() {
                carried = node_hash(&left, &carried);
            }
        }
        self.peaks.push(carried);
        self.size = self
            .size
            .checked_add(1)
            .expect("a Merkle tree holds at most u64::MAX leaves");
    }

    /// A tree of `size` leaves given by the roots of its perfect subtrees,
    /// largest (leftmost) first, one per set bit of `size`; `None` when
    /// their number is not that. Continues a tree whose leaves are not at
    /// hand (from its published tiles).
    pub fn from_peaks(size: u64, peaks: Vec<Hash>) -> Option<Self> {
        (peaks.len() == size.count_ones() as usize).then_some(TreeBuilder { size, peaks })
    }

    /// The number of leaves appended so far.
    pub fn size(&self) -> u64 {
        self.size
    }

    /// The RFC 6962 root `MTH(D[n])` of the leaves appended so far
    /// ([`empty_root`] when there are none).
    pub fn root(&self) -> Hash {
        // MTH splits at the largest power of two below n, which is exactly the
        // leftmost peak; recursing on the rest gives the right fold, from the
        // smallest (rightmost) peak down.
        let mut peaks = self.peaks.iter().rev();
        match peaks.next() {
            None => empty_root(),
            Some(&last) => peaks.fold(last, |right, left| node_hash(left, &right)),
        }
    }
}

impl Extend<Hash> for TreeBuilder {
    /// Appends leaf hashes, as [`TreeBuilder::push_leaf_hash`] does.
    fn extend<I: IntoIterator<Item = Hash>>(&mut self, leaves: I) {
        for leaf in leaves {
            self.push_leaf_hash(leaf);
        }
    }
}

/// The RFC 6962 root `MTH(D[n])` of a list of leaf hashes, in O(n) time and
/// O(log n) memory.
pub fn root_of(leaves: &[Hash]) -> Hash {
    let mut tree = TreeBuilder::new();
    tree.extend(leaves.iter().copied());
    tree.root()
}
