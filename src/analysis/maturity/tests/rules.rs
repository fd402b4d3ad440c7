//! Every inconsistency rule fires where it must and stays quiet where it
//! must not; the ISO/IEC 33020 level rule derives the levels the standard
//! gives.

use super::{Rec, count, dataset, kind_of, ratings, run, strs, with};
use crate::analysis::maturity::{
    ATTRIBUTES, AttributeRatings, Inclusion, InconsistencyKind as K, MaturityBuilder, Rating,
    derive_level,
};

#[test]
fn a_level_unsupported_by_evidence() {
    let two_of_three = strs(&["a", "b"]);
    let one_of_three = strs(&["a"]);
    // 2 of 3 = 67 % = L: supports level 1, not level 2.
    let l2 = with(|r| (r.level, r.provided) = (2, two_of_three.clone()));
    let l1 = with(|r| (r.level, r.provided) = (1, two_of_three.clone()));
    assert_eq!(
        count(std::slice::from_ref(&l2), K::LevelUnsupportedByEvidence),
        1
    );
    assert_eq!(count(&[l1], K::LevelUnsupportedByEvidence), 0);
    // 1 of 3 = 33 % = P: supports nothing above 0.
    let p1 = with(|r| (r.level, r.provided) = (1, one_of_three.clone()));
    let p0 = with(|r| (r.level, r.provided) = (0, one_of_three.clone()));
    assert_eq!(count(&[p1], K::LevelUnsupportedByEvidence), 1);
    assert_eq!(count(&[p0], K::LevelUnsupportedByEvidence), 0);
    // Full evidence does not cap the claim: the higher attributes are not
    // visible in evidence lists.
    let f5 = with(|r| r.level = 5);
    assert_eq!(count(&[f5], K::LevelUnsupportedByEvidence), 0);
    // Nothing required: PA 1.1 cannot be rated.
    let none1 = with(|r| (r.level, r.required, r.provided) = (1, vec![], vec![]));
    let none0 = with(|r| (r.level, r.required, r.provided) = (0, vec![], vec![]));
    assert_eq!(count(&[none1], K::LevelUnsupportedByEvidence), 1);
    assert_eq!(count(&[none0], K::LevelUnsupportedByEvidence), 0);
    // Items provided but not required do not count.
    let extra = with(|r| (r.level, r.provided) = (2, strs(&["a", "b", "z"])));
    assert_eq!(count(&[extra], K::LevelUnsupportedByEvidence), 1);
    let rep = run(&[(l2, None)]);
    let f = &kind_of(&rep, K::LevelUnsupportedByEvidence).shown[0];
    assert_eq!(f.found, "level 2");
    assert!(
        f.expected.starts_with("level ≤ 1 (PA 1.1 = L: 2 of 3"),
        "{}",
        f.expected
    );
}

#[test]
fn rating_bands_are_exact_at_their_edges() {
    let r = |n, d| Rating::from_share(n, d);
    assert_eq!(r(0, 0), None);
    assert_eq!(r(15, 100), Some(Rating::N));
    assert_eq!(r(16, 100), Some(Rating::P));
    assert_eq!(r(1, 2), Some(Rating::P));
    assert_eq!(r(51, 100), Some(Rating::L));
    assert_eq!(r(17, 20), Some(Rating::L));
    assert_eq!(r(86, 100), Some(Rating::F));
    assert_eq!(r(3, 3), Some(Rating::F));
    assert_eq!(r(5, 3), Some(Rating::F));
}

#[test]
fn b_compliant_with_low_score_or_missing_evidence() {
    let low = with(|r| (r.outcome, r.score) = ("compliant".into(), 0.37));
    let ok = with(|r| (r.outcome, r.score) = ("compliant".into(), 0.5));
    let nc = with(|r| (r.outcome, r.score) = ("non_compliant".into(), 0.1));
    let bad = with(|r| (r.outcome, r.score) = ("compliant".into(), -0.2));
    assert_eq!(count(&[low], K::CompliantLowScore), 1);
    assert_eq!(count(&[ok.clone(), nc], K::CompliantLowScore), 0);
    // Reported once, as out of range.
    assert_eq!(count(std::slice::from_ref(&bad), K::CompliantLowScore), 0);
    assert_eq!(count(&[bad], K::ScoreOutOfRange), 1);

    let gap = with(|r| (r.outcome, r.provided) = ("compliant".into(), strs(&["b"])));
    let partial = with(|r| r.provided = strs(&["b"]));
    assert_eq!(
        count(std::slice::from_ref(&gap), K::CompliantMissingEvidence),
        1
    );
    assert_eq!(count(&[ok, partial], K::CompliantMissingEvidence), 0);
    let rep = run(&[(gap, None)]);
    assert_eq!(
        kind_of(&rep, K::CompliantMissingEvidence).shown[0].found,
        "missing: a, c"
    );
}

#[test]
fn c_score_out_of_range() {
    for s in [-0.01, 1.01, f64::NAN, f64::INFINITY, f64::NEG_INFINITY] {
        assert_eq!(
            count(&[with(|r| r.score = s)], K::ScoreOutOfRange),
            1,
            "{s}"
        );
    }
    for s in [0.0, 1.0, 0.5] {
        assert_eq!(
            count(&[with(|r| r.score = s)], K::ScoreOutOfRange),
            0,
            "{s}"
        );
    }
}

#[test]
fn level_out_of_range_is_reported_and_not_distributed() {
    let recs = [
        with(|r| r.level = 6),
        with(|r| r.level = -1),
        Rec::default(),
    ];
    assert_eq!(count(&recs, K::LevelOutOfRange), 2);
    assert_eq!(count(&recs, K::LevelUnsupportedByEvidence), 0);
    let v: Vec<_> = recs.into_iter().map(|r| (r, None)).collect();
    let rep = run(&v);
    assert_eq!(rep.distribution.out_of_range, 2);
    assert_eq!(rep.distribution.levels[1].count, 1);
    assert_eq!(rep.distribution.average_level, Some(1.0));
}

