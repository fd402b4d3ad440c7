//! The report's types. Their JSON form is documented in the parent module;
//! field names here are that schema, so renaming one is a schema change.

use serde::Serialize;
use std::collections::BTreeMap;

use super::attributes::{LevelDerivation, Rating};

/// Identifies the JSON layout; bumped on any incompatible change.
pub const SCHEMA: &str = "iss.maturity-report/1";

/// The data set the report was computed from, as the caller read it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct DatasetInfo {
    /// The file's path as given.
    pub path: String,
    /// SHA-256 of the file's bytes, lower-case hex.
    pub sha256: String,
    /// Lines (records) the caller read from the file.
    pub records_read: u64,
    /// The ledger format of the records: `iss-legacy-v2`, `iss-legacy-v1`
    /// or `iss-native-v1` (whose hash covers every byte of a record).
    pub format: &'static str,
    /// Records read whose content is not a SPICE descriptor (a native body
    /// verification passed without reading it); not analysed.
    pub not_descriptors: u64,
    /// The first of them, with what is wrong.
    pub first_not_descriptors: Vec<ExcludedRecord>,
}

/// A maturity report over one SPICE descriptor data set.
#[derive(Debug, Clone, Serialize)]
pub struct MaturityReport {
    /// Always [`SCHEMA`].
    pub schema: &'static str,
    /// Section 1: what was assessed, by whom, when, from which data.
    pub scope: Scope,
    /// Section 2: verified descriptors over capability levels and outcomes.
    pub distribution: Distribution,
    /// Section 3: one entry per process.
    pub processes: Processes,
    /// Section 4: required vs provided evidence.
    pub evidence: EvidenceCoverage,
    /// Section 5: what a reviewer must look at.
    pub inconsistencies: Inconsistencies,
    /// The bounds in force, so a reader knows what a cut list means.
    pub limits: Limits,
}

/// A name and how often it occurs.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct NamedCount {
    /// The name (cut to 120 characters).
    pub name: String,
    /// Occurrences.
    pub count: u64,
}

/// Distinct names of one kind, most frequent first.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Distinct {
    /// Distinct names kept (a lower bound when `complete` is false).
    pub distinct: u64,
    /// Whether every name was kept.
    pub complete: bool,
    /// The most frequent names (at most `limits.list_limit`).
    pub items: Vec<NamedCount>,
}

/// Section 1.
#[derive(Debug, Clone, Serialize)]
pub struct Scope {
    /// The data set.
    pub dataset: DatasetInfo,
    /// How the records read were used.
    pub records: RecordCounts,
    /// Why records were left out.
    pub exclusions: Exclusions,
    /// First and last assessment, as instants.
    pub period: Period,
    /// Processes assessed.
    pub processes: Distinct,
    /// Assessors (`assessed_by`).
    pub assessors: Distinct,
    /// Assessment methods.
    pub methods: Distinct,
    /// Which of the fields the report rests on the legacy hash protects.
    pub field_protection: FieldProtection,
}

/// Counts of records by use.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
pub struct RecordCounts {
    /// Records the caller read.
    pub read: u64,
    /// Records verified and counted.
    pub verified: u64,
    /// Records the caller excluded (failed verification).
    pub excluded: u64,
    /// Records read but never passed to the engine (e.g. unparseable).
    pub not_analysed: u64,
}

/// Excluded records.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Exclusions {
    /// Counts per reason kind (the reason's first word, e.g. `HASH_MISMATCH`).
    pub by_kind: Distinct,
    /// The first excluded records.
    pub first: Vec<ExcludedRecord>,
}

/// One excluded record.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct ExcludedRecord {
    /// 1-based line.
    pub line: u64,
    /// The reason the caller gave (cut to 200 characters).
    pub reason: String,
}

/// The period the verified assessments cover.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Period {
    /// The earliest assessment.
    pub first: Option<Stamp>,
    /// The latest assessment.
    pub last: Option<Stamp>,
    /// Verified records whose `assessed_at` does not parse.
    pub invalid_timestamps: u64,
    /// Their first lines.
    pub invalid_lines: Vec<u64>,
}

/// An `assessed_at` value and where it was read.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Stamp {
    /// 1-based line.
    pub line: u64,
    /// As written.
    pub assessed_at: String,
    /// The same instant in UTC (RFC 3339).
    pub utc: String,
}

/// Fields the report uses, split by whether the legacy descriptor hash
/// covers them: an unprotected field can be edited without any trace.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct FieldProtection {
    /// Used and covered by `descriptor_hash`.
    pub protected: Vec<&'static str>,
    /// Used and not covered: editable without breaking the chain.
    pub unprotected: Vec<&'static str>,
}

