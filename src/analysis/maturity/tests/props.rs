//! Whatever the records hold, the builder never panics and its counts add up.

use proptest::prelude::*;

use super::{Rec, dataset};
use crate::analysis::maturity::{
    ATTRIBUTES, AttributeRatings, Inclusion, Instant, MaturityBuilder, Rating,
};

fn score() -> impl Strategy<Value = f64> {
    prop_oneof![
        0.0..=1.0f64,
        -2.0..3.0f64,
        Just(f64::NAN),
        Just(f64::INFINITY),
        Just(f64::NEG_INFINITY),
        any::<f64>(),
    ]
}

fn timestamp() -> impl Strategy<Value = String> {
    prop_oneof![
        "[0-9]{4}-[0-9]{2}-[0-9]{2}T[0-9]{2}:[0-9]{2}:[0-9]{2}(\\.[0-9]{1,12})?(Z|[+-][0-9]{2}:[0-9]{2})",
        "20[0-9]{2}-(0[1-9]|1[0-2])-(0[1-9]|1[0-9]|2[0-8])T[01][0-9]:[0-5][0-9]:[0-5][0-9]\\+0[0-9]:[0-5][0-9]",
        "\\PC{0,40}",
    ]
}

fn items() -> impl Strategy<Value = Vec<String>> {
    prop::collection::vec("[a-e]|\\PC{0,8}", 0..5)
}

fn rec() -> impl Strategy<Value = Rec> {
    (
        ("[0-9a-f]{16}|\\PC{0,20}", "[P-S]|\\PC{0,10}", -3i64..9),
        (
            "compliant|non_compliant|partial|not_assessed|\\PC{0,10}",
            score(),
        ),
        (items(), items()),
        ("[xyz]", timestamp(), "[mn]"),
    )
        .prop_map(
            |((id, process, level), (outcome, score), (required, provided), (by, at, method))| {
                Rec {
                    id,
                    process,
                    level,
                    outcome,
                    score,
                    required,
                    provided,
                    by,
                    at,
                    method,
                }
            },
        )
}

fn ratings() -> impl Strategy<Value = Option<AttributeRatings>> {
    let rating = prop_oneof![
        Just(None),
        Just(Some(Rating::N)),
        Just(Some(Rating::P)),
        Just(Some(Rating::L)),
        Just(Some(Rating::F)),
    ];
    proptest::option::of(prop::collection::vec(rating, 9).prop_map(|v| {
        let mut a = AttributeRatings::new();
        for (id, r) in ATTRIBUTES.iter().zip(v) {
            if let Some(r) = r {
                a.set(id, r);
            }
        }
        a
    }))
}

fn status() -> impl Strategy<Value = Inclusion> {
    prop_oneof![
        4 => Just(Inclusion::Verified),
        1 => "\\PC{0,30}".prop_map(|reason| Inclusion::Excluded { reason }),
    ]
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(256))]

    #[test]
    fn never_panics_and_counts_add_up(
        input in prop::collection::vec((rec(), ratings(), status()), 0..60),
    ) {
        let mut b = MaturityBuilder::new();
        let mut verified = 0u64;
        for (i, (r, a, s)) in input.iter().enumerate() {
            verified += u64::from(*s == Inclusion::Verified);
            b.add_rated(&r.record(), i as u64 + 1, s.clone(), a.as_ref());
        }
        let rep = b.finish(dataset(input.len() as u64));
        let d = &rep.distribution;
        prop_assert_eq!(d.verified, verified);
        prop_assert_eq!(d.levels.iter().map(|l| l.count).sum::<u64>() + d.out_of_range, verified);
        prop_assert_eq!(d.outcomes.iter().map(|o| o.count).sum::<u64>(), verified);
        prop_assert_eq!(rep.scope.records.verified + rep.scope.records.excluded, input.len() as u64);
        let per_process: u64 = rep.processes.items.iter().map(|p| p.assessments).sum();
        prop_assert_eq!(per_process, verified);
        let percent: f64 = d.levels.iter().map(|l| l.percent).sum();
        prop_assert!(verified == d.out_of_range || (percent - 100.0 * (verified - d.out_of_range) as f64 / verified as f64).abs() < 1e-9);
        let json = serde_json::to_string(&rep);
        prop_assert!(json.is_ok());
        let md = rep.to_markdown();
        prop_assert!(md.contains("## 5. Inconsistencies"));
    }

    #[test]
    fn instants_parse_without_panics_and_round_trip(a in timestamp()) {
        // Four-digit years in UTC: an offset can push year 0000 or 9999 out.
        let lo = Instant::parse("0001-01-01T00:00:00Z");
        let hi = Instant::parse("9999-12-31T00:00:00Z");
        if let Some(x) = Instant::parse(&a).filter(|x| Some(*x) >= lo && Some(*x) <= hi) {
            prop_assert_eq!(Instant::parse(&x.to_string()), Some(x));
        }
    }
}
