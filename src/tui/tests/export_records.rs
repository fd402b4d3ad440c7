//! Getting records out (issue 15 item 3) and `:goto`/`:filter` saying what
//! they cannot do (item 6), driven by key strings.

use super::harness::{Harness, SAMPLE, message};
use crate::tui::msg::Msg;
use crate::tui::strings;
use crate::tui::update::update;
use std::path::Path;

const CHAIN: &str = "data/sample-ledger/data/spice_layer/spice_chain.jsonl";

/// Run the records export the keys queued, as the event loop's thread does.
fn run_records(t: &mut Harness) {
    let job = t
        .app
        .outbox
        .records
        .take()
        .expect("the loop is asked to export records");
    update(&mut t.app, Msg::Exported(job.run()));
}

/// The stored lines `n` (0-based) of `path`, each with its LF.
fn stored(path: &Path, lines: &[usize]) -> Vec<u8> {
    let text = std::fs::read(path).unwrap();
    let all: Vec<&[u8]> = text.split_inclusive(|b| *b == b'\n').collect();
    lines.iter().flat_map(|&n| all[n].to_vec()).collect()
}

#[test]
fn marked_records_export_as_their_stored_bytes_with_the_verdict_in_words() {
    let out = tempfile::tempdir().unwrap();
    let file = out.path().join("marked.jsonl");
    let mut t = Harness::sample(80, 24);
    t.keys("jjm:20<enter>m:7<enter>m");
    t.keys(&format!(":export {}<enter>", file.display()));
    assert!(message(&t).starts_with("exporting 3 marked records of spice_chain"));
    run_records(&mut t);
    assert_eq!(
        std::fs::read(&file).unwrap(),
        stored(Path::new(CHAIN), &[2, 6, 19])
    );
    let said = message(&t);
    assert!(said.contains("wrote 3 marked records"), "{said}");
    assert!(said.contains(strings::verdict_in_words(Some(
        crate::ledger::model::report::LedgerStatus::Clean
    ))));
    assert!(
        !said.contains("Clean"),
        "no Debug name of the status: {said}"
    );
}

#[test]
fn without_marks_the_filtered_view_is_exported_and_csv_has_every_field() {
    let recs: Vec<serde_json::Value> = std::fs::read_to_string(CHAIN)
        .unwrap()
        .lines()
        .map(|l| serde_json::from_str(l).unwrap())
        .collect();
    let want: Vec<usize> = (0..recs.len())
        .filter(|&i| recs[i]["capability_level"].as_i64().unwrap() >= 3)
        .collect();
    let out = tempfile::tempdir().unwrap();
    let mut t = Harness::sample(120, 40);
    t.keys(":filter level>=3<enter>");
    let jsonl = out.path().join("view.jsonl");
    t.keys(&format!(":export {}<enter>", jsonl.display()));
    run_records(&mut t);
    assert_eq!(
        std::fs::read(&jsonl).unwrap(),
        stored(Path::new(CHAIN), &want)
    );
    assert!(message(&t).contains(&format!("{} filtered records", want.len())));

    let csv = out.path().join("view.csv");
    t.keys(&format!(":export {}<enter>", csv.display()));
    run_records(&mut t);
    let text = std::fs::read_to_string(&csv).unwrap();
    let rows: Vec<&str> = text.split("\r\n").filter(|r| !r.is_empty()).collect();
    assert_eq!(
        rows.len(),
        want.len() + 1,
        "a header and one row per record"
    );
    // The header is `line` and the first record's fields in stored order.
    let first = std::fs::read_to_string(CHAIN).unwrap();
    let first = first.lines().nth(want[0]).unwrap();
    let names: Vec<String> = crate::tui::stored_fields::members(first)
        .unwrap()
        .into_iter()
        .map(|(k, _)| k)
        .collect();
    assert!(
        rows[0].starts_with(&format!("line,{}", names.join(","))),
        "{}",
        rows[0]
    );
    let id = recs[want[0]]["descriptor_id"].as_str().unwrap();
    assert!(
        rows[1].starts_with(&format!("{},{id},", want[0] + 1)),
        "{}",
        rows[1]
    );
}

