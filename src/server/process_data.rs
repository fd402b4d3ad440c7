//! The legacy request model `ProcessData` (`POST /spice/descriptor`),
//! checked field by field with the errors `FastAPI` (pydantic 2) gives, so a
//! client that reads its 422 answers keeps working.

use crate::ledger::model::new_descriptor::NewDescriptor;
use serde_json::{Map, Value, json};

/// The outcome values the legacy model accepts (case-insensitive).
pub const OUTCOMES: [&str; 4] = ["compliant", "non_compliant", "partial", "not_assessed"];

/// One validation error, as `FastAPI` lists it in `{"detail": [...]}`.
pub type ValidationError = Value;

fn error(kind: &str, field: &str, msg: &str, input: &Value, ctx: Option<Value>) -> Value {
    let mut e = json!({ "type": kind, "loc": ["body", field], "msg": msg, "input": input });
    if let Some(c) = ctx {
        e["ctx"] = c;
    }
    e
}

/// A body that is not JSON, in `FastAPI`'s shape.
pub fn json_invalid(detail: &str, position: usize) -> Vec<Value> {
    vec![json!({
        "type": "json_invalid",
        "loc": ["body", position],
        "msg": "JSON decode error",
        "input": {},
        "ctx": { "error": detail },
    })]
}

struct Checker<'a> {
    body: &'a Map<String, Value>,
    errors: Vec<Value>,
}

impl Checker<'_> {
    fn get(&mut self, field: &str, whole: &Value) -> Option<&Value> {
        let v = self.body.get(field);
        if v.is_none() {
            self.errors
                .push(error("missing", field, "Field required", whole, None));
        }
        v
    }

    fn string(&mut self, field: &str, whole: &Value) -> String {
        match self.get(field, whole).cloned() {
            Some(Value::String(s)) => s,
            Some(other) => {
                self.errors.push(error(
                    "string_type",
                    field,
                    "Input should be a valid string",
                    &other,
                    None,
                ));
                String::new()
            }
            None => String::new(),
        }
    }

    fn strings(&mut self, field: &str, whole: &Value, default: bool) -> Vec<String> {
        let v = if default {
            match self.body.get(field) {
                None => return Vec::new(),
                Some(v) => v.clone(),
            }
        } else {
            match self.get(field, whole) {
                None => return Vec::new(),
                Some(v) => v.clone(),
            }
        };
        let Value::Array(items) = &v else {
            self.errors.push(error(
                "list_type",
                field,
                "Input should be a valid list",
                &v,
                None,
            ));
            return Vec::new();
        };
        let mut out = Vec::with_capacity(items.len());
        for (i, item) in items.iter().enumerate() {
            match item {
                Value::String(s) => out.push(s.clone()),
                other => self.errors.push(json!({
                    "type": "string_type",
                    "loc": ["body", field, i],
                    "msg": "Input should be a valid string",
                    "input": other,
                })),
            }
        }
        out
    }

    /// An integer, pydantic's lax way: an integral number or a string of one.
    fn int(&mut self, field: &str, whole: &Value) -> Option<i64> {
        let v = self.get(field, whole)?.clone();
        let parsed = match &v {
            Value::Number(n) => n.as_i64().or_else(|| {
                n.as_f64()
                    .filter(|f| f.fract() == 0.0 && f.abs() < 9.0e15)
                    .map(|f| f as i64)
            }),
            Value::String(s) => s.trim().parse::<i64>().ok(),
            _ => None,
        };
        if parsed.is_none() {
            let (kind, msg) = match v {
                Value::Number(_) => (
                    "int_from_float",
                    "Input should be a valid integer, got a number with a fractional part",
                ),
                Value::String(_) => (
                    "int_parsing",
                    "Input should be a valid integer, unable to parse string as an integer",
                ),
                _ => ("int_type", "Input should be a valid integer"),
            };
            self.errors.push(error(kind, field, msg, &v, None));
        }
        parsed
    }

    fn float(&mut self, field: &str, whole: &Value) -> Option<f64> {
        let v = self.get(field, whole)?.clone();
        let parsed = match &v {
            Value::Number(n) => n.as_f64(),
            Value::String(s) => s.trim().parse::<f64>().ok().filter(|f| f.is_finite()),
            _ => None,
        };
        if parsed.is_none() {
            let (kind, msg) = match v {
                Value::String(_) => (
                    "float_parsing",
                    "Input should be a valid number, unable to parse string as a number",
                ),
                _ => ("float_type", "Input should be a valid number"),
            };
            self.errors.push(error(kind, field, msg, &v, None));
        }
        parsed
    }

    fn bound<T: PartialOrd + Copy + Into<Value>>(
        &mut self,
        field: &str,
        value: Option<T>,
        input: &Value,
        ge: Option<T>,
        le: Option<T>,
        gt: Option<T>,
    ) {
        let Some(x) = value else { return };
        let input = input.get(field).unwrap_or(&Value::Null);
        if let Some(g) = gt
            && x <= g
        {
            let msg = format!("Input should be greater than {}", g.into());
            self.errors.push(error(
                "greater_than",
                field,
                &msg,
                input,
                Some(json!({ "gt": g.into() })),
            ));
        }
        if let Some(g) = ge
            && x < g
        {
            let msg = format!("Input should be greater than or equal to {}", g.into());
            self.errors.push(error(
                "greater_than_equal",
                field,
                &msg,
                input,
                Some(json!({ "ge": g.into() })),
            ));
        }
        if let Some(l) = le
            && x > l
        {
            let msg = format!("Input should be less than or equal to {}", l.into());
            self.errors.push(error(
                "less_than_equal",
                field,
                &msg,
                input,
                Some(json!({ "le": l.into() })),
            ));
        }
    }
}

