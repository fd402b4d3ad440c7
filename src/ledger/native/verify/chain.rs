//! Verification of one native chain file (`docs/FORMAT.md` §4-6), one line
//! at a time: framing, `seq`, the link to the record before it, the record
//! hash, the MAC, and the Merkle tree over the exact line bytes.
//!
//! The work splits in two so that big files verify on worker threads:
//! [`check_line`] needs only the line (parse, hashes, MAC) and can run
//! anywhere; [`NativeChainVerifier::accept`] takes the results in file
//! order and checks what depends on the lines before (`seq`, `prev`, the
//! tree). As for the legacy chains, a broken record is reported once: the
//! next record is judged against what the broken one stores.

use crate::ledger::append::Tail;
use crate::ledger::hash::{HexDigest, hex_str};
use crate::ledger::id_set::{IdSet, id_key};
use crate::ledger::io::reader::{Content, Ending, RawLine};
use crate::ledger::json::ShortStr;
use crate::ledger::model::finding::{Finding, FindingKind};
use crate::ledger::native::format::record::{GENESIS_PREV, parse_fields, record_hash, record_mac};
use crate::ledger::native::secret::MacKey;
use crate::ledger::native::verify::unique_ids::{
    self, ID_CHAIN, IdTaken, TakenBy, descriptor_id_of,
};
use crate::tlog::merkle::{Hash, TreeBuilder};
use sha2::{Digest, Sha256};

/// A 64-character hex text as a fixed array (zeros if it is not 64 bytes,
/// which the parser has already ruled out).
fn hex64(s: &str) -> HexDigest {
    s.as_bytes().try_into().unwrap_or([b'0'; 64])
}

/// The fields of a parsed record that the in-order checks need.
#[derive(Debug, Clone)]
pub struct RecordFields {
    /// `SEQ`.
    pub seq: u64,
    /// `PREV`.
    pub prev: HexDigest,
    /// `HASH` as stored.
    pub hash: HexDigest,
    /// The key id of the record's MAC, when it carries one.
    pub mac_key_id: Option<String>,
    /// The body's `descriptor_id` (in `descriptors` only), and its numeric
    /// form (see [`id_key`]).
    pub descriptor_id: Option<(ShortStr, Option<u64>)>,
}

/// What [`check_line`] learned from one line on its own.
#[derive(Debug)]
pub struct CheckedLine {
    /// 1-based line number.
    pub number: u64,
    /// Byte offset of the line.
    pub offset: u64,
    /// Leaf hash of the line's exact bytes; `None` for a torn line (not a
    /// record yet) or one too long to have been read.
    pub leaf: Option<Hash>,
    /// The file's tail if it ended after this line (only when asked for:
    /// hashing every line a third time costs; see [`check_line_with_tail`]).
    pub tail: Option<Tail>,
    /// Byte offset just past the line.
    pub end: u64,
    /// Whether the line was complete (ended in a newline).
    pub complete: bool,
    /// The record's fields, when the line parsed.
    pub record: Option<RecordFields>,
    /// Whether the MAC was compared with the key (a mismatch is a finding).
    pub mac_checked: bool,
    /// Findings that need no other line.
    pub findings: Vec<Finding>,
}

/// Check one line of the chain named `chain` on its own (without the
/// line's tail hash: the in-order stage gets the tail with
/// [`NativeChainVerifier::settle_tail`] once the walk is done).
pub fn check_line(chain: &str, key: Option<&MacKey>, line: &RawLine<'_>) -> CheckedLine {
    check_line_inner(chain, key, line, false)
}

/// [`check_line`], also hashing the line for the file's tail (writers,
/// which need the tail after every line).
pub fn check_line_with_tail(chain: &str, key: Option<&MacKey>, line: &RawLine<'_>) -> CheckedLine {
    check_line_inner(chain, key, line, true)
}

