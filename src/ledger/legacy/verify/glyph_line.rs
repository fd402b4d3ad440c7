//! The part of time-chain verification that needs only the line at hand:
//! parsing, schema, the `pulse_id` formula and the per-pulse time checks.
//! It runs on worker threads; [`super::glyph_chain`] does the rest in order.

use crate::ledger::hash::{hex_str, sha256_hex};
use crate::ledger::io::reader::RawLine;
use crate::ledger::json::{JStr, NumToken, ShortStr, clip};
use crate::ledger::legacy::verify::lines::{check_line, parse_error, schema_error};
use crate::ledger::legacy::verify::time_checks::{FieldChecks, PulseTimes};
use crate::ledger::model::descriptor::is_hex;
use crate::ledger::model::finding::{Finding, FindingKind};
use serde::Deserialize;
use serde_json::Value;
use std::hash::BuildHasher;

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
struct PulseRecord<'a> {
    #[serde(borrow)]
    tai_ns: NumToken<'a>,
    #[serde(borrow)]
    utc_iso: JStr<'a>,
    #[serde(borrow)]
    et_s: NumToken<'a>,
    #[serde(borrow)]
    utc_unix: NumToken<'a>,
    #[serde(borrow)]
    epoch_days: NumToken<'a>,
    #[serde(borrow)]
    julian_date: NumToken<'a>,
    #[serde(borrow)]
    pulse_id: JStr<'a>,
    #[serde(borrow)]
    glyph_hash: JStr<'a>,
    #[serde(borrow)]
    chain_hash: JStr<'a>,
    #[serde(borrow)]
    source_node: JStr<'a>,
}

const FIELDS: [&str; 10] = [
    "tai_ns",
    "utc_iso",
    "et_s",
    "utc_unix",
    "epoch_days",
    "julian_date",
    "pulse_id",
    "glyph_hash",
    "chain_hash",
    "source_node",
];

/// What the per-line checks need, shared by the worker threads.
#[derive(Debug, Clone)]
pub struct PulseLineChecks {
    /// The per-pulse time checks.
    pub fields: FieldChecks,
    /// Keys the line fingerprints that tell replays from reused ids.
    pub fingerprint: foldhash::quality::RandomState,
}

/// What one pulse line says, checked on its own.
#[derive(Debug, Clone, Default)]
pub struct PulseOutcome {
    /// 1-based line number.
    pub line: u64,
    /// Byte offset of the line.
    pub offset: u64,
    /// Findings that need no other line; the time field findings come last.
    pub findings: Vec<Finding>,
    /// The record, when the line held a JSON object.
    pub record: Option<PulseFacts>,
}

/// The fields the in-order checks need, as stored.
#[derive(Debug, Clone)]
pub struct PulseFacts {
    /// `pulse_id`, when it is a string.
    pub pulse_id: Option<ShortStr>,
    /// Whether `pulse_id` recomputes from the line (else already reported).
    pub id_ok: bool,
    /// `glyph_hash`: the next pulse's `last` is its first 32 characters.
    pub glyph_hash: Option<ShortStr>,
    /// `chain_hash`.
    pub chain_hash: Option<ShortStr>,
    /// `source_node`.
    pub source_node: Option<ShortStr>,
    /// The `utc_unix` token as written.
    pub utc_unix: Option<ShortStr>,
    /// The time values, when the schema held.
    pub times: Option<PulseTimesOwned>,
    /// How many of the outcome's findings (the last ones) are time field
    /// findings, dropped again if the pulse turns out to be a replay.
    pub field_findings: usize,
}

/// [`PulseTimes`] without borrows, to cross threads.
#[derive(Debug, Clone)]
pub struct PulseTimesOwned {
    /// Legacy `tai_ns` (the writer's monotonic clock).
    pub monotonic_ns: i64,
    /// `utc_iso`.
    pub utc_iso: ShortStr,
    /// `utc_unix`.
    pub utc_unix: f64,
    /// `et_s`.
    pub et_s: f64,
    /// `epoch_days`.
    pub epoch_days: f64,
    /// `julian_date`.
    pub julian_date: f64,
    /// Keyed fingerprint of the whole line.
    pub fingerprint: u64,
}

impl PulseTimesOwned {
    /// Borrow as the time checker's view of the pulse on `line`.
    pub fn view<'a>(&'a self, line: u64, offset: u64, pulse_id: &'a str) -> PulseTimes<'a> {
        PulseTimes {
            line,
            offset,
            pulse_id,
            monotonic_ns: self.monotonic_ns,
            utc_iso: self.utc_iso.as_str(),
            utc_unix: self.utc_unix,
            et_s: self.et_s,
            epoch_days: self.epoch_days,
            julian_date: self.julian_date,
            payload_fingerprint: self.fingerprint,
        }
    }
}

/// Check one pulse line on its own.
pub fn check_pulse_line(line: &RawLine<'_>, checks: &PulseLineChecks) -> PulseOutcome {
    let mut o = PulseOutcome {
        line: line.number,
        offset: line.offset,
        ..PulseOutcome::default()
    };
    let Some(lt) = check_line(line, &mut o.findings) else {
        return o;
    };
    match serde_json::from_str::<PulseRecord>(lt.text) {
        Ok(p) => o.record = Some(check_record(line, lt.text, &p, checks, &mut o.findings)),
        Err(e) => match serde_json::from_str::<Value>(lt.text) {
            Ok(v) => o.record = degraded(line, &v, &e, &mut o.findings),
            Err(e) => parse_error(line, lt.torn, &e, &mut o.findings),
        },
    }
    o
}

