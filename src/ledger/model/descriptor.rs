//! The legacy SPICE descriptor record: parsing and schema.
//!
//! Parsing has two paths. The fast path deserialises straight into a
//! borrowed struct and is what runs on a healthy ledger. When it fails, the
//! slow path re-reads the line as a generic JSON value to say precisely which
//! field is missing, mistyped or foreign, and still recovers the hashed
//! fields so the chain can be checked through the damaged record.

use crate::ledger::json::{JStr, StrList, clip, type_name};
use serde::de::{self, Visitor};
use serde::{Deserialize, Deserializer};
use serde_json::{Map, Value};
use std::borrow::Cow;
use std::fmt;

/// The process outcomes the legacy service writes.
pub const OUTCOMES: [&str; 4] = ["compliant", "non_compliant", "partial", "not_assessed"];

/// Fields covered by the legacy descriptor hash.
pub const PROTECTED_FIELDS: [&str; 4] = [
    "descriptor_id",
    "process_name",
    "assessed_at",
    "prev_descriptor_hash",
];

/// Fields the legacy descriptor hash does not cover: they can be changed
/// without breaking the chain or the manifest. (`descriptor_hash` itself is
/// checked: it must recompute from the protected fields.)
pub const UNPROTECTED_FIELDS: [&str; 15] = [
    "process_version",
    "capability_level",
    "process_outcome",
    "compliance_score",
    "apriori_refs",
    "aposteriori_refs",
    "glyph_range_start",
    "glyph_range_end",
    "glyph_count",
    "evidence_required",
    "evidence_provided",
    "assessed_by",
    "assessment_method",
    "active_constraints",
    "advisory_notes",
];

/// A string field that must be present but may be `null`.
///
/// A plain `Option` would not do: serde treats a missing `Option` field as
/// `None`, so a deleted key would pass unnoticed. This type asks for any
/// value, which a missing field cannot supply.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct NullableStr<'a>(pub Option<JStr<'a>>);

impl<'de: 'a, 'a> Deserialize<'de> for NullableStr<'a> {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        struct V;
        impl<'de> Visitor<'de> for V {
            type Value = NullableStr<'de>;
            fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
                f.write_str("a string or null")
            }
            fn visit_unit<E: de::Error>(self) -> Result<Self::Value, E> {
                Ok(NullableStr(None))
            }
            fn visit_none<E: de::Error>(self) -> Result<Self::Value, E> {
                Ok(NullableStr(None))
            }
            fn visit_borrowed_str<E: de::Error>(self, v: &'de str) -> Result<Self::Value, E> {
                Ok(NullableStr(Some(JStr(Cow::Borrowed(v)))))
            }
            fn visit_str<E: de::Error>(self, v: &str) -> Result<Self::Value, E> {
                Ok(NullableStr(Some(JStr(Cow::Owned(v.to_owned())))))
            }
        }
        d.deserialize_any(V)
    }
}

/// One SPICE descriptor as written by the legacy service (v2 with hashes,
/// v1 without), with its string lists as `L`.
///
/// Verification reads millions of records and needs only the lists'
/// shape ([`DescriptorShape`], no allocation); analysis needs their values
/// ([`DescriptorRecord`]).
#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
#[allow(missing_docs)] // the field names are the legacy format's own
pub struct Descriptor<'a, L> {
    #[serde(borrow)]
    pub descriptor_id: JStr<'a>,
    #[serde(borrow)]
    pub process_name: JStr<'a>,
    #[serde(borrow)]
    pub process_version: JStr<'a>,
    pub capability_level: i64,
    #[serde(borrow)]
    pub process_outcome: JStr<'a>,
    pub compliance_score: f64,
    pub apriori_refs: L,
    pub aposteriori_refs: L,
    #[serde(borrow)]
    pub glyph_range_start: JStr<'a>,
    #[serde(borrow)]
    pub glyph_range_end: JStr<'a>,
    pub glyph_count: i64,
    pub evidence_required: L,
    pub evidence_provided: L,
    #[serde(borrow)]
    pub assessed_by: JStr<'a>,
    #[serde(borrow)]
    pub assessed_at: JStr<'a>,
    #[serde(borrow)]
    pub assessment_method: JStr<'a>,
    pub active_constraints: L,
    #[serde(borrow)]
    pub advisory_notes: NullableStr<'a>,
    #[serde(borrow, default)]
    pub prev_descriptor_hash: Option<JStr<'a>>,
    #[serde(borrow, default)]
    pub descriptor_hash: Option<JStr<'a>>,
}

