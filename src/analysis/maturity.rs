//! Maturity report over SPICE process descriptors (ISO/IEC 33020 view).
//!
//! [`MaturityBuilder`] takes the descriptors of a ledger one at a time, each
//! with the verifier's verdict, and [`MaturityBuilder::finish`] turns them
//! into a [`MaturityReport`]: the sections an assessor expects
//! (`TIME_AND_MATURITY.md` §4), as JSON (`serde`) or as Markdown
//! ([`MaturityReport::to_markdown`]). Only records the verifier passed count
//! in the numbers; excluded records are counted by reason and listed.
//!
//! # Memory
//!
//! One pass, and memory independent of the number of records: per process a
//! fixed set of counters, two snapshots (earliest, latest), the
//! [`TREND_POINTS`] latest levels and up to [`MAX_ITEMS_PER_PROCESS`]
//! missing-item counters; per name kind (assessors, methods, evidence items,
//! exclusion reasons) at most [`MAX_DISTINCT_NAMES`] names; per finding
//! kind, per exclusion and per invalid timestamp the first [`LIST_LIMIT`]
//! entries with an exact total. Past a cap, what is dropped is counted and
//! the list is marked incomplete: older trend points (`trend.dropped`),
//! processes after the [`MAX_PROCESSES`]th (`processes.untracked_records`,
//! still counted in every overall number), names after a counter is full
//! (`complete: false`). Names are cut to 120 characters.
//!
//! # JSON schema (`iss.maturity-report/1`)
//!
//! Percentages are 0-100 and 0 when their total is 0; means are `null` when
//! there is nothing to average. Lines are 1-based. A *distinct* is
//! `{"distinct": u64, "complete": bool, "items": [{"name": str, "count": u64}]}`,
//! items most frequent first. An *assessment* is `{"line", "descriptor_id",
//! "assessed_at", "level", "outcome", "compliance_score" (null if not finite),
//! "assessed_by"}`. A *coverage* is `{"required": u64, "provided": u64,
//! "percent": f64|null, "missing": distinct}`.
//!
//! ```text
//! {
//!   "schema": "iss.maturity-report/1",
//!   "scope": {
//!     "dataset": {"path": str, "sha256": str, "records_read": u64,
//!                 "format": "iss-legacy-v2"|"iss-legacy-v1"|"iss-native-v1",
//!                 "not_descriptors": u64, "first_not_descriptors": [{"line", "reason"}]},
//!     "records": {"read", "verified", "excluded", "not_analysed"},      // u64
//!     "exclusions": {"by_kind": distinct, "first": [{"line", "reason"}]},
//!     "period": {"first": stamp|null, "last": stamp|null,
//!                "invalid_timestamps": u64, "invalid_lines": [u64]},
//!                // stamp = {"line", "assessed_at" (as written), "utc" (RFC 3339)}
//!     "processes": distinct, "assessors": distinct, "methods": distinct,
//!     "field_protection": {"protected": [str], "unprotected": [str]}  // native: unprotected empty
//!   },
//!   "distribution": {
//!     "verified": u64,
//!     "levels": [{"level": 0..5, "count", "percent"}],                   // 6 rows
//!     "out_of_range": u64, "average_level": f64|null,
//!     "outcomes": [{"outcome", "count", "percent", "average_level"}],    // 5 rows
//!     "processes_by_latest_level": [{"level", "count", "percent"}]       // 6 rows
//!   },
//!   "processes": {
//!     "complete": bool, "untracked_records": u64,
//!     "items": [{                                                        // by name
//!       "process": str, "assessments": u64,
//!       "latest": assessment|null, "earliest": assessment|null,
//!       "mean_compliance_score": f64|null, "scores_out_of_range": u64,
//!       "outcomes": {"compliant", "non_compliant", "partial", "not_assessed", "other"},
//!       "evidence": coverage,
//!       "trend": {"points": [{"line", "utc": str|null, "level"}], "dropped": u64},
//!       "attributes": null | {"line", "ratings": {"PA1.1": "N"|"P"|"L"|"F"|null, ...},
//!                             "claimed_level", "derived": {"level", "blocked_by":
//!                             [{"attribute", "rating": str|null, "needed"}]}}
//!     }]
//!   },
//!   "evidence": {
//!     "overall": coverage, "records_without_required": u64,
//!     "required_items": distinct,
//!     "provided_not_required": [{"item", "count", "required_elsewhere": bool}]
//!   },
//!   "inconsistencies": {
//!     "total": u64,
//!     "kinds": [{"kind", "rule", "count", "shown": [{"kind", "line",
//!                "descriptor_id", "process", "expected", "found"}]}]     // 7 rows
//!   },
//!   "limits": {"list_limit", "max_processes", "max_distinct_names",
//!              "max_items_per_process", "trend_points", "key_max_chars"}
//! }
//! ```
//!
//! # Rules
//!
//! Time order is `assessed_at` compared as instants, the later line winning
//! a tie; records whose timestamp does not parse rank before all others (so
//! they are the first trend points dropped) and are the earliest or latest
//! only when no assessment of the process has a valid timestamp. An
//! evidence item counts as provided only if the same record requires it;
//! lists are compared as sets. Means leave out levels outside 0-5 and
//! scores outside 0..1 (each reported as an inconsistency instead).
//!
//! The inconsistencies ([`InconsistencyKind`]):
//!
//! - **(a) `level_unsupported_by_evidence`.** Legacy descriptors carry no
//!   attribute ratings, only the work products an assessment required and
//!   those it saw. Work products evidence *performing* the process, so they
//!   can rate PA 1.1 and nothing above it: their share (provided ∩ required
//!   over required) on the 33020 bands (N ≤ 15 %, P ≤ 50 %, L ≤ 85 %,
//!   F > 85 %) is taken as PA 1.1. The level rule then caps the claim: level
//!   1 needs PA 1.1 ≥ L, any higher level needs PA 1.1 = F. So P or N caps
//!   it at 0, L at 1, and F caps nothing (levels 2-5 rest on attributes the
//!   evidence lists do not show). An empty `evidence_required` leaves PA 1.1
//!   without a basis, so it cannot be rated and, like N, supports no level
//!   above 0.
//! - **(b) `compliant_low_score`, `compliant_missing_evidence`.** Outcome
//!   `compliant` with a score below 0.5 (the score must be in 0..1; an
//!   out-of-range one is reported once, under (c)), or with any required
//!   item not provided.
//! - **(c) `score_out_of_range`.** A score outside 0..1, NaN and infinities
//!   included.
//! - **`level_out_of_range`.** A claimed level outside 0-5 (not placed in the
//!   distribution and not checked by (a)).
//! - **(d) `same_assessor_consecutive`.** Two consecutive verified
//!   assessments of one process, in ledger (append) order, by the same
//!   assessor: the ledger gives no independent second look.
//! - **(e) `attribute_level_mismatch`.** For records with attribute ratings
//!   (a native record's `attribute_ratings`, fed by
//!   [`crate::analysis::records::maturity_report`] through
//!   [`MaturityBuilder::add_rated`]): the claim differs from the level
//!   [`derive_level`] derives by the 33020 rule (level n:
//!   its attributes ≥ L and every lower one F; unrated counts as not
//!   achieved). The finding names every attribute that blocked the next
//!   level. Over- and under-claims are both reported.

mod aggregate;
pub mod attributes;
mod build;
mod markdown;
mod report;
mod rules;
mod tally;
#[cfg(test)]
mod tests;

pub use crate::time::Instant;
pub use attributes::{
    ATTRIBUTES, AttributeRatings, Blocker, LEVEL_NAMES, LevelDerivation, Rating, derive_level,
};
pub use build::{Inclusion, MaturityBuilder};
pub use report::*;

/// Longest list in the report (findings per kind, names, lines).
pub const LIST_LIMIT: usize = 100;
/// Processes tracked individually.
pub const MAX_PROCESSES: usize = 4096;
/// Distinct names kept per counter.
pub const MAX_DISTINCT_NAMES: usize = 10_000;
/// Distinct missing items kept per process.
pub const MAX_ITEMS_PER_PROCESS: usize = 32;
/// Trend points kept per process (the latest ones).
pub const TREND_POINTS: usize = 50;
