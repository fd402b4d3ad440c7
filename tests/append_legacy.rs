//! Invariant: `iss append descriptor` writes only onto a ledger that
//! verifies, only records that verify, byte-compatible with the legacy
//! service, and acknowledges nothing it did not durably write.

mod common;

use assert_cmd::Command;
use common::{edit_lines, field, generated_ledger, read_lines};
use iss_workstation::ledger::hash::{hex_str, sha256_hex};
use std::fs;
use std::path::Path;

const CHAIN: &str = "data/spice_layer/spice_chain.jsonl";
const MANIFEST: &str = "data/spice_layer/integrity_manifest.jsonl";

const INPUT: &str = r#"{"process_name":"Order_Fulfilment","process_version":"1.1.0","capability_level":3,"process_outcome":"compliant","compliance_score":0.9,"evidence_required":["execution_log"],"evidence_provided":["execution_log"],"assessed_by":"auditor.jane","assessment_method":"document_review","advisory_notes":"Prüfung — ok"}"#;

/// `iss`, with a fixed clock (never the machine's) for the commands that
/// record the time.
fn iss() -> Command {
    common::iss_cmd()
}

fn append(root: &Path, input: &str) -> assert_cmd::assert::Assert {
    iss()
        .args(["append", "descriptor", "--json"])
        .arg(root)
        .write_stdin(input)
        .assert()
}

fn snapshot(root: &Path) -> Vec<Vec<u8>> {
    [CHAIN, MANIFEST]
        .iter()
        .map(|f| fs::read(root.join(f)).unwrap())
        .collect()
}