/// The fields the chain checks need, whichever path parsed the line.
#[derive(Debug, Clone, Copy, Default)]
pub struct ChainFields<'x> {
    /// `descriptor_id`.
    pub id: Option<&'x str>,
    /// `process_name`.
    pub process_name: Option<&'x str>,
    /// `assessed_at`.
    pub assessed_at: Option<&'x str>,
    /// `prev_descriptor_hash`.
    pub prev: Option<&'x str>,
    /// `descriptor_hash`.
    pub hash: Option<&'x str>,
}

/// One schema problem: the field, what it should be, what it is.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SchemaProblem {
    /// The field's name.
    pub field: String,
    /// What the schema requires.
    pub expected: String,
    /// What the record holds.
    pub found: String,
}

impl SchemaProblem {
    fn new(field: &str, expected: impl Into<String>, found: impl Into<String>) -> Self {
        SchemaProblem {
            field: field.to_owned(),
            expected: expected.into(),
            found: found.into(),
        }
    }
}

/// A descriptor with its lists' values.
pub type DescriptorRecord<'a> = Descriptor<'a, Vec<JStr<'a>>>;

/// A descriptor with its lists only validated (the verifier's fast path).
pub type DescriptorShape<'a> = Descriptor<'a, StrList>;

impl<L> Descriptor<'_, L> {
    /// The fields the chain checks need.
    pub fn chain_fields(&self) -> ChainFields<'_> {
        ChainFields {
            id: Some(self.descriptor_id.as_str()),
            process_name: Some(self.process_name.as_str()),
            assessed_at: Some(self.assessed_at.as_str()),
            prev: self.prev_descriptor_hash.as_ref().map(JStr::as_str),
            hash: self.descriptor_hash.as_ref().map(JStr::as_str),
        }
    }

    /// Value-range and format checks that types alone cannot express.
    /// `chained` says whether the hash fields are required (v2) or absent (v1).
    pub fn range_problems(&self, chained: bool) -> Vec<SchemaProblem> {
        let mut p = Vec::new();
        if !is_hex(self.descriptor_id.as_str(), 16) {
            p.push(SchemaProblem::new(
                "descriptor_id",
                "16 lower-case hex characters",
                format!("{:?}", clip(self.descriptor_id.as_str(), 40)),
            ));
        }
        if !(0..=5).contains(&self.capability_level) {
            p.push(SchemaProblem::new(
                "capability_level",
                "an integer 0-5",
                self.capability_level.to_string(),
            ));
        }
        if !OUTCOMES.contains(&self.process_outcome.as_str()) {
            p.push(SchemaProblem::new(
                "process_outcome",
                "one of compliant, non_compliant, partial, not_assessed",
                format!("{:?}", clip(self.process_outcome.as_str(), 40)),
            ));
        }
        if !(0.0..=1.0).contains(&self.compliance_score) {
            p.push(SchemaProblem::new(
                "compliance_score",
                "a number 0..1",
                self.compliance_score.to_string(),
            ));
        }
        if self.glyph_count < 0 {
            p.push(SchemaProblem::new(
                "glyph_count",
                "a non-negative integer",
                self.glyph_count.to_string(),
            ));
        }
        if !is_iso8601_with_offset(self.assessed_at.as_str()) {
            p.push(SchemaProblem::new(
                "assessed_at",
                "ISO 8601 date-time with UTC offset (YYYY-MM-DDTHH:MM:SS[.ffffff]+HH:MM)",
                format!("{:?}", clip(self.assessed_at.as_str(), 40)),
            ));
        }
        for (name, value) in [
            ("prev_descriptor_hash", &self.prev_descriptor_hash),
            ("descriptor_hash", &self.descriptor_hash),
        ] {
            match (chained, value) {
                (true, None) => p.push(SchemaProblem::new(
                    name,
                    "64 lower-case hex characters",
                    "missing",
                )),
                (true, Some(v)) if !is_hex(v.as_str(), 64) => p.push(SchemaProblem::new(
                    name,
                    "64 lower-case hex characters",
                    format!("{:?}", clip(v.as_str(), 70)),
                )),
                (false, Some(_)) => p.push(SchemaProblem::new(
                    name,
                    "absent (the v1 layer carries no hashes)",
                    "present",
                )),
                _ => {}
            }
        }
        p
    }
}

