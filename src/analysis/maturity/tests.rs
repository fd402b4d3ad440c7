//! Test helpers (a synthetic descriptor with defaults) and the builder's
//! bookkeeping: exclusions, time order, evidence sets. The rules, bounds,
//! the reference run, the report forms and the properties have their own
//! files.

mod bounds;
mod props;
mod reference;
mod report;
mod rules;

use std::borrow::Cow;

use super::*;
use crate::ledger::json::JStr;
use crate::ledger::model::descriptor::{DescriptorRecord, NullableStr};

/// A synthetic descriptor with sensible defaults (a clean level-1 record).
#[derive(Debug, Clone)]
pub(super) struct Rec {
    pub id: String,
    pub process: String,
    pub level: i64,
    pub outcome: String,
    pub score: f64,
    pub required: Vec<String>,
    pub provided: Vec<String>,
    pub by: String,
    pub at: String,
    pub method: String,
}

impl Default for Rec {
    fn default() -> Self {
        Rec {
            id: "0123456789abcdef".into(),
            process: "P".into(),
            level: 1,
            outcome: "partial".into(),
            score: 0.7,
            required: vec!["a".into(), "b".into(), "c".into()],
            provided: vec!["a".into(), "b".into(), "c".into()],
            by: "jane".into(),
            at: "2026-11-26T21:44:39.376785+00:00".into(),
            method: "document_review".into(),
        }
    }
}

fn js(s: &str) -> JStr<'static> {
    JStr(Cow::Owned(s.to_owned()))
}

impl Rec {
    pub fn record(&self) -> DescriptorRecord<'static> {
        let list = |v: &[String]| v.iter().map(|s| js(s)).collect::<Vec<_>>();
        DescriptorRecord {
            descriptor_id: js(&self.id),
            process_name: js(&self.process),
            process_version: js("1.0.0"),
            capability_level: self.level,
            process_outcome: js(&self.outcome),
            compliance_score: self.score,
            apriori_refs: vec![],
            aposteriori_refs: vec![],
            glyph_range_start: js("x"),
            glyph_range_end: js("y"),
            glyph_count: 1,
            evidence_required: list(&self.required),
            evidence_provided: list(&self.provided),
            assessed_by: js(&self.by),
            assessed_at: js(&self.at),
            assessment_method: js(&self.method),
            active_constraints: vec![],
            advisory_notes: NullableStr(None),
            prev_descriptor_hash: None,
            descriptor_hash: None,
        }
    }
}

pub(super) fn strs(v: &[&str]) -> Vec<String> {
    v.iter().map(|s| (*s).to_owned()).collect()
}

pub(super) fn dataset(n: u64) -> DatasetInfo {
    DatasetInfo {
        path: "test.jsonl".into(),
        sha256: "0".repeat(64),
        records_read: n,
        format: "iss-legacy-v2",
        not_descriptors: 0,
        first_not_descriptors: Vec::new(),
    }
}

/// Run the builder over verified records, with optional ratings.
pub(super) fn run(recs: &[(Rec, Option<AttributeRatings>)]) -> MaturityReport {
    let mut b = MaturityBuilder::new();
    for (i, (r, a)) in recs.iter().enumerate() {
        b.add_rated(&r.record(), i as u64 + 1, Inclusion::Verified, a.as_ref());
    }
    b.finish(dataset(recs.len() as u64))
}

/// The count of one kind after running `recs` without ratings.
fn count(recs: &[Rec], kind: InconsistencyKind) -> u64 {
    let v: Vec<_> = recs.iter().cloned().map(|r| (r, None)).collect();
    kind_of(&run(&v), kind).count
}

pub(super) fn kind_of(r: &MaturityReport, kind: InconsistencyKind) -> &KindSummary {
    r.inconsistencies
        .kinds
        .iter()
        .find(|k| k.kind == kind)
        .expect("every kind is listed")
}

fn with(f: impl FnOnce(&mut Rec)) -> Rec {
    let mut r = Rec::default();
    f(&mut r);
    r
}

fn ratings(pairs: &[(&str, &str)]) -> AttributeRatings {
    AttributeRatings::from_pairs(pairs.iter().copied()).expect("valid ratings")
}