/// Check a request body against `ProcessData`; the descriptor to append,
/// or every error found (`FastAPI` reports them all at once).
pub fn check(body: &Value) -> Result<NewDescriptor, Vec<ValidationError>> {
    let Value::Object(map) = body else {
        return Err(vec![json!({
            "type": "model_attributes_type",
            "loc": ["body"],
            "msg": "Input should be a valid dictionary or object to extract fields from",
            "input": body,
        })]);
    };
    let mut c = Checker {
        body: map,
        errors: Vec::new(),
    };
    let process_name = c.string("process_name", body);
    let process_version = c.string("process_version", body);
    let level = c.int("capability_level", body);
    c.bound("capability_level", level, body, Some(0), Some(5), None);
    let outcome_raw = c.string("process_outcome", body);
    let outcome = outcome_raw.to_ascii_lowercase();
    if map.get("process_outcome").is_some_and(Value::is_string) && !OUTCOMES.contains(&&*outcome) {
        c.errors.push(error(
            "enum",
            "process_outcome",
            "Input should be 'compliant', 'non_compliant', 'partial' or 'not_assessed'",
            &Value::String(outcome_raw),
            Some(
                json!({ "expected": "'compliant', 'non_compliant', 'partial' or 'not_assessed'" }),
            ),
        ));
    }
    let score = c.float("compliance_score", body);
    c.bound("compliance_score", score, body, Some(0.0), Some(1.0), None);
    let apriori_refs = c.strings("apriori_refs", body, true);
    let aposteriori_refs = c.strings("aposteriori_refs", body, true);
    let glyph_range_start = c.string("glyph_range_start", body);
    let glyph_range_end = c.string("glyph_range_end", body);
    let glyph_count = c.int("glyph_count", body);
    c.bound("glyph_count", glyph_count, body, None, None, Some(0));
    let evidence_required = c.strings("evidence_required", body, false);
    let evidence_provided = c.strings("evidence_provided", body, false);
    let assessed_by = c.string("assessed_by", body);
    let assessment_method = c.string("assessment_method", body);
    let active_constraints = c.strings("active_constraints", body, false);
    // Within the bounds checked above, so these conversions hold.
    let glyph_count = glyph_count.and_then(|g| u32::try_from(g).ok());
    if glyph_count.is_none() && c.errors.is_empty() {
        c.errors.push(error(
            "less_than_equal",
            "glyph_count",
            "Input should be less than or equal to 4294967295",
            map.get("glyph_count").unwrap_or(&Value::Null),
            Some(json!({ "le": 4_294_967_295_u64 })),
        ));
    }
    if !c.errors.is_empty() {
        return Err(c.errors);
    }
    Ok(NewDescriptor {
        descriptor_id: None,
        process_name,
        process_version,
        capability_level: u8::try_from(level.unwrap_or_default()).unwrap_or_default(),
        process_outcome: outcome,
        compliance_score: score.unwrap_or_default(),
        apriori_refs,
        aposteriori_refs,
        glyph_range_start,
        glyph_range_end,
        glyph_count: glyph_count.unwrap_or_default(),
        evidence_required,
        evidence_provided,
        assessed_by,
        assessed_at: None,
        assessment_method,
        active_constraints,
        advisory_notes: None,
        attribute_ratings: None,
    })
}
