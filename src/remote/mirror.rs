//! A published ledger fetched into a local directory laid out as a native
//! ledger (`iss-ledger.json`, `<chain>.jsonl`, its `.checkpoint` and
//! `.checkpoints`), so that the native verifier and watcher judge it
//! exactly as they judge a local ledger: one verifier, not two.
//!
//! While the entry bundles are streamed into the chain files, the tree is
//! recomputed from them and every published hash tile is compared with it
//! (`TILE_MISMATCH`); a tile or bundle the checkpoint needs and the
//! location lacks is `MISSING_FILE`. Memory holds the bundles fetched
//! ahead ([`super::location::IN_FLIGHT`])
//! and O(log n) hashes per chain; the log itself goes to disk.

use super::location::{Location, LocationError};
use crate::ledger::model::finding::{Finding, FindingKind};
use crate::ledger::native::format::meta::{Chain, ChainPaths, METADATA_FILE};
use crate::tlog::checkpoint::Checkpoint;
use crate::tlog::merkle::{Hash, leaf_hash};
use crate::tlog::tile::{TILE_WIDTH, TileBuilder, TileId, decode_bundle, tile_bytes};
use std::io::Write;
use std::path::{Path, PathBuf};

/// The key of a chain's published checkpoint (`docs/TILES.md`).
pub fn checkpoint_key(chain: Chain) -> String {
    format!("{}/checkpoint", chain.name())
}

/// The key of a chain's published checkpoint history.
pub fn history_key(chain: Chain) -> String {
    format!("{}/checkpoints", chain.name())
}

/// What the mirror holds of one chain: the size its entries reached and
/// the tree state to extend it (O(log n) hashes). The tree is kept once,
/// as the hash tiles' right edge: its root is folded from their peaks
/// (a second builder beside them cost two SHA-256 compressions a record).
#[derive(Debug, Clone)]
pub struct ChainHead {
    /// The chain.
    pub chain: Chain,
    /// Entries mirrored.
    pub size: u64,
    /// The published checkpoint note the entries were fetched for.
    pub note: Option<String>,
    /// Byte length of the mirrored chain file.
    pub bytes: u64,
    tiles: TileBuilder,
}

impl ChainHead {
    fn new(chain: Chain) -> Self {
        ChainHead {
            chain,
            size: 0,
            note: None,
            bytes: 0,
            tiles: TileBuilder::new(),
        }
    }

    /// The root of the mirrored entries.
    pub fn root(&self) -> Hash {
        self.tiles.root()
    }

    /// The roots of the perfect subtrees of the mirrored tree, largest
    /// first (what a consistency proof starts from).
    pub fn peaks(&self) -> Vec<Hash> {
        self.tiles.peaks()
    }
}

/// One published chain as [`Mirror::open`] found it: its checkpoint note
/// and history as fetched, and its chain file in the copy (created empty).
#[derive(Debug)]
pub struct Published {
    /// The chain.
    pub chain: Chain,
    /// The published checkpoint note (signed; its signatures are the
    /// verifier's to judge).
    pub note: Vec<u8>,
    /// The published checkpoint history, when there is one.
    pub history: Option<Vec<u8>>,
    /// The copy's chain file, until the caller takes it to fill it.
    pub file: Option<std::io::BufWriter<std::fs::File>>,
}

impl Published {
    /// The records the checkpoint states (0 when it does not parse).
    pub fn size(&self) -> u64 {
        parse_note(&self.note).map_or(0, |cp| cp.size)
    }

    /// Write the chain's history and checkpoint into the copy at `dir`
    /// (each whole, replaced by rename).
    pub fn write_notes(&self, dir: &Path) -> Result<(), LocationError> {
        let paths = ChainPaths::new(dir, self.chain);
        if let Some(h) = &self.history {
            write_file(&paths.history, h)?;
        }
        write_file(&paths.latest, &self.note)
    }
}

fn closed() -> std::io::Error {
    std::io::Error::other("the chain file was already taken")
}

/// The size and root a published checkpoint states (its signature is the
/// verifier's to judge), or why it is not a checkpoint.
pub fn parse_note(note: &[u8]) -> Result<Checkpoint, String> {
    let text = std::str::from_utf8(note).map_err(|_| "not UTF-8 text".to_owned())?;
    let body = text
        .rfind("\n\n")
        .map(|i| &text[..=i])
        .ok_or("not a signed note (no blank line before the signatures)")?;
    Checkpoint::parse(body).map_err(|e| format!("not a checkpoint: {e}"))
}

