//! Verification of the legacy SPICE descriptor chain, one line at a time.
//!
//! For each record: schema, unique id, the link to the record before it,
//! and the four-field descriptor hash. After a broken record the chain is
//! re-anchored on the hash the record stores, so one edit is reported once
//! and the records after it are still verified.

use crate::ledger::finding::{Finding, FindingKind};
use crate::ledger::hash::{hex_str, sha256_hex};
use crate::ledger::legacy::descriptor::{ChainFields, DescriptorShape, SchemaProblem, diagnose};
use crate::ledger::legacy::lines::{LineHygiene, parse_error};
use crate::ledger::reader::RawLine;
use std::collections::HashMap;

/// A seeded hasher: fast on u64 keys, and unpredictable to a ledger
/// crafted to collide ids.
type IdHasher = foldhash::fast::RandomState;

/// `prev_descriptor_hash` of the first record.
pub const GENESIS_PREV: &str = "0000000000000000000000000000000000000000000000000000000000000000";

/// What the next record's `prev_descriptor_hash` must be.
#[derive(Debug, Clone, PartialEq, Eq)]
enum Anchor {
    Genesis,
    /// The stored hash of the previous record (kept in `last_hash`), and its line.
    Hash(u64),
    /// The previous record had no usable hash (already reported).
    Unknown,
}

/// Descriptor ids seen so far, with the line each was first seen on.
///
/// Legacy ids are 16 hex digits, exactly a `u64`, which keeps this map
/// small (about 24 bytes a record); anything else falls back to strings.
#[derive(Debug, Default)]
struct IdSet {
    hex: HashMap<u64, u64, IdHasher>,
    other: HashMap<String, u64, IdHasher>,
}

impl IdSet {
    /// Insert `id`; return the line it was first seen on if it is a repeat.
    fn insert(&mut self, id: &str, line: u64) -> Option<u64> {
        let key = (id.len() == 16 && id.bytes().all(|b| matches!(b, b'0'..=b'9' | b'a'..=b'f')))
            .then(|| u64::from_str_radix(id, 16).ok())
            .flatten();
        match key {
            Some(k) => match self.hex.insert(k, line) {
                Some(first) => {
                    self.hex.insert(k, first);
                    Some(first)
                }
                None => None,
            },
            None => {
                if let Some(&first) = self.other.get(id) {
                    Some(first)
                } else {
                    self.other.insert(id.to_owned(), line);
                    None
                }
            }
        }
    }
}

/// Streaming verifier of `spice_chain.jsonl` (or, unchained, of the v1
/// layer's `spice_descriptors.jsonl`).
#[derive(Debug)]
pub struct SpiceChainVerifier {
    chained: bool,
    hygiene: LineHygiene,
    anchor: Anchor,
    ids: IdSet,
    records: u64,
    last_id: String,
    last_hash: String,
    torn_without_record: bool,
}

/// A record the verifier accepted into its count (possibly with findings).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct RecordSeen {
    /// 1-based position of the record in the chain.
    pub index: u64,
    /// 1-based line number.
    pub line: u64,
    /// Whether the record stores a `descriptor_hash` (see [`SpiceChainVerifier::last_hash`]).
    pub has_hash: bool,
}

impl SpiceChainVerifier {
    /// A verifier for the hash-chained v2 file (`chained`) or the v1 layer.
    pub fn new(chained: bool) -> Self {
        SpiceChainVerifier {
            chained,
            hygiene: LineHygiene::default(),
            anchor: Anchor::Genesis,
            ids: IdSet::default(),
            records: 0,
            last_id: String::new(),
            last_hash: String::new(),
            torn_without_record: false,
        }
    }

    /// Records counted so far (lines that held a JSON object).
    pub fn records(&self) -> u64 {
        self.records
    }

    /// The `descriptor_id` of the last record seen.
    pub fn last_id(&self) -> &str {
        &self.last_id
    }

    /// The stored `descriptor_hash` of the last record seen.
    pub fn last_hash(&self) -> &str {
        &self.last_hash
    }

    /// Whether the file ended in a torn line that held no complete record.
    pub fn torn_without_record(&self) -> bool {
        self.torn_without_record
    }

