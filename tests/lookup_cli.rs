//! Invariant: `iss show` and `iss find` return the records as stored, with
//! their verdict, and find exactly the records a direct scan finds.

mod common;

use common::{edit_lines, field, generated_ledger, iss_json, read_lines};
use serde_json::Value;
use std::path::Path;

const CHAIN: &str = "data/spice_layer/spice_chain.jsonl";

/// `iss show --json PATH ID`: the document, and its text.
fn show(path: &Path, id: &str, code: i32) -> (Value, String) {
    let text = common::iss_stdout(&["show", "--json"], path, &[id], code);
    (
        serde_json::from_str(&text).expect("one JSON document"),
        text,
    )
}

#[test]
fn find_by_process_matches_a_direct_scan() {
    let dir = generated_ledger(41);
    let lines = read_lines(&dir.path().join(CHAIN));
    let process = field(&lines[0], "process_name");
    let expected: Vec<u64> = lines
        .iter()
        .enumerate()
        .filter(|(_, l)| field(l, "process_name") == process)
        .map(|(i, _)| i as u64 + 1)
        .collect();
    let v = iss_json(
        &["find", "--json", "--process", &process, "--limit", "0"],
        dir.path(),
        0,
    );
    let got: Vec<u64> = v["matches"]
        .as_array()
        .unwrap()
        .iter()
        .map(|m| m["line"].as_u64().unwrap())
        .collect();
    assert_eq!(got, expected);
    assert_eq!(v["total"], expected.len());
}

#[test]
fn find_by_glyph_and_by_apriori_ref() {
    let dir = generated_ledger(41);
    let lines = read_lines(&dir.path().join(CHAIN));
    let glyph = field(&lines[7], "glyph_range_end");
    let v = iss_json(&["find", "--json", "--glyph", &glyph], dir.path(), 0);
    assert_eq!(v["total"], 1);
    assert_eq!(v["matches"][0]["line"], 8);
    let refs: Vec<(usize, Vec<String>)> = lines
        .iter()
        .enumerate()
        .map(|(i, l)| {
            let r: Value = serde_json::from_str(l).unwrap();
            (
                i,
                r["apriori_refs"]
                    .as_array()
                    .unwrap()
                    .iter()
                    .map(|x| x.as_str().unwrap().to_owned())
                    .collect(),
            )
        })
        .collect();
    let some_ref = refs
        .iter()
        .find_map(|(_, r)| r.first().cloned())
        .expect("a ref");
    let expected = refs.iter().filter(|(_, r)| r.contains(&some_ref)).count();
    let v = iss_json(
        &["find", "--json", "--apriori", &some_ref, "--limit", "0"],
        dir.path(),
        0,
    );
    assert_eq!(v["total"], expected);
}

#[test]
fn show_returns_the_stored_bytes_and_the_verdict() {
    let dir = generated_ledger(41);
    let lines = read_lines(&dir.path().join(CHAIN));
    let id = field(&lines[12], "descriptor_id");
    let (v, text) = show(dir.path(), &id[..8], 0);
    assert_eq!(v["match"]["line"], 13);
    assert_eq!(v["match"]["status"], "verified");
    assert!(
        text.contains(&format!("\"record\": {}", lines[12])),
        "the record, byte for byte as stored:\n{text}"
    );
}

#[test]
fn show_a_tampered_record_names_the_finding() {
    let dir = generated_ledger(41);
    edit_lines(&dir.path().join(CHAIN), |l| {
        let at = field(&l[12], "assessed_at");
        l[12] = l[12].replace(&at, &at.replace("09:00", "08:00"));
    });
    let id = field(&read_lines(&dir.path().join(CHAIN))[12], "descriptor_id");
    let (v, _) = show(dir.path(), &id, 1);
    assert_eq!(v["match"]["status"], "excluded");
    let kinds: Vec<&str> = v["findings"]
        .as_array()
        .unwrap()
        .iter()
        .map(|f| f["finding"]["kind"].as_str().unwrap())
        .collect();
    assert!(kinds.contains(&"HASH_MISMATCH"), "{kinds:?}");
}

#[test]
fn unknown_or_ambiguous_ids_are_errors() {
    let dir = generated_ledger(41);
    common::iss_cmd()
        .args(["show"])
        .arg(dir.path())
        .arg("zzzz")
        .assert()
        .code(2);
    common::iss_cmd()
        .args(["show"])
        .arg(dir.path())
        .arg("")
        .assert()
        .code(2);
    let bad = common::iss_cmd()
        .args(["find", "--since", "yesterday"])
        .arg(dir.path())
        .assert()
        .code(2)
        .get_output()
        .stderr
        .clone();
    assert!(
        String::from_utf8(bad)
            .unwrap()
            .contains("not an ISO 8601 time")
    );
}
