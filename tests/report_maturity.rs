//! Invariant: `iss report maturity` counts only verified descriptors, says
//! which it excluded and why, and exits 1 when the ledger did not verify.

mod common;

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
    // One pass: the report was built from verification's own read.
    assert_eq!(v["verification"]["chain_reads"], 1);
}

#[test]
fn one_pass_gives_the_same_report_as_reading_the_chain_again() {
    use iss_workstation::analysis::records::{Exclusions, descriptor_file, maturity_report};
    use iss_workstation::ledger::verify::{DESCRIPTOR_FILES, VerifyOptions, verify_path};
    let dir = generated_ledger(22);
    let one_pass = report(dir.path(), 0);
    let options = VerifyOptions::only(&DESCRIPTOR_FILES);
    let verification = verify_path(dir.path(), &options).unwrap();
    let file = descriptor_file(&verification).unwrap();
    let ex = Exclusions::from_report(&verification, file.name());
    let two_pass = maturity_report(file, &ex, options.max_line).unwrap();
    // Compared as the JSON text both print (numbers as written).
    let two_pass: serde_json::Value =
        serde_json::from_str(&serde_json::to_string(&two_pass).unwrap()).unwrap();
    assert!(
        one_pass["maturity"] == two_pass,
        "the one-pass report differs"
    );
    // And on a native ledger (the same data migrated).
    let out = tempfile::tempdir().unwrap();
    let native = out.path().join("native");
    common::iss_stdout(&["migrate"], dir.path(), &[native.to_str().unwrap()], 0);
    let v = report(&native, 0);
    assert_eq!(v["verification"]["chain_reads"], 1);
    assert_eq!(
        v["maturity"]["distribution"],
        one_pass["maturity"]["distribution"]
    );
}

#[test]
fn tampered_descriptor_is_excluded_and_named() {
    let dir = generated_ledger(21);
    edit_lines(&dir.path().join(CHAIN), |l| {
        common::forge_process_name(&mut l[4], "Forged");
    });
    let v = report(dir.path(), 1);
    // Records are excluded: the report is built again with them left out.
    assert_eq!(v["verification"]["chain_reads"], 2);
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
    let out = common::iss_cmd()
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
