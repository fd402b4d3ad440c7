//! The record view as good as `iss show` (issue 15 item 5): fields in the
//! order the line stores them, `#` on the fields the hash protects, and a
//! finding's text saying what the other evidence confirms.

use super::harness::Harness;
use crate::ledger::model::descriptor::PROTECTED_FIELDS;
use crate::tui::strings;

#[test]
fn fields_are_in_stored_order_and_the_protected_ones_are_marked() {
    let stored = std::fs::read_to_string("data/sample-ledger/data/spice_layer/spice_chain.jsonl")
        .unwrap()
        .lines()
        .nth(2)
        .unwrap()
        .to_owned();
    let names: Vec<String> = crate::tui::stored_fields::members(&stored)
        .unwrap()
        .into_iter()
        .map(|(k, _)| k)
        .collect();
    let mut t = Harness::sample(120, 40);
    t.keys("jj<enter>");
    let d = t.app.browser.detail().expect("detail open");
    let start = d
        .wrapped
        .iter()
        .position(|(_, l)| l == "Record")
        .expect("the record heading");
    let shown: Vec<(bool, String)> = d.wrapped[start + 1..]
        .iter()
        .filter(|(_, l)| l.starts_with("# ") || l.starts_with("  ") && !l.starts_with("   "))
        .map(|(_, l)| {
            (
                l.starts_with('#'),
                l[2..].split(' ').next().unwrap().to_owned(),
            )
        })
        .collect();
    let order: Vec<&String> = shown.iter().map(|(_, n)| n).collect();
    assert_eq!(order, names.iter().collect::<Vec<_>>(), "stored order");
    for (marked, name) in &shown {
        let protected = PROTECTED_FIELDS.contains(&name.as_str()) || name == "descriptor_hash";
        assert_eq!(*marked, protected, "{name}");
    }
    assert!(
        d.wrapped
            .iter()
            .any(|(_, l)| l == strings::DETAIL_LEGACY_LEGEND)
    );
}

#[test]
fn a_hash_mismatch_says_what_the_next_link_and_the_manifest_confirm() {
    // Line 10's process_name was edited; its stored hash is untouched, so
    // line 11's prev_descriptor_hash and the manifest still agree with it.
    let t = Harness::tampered(120, 40);
    let mut t = t;
    t.keys("<enter>");
    let text: String = t
        .app
        .browser
        .detail()
        .expect("detail open")
        .wrapped
        .iter()
        .map(|(_, l)| l.trim().to_owned() + " ")
        .collect();
    let want: String = strings::HASH_CONFIRMED_BY_BOTH
        .split_whitespace()
        .collect::<Vec<_>>()
        .join(" ");
    let got = text.split_whitespace().collect::<Vec<_>>().join(" ");
    assert!(got.contains(&want), "{got}");
}
