//! The report's two forms: JSON keeps the documented schema, Markdown keeps
//! the section order and cannot be broken by ledger values.

use super::{Rec, ratings, run, with};
use crate::analysis::maturity::{InconsistencyKind, SCHEMA};

fn sample() -> crate::analysis::maturity::MaturityReport {
    let rated = ratings(&[("PA1.1", "F"), ("PA2.1", "L"), ("PA2.2", "F")]);
    run(&[
        (Rec::default(), None),
        (
            with(|r| {
                r.process = "Evil | <b>name</b>\nnext".into();
                r.outcome = "compliant".into();
                r.score = 0.2;
            }),
            None,
        ),
        (with(|r| r.level = 3), Some(rated)),
    ])
}

#[test]
fn json_has_the_documented_top_level_and_kind_names() {
    let v = serde_json::to_value(sample()).expect("serialises");
    assert_eq!(v["schema"], SCHEMA);
    for key in [
        "scope",
        "distribution",
        "processes",
        "evidence",
        "inconsistencies",
        "limits",
    ] {
        assert!(v.get(key).is_some(), "{key}");
    }
    let kinds: Vec<&str> = v["inconsistencies"]["kinds"]
        .as_array()
        .expect("kinds")
        .iter()
        .map(|k| k["kind"].as_str().expect("name"))
        .collect();
    let names: Vec<&str> = InconsistencyKind::ALL.iter().map(|k| k.name()).collect();
    assert_eq!(kinds, names);
    assert_eq!(
        v["distribution"]["levels"].as_array().map(Vec::len),
        Some(6)
    );
    let p = &v["processes"]["items"][1];
    assert_eq!(p["attributes"]["ratings"]["PA2.1"], "L");
    assert_eq!(p["attributes"]["derived"]["level"], 2);
    assert_eq!(
        p["attributes"]["derived"]["blocked_by"][0]["attribute"],
        "PA2.1"
    );
}

#[test]
fn markdown_sections_come_in_order_and_values_are_escaped() {
    let md = sample().to_markdown();
    let pos = |s: &str| md.find(s).unwrap_or_else(|| panic!("missing {s}"));
    let order = [
        "## 1. Scope",
        "## 2. Capability level distribution",
        "## 3. Processes",
        "### Attribute ratings",
        "## 4. Evidence coverage",
        "## 5. Inconsistencies",
        "### `compliant_low_score`",
        "### `attribute_level_mismatch`",
    ];
    assert!(order.windows(2).all(|w| pos(w[0]) < pos(w[1])), "{md}");
    assert!(md.contains("Evil \\| &lt;b&gt;name&lt;/b&gt; next"), "{md}");
    assert!(!md.contains("<b>"));
    // Every table row has as many cells as its header.
    let cells = |l: &str| l.replace("\\|", "").matches('|').count();
    let lines: Vec<&str> = md.lines().collect();
    for (i, l) in lines
        .iter()
        .enumerate()
        .filter(|(_, l)| l.starts_with("|---"))
    {
        let head = cells(lines[i - 1]);
        assert_eq!(cells(l), head);
        for row in lines[i + 1..].iter().take_while(|r| r.starts_with('|')) {
            assert_eq!(cells(row), head, "{row}");
        }
    }
    assert!(md.contains("level 3 blocked by PA2.1 = L, needs F"));
}