    /// Verify one line.
    pub fn feed(&mut self, line: &RawLine<'_>, out: &mut Vec<Finding>) -> Option<RecordSeen> {
        let Some(lt) = self.hygiene.check(line, out) else {
            self.torn_without_record |= line.ending == crate::ledger::reader::Ending::Torn;
            return None;
        };
        match serde_json::from_str::<DescriptorShape>(lt.text) {
            Ok(rec) => {
                let problems = rec.range_problems(self.chained);
                report_schema(line, rec.descriptor_id.as_str(), &problems, out);
                Some(self.check_record(line, rec.chain_fields(), out))
            }
            Err(fast) => match diagnose(lt.text, &fast, self.chained) {
                Ok(d) => {
                    report_schema(line, d.id.as_deref().unwrap_or(""), &d.problems, out);
                    Some(self.check_record(line, d.chain_fields(), out))
                }
                Err(e) => {
                    parse_error(line, lt.torn, &e, out);
                    self.torn_without_record |= lt.torn;
                    None
                }
            },
        }
    }

    /// Call once after the last line.
    pub fn finish(&mut self, out: &mut [Finding]) {
        self.hygiene.finish(out);
    }

    fn check_record(
        &mut self,
        line: &RawLine<'_>,
        f: ChainFields<'_>,
        out: &mut Vec<Finding>,
    ) -> RecordSeen {
        self.records += 1;
        let (n, off) = (line.number, line.offset);
        let id = f.id.unwrap_or("");
        if let Some(first) = f.id.and_then(|id| self.ids.insert(id, n)) {
            out.push(
                Finding::new(
                    FindingKind::DuplicateId,
                    format!("descriptor id already used at line {first}"),
                )
                .at(n, off)
                .record(id)
                .expected_found(
                    "an id not used before",
                    format!("{id} (first at line {first})"),
                ),
            );
        }
        if !self.chained {
            self.remember(id, f.hash);
            return RecordSeen {
                index: self.records,
                line: n,
                has_hash: false,
            };
        }

        if let Some(prev) = f.prev {
            let expected = match &self.anchor {
                Anchor::Genesis => Some((GENESIS_PREV, None)),
                Anchor::Hash(l) => Some((self.last_hash.as_str(), Some(*l))),
                Anchor::Unknown => None,
            };
            if let Some((expected, prev_line)) = expected
                && prev != expected
            {
                let detail = match prev_line {
                        None => "the first record does not start from the genesis hash: records before it were removed, or it was moved".to_owned(),
                        Some(l) => format!(
                            "prev_descriptor_hash does not match the hash of the record at line {l}: a record was deleted, inserted or reordered here"
                        ),
                    };
                out.push(
                    Finding::new(FindingKind::ChainBreak, detail)
                        .at(n, off)
                        .record(id)
                        .expected_found(expected, prev),
                );
            }
        }

        if let (Some(id), Some(name), Some(at), Some(prev)) =
            (f.id, f.process_name, f.assessed_at, f.prev)
        {
            let computed = sha256_hex(&[
                id.as_bytes(),
                b":",
                name.as_bytes(),
                b":",
                at.as_bytes(),
                b":",
                prev.as_bytes(),
            ]);
            let computed = hex_str(&computed);
            if let Some(stored) = f.hash
                && stored != computed
            {
                out.push(
                        Finding::new(
                            FindingKind::HashMismatch,
                            "descriptor_hash does not match the protected fields (descriptor_id, process_name, \
                             assessed_at, prev_descriptor_hash): one of them, or the hash, was edited",
                        )
                        .at(n, off)
                        .record(id)
                        .expected_found(computed, stored),
                    );
            }
        }

        // Re-anchor on what the record stores, so the next record's link is
        // judged on its own and one edit is reported once.
        self.anchor = if f.hash.is_some() {
            Anchor::Hash(n)
        } else {
            Anchor::Unknown
        };
        self.remember(id, f.hash);
        RecordSeen {
            index: self.records,
            line: n,
            has_hash: f.hash.is_some(),
        }
    }
}

impl SpiceChainVerifier {
    /// Keep the last record's id and hash in reused buffers (no allocation per record).
    fn remember(&mut self, id: &str, hash: Option<&str>) {
        self.last_id.clear();
        self.last_id.push_str(id);
        self.last_hash.clear();
        self.last_hash.push_str(hash.unwrap_or(""));
    }
}

fn report_schema(line: &RawLine<'_>, id: &str, problems: &[SchemaProblem], out: &mut Vec<Finding>) {
    for p in problems {
        out.push(
            Finding::new(
                FindingKind::SchemaError,
                format!("field `{}` does not match the descriptor schema", p.field),
            )
            .at(line.number, line.offset)
            .record_opt((!id.is_empty()).then_some(id))
            .expected_found(p.expected.clone(), p.found.clone()),
        );
    }
}
