//! Lookups over the descriptors of a ledger: one record by id, or every
//! record matching a filter, each with its verdict. What the legacy REST
//! API answered (descriptor by id, find by glyph or by a-priori reference),
//! plus the filters a reviewer needs.
//!
//! Matches keep the record's line exactly as stored: a lookup shows the
//! evidence, not a re-serialisation of it.

use crate::analysis::maturity::{Instant, RecordStatus};
use crate::analysis::records::{Exclusions, for_each_descriptor};
use crate::ledger::legacy::descriptor::DescriptorRecord;
use serde::Serialize;
use serde_json::value::RawValue;
use std::io;
use std::path::Path;

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
    /// `capability_level` equal to this.
    pub level: Option<i64>,
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
            && self.level.is_none_or(|l| l == r.capability_level)
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
    /// The record exactly as stored.
    pub record: Box<RawValue>,
}

/// Every record of the descriptor file at `path` that matches `filter`, in
/// file order, with at most `limit` kept (the total is returned beside them).
pub fn find(
    path: &Path,
    exclusions: &Exclusions,
    filter: &Filter,
    limit: usize,
    max_line: usize,
) -> io::Result<(Vec<Match>, u64)> {
    let mut matches = Vec::new();
    let mut total = 0;
    for_each_descriptor(path, exclusions, max_line, |record, text, line, status| {
        if !filter.matches(record) {
            return;
        }
        total += 1;
        if matches.len() >= limit {
            return;
        }
        // The stored bytes, not a re-serialisation: that is the evidence.
        let Ok(raw) = RawValue::from_string(text.to_owned()) else {
            return;
        };
        let (status, reason) = match status {
            RecordStatus::Verified => ("verified", None),
            RecordStatus::Excluded { reason } => ("excluded", Some(reason)),
        };
        matches.push(Match {
            line,
            status,
            reason,
            record: raw,
        });
    })?;
    Ok((matches, total))
}
