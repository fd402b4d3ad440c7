//! Lookups over the descriptors of a ledger: one record by id, or every
//! record matching a filter, each with its verdict. What the legacy REST
//! API answered (descriptor by id, find by glyph or by a-priori reference),
//! plus the filters a reviewer needs.
//!
//! Matches keep the record exactly as stored (a legacy line, or a native
//! record's body with its framing beside it): a lookup shows the evidence,
//! not a re-serialisation of it.

use crate::analysis::maturity::{Inclusion, Instant};
use crate::analysis::records::{ChainFile, Exclusions, for_each_descriptor};
use crate::ledger::model::descriptor::{DescriptorRecord, PROTECTED_FIELDS};
use serde::Serialize;
use serde_json::value::RawValue;
use std::io;

/// What a record must satisfy to match; every set field must hold.
#[derive(Debug, Clone, Default)]
pub struct Filter {
    /// `descriptor_id` equal to this, or starting with it.
    pub id: Option<String>,
    /// `glyph_range_start` or `glyph_range_end` equal to this, or starting with it.
    pub glyph: Option<String>,
    /// Listed in `apriori_refs`.
    pub apriori: Option<String>,
    /// Listed in `aposteriori_refs`.
    pub aposteriori: Option<String>,
    /// `process_name` equal to this.
    pub process: Option<String>,
    /// `assessed_by` equal to this.
    pub assessor: Option<String>,
    /// `capability_level` within this range (`iss find --level >=3`).
    pub level: crate::analysis::bounds::LevelRange,
    /// `process_outcome` equal to this.
    pub outcome: Option<String>,
    /// `assessed_at` at or after this instant.
    pub since: Option<Instant>,
    /// `assessed_at` at or before this instant.
    pub until: Option<Instant>,
}

impl Filter {
    /// Whether `r` matches. A record whose `assessed_at` does not parse
    /// never matches a time bound (it cannot be placed in time).
    pub fn matches(&self, r: &DescriptorRecord<'_>) -> bool {
        let eq = |want: &Option<String>, have: &str| want.as_deref().is_none_or(|w| w == have);
        let listed = |want: &Option<String>, list: &[crate::ledger::json::JStr<'_>]| {
            want.as_deref()
                .is_none_or(|w| list.iter().any(|x| x.as_str() == w))
        };
        let time_ok = || {
            if self.since.is_none() && self.until.is_none() {
                return true;
            }
            Instant::parse(r.assessed_at.as_str()).is_some_and(|t| {
                self.since.is_none_or(|s| t >= s) && self.until.is_none_or(|u| t <= u)
            })
        };
        self.id
            .as_deref()
            .is_none_or(|id| r.descriptor_id.as_str().starts_with(id))
            && self.glyph.as_deref().is_none_or(|g| {
                r.glyph_range_start.as_str().starts_with(g)
                    || r.glyph_range_end.as_str().starts_with(g)
            })
            && listed(&self.apriori, &r.apriori_refs)
            && listed(&self.aposteriori, &r.aposteriori_refs)
            && eq(&self.process, r.process_name.as_str())
            && eq(&self.assessor, r.assessed_by.as_str())
            && eq(&self.outcome, r.process_outcome.as_str())
            && self.level.contains(r.capability_level)
            && time_ok()
    }
}

/// One matching record.
#[derive(Debug, Clone, Serialize)]
pub struct Match {
    /// 1-based line in the descriptor file.
    pub line: u64,
    /// `verified` or `excluded`.
    pub status: &'static str,
    /// Why it is excluded.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub reason: Option<String>,
    /// The record exactly as stored: the legacy line, or a native record's
    /// body (the descriptor's fields, every byte of which its hash covers).
    pub record: Box<RawValue>,
    /// For a native record, the rest of its line.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub native: Option<NativeFrame>,
}

/// A native record's line around its body (`docs/FORMAT.md` §4).
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct NativeFrame {
    /// The chain (`descriptors`).
    pub chain: &'static str,
    /// `SEQ`: the record's 0-based position, its leaf index in the Merkle tree.
    pub seq: u64,
    /// `PREV`: the previous record's hash.
    pub prev: String,
    /// `HASH`.
    pub hash: String,
    /// `KEYID:MAC`, when the record carries one.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub mac: Option<String>,
    /// For a migrated record, the legacy line it was copied from.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub legacy_line: Option<u64>,
    /// And that line's legacy `descriptor_hash`.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub legacy_descriptor_hash: Option<String>,
}

/// Every record of the descriptor file that matches `filter`, in file
/// order, with at most `limit` kept (the total is returned beside them).
pub fn find(
    file: ChainFile<'_>,
    exclusions: &Exclusions,
    filter: &Filter,
    limit: usize,
    max_line: usize,
) -> io::Result<(Vec<Match>, u64)> {
    let mut matches = Vec::new();
    let mut total = 0;
    for_each_descriptor(file, exclusions, max_line, |item| {
        if !filter.matches(&item.record) {
            return;
        }
        total += 1;
        if matches.len() >= limit {
            return;
        }
        // The stored bytes, not a re-serialisation: that is the evidence.
        let Ok(raw) = RawValue::from_string(item.text.to_owned()) else {
            return;
        };
        let (status, reason) = match &item.status {
            Inclusion::Verified => ("verified", None),
            Inclusion::Excluded { reason } => ("excluded", Some(reason.clone())),
        };
        matches.push(Match {
            line: item.line,
            status,
            reason,
            record: raw,
            native: item.native.as_ref().map(|n| NativeFrame {
                chain: file.name(),
                seq: n.seq,
                prev: n.prev.to_owned(),
                hash: n.hash.to_owned(),
                mac: n.mac.map(|(id, m)| format!("{id}:{m}")),
                legacy_line: n.legacy_line,
                legacy_descriptor_hash: n.legacy_descriptor_hash.clone(),
            }),
        });
    })?;
    Ok((matches, total))
}

/// The fields a record's hash covers: the legacy four (with
/// `prev_descriptor_hash`), or for a native record every field of its body
/// and its `seq` and `prev`.
pub fn protected_fields(m: &Match) -> Vec<String> {
    if m.native.is_none() {
        return PROTECTED_FIELDS.iter().map(|f| (*f).to_owned()).collect();
    }
    let mut fields: Vec<String> =
        serde_json::from_str::<serde_json::Map<String, serde_json::Value>>(m.record.get())
            .map(|body| body.keys().cloned().collect())
            .unwrap_or_default();
    fields.extend(["seq".to_owned(), "prev".to_owned()]);
    fields
}

/// What a record's hash covers, in words.
pub fn hash_covers(m: &Match) -> &'static str {
    if m.native.is_some() {
        "every byte: the record hash covers the chain name, seq, prev and the body's exact bytes; \
         the hash and MAC are covered by the next record's prev and by the Merkle tree its \
         signed checkpoints commit to"
    } else {
        "descriptor_id, process_name, assessed_at and prev_descriptor_hash only; every other field \
         can be changed without breaking the chain"
    }
}
