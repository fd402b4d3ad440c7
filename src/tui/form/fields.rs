//! The entry form's fields: what each one holds, how its text is read, and
//! the message shown under it when the text is not acceptable.
//!
//! The checks here are the ones a person can fix field by field (a level
//! out of range, an outcome the legacy service does not know). The record
//! as a whole is still checked by the append module's own verifier before
//! anything is written; what it refuses is shown in the form too.

use crate::ledger::model::descriptor::OUTCOMES;
use crate::ledger::model::new_descriptor::NewDescriptor;
use crate::time::Instant;

/// How a field's text is read.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Kind {
    /// Free text, one line.
    Text,
    /// `capability_level`: a whole number 0-5.
    Level,
    /// `process_outcome`: one of [`OUTCOMES`].
    Outcome,
    /// `compliance_score`: a number from 0 to 1.
    Score,
    /// A list: values separated by commas or new lines.
    List,
    /// `glyph_count`: a whole number (blank: 0).
    Count,
    /// `descriptor_id`: 16 lower-case hex digits (blank: derived).
    Id,
    /// `assessed_at`: ISO 8601 with offset (blank: the time of the preview).
    Time,
}

/// One field of the form.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct FieldSpec {
    /// The legacy record's key, also the label.
    pub key: &'static str,
    /// How the text is read.
    pub kind: Kind,
    /// Whether it must be filled in.
    pub required: bool,
    /// Shown in the empty field.
    pub hint: &'static str,
}

const fn field(key: &'static str, kind: Kind, required: bool, hint: &'static str) -> FieldSpec {
    FieldSpec {
        key,
        kind,
        required,
        hint,
    }
}

/// The fields, in the order the form shows them.
#[rustfmt::skip] // a table: one field per line reads best
pub const FIELDS: [FieldSpec; 18] = [
    field("process_name", Kind::Text, true, "e.g. ENG.1"),
    field("process_version", Kind::Text, true, "e.g. 1.0.0"),
    field("capability_level", Kind::Level, true, "0-5"),
    field("process_outcome", Kind::Outcome, true, "compliant | non_compliant | partial | not_assessed"),
    field("compliance_score", Kind::Score, true, "0..1, e.g. 0.75"),
    field("assessed_by", Kind::Text, true, "who assessed"),
    field("assessment_method", Kind::Text, true, "how"),
    field("evidence_required", Kind::List, false, "comma- or line-separated"),
    field("evidence_provided", Kind::List, false, "comma- or line-separated"),
    field("apriori_refs", Kind::List, false, "comma- or line-separated"),
    field("aposteriori_refs", Kind::List, false, "comma- or line-separated"),
    field("active_constraints", Kind::List, false, "comma- or line-separated"),
    field("glyph_range_start", Kind::Text, false, "glyph hash (optional)"),
    field("glyph_range_end", Kind::Text, false, "glyph hash (optional)"),
    field("glyph_count", Kind::Count, false, "blank: 0"),
    field("advisory_notes", Kind::Text, false, "blank: null"),
    field("descriptor_id", Kind::Id, false, "blank: derived as the service derives it"),
    field("assessed_at", Kind::Time, false, "blank: the time of the preview"),
];

/// Index of the field with `key` (panics on a key not in [`FIELDS`]: a bug).
pub fn index_of(key: &str) -> usize {
    FIELDS
        .iter()
        .position(|f| f.key == key)
        .unwrap_or_else(|| panic!("no form field {key}"))
}

/// The values of a list field: split at commas and new lines, trimmed,
/// empty ones dropped.
pub fn list_values(text: &str) -> Vec<String> {
    text.split([',', '\n'])
        .map(str::trim)
        .filter(|s| !s.is_empty())
        .map(str::to_owned)
        .collect()
}

/// The message for `text` in `spec`, or `None` when it is acceptable.
/// `strict` also reports required fields left empty (after a preview was asked for).
pub fn check(spec: &FieldSpec, text: &str, strict: bool) -> Option<String> {
    let t = text.trim();
    if t.is_empty() {
        return (spec.required && strict).then(|| "required".to_owned());
    }
    match spec.kind {
        Kind::Text | Kind::List => None,
        Kind::Level => level(t).err(),
        Kind::Outcome => outcome(t).err(),
        Kind::Score => score(t).err(),
        Kind::Count => t
            .parse::<u32>()
            .err()
            .map(|_| format!("must be a whole number ≥ 0 (got {t:?})")),
        Kind::Id => (!(t.len() == 16
            && t.bytes()
                .all(|b| b.is_ascii_digit() || (b'a'..=b'f').contains(&b))))
        .then(|| format!("must be 16 lower-case hex digits (got {t:?}); blank derives it")),
        Kind::Time => Instant::parse(t).is_none().then(|| {
            format!(
                "must be ISO 8601 with offset, e.g. 2026-11-01T09:00:00.000000+00:00 (got {t:?})"
            )
        }),
    }
}