#[test]
fn an_existing_file_is_replaced_only_with_force_typed_after_the_name() {
    let out = tempfile::tempdir().unwrap();
    let file = out.path().join("one.jsonl");
    std::fs::write(&file, b"earlier work\n").unwrap();
    let mut t = Harness::sample(80, 24);
    t.keys("m");
    t.keys(&format!(":export {}<enter>", file.display()));
    run_records(&mut t);
    assert!(
        message(&t).contains("refusing to overwrite"),
        "{}",
        message(&t)
    );
    assert_eq!(std::fs::read(&file).unwrap(), b"earlier work\n");
    t.keys(&format!(":export {} --force<enter>", file.display()));
    run_records(&mut t);
    assert_eq!(
        std::fs::read(&file).unwrap(),
        stored(Path::new(CHAIN), &[0])
    );
    // Inside the ledger: refused, nothing written.
    let inside = Path::new(SAMPLE).join("marked.jsonl");
    t.keys(&format!(":export {}<enter>", inside.display()));
    run_records(&mut t);
    assert!(
        message(&t).contains("outside the ledger"),
        "{}",
        message(&t)
    );
    assert!(!inside.exists());
}

#[test]
fn the_bundle_takes_force_as_typed_and_a_bad_name_gets_the_usage() {
    let mut t = Harness::sample(80, 24);
    t.keys(":export /tmp/x/bundle.json --force<enter>");
    assert_eq!(
        t.app.outbox.export.take().as_deref(),
        Some(Path::new("/tmp/x/bundle.json")),
        "--force is not part of the file name"
    );
    assert!(t.app.outbox.export_force);
    t.keys(":export --force<enter>");
    assert_eq!(message(&t), strings::EXPORT_USAGE);
    t.keys(":export notes.txt<enter>");
    assert_eq!(message(&t), strings::EXPORT_USAGE);
    assert!(t.app.outbox.export.is_none() && t.app.outbox.records.is_none());
}

#[test]
fn goto_says_what_it_cannot_do() {
    let mut t = Harness::sample(80, 24);
    t.keys(":goto 500<enter>");
    assert_eq!(
        message(&t),
        strings::goto_out_of_range(500, "spice_chain", 40)
    );
    assert_eq!(t.app.current().cursor, 39, "the last line is shown");
    t.keys(":goto zzzz<enter>");
    assert_eq!(message(&t), strings::goto_no_match("zzzz"));
    // An all-digit id prefix past the last line is looked up as an id.
    let ids: Vec<String> = std::fs::read_to_string(CHAIN)
        .unwrap()
        .lines()
        .map(|l| {
            let v: serde_json::Value = serde_json::from_str(l).unwrap();
            v["descriptor_id"].as_str().unwrap().to_owned()
        })
        .collect();
    let (line, digits) = ids
        .iter()
        .enumerate()
        .find_map(|(i, id)| {
            let p: String = id.chars().take_while(char::is_ascii_digit).collect();
            (p.len() >= 4 && p.parse::<u64>().unwrap() > 40).then_some((i, p))
        })
        .expect("the sample has an id starting with 4+ digits");
    t.keys(&format!("g:goto {digits}<enter>"));
    assert_eq!(t.app.current().cursor, line as u64, "{}", message(&t));
    t.keys("g:9999<enter>");
    assert_eq!(
        message(&t),
        strings::goto_neither("9999", "spice_chain", 40)
    );
}

#[test]
fn a_level_outside_0_to_5_is_refused_with_a_message() {
    let mut t = Harness::sample(80, 24);
    t.keys(":filter level=9<enter>");
    assert!(
        message(&t).contains("level 9 is not a capability level"),
        "{}",
        message(&t)
    );
    assert!(t.app.current().filter.is_none());
}
