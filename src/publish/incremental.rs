//! Incremental publish: continue a chain's published log from the
//! destination's checkpoint without reading the ledger's records before it
//! (`docs/TILES.md`, "Incremental publish, and why it is sound").
//!
//! What is trusted and what is checked, per chain, when the destination's
//! checkpoint (size `n`, root `r`) is an entry of the ledger's own history:
//!
//! - that history entry verifies (a trusted key signed `r` at size `n`);
//! - the destination's right-edge tiles (one partial tile per level) hash
//!   to `r`: they are the frontier of the published tree, and the tree
//!   continues from them without rehashing the `n` leaves before;
//! - the ledger's line `n` (the record at index `n - 1`) hashes to the
//!   published leaf `n - 1` (read from those tiles): the chain continues
//!   from the record the destination holds;
//! - the lines after it are verified as `iss verify` verifies them
//!   (framing, seq, prev, hash, MAC, distinct ids among themselves), and
//!   every newer checkpoint in the history is judged (signature, order,
//!   root at its size computed from the published frontier plus the new
//!   lines).
//!
//! So the checkpoint published now signs a tree of which the published one
//! is a prefix (its root is computed from the published frontier), whose
//! new leaves are these verified lines. A ledger that no longer extends the
//! published log is refused with what differs.

use super::chain::{self, prefixed, published, too_long_error, write_tile};
use super::dest::Destination;
use super::{ChainPublished, PublishError, PublishOptions, Published};
use crate::ledger::hash::HexDigest;
use crate::ledger::io::reader::{Content, Ending, LineReader, RawLine};
use crate::ledger::model::finding::{Finding, Severity};
use crate::ledger::model::report::FileReport;
use crate::ledger::native::format::history::read_history;
use crate::ledger::native::format::meta::{Chain, ChainPaths, METADATA_FILE, Metadata};
use crate::ledger::native::keyring::Keyring;
use crate::ledger::native::verify::chain::{MacPolicy, NativeChainVerifier};
use crate::ledger::native::verify::{HistoryJudge, LatestCheckpoint, NativeOptions, Verdict};
use crate::tlog::merkle::{Hash, TreeBuilder, leaf_hash, root_of};
use crate::tlog::tile::{BundleBuilder, MAX_ENTRY, TILE_WIDTH, TileBuilder, TileId, decode_bundle};
use std::collections::BTreeMap;
use std::io::{Read, Seek, SeekFrom};
use std::path::Path;

/// Publish the ledger at `dir` to `dest` from what `dest` already holds.
/// `Ok(None)` when that is not possible — nothing published there yet,
/// another ledger's metadata, a published checkpoint the ledger's history
/// does not hold, `events` not verifying — and the caller publishes after
/// a whole verification instead (which also says why, when it refuses).
pub fn publish_incremental(
    dir: &Path,
    dest: &Destination,
    options: &PublishOptions,
) -> Result<Option<Published>, PublishError> {
    if !crate::ledger::open::Ledger::at(dir).signs_checkpoints() {
        return Ok(None);
    }
    let Ok(local_meta) = crate::ledger::input::read_regular(&dir.join(METADATA_FILE)) else {
        return Ok(None);
    };
    if dest
        .get(METADATA_FILE)
        .map_err(PublishError::Dest)?
        .as_deref()
        != Some(&local_meta[..])
    {
        return Ok(None);
    }
    // `events` is small and decides which keys sign: verified whole.
    let events = crate::ledger::native::verify::verify_native(
        dir,
        &NativeOptions {
            mac_key: options.mac_key.clone(),
            chains: Some(vec![Chain::Events]),
            ..NativeOptions::default()
        },
    );
    if events.violated() || events.files.iter().any(|f| f.error.is_some()) {
        return Ok(None);
    }
    let (Some(meta), Some(ring)) = (&events.meta, &events.keyring) else {
        return Ok(None);
    };
    let Some(events_cp) = events
        .chains
        .iter()
        .find(|c| c.chain == Chain::Events)
        .and_then(|c| c.latest_verified.clone())
    else {
        return Ok(None);
    };
    let ctx = Ctx {
        dir,
        dest,
        meta,
        ring,
        options,
        max_line: crate::ledger::io::reader::DEFAULT_MAX_LINE,
    };
    // Every chain must continue a published checkpoint, else none is
    // published this way (the whole verification decides for all).
    let mut plans = Vec::new();
    for chain in [Chain::Descriptors, Chain::Pulses] {
        match plan(&ctx, chain)? {
            Some(p) => plans.push(p),
            None => return Ok(None),
        }
    }
    let mut chains = Vec::new();
    for p in plans {
        chains.push(write_chain(&ctx, p)?);
    }
    let events_origin = meta.chain_origin(Chain::Events);
    chains.push(chain::publish_chain(
        dir,
        Chain::Events,
        &events_origin,
        &events_cp,
        ctx.max_line,
        dest,
    )?);
    Ok(Some(Published {
        dest: dest.name(),
        chains,
    }))
}