fn check_line_inner(
    chain: &str,
    key: Option<&MacKey>,
    line: &RawLine<'_>,
    with_tail: bool,
) -> CheckedLine {
    let (n, off) = (line.number, line.offset);
    let mut out = CheckedLine {
        number: n,
        offset: off,
        leaf: None,
        tail: None,
        end: 0,
        complete: line.ending != Ending::Torn,
        record: None,
        mac_checked: false,
        findings: Vec::new(),
    };
    let bytes = match line.content {
        Content::Bytes(b) => b,
        Content::TooLong { len } => {
            out.findings.push(
                Finding::new(
                    FindingKind::LineTooLong,
                    "line is longer than the reader's limit and was not read: its record and the Merkle tree from here on cannot be checked",
                )
                .at(n, off)
                .expected_found("a line within the limit (--max-line-bytes)", format!("{len} bytes")),
            );
            return out;
        }
    };
    if line.ending == Ending::Torn {
        out.findings.push(
            Finding::new(
                FindingKind::TornTail,
                "the last line has no final newline: an interrupted write (run `iss repair`), or a file cut short",
            )
            .at(n, off)
            .expected_found("a line ending in \\n", format!("{} bytes and end of file", bytes.len())),
        );
        return out;
    }
    // The leaf and the tail pin the line's bytes exactly as they stand.
    let copy;
    let raw: &[u8] = if line.bom || line.ending == Ending::CrLf {
        let mut v = Vec::with_capacity(bytes.len() + 4);
        if line.bom {
            v.extend_from_slice(b"\xEF\xBB\xBF");
        }
        v.extend_from_slice(bytes);
        if line.ending == Ending::CrLf {
            v.push(b'\r');
        }
        copy = v;
        &copy
    } else {
        bytes
    };
    out.leaf = Some(crate::tlog::merkle::leaf_hash(raw));
    out.end = line.end_offset();
    if with_tail {
        out.tail = Some(Tail {
            len: out.end,
            last_line_sha256: Some(Sha256::digest(raw).into()),
        });
    }
    if line.bom || line.ending == Ending::CrLf {
        let what = if line.bom {
            "a byte order mark precedes the line"
        } else {
            "the line ends in CR LF"
        };
        out.findings.push(
            Finding::new(
                FindingKind::NonCanonical,
                format!("{what}: bytes outside the hashed parts were changed"),
            )
            .at(n, off),
        );
    }
    check_record(chain, key, bytes, &mut out);
    out
}

/// The checks on the record a complete line holds: UTF-8, framing, hash, MAC.
fn check_record(chain: &str, key: Option<&MacKey>, bytes: &[u8], out: &mut CheckedLine) {
    let (n, off) = (out.number, out.offset);
    let text = match std::str::from_utf8(bytes) {
        Ok(t) => t,
        Err(e) => {
            out.findings.push(
                Finding::new(
                    FindingKind::ParseError,
                    format!("line is not valid UTF-8: {e}"),
                )
                .at(n, off),
            );
            return;
        }
    };
    let (r, canonical) = match parse_fields(text) {
        Ok(parsed) => parsed,
        Err(e) => {
            out.findings
                .push(Finding::new(FindingKind::ParseError, e.to_string()).at(n, off));
            return;
        }
    };
    if let Some(expected) = canonical {
        out.findings.push(
            Finding::new(
                FindingKind::NonCanonical,
                "bytes outside the hashed parts differ from the one allowed framing",
            )
            .at(n, off)
            .expected_found(expected, text),
        );
    }
    if !r.hash_ok(chain) {
        out.findings.push(
            Finding::new(
                FindingKind::HashMismatch,
                "hash does not match the record's chain, seq, prev and body",
            )
            .at(n, off)
            .record(r.seq.to_string())
            .expected_found(record_hash(chain, r.seq, r.prev, r.body), r.hash),
        );
    }
    if let (Some(key), Some((id, mac))) = (key, r.mac)
        && id == key.id()
    {
        let expected = record_mac(key, chain, r.seq, r.prev, r.body);
        // Checked means compared with the key, whatever the result.
        out.mac_checked = true;
        if expected != mac {
            out.findings.push(
                Finding::new(
                    FindingKind::MacMismatch,
                    "the MAC does not match the record under the ledger's HMAC key: the record was rewritten by someone without the key",
                )
                .at(n, off)
                .record(r.seq.to_string())
                .expected_found(format!("{id}:{expected}"), format!("{id}:{mac}")),
            );
        }
    }
    out.record = Some(RecordFields {
        seq: r.seq,
        // Both were checked to be 64 hex characters.
        prev: hex64(r.prev),
        hash: hex64(r.hash),
        mac_key_id: r.mac.map(|(id, _)| id.to_owned()),
        descriptor_id: (chain == ID_CHAIN)
            .then(|| descriptor_id_of(r.body))
            .flatten()
            .map(|id| (ShortStr::new(&id), id_key(&id))),
    });
}

/// What the in-order checks need to know about MACs.
#[derive(Debug, Clone, Default)]
pub struct MacPolicy {
    /// The key id every record must carry a MAC under (from the metadata).
    pub required: Option<String>,
    /// The id of the key the verifier holds, if any.
    pub held: Option<String>,
}

