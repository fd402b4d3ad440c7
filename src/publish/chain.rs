//! One chain of a native ledger published as a tlog-tiles log under
//! `<chain>/`: the tiles and entry bundles the destination does not have
//! yet, the checkpoint history, then the checkpoint.

use super::dest::Destination;
use super::{ChainPublished, PublishError};
use crate::ledger::io::reader::{Content, Ending, LineReader};
use crate::ledger::native::format::meta::{Chain, ChainPaths};
use crate::ledger::native::verify::LatestCheckpoint;
use crate::tlog::checkpoint::Checkpoint;
use crate::tlog::merkle::{Hash, TreeBuilder, leaf_hash};
use crate::tlog::tile::{BundleBuilder, MAX_ENTRY, TileBuilder, TileId, tile_bytes};

/// The key of a chain's published checkpoint.
pub fn checkpoint_key(chain: Chain) -> String {
    format!("{}/checkpoint", chain.name())
}

/// The key of a chain's published checkpoint history.
pub fn history_key(chain: Chain) -> String {
    format!("{}/checkpoints", chain.name())
}

/// What the destination already holds for a chain: the size and root of
/// its published checkpoint (0 and no root when there is none).
pub(super) struct Published {
    pub(super) size: u64,
    pub(super) root: Option<Hash>,
    pub(super) note: Option<Vec<u8>>,
}

/// The destination's checkpoint of `chain`, checked to be one of `origin`.
pub(super) fn published(
    dest: &Destination,
    chain: Chain,
    origin: &str,
) -> Result<Published, PublishError> {
    let key = checkpoint_key(chain);
    let Some(note) = dest.get(&key).map_err(PublishError::Dest)? else {
        return Ok(Published {
            size: 0,
            root: None,
            note: None,
        });
    };
    let unreadable = |why: String| PublishError::Foreign {
        dest: dest.name(),
        key: key.clone(),
        detail: why,
    };
    // The signature is not checked: what counts is that the ledger's own
    // verified tree has this root at this size (checked while streaming).
    let text = std::str::from_utf8(&note).map_err(|_| unreadable("not UTF-8 text".into()))?;
    let body = text.rfind("\n\n").map(|i| &text[..=i]).ok_or_else(|| {
        unreadable("not a signed note (no blank line before the signatures)".into())
    })?;
    let cp = Checkpoint::parse(body).map_err(|e| unreadable(format!("not a checkpoint: {e}")))?;
    if cp.origin != origin {
        return Err(unreadable(format!(
            "expected a checkpoint of origin {origin}, found one of origin {}",
            cp.origin
        )));
    }
    Ok(Published {
        size: cp.size,
        root: Some(cp.root),
        note: Some(note),
    })
}

/// Publish `chain` up to its newest verified checkpoint `cp`.
pub fn publish_chain(
    dir: &std::path::Path,
    chain: Chain,
    origin: &str,
    cp: &LatestCheckpoint,
    max_line: usize,
    dest: &Destination,
) -> Result<ChainPublished, PublishError> {
    let old = published(dest, chain, origin)?;
    let mut out = ChainPublished {
        chain: chain.name(),
        size: cp.size,
        previous: old.size,
        ..ChainPublished::default()
    };
    if old.size > cp.size {
        return Err(PublishError::Diverged {
            dest: dest.name(),
            chain: chain.name(),
            detail: format!(
                "the destination's checkpoint has {} records, the ledger's newest verified one {}: \
                 the ledger lost records, or the destination holds another ledger",
                old.size, cp.size
            ),
        });
    }
    if old.note.as_deref() == Some(cp.note.as_bytes()) {
        write_if_changed(
            dest,
            &history_key(chain),
            &history_upto(dir, chain, &cp.note)?,
            &mut out,
        )?;
        return Ok(out);
    }
    let path = ChainPaths::new(dir, chain).file;
    let file = crate::ledger::input::open_regular(&path)
        .map_err(|e| PublishError::Ledger(format!("{}: {e}", path.display())))?;
    let mut lines =
        LineReader::with_limit(std::io::BufReader::with_capacity(1 << 20, file), max_line);
    let mut tree = TreeBuilder::new();
    let mut tiles = TileBuilder::new();
    let mut bundles = BundleBuilder::starting_at(old.size);
    let mut pending: Vec<(String, Vec<u8>)> = Vec::new();
    let changed = |detail: String| PublishError::Ledger(format!("{}: {detail}", path.display()));
    while tree.size() < cp.size {
        let line = lines
            .next_line()
            .map_err(|e| changed(format!("{e}")))?
            .ok_or_else(|| changed(format!("ends at line {}, but its verified checkpoint covers {} lines: the file changed since it was verified", tree.size(), cp.size)))?;
        let (Content::Bytes(bytes), Ending::Lf) = (line.content, line.ending) else {
            return Err(changed(format!(
                "line {} is not a complete line: the file changed since it was verified",
                line.number
            )));
        };
        let leaf = leaf_hash(bytes);
        tree.push_leaf_hash(leaf);
        if tree.size() == old.size && old.root != Some(tree.root()) {
            return Err(PublishError::Diverged {
                dest: dest.name(),
                chain: chain.name(),
                detail: format!(
                    "the destination's checkpoint of {} records has another root than the ledger's first {} records: \
                     it holds another ledger, or the ledger was rewritten",
                    old.size, old.size
                ),
            });
        }
        tiles.push(leaf, &mut |id, h| {
            if !id.in_tree(old.size) {
                pending.push((prefixed(chain, &id.path()), tile_bytes(h)));
            }
        });
        bundles
            .push(bytes, &mut |id, b| {
                if !id.in_tree(old.size) {
                    pending.push((prefixed(chain, &id.entries_path()), b.to_vec()));
                }
            })
            .map_err(|_| too_long_error(&path, chain, line.number, bytes.len()))?;
        for (key, bytes) in pending.drain(..) {
            write_tile(dest, &key, &bytes, &mut out)?;
        }
    }
    if tree.root() != cp.root {
        return Err(changed(format!(
            "its first {} lines no longer hash to the verified checkpoint's root: the file changed since it was verified",
            cp.size
        )));
    }
    finish(dir, chain, cp, &tiles, &bundles, old.size, dest, &mut out)?;
    Ok(out)
}