fn level(t: &str) -> Result<u8, String> {
    match t.parse::<u8>() {
        Ok(n) if n <= 5 => Ok(n),
        _ => Err(format!("must be a whole number from 0 to 5 (got {t:?})")),
    }
}

fn outcome(t: &str) -> Result<String, String> {
    if OUTCOMES.contains(&t) {
        Ok(t.to_owned())
    } else {
        Err(format!(
            "must be one of {} (got {t:?})",
            OUTCOMES.join(", ")
        ))
    }
}

fn score(t: &str) -> Result<f64, String> {
    match t.parse::<f64>() {
        Ok(x) if x.is_finite() && (0.0..=1.0).contains(&x) => Ok(x),
        Ok(_) => Err(format!("must be from 0 to 1 (got {t})")),
        Err(_) => Err(format!("must be a number from 0 to 1 (got {t:?})")),
    }
}

/// Every field's message (strict), in [`FIELDS`] order.
pub fn check_all(texts: &[String]) -> Vec<Option<String>> {
    FIELDS
        .iter()
        .zip(texts)
        .map(|(spec, text)| check(spec, text, true))
        .collect()
}

/// The descriptor the texts describe, when every field is acceptable.
pub fn to_descriptor(texts: &[String]) -> Option<NewDescriptor> {
    if check_all(texts).iter().any(Option::is_some) {
        return None;
    }
    let text = |key: &str| texts[index_of(key)].trim().to_owned();
    let list = |key: &str| list_values(&texts[index_of(key)]);
    let optional = |key: &str| Some(text(key)).filter(|s| !s.is_empty());
    Some(NewDescriptor {
        descriptor_id: optional("descriptor_id"),
        process_name: text("process_name"),
        process_version: text("process_version"),
        capability_level: level(&text("capability_level")).ok()?,
        process_outcome: outcome(&text("process_outcome")).ok()?,
        compliance_score: score(&text("compliance_score")).ok()?,
        apriori_refs: list("apriori_refs"),
        aposteriori_refs: list("aposteriori_refs"),
        glyph_range_start: text("glyph_range_start"),
        glyph_range_end: text("glyph_range_end"),
        glyph_count: optional("glyph_count").map_or(Some(0), |c| c.parse().ok())?,
        evidence_required: list("evidence_required"),
        evidence_provided: list("evidence_provided"),
        assessed_by: text("assessed_by"),
        assessed_at: optional("assessed_at"),
        assessment_method: text("assessment_method"),
        active_constraints: list("active_constraints"),
        advisory_notes: optional("advisory_notes"),
        // The form writes legacy ledgers, which have no place for ratings.
        attribute_ratings: None,
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    fn spec(key: &str) -> &'static FieldSpec {
        &FIELDS[index_of(key)]
    }

    #[test]
    fn each_kind_accepts_what_the_record_allows_and_says_why_not() {
        let lvl = spec("capability_level");
        assert_eq!(check(lvl, "5", true), None);
        assert!(check(lvl, "6", true).unwrap().contains("0 to 5"));
        assert!(check(lvl, "-1", true).is_some());
        let s = spec("compliance_score");
        assert_eq!(check(s, "0", true), None);
        assert_eq!(check(s, "1.0", true), None);
        assert!(check(s, "1.01", true).unwrap().contains("from 0 to 1"));
        assert!(check(s, "NaN", true).is_some());
        assert!(check(s, "abc", true).unwrap().contains("a number"));
        let o = spec("process_outcome");
        assert_eq!(check(o, "partial", true), None);
        assert!(check(o, "great", true).unwrap().contains("not_assessed"));
        let id = spec("descriptor_id");
        assert_eq!(check(id, "", true), None, "blank derives the id");
        assert_eq!(check(id, "0123456789abcdef", true), None);
        assert!(check(id, "0123456789ABCDEF", true).is_some());
        let t = spec("assessed_at");
        assert_eq!(check(t, "2026-11-01T09:00:00.000001+00:00", true), None);
        assert!(check(t, "yesterday", true).is_some());
        let p = spec("process_name");
        assert_eq!(
            check(p, " ", false),
            None,
            "empty is reported only when strict"
        );
        assert!(check(p, " ", true).unwrap().contains("required"));
    }

    #[test]
    fn lists_split_at_commas_and_new_lines() {
        assert_eq!(list_values("a, b\nc,,\n d "), ["a", "b", "c", "d"]);
        assert!(list_values(" , \n").is_empty());
    }
}
