//! Invariant: `iss refs` resolves identifier references to the descriptor
//! or pulse they name, calls the rest dangling, and never resolves a name.

mod common;

use common::{Genuine, edit_lines, field, read_lines};
use serde_json::Value;

#[test]
fn references_resolve_to_descriptors_and_pulses_or_dangle() {
    let dir = tempfile::tempdir().unwrap();
    Genuine::Generated(71).materialise(dir.path());
    let chain = dir.path().join("data/spice_layer/spice_chain.jsonl");
    let pulses = read_lines(&dir.path().join("logs/forensic_logs/glyph_chain.jsonl"));
    let lines = read_lines(&chain);
    let target_id = field(&lines[2], "descriptor_id");
    let pulse_prefix = field(&pulses[10], "glyph_hash")[..12].to_owned();
    // a-posteriori refs are not covered by the legacy hash: the ledger still verifies.
    edit_lines(&chain, |l| {
        l[20] = l[20].replacen(
            "\"aposteriori_refs\":[",
            &format!(
                "\"aposteriori_refs\":[\"{target_id}\",\"{pulse_prefix}\",\"deadbeefdeadbeef\","
            ),
            1,
        );
    });
    let out = common::iss_cmd()
        .args(["refs", "--json"])
        .arg(dir.path())
        .assert()
        .code(0)
        .get_output()
        .stdout
        .clone();
    let v: Value = serde_json::from_slice(&out).unwrap();
    let target = |r: &str| {
        v["references"]
            .as_array()
            .unwrap()
            .iter()
            .find(|x| x["reference"] == r)
            .unwrap()["target"]
            .clone()
    };
    assert_eq!(
        target(&target_id),
        serde_json::json!({"kind": "descriptor", "line": 3})
    );
    assert_eq!(
        target(&pulse_prefix),
        serde_json::json!({"kind": "pulse", "line": 11})
    );
    assert_eq!(
        target("deadbeefdeadbeef"),
        serde_json::json!({"kind": "dangling"})
    );
    assert_eq!(v["dangling"], 1);
    assert!(v["named"].as_u64().unwrap() > 0);
    assert!(
        v["references"]
            .as_array()
            .unwrap()
            .iter()
            .filter(|r| r["target"]["kind"] == "named")
            .all(|r| r["reference"].as_str().unwrap().contains(':'))
    );
}
