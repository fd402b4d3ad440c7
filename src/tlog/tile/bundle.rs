//! Entry bundles: the entries of one level-0 tile, each a big-endian
//! `uint16` length followed by that many bytes (c2sp.org/tlog-tiles).

use super::{TILE_WIDTH, TileId};

/// The longest entry a bundle can hold: its length is a `uint16`.
pub const MAX_ENTRY: usize = u16::MAX as usize;

/// Why an entry or a bundle cannot be encoded or read.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum BundleError {
    /// An entry longer than [`MAX_ENTRY`] bytes.
    #[error(
        "an entry of {0} bytes: a tlog-tiles entry bundle holds entries of at most 65535 bytes"
    )]
    TooLong(usize),
    /// A partial bundle with another number of entries than its tree size calls for.
    #[error("expected an entry bundle of {expected} entries, found {found}")]
    Width {
        /// Entries the size calls for.
        expected: u64,
        /// Entries in the bundle.
        found: u64,
    },
    /// A bundle that ends inside a length or an entry.
    #[error("the entry bundle ends inside entry {entry} (at byte {offset} of {len})")]
    Truncated {
        /// 0-based entry within the bundle.
        entry: usize,
        /// Where it starts.
        offset: usize,
        /// The bundle's length.
        len: usize,
    },
}

/// Append `entry`, length-prefixed, to `out`.
pub fn encode_entry(out: &mut Vec<u8>, entry: &[u8]) -> Result<(), BundleError> {
    let len = u16::try_from(entry.len()).map_err(|_| BundleError::TooLong(entry.len()))?;
    out.extend_from_slice(&len.to_be_bytes());
    out.extend_from_slice(entry);
    Ok(())
}

/// The entries of a bundle, in order.
pub fn decode_bundle(bytes: &[u8]) -> Result<Vec<&[u8]>, BundleError> {
    let mut out = Vec::new();
    let mut at = 0;
    while at < bytes.len() {
        let truncated = BundleError::Truncated {
            entry: out.len(),
            offset: at,
            len: bytes.len(),
        };
        let Some(len) = bytes.get(at..at + 2) else {
            return Err(truncated);
        };
        let len = usize::from(u16::from_be_bytes([len[0], len[1]]));
        let Some(entry) = bytes.get(at + 2..at + 2 + len) else {
            return Err(truncated);
        };
        out.push(entry);
        at += 2 + len;
    }
    Ok(out)
}

/// Builds entry bundles from entries in order: one bundle's bytes at a time.
#[derive(Debug, Clone, Default)]
pub struct BundleBuilder {
    bytes: Vec<u8>,
    in_bundle: u64,
    size: u64,
    /// The first entry whose bundle is built (a multiple of 256): the
    /// bundles before it are counted, not built (an incremental publisher
    /// already wrote them).
    keep_from: u64,
}

impl BundleBuilder {
    /// No entries yet; build every bundle.
    pub fn new() -> Self {
        Self::default()
    }

    /// No entries yet; build only the bundles that hold entry `from` or
    /// later ones (the bundle holding `from` is built whole).
    pub fn starting_at(from: u64) -> Self {
        BundleBuilder {
            keep_from: from - from % TILE_WIDTH,
            ..Self::default()
        }
    }

    /// The builder as it stands after `size` entries, given the bytes of
    /// the partial bundle at the end (empty when `size` is a multiple of
    /// 256): the bundles before it are not built again.
    pub fn resume(size: u64, partial: &[u8]) -> Result<Self, BundleError> {
        let in_bundle = size % TILE_WIDTH;
        let entries = decode_bundle(partial)?.len() as u64;
        if entries != in_bundle {
            return Err(BundleError::Width {
                expected: in_bundle,
                found: entries,
            });
        }
        Ok(BundleBuilder {
            bytes: partial.to_vec(),
            in_bundle,
            size,
            keep_from: size - in_bundle,
        })
    }

    /// Entries pushed so far.
    pub fn size(&self) -> u64 {
        self.size
    }

    /// Add the next entry; `full` gets the bundle it completes.
    pub fn push(
        &mut self,
        entry: &[u8],
        full: &mut impl FnMut(TileId, &[u8]),
    ) -> Result<(), BundleError> {
        let keep = self.size >= self.keep_from;
        if keep {
            encode_entry(&mut self.bytes, entry)?;
        } else if entry.len() > MAX_ENTRY {
            return Err(BundleError::TooLong(entry.len()));
        }
        self.in_bundle += 1;
        self.size += 1;
        if self.in_bundle == TILE_WIDTH {
            if keep {
                let id = TileId {
                    level: 0,
                    index: self.size / TILE_WIDTH - 1,
                    width: TILE_WIDTH as u16,
                };
                full(id, &self.bytes);
            }
            self.bytes.clear();
            self.in_bundle = 0;
        }
        Ok(())
    }

    /// The partial bundle at the end, when the size is not a multiple of 256.
    pub fn partial(&self) -> Option<(TileId, &[u8])> {
        if self.in_bundle == 0 {
            return None;
        }
        let id = TileId {
            level: 0,
            index: self.size / TILE_WIDTH,
            width: self.in_bundle as u16,
        };
        Some((id, &self.bytes))
    }
}
