//! Invariant: `iss report maturity` counts only verified descriptors, says
//! which it excluded and why, and exits 1 when the ledger did not verify.

mod common;

use assert_cmd::Command;
use common::{edit_lines, generated_ledger, iss_json, shared_fixture};
use serde_json::Value;
use std::path::Path;

const CHAIN: &str = "data/spice_layer/spice_chain.jsonl";

fn report(path: &Path, code: i32) -> Value {
    iss_json(&["report", "maturity", "--json"], path, code)
}

#[test]
fn genuine_ledger_counts_every_descriptor() {
    let dir = generated_ledger(21);
    let v = report(dir.path(), 0);
    assert_eq!(v["verification"]["status"], "clean");
    let records = &v["maturity"]["scope"]["records"];
    assert_eq!(
        (
            records["read"].as_u64(),
            records["verified"].as_u64(),
            records["excluded"].as_u64()
        ),
        (Some(40), Some(40), Some(0))
    );
    let levels: u64 = v["maturity"]["distribution"]["levels"]
        .as_array()
        .unwrap()
        .iter()
        .map(|l| l["count"].as_u64().unwrap())
        .sum();
    assert_eq!(levels, 40);
}

#[test]
fn tampered_descriptor_is_excluded_and_named() {
    let dir = generated_ledger(21);
    edit_lines(&dir.path().join(CHAIN), |l| {
        common::forge_process_name(&mut l[4], "Forged");
    });
    let v = report(dir.path(), 1);
    let scope = &v["maturity"]["scope"];
    assert_eq!(scope["records"]["verified"], 39);
    assert_eq!(scope["records"]["excluded"], 1);
    let first = &scope["exclusions"]["first"][0];
    assert_eq!(first["line"], 5);
    assert_eq!(first["reason"], "HASH_MISMATCH at line 5");
    let processes: Vec<&str> = v["maturity"]["processes"]["items"]
        .as_array()
        .unwrap()
        .iter()
        .map(|p| p["process"].as_str().unwrap())
        .collect();
    assert!(
        !processes.contains(&"Forged"),
        "the forged record is not counted: {processes:?}"
    );
}

#[test]
fn report_says_which_fields_the_legacy_hash_does_not_protect() {
    // The legacy hash cannot see a changed level, so a clean ledger's
    // figures rest on unprotected fields: the report must say so.
    let dir = generated_ledger(21);
    let v = report(dir.path(), 0);
    let unprotected = v["maturity"]["scope"]["field_protection"]["unprotected"]
        .as_array()
        .unwrap();
    assert!(unprotected.iter().any(|f| f == "capability_level"));
}

#[test]
fn records_implicated_by_the_manifest_are_excluded() {
    let dir = generated_ledger(21);
    edit_lines(&dir.path().join(CHAIN), |l| l.swap(9, 10));
    let v = report(dir.path(), 1);
    let exclusions = v["maturity"]["scope"]["exclusions"]["first"]
        .as_array()
        .unwrap();
    let lines: Vec<u64> = exclusions
        .iter()
        .map(|e| e["line"].as_u64().unwrap())
        .collect();
    // Lines 10-12 break the chain; line 10 is also the manifest's first mismatch.
    assert_eq!(lines, vec![10, 11, 12]);
}

#[test]
fn v1_layer_records_are_never_counted_as_verified() {
    let Some(path) = shared_fixture("repo-sample/spice_layer_v1") else {
        return;
    };
    let v = report(&path, 0);
    let records = &v["maturity"]["scope"]["records"];
    assert_eq!(records["verified"], 0);
    assert_eq!(records["excluded"], 26);
    assert!(
        v["maturity"]["scope"]["exclusions"]["first"][0]["reason"]
            .as_str()
            .unwrap()
            .starts_with("UNCHAINED")
    );
}

#[test]
fn markdown_is_the_default() {
    let dir = generated_ledger(21);
    let out = Command::cargo_bin("iss")
        .unwrap()
        .args(["report", "maturity"])
        .arg(dir.path())
        .assert()
        .code(0)
        .get_output()
        .stdout
        .clone();
    let text = String::from_utf8(out).unwrap();
    assert!(
        text.starts_with("# Process maturity report"),
        "{}",
        &text[..80]
    );
}
