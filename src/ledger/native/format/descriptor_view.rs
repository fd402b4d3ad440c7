//! Reading a native descriptor body (`docs/FORMAT.md` §10) back as the
//! legacy descriptor shape the analyses work on, with what only the native
//! format carries: ISO/IEC 33020 attribute ratings and, for a migrated
//! record, the legacy line and hash it was copied from.
//!
//! Verification does not look inside bodies (§4-9 do not depend on them),
//! so a body that is not a descriptor is said to be one here, with the
//! reason, rather than skipped: a report then counts it as read and not
//! analysed, and names it.

use crate::ledger::json::JStr;
use crate::ledger::model::attributes::AttributeRatings;
use crate::ledger::model::descriptor::{DescriptorRecord, NullableStr};
use serde::Deserialize;
use std::collections::BTreeMap;

/// The fields of a native descriptor body: the legacy fields (without the
/// two legacy hash fields: the native hash covers every byte) and the
/// native additions.
#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct Body<'a> {
    #[serde(borrow)]
    descriptor_id: JStr<'a>,
    #[serde(borrow)]
    process_name: JStr<'a>,
    #[serde(borrow)]
    process_version: JStr<'a>,
    capability_level: i64,
    #[serde(borrow)]
    process_outcome: JStr<'a>,
    compliance_score: f64,
    #[serde(borrow)]
    apriori_refs: Vec<JStr<'a>>,
    #[serde(borrow)]
    aposteriori_refs: Vec<JStr<'a>>,
    #[serde(borrow)]
    glyph_range_start: JStr<'a>,
    #[serde(borrow)]
    glyph_range_end: JStr<'a>,
    glyph_count: i64,
    #[serde(borrow)]
    evidence_required: Vec<JStr<'a>>,
    #[serde(borrow)]
    evidence_provided: Vec<JStr<'a>>,
    #[serde(borrow)]
    assessed_by: JStr<'a>,
    #[serde(borrow)]
    assessed_at: JStr<'a>,
    #[serde(borrow)]
    assessment_method: JStr<'a>,
    #[serde(borrow)]
    active_constraints: Vec<JStr<'a>>,
    #[serde(borrow)]
    advisory_notes: NullableStr<'a>,
    #[serde(default)]
    attribute_ratings: Option<BTreeMap<String, String>>,
    #[serde(default)]
    legacy_line: Option<u64>,
    #[serde(borrow, default)]
    legacy_descriptor_hash: Option<JStr<'a>>,
}

/// A native descriptor body, read.
#[derive(Debug, Clone)]
pub struct NativeDescriptor<'a> {
    /// The legacy descriptor fields (`prev_descriptor_hash` and
    /// `descriptor_hash` absent).
    pub record: DescriptorRecord<'a>,
    /// The attribute ratings, when the body carries `attribute_ratings`.
    pub ratings: Option<AttributeRatings>,
    /// The legacy line a migrated record was copied from.
    pub legacy_line: Option<u64>,
    /// The legacy `descriptor_hash` of that line.
    pub legacy_descriptor_hash: Option<JStr<'a>>,
}

/// Read a descriptor body (its exact bytes). `Err` says what is wrong: not
/// the descriptor fields, or an attribute rating that is not one.
pub fn read_descriptor_body(body: &str) -> Result<NativeDescriptor<'_>, String> {
    let b: Body<'_> = serde_json::from_str(body).map_err(|e| e.to_string())?;
    let ratings = match &b.attribute_ratings {
        None => None,
        Some(map) => Some(
            AttributeRatings::from_pairs(map.iter().map(|(k, v)| (k.as_str(), v.as_str())))
                .map_err(|(id, r)| {
                    format!(
                        "attribute_ratings: {id:?}: {r:?} is not a PA id (PA1.1 .. PA5.2) rated N, P, L or F"
                    )
                })?,
        ),
    };
    Ok(NativeDescriptor {
        record: DescriptorRecord {
            descriptor_id: b.descriptor_id,
            process_name: b.process_name,
            process_version: b.process_version,
            capability_level: b.capability_level,
            process_outcome: b.process_outcome,
            compliance_score: b.compliance_score,
            apriori_refs: b.apriori_refs,
            aposteriori_refs: b.aposteriori_refs,
            glyph_range_start: b.glyph_range_start,
            glyph_range_end: b.glyph_range_end,
            glyph_count: b.glyph_count,
            evidence_required: b.evidence_required,
            evidence_provided: b.evidence_provided,
            assessed_by: b.assessed_by,
            assessed_at: b.assessed_at,
            assessment_method: b.assessment_method,
            active_constraints: b.active_constraints,
            advisory_notes: b.advisory_notes,
            prev_descriptor_hash: None,
            descriptor_hash: None,
        },
        ratings,
        legacy_line: b.legacy_line,
        legacy_descriptor_hash: b.legacy_descriptor_hash,
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::ledger::model::attributes::Rating;

    const BODY: &str = r#"{"descriptor_id":"0123456789abcdef","process_name":"ENG.1","process_version":"1.0","capability_level":3,"process_outcome":"compliant","compliance_score":0.75,"apriori_refs":["a"],"aposteriori_refs":[],"glyph_range_start":"","glyph_range_end":"","glyph_count":0,"evidence_required":["plan"],"evidence_provided":["plan"],"assessed_by":"auditor","assessed_at":"2026-11-27T00:00:00.000000+00:00","assessment_method":"interview","active_constraints":[],"advisory_notes":null"#;

    #[test]
    fn a_body_reads_as_the_legacy_shape_with_its_ratings() {
        let text = format!(r#"{BODY},"attribute_ratings":{{"PA1.1":"F","PA2.1":"L"}}}}"#);
        let d = read_descriptor_body(&text).unwrap();
        assert_eq!(d.record.process_name.as_str(), "ENG.1");
        assert_eq!(d.record.capability_level, 3);
        let r = d.ratings.unwrap();
        assert_eq!(
            (r.get("PA1.1"), r.get("PA2.1"), r.get("PA2.2")),
            (Some(Rating::F), Some(Rating::L), None)
        );
        assert_eq!(d.legacy_line, None);
    }

    #[test]
    fn a_migrated_body_names_its_legacy_line() {
        let text = format!(r#"{BODY},"legacy_line":7,"legacy_descriptor_hash":"ab"}}"#);
        let d = read_descriptor_body(&text).unwrap();
        assert!(d.ratings.is_none());
        assert_eq!(d.legacy_line, Some(7));
        assert_eq!(d.legacy_descriptor_hash.unwrap().as_str(), "ab");
    }

    #[test]
    fn what_is_not_a_descriptor_is_said_precisely() {
        let bad_rating = format!(r#"{BODY},"attribute_ratings":{{"PA9.9":"F"}}}}"#);
        let e = read_descriptor_body(&bad_rating).unwrap_err();
        assert!(e.contains("PA9.9"), "{e}");
        let foreign = format!(r#"{BODY},"colour":"red"}}"#);
        assert!(
            read_descriptor_body(&foreign)
                .unwrap_err()
                .contains("colour")
        );
        assert!(
            read_descriptor_body(r#"{"type":"genesis"}"#)
                .unwrap_err()
                .contains("unknown field")
        );
    }
}