/// Section 2.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Distribution {
    /// The verified records counted (the denominator of every percent).
    pub verified: u64,
    /// Levels 0-5, always six rows.
    pub levels: Vec<LevelCount>,
    /// Records whose `capability_level` is outside 0-5.
    pub out_of_range: u64,
    /// Mean claimed level over records with a level in 0-5.
    pub average_level: Option<f64>,
    /// One row per outcome, the four legacy outcomes then `other`.
    pub outcomes: Vec<OutcomeStats>,
    /// Processes by their latest level (percent of processes).
    pub processes_by_latest_level: Vec<LevelCount>,
}

/// One capability level's share.
#[derive(Debug, Clone, Copy, PartialEq, Serialize)]
pub struct LevelCount {
    /// 0-5.
    pub level: i64,
    /// How many.
    pub count: u64,
    /// Of the total, 0-100 (0 when the total is 0).
    pub percent: f64,
}

/// One outcome's share and mean level.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct OutcomeStats {
    /// `compliant`, `non_compliant`, `partial`, `not_assessed` or `other`.
    pub outcome: &'static str,
    /// Records with this outcome.
    pub count: u64,
    /// Of the verified records.
    pub percent: f64,
    /// Mean claimed level (levels 0-5 only).
    pub average_level: Option<f64>,
}

/// Section 3.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Processes {
    /// Whether every process was tracked.
    pub complete: bool,
    /// Verified records of processes beyond the tracking cap (counted in
    /// sections 2 and 4 overall, but in no process entry).
    pub untracked_records: u64,
    /// The processes, by name.
    pub items: Vec<ProcessSummary>,
}

/// One process.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct ProcessSummary {
    /// `process_name`.
    pub process: String,
    /// Verified assessments.
    pub assessments: u64,
    /// The latest assessment by `assessed_at`.
    pub latest: Option<Assessment>,
    /// The earliest assessment by `assessed_at`.
    pub earliest: Option<Assessment>,
    /// Mean `compliance_score` over scores within 0..1.
    pub mean_compliance_score: Option<f64>,
    /// Scores left out of the mean (outside 0..1 or not a number).
    pub scores_out_of_range: u64,
    /// Assessments per outcome.
    pub outcomes: OutcomeCounts,
    /// Evidence coverage of this process.
    pub evidence: Coverage,
    /// The latest assessments' levels.
    pub trend: Trend,
    /// The latest assessment that carried attribute ratings.
    pub attributes: Option<AttributeProfile>,
}

/// One assessment, as shown for latest and earliest.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Assessment {
    /// 1-based line.
    pub line: u64,
    /// `descriptor_id`.
    pub descriptor_id: String,
    /// `assessed_at` as written.
    pub assessed_at: String,
    /// Claimed `capability_level`.
    pub level: i64,
    /// `process_outcome`.
    pub outcome: String,
    /// `compliance_score`, `null` when not a finite number.
    pub compliance_score: Option<f64>,
    /// `assessed_by`.
    pub assessed_by: String,
}

/// Assessments per outcome.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize)]
pub struct OutcomeCounts {
    /// `compliant`.
    pub compliant: u64,
    /// `non_compliant`.
    pub non_compliant: u64,
    /// `partial`.
    pub partial: u64,
    /// `not_assessed`.
    pub not_assessed: u64,
    /// Anything else.
    pub other: u64,
}

/// Required vs provided evidence.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Coverage {
    /// Required items, summed over records (each distinct item once per record).
    pub required: u64,
    /// Of those, the ones provided.
    pub provided: u64,
    /// `provided / required` in percent; `null` when nothing was required.
    pub percent: Option<f64>,
    /// Required items never provided, with how often each was missing.
    pub missing: Distinct,
}

/// The latest assessments of a process.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Trend {
    /// Oldest first.
    pub points: Vec<TrendPoint>,
    /// Older assessments not shown.
    pub dropped: u64,
}

/// One trend point.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct TrendPoint {
    /// 1-based line.
    pub line: u64,
    /// The instant in UTC; `null` when `assessed_at` did not parse.
    pub utc: Option<String>,
    /// Claimed level.
    pub level: i64,
}

/// Attribute ratings of one assessment and what they derive.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct AttributeProfile {
    /// 1-based line of the rated assessment.
    pub line: u64,
    /// PA id → rating (`null` when not rated); the ids sort in level order.
    pub ratings: BTreeMap<&'static str, Option<Rating>>,
    /// The level claimed by that assessment.
    pub claimed_level: i64,
    /// The level the 33020 rule derives.
    pub derived: LevelDerivation,
}

/// Section 4.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct EvidenceCoverage {
    /// Over all verified records.
    pub overall: Coverage,
    /// Records with an empty `evidence_required`.
    pub records_without_required: u64,
    /// Each item required, with how many records required it.
    pub required_items: Distinct,
    /// Provided items not in the same record's `evidence_required`.
    pub provided_not_required: Vec<UnrequiredItem>,
}

/// An item provided where it was not required.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct UnrequiredItem {
    /// The item.
    pub item: String,
    /// Records that provided it without requiring it.
    pub count: u64,
    /// Whether any verified record required it (exact while
    /// `required_items.complete`); `false` means it was never required.
    pub required_elsewhere: bool,
}