/// What the slow path recovered from a line the fast path rejected.
#[derive(Debug, Clone, Default)]
pub struct Diagnosis {
    /// Every schema problem found.
    pub problems: Vec<SchemaProblem>,
    /// The hashed fields, where they are strings.
    pub id: Option<String>,
    /// `process_name`.
    pub process_name: Option<String>,
    /// `assessed_at`.
    pub assessed_at: Option<String>,
    /// `prev_descriptor_hash`.
    pub prev: Option<String>,
    /// `descriptor_hash`.
    pub hash: Option<String>,
}

impl Diagnosis {
    /// The recovered chain fields.
    pub fn chain_fields(&self) -> ChainFields<'_> {
        ChainFields {
            id: self.id.as_deref(),
            process_name: self.process_name.as_deref(),
            assessed_at: self.assessed_at.as_deref(),
            prev: self.prev.as_deref(),
            hash: self.hash.as_deref(),
        }
    }
}

#[derive(Clone, Copy)]
enum Ty {
    Str,
    Int,
    Num,
    StrList,
    NullableStr,
}

const FIELDS: [(&str, Ty); 20] = [
    ("descriptor_id", Ty::Str),
    ("process_name", Ty::Str),
    ("process_version", Ty::Str),
    ("capability_level", Ty::Int),
    ("process_outcome", Ty::Str),
    ("compliance_score", Ty::Num),
    ("apriori_refs", Ty::StrList),
    ("aposteriori_refs", Ty::StrList),
    ("glyph_range_start", Ty::Str),
    ("glyph_range_end", Ty::Str),
    ("glyph_count", Ty::Int),
    ("evidence_required", Ty::StrList),
    ("evidence_provided", Ty::StrList),
    ("assessed_by", Ty::Str),
    ("assessed_at", Ty::Str),
    ("assessment_method", Ty::Str),
    ("active_constraints", Ty::StrList),
    ("advisory_notes", Ty::NullableStr),
    ("prev_descriptor_hash", Ty::Str),
    ("descriptor_hash", Ty::Str),
];

/// The descriptor's field names in the order the legacy service writes them.
pub fn field_order() -> impl Iterator<Item = &'static str> {
    FIELDS.iter().map(|(name, _)| *name)
}

/// The JSON type of a descriptor field.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum FieldType {
    /// A string.
    String,
    /// An integer.
    Integer,
    /// A number.
    Number,
    /// An array of strings.
    StringList,
    /// A string or `null` (the key must be there).
    NullableString,
}

/// The descriptor's fields with their JSON types, in the order the legacy
/// service writes them (the one definition other shapes derive from).
pub fn field_types() -> impl Iterator<Item = (&'static str, FieldType)> {
    FIELDS.iter().map(|&(name, ty)| {
        let t = match ty {
            Ty::Str => FieldType::String,
            Ty::Int => FieldType::Integer,
            Ty::Num => FieldType::Number,
            Ty::StrList => FieldType::StringList,
            Ty::NullableStr => FieldType::NullableString,
        };
        (name, t)
    })
}

