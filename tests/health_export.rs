//! Invariant: `iss health` reports every file with its verdict and last
//! record time; `iss export` fingerprints exactly the files examined and
//! never overwrites an earlier bundle.

mod common;

use common::{edit_lines, field, generated_ledger, read_lines};
use iss_workstation::ledger::hash::{hex_str, sha256_hex};
use serde_json::Value;
use std::fs;

#[test]
fn health_lists_each_file_with_its_last_record_time() {
    let dir = generated_ledger(51);
    let v = common::iss_json(&["health", "--json"], dir.path(), 0);
    let files = v["files"].as_array().unwrap();
    assert_eq!(files.len(), 5);
    let chain = &files[0];
    let lines = read_lines(&dir.path().join("data/spice_layer/spice_chain.jsonl"));
    assert_eq!(
        chain["last_record_time"],
        field(lines.last().unwrap(), "assessed_at")
    );
    assert_eq!(chain["records"], 40);
    assert_eq!(chain["mode_allows_writes"], true);
}

#[test]
fn export_fingerprints_the_examined_files_and_refuses_to_overwrite() {
    let dir = generated_ledger(51);
    edit_lines(
        &dir.path().join("data/spice_layer/spice_chain.jsonl"),
        |l| {
            common::forge_process_name(&mut l[2], "Y");
        },
    );
    let out_dir = tempfile::tempdir().unwrap();
    let json = out_dir.path().join("bundle.json");
    // The ledger is violated: the bundle is written all the same, exit 1.
    common::iss_cmd()
        .args(["export", "--out"])
        .arg(&json)
        .arg(dir.path())
        .assert()
        .code(1);
    let v: Value = serde_json::from_str(&fs::read_to_string(&json).unwrap()).unwrap();
    assert_eq!(v["schema"], "iss.evidence-bundle/1");
    assert_eq!(v["verification"]["status"], "violated");
    assert_eq!(v["verification"]["tool"]["name"], "iss-workstation");
    for f in v["files"].as_array().unwrap() {
        let bytes = fs::read(f["path"].as_str().unwrap()).unwrap();
        assert_eq!(
            f["sha256"].as_str().unwrap(),
            hex_str(&sha256_hex(&[&bytes]))
        );
        assert_eq!(f["bytes"], bytes.len());
    }
    assert_eq!(v["maturity"]["scope"]["records"]["excluded"], 1);
    let md = fs::read_to_string(out_dir.path().join("bundle.md")).unwrap();
    assert!(
        md.contains("# Evidence bundle")
            && md.contains("HASH_MISMATCH")
            && md.contains("# Process maturity report")
    );

    let before = fs::read(&json).unwrap();
    let err = common::iss_cmd()
        .args(["export", "--out"])
        .arg(&json)
        .arg(dir.path())
        .assert()
        .code(2)
        .get_output()
        .stderr
        .clone();
    assert!(
        String::from_utf8(err)
            .unwrap()
            .contains("refusing to overwrite")
    );
    assert_eq!(fs::read(&json).unwrap(), before);
}