/// A published location mirrored into `dir`.
#[derive(Debug)]
pub struct Mirror {
    /// Where it is read from.
    pub location: Location,
    dir: PathBuf,
    /// Per chain, what is mirrored.
    pub heads: Vec<ChainHead>,
    /// What the fetch found that the files alone do not show (tiles, bundles).
    pub findings: Vec<(Chain, Finding)>,
}

impl Mirror {
    /// Fetch everything `location`'s checkpoints name into `dir` (an empty
    /// directory). Errors are reads that failed: no verdict then.
    pub fn fetch(location: Location, dir: &Path) -> Result<Mirror, LocationError> {
        Self::fetch_with(location, dir, &mut |_, _, _| {})
    }

    /// [`Mirror::fetch`], saying how far it got: `grew(chain, entries,
    /// of)` once for every published chain before any entry is fetched
    /// (every chain file exists then, empty), then after each entry bundle
    /// (the chain file holds `entries` whole lines then, flushed), for a
    /// view that shows the copy as it grows.
    pub fn fetch_with(
        location: Location,
        dir: &Path,
        grew: &mut dyn FnMut(Chain, u64, u64),
    ) -> Result<Mirror, LocationError> {
        let (mut mirror, published) = Mirror::open(location, dir)?;
        for p in &published {
            grew(p.chain, 0, p.size());
        }
        for mut p in published {
            let (chain, size) = (p.chain, p.size());
            let mut file = p.file.take().ok_or_else(|| local(dir, &closed()))?;
            mirror.fill(&p, &mut file, &mut |n| grew(chain, n, size))?;
            p.write_notes(&mirror.dir)?;
        }
        Ok(mirror)
    }

    /// The first step of a fetch: the metadata and every chain's
    /// checkpoint and history fetched (a few small GETs), the metadata
    /// written to `dir` and an empty file created for each published chain.
    /// The entries are the caller's to [`Mirror::fill`].
    pub fn open(location: Location, dir: &Path) -> Result<(Mirror, Vec<Published>), LocationError> {
        let Some(meta) = location.get(METADATA_FILE)? else {
            return Err(LocationError::Spec(format!(
                "{}: expected a published ledger ({METADATA_FILE} and a folder per chain, docs/TILES.md), found no {METADATA_FILE}",
                location.name()
            )));
        };
        write_file(&dir.join(METADATA_FILE), &meta)?;
        // Every chain's checkpoint and history at once (a few small GETs).
        let keys: Vec<String> = Chain::ALL
            .iter()
            .flat_map(|&c| [checkpoint_key(c), history_key(c)])
            .collect();
        let mut small = location.get_many(&keys).into_iter();
        let mut published = Vec::new();
        for chain in Chain::ALL {
            let (Some(note), Some(history)) = (small.next(), small.next()) else {
                break;
            };
            let (Some(note), history) = (note?, history?) else {
                continue; // not published: the verifier reports the chain missing
            };
            let file = create(&ChainPaths::new(dir, chain).file)?;
            published.push(Published {
                chain,
                note,
                history,
                file: Some(file),
            });
        }
        let mirror = Mirror {
            location,
            dir: dir.to_path_buf(),
            heads: Chain::ALL.iter().map(|&c| ChainHead::new(c)).collect(),
            findings: Vec::new(),
        };
        Ok((mirror, published))
    }

    /// Fetch `p`'s entries into `out` (its chain file, flushed after each
    /// bundle, when `bundle_done` is called), checking every hash tile;
    /// what the fetch found goes to [`Mirror::findings`], the chain's tree
    /// to [`Mirror::heads`]. A checkpoint that does not parse is a finding,
    /// and no entry is fetched.
    pub fn fill(
        &mut self,
        p: &Published,
        out: &mut impl Write,
        bundle_done: &mut dyn FnMut(u64),
    ) -> Result<(), LocationError> {
        let chain = p.chain;
        let i = Chain::ALL.iter().position(|&c| c == chain).unwrap_or(0);
        match parse_note(&p.note) {
            Ok(cp) => {
                let mut head = self.heads[i].clone();
                let found = self.extend_with(&mut head, cp.size, out, bundle_done)?;
                self.findings.extend(found.into_iter().map(|f| (chain, f)));
                head.note = Some(String::from_utf8_lossy(&p.note).into_owned());
                self.heads[i] = head;
            }
            Err(why) => self.findings.push((
                chain,
                Finding::new(
                    FindingKind::CheckpointMismatch,
                    format!(
                        "{}: {why}: no entry was fetched",
                        self.location.url(&checkpoint_key(chain))
                    ),
                ),
            )),
        }
        out.flush()
            .map_err(|e| local(&ChainPaths::new(&self.dir, chain).file, &e))
    }

