//! Unchained JSON-lines logs: the time keeper's start log and the v1
//! layer's binding log. Only their form can be checked.

use crate::ledger::io::reader::RawLine;
use crate::ledger::legacy::verify::lines::{LineHygiene, parse_error, schema_error};
use crate::ledger::model::finding::{Finding, FindingKind};
use serde_json::{Map, Value};

/// Keys of a `forensic_audit.log` line.
pub const AUDIT_FIELDS: [&str; 6] = [
    "timestamp",
    "article",
    "clause",
    "binding",
    "system",
    "node",
];
/// Keys of a v1 `constitutional_binding.jsonl` line.
pub const V1_BINDING_FIELDS: [&str; 6] = [
    "event",
    "constitutional_article",
    "principle",
    "binding",
    "vault_contamination",
    "timestamp",
];

/// Verifier of a log whose lines are flat objects of string fields.
#[derive(Debug)]
pub struct PlainLogVerifier {
    fields: &'static [&'static str],
    hygiene: LineHygiene,
    records: u64,
    timestamps: Vec<(String, u64)>,
}

impl PlainLogVerifier {
    /// A verifier for lines with exactly `fields`, all strings.
    pub fn new(fields: &'static [&'static str]) -> Self {
        PlainLogVerifier {
            fields,
            hygiene: LineHygiene::default(),
            records: 0,
            timestamps: Vec::new(),
        }
    }

    /// Lines that held a JSON object.
    pub fn records(&self) -> u64 {
        self.records
    }

    /// The `timestamp` of each record that had one, with its line.
    pub fn timestamps(&self) -> &[(String, u64)] {
        &self.timestamps
    }

    /// Check one line.
    pub fn feed(&mut self, line: &RawLine<'_>, out: &mut Vec<Finding>) {
        let Some(lt) = self.hygiene.check(line, out) else {
            return;
        };
        let obj: Map<String, Value> = match serde_json::from_str::<Value>(lt.text) {
            Ok(Value::Object(o)) => o,
            Ok(other) => {
                out.push(
                    Finding::new(FindingKind::ParseError, "line is not a JSON object")
                        .at(line.number, line.offset)
                        .expected_found("one JSON object", crate::ledger::json::type_name(&other)),
                );
                return;
            }
            Err(e) => return parse_error(line, lt.torn, &e, out),
        };
        self.records += 1;
        let ts = obj.get("timestamp").and_then(Value::as_str);
        let problem = |field: &str, expected: &str, found: &str| {
            schema_error(line, "log's", ts, field, expected, found)
        };
        for f in self.fields {
            match obj.get(*f) {
                None => out.push(problem(f, "a string", "missing")),
                Some(v) if !v.is_string() => {
                    out.push(problem(f, "a string", crate::ledger::json::type_name(v)));
                }
                Some(_) => {}
            }
        }
        for k in obj.keys().filter(|k| !self.fields.contains(&k.as_str())) {
            out.push(problem(k, "no such field", "present"));
        }
        if let Some(ts) = ts {
            self.timestamps.push((ts.to_owned(), line.number));
        }
    }

    /// Call once after the last line.
    pub fn finish(&self, out: &mut [Finding]) {
        self.hygiene.finish(out);
    }
}