/// What every chain's step reads.
struct Ctx<'a> {
    dir: &'a Path,
    dest: &'a Destination,
    meta: &'a Metadata,
    ring: &'a Keyring,
    options: &'a PublishOptions,
    max_line: usize,
}

/// One chain, verified from the published checkpoint on: what to write.
struct Plan {
    chain: Chain,
    /// The published size, and the offset of the ledger's line after it.
    old_size: u64,
    offset: u64,
    /// The builders as the published log leaves them.
    tiles: TileBuilder,
    bundles: BundleBuilder,
    tree: TreeBuilder,
    /// The newest verified checkpoint (the published one when nothing newer).
    latest: LatestCheckpoint,
    unchanged: bool,
}

/// Check that the ledger's `chain` extends its published log and verify
/// what it added; `None` when the published checkpoint is not one of the
/// ledger's (the whole verification judges that).
fn plan(ctx: &Ctx<'_>, chain: Chain) -> Result<Option<Plan>, PublishError> {
    let origin = ctx.meta.chain_origin(chain);
    let old = published(ctx.dest, chain, &origin)?;
    let (Some(old_note), Some(old_root)) = (old.note.as_deref(), old.root) else {
        return Ok(None);
    };
    let n = old.size;
    let paths = ChainPaths::new(ctx.dir, chain);
    let mut hist_report = FileReport::new(
        "",
        String::new(),
        crate::ledger::native::verify::coverage::history(),
    );
    let history = read_history(&paths.history, ctx.max_line, &mut hist_report);
    if hist_report.error.is_some() || violations(&hist_report.findings).next().is_some() {
        return Ok(None);
    }
    let Some(k) = history
        .iter()
        .rposition(|h| h.entry.note.as_bytes() == old_note)
    else {
        return Ok(None);
    };
    let mut judge = HistoryJudge::new(chain, Some(ctx.meta), Some(ctx.ring));
    // Findings on history lines, and on chain lines.
    let (mut hist, mut lines) = (Vec::new(), Vec::new());
    let none = BTreeMap::new();
    for h in &history[..k] {
        judge.entry(h, u64::MAX, &none, &mut hist);
    }
    let at_n = BTreeMap::from([(n, Some(old_root))]);
    if !matches!(
        judge.entry(&history[k], u64::MAX, &at_n, &mut hist),
        Verdict::Verified { .. }
    ) {
        return Ok(None);
    }
    let edge = Edge::read(ctx, chain, n, old_root)?;
    let policy = MacPolicy {
        required: ctx.meta.mac_key_id.clone(),
        held: ctx.options.mac_key.as_ref().map(|k| k.id().to_owned()),
    };
    // An empty published log: the chain is verified from its start.
    let (offset, mut v) = if n == 0 {
        (0, NativeChainVerifier::new(chain.name(), policy))
    } else {
        let (start, offset) = locate(&paths.file, n, ctx.dest, chain)?;
        let (seq, hash) = edge.check_last_record(ctx, chain, &paths.file, start, offset)?;
        let v =
            NativeChainVerifier::resume(chain.name(), policy, seq + 1, hash, n, edge.tree.clone());
        (offset, v)
    };
    let sizes: Vec<u64> = history[k + 1..].iter().map(|h| h.entry.size).collect();
    let (roots, too_long) =
        verify_new_lines(ctx, &paths.file, offset, n, &sizes, &mut v, &mut lines)?;
    for h in &history[k + 1..] {
        judge.entry(h, v.records(), &roots, &mut hist);
    }
    let history_file = chain.file_name().to_owned() + ".checkpoints";
    lines.extend(judge.truncation(v.records(), &history_file));
    hist.extend(judge.rotation_cover());
    if let Some(f) = violations(&lines).next() {
        return Err(PublishError::ViolatedAt(describe(&paths.file, chain, f)));
    }
    if let Some(f) = violations(&hist).next() {
        return Err(PublishError::ViolatedAt(describe(&paths.history, chain, f)));
    }
    let latest = judge.latest().cloned().unwrap_or(LatestCheckpoint {
        size: n,
        root: old_root,
        note: String::from_utf8_lossy(old_note).into_owned(),
    });
    if let Some((line, len)) = too_long.filter(|(line, _)| *line <= latest.size) {
        return Err(too_long_error(&paths.file, chain, line, len));
    }
    Ok(Some(Plan {
        chain,
        old_size: n,
        offset,
        unchanged: latest.note.as_bytes() == old_note,
        latest,
        tiles: edge.tiles,
        bundles: edge.bundles,
        tree: edge.tree,
    }))
}