/// The right edge (partial tiles and bundle), the history, a flush, and
/// last the checkpoint.
#[allow(clippy::too_many_arguments)] // one step of publish_chain, its state passed in
pub(super) fn finish(
    dir: &std::path::Path,
    chain: Chain,
    cp: &LatestCheckpoint,
    tiles: &TileBuilder,
    bundles: &BundleBuilder,
    old_size: u64,
    dest: &Destination,
    out: &mut ChainPublished,
) -> Result<(), PublishError> {
    let mut pending: Vec<(String, Vec<u8>)> = Vec::new();
    tiles.partial_tiles(&mut |id: TileId, h| {
        if !id.in_tree(old_size) {
            pending.push((prefixed(chain, &id.path()), tile_bytes(h)));
        }
    });
    if let Some((id, b)) = bundles.partial()
        && !id.in_tree(old_size)
    {
        pending.push((prefixed(chain, &id.entries_path()), b.to_vec()));
    }
    for (key, bytes) in pending {
        write_tile(dest, &key, &bytes, out)?;
    }
    write_if_changed(
        dest,
        &history_key(chain),
        &history_upto(dir, chain, &cp.note)?,
        out,
    )?;
    // Every tile durable before the checkpoint that names them.
    dest.flush().map_err(PublishError::Dest)?;
    dest.put_durable(&checkpoint_key(chain), cp.note.as_bytes())
        .map_err(PublishError::Dest)?;
    out.checkpoint_written = true;
    out.bytes_written += cp.note.len() as u64;
    Ok(())
}

/// `<chain>/<key>`.
pub(super) fn prefixed(chain: Chain, key: &str) -> String {
    format!("{}/{key}", chain.name())
}

/// Write a tile the published checkpoint does not cover. One an interrupted
/// publish already wrote with the same bytes is left alone (full tiles are
/// written once); one with other bytes (a torn write, another ledger's
/// leftovers: no checkpoint names it) is replaced.
pub(super) fn write_tile(
    dest: &Destination,
    key: &str,
    bytes: &[u8],
    out: &mut ChainPublished,
) -> Result<(), PublishError> {
    if dest.get(key).map_err(PublishError::Dest)?.as_deref() == Some(bytes) {
        out.tiles_present += 1;
        return Ok(());
    }
    dest.put(key, bytes).map_err(PublishError::Dest)?;
    if key.contains("/tile/entries/") {
        out.bundles_written += 1;
    } else {
        out.tiles_written += 1;
    }
    out.bytes_written += bytes.len() as u64;
    out.written.push(key.to_owned());
    Ok(())
}

/// Write `bytes` under `key` unless they are already there.
pub(super) fn write_if_changed(
    dest: &Destination,
    key: &str,
    bytes: &[u8],
    out: &mut ChainPublished,
) -> Result<(), PublishError> {
    if dest.get(key).map_err(PublishError::Dest)?.as_deref() == Some(bytes) {
        return Ok(());
    }
    dest.put(key, bytes).map_err(PublishError::Dest)?;
    out.bytes_written += bytes.len() as u64;
    Ok(())
}

/// The chain's checkpoint history up to and including the entry of `note`
/// (a writer may have added newer ones since verification).
pub(super) fn history_upto(
    dir: &std::path::Path,
    chain: Chain,
    note: &str,
) -> Result<Vec<u8>, PublishError> {
    let path = ChainPaths::new(dir, chain).history;
    let bytes = crate::ledger::input::read_regular(&path)
        .map_err(|e| PublishError::Ledger(format!("{}: {e}", path.display())))?;
    let mut end = 0;
    for line in bytes.split_inclusive(|b| *b == b'\n') {
        end += line.len();
        let entry: Option<serde_json::Value> = serde_json::from_slice(line).ok();
        if entry
            .as_ref()
            .and_then(|v| v.get("note"))
            .and_then(|n| n.as_str())
            == Some(note)
        {
            return Ok(bytes[..end].to_vec());
        }
    }
    Err(PublishError::Ledger(format!(
        "{}: the verified checkpoint is not in the history any more: the file changed since it was verified",
        path.display()
    )))
}

/// The refusal of a line no entry bundle can hold.
pub(super) fn too_long_error(
    path: &std::path::Path,
    chain: Chain,
    line: u64,
    len: usize,
) -> PublishError {
    PublishError::Ledger(format!(
        "{}: line {line}: a record of {len} bytes: a tlog-tiles entry bundle holds records of at most {MAX_ENTRY} bytes; nothing more of {} was published",
        path.display(),
        chain.name()
    ))
}
