//! The index reads each record from the file on demand, and refuses bytes
//! that are not the ones verified.

use super::Descriptors;
use crate::ledger::legacy::write::sample::{SampleSpec, write_sample_ledger};
use crate::ledger::verify::{VerifyOptions, verify_path};

#[test]
fn records_are_read_on_demand_and_changed_bytes_are_refused() {
    let tmp = tempfile::tempdir().unwrap();
    let root = tmp.path().join("ledger");
    write_sample_ledger(&root, &SampleSpec::default()).unwrap();
    let report = verify_path(&root, &VerifyOptions::default()).unwrap();
    let d = Descriptors::load(&report).unwrap();
    let chain = root.join("data/spice_layer/spice_chain.jsonl");
    let text = std::fs::read_to_string(&chain).unwrap();
    let lines: Vec<&str> = text.lines().collect();
    assert_eq!(d.records.len(), lines.len());
    for (stored, line) in d.records.iter().zip(&lines) {
        assert_eq!(d.text(stored).unwrap(), *line);
    }
    let id: serde_json::Value = serde_json::from_str(lines[7]).unwrap();
    let id = id["descriptor_id"].as_str().unwrap();
    let rec = d.by_id(id).unwrap();
    assert_eq!(rec.line, 8);
    // The same length, other bytes: an error naming the line, never them.
    let mut bytes = text.clone().into_bytes();
    let at = text.find(lines[7]).unwrap();
    bytes[at + 2] ^= 0x20;
    std::fs::write(&chain, &bytes).unwrap();
    let err = d.text(rec).unwrap_err().to_string();
    assert!(
        err.contains("line 8") && err.contains("changed since it was verified"),
        "{err}"
    );
}
