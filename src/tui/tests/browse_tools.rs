//! The browser's tools, driven by key strings: `:filter` keeps exactly the
//! matching descriptors and says so on screen; marks are set, walked and
//! listed; `y`/`Y` put the selected record's id or hash on the clipboard.

use super::harness::{Harness, message, walk};
use crate::tui::clipboard::osc52;
use crate::tui::strings;
use serde_json::Value;

/// The sample ledger's descriptors, parsed independently of the TUI.
fn records() -> Vec<Value> {
    let text =
        std::fs::read_to_string("data/sample-ledger/data/spice_layer/spice_chain.jsonl").unwrap();
    text.lines()
        .map(|l| serde_json::from_str(l).unwrap())
        .collect()
}

#[test]
fn a_filter_keeps_exactly_the_matching_records_and_shows_itself() {
    let recs = records();
    let want: Vec<u64> = (0..recs.len() as u64)
        .filter(|&i| recs[i as usize]["capability_level"].as_i64().unwrap() >= 3)
        .collect();
    assert!(
        !want.is_empty() && want.len() < recs.len(),
        "the sample has both kinds"
    );
    let mut t = Harness::sample(120, 40);
    t.keys(":filter level>=3<enter>");
    assert_eq!(walk(&mut t), want);
    t.keys("g");
    assert_eq!(t.app.current().cursor, want[0], "g: the first kept line");
    t.keys("G");
    assert_eq!(t.app.current().cursor, *want.last().unwrap());
    let banner = strings::filter_active("level>=3", want.len(), recs.len() as u64);
    assert!(t.screen().contains(&banner), "{}", t.screen());
    // Every row drawn is a kept line.
    assert!(t.app.current().rows.iter().all(|r| want.contains(&r.line)));

    // Two conditions together.
    let process = recs[want[0] as usize]["process_name"]
        .as_str()
        .unwrap()
        .to_owned();
    let both: Vec<u64> = want
        .iter()
        .copied()
        .filter(|&i| recs[i as usize]["process_name"] == process.as_str())
        .collect();
    t.keys(&format!(":filter level>=3 process={process}<enter>"));
    assert_eq!(walk(&mut t), both);

    // A bad filter says why and leaves the one in effect alone.
    t.keys(":filter level>>3<enter>");
    assert!(
        message(&t).contains("not a whole number"),
        "{}",
        message(&t)
    );
    assert_eq!(walk(&mut t), both);

    t.keys(":filter clear<enter>");
    assert_eq!(message(&t), strings::FILTER_CLEARED);
    assert_eq!(walk(&mut t).len(), recs.len());
    assert!(!t.screen().contains("filter:"));
}

#[test]
fn filters_by_outcome_assessor_and_time_range() {
    let recs = records();
    let mut t = Harness::sample(80, 24);
    let assessor = recs[0]["assessed_by"].as_str().unwrap().to_owned();
    let want: Vec<u64> = (0..recs.len() as u64)
        .filter(|&i| {
            let r = &recs[i as usize];
            r["assessed_by"] == assessor.as_str() && r["process_outcome"] == "non_compliant"
        })
        .collect();
    t.keys(&format!(
        ":filter assessor={assessor} outcome=non_compliant<enter>"
    ));
    assert_eq!(walk(&mut t), want);

    // A time range from the 5th to the 9th record's own times, inclusive.
    let at = |i: usize| recs[i]["assessed_at"].as_str().unwrap().to_owned();
    t.keys(&format!(":filter since={} until={}<enter>", at(4), at(8)));
    assert_eq!(walk(&mut t), vec![4, 5, 6, 7, 8]);

    // No match: nothing to walk, and the count says so.
    t.keys(":filter process=NO_SUCH_PROCESS<enter>");
    assert!(t.app.current().rows.is_empty());
    assert!(message(&t).contains(": 0 of 40 records"), "{}", message(&t));

    // Filters are for descriptors: the pulse chain says so.
    t.keys(":filter clear<enter>c:filter level=1<enter>");
    assert_eq!(message(&t), strings::FILTER_DESCRIPTORS_ONLY);
}

#[test]
fn marks_are_toggled_walked_listed_and_shown() {
    let mut t = Harness::sample(80, 24);
    t.keys("jjm");
    assert_eq!(message(&t), strings::mark_toggled(3, true, 1));
    t.keys(":20<enter>m:7<enter>m");
    t.keys("g");
    let cursor = |t: &Harness| t.app.current().cursor;
    assert_eq!(cursor(t.keys("u")), 2);
    assert_eq!(cursor(t.keys("u")), 6);
    assert_eq!(cursor(t.keys("u")), 19);
    assert_eq!(cursor(t.keys("u")), 2, "wraps to the first mark");
    assert_eq!(message(&t), strings::MARKS_WRAPPED);
    assert_eq!(cursor(t.keys("U")), 19, "back wraps to the last");
    assert_eq!(cursor(t.keys("U")), 6);
    t.keys("M");
    assert_eq!(message(&t), "3 marks in spice_chain: lines 3, 7, 20");
    assert!(
        t.screen().contains("*7 "),
        "a marked row shows *:\n{}",
        t.screen()
    );
    // m on a marked line unmarks it; :marks lists too.
    t.keys("m:marks<enter>");
    assert_eq!(message(&t), "2 marks in spice_chain: lines 3, 20");
    t.keys(":marks clear<enter>u");
    assert_eq!(message(&t), strings::NO_MARKS);
}

#[test]
fn y_and_shift_y_copy_the_records_id_and_hash_with_osc52() {
    let recs = records();
    let mut t = Harness::sample(80, 24);
    t.keys("jjy");
    let id = recs[2]["descriptor_id"].as_str().unwrap();
    assert_eq!(t.app.outbox.clipboard.as_deref(), Some(id));
    assert_eq!(message(&t), strings::copied("descriptor_id", id));
    t.keys("Y");
    let hash = recs[2]["descriptor_hash"].as_str().unwrap();
    assert_eq!(t.app.outbox.clipboard.as_deref(), Some(hash));
    assert!(osc52(hash).starts_with("\x1b]52;c;") && osc52(hash).ends_with('\x07'));
    // On the pulse chain: the pulse id.
    t.keys("cy");
    let pulses =
        std::fs::read_to_string("data/sample-ledger/logs/forensic_logs/glyph_chain.jsonl").unwrap();
    let first: Value = serde_json::from_str(pulses.lines().next().unwrap()).unwrap();
    assert_eq!(
        t.app.outbox.clipboard.as_deref(),
        first["pulse_id"].as_str()
    );
}
