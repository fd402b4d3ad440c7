//! The bodies the workstation writes into native records (`docs/FORMAT.md`
//! §10): descriptors (the legacy fields, checked by the same schema, plus
//! optional ISO/IEC 33020 attribute ratings), and events.

use crate::ledger::model::attributes::{ATTRIBUTES, Rating};
use crate::ledger::model::descriptor::DescriptorRecord;
use crate::ledger::model::new_descriptor::CompleteDescriptor;
use serde::Serialize;
use std::collections::BTreeMap;

/// A descriptor body, fields in the legacy order.
#[derive(Serialize)]
struct DescriptorBody<'a> {
    descriptor_id: &'a str,
    process_name: &'a str,
    process_version: &'a str,
    capability_level: u8,
    process_outcome: &'a str,
    compliance_score: f64,
    apriori_refs: &'a [String],
    aposteriori_refs: &'a [String],
    glyph_range_start: &'a str,
    glyph_range_end: &'a str,
    glyph_count: u32,
    evidence_required: &'a [String],
    evidence_provided: &'a [String],
    assessed_by: &'a str,
    assessed_at: &'a str,
    assessment_method: &'a str,
    active_constraints: &'a [String],
    advisory_notes: &'a Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    attribute_ratings: Option<&'a BTreeMap<String, String>>,
}

/// The compact JSON body of a descriptor, after the legacy schema's checks
/// and, when given, a check of the attribute ratings. `Err` lists every
/// problem as `field: expected ..., found ...`.
pub fn descriptor_body(
    d: &CompleteDescriptor,
    ratings: Option<&BTreeMap<String, String>>,
) -> Result<String, Vec<String>> {
    let body = |ratings| DescriptorBody {
        descriptor_id: &d.descriptor_id,
        process_name: &d.process_name,
        process_version: &d.process_version,
        capability_level: d.capability_level,
        process_outcome: &d.process_outcome,
        compliance_score: d.compliance_score,
        apriori_refs: &d.apriori_refs,
        aposteriori_refs: &d.aposteriori_refs,
        glyph_range_start: &d.glyph_range_start,
        glyph_range_end: &d.glyph_range_end,
        glyph_count: d.glyph_count,
        evidence_required: &d.evidence_required,
        evidence_provided: &d.evidence_provided,
        assessed_by: &d.assessed_by,
        assessed_at: &d.assessed_at,
        assessment_method: &d.assessment_method,
        active_constraints: &d.active_constraints,
        advisory_notes: &d.advisory_notes,
        attribute_ratings: ratings,
    };
    if !d.compliance_score.is_finite() {
        return Err(vec![format!(
            "compliance_score: expected a number 0..1, found {}",
            d.compliance_score
        )]);
    }
    // The legacy fields go through the very schema the verifier applies.
    let plain = serde_json::to_string(&body(None)).map_err(|e| vec![e.to_string()])?;
    let mut problems: Vec<String> = match serde_json::from_str::<DescriptorRecord<'_>>(&plain) {
        Ok(rec) => rec
            .range_problems(false)
            .into_iter()
            .map(|p| format!("{}: expected {}, found {}", p.field, p.expected, p.found))
            .collect(),
        Err(e) => vec![e.to_string()],
    };
    for (attr, rating) in ratings.into_iter().flatten() {
        if !ATTRIBUTES.contains(&attr.as_str()) {
            problems.push(format!(
                "attribute_ratings: expected one of {}, found {attr:?}",
                ATTRIBUTES.join(", ")
            ));
        }
        if Rating::parse(rating).is_none() {
            problems.push(format!(
                "attribute_ratings.{attr}: expected N, P, L or F, found {rating:?}"
            ));
        }
    }
    if !problems.is_empty() {
        return Err(problems);
    }
    serde_json::to_string(&body(ratings)).map_err(|e| vec![e.to_string()])
}

#[cfg(test)]
mod tests {
    use super::*;

    fn good() -> CompleteDescriptor {
        CompleteDescriptor {
            descriptor_id: "0123456789abcdef".into(),
            process_name: "ENG.1".into(),
            process_version: "1.0".into(),
            capability_level: 3,
            process_outcome: "compliant".into(),
            compliance_score: 0.75,
            apriori_refs: vec![],
            aposteriori_refs: vec![],
            glyph_range_start: String::new(),
            glyph_range_end: String::new(),
            glyph_count: 0,
            evidence_required: vec!["plan".into()],
            evidence_provided: vec!["plan".into()],
            assessed_by: "auditor".into(),
            assessed_at: "2026-11-27T00:00:00.000000+00:00".into(),
            assessment_method: "interview".into(),
            active_constraints: vec![],
            advisory_notes: None,
        }
    }

    #[test]
    fn a_good_descriptor_becomes_a_compact_body_in_legacy_order() {
        let ratings: BTreeMap<String, String> = [("PA1.1".to_owned(), "F".to_owned())].into();
        let b = descriptor_body(&good(), Some(&ratings)).unwrap();
        assert!(b.starts_with(r#"{"descriptor_id":"0123456789abcdef","process_name":"ENG.1""#));
        assert!(
            b.ends_with(r#""advisory_notes":null,"attribute_ratings":{"PA1.1":"F"}}"#),
            "{b}"
        );
    }

    #[test]
    fn every_problem_is_named() {
        let mut d = good();
        d.capability_level = 6;
        d.process_outcome = "great".into();
        d.compliance_score = 1.5;
        let ratings: BTreeMap<String, String> = [("PA9.9".to_owned(), "X".to_owned())].into();
        let e = descriptor_body(&d, Some(&ratings)).unwrap_err();
        let all = e.join("\n");
        for needle in [
            "capability_level",
            "process_outcome",
            "compliance_score",
            "PA9.9",
            "N, P, L or F",
        ] {
            assert!(all.contains(needle), "{needle} missing in {all}");
        }
        d = good();
        d.compliance_score = f64::NAN;
        assert!(descriptor_body(&d, None).is_err());
    }
}