fn violations(findings: &[Finding]) -> impl Iterator<Item = &Finding> {
    findings
        .iter()
        .filter(|f| f.severity == Severity::Violation)
}

/// A violation in the user's terms: file, line, kind, expected vs found.
fn describe(file: &Path, chain: Chain, f: &Finding) -> String {
    let at = f.line.map(|l| format!(":{l}")).unwrap_or_default();
    let ef = match (&f.expected, &f.found) {
        (Some(e), Some(x)) => format!(" (expected {e}, found {x})"),
        _ => String::new(),
    };
    format!(
        "{}{at}: {}: {}{ef}; nothing more of {} was published",
        file.display(),
        f.kind,
        f.detail,
        chain.name()
    )
}

/// The published log's right edge: its partial tiles, which hash to the
/// published root, and the builders continued from them.
struct Edge {
    nodes: Vec<Vec<Hash>>,
    tiles: TileBuilder,
    bundles: BundleBuilder,
    tree: TreeBuilder,
    n: u64,
}

impl Edge {
    fn read(ctx: &Ctx<'_>, chain: Chain, n: u64, root: Hash) -> Result<Edge, PublishError> {
        let mut nodes = Vec::new();
        let mut level = 0u8;
        while level < 8 && n >> (8 * u32::from(level)) > 0 {
            let count = n >> (8 * u32::from(level));
            let width = count % TILE_WIDTH;
            if width == 0 {
                nodes.push(Vec::new());
            } else {
                let id = TileId {
                    level,
                    index: count / TILE_WIDTH,
                    #[allow(clippy::cast_possible_truncation)] // < 256
                    width: width as u16,
                };
                nodes.push(read_tile(ctx.dest, chain, id)?);
            }
            level += 1;
        }
        let foreign = |detail: String| PublishError::Foreign {
            dest: ctx.dest.name(),
            key: prefixed(chain, "tile/"),
            detail,
        };
        let tiles = TileBuilder::resume(n, nodes.clone())
            .ok_or_else(|| foreign("expected one partial tile per level, found others".into()))?;
        let tree = TreeBuilder::from_peaks(n, tiles.peaks())
            .ok_or_else(|| foreign("expected the right edge of a tree".into()))?;
        if tree.root() != root {
            return Err(foreign(format!(
                "the right-edge tiles hash to {}, but the destination's checkpoint of {n} records signs {}: the published tiles were changed",
                hex::encode(tree.root()),
                hex::encode(root)
            )));
        }
        let bundles = if n.is_multiple_of(TILE_WIDTH) {
            BundleBuilder::resume(n, &[]).map_err(|e| foreign(e.to_string()))?
        } else {
            let id = TileId {
                level: 0,
                index: n / TILE_WIDTH,
                #[allow(clippy::cast_possible_truncation)] // < 256
                width: (n % TILE_WIDTH) as u16,
            };
            let key = prefixed(chain, &id.entries_path());
            let bytes = ctx.dest.get(&key).map_err(PublishError::Dest)?;
            let bad = |detail: String| PublishError::Foreign {
                dest: ctx.dest.name(),
                key: key.clone(),
                detail,
            };
            let bytes = bytes.ok_or_else(|| {
                bad("expected the entry bundle the published checkpoint names, found none".into())
            })?;
            let entries = decode_bundle(&bytes).map_err(|e| bad(e.to_string()))?;
            // The entries must be the leaves of the published tree.
            if entries.len() != nodes[0].len()
                || entries
                    .iter()
                    .zip(&nodes[0])
                    .any(|(e, leaf)| leaf_hash(e) != *leaf)
            {
                return Err(bad(
                    "expected the entries whose leaf hashes the published tile holds, found others: the published bundle was changed".into(),
                ));
            }
            BundleBuilder::resume(n, &bytes).map_err(|e| bad(e.to_string()))?
        };
        Ok(Edge {
            nodes,
            tiles,
            bundles,
            tree,
            n,
        })
    }

