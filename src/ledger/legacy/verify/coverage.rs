//! What verification of each legacy file covers, and what it cannot.
//!
//! A forensic tool must never let "no findings" read as "everything is
//! fine": these statements travel with every file report so a reviewer sees
//! which fields a clean result actually vouches for.

use crate::ledger::legacy::verify::plain_log::{AUDIT_FIELDS, V1_BINDING_FIELDS};
use crate::ledger::model::descriptor::{PROTECTED_FIELDS, UNPROTECTED_FIELDS};
use crate::ledger::model::report::Coverage;

const LINE_CHECKS: &str =
    "every line is one complete JSON object (UTF-8, LF endings, no blank or torn lines)";

/// What verification of `spice_chain.jsonl` covers (`witnessed`: whether its
/// cross-check partner was present).
pub fn spice_chain(witnessed: bool) -> Coverage {
    Coverage {
        hash_chained: true,
        witnessed_by: witnessed.then_some("integrity_manifest"),
        summary: "legacy hash chain: the hash covers 4 of 20 fields",
        protected_fields: PROTECTED_FIELDS
            .iter()
            .copied()
            .chain(["descriptor_hash"])
            .collect(),
        unprotected_fields: UNPROTECTED_FIELDS.to_vec(),
        checked: vec![
            LINE_CHECKS,
            "schema: field types, outcome values, level 0-5, score 0..1, id and hash formats",
            "descriptor ids unique",
            "first record starts from the genesis hash",
            "each prev_descriptor_hash equals the previous record's descriptor_hash",
            "descriptor_hash = sha256(descriptor_id:process_name:assessed_at:prev_descriptor_hash)",
        ],
        not_checked: vec![
            "changes to the 15 unprotected fields (level, score, outcome, evidence, refs, assessor, notes...) \
         cannot be detected: neither the chain nor the manifest covers them",
            "records appended, or the whole chain rewritten and re-sealed, by someone who also rewrites the manifest",
            "descriptor_id cannot be recomputed (it hashes a wall-clock reading the record does not keep)",
        ],
    }
}

/// What verification of `integrity_manifest.jsonl` covers (`witnessed`: whether its
/// cross-check partner was present).
pub fn integrity_manifest(witnessed: bool) -> Coverage {
    Coverage {
        hash_chained: false,
        witnessed_by: witnessed.then_some("spice_chain"),
        summary: "unchained witness of the descriptor chain's prefixes",
        protected_fields: vec!["chain_hash", "descriptor_count", "descriptor_id"],
        unprotected_fields: vec!["timestamp", "operation"],
        checked: vec![
            LINE_CHECKS,
            "schema: operation values, descriptor_id present exactly on CREATE_DESCRIPTOR",
            "descriptor_count grows by one per CREATE_DESCRIPTOR and never goes back",
            "chain_hash = sha256 of the first descriptor_count descriptor hashes of the chain",
            "descriptor_id names the chain's record at that count",
            "the chain is not shorter than the highest count attested",
        ],
        not_checked: vec![
            "the manifest itself is not hash-chained: lines can be removed from its end, or it can be \
         regenerated from a rewritten chain, without trace",
        ],
    }
}

/// What verification of `constitutional_log.jsonl` covers (`witnessed`: whether its
/// cross-check partner was present).
pub fn constitutional_log(witnessed: bool) -> Coverage {
    Coverage {
        hash_chained: false,
        witnessed_by: witnessed.then_some("integrity_manifest"),
        summary: "not hash-chained; each binding cross-checked against the manifest",
        protected_fields: vec!["timestamp"],
        unprotected_fields: vec!["event", "article", "principle", "enforcement"],
        checked: vec![
            LINE_CHECKS,
            "schema: field types",
            "each binding has a CONSTITUTIONAL_BINDING manifest line with the same timestamp, and the reverse",
        ],
        not_checked: vec![
            "the wording of a binding (article, principle, enforcement) is not protected by anything",
        ],
    }
}

/// What verification of `glyph_chain.jsonl` covers.
pub fn glyph_chain() -> Coverage {
    Coverage {
        hash_chained: true,
        witnessed_by: None,
        summary: "legacy time chain: all fields hashed except epoch_days and julian_date",
        protected_fields: vec![
            "tai_ns",
            "utc_iso",
            "et_s",
            "utc_unix",
            "source_node",
            "pulse_id",
            "glyph_hash",
            "chain_hash",
        ],
        unprotected_fields: vec!["epoch_days", "julian_date"],
        checked: vec![
            LINE_CHECKS,
            "schema: field types and hash formats",
            "pulse_id = h32(tai_ns:utc_iso:et_s:source_node), number tokens hashed as written",
            "chain_hash = h32(glyph_hash:last:source_node), linking each pulse to the one before it",
            "glyph_hash = sha256(pulse_id:last:utc_unix)",
            "time consistency (warnings): order, clock steps, gaps, ISO vs Unix time, et_s, Julian dates, duplicates",
        ],
        not_checked: vec![
            "epoch_days and julian_date are not hashed; they are only compared with utc_unix",
            "tai_ns is the writer's monotonic clock, not TAI: it orders pulses within one boot only",
            "pulses appended, or the chain rewritten from some pulse on, by someone who knows the formulas",
        ],
    }
}

/// What verification of `forensic_audit.log` covers.
pub fn forensic_audit() -> Coverage {
    unchained(
        "time-keeper start log, not hash-chained; its start times delimit run segments",
        AUDIT_FIELDS.to_vec(),
    )
}

/// What verification of the v1 `spice_descriptors.jsonl` covers.
pub fn spice_descriptors_v1() -> Coverage {
    Coverage {
        hash_chained: false,
        witnessed_by: None,
        summary: "v1 layer: NOT hash-chained, nothing in it can be verified",
        protected_fields: Vec::new(),
        unprotected_fields: PROTECTED_FIELDS[..3]
            .iter()
            .chain(UNPROTECTED_FIELDS.iter())
            .copied()
            .collect(),
        checked: vec![
            LINE_CHECKS,
            "schema: field types, outcome values, level 0-5, score 0..1",
            "descriptor ids unique",
        ],
        not_checked: vec![
            "any change, deletion, insertion or reordering of records cannot be detected",
        ],
    }
}

/// What verification of the v1 `constitutional_binding.jsonl` covers.
pub fn constitutional_binding_v1() -> Coverage {
    unchained(
        "v1 layer start events, not hash-chained",
        V1_BINDING_FIELDS.to_vec(),
    )
}

/// What verification of the v1 `spice_index.json` covers.
pub fn spice_index_v1() -> Coverage {
    unchained(
        "v1 derived index, not hash-chained; compared with the v1 descriptors",
        vec![
            "descriptors",
            "process_types",
            "capability_distribution",
            "total_descriptors",
            "last_updated",
        ],
    )
}

fn unchained(summary: &'static str, fields: Vec<&'static str>) -> Coverage {
    Coverage {
        hash_chained: false,
        witnessed_by: None,
        summary,
        protected_fields: Vec::new(),
        unprotected_fields: fields,
        checked: vec![LINE_CHECKS, "schema: field types"],
        not_checked: vec![
            "any change, deletion, insertion or reordering of lines cannot be detected",
        ],
    }
}