/// Explain why `text` (valid JSON or not) failed the fast path.
///
/// Returns `Err` with the JSON error when the line is not JSON at all.
pub fn diagnose(
    text: &str,
    fast_error: &serde_json::Error,
    chained: bool,
) -> Result<Diagnosis, serde_json::Error> {
    let value: Value = serde_json::from_str(text)?;
    let mut d = Diagnosis::default();
    let Value::Object(obj) = value else {
        d.problems.push(SchemaProblem::new(
            "(record)",
            "a JSON object",
            type_name(&value),
        ));
        return Ok(d);
    };
    let take = |k: &str| obj.get(k).and_then(Value::as_str).map(str::to_owned);
    d.id = take("descriptor_id");
    d.process_name = take("process_name");
    d.assessed_at = take("assessed_at");
    d.prev = take("prev_descriptor_hash");
    d.hash = take("descriptor_hash");
    check_types(&obj, chained, &mut d.problems);
    if d.problems.is_empty() {
        // Types are right field by field, so serde objected to something a
        // value-level view cannot see, such as a key written twice.
        let msg = fast_error.to_string();
        let field = msg
            .split('`')
            .nth(1)
            .filter(|_| msg.starts_with("duplicate field"))
            .unwrap_or("(record)");
        d.problems.push(SchemaProblem::new(
            field,
            "each key once, with a value of its type",
            msg.clone(),
        ));
    }
    Ok(d)
}

fn check_types(obj: &Map<String, Value>, chained: bool, out: &mut Vec<SchemaProblem>) {
    for (name, ty) in FIELDS {
        let hashed = matches!(name, "prev_descriptor_hash" | "descriptor_hash");
        let Some(v) = obj.get(name) else {
            if chained || !hashed {
                out.push(SchemaProblem::new(name, expected_of(ty), "missing"));
            }
            continue;
        };
        let ok = match ty {
            Ty::Str => v.is_string(),
            Ty::Int => v.is_i64(),
            Ty::Num => v.is_number(),
            Ty::StrList => v.as_array().is_some_and(|a| a.iter().all(Value::is_string)),
            Ty::NullableStr => v.is_null() || v.is_string(),
        };
        if !ok {
            out.push(SchemaProblem::new(name, expected_of(ty), describe(v)));
        }
    }
    for key in obj.keys() {
        if !FIELDS.iter().any(|(n, _)| n == key) {
            out.push(SchemaProblem::new(
                key,
                "no such field in a legacy descriptor",
                "present",
            ));
        }
    }
}

fn expected_of(ty: Ty) -> &'static str {
    match ty {
        Ty::Str => "a string",
        Ty::Int => "an integer",
        Ty::Num => "a number",
        Ty::StrList => "an array of strings",
        Ty::NullableStr => "a string or null",
    }
}

fn describe(v: &Value) -> String {
    format!("{} {}", type_name(v), clip(&v.to_string(), 40))
}

/// Whether `s` is exactly `len` lower-case hex characters.
pub fn is_hex(s: &str, len: usize) -> bool {
    s.len() == len && s.bytes().all(|b| matches!(b, b'0'..=b'9' | b'a'..=b'f'))
}

