//! The legacy service's response shapes (its pydantic models), field for
//! field.

use serde::Serialize;
use std::collections::BTreeMap;

/// Now, UTC ISO 8601 with `Z` and microseconds, as the legacy answers it.
pub fn now_iso() -> String {
    iso_z(now_micros())
}

/// The system clock, Unix microseconds.
pub fn now_micros() -> i64 {
    std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .map_or(0, |d| i64::try_from(d.as_micros()).unwrap_or(i64::MAX))
}

/// Unix microseconds as UTC ISO 8601 with `Z`.
pub fn iso_z(micros: i64) -> String {
    let text = crate::ledger::legacy::writer::iso_from_micros(micros);
    match text.strip_suffix("+00:00") {
        Some(t) => format!("{t}Z"),
        None => text,
    }
}

/// `GET /health`.
#[derive(Debug, Serialize)]
pub struct HealthResponse {
    /// `healthy`.
    pub status: &'static str,
    /// `CLEAN`, `VIOLATED` or `EMPTY`: the time chain.
    pub forensic_chain_integrity: &'static str,
    /// `VERIFIED` or `FAILED`: the SPICE layer.
    pub spice_layer_integrity: &'static str,
    /// `NONE`.
    pub vault_contamination: &'static str,
    /// `VERIFIED`.
    pub constitutional_compliance: &'static str,
    /// When answered.
    pub timestamp: String,
}

/// `GET /audit/verify/integrity`.
#[derive(Debug, Serialize)]
pub struct IntegrityResponse {
    /// `CLEAN`, `VIOLATED` or `EMPTY`.
    pub forensic_chain: &'static str,
    /// `VERIFIED` or `FAILED`.
    pub spice_layer: &'static str,
    /// `NONE`.
    pub vault_contamination: &'static str,
    /// `VERIFIED`.
    pub constitutional_compliance: &'static str,
    /// When the verdict was last established.
    pub last_verified: String,
}

/// `POST /spice/descriptor`.
#[derive(Debug, Serialize)]
pub struct DescriptorResponse {
    /// The new record's id.
    pub descriptor_id: String,
    /// When it was appended.
    pub created_at: String,
    /// `VERIFIED`: the record was verified before and after its write.
    pub constitutional_binding: &'static str,
}

/// `GET /spice/capability/report`.
#[derive(Debug, Serialize)]
pub struct CapabilityReport {
    /// Verified descriptors.
    pub total_processes: u64,
    /// Per level `"0"`..`"5"`.
    pub capability_distribution: BTreeMap<String, u64>,
    /// Per level, percent of the total.
    pub percentages: BTreeMap<String, f64>,
    /// Mean level.
    pub average_capability: f64,
    /// Process names, first seen first.
    pub process_types: Vec<String>,
    /// When computed.
    pub computed_at: String,
    /// The head of the descriptor chain.
    pub chain_hash: String,
}

/// `GET /audit/trail/{id}`: the five keys of the legacy response model.
#[derive(Debug, Serialize)]
pub struct AuditTrailResponse {
    /// Process, version, outcome, glyph range and count.
    pub what_happened: serde_json::Value,
    /// Constraints and evidence.
    pub why_it_happened: serde_json::Value,
    /// Level, method, assessor, time, score.
    pub how_it_happened: serde_json::Value,
    /// References and notes.
    pub what_was_learned: serde_json::Value,
    /// Where the evidence is (the legacy answered none and failed its own model).
    pub vault_pointers: BTreeMap<String, String>,
}

/// `GET /vault/status`.
#[derive(Debug, Serialize)]
pub struct VaultStatus {
    /// `READ_ONLY_ACCESS`.
    pub apriori_vault: &'static str,
    /// `READ_ONLY_ACCESS`.
    pub aposteriori_vault: &'static str,
    /// `READ_ONLY_ACCESS`.
    pub trace_vault: &'static str,
    /// `NONE`.
    pub contamination_status: &'static str,
    /// When answered.
    pub last_checked: String,
}
