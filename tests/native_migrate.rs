//! `iss migrate`: a verified legacy ledger copied into a native one whose
//! genesis proves what it continues from; the legacy files only read.

mod common;

use common::{Spot, forge_process_name, generated_ledger, iss_json, read_lines, spots};
use sha2::{Digest, Sha256};
use std::fs;
use std::path::Path;

fn snapshot(dir: &Path) -> Vec<(String, Vec<u8>)> {
    let mut v = Vec::new();
    for e in common::files_below(dir) {
        v.push((e.display().to_string(), fs::read(&e).unwrap()));
    }
    v.sort();
    v
}

fn migrate_and_check(legacy: &Path) {
    let before = snapshot(legacy);
    let out = tempfile::tempdir().unwrap();
    let new = out.path().join("native");
    let done = iss_json(&["migrate", "--json", legacy.to_str().unwrap()], &new, 0);
    assert_eq!(snapshot(legacy), before, "the legacy files were only read");
    assert_eq!(spots(&new), Vec::<Spot>::new(), "the new ledger verifies");

    // Every legacy descriptor is there, in order, naming its legacy line and hash.
    let chain = common::find_file(legacy, "spice_chain.jsonl");
    let legacy_lines = read_lines(&chain);
    let native_lines = read_lines(&new.join("descriptors.jsonl"));
    assert_eq!(done["descriptors"], legacy_lines.len());
    assert_eq!(native_lines.len(), legacy_lines.len());
    for (i, (l, n)) in legacy_lines.iter().zip(&native_lines).enumerate() {
        let l: serde_json::Value = serde_json::from_str(l).unwrap();
        let n: serde_json::Value = serde_json::from_str(n).unwrap();
        let body = &n["body"];
        assert_eq!(body["legacy_line"], i + 1);
        assert_eq!(body["legacy_descriptor_hash"], l["descriptor_hash"]);
        for field in [
            "descriptor_id",
            "process_name",
            "capability_level",
            "compliance_score",
            "assessed_at",
            "evidence_provided",
        ] {
            assert_eq!(body[field], l[field], "line {}: {field}", i + 1);
        }
    }
    // The genesis event (the first native record) binds the legacy files:
    // their SHA-256 and head hashes, recomputed here from the files.
    let events = read_lines(&new.join("events.jsonl"));
    let genesis: serde_json::Value = serde_json::from_str(&events[0]).unwrap();
    let from = &genesis["body"]["migrated_from"];
    assert_eq!(from["status"], "clean");
    let files = from["files"].as_array().unwrap();
    let spice = files.iter().find(|f| f["name"] == "spice_chain").unwrap();
    assert_eq!(
        spice["sha256"],
        hex::encode(Sha256::digest(fs::read(&chain).unwrap()))
    );
    let last: serde_json::Value = serde_json::from_str(legacy_lines.last().unwrap()).unwrap();
    assert_eq!(spice["head"], last["descriptor_hash"]);
    assert_eq!(spice["records"], legacy_lines.len());
}

#[test]
fn a_generated_legacy_ledger_migrates_with_provable_continuity() {
    let legacy = generated_ledger(3);
    migrate_and_check(legacy.path());
}

#[test]
fn the_reference_run_migrates_when_present() {
    let Some(reference) = common::shared_fixture("reference-run") else {
        println!("skipped: ../shared/fixtures/legacy/reference-run is not present");
        return;
    };
    let copy = tempfile::tempdir().unwrap();
    common::copy_tree(&reference, copy.path());
    migrate_and_check(copy.path());
}

#[test]
fn a_tampered_legacy_ledger_is_refused_and_nothing_is_created() {
    let legacy = generated_ledger(3);
    let chain = common::find_file(legacy.path(), "spice_chain.jsonl");
    common::edit_lines(&chain, |l| forge_process_name(&mut l[4], "Forged"));
    let out = tempfile::tempdir().unwrap();
    let new = out.path().join("native");
    let err = common::iss_cmd()
        .arg("migrate")
        .arg(legacy.path())
        .arg(&new)
        .assert()
        .code(1)
        .get_output()
        .stderr
        .clone();
    let err = String::from_utf8(err).unwrap();
    assert!(
        err.contains("HASH_MISMATCH") && err.contains("spice_chain:5"),
        "{err}"
    );
    assert!(
        !new.exists(),
        "no native ledger is created from a tampered one"
    );
}