/// `YYYY-MM-DDTHH:MM:SS[.f+](+|-)HH:MM` or with `Z`, as Python's
/// `isoformat()` writes it. A shape check; the time analysis parses values.
pub fn is_iso8601_with_offset(s: &str) -> bool {
    let b = s.as_bytes();
    let digits =
        |r: std::ops::Range<usize>| b.get(r).is_some_and(|d| d.iter().all(u8::is_ascii_digit));
    if b.len() < 20
        || !digits(0..4)
        || b[4] != b'-'
        || !digits(5..7)
        || b[7] != b'-'
        || !digits(8..10)
        || b[10] != b'T'
        || !digits(11..13)
        || b[13] != b':'
        || !digits(14..16)
        || b[16] != b':'
        || !digits(17..19)
    {
        return false;
    }
    let mut i = 19;
    if b[i] == b'.' {
        let start = i + 1;
        i = start;
        while i < b.len() && b[i].is_ascii_digit() {
            i += 1;
        }
        if i == start {
            return false;
        }
    }
    match &b[i..] {
        [b'Z'] => true,
        [b'+' | b'-', h1, h2, b':', m1, m2] => [h1, h2, m1, m2].iter().all(|c| c.is_ascii_digit()),
        _ => false,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    const GOOD: &str = r#"{"descriptor_id":"022fa3b89550e05a","process_name":"P","process_version":"1.0.0","capability_level":1,"process_outcome":"compliant","compliance_score":0.37,"apriori_refs":[],"aposteriori_refs":["a"],"glyph_range_start":"x","glyph_range_end":"y","glyph_count":4,"evidence_required":["e"],"evidence_provided":[],"assessed_by":"me","assessed_at":"2026-11-26T21:44:39.376785+00:00","assessment_method":"m","active_constraints":[],"advisory_notes":null,"prev_descriptor_hash":"0000000000000000000000000000000000000000000000000000000000000000","descriptor_hash":"3e77ec09f83af485e14b626ca870397eb964f25d17f46e6c585992b9112cc23e"}"#;

    #[test]
    fn fast_path_parses_a_genuine_record() {
        let r: DescriptorRecord = serde_json::from_str(GOOD).unwrap();
        assert!(r.range_problems(true).is_empty());
        assert_eq!(r.chain_fields().id, Some("022fa3b89550e05a"));
    }

    #[test]
    fn ranges_are_checked() {
        let bad = GOOD
            .replace("\"capability_level\":1", "\"capability_level\":7")
            .replace("0.37", "1.5")
            .replace("\"compliant\"", "\"great\"");
        let r: DescriptorRecord = serde_json::from_str(&bad).unwrap();
        let fields: Vec<_> = r
            .range_problems(true)
            .into_iter()
            .map(|p| p.field)
            .collect();
        assert_eq!(
            fields,
            ["capability_level", "process_outcome", "compliance_score"]
        );
    }

    #[test]
    fn slow_path_names_the_field_and_recovers_hashes() {
        let bad = GOOD.replace("\"capability_level\":1", "\"capability_level\":\"1\"");
        let err = serde_json::from_str::<DescriptorRecord>(&bad).unwrap_err();
        let d = diagnose(&bad, &err, true).unwrap();
        assert_eq!(d.problems.len(), 1);
        assert_eq!(d.problems[0].field, "capability_level");
        assert_eq!(d.problems[0].expected, "an integer");
        assert!(d.hash.is_some() && d.prev.is_some());
    }

    #[test]
    fn missing_nullable_and_duplicate_keys_are_schema_errors() {
        let missing = GOOD.replace("\"advisory_notes\":null,", "");
        let err = serde_json::from_str::<DescriptorRecord>(&missing).unwrap_err();
        let d = diagnose(&missing, &err, true).unwrap();
        assert_eq!(d.problems[0].field, "advisory_notes");
        assert_eq!(d.problems[0].found, "missing");

        let dup = GOOD.replace("\"glyph_count\":4,", "\"glyph_count\":4,\"glyph_count\":5,");
        let err = serde_json::from_str::<DescriptorRecord>(&dup).unwrap_err();
        let d = diagnose(&dup, &err, true).unwrap();
        assert_eq!(d.problems[0].field, "glyph_count");
    }

    #[test]
    fn iso_shape() {
        assert!(is_iso8601_with_offset("2026-11-26T21:44:39.376785+00:00"));
        assert!(is_iso8601_with_offset("2026-11-26T21:44:39+02:00"));
        assert!(is_iso8601_with_offset("2026-11-26T21:44:39Z"));
        assert!(!is_iso8601_with_offset("2026-11-26T21:44:39"));
        assert!(!is_iso8601_with_offset("2026-11-26 21:44:39+00:00"));
        assert!(!is_iso8601_with_offset("2026-11-26T21:44:39.+00:00"));
    }
}
