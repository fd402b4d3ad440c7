//! The descriptor the unit tests of appending write: one builder, so the
//! tests differ only in what they are about.

use super::NewDescriptor;

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
