//! The constitutional log: one binding event per service start.
//!
//! Not hash-chained; its entries are cross-checked against the manifest's
//! `CONSTITUTIONAL_BINDING` lines, which the service writes with the same
//! timestamp at the same start.

use crate::ledger::io::reader::RawLine;
use crate::ledger::json::{JStr, clip};
use crate::ledger::legacy::verify::lines::{LineHygiene, parse_error, schema_error};
use crate::ledger::model::descriptor::is_iso8601_with_offset;
use crate::ledger::model::finding::{Finding, FindingKind};
use serde::Deserialize;

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
struct BindingRecord<'a> {
    #[serde(borrow)]
    event: JStr<'a>,
    #[serde(borrow)]
    #[allow(dead_code)] // schema only: read to check its type
    article: JStr<'a>,
    #[serde(borrow)]
    #[allow(dead_code)]
    principle: JStr<'a>,
    #[serde(borrow)]
    #[allow(dead_code)]
    enforcement: Vec<JStr<'a>>,
    #[serde(borrow)]
    timestamp: JStr<'a>,
}

/// One entry of the log, located.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct BindingEntry {
    /// Its `timestamp`.
    pub timestamp: String,
    /// 1-based line.
    pub line: u64,
    /// Byte offset.
    pub offset: u64,
}

/// Streaming verifier of `constitutional_log.jsonl`.
#[derive(Debug, Default)]
pub struct ConstitutionalVerifier {
    hygiene: LineHygiene,
    entries: Vec<BindingEntry>,
    records: u64,
}

impl ConstitutionalVerifier {
    /// Lines that held a JSON object.
    pub fn records(&self) -> u64 {
        self.records
    }

    /// The entries read, in order.
    pub fn entries(&self) -> &[BindingEntry] {
        &self.entries
    }

    /// Check one line.
    pub fn feed(&mut self, line: &RawLine<'_>, out: &mut Vec<Finding>) {
        let Some(lt) = self.hygiene.check(line, out) else {
            return;
        };
        match serde_json::from_str::<BindingRecord>(lt.text) {
            Ok(rec) => {
                self.records += 1;
                let ts = Some(rec.timestamp.as_str());
                let schema = |field: &str, expected: &str, found: &str| {
                    schema_error(
                        line,
                        "binding",
                        ts,
                        field,
                        expected,
                        format!("{:?}", clip(found, 40)),
                    )
                };
                if rec.event.as_str() != "CONSTITUTIONAL_BINDING" {
                    out.push(schema(
                        "event",
                        "CONSTITUTIONAL_BINDING",
                        rec.event.as_str(),
                    ));
                }
                if !is_iso8601_with_offset(rec.timestamp.as_str()) {
                    out.push(schema(
                        "timestamp",
                        "ISO 8601 date-time with offset",
                        rec.timestamp.as_str(),
                    ));
                }
                self.entries.push(BindingEntry {
                    timestamp: rec.timestamp.as_str().to_owned(),
                    line: line.number,
                    offset: line.offset,
                });
            }
            Err(e) => {
                if serde_json::from_str::<serde_json::Value>(lt.text).is_ok() {
                    self.records += 1;
                    out.push(
                        Finding::new(
                            FindingKind::SchemaError,
                            "line is not a constitutional binding record",
                        )
                        .at(line.number, line.offset)
                        .expected_found(
                            "{event, article, principle, enforcement, timestamp}",
                            e.to_string(),
                        ),
                    );
                } else {
                    parse_error(line, lt.torn, &e, out);
                }
            }
        }
    }

    /// Call once after the last line.
    pub fn finish(&self, out: &mut [Finding]) {
        self.hygiene.finish(out);
    }
}
