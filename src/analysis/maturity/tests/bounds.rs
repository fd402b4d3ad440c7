//! Memory stays bounded while counts stay exact: what a list drops is
//! counted, never lost.

use super::{Rec, dataset, kind_of, strs};
use crate::analysis::maturity::{
    Inclusion, InconsistencyKind as K, Instant, LIST_LIMIT, Limits, MAX_DISTINCT_NAMES,
    MaturityBuilder, MaturityReport, TREND_POINTS,
};

const N: u64 = 100_000;
const PROCS: u64 = 300;

/// Record `i` of the synthetic ledger: process `i % 300`, level `i % 6`,
/// every even record compliant with a low score, one of 50 items missing,
/// 12 000 assessors (more than a counter keeps), one second apart.
fn synthetic(i: u64) -> Rec {
    Rec {
        id: format!("{i:016x}"),
        process: format!("proc-{:03}", i % PROCS),
        level: (i % 6).cast_signed(),
        outcome: if i.is_multiple_of(2) {
            "compliant"
        } else {
            "partial"
        }
        .into(),
        score: 0.3,
        required: vec![format!("e{}", i % 50), "common".into()],
        provided: strs(&["common"]),
        by: format!("a{}", i % 12_000),
        at: Instant {
            secs: 1_780_000_000 + i.cast_signed(),
            nanos: 0,
        }
        .to_string(),
        method: "automated".into(),
    }
}

fn build(limits: Limits, n: u64) -> MaturityReport {
    let mut b = MaturityBuilder::with_limits(limits);
    for i in 0..n {
        b.add(&synthetic(i).record(), i + 1, Inclusion::Verified);
    }
    b.finish(dataset(n))
}

#[test]
fn hundred_thousand_records_over_300_processes() {
    let r = build(Limits::default(), N);
    let d = &r.distribution;
    assert_eq!(d.verified, N);
    let levels: Vec<u64> = d.levels.iter().map(|l| l.count).collect();
    assert_eq!(levels, [16_667, 16_667, 16_667, 16_667, 16_666, 16_666]);
    assert_eq!(d.outcomes[0].count, N / 2);

    assert_eq!(r.processes.items.len() as u64, PROCS);
    assert!(r.processes.complete);
    for (k, p) in r.processes.items.iter().enumerate() {
        let expected = N / PROCS + u64::from((k as u64) < N % PROCS);
        assert_eq!(p.assessments, expected, "{}", p.process);
        assert_eq!(p.trend.points.len(), TREND_POINTS);
        assert_eq!(p.trend.dropped, expected - TREND_POINTS as u64);
        // The points kept are the latest, in time order.
        let last = p.trend.points.last().map(|t| t.line);
        assert_eq!(last, p.latest.as_ref().map(|a| a.line));
        assert!(p.trend.points.windows(2).all(|w| w[0].line < w[1].line));
        assert_eq!(p.evidence.required, 2 * expected);
        assert_eq!(p.evidence.provided, expected);
    }
    assert_eq!(r.scope.processes.items.len(), LIST_LIMIT);

    // Findings: exact totals, bounded samples.
    let low = kind_of(&r, K::CompliantLowScore);
    assert_eq!((low.count, low.shown.len()), (N / 2, LIST_LIMIT));
    let gap = kind_of(&r, K::CompliantMissingEvidence);
    assert_eq!((gap.count, gap.shown.len()), (N / 2, LIST_LIMIT));
    // 1 of 2 items = 50 % = P: every level ≥ 1 claim is unsupported.
    let unsupported = kind_of(&r, K::LevelUnsupportedByEvidence);
    assert_eq!(unsupported.count, N - 16_667);
    assert_eq!(unsupported.shown.len(), LIST_LIMIT);
    assert_eq!(kind_of(&r, K::SameAssessorConsecutive).count, 0);

    // Name counters stop growing at their cap and say so.
    let a = &r.scope.assessors;
    assert_eq!(a.distinct, MAX_DISTINCT_NAMES as u64);
    assert!(!a.complete);
    assert_eq!(a.items.len(), LIST_LIMIT);
    let e = &r.evidence;
    assert_eq!((e.overall.required, e.overall.provided), (2 * N, N));
    assert_eq!(e.overall.missing.distinct, 50);
    assert_eq!(
        e.overall.missing.items.iter().map(|n| n.count).sum::<u64>(),
        N
    );
}

#[test]
fn processes_beyond_the_cap_count_in_the_totals() {
    let limits = Limits {
        max_processes: 10,
        trend_points: 3,
        list_limit: 5,
        max_distinct_names: 20,
        ..Limits::default()
    };
    let n = 3_000;
    let r = build(limits, n);
    assert_eq!(r.processes.items.len(), 10);
    assert!(!r.processes.complete);
    // Processes 0-9 have 10 records each of the 3 000.
    assert_eq!(r.processes.untracked_records, n - 100);
    assert_eq!(r.distribution.verified, n);
    assert_eq!(
        r.distribution.levels.iter().map(|l| l.count).sum::<u64>(),
        n
    );
    assert!(!r.scope.processes.complete);
    for p in &r.processes.items {
        assert_eq!(p.trend.points.len(), 3);
        assert_eq!(p.trend.dropped, 7);
    }
    assert_eq!(r.scope.assessors.distinct, 20);
    assert_eq!(r.scope.assessors.items.len(), 5);
    assert_eq!(kind_of(&r, K::CompliantLowScore).shown.len(), 5);
    assert_eq!(r.limits.list_limit, 5);
}

#[test]
fn long_names_are_cut() {
    let long = "x".repeat(10_000);
    let mut rec = Rec::default();
    rec.process.clone_from(&long);
    rec.by.clone_from(&long);
    let mut b = MaturityBuilder::new();
    b.add(&rec.record(), 1, Inclusion::Verified);
    b.add(&rec.record(), 2, Inclusion::Verified);
    let r = b.finish(dataset(2));
    assert_eq!(r.processes.items.len(), 1);
    assert_eq!(r.processes.items[0].process.chars().count(), 121);
    assert_eq!(r.processes.items[0].assessments, 2);
    assert_eq!(kind_of(&r, K::SameAssessorConsecutive).count, 1);
}
