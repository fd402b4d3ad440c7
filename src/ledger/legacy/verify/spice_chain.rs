//! Verification of the legacy SPICE descriptor chain, one line at a time.
//!
//! For each record: schema, unique id, the link to the record before it,
//! and the four-field descriptor hash. After a broken record the chain is
//! re-anchored on the hash the record stores, so one edit is reported once
//! and the records after it are still verified.
//!
//! The work is split in two: [`check_line`] does everything that needs only
//! the line itself (parsing, schema, the descriptor hash, which covers the
//! *stored* `prev_descriptor_hash`) and can run on any thread;
//! [`SpiceChainVerifier::accept`] then does, in file order, what needs the
//! lines before it (the link, duplicate ids).

use crate::ledger::hash::{hex_str, sha256_hex};
use crate::ledger::id_set::{IdSet, id_key};
use crate::ledger::io::reader::{Ending, RawLine};
use crate::ledger::json::ShortStr;
use crate::ledger::legacy::format::line_builder::GENESIS_PREV_HASH;
use crate::ledger::legacy::verify::lines::{self, LineHygiene, parse_error, schema_error};
use crate::ledger::model::descriptor::{ChainFields, DescriptorShape, SchemaProblem, diagnose};
use crate::ledger::model::finding::{Finding, FindingKind};

/// What the next record's `prev_descriptor_hash` must be.
#[derive(Debug, Clone, PartialEq, Eq)]
enum Anchor {
    Genesis,
    /// The stored hash of the previous record (kept in `last_hash`), and its line.
    Hash(u64),
    /// The previous record had no usable hash (already reported).
    Unknown,
}

/// What one line says, checked on its own.
#[derive(Debug, Clone, Default)]
pub struct LineOutcome {
    /// 1-based line number.
    pub line: u64,
    /// Byte offset of the line.
    pub offset: u64,
    /// Findings that need no other line.
    pub findings: Vec<Finding>,
    /// The record, when the line held a JSON object.
    pub record: Option<RecordFacts>,
    /// The line was a torn tail that held no complete record.
    pub torn_without_record: bool,
}

/// The chain fields of a record, as stored.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct RecordFacts {
    /// `descriptor_id`.
    pub id: Option<ShortStr>,
    /// The id as a number when it is the legacy 16 hex digits.
    pub id_key: Option<u64>,
    /// `prev_descriptor_hash`.
    pub prev: Option<ShortStr>,
    /// `descriptor_hash`.
    pub hash: Option<ShortStr>,
}

/// Check one line of a descriptor file on its own: line hygiene, parsing,
/// schema, and (when `chained`) the descriptor hash.
pub fn check_line(line: &RawLine<'_>, chained: bool) -> LineOutcome {
    let mut o = LineOutcome {
        line: line.number,
        offset: line.offset,
        ..LineOutcome::default()
    };
    let Some(lt) = lines::check_line(line, &mut o.findings) else {
        o.torn_without_record = line.ending == Ending::Torn;
        return o;
    };
    match serde_json::from_str::<DescriptorShape>(lt.text) {
        Ok(rec) => {
            report_schema(
                line,
                rec.descriptor_id.as_str(),
                &rec.range_problems(chained),
                &mut o.findings,
            );
            o.record = Some(record_facts(
                line,
                rec.chain_fields(),
                chained,
                &mut o.findings,
            ));
        }
        Err(fast) => match diagnose(lt.text, &fast, chained) {
            Ok(d) => {
                report_schema(
                    line,
                    d.id.as_deref().unwrap_or(""),
                    &d.problems,
                    &mut o.findings,
                );
                o.record = Some(record_facts(
                    line,
                    d.chain_fields(),
                    chained,
                    &mut o.findings,
                ));
            }
            Err(e) => {
                parse_error(line, lt.torn, &e, &mut o.findings);
                o.torn_without_record = lt.torn;
            }
        },
    }
    o
}

/// Recompute the descriptor hash from the record's own fields.
fn record_facts(
    line: &RawLine<'_>,
    f: ChainFields<'_>,
    chained: bool,
    out: &mut Vec<Finding>,
) -> RecordFacts {
    if chained
        && let (Some(id), Some(name), Some(at), Some(prev), Some(stored)) =
            (f.id, f.process_name, f.assessed_at, f.prev, f.hash)
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
        if stored != computed {
            out.push(
                Finding::new(
                    FindingKind::HashMismatch,
                    "descriptor_hash does not match the protected fields (descriptor_id, process_name, \
                     assessed_at, prev_descriptor_hash): one of them, or the hash, was edited",
                )
                .at(line.number, line.offset)
                .record(id)
                .expected_found(computed, stored),
            );
        }
    }
    RecordFacts {
        id: f.id.map(ShortStr::new),
        id_key: f.id.and_then(id_key),
        prev: f.prev.map(ShortStr::new),
        hash: f.hash.map(ShortStr::new),
    }
}

