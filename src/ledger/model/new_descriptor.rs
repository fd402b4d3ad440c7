//! The descriptor a user or a script enters (JSON), and how what it leaves
//! out is completed (id and time, derived the way the legacy service does).
//! Both formats take the same input and complete it the same way: the
//! legacy line builder writes the result as a `spice_chain.jsonl` line, the
//! native writer as a record body.

use crate::ledger::hash;
use crate::ledger::py_float::write_py_float;
use crate::time::civil::iso_from_micros;
use serde::Deserialize;

/// A descriptor to append, as a user or a script supplies it (JSON). The
/// fields are the legacy ones; those the service computes may be left out.
#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
#[allow(missing_docs)] // the field names are the legacy format's own
pub struct NewDescriptor {
    /// Left out: derived like the service does, from name, version and time.
    #[serde(default)]
    pub descriptor_id: Option<String>,
    pub process_name: String,
    pub process_version: String,
    pub capability_level: u8,
    pub process_outcome: String,
    pub compliance_score: f64,
    #[serde(default)]
    pub apriori_refs: Vec<String>,
    #[serde(default)]
    pub aposteriori_refs: Vec<String>,
    #[serde(default)]
    pub glyph_range_start: String,
    #[serde(default)]
    pub glyph_range_end: String,
    #[serde(default)]
    pub glyph_count: u32,
    #[serde(default)]
    pub evidence_required: Vec<String>,
    #[serde(default)]
    pub evidence_provided: Vec<String>,
    pub assessed_by: String,
    /// Left out: the time of the append.
    #[serde(default)]
    pub assessed_at: Option<String>,
    pub assessment_method: String,
    #[serde(default)]
    pub active_constraints: Vec<String>,
    #[serde(default)]
    pub advisory_notes: Option<String>,
    /// ISO/IEC 33020 attribute ratings (`{"PA1.1":"F",...}`): native ledgers
    /// only; the legacy format has no place for them.
    #[serde(default)]
    pub attribute_ratings: Option<std::collections::BTreeMap<String, String>>,
}

/// The content of one SPICE descriptor, everything but the two hash fields:
/// what both formats write (the legacy line builder and a native body).
#[derive(Debug, Clone, PartialEq)]
pub struct CompleteDescriptor {
    /// 16 hex characters, see [`descriptor_id`].
    pub descriptor_id: String,
    /// Process name, e.g. `Order_Fulfilment`.
    pub process_name: String,
    /// Process version, e.g. `1.0.0`.
    pub process_version: String,
    /// Claimed capability level, 0..=5 (written as given).
    pub capability_level: u8,
    /// `compliant`, `non_compliant`, `partial` or `not_assessed`.
    pub process_outcome: String,
    /// Score in 0..1, written as Python's `repr(float)`.
    pub compliance_score: f64,
    /// A-priori references, e.g. `apriori:deterministic_replay`.
    pub apriori_refs: Vec<String>,
    /// A-posteriori references, e.g. `aposteriori:job_success_rate`.
    pub aposteriori_refs: Vec<String>,
    /// `glyph_hash` of the first pulse before this descriptor.
    pub glyph_range_start: String,
    /// `glyph_hash` of the last pulse before this descriptor.
    pub glyph_range_end: String,
    /// Number of pulses the range spans.
    pub glyph_count: u32,
    /// Evidence items the process requires.
    pub evidence_required: Vec<String>,
    /// Evidence items actually provided.
    pub evidence_provided: Vec<String>,
    /// Assessor, e.g. `auditor.jane`.
    pub assessed_by: String,
    /// ISO 8601 timestamp with offset, as Python's `isoformat()` writes it.
    pub assessed_at: String,
    /// Method, e.g. `document_review`.
    pub assessment_method: String,
    /// Active constraints, e.g. `immutable_memory`.
    pub active_constraints: Vec<String>,
    /// Free text, or `None` for JSON `null`.
    pub advisory_notes: Option<String>,
}

/// A descriptor's `descriptor_id` as the service derives it: the first 16
/// hex characters of `h(process_name:process_version:unix_time)`, with the
/// time as Python's `str(float)`.
pub fn descriptor_id(process_name: &str, process_version: &str, unix_time: f64) -> String {
    let mut input = format!("{process_name}:{process_version}:");
    write_py_float(&mut input, unix_time);
    let digest = hash::sha256_hex(&[input.as_bytes()]);
    hash::hex_str(&digest)[..16].to_owned()
}

/// Fill in what the service computes (id, time) the way it does.
pub fn complete(input: NewDescriptor, now_micros: i64) -> CompleteDescriptor {
    let now_iso = iso_from_micros(now_micros);
    // The service derives the id from name, version and its clock as a float.
    let id = input.descriptor_id.unwrap_or_else(|| {
        descriptor_id(
            &input.process_name,
            &input.process_version,
            now_micros as f64 / 1e6,
        )
    });
    CompleteDescriptor {
        descriptor_id: id,
        process_name: input.process_name,
        process_version: input.process_version,
        capability_level: input.capability_level,
        process_outcome: input.process_outcome,
        compliance_score: input.compliance_score,
        apriori_refs: input.apriori_refs,
        aposteriori_refs: input.aposteriori_refs,
        glyph_range_start: input.glyph_range_start,
        glyph_range_end: input.glyph_range_end,
        glyph_count: input.glyph_count,
        evidence_required: input.evidence_required,
        evidence_provided: input.evidence_provided,
        assessed_by: input.assessed_by,
        assessed_at: input.assessed_at.unwrap_or(now_iso),
        assessment_method: input.assessment_method,
        active_constraints: input.active_constraints,
        advisory_notes: input.advisory_notes,
    }
}
