//! Invariant: `iss audit` links a descriptor to its neighbours, the manifest
//! line that attests it and the pulses its glyph range names, and shows the
//! findings against it.

mod common;

use common::{Genuine, edit_lines, field, read_lines, shared_fixture};
use serde_json::Value;
use std::path::Path;

const CHAIN: &str = "data/spice_layer/spice_chain.jsonl";

fn audit(path: &Path, id: &str, code: i32) -> Value {
    serde_json::from_str(&common::iss_stdout(&["audit", "--json"], path, &[id], code))
        .expect("one JSON document")
}

fn check_links(root: &Path, index: usize) {
    let lines = read_lines(&root.join(CHAIN));
    let line = &lines[index];
    let v = audit(root, &field(line, "descriptor_id"), 0);
    assert_eq!(v["record"]["line"], index + 1);
    assert_eq!(
        v["previous"]["id"],
        field(&lines[index - 1], "descriptor_id")
    );
    assert_eq!(v["next"]["id"], field(&lines[index + 1], "descriptor_id"));
    assert_eq!(v["attested_by"]["descriptor_count"], index + 1);
    let rec: Value = serde_json::from_str(line).unwrap();
    assert_eq!(
        v["pulses_in_range"], rec["glyph_count"],
        "the range spans glyph_count pulses"
    );
    let ends: Vec<&str> = v["range_pulses"]
        .as_array()
        .unwrap()
        .iter()
        .map(|p| p["hash"].as_str().unwrap())
        .collect();
    assert_eq!(
        ends,
        [
            field(line, "glyph_range_start"),
            field(line, "glyph_range_end")
        ]
    );
    assert_eq!(v["why"]["evidence_required"], rec["evidence_required"]);
}

#[test]
fn generated_ledger_trail_links_everything() {
    let dir = tempfile::tempdir().unwrap();
    Genuine::Generated(61).materialise(dir.path());
    check_links(dir.path(), 9);
}

#[test]
fn reference_run_trail_links_everything() {
    let Some(path) = shared_fixture("reference-run") else {
        return;
    };
    check_links(&path, 50);
}

#[test]
fn trail_of_a_tampered_record_shows_the_finding() {
    let dir = tempfile::tempdir().unwrap();
    Genuine::Generated(61).materialise(dir.path());
    edit_lines(&dir.path().join(CHAIN), |l| {
        let at = field(&l[9], "assessed_at");
        l[9] = l[9].replace(&at, &at.replace("09:00", "07:00"));
    });
    let id = field(&read_lines(&dir.path().join(CHAIN))[9], "descriptor_id");
    let v = audit(dir.path(), &id, 1);
    assert_eq!(v["record"]["status"], "excluded");
    assert_eq!(v["findings"][0]["kind"], "HASH_MISMATCH");
}
