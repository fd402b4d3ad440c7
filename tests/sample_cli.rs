//! Invariant: `iss sample` is deterministic, never overwrites a ledger by
//! accident, and the sample shipped in `data/` is exactly what it writes.

mod common;

use assert_cmd::Command;
use std::fs;
use std::path::Path;

fn iss() -> Command {
    common::iss_cmd()
}

fn files(root: &Path) -> Vec<(String, Vec<u8>)> {
    [
        "data/spice_layer/spice_chain.jsonl",
        "data/spice_layer/integrity_manifest.jsonl",
        "data/spice_layer/constitutional_log.jsonl",
        "logs/forensic_logs/glyph_chain.jsonl",
        "logs/forensic_logs/forensic_audit.log",
    ]
    .iter()
    .map(|f| ((*f).to_owned(), fs::read(root.join(f)).unwrap()))
    .collect()
}

#[test]
fn shipped_sample_is_reproduced_byte_for_byte() {
    let dir = tempfile::tempdir().unwrap();
    let out = dir.path().join("ledger");
    // The README's regenerating command, minus --force (the folder is new).
    iss()
        .args(["sample", "--descriptors", "40", "--seed", "1"])
        .arg(&out)
        .assert()
        .code(0);
    let shipped = Path::new(env!("CARGO_MANIFEST_DIR")).join("data/sample-ledger");
    assert_eq!(files(&out), files(&shipped));
}

#[test]
fn refuses_to_overwrite_without_force() {
    let dir = tempfile::tempdir().unwrap();
    iss()
        .args(["sample", "--descriptors", "3"])
        .arg(dir.path())
        .assert()
        .code(0);
    let before = files(dir.path());
    let out = iss()
        .args(["sample", "--descriptors", "5", "--seed", "9"])
        .arg(dir.path())
        .assert()
        .code(2)
        .get_output()
        .clone();
    assert!(
        String::from_utf8(out.stderr)
            .unwrap()
            .contains("refusing to overwrite")
    );
    assert_eq!(files(dir.path()), before, "nothing was touched");
    iss()
        .args(["sample", "--descriptors", "5", "--force", "--json"])
        .arg(dir.path())
        .assert()
        .code(0);
    assert_ne!(files(dir.path()), before);
}

#[test]
fn json_summary_counts_what_was_written() {
    let dir = tempfile::tempdir().unwrap();
    let out = iss()
        .args(["sample", "--descriptors", "7", "--restarts", "2", "--json"])
        .arg(dir.path())
        .assert()
        .code(0)
        .get_output()
        .stdout
        .clone();
    let v: serde_json::Value = serde_json::from_slice(&out).unwrap();
    assert_eq!(v["descriptors"], 7);
    assert_eq!(v["manifest_lines"], 9);
    assert_eq!(v["constitutional_lines"], 2);
    assert_eq!(v["pulses"], 28);
    iss().args(["verify"]).arg(dir.path()).assert().code(0);
}