    /// The published leaf of record `n - 1`: the last node of the lowest
    /// partial tile, followed down through the full tiles below it (each
    /// checked to hash to the node above).
    fn last_leaf(&self, ctx: &Ctx<'_>, chain: Chain) -> Result<Hash, PublishError> {
        let lowest = self.nodes.iter().position(|t| !t.is_empty()).unwrap_or(0);
        let mut node = self.nodes[lowest].last().copied().unwrap_or_default();
        for level in (0..lowest).rev() {
            #[allow(clippy::cast_possible_truncation)] // < 8 levels
            let id = TileId {
                level: level as u8,
                index: (self.n >> (8 * level)) / TILE_WIDTH - 1,
                width: TILE_WIDTH as u16,
            };
            let tile = read_tile(ctx.dest, chain, id)?;
            if root_of(&tile) != node {
                return Err(PublishError::Foreign {
                    dest: ctx.dest.name(),
                    key: prefixed(chain, &id.path()),
                    detail: "expected the tile whose hash the tile above holds, found another: the published tiles were changed".into(),
                });
            }
            node = tile[tile.len() - 1];
        }
        Ok(node)
    }

    /// The ledger's line `n` (bytes `start..offset`) must be the record
    /// published last; returns its seq and hash (what the next one links to).
    fn check_last_record(
        &self,
        ctx: &Ctx<'_>,
        chain: Chain,
        path: &Path,
        start: u64,
        offset: u64,
    ) -> Result<(u64, HexDigest), PublishError> {
        use std::os::unix::fs::FileExt;
        let n = self.n;
        let mut line = vec![0u8; usize::try_from(offset - start - 1).unwrap_or(0)];
        crate::ledger::input::open_regular(path)
            .and_then(|f| f.read_exact_at(&mut line, start))
            .map_err(|e| PublishError::Ledger(format!("{}: {e}", path.display())))?;
        let published = self.last_leaf(ctx, chain)?;
        let found = leaf_hash(&line);
        if found != published {
            return Err(PublishError::Diverged {
                dest: ctx.dest.name(),
                chain: chain.name(),
                detail: format!(
                    "line {n} of {} is not the record published at index {}: expected leaf hash {}, found {}: \
                     the ledger was rewritten after it was published, or the destination holds another ledger's log",
                    path.display(),
                    n - 1,
                    hex::encode(published),
                    hex::encode(found)
                ),
            });
        }
        let text = std::str::from_utf8(&line).unwrap_or("");
        let (r, _) = crate::ledger::native::format::record::parse_fields(text).map_err(|e| {
            PublishError::Ledger(format!(
                "{}: line {n}: the record published last does not parse: {e}",
                path.display()
            ))
        })?;
        let hash: HexDigest = r.hash.as_bytes().try_into().unwrap_or([b'0'; 64]);
        Ok((r.seq, hash))
    }
}

/// A hash tile of the published log, exactly as wide as its id says.
fn read_tile(dest: &Destination, chain: Chain, id: TileId) -> Result<Vec<Hash>, PublishError> {
    let key = prefixed(chain, &id.path());
    let bytes = dest.get(&key).map_err(PublishError::Dest)?;
    let want = usize::from(id.width) * 32;
    match bytes {
        Some(b) if b.len() == want => Ok(b
            .chunks_exact(32)
            .map(|c| c.try_into().unwrap_or_default())
            .collect()),
        other => Err(PublishError::Foreign {
            dest: dest.name(),
            key,
            detail: format!(
                "expected a tile of {} hashes ({want} bytes), the published checkpoint names it, found {}",
                id.width,
                other.map_or_else(|| "none".to_owned(), |b| format!("{} bytes", b.len()))
            ),
        }),
    }
}

/// Where the ledger's line `n` starts and ends (the offset of line `n + 1`):
/// its newlines counted, nothing parsed or hashed.
fn locate(
    path: &Path,
    n: u64,
    dest: &Destination,
    chain: Chain,
) -> Result<(u64, u64), PublishError> {
    let io = |e: std::io::Error| PublishError::Ledger(format!("{}: {e}", path.display()));
    let mut f = crate::ledger::input::open_regular(path).map_err(io)?;
    let mut buf = vec![0u8; 1 << 20];
    let (mut pos, mut seen, mut start) = (0u64, 0u64, 0u64);
    loop {
        let got = f.read(&mut buf).map_err(io)?;
        if got == 0 {
            return Err(PublishError::Diverged {
                dest: dest.name(),
                chain: chain.name(),
                detail: format!(
                    "{} has {seen} complete lines, but the destination's checkpoint covers {n}: \
                     the ledger lost records, or the destination holds another ledger's log",
                    path.display()
                ),
            });
        }
        for i in memchr::memchr_iter(b'\n', &buf[..got]) {
            seen += 1;
            let end = pos + i as u64 + 1;
            if seen == n {
                return Ok((start, end));
            }
            start = end;
        }
        pos += got as u64;
    }
}