/// Streaming verifier of `spice_chain.jsonl` (or, unchained, of the v1
/// layer's `spice_descriptors.jsonl`): the in-order part of the checks.
#[derive(Debug)]
pub struct SpiceChainVerifier {
    chained: bool,
    hygiene: LineHygiene,
    anchor: Anchor,
    ids: IdSet,
    records: u64,
    /// The last record accepted (its id and stored hash anchor the next).
    last: Option<RecordFacts>,
    torn_without_record: bool,
}

/// A record the verifier accepted into its count (possibly with findings).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct RecordSeen {
    /// 1-based position of the record in the chain.
    pub index: u64,
    /// 1-based line number.
    pub line: u64,
}

impl SpiceChainVerifier {
    /// A verifier for the hash-chained v2 file (`chained`) or the v1 layer.
    pub fn new(chained: bool) -> Self {
        Self::with_capacity(chained, 0)
    }

    /// A verifier expecting about `records` records (sizes the id set up
    /// front instead of rehashing it as it grows).
    pub fn with_capacity(chained: bool, records: usize) -> Self {
        SpiceChainVerifier {
            chained,
            hygiene: LineHygiene::default(),
            anchor: Anchor::Genesis,
            ids: IdSet::with_capacity(records),
            records: 0,
            last: None,
            torn_without_record: false,
        }
    }

    /// Records counted so far (lines that held a JSON object).
    pub fn records(&self) -> u64 {
        self.records
    }

    /// The `descriptor_id` of the last record seen.
    pub fn last_id(&self) -> &str {
        self.last
            .as_ref()
            .and_then(|r| r.id.as_ref())
            .map_or("", ShortStr::as_str)
    }

    /// The stored `descriptor_hash` of the last record seen.
    pub fn last_hash(&self) -> &str {
        self.last
            .as_ref()
            .and_then(|r| r.hash.as_ref())
            .map_or("", ShortStr::as_str)
    }

    /// Whether the file ended in a torn line that held no complete record.
    pub fn torn_without_record(&self) -> bool {
        self.torn_without_record
    }

    /// Verify one line (both stages, on this thread).
    pub fn feed(&mut self, line: &RawLine<'_>, out: &mut Vec<Finding>) -> Option<RecordSeen> {
        self.accept(check_line(line, self.chained), out)
    }

    /// The in-order stage: take a line checked by [`check_line`], in file
    /// order, and check what depends on the lines before it.
    pub fn accept(&mut self, o: LineOutcome, out: &mut Vec<Finding>) -> Option<RecordSeen> {
        let from = out.len();
        out.extend(o.findings);
        self.hygiene.fold(out, from);
        self.torn_without_record |= o.torn_without_record;
        let facts = o.record?;
        self.records += 1;
        let (n, off) = (o.line, o.offset);
        let id = facts.id.as_ref().map_or("", ShortStr::as_str);
        if let Some(first) = facts
            .id
            .as_ref()
            .and_then(|i| self.ids.insert(i.as_str(), facts.id_key, n))
        {
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
        if self.chained {
            self.check_link(n, off, id, facts.prev.as_ref().map(ShortStr::as_str), out);
            // Re-anchor on what the record stores, so the next record's link
            // is judged on its own and one edit is reported once.
            self.anchor = if facts.hash.is_some() {
                Anchor::Hash(n)
            } else {
                Anchor::Unknown
            };
        }
        self.last = Some(facts);
        Some(RecordSeen {
            index: self.records,
            line: n,
        })
    }

    /// Call once after the last line.
    pub fn finish(&mut self, out: &mut [Finding]) {
        self.hygiene.finish(out);
    }

    fn check_link(&self, n: u64, off: u64, id: &str, prev: Option<&str>, out: &mut Vec<Finding>) {
        let Some(prev) = prev else { return };
        let (expected, prev_line) = match &self.anchor {
            Anchor::Genesis => (GENESIS_PREV_HASH, None),
            Anchor::Hash(l) => (self.last_hash(), Some(*l)),
            Anchor::Unknown => return,
        };
        if prev == expected {
            return;
        }
        let detail = match prev_line {
            None => "the first record does not start from the genesis hash: records before it were removed, \
                     or it was moved"
                .to_owned(),
            // Lines between the two records that held no readable record
            // may have held the missing link: say so rather than guess.
            Some(l) if n > l + 1 => format!(
                "prev_descriptor_hash does not match the hash of the record at line {l}; lines {}-{} between \
                 them hold no readable record and may have held the record this one links to",
                l + 1,
                n - 1
            ),
            Some(l) => format!(
                "prev_descriptor_hash does not match the hash of the record at line {l}: a record was deleted, \
                 inserted or reordered here"
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

fn report_schema(line: &RawLine<'_>, id: &str, problems: &[SchemaProblem], out: &mut Vec<Finding>) {
    for p in problems {
        out.push(schema_error(
            line,
            "descriptor",
            Some(id),
            &p.field,
            p.expected.clone(),
            p.found.clone(),
        ));
    }
}