#[test]
fn excluded_records_are_reported_not_counted() {
    let mut b = MaturityBuilder::new();
    let bad = with(|r| (r.level, r.outcome, r.score) = (5, "compliant".into(), 0.1));
    b.add(&Rec::default().record(), 1, Inclusion::Verified);
    for (line, reason) in [
        (2, "HASH_MISMATCH at line 2"),
        (3, "CHAIN_BREAK: prev hash differs"),
        (4, "HASH_MISMATCH at line 4"),
        (5, ""),
    ] {
        let reason = reason.to_owned();
        b.add(&bad.record(), line, Inclusion::Excluded { reason });
    }
    let rep = b.finish(dataset(6));
    assert_eq!(rep.scope.records.verified, 1);
    assert_eq!(rep.scope.records.excluded, 4);
    assert_eq!(rep.scope.records.not_analysed, 1);
    assert_eq!(rep.distribution.verified, 1);
    assert_eq!(rep.distribution.levels[5].count, 0);
    assert_eq!(rep.inconsistencies.total, 0);
    assert_eq!(rep.processes.items[0].assessments, 1);
    let kinds: Vec<_> = rep
        .scope
        .exclusions
        .by_kind
        .items
        .iter()
        .map(|n| (n.name.as_str(), n.count))
        .collect();
    assert_eq!(
        kinds,
        [
            ("HASH_MISMATCH", 2),
            ("(no reason given)", 1),
            ("CHAIN_BREAK", 1)
        ]
    );
    let lines: Vec<_> = rep.scope.exclusions.first.iter().map(|e| e.line).collect();
    assert_eq!(lines, [2, 3, 4, 5]);
}

#[test]
fn latest_is_by_instant_not_by_file_order_or_text() {
    // Line 2 is written later but happened earlier (its local time is ahead
    // of UTC); line 3's timestamp does not parse: first in the trend, but
    // neither earliest nor latest while others have a real one.
    let recs = [
        with(|r| (r.level, r.at) = (3, "2026-01-01T10:00:00+00:00".into())),
        with(|r| (r.level, r.at) = (1, "2026-01-01T11:00:00+02:00".into())),
        with(|r| (r.level, r.at) = (0, "yesterday".into())),
    ];
    let v: Vec<_> = recs.into_iter().map(|r| (r, None)).collect();
    let rep = run(&v);
    let p = &rep.processes.items[0];
    assert_eq!(p.latest.as_ref().map(|a| (a.line, a.level)), Some((1, 3)));
    assert_eq!(p.earliest.as_ref().map(|a| a.line), Some(2));
    let levels: Vec<_> = p.trend.points.iter().map(|t| t.level).collect();
    assert_eq!(levels, [0, 1, 3]);
    let period = &rep.scope.period;
    assert_eq!(
        period.first.as_ref().map(|s| s.utc.as_str()),
        Some("2026-01-01T09:00:00Z")
    );
    assert_eq!(period.last.as_ref().map(|s| s.line), Some(1));
    assert_eq!(
        (period.invalid_timestamps, period.invalid_lines.clone()),
        (1, vec![3])
    );
}

#[test]
fn evidence_counts_only_required_items_and_lists_the_rest() {
    let recs = [
        with(|r| r.provided = strs(&["a", "z", "z"])),
        with(|r| (r.required, r.provided) = (strs(&["z", "z"]), strs(&["y"]))),
    ];
    let v: Vec<_> = recs.into_iter().map(|r| (r, None)).collect();
    let e = run(&v).evidence;
    assert_eq!((e.overall.required, e.overall.provided), (4, 1));
    let missing: Vec<_> = e
        .overall
        .missing
        .items
        .iter()
        .map(|n| (n.name.as_str(), n.count))
        .collect();
    assert_eq!(missing, [("b", 1), ("c", 1), ("z", 1)]);
    let extra: Vec<_> = e
        .provided_not_required
        .iter()
        .map(|u| (u.item.as_str(), u.count, u.required_elsewhere))
        .collect();
    assert_eq!(extra, [("y", 1, false), ("z", 1, true)]);
}

#[test]
fn field_protection_agrees_with_the_descriptor_schema() {
    use crate::ledger::model::descriptor::{PROTECTED_FIELDS, UNPROTECTED_FIELDS};
    let f = run(&[]).scope.field_protection;
    assert!(f.protected.iter().all(|x| PROTECTED_FIELDS.contains(x)));
    assert!(f.unprotected.iter().all(|x| UNPROTECTED_FIELDS.contains(x)));
}

#[test]
fn an_empty_ledger_reports_zeros_not_nans() {
    let r = run(&[]);
    assert_eq!(r.distribution.average_level, None);
    assert!(r.distribution.levels.iter().all(|l| l.percent == 0.0));
    assert_eq!(r.scope.period.first, None);
    let json = serde_json::to_string(&r).expect("serialises");
    assert!(!json.contains("NaN"));
    assert!(r.to_markdown().contains("## 5. Inconsistencies"));
}
