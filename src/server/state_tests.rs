//! The index reads each record from the file on demand, and refuses bytes
//! that are not the ones verified.

use super::Descriptors;
use crate::ledger::legacy::write::sample::{SampleSpec, write_sample_ledger};
use crate::ledger::verify::{VerifyOptions, verify_path};
use crate::server::judged::Through;

#[test]
fn records_are_read_on_demand_and_changed_bytes_are_refused() {
    let tmp = tempfile::tempdir().unwrap();
    let root = tmp.path().join("ledger");
    write_sample_ledger(&root, &SampleSpec::default()).unwrap();
    let report = verify_path(&root, &VerifyOptions::default()).unwrap();
    let d = Descriptors::load(&report).unwrap();
    let chain = root.join("data/spice_layer/spice_chain.jsonl");
    let text = std::fs::read_to_string(&chain).unwrap();
    let lines: Vec<&str> = text.lines().collect();
    assert_eq!(d.records.len(), lines.len());
    for (stored, line) in d.records.iter().zip(&lines) {
        assert_eq!(d.text(stored).unwrap(), *line);
    }
    let id: serde_json::Value = serde_json::from_str(lines[7]).unwrap();
    let id = id["descriptor_id"].as_str().unwrap();
    let rec = d.by_id(id).unwrap();
    assert_eq!(rec.line, 8);
    // The same length, other bytes: an error naming the line, never them.
    let mut bytes = text.clone().into_bytes();
    let at = text.find(lines[7]).unwrap();
    bytes[at + 2] ^= 0x20;
    std::fs::write(&chain, &bytes).unwrap();
    let err = d.text(rec).unwrap_err().to_string();
    assert!(
        err.contains("line 8") && err.contains("changed since it was verified"),
        "{err}"
    );
}

/// A sample ledger, its verification, and its descriptor file's lines.
fn verified_sample() -> (
    tempfile::TempDir,
    std::path::PathBuf,
    crate::ledger::model::report::VerifyReport,
) {
    let tmp = tempfile::tempdir().unwrap();
    let root = tmp.path().join("ledger");
    write_sample_ledger(&root, &SampleSpec::default()).unwrap();
    let report = verify_path(&root, &VerifyOptions::default()).unwrap();
    let chain = root.join("data/spice_layer/spice_chain.jsonl");
    (tmp, chain, report)
}

fn append(path: &std::path::Path, text: &str) {
    use std::io::Write;
    let mut f = std::fs::OpenOptions::new().append(true).open(path).unwrap();
    f.write_all(text.as_bytes()).unwrap();
}

/// Two more records: copies of the last with other ids (each line's own
/// checks do not matter here: the verdicts are handed in).
fn two_more(chain: &std::path::Path) -> (String, String) {
    let text = std::fs::read_to_string(chain).unwrap();
    let last: serde_json::Value = serde_json::from_str(text.lines().last().unwrap()).unwrap();
    let mut lines = Vec::new();
    for id in ["aaaaaaaaaaaaaaaa", "bbbbbbbbbbbbbbbb"] {
        let mut v = last.clone();
        v["descriptor_id"] = serde_json::json!(id);
        lines.push(v.to_string());
    }
    (lines[0].clone(), lines[1].clone())
}

#[test]
fn the_first_load_stops_where_the_verification_stopped() {
    let (_tmp, chain, report) = verified_sample();
    let (a, b) = two_more(&chain);
    // Appended after the verification, before the load: nobody judged them.
    append(&chain, &format!("{a}\n{b}\n"));
    let d = Descriptors::load(&report).unwrap();
    let verified = report
        .files
        .iter()
        .find(|f| f.name == "spice_chain")
        .unwrap();
    assert_eq!(d.records.len() as u64, verified.records);
    assert_eq!(d.loaded, verified.bytes);
    assert!(d.by_id("aaaaaaaaaaaaaaaa").is_none());
}

