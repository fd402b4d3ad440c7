//! The legacy service's response shapes (its pydantic models), field for
//! field.

use serde::Serialize;
use std::collections::BTreeMap;
use utoipa::ToSchema;

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
    let text = crate::time::civil::iso_from_micros(micros);
    match text.strip_suffix("+00:00") {
        Some(t) => format!("{t}Z"),
        None => text,
    }
}

/// `GET /health`.
#[derive(Debug, Serialize, ToSchema)]
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
#[derive(Debug, Serialize, ToSchema)]
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
#[derive(Debug, Serialize, ToSchema)]
pub struct DescriptorResponse {
    /// The new record's id.
    pub descriptor_id: String,
    /// When it was appended.
    pub created_at: String,
    /// `VERIFIED`: the record was verified before and after its write.
    pub constitutional_binding: &'static str,
}

/// `GET /spice/capability/report`.
#[derive(Debug, Serialize, ToSchema)]
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
#[derive(Debug, Serialize, ToSchema)]
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
#[derive(Debug, Serialize, ToSchema)]
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

/// `{"detail": "..."}`: an error (401, 403, 404, 503).
#[derive(Debug, Serialize, ToSchema)]
pub struct Detail {
    /// What went wrong.
    pub detail: String,
}

/// One request validation error, `FastAPI`'s shape.
#[derive(Debug, Serialize, ToSchema)]
pub struct ValidationItem {
    /// `missing`, `less_than_equal`, `json_invalid`, ...
    #[serde(rename = "type")]
    pub kind: String,
    /// Where: `["body", FIELD]`, `["query", NAME]`.
    pub loc: Vec<serde_json::Value>,
    /// The message.
    pub msg: String,
    /// The value found.
    pub input: serde_json::Value,
    /// The bound, e.g. `{"le": 1000}`.
    #[serde(skip_serializing_if = "Option::is_none")]
    #[schema(value_type = Option<Object>)]
    pub ctx: Option<serde_json::Value>,
}

/// 422: `{"detail": [item, ...]}`.
#[derive(Debug, Serialize, ToSchema)]
pub struct ValidationErrors {
    /// Every error found.
    pub detail: Vec<ValidationItem>,
}

/// A SPICE descriptor as stored (a legacy line; a native record's body).
/// Answers carry the stored text itself; this type is its schema, built
/// from the model's one list of fields and types
/// ([`crate::ledger::model::descriptor::field_types`]).
pub struct Descriptor;

/// The fields the legacy chain adds to a descriptor; a native record's
/// body has no such fields (its chain is around it).
const CHAIN_FIELDS: [&str; 2] = ["prev_descriptor_hash", "descriptor_hash"];

impl utoipa::PartialSchema for Descriptor {
    fn schema() -> utoipa::openapi::RefOr<utoipa::openapi::schema::Schema> {
        use crate::ledger::model::descriptor::{FieldType, field_types};
        use utoipa::openapi::schema::{
            ArrayBuilder, KnownFormat, ObjectBuilder, SchemaFormat, SchemaType, Type,
        };
        let mut o = ObjectBuilder::new()
            .schema_type(Type::Object)
            .description(Some(
                "A SPICE descriptor as stored (a legacy line; a native record's body).",
            ));
        let int64 = || Some(SchemaFormat::KnownFormat(KnownFormat::Int64));
        let nullable = || SchemaType::from_iter([Type::String, Type::Null]);
        for (name, ty) in field_types() {
            let chain = CHAIN_FIELDS.contains(&name);
            let field: utoipa::openapi::schema::Schema = match ty {
                _ if chain => ObjectBuilder::new()
                    .schema_type(nullable())
                    .description(Some("Legacy records only."))
                    .into(),
                FieldType::String => ObjectBuilder::new().schema_type(Type::String).into(),
                FieldType::Integer => ObjectBuilder::new()
                    .schema_type(Type::Integer)
                    .format(int64())
                    .into(),
                FieldType::Number => ObjectBuilder::new()
                    .schema_type(Type::Number)
                    .format(Some(SchemaFormat::KnownFormat(KnownFormat::Double)))
                    .into(),
                FieldType::StringList => ArrayBuilder::new()
                    .items(ObjectBuilder::new().schema_type(Type::String))
                    .into(),
                FieldType::NullableString => ObjectBuilder::new().schema_type(nullable()).into(),
            };
            o = o.property(name, field);
            if !chain && ty != FieldType::NullableString {
                o = o.required(name);
            }
        }
        utoipa::openapi::RefOr::T(o.into())
    }
}