/// Verify the lines from `offset` (line `n + 1`) to the end; the roots at
/// the history's `sizes`, and the first line too long for a bundle.
#[allow(clippy::type_complexity)]
fn verify_new_lines(
    ctx: &Ctx<'_>,
    path: &Path,
    offset: u64,
    n: u64,
    sizes: &[u64],
    v: &mut NativeChainVerifier,
    findings: &mut Vec<Finding>,
) -> Result<(BTreeMap<u64, Option<Hash>>, Option<(u64, usize)>), PublishError> {
    let io = |e: std::io::Error| PublishError::Ledger(format!("{}: {e}", path.display()));
    let mut f = crate::ledger::input::open_regular(path).map_err(io)?;
    f.seek(SeekFrom::Start(offset)).map_err(io)?;
    let mut reader =
        LineReader::with_limit(std::io::BufReader::with_capacity(1 << 20, f), ctx.max_line);
    let mut roots = BTreeMap::new();
    let mut too_long = None;
    let key = ctx.options.mac_key.as_ref();
    while let Some(line) = reader.next_line().map_err(io)? {
        let line = RawLine {
            number: line.number + n,
            offset: line.offset + offset,
            bom: false,
            ..line
        };
        if let Content::Bytes(b) = line.content
            && b.len() > MAX_ENTRY
            && line.ending == Ending::Lf
            && too_long.is_none()
        {
            too_long = Some((line.number, b.len()));
        }
        v.feed(key, &line, findings);
        if sizes.contains(&v.records()) {
            roots.insert(v.records(), v.root());
        }
    }
    Ok((roots, too_long))
}

/// Write the tiles and bundles of the new lines, then (last) the checkpoint.
fn write_chain(ctx: &Ctx<'_>, mut p: Plan) -> Result<ChainPublished, PublishError> {
    let chain = p.chain;
    let mut out = ChainPublished {
        chain: chain.name(),
        size: p.latest.size,
        previous: p.old_size,
        ..ChainPublished::default()
    };
    if p.unchanged {
        chain::write_if_changed(
            ctx.dest,
            &chain::history_key(chain),
            &chain::history_upto(ctx.dir, chain, &p.latest.note)?,
            &mut out,
        )?;
        return Ok(out);
    }
    let path = ChainPaths::new(ctx.dir, chain).file;
    let changed = |detail: String| PublishError::Ledger(format!("{}: {detail}", path.display()));
    let io = |e: std::io::Error| changed(e.to_string());
    let mut f = crate::ledger::input::open_regular(&path).map_err(io)?;
    f.seek(SeekFrom::Start(p.offset)).map_err(io)?;
    let mut lines =
        LineReader::with_limit(std::io::BufReader::with_capacity(1 << 20, f), ctx.max_line);
    let mut pending: Vec<(String, Vec<u8>)> = Vec::new();
    while p.tree.size() < p.latest.size {
        let number = p.tree.size() + 1;
        let line = lines.next_line().map_err(io)?.ok_or_else(|| {
            changed(format!(
                "ends at line {}, but its verified checkpoint covers {} lines: the file changed since it was verified",
                p.tree.size(),
                p.latest.size
            ))
        })?;
        let (Content::Bytes(bytes), Ending::Lf) = (line.content, line.ending) else {
            return Err(changed(format!(
                "line {number} is not a complete line: the file changed since it was verified"
            )));
        };
        let leaf = leaf_hash(bytes);
        p.tree.push_leaf_hash(leaf);
        p.tiles.push(leaf, &mut |id, h| {
            pending.push((
                prefixed(chain, &id.path()),
                crate::tlog::tile::tile_bytes(h),
            ));
        });
        p.bundles
            .push(bytes, &mut |id, b| {
                pending.push((prefixed(chain, &id.entries_path()), b.to_vec()));
            })
            .map_err(|_| too_long_error(&path, chain, number, bytes.len()))?;
        for (key, bytes) in pending.drain(..) {
            write_tile(ctx.dest, &key, &bytes, &mut out)?;
        }
    }
    if p.tree.root() != p.latest.root {
        return Err(changed(format!(
            "its first {} lines no longer hash to the verified checkpoint's root: the file changed since it was verified",
            p.latest.size
        )));
    }
    chain::finish(
        ctx.dir, chain, &p.latest, &p.tiles, &p.bundles, p.old_size, ctx.dest, &mut out,
    )?;
    Ok(out)
}
