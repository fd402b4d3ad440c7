//! What the unit tests of appending (and of repairing) start from: one
//! descriptor builder and one sample ledger, so the tests differ only in
//! what they are about.

use super::NewDescriptor;
use crate::ledger::legacy::write::sample::{SampleSpec, write_sample_ledger};
use std::path::PathBuf;

/// A legacy sample ledger in a temporary folder, with its chain and its
/// manifest.
pub(crate) struct Sample {
    pub(crate) _tmp: tempfile::TempDir,
    pub(crate) root: PathBuf,
    pub(crate) chain: PathBuf,
    pub(crate) manifest: PathBuf,
}

/// Write a default sample ledger into a new temporary folder.
pub(crate) fn sample() -> Sample {
    let tmp = tempfile::tempdir().unwrap();
    let root = tmp.path().join("ledger");
    write_sample_ledger(&root, &SampleSpec::default()).unwrap();
    let d = root.join("data/spice_layer");
    Sample {
        _tmp: tmp,
        chain: d.join("spice_chain.jsonl"),
        manifest: d.join("integrity_manifest.jsonl"),
        root,
    }
}

/// A compliant level-2 descriptor named `name`, assessed by `assessed_by`.
pub(crate) fn test_descriptor(name: &str, assessed_by: &str) -> NewDescriptor {
    serde_json::from_value(serde_json::json!({
        "process_name": name,
        "process_version": "1.0",
        "capability_level": 2,
        "process_outcome": "compliant",
        "compliance_score": 0.8,
        "assessed_by": assessed_by,
        "assessment_method": "test",
    }))
    .unwrap()
}