/// Streaming in-order verifier of a native chain file.
#[derive(Debug, Clone)]
pub struct NativeChainVerifier {
    chain: String,
    policy: MacPolicy,
    /// The `seq` the next record must carry.
    next_seq: u64,
    /// The `prev` the next record must carry, and the line it comes from.
    prev: HexDigest,
    prev_line: Option<u64>,
    /// False after a line that could not be parsed: its hash is unknown,
    /// so the next record's `prev` cannot be judged.
    prev_known: bool,
    tree: TreeBuilder,
    /// False once a line could not be hashed: the tree is unknown from there.
    tree_complete: bool,
    tail: Tail,
    /// Offset of the last complete line (where `tail`'s line starts).
    last_offset: u64,
    /// True while `tail` lacks the last line's hash (see `settle_tail`).
    tail_pending: bool,
    /// MACs checked with the key, and MACs present but not checked.
    macs_checked: u64,
    macs_unchecked: u64,
    /// The `descriptor_id`s seen (in `descriptors` only): §4.3 rule 5.
    ids: Option<IdSet>,
}

impl NativeChainVerifier {
    /// A verifier for the chain named `chain` (`descriptors`, `pulses`, `events`).
    pub fn new(chain: &str, policy: MacPolicy) -> Self {
        NativeChainVerifier {
            chain: chain.to_owned(),
            policy,
            next_seq: 0,
            prev: hex64(GENESIS_PREV),
            prev_line: None,
            prev_known: true,
            tree: TreeBuilder::new(),
            tree_complete: true,
            tail: Tail::EMPTY,
            last_offset: 0,
            tail_pending: false,
            macs_checked: 0,
            macs_unchecked: 0,
            ids: (chain == ID_CHAIN).then(IdSet::default),
        }
    }

    /// A verifier that continues a chain from record `next_seq` without
    /// its earlier lines: the next record must carry `prev` (the hash of
    /// the record at line `prev_line`), and the Merkle tree continues from
    /// `tree` (rebuilt from published tiles, say). The `descriptor_id`s of
    /// the earlier records are not known: only the ids from here on are
    /// checked against each other (an incremental publisher says so).
    pub fn resume(
        chain: &str,
        policy: MacPolicy,
        next_seq: u64,
        prev: HexDigest,
        prev_line: u64,
        tree: TreeBuilder,
    ) -> Self {
        let mut v = Self::new(chain, policy);
        v.next_seq = next_seq;
        v.prev = prev;
        v.prev_line = Some(prev_line);
        v.tree = tree;
        v
    }

    /// Size the id set for about `records` records (no rehashing while a
    /// big chain is walked).
    pub fn reserve_ids(&mut self, records: usize) {
        if let Some(ids) = &mut self.ids
            && ids.is_empty()
        {
            *ids = IdSet::with_capacity(records);
        }
    }

    /// The line of the record whose `descriptor_id` is `id`, if one was seen.
    pub fn id_line(&self, id: &str) -> Option<u64> {
        self.ids.as_ref()?.first_line(id, id_key(id))
    }

    /// Why a writer refuses `body` as record `index` (0-based) of a batch
    /// being built on this verifier (which held `batch_start` records
    /// before the batch): its `descriptor_id` is already taken, by a record
    /// of the chain or an earlier one of the same batch. `None`: the id is
    /// free (or the chain is not `descriptors`, or the body names no id).
    pub fn id_taken(&self, body: &str, batch_start: u64, index: usize) -> Option<IdTaken> {
        if self.chain() != ID_CHAIN {
            return None;
        }
        let id = descriptor_id_of(body)?;
        let first = self.id_line(&id)?;
        let by = if first <= batch_start {
            TakenBy::Line(first)
        } else {
            TakenBy::Batch(first - batch_start)
        };
        Some(IdTaken {
            record: index + 1,
            id,
            by,
        })
    }

    /// After a clone of this verifier was kept in its place (a writer's
    /// trial batch): fold the ids the clone added into the shared set.
    pub fn settle_ids(&mut self) {
        if let Some(ids) = &mut self.ids {
            ids.settle();
        }
    }

    /// The chain's name.
    pub fn chain(&self) -> &str {
        &self.chain
    }

    /// The MAC rules this verifier applies.
    pub fn policy(&self) -> &MacPolicy {
        &self.policy
    }

    /// Complete lines so far: the Merkle tree's size.
    pub fn records(&self) -> u64 {
        self.tree.size()
    }

    /// The Merkle root over the complete lines so far (`None` when a line
    /// could not be read).
    pub fn root(&self) -> Option<Hash> {
        self.tree_complete.then(|| self.tree.root())
    }

    /// The `seq` the next record must carry.
    pub fn next_seq(&self) -> u64 {
        self.next_seq
    }

    /// The `prev` the next record must carry.
    pub fn prev_hash(&self) -> &str {
        hex_str(&self.prev)
    }

    /// The file's tail after the last complete line.
    pub fn tail(&self) -> Tail {
        self.tail
    }

    /// Offset of the last complete line.
    pub fn last_offset(&self) -> u64 {
        self.last_offset
    }