    /// The local directory laid out as a ledger.
    pub fn dir(&self) -> &Path {
        &self.dir
    }

    /// Stream the entries `head.size..size` into `out`, extending `head`'s
    /// tree and checking every hash tile the tree of `size` has that the
    /// tree of `head.size` did not. Stops at the first bundle that is
    /// missing or malformed (the findings say which).
    pub fn extend(
        &self,
        head: &mut ChainHead,
        size: u64,
        out: &mut impl Write,
    ) -> Result<Vec<Finding>, LocationError> {
        self.extend_with(head, size, out, &mut |_| {})
    }

    /// [`Mirror::extend`], calling `bundle_done(entries)` after each bundle,
    /// once `out` holds (flushed) the lines of every entry so far.
    pub fn extend_with(
        &self,
        head: &mut ChainHead,
        size: u64,
        out: &mut impl Write,
        bundle_done: &mut dyn FnMut(u64),
    ) -> Result<Vec<Finding>, LocationError> {
        let chain = head.chain;
        let mut findings = Vec::new();
        let first_bundle = head.size / TILE_WIDTH;
        let bundles = size.div_ceil(TILE_WIDTH);
        // Each bundle with its level-0 tile, fetched ahead of the hashing.
        let mut keys = Vec::new();
        for n in first_bundle..bundles {
            let id = level0(n, size);
            keys.push(prefixed(chain, &id.entries_path()));
            keys.push(prefixed(chain, &id.path()));
        }
        let mut fetched = self.location.prefetch(keys);
        for n in first_bundle..bundles {
            let id = level0(n, size);
            let (Some((key, bundle)), Some((_, tile))) = (fetched.next(), fetched.next()) else {
                break;
            };
            let Some(bundle) = bundle? else {
                findings.push(self.missing(&key, size, head));
                return Ok(findings);
            };
            let first = id.index * TILE_WIDTH;
            let entries = match decode_bundle(&bundle) {
                Ok(e) if e.len() == usize::from(id.width) => e,
                Ok(e) => {
                    findings.push(self.bad_bundle(
                        &key,
                        head,
                        format!("{} entries", id.width),
                        format!("{} entries", e.len()),
                    ));
                    return Ok(findings);
                }
                Err(e) => {
                    findings.push(self.bad_bundle(
                        &key,
                        head,
                        format!("{} length-prefixed entries", id.width),
                        format!("bytes that do not decode: {e}"),
                    ));
                    return Ok(findings);
                }
            };
            let skip = head.size.saturating_sub(first) as usize;
            let mut full = Vec::new();
            for (k, entry) in entries.iter().enumerate().skip(skip) {
                if entry.contains(&b'\n') {
                    findings.push(self.bad_bundle(
                        &key,
                        head,
                        format!("entry {} as one ledger line", first + k as u64),
                        "an entry holding a newline".into(),
                    ));
                    return Ok(findings);
                }
                out.write_all(entry)
                    .and_then(|()| out.write_all(b"\n"))
                    .map_err(|e| local(&self.dir, &e))?;
                head.bytes += entry.len() as u64 + 1;
                let leaf = leaf_hash(entry);
                head.tiles.push(leaf, &mut |tid, hashes| {
                    full.push((tid, tile_bytes(hashes)));
                });
                head.size += 1;
            }
            // The level-0 tile came with the bundle; higher ones are rare
            // (one in 256 per level) and fetched as they complete.
            let mut tile = Some(tile);
            for (tid, bytes) in full {
                let found = if tid.level == 0 {
                    tile.take().unwrap_or(Ok(None))?
                } else {
                    self.location.get(&prefixed(chain, &tid.path()))?
                };
                findings.extend(self.check_tile(chain, tid, &bytes, found));
            }
            out.flush().map_err(|e| local(&self.dir, &e))?;
            bundle_done(head.size);
        }
        drop(fetched);
        let mut partial = Vec::new();
        head.tiles.partial_tiles(&mut |tid, hashes| {
            partial.push((tid, tile_bytes(hashes)));
        });
        for (tid, bytes) in partial {
            let found = self.location.get(&prefixed(chain, &tid.path()))?;
            findings.extend(self.check_tile(chain, tid, &bytes, found));
        }
        Ok(findings)
    }