#[test]
fn appended_descriptor_follows_the_legacy_formulas() {
    let dir = generated_ledger(31);
    let out = append(dir.path(), INPUT)
        .code(0)
        .get_output()
        .stdout
        .clone();
    let ack: serde_json::Value = serde_json::from_slice(&out).unwrap();
    assert_eq!(ack["seq"], 41);
    assert_eq!(ack["line"], 41);
    iss().arg("verify").arg(dir.path()).assert().code(0);

    // Recompute what the legacy service would, independently of the writer.
    let lines = read_lines(&dir.path().join(CHAIN));
    let (last, before) = (&lines[40], &lines[39]);
    let expected = sha256_hex(&[
        field(last, "descriptor_id").as_bytes(),
        b":",
        field(last, "process_name").as_bytes(),
        b":",
        field(last, "assessed_at").as_bytes(),
        b":",
        field(before, "descriptor_hash").as_bytes(),
    ]);
    assert_eq!(field(last, "descriptor_hash"), hex_str(&expected));
    assert_eq!(
        field(last, "prev_descriptor_hash"),
        field(before, "descriptor_hash")
    );
    assert!(
        last.contains(r#""advisory_notes":"Pr\u00fcfung \u2014 ok""#),
        "non-ASCII as \\u escapes: {last}"
    );
    let concatenated: String = lines.iter().map(|l| field(l, "descriptor_hash")).collect();
    let manifest = read_lines(&dir.path().join(MANIFEST));
    let m = manifest.last().unwrap();
    assert_eq!(
        field(m, "chain_hash"),
        hex_str(&sha256_hex(&[concatenated.as_bytes()]))
    );
    assert!(m.contains(r#""descriptor_count":41"#));
    assert_eq!(ack["manifest_line"], manifest.len());
}

#[test]
fn tampered_ledger_is_refused_and_left_untouched() {
    let dir = generated_ledger(31);
    edit_lines(&dir.path().join(CHAIN), |l| {
        common::forge_process_name(&mut l[3], "X");
    });
    let before = snapshot(dir.path());
    let err = append(dir.path(), INPUT)
        .code(1)
        .get_output()
        .stderr
        .clone();
    let err = String::from_utf8(err).unwrap();
    assert!(
        err.contains("refusing to append") && err.contains("HASH_MISMATCH"),
        "{err}"
    );
    assert_eq!(snapshot(dir.path()), before);
}

#[test]
fn invalid_records_are_refused_and_nothing_is_written() {
    let dir = generated_ledger(31);
    let before = snapshot(dir.path());
    let bad_level = INPUT.replace(r#""capability_level":3"#, r#""capability_level":7"#);
    let err = append(dir.path(), &bad_level)
        .code(2)
        .get_output()
        .stderr
        .clone();
    assert!(String::from_utf8(err).unwrap().contains("capability_level"));
    let lines = read_lines(&dir.path().join(CHAIN));
    let reused = INPUT.replacen(
        '{',
        &format!(
            r#"{{"descriptor_id":"{}","#,
            field(&lines[5], "descriptor_id")
        ),
        1,
    );
    let err = append(dir.path(), &reused)
        .code(2)
        .get_output()
        .stderr
        .clone();
    assert!(String::from_utf8(err).unwrap().contains("DUPLICATE_ID"));
    let err = append(dir.path(), r#"{"process_name": 1}"#)
        .code(2)
        .get_output()
        .stderr
        .clone();
    assert!(!err.is_empty());
    assert_eq!(snapshot(dir.path()), before);
}

#[test]
fn torn_tail_blocks_appends_until_repaired() {
    let dir = generated_ledger(31);
    let chain = dir.path().join(CHAIN);
    let mut bytes = fs::read(&chain).unwrap();
    bytes.extend_from_slice(br#"{"descriptor_id":"dead"#);
    fs::write(&chain, &bytes).unwrap();
    let err = append(dir.path(), INPUT)
        .code(2)
        .get_output()
        .stderr
        .clone();
    assert!(String::from_utf8(err).unwrap().contains("iss repair"));

    let out = iss()
        .args(["repair", "--json"])
        .arg(dir.path())
        .assert()
        .code(0)
        .get_output()
        .stdout
        .clone();
    let text = String::from_utf8(out).unwrap();
    let report: serde_json::Value = serde_json::from_str(text.lines().last().unwrap()).unwrap();
    let backup = report["repaired"][0]["backup"].as_str().unwrap();
    assert_eq!(fs::read(backup).unwrap(), br#"{"descriptor_id":"dead"#);
    iss().arg("verify").arg(dir.path()).assert().code(0);
    append(dir.path(), INPUT).code(0);
    iss().arg("verify").arg(dir.path()).assert().code(0);
}

#[test]
fn concurrent_appenders_make_one_valid_chain() {
    let dir = generated_ledger(31);
    let root = dir.path().to_path_buf();
    let handles: Vec<_> = (0..2)
        .map(|w| {
            let root = root.clone();
            std::thread::spawn(move || {
                for i in 0..10 {
                    let input = INPUT.replace("1.1.0", &format!("{w}.{i}.0"));
                    append(&root, &input).code(0);
                }
            })
        })
        .collect();
    for h in handles {
        h.join().unwrap();
    }
    assert_eq!(read_lines(&dir.path().join(CHAIN)).len(), 60);
    iss().arg("verify").arg(dir.path()).assert().code(0);
}

#[test]
fn a_batch_is_all_or_nothing_and_one_write() {
    let dir = generated_ledger(32);
    let batch: String = (0..5)
        .map(|i| INPUT.replace("1.1.0", &format!("3.{i}.0")) + "\n")
        .collect();
    let out = iss()
        .args(["append", "descriptor", "--batch", "--json"])
        .arg(dir.path())
        .write_stdin(batch.clone())
        .assert()
        .code(0)
        .get_output()
        .stdout
        .clone();
    let acks: Vec<serde_json::Value> = String::from_utf8(out)
        .unwrap()
        .lines()
        .map(|l| serde_json::from_str(l).unwrap())
        .collect();
    let seqs: Vec<u64> = acks.iter().map(|a| a["seq"].as_u64().unwrap()).collect();
    assert_eq!(seqs, [41, 42, 43, 44, 45]);
    iss().arg("verify").arg(dir.path()).assert().code(0);

    // One bad record in a batch refuses the whole batch.
    let before = snapshot(dir.path());
    let bad = batch.replacen(r#""capability_level":3"#, r#""capability_level":9"#, 1);
    iss()
        .args(["append", "descriptor", "--batch"])
        .arg(dir.path())
        .write_stdin(bad)
        .assert()
        .code(2);
    let broken = format!("{batch}not json\n");
    let err = iss()
        .args(["append", "descriptor", "--batch"])
        .arg(dir.path())
        .write_stdin(broken)
        .assert()
        .code(2)
        .get_output()
        .stderr
        .clone();
    assert!(String::from_utf8(err).unwrap().contains("input line 6"));
    assert_eq!(snapshot(dir.path()), before);
}