/// Section 5.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Inconsistencies {
    /// All inconsistencies found.
    pub total: u64,
    /// One entry per rule, every rule listed even when it found nothing.
    pub kinds: Vec<KindSummary>,
}

/// The inconsistencies of one kind.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct KindSummary {
    /// The kind.
    pub kind: InconsistencyKind,
    /// The rule, in one sentence.
    pub rule: &'static str,
    /// How many were found.
    pub count: u64,
    /// The first of them (at most `limits.list_limit`).
    pub shown: Vec<Inconsistency>,
}

/// One inconsistency a reviewer must see.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Inconsistency {
    /// Which rule.
    pub kind: InconsistencyKind,
    /// 1-based line.
    pub line: u64,
    /// `descriptor_id`.
    pub descriptor_id: String,
    /// `process_name`.
    pub process: String,
    /// What the rule expects.
    pub expected: String,
    /// What the record holds.
    pub found: String,
}

/// The bounds the builder applied.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
pub struct Limits {
    /// Longest list of names, findings or lines in the report.
    pub list_limit: usize,
    /// Processes tracked individually.
    pub max_processes: usize,
    /// Distinct names kept per counter (assessors, methods, items, reasons).
    pub max_distinct_names: usize,
    /// Distinct missing items kept per process.
    pub max_items_per_process: usize,
    /// Trend points per process (the latest ones).
    pub trend_points: usize,
    /// Longest name kept, in characters.
    pub key_max_chars: usize,
}

/// The kinds of inconsistency, in report order.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum InconsistencyKind {
    /// (a) The claimed level is above what the evidence supports.
    LevelUnsupportedByEvidence,
    /// (b) Outcome `compliant` with a compliance score below 0.5.
    CompliantLowScore,
    /// (b) Outcome `compliant` with required evidence missing.
    CompliantMissingEvidence,
    /// (c) A compliance score outside 0..1 (or not a number).
    ScoreOutOfRange,
    /// A claimed level outside 0-5.
    LevelOutOfRange,
    /// (d) The same assessor rated the same process twice in a row.
    SameAssessorConsecutive,
    /// (e) The claimed level differs from the one the attribute ratings derive.
    AttributeLevelMismatch,
}

impl InconsistencyKind {
    /// Every kind, in report order.
    pub const ALL: [InconsistencyKind; 7] = [
        InconsistencyKind::LevelUnsupportedByEvidence,
        InconsistencyKind::CompliantLowScore,
        InconsistencyKind::CompliantMissingEvidence,
        InconsistencyKind::ScoreOutOfRange,
        InconsistencyKind::LevelOutOfRange,
        InconsistencyKind::SameAssessorConsecutive,
        InconsistencyKind::AttributeLevelMismatch,
    ];

    /// The JSON name.
    pub fn name(self) -> &'static str {
        match self {
            InconsistencyKind::LevelUnsupportedByEvidence => "level_unsupported_by_evidence",
            InconsistencyKind::CompliantLowScore => "compliant_low_score",
            InconsistencyKind::CompliantMissingEvidence => "compliant_missing_evidence",
            InconsistencyKind::ScoreOutOfRange => "score_out_of_range",
            InconsistencyKind::LevelOutOfRange => "level_out_of_range",
            InconsistencyKind::SameAssessorConsecutive => "same_assessor_consecutive",
            InconsistencyKind::AttributeLevelMismatch => "attribute_level_mismatch",
        }
    }

    /// The rule, as the report states it.
    pub fn rule(self) -> &'static str {
        match self {
            InconsistencyKind::LevelUnsupportedByEvidence => {
                "PA 1.1 is rated from the share of required evidence provided \
                 (N ≤ 15 %, P ≤ 50 %, L ≤ 85 %, F > 85 %; no required evidence: not rated); \
                 level 1 needs PA 1.1 ≥ L, level ≥ 2 needs PA 1.1 = F"
            }
            InconsistencyKind::CompliantLowScore => {
                "outcome compliant needs a compliance score of at least 0.5"
            }
            InconsistencyKind::CompliantMissingEvidence => {
                "outcome compliant needs every required evidence item provided"
            }
            InconsistencyKind::ScoreOutOfRange => "compliance score must be a number within 0..1",
            InconsistencyKind::LevelOutOfRange => "capability level must be 0-5",
            InconsistencyKind::SameAssessorConsecutive => {
                "two consecutive assessments of a process (in ledger order) \
                 should not be by the same assessor"
            }
            InconsistencyKind::AttributeLevelMismatch => {
                "the claimed level must equal the level the ISO/IEC 33020 rule derives \
                 from the attribute ratings (level n: its attributes ≥ L, all lower = F)"
            }
        }
    }

    pub(super) fn index(self) -> usize {
        self as usize
    }
}
