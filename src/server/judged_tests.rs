//! Which lines a burst of watcher events lets the index take in.

use super::{Judged, Through};
use crate::ledger::model::finding::{Finding, FindingKind};
use crate::ledger::watch::{RecordEvent, RecordStatus};

fn event(file: &'static str, line: u64, status: RecordStatus) -> RecordEvent {
    let findings = if status == RecordStatus::Violated {
        vec![Finding::new(FindingKind::HashMismatch, "edited").at(line, 0)]
    } else {
        Vec::new()
    };
    RecordEvent {
        file,
        path: format!("{file}.jsonl"),
        line,
        offset: 0,
        record_id: None,
        status,
        checks: &[],
        findings,
        note: None,
        native: None,
    }
}

#[test]
fn violated_lines_are_named_and_the_judged_end_grows_per_file() {
    let mut j = Judged::default();
    j.record(&event("spice_chain", 41, RecordStatus::Violated));
    j.record(&event("spice_chain", 42, RecordStatus::Verified));
    j.record(&event("integrity_manifest", 50, RecordStatus::Verified));
    j.record(&event("glyph_chain", 7, RecordStatus::Verified));
    assert_eq!(j.descriptors.line, Some(42));
    assert_eq!(
        j.descriptors.violated.get(&41).map(String::as_str),
        Some("HASH_MISMATCH at line 41")
    );
    assert!(!j.descriptors.violated.contains_key(&42));
    assert_eq!(j.pulses.line, Some(7));
    assert!(j.pulses.violated.is_empty());
    // A native ledger's chains by their names.
    let mut n = Judged::default();
    n.record(&event("descriptors", 3, RecordStatus::Verified));
    n.record(&event("pulses", 2, RecordStatus::Violated));
    n.record(&event("events", 9, RecordStatus::Verified));
    assert_eq!(n.descriptors, Through::verified_through(3));
    assert_eq!(n.pulses.line, Some(2));
    assert!(n.pulses.violated.contains_key(&2));
}

#[test]
fn an_unchecked_line_is_judged_not_verified() {
    let mut j = Judged::default();
    j.record(&event("spice_chain", 10, RecordStatus::Verified));
    let mut unchecked = event("spice_chain", 11, RecordStatus::Unchecked);
    unchecked.note = Some("the file was replaced".into());
    j.record(&unchecked);
    j.record(&event("spice_chain", 12, RecordStatus::Verified));
    assert_eq!(j.descriptors.line, Some(12));
    assert_eq!(
        j.descriptors.violated.get(&11).map(String::as_str),
        Some("not checked at line 11: the file was replaced")
    );
    assert_eq!(j.descriptors.violated.len(), 1);
    assert!(j.pulses.is_empty());
    assert!(!j.is_empty());
}