    fn check_tile(
        &self,
        chain: Chain,
        id: TileId,
        computed: &[u8],
        found: Option<Vec<u8>>,
    ) -> Option<Finding> {
        let key = prefixed(chain, &id.path());
        let Some(found) = found else {
            return Some(Finding::new(
                FindingKind::MissingFile,
                format!(
                    "{}: the published checkpoint's tree has this hash tile, and the location does not hold it",
                    self.location.url(&key)
                ),
            ));
        };
        if found == computed {
            return None;
        }
        let (expected, got) = match (0..computed.len() / 32)
            .find(|&i| found.get(i * 32..i * 32 + 32) != Some(&computed[i * 32..i * 32 + 32]))
        {
            Some(i) if found.len() >= computed.len() => (
                format!("hash {i}: {}", hex::encode(&computed[i * 32..i * 32 + 32])),
                format!("hash {i}: {}", hex::encode(&found[i * 32..i * 32 + 32])),
            ),
            _ => (
                format!("{} bytes ({} hashes)", computed.len(), computed.len() / 32),
                format!("{} bytes", found.len()),
            ),
        };
        Some(
            Finding::new(
                FindingKind::TileMismatch,
                format!(
                    "{}: the hash tile disagrees with the tree recomputed from the entry bundles",
                    self.location.url(&key)
                ),
            )
            .expected_found(expected, got),
        )
    }

    fn missing(&self, key: &str, size: u64, head: &ChainHead) -> Finding {
        Finding::new(
            FindingKind::MissingFile,
            format!(
                "{}: the published checkpoint of {size} records needs this entry bundle, and the location does not hold it; entries from {} on were not fetched",
                self.location.url(key),
                head.size
            ),
        )
        .at(head.size + 1, head.bytes)
    }

    fn bad_bundle(&self, key: &str, head: &ChainHead, expected: String, found: String) -> Finding {
        Finding::new(
            FindingKind::TileMismatch,
            format!(
                "{}: not a valid entry bundle; entries from {} on were not fetched",
                self.location.url(key),
                head.size
            ),
        )
        .at(head.size + 1, head.bytes)
        .expected_found(expected, found)
    }

    /// The name a reader knows for a file of the mirror: the published key
    /// it came from (`<location>/<chain>` for the entries).
    pub fn published_name(&self, local: &str) -> String {
        let dir = self.dir.display().to_string();
        let Some(rel) = local.strip_prefix(&dir) else {
            return local.to_owned();
        };
        let rel = rel.trim_start_matches('/');
        let key = Chain::ALL
            .iter()
            .find_map(|c| {
                let f = c.file_name();
                if rel == f {
                    Some(format!("{}/tile/entries", c.name()))
                } else if rel == format!("{f}.checkpoint") {
                    Some(checkpoint_key(*c))
                } else if rel == format!("{f}.checkpoints") {
                    Some(history_key(*c))
                } else {
                    None
                }
            })
            .unwrap_or_else(|| rel.to_owned());
        self.location.url(&key)
    }
}

fn level0(bundle: u64, size: u64) -> TileId {
    TileId {
        level: 0,
        index: bundle,
        width: (size - bundle * TILE_WIDTH).min(TILE_WIDTH) as u16,
    }
}

fn prefixed(chain: Chain, key: &str) -> String {
    format!("{}/{key}", chain.name())
}

fn create(path: &Path) -> Result<std::io::BufWriter<std::fs::File>, LocationError> {
    std::fs::File::create(path)
        .map(|f| std::io::BufWriter::with_capacity(1 << 20, f))
        .map_err(|e| local(path, &e))
}

/// Write a whole mirror file (replaced by rename: the watcher on the
/// mirror sees old or new bytes, never a mix).
pub fn write_file(path: &Path, bytes: &[u8]) -> Result<(), LocationError> {
    let tmp = path.with_extension("iss-remote-tmp");
    std::fs::write(&tmp, bytes)
        .and_then(|()| std::fs::rename(&tmp, path))
        .map_err(|e| local(path, &e))
}

/// A failure of the local mirror (disk full, permissions).
pub fn local(path: &Path, e: &std::io::Error) -> LocationError {
    LocationError::Read {
        url: path.display().to_string(),
        detail: format!("the local copy could not be written: {e}"),
    }
}