impl utoipa::ToSchema for Descriptor {
    fn name() -> std::borrow::Cow<'static, str> {
        "Descriptor".into()
    }
}

/// The legacy request model of `POST /spice/descriptor`.
#[derive(Debug, Serialize, ToSchema)]
#[allow(missing_docs)] // the legacy model's own field names
pub struct ProcessData {
    pub process_name: String,
    pub process_version: String,
    #[schema(minimum = 0, maximum = 5)]
    pub capability_level: i64,
    /// `compliant`, `non_compliant`, `partial` or `not_assessed` (any case).
    pub process_outcome: String,
    #[schema(minimum = 0.0, maximum = 1.0)]
    pub compliance_score: f64,
    #[serde(default)]
    pub apriori_refs: Vec<String>,
    #[serde(default)]
    pub aposteriori_refs: Vec<String>,
    pub glyph_range_start: String,
    pub glyph_range_end: String,
    #[schema(exclusive_minimum = 0)]
    pub glyph_count: i64,
    pub evidence_required: Vec<String>,
    pub evidence_provided: Vec<String>,
    pub assessed_by: String,
    pub assessment_method: String,
    pub active_constraints: Vec<String>,
}

/// A pulse object (a legacy glyph chain line's fields).
#[derive(Debug, Serialize, ToSchema)]
#[allow(missing_docs)] // the legacy format's own field names
pub struct Pulse {
    pub tai_ns: i64,
    pub utc_iso: String,
    pub et_s: f64,
    pub utc_unix: f64,
    pub epoch_days: f64,
    pub julian_date: f64,
    pub pulse_id: String,
    pub glyph_hash: String,
    pub chain_hash: String,
    pub source_node: String,
}

/// `GET /time/history`.
#[derive(Debug, Serialize, ToSchema)]
pub struct TimeHistory {
    /// The last pulses, oldest first.
    pub pulses: Vec<Pulse>,
}

/// `GET /time/verify`.
#[derive(Debug, Serialize, ToSchema)]
pub struct TimeVerdict {
    /// `CLEAN`, `VIOLATED` or `EMPTY`.
    pub status: String,
    /// Pulses in the chain.
    pub pulses: u64,
    /// Each violation (absent when `EMPTY`).
    #[serde(skip_serializing_if = "Option::is_none")]
    #[schema(value_type = Option<Vec<Object>>)]
    pub violations: Option<Vec<serde_json::Value>>,
    /// Whether the chain verifies.
    pub integrity: bool,
    /// When the verdict was established (absent when `EMPTY`).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub last_verified: Option<String>,
}

/// `GET /spice/find/...` (its schema: the answer is written around the
/// stored texts).
#[derive(ToSchema)]
pub struct Found {
    /// The records, in file order.
    pub descriptors: Vec<Descriptor>,
    /// How many.
    pub count: u64,
}

/// `{"status": "NO_DATA"}`: no verified descriptor yet.
#[derive(Debug, Serialize, ToSchema)]
pub struct NoData {
    /// `NO_DATA`.
    pub status: String,
}

/// The capability report, or `NO_DATA`.
#[derive(Debug, Serialize, ToSchema)]
#[serde(untagged)]
pub enum CapabilityAnswer {
    /// The report.
    Report(CapabilityReport),
    /// Nothing to report.
    NoData(NoData),
}