fn check_record(
    line: &RawLine<'_>,
    text: &str,
    p: &PulseRecord<'_>,
    checks: &PulseLineChecks,
    out: &mut Vec<Finding>,
) -> PulseFacts {
    let id = p.pulse_id.as_str();
    let schema_ok = schema(line, p, out);
    let pid = sha256_hex(&[
        p.tai_ns.0.as_bytes(),
        b":",
        p.utc_iso.as_str().as_bytes(),
        b":",
        p.et_s.0.as_bytes(),
        b":",
        p.source_node.as_str().as_bytes(),
    ]);
    let pid = &hex_str(&pid)[..32];
    let id_ok = pid == id;
    if !id_ok {
        out.push(
            Finding::new(
                FindingKind::HashMismatch,
                "pulse_id does not match tai_ns:utc_iso:et_s:source_node as written: one of these fields was edited",
            )
            .at(line.number, line.offset)
            .record(id)
            .expected_found(pid, id),
        );
    }
    let numbers = (
        p.tai_ns.as_i64(),
        p.utc_unix.as_f64(),
        p.et_s.as_f64(),
        p.epoch_days.as_f64(),
        p.julian_date.as_f64(),
    );
    let times = match numbers {
        (Some(monotonic_ns), Some(utc_unix), Some(et_s), Some(epoch_days), Some(julian_date))
            if schema_ok =>
        {
            Some(PulseTimesOwned {
                monotonic_ns,
                utc_iso: ShortStr::new(p.utc_iso.as_str()),
                utc_unix,
                et_s,
                epoch_days,
                julian_date,
                fingerprint: checks.fingerprint.hash_one(text),
            })
        }
        _ => None,
    };
    let before = out.len();
    if let Some(t) = &times {
        checks
            .fields
            .check(&t.view(line.number, line.offset, id), out);
    }
    PulseFacts {
        pulse_id: Some(ShortStr::new(id)),
        id_ok,
        glyph_hash: Some(ShortStr::new(p.glyph_hash.as_str())),
        chain_hash: Some(ShortStr::new(p.chain_hash.as_str())),
        source_node: Some(ShortStr::new(p.source_node.as_str())),
        utc_unix: Some(ShortStr::new(p.utc_unix.0)),
        times,
        field_findings: out.len() - before,
    }
}

fn schema(line: &RawLine<'_>, p: &PulseRecord<'_>, out: &mut Vec<Finding>) -> bool {
    let mut problems: Vec<(&str, &str, String)> = Vec::new();
    if p.tai_ns.as_i64().is_none() {
        problems.push(("tai_ns", "an integer (nanoseconds)", p.tai_ns.0.to_owned()));
    }
    for (name, tok) in [
        ("et_s", p.et_s),
        ("utc_unix", p.utc_unix),
        ("epoch_days", p.epoch_days),
        ("julian_date", p.julian_date),
    ] {
        if tok.as_f64().is_none_or(|v| !v.is_finite()) {
            problems.push((name, "a finite number", tok.0.to_owned()));
        }
    }
    for (name, value, len) in [
        ("pulse_id", p.pulse_id.as_str(), 32),
        ("glyph_hash", p.glyph_hash.as_str(), 64),
        ("chain_hash", p.chain_hash.as_str(), 32),
    ] {
        if !is_hex(value, len) {
            let expected = if len == 32 {
                "32 lower-case hex characters"
            } else {
                "64 lower-case hex characters"
            };
            problems.push((name, expected, format!("{:?}", clip(value, 70))));
        }
    }
    for (field, expected, found) in &problems {
        out.push(schema_error(
            line,
            "pulse",
            Some(p.pulse_id.as_str()),
            field,
            *expected,
            found.clone(),
        ));
    }
    problems.is_empty()
}

/// A pulse whose fields are missing or mistyped: say which, and keep its
/// glyph hash (if it has one) so the chain can go on from it.
fn degraded(
    line: &RawLine<'_>,
    v: &Value,
    err: &serde_json::Error,
    out: &mut Vec<Finding>,
) -> Option<PulseFacts> {
    let id = v.get("pulse_id").and_then(Value::as_str);
    let finding = |field: &str, expected: &str, found: String| {
        schema_error(line, "pulse", id, field, expected, found)
    };
    let Some(obj) = v.as_object() else {
        out.push(finding(
            "(record)",
            "a JSON object",
            crate::ledger::json::type_name(v).to_owned(),
        ));
        return None;
    };
    let before = out.len();
    for name in FIELDS {
        let numeric = matches!(
            name,
            "tai_ns" | "et_s" | "utc_unix" | "epoch_days" | "julian_date"
        );
        match obj.get(name) {
            None => out.push(finding(
                name,
                if numeric { "a number" } else { "a string" },
                "missing".into(),
            )),
            Some(x) if numeric && !x.is_number() => {
                out.push(finding(
                    name,
                    "a number",
                    crate::ledger::json::type_name(x).to_owned(),
                ));
            }
            Some(x) if !numeric && !x.is_string() => {
                out.push(finding(
                    name,
                    "a string",
                    crate::ledger::json::type_name(x).to_owned(),
                ));
            }
            Some(_) => {}
        }
    }
    for key in obj.keys().filter(|k| !FIELDS.contains(&k.as_str())) {
        out.push(finding(key, "no such field in a pulse", "present".into()));
    }
    if out.len() == before {
        out.push(finding(
            "(record)",
            "each key once, with a value of its type",
            err.to_string(),
        ));
    }
    let text = |k: &str| obj.get(k).and_then(Value::as_str).map(ShortStr::new);
    Some(PulseFacts {
        pulse_id: text("pulse_id"),
        id_ok: false,
        glyph_hash: text("glyph_hash"),
        chain_hash: None,
        source_node: None,
        utc_unix: None,
        times: None,
        field_findings: 0,
    })
}