#[test]
fn lines_are_taken_in_as_far_as_judged_and_with_their_verdicts() {
    let (_tmp, chain, report) = verified_sample();
    let mut d = Descriptors::load(&report).unwrap();
    let n = d.records.len() as u64;
    let (a, b) = two_more(&chain);
    append(&chain, &format!("{a}\n{b}\n"));
    // Our writer vouches for its own line only: the one after it (another
    // process's, written the moment after) waits for the watcher.
    assert_eq!(d.take_in(&Through::verified_through(n + 1)).unwrap(), 1);
    assert!(d.by_id("aaaaaaaaaaaaaaaa").unwrap().excluded.is_none());
    assert!(d.by_id("bbbbbbbbbbbbbbbb").is_none());
    // The watcher finds it violated: taken in, excluded, with why.
    let mut judged = Through::verified_through(n + 2);
    judged
        .violated
        .insert(n + 2, format!("HASH_MISMATCH at line {}", n + 2));
    assert_eq!(d.take_in(&judged).unwrap(), 1);
    let b = d.by_id("bbbbbbbbbbbbbbbb").unwrap();
    assert_eq!(b.line, n + 2);
    assert_eq!(
        b.excluded.as_deref(),
        Some(format!("HASH_MISMATCH at line {}", n + 2).as_str())
    );
    assert_eq!(d.text(b).unwrap(), two_more_text(&chain, n + 2));
    // A line taken in as verified that a later look finds violated is
    // excluded from then on; judging lines already held reads nothing.
    let mut later = Through::default();
    later.violated.insert(n + 1, "REWRITTEN at line 41".into());
    assert_eq!(d.take_in(&later).unwrap(), 0);
    assert_eq!(
        d.by_id("aaaaaaaaaaaaaaaa").unwrap().excluded.as_deref(),
        Some("REWRITTEN at line 41")
    );
}

fn two_more_text(chain: &std::path::Path, line: u64) -> String {
    let text = std::fs::read_to_string(chain).unwrap();
    text.lines().nth(line as usize - 1).unwrap().to_owned()
}

#[test]
fn a_line_still_being_written_is_not_read_past_the_verified_bytes() {
    let (_tmp, chain, _) = verified_sample();
    let (a, b) = two_more(&chain);
    // The verification read a torn last line; it was finished since.
    append(&chain, &format!("{a}\n{}", &b[..20]));
    let report = verify_path(
        chain.parent().unwrap().parent().unwrap().parent().unwrap(),
        &VerifyOptions::default(),
    )
    .unwrap();
    append(&chain, &format!("{}\n", &b[20..]));
    let mut d = Descriptors::load(&report).unwrap();
    let whole = std::fs::read_to_string(&chain).unwrap();
    let before_torn = whole.len() - b.len() - 1;
    assert_eq!(
        d.loaded, before_torn as u64,
        "up to the last whole line read"
    );
    assert!(d.by_id("aaaaaaaaaaaaaaaa").is_some());
    assert!(d.by_id("bbbbbbbbbbbbbbbb").is_none());
    let next = d.records.last().unwrap().line + 1;
    assert_eq!(d.take_in(&Through::verified_through(next)).unwrap(), 1);
    assert_eq!(d.by_id("bbbbbbbbbbbbbbbb").unwrap().line, next);
}

#[test]
fn pulses_are_taken_in_as_far_as_judged_and_violated_ones_left_out() {
    use crate::server::pulses::Pulses;
    let (_tmp, chain, report) = verified_sample();
    let glyphs = chain
        .parent()
        .unwrap()
        .parent()
        .unwrap()
        .parent()
        .unwrap()
        .join("logs/forensic_logs/glyph_chain.jsonl");
    let text = std::fs::read_to_string(&glyphs).unwrap();
    let n = text.lines().count() as u64;
    let last = text.lines().last().unwrap().to_owned();
    let mut p = Pulses::load(&report).unwrap();
    let count = p.count;
    append(&glyphs, &format!("{last}\n{last}\n"));
    assert_eq!(p.take_in(&Through::verified_through(n + 1)).unwrap(), 1);
    assert_eq!(p.list.back().unwrap().0, n + 1);
    let mut judged = Through::verified_through(n + 2);
    judged.violated.insert(n + 2, "CHAIN_BREAK at line".into());
    assert_eq!(p.take_in(&judged).unwrap(), 0);
    assert_eq!(p.count, count + 1);
    let mut later = Through::default();
    later.violated.insert(n + 1, "REWRITTEN".into());
    p.take_in(&later).unwrap();
    assert_eq!(p.count, count);
    assert_eq!(p.list.back().unwrap().0, n);
}