#[test]
fn d_same_assessor_twice_in_a_row() {
    let a = |by: &str| with(|r| r.by = by.into());
    let b = |by: &str| with(|r| (r.by, r.process) = (by.into(), "Q".into()));
    // Another process's assessment in between does not break the run.
    assert_eq!(
        count(&[a("x"), b("x"), a("x")], K::SameAssessorConsecutive),
        1
    );
    assert_eq!(
        count(&[a("x"), a("y"), a("x")], K::SameAssessorConsecutive),
        0
    );
    assert_eq!(
        count(&[a("x"), a("x"), a("x")], K::SameAssessorConsecutive),
        2
    );
    let rep = run(&[(a("x"), None), (b("y"), None), (a("x"), None)]);
    let f = &kind_of(&rep, K::SameAssessorConsecutive).shown[0];
    assert_eq!(
        (f.line, f.expected.as_str()),
        (3, "a different assessor than line 1")
    );

    // An excluded record is not an assessment: it neither breaks nor makes a run.
    let mut bld = MaturityBuilder::new();
    bld.add(&a("x").record(), 1, Inclusion::Verified);
    let reason = "HASH_MISMATCH at line 2".to_owned();
    bld.add(&a("y").record(), 2, Inclusion::Excluded { reason });
    bld.add(&a("x").record(), 3, Inclusion::Verified);
    let rep = bld.finish(dataset(3));
    assert_eq!(kind_of(&rep, K::SameAssessorConsecutive).count, 1);
}

#[test]
fn level_rule_of_33020() {
    let d = |p: &[(&str, &str)]| derive_level(&ratings(p));
    let two = d(&[("PA1.1", "F"), ("PA2.1", "L"), ("PA2.2", "F")]);
    assert_eq!(two.level, 2);
    assert_eq!(two.blocked_by[0].attribute, "PA2.1"); // L, level 3 needs F
    assert_eq!(d(&[("PA1.1", "L")]).level, 1);
    assert_eq!(d(&[("PA1.1", "P")]).level, 0);
    let blocked = d(&[
        ("PA1.1", "F"),
        ("PA2.1", "F"),
        ("PA2.2", "F"),
        ("PA3.1", "L"),
        ("PA3.2", "P"),
    ]);
    assert_eq!(blocked.level, 2);
    let names: Vec<_> = blocked.blocked_by.iter().map(|b| b.attribute).collect();
    assert_eq!(names, ["PA3.2"]);
    assert_eq!(blocked.blocked_by[0].to_string(), "PA3.2 = P, needs ≥ L");
    let all_f: Vec<_> = ATTRIBUTES.iter().map(|a| (*a, "F")).collect();
    let five = d(&all_f);
    assert_eq!((five.level, five.blocked_by.len()), (5, 0));
    let none = derive_level(&AttributeRatings::new());
    assert_eq!(none.level, 0);
    assert_eq!(none.blocked_by[0].to_string(), "PA1.1 not rated, needs ≥ L");
    // Level 2 needs PA 1.1 fully achieved, not largely.
    assert_eq!(
        d(&[("PA1.1", "L"), ("PA2.1", "F"), ("PA2.2", "F")]).level,
        1
    );
}

#[test]
fn attribute_ids_and_ratings_parse() {
    let r = ratings(&[("PA 1.1", "F"), ("pa2.1", "L+"), ("2.2", "P-")]);
    assert_eq!(r.get("PA1.1"), Some(Rating::F));
    assert_eq!(r.get("PA2.1"), Some(Rating::L));
    assert_eq!(r.get("PA2.2"), Some(Rating::P));
    assert!(AttributeRatings::from_pairs([("PA6.1", "F")]).is_err());
    assert!(AttributeRatings::from_pairs([("PA1.1", "X")]).is_err());
    let mut m = AttributeRatings::new();
    assert!(m.is_empty());
    assert!(m.set("PA5.2", Rating::N));
    assert!(!m.set("PA0.1", Rating::N));
}

#[test]
fn e_claimed_level_against_attribute_ratings() {
    let rated = ratings(&[
        ("PA1.1", "F"),
        ("PA2.1", "F"),
        ("PA2.2", "F"),
        ("PA3.1", "L"),
        ("PA3.2", "P"),
    ]);
    let claim3 = with(|r| r.level = 3);
    let claim2 = with(|r| r.level = 2);
    let rep = run(&[(claim3.clone(), Some(rated)), (claim2, Some(rated))]);
    let k = kind_of(&rep, K::AttributeLevelMismatch);
    assert_eq!(k.count, 1);
    assert_eq!(k.shown[0].line, 1);
    assert_eq!(
        k.shown[0].expected,
        "level 2 by the ISO/IEC 33020 rule; level 3 blocked by PA3.2 = P, needs ≥ L"
    );
    assert_eq!(k.shown[0].found, "level 3");
    // Legacy records (no ratings) are never checked by this rule.
    assert_eq!(count(&[claim3], K::AttributeLevelMismatch), 0);
    // The process keeps its latest rated assessment for the attribute matrix.
    let p = &rep.processes.items[0];
    let a = p.attributes.as_ref().expect("rated");
    assert_eq!((a.line, a.claimed_level, a.derived.level), (2, 2, 2));
    assert_eq!(a.ratings["PA3.2"], Some(Rating::P));
    assert_eq!(a.ratings["PA4.1"], None);
}