    /// MACs checked with the key, and MACs present that were not checked.
    pub fn mac_counts(&self) -> (u64, u64) {
        (self.macs_checked, self.macs_unchecked)
    }

    /// Check one line (on this thread) and take it in order, keeping the
    /// tail exact after every line.
    pub fn feed(&mut self, key: Option<&MacKey>, line: &RawLine<'_>, out: &mut Vec<Finding>) {
        let checked = check_line_with_tail(&self.chain, key, line);
        self.accept(checked, out);
    }

    /// After a walk with [`check_line`]: hash the last complete line, read
    /// back from `path`, into the tail (the one line whose hash matters).
    pub fn settle_tail(&mut self, path: &std::path::Path) -> std::io::Result<()> {
        use std::os::unix::fs::FileExt;
        if !self.tail_pending {
            return Ok(());
        }
        let len =
            usize::try_from(self.tail.len - self.last_offset).map_err(std::io::Error::other)?;
        let mut buf = vec![0u8; len];
        crate::ledger::input::open_regular(path)?.read_exact_at(&mut buf, self.last_offset)?;
        let line = buf.strip_suffix(b"\n").unwrap_or(&buf);
        self.tail.last_line_sha256 = Some(Sha256::digest(line).into());
        self.tail_pending = false;
        Ok(())
    }

    /// Take the next line's [`check_line`] result, in file order.
    pub fn accept(&mut self, mut c: CheckedLine, out: &mut Vec<Finding>) {
        out.append(&mut c.findings);
        if !c.complete {
            return;
        }
        match c.leaf {
            Some(leaf) if self.tree_complete => self.tree.push_leaf_hash(leaf),
            Some(_) => {}
            None => self.tree_complete = false,
        }
        if c.leaf.is_some() {
            self.tail = c.tail.unwrap_or(Tail {
                len: c.end,
                last_line_sha256: None,
            });
            self.tail_pending = c.tail.is_none();
            self.last_offset = c.offset;
        }
        let (n, off) = (c.number, c.offset);
        let Some(r) = c.record else {
            // Unparsable: it still takes a place in the chain, and its hash
            // (the next record's `prev`) is unknown.
            self.next_seq += 1;
            self.prev_known = false;
            return;
        };
        if r.seq != self.next_seq {
            out.push(
                Finding::new(
                    FindingKind::ChainBreak,
                    "seq is not the number of records before this one: records were deleted, inserted or reordered",
                )
                .at(n, off)
                .record(r.seq.to_string())
                .expected_found(self.next_seq.to_string(), r.seq.to_string()),
            );
        }
        if self.prev_known && r.prev != self.prev {
            let detail = match self.prev_line {
                None => "the first record does not start from the genesis value".to_owned(),
                Some(l) => format!("prev does not match the hash of the record at line {l}"),
            };
            out.push(
                Finding::new(FindingKind::ChainBreak, detail)
                    .at(n, off)
                    .record(r.seq.to_string())
                    .expected_found(hex_str(&self.prev), hex_str(&r.prev)),
            );
        }
        if let (Some(ids), Some((id, key))) = (&mut self.ids, &r.descriptor_id)
            && let Some(first) = ids.insert(id.as_str(), *key, n)
        {
            out.push(unique_ids::duplicate(id.as_str(), first, n, off, r.seq));
        }
        self.check_mac_policy(&r, n, off, c.mac_checked, out);
        // Re-anchor on what the record says, so one edit is one finding.
        self.next_seq = r.seq.saturating_add(1);
        self.prev = r.hash;
        self.prev_line = Some(n);
        self.prev_known = true;
    }

    fn check_mac_policy(
        &mut self,
        r: &RecordFields,
        n: u64,
        off: u64,
        checked: bool,
        out: &mut Vec<Finding>,
    ) {
        match (&self.policy.required, &r.mac_key_id) {
            (Some(req), None) => out.push(
                Finding::new(
                    FindingKind::MacMissing,
                    "the ledger requires a MAC on every record and this one has none",
                )
                .at(n, off)
                .record(r.seq.to_string())
                .expected_found(format!("a MAC under key {req}"), "no MAC"),
            ),
            (Some(req), Some(id)) if req != id => out.push(
                Finding::new(
                    FindingKind::MacMissing,
                    "the record's MAC names another key than the ledger's",
                )
                .at(n, off)
                .record(r.seq.to_string())
                .expected_found(req.clone(), id.clone()),
            ),
            _ => {}
        }
        if r.mac_key_id.is_some() {
            if checked {
                self.macs_checked += 1;
            } else if self.policy.held.as_deref() != r.mac_key_id.as_deref() {
                self.macs_unchecked += 1;
            }
        }
    }
}

#[cfg(test)]
mod tests;
