//! Verification of the legacy forensic time chain (`glyph_chain.jsonl`).
//!
//! The three hash formulas of the legacy time keeper hash the float fields
//! as Python printed them, which is exactly the number token in the line, so
//! the tokens are hashed as written, never re-formatted. Each pulse is judged
//! against the `last` value carried from the pulse stored before it, so one
//! bad pulse is reported once and the pulses after it still verify.

use crate::analysis::time_forensics::{PulseTimes, TimeChecker};
use crate::ledger::finding::{Finding, FindingKind};
use crate::ledger::hash::{hex_str, sha256_hex};
use crate::ledger::json::{JStr, NumToken, clip};
use crate::ledger::legacy::descriptor::is_hex;
use crate::ledger::legacy::lines::{LineHygiene, parse_error, schema_error};
use crate::ledger::legacy::writer::genesis_last;
use crate::ledger::reader::RawLine;
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

/// Streaming verifier of `glyph_chain.jsonl`.
#[derive(Debug)]
pub struct GlyphChainVerifier {
    hygiene: LineHygiene,
    last: String,
    /// False after a pulse without a usable glyph hash (already reported):
    /// the next pulse's link cannot be judged.
    anchor_known: bool,
    first: bool,
    records: u64,
    time: TimeChecker,
    /// Keys the per-line fingerprints that tell replays from reused ids.
    fingerprint: foldhash::quality::RandomState,
}

impl GlyphChainVerifier {
    /// A verifier that runs the time consistency checks with `time`.
    pub fn new(time: TimeChecker) -> Self {
        GlyphChainVerifier {
            hygiene: LineHygiene::default(),
            last: genesis_last(),
            anchor_known: true,
            first: true,
            records: 0,
            time,
            fingerprint: foldhash::quality::RandomState::default(),
        }
    }

    /// Lines that held a JSON object.
    pub fn records(&self) -> u64 {
        self.records
    }

    /// The time checker, with the run segments it saw.
    pub fn time(&self) -> &TimeChecker {
        &self.time
    }

    /// Verify one line.
    pub fn feed(&mut self, line: &RawLine<'_>, out: &mut Vec<Finding>) {
        let Some(lt) = self.hygiene.check(line, out) else {
            return;
        };
        match serde_json::from_str::<PulseRecord>(lt.text) {
            Ok(p) => {
                self.records += 1;
                self.check(line, lt.text, &p, out);
            }
            Err(e) => match serde_json::from_str::<Value>(lt.text) {
                Ok(v) => {
                    self.records += 1;
                    self.degraded(line, &v, &e, out);
                }
                Err(e) => parse_error(line, lt.torn, &e, out),
            },
        }
    }

    /// Call once after the last line.
    pub fn finish(&mut self, out: &mut [Finding]) {
        self.hygiene.finish(out);
    }

    fn check(
        &mut self,
        line: &RawLine<'_>,
        text: &str,
        p: &PulseRecord<'_>,
        out: &mut Vec<Finding>,
    ) {
        let (n, off) = (line.number, line.offset);
        let id = p.pulse_id.as_str();
        let schema_ok = Self::schema(line, p, out);
        let source = p.source_node.as_str().as_bytes();
        let last = self.last.as_bytes();

        let pid = sha256_hex(&[
            p.tai_ns.0.as_bytes(),
            b":",
            p.utc_iso.as_str().as_bytes(),
            b":",
            p.et_s.0.as_bytes(),
            b":",
            source,
        ]);
        let pid = &hex_str(&pid)[..32];
        let glyph = p.glyph_hash.as_str();
        if pid != id {
            out.push(
                Finding::new(
                    FindingKind::HashMismatch,
                    "pulse_id does not match tai_ns:utc_iso:et_s:source_node as written: one of these fields was edited",
                )
                .at(n, off)
                .record(id)
                .expected_found(pid, id),
            );
        } else if self.anchor_known {
            let chain = sha256_hex(&[glyph.as_bytes(), b":", last, b":", source]);
            let chain = &hex_str(&chain)[..32];
            if chain == p.chain_hash.as_str() {
                let g = sha256_hex(&[id.as_bytes(), b":", last, b":", p.utc_unix.0.as_bytes()]);
                let g = hex_str(&g);
                if g != glyph {
                    out.push(
                        Finding::new(
                            FindingKind::HashMismatch,
                            "glyph_hash does not match pulse_id:last:utc_unix as written: utc_unix or glyph_hash was edited",
                        )
                        .at(n, off)
                        .record(id)
                        .expected_found(g, glyph),
                    );
                }
            } else {
                let detail = if self.first {
                    "the first pulse does not start from the genesis value: pulses before it were removed, or it was moved"
                        .to_owned()
                } else {
                    "chain_hash does not link this pulse to the pulse stored before it: pulses were deleted, inserted or \
                     reordered here"
                        .to_owned()
                };
                out.push(
                    Finding::new(FindingKind::ChainBreak, detail)
                        .at(n, off)
                        .record(id)
                        .expected_found(chain, p.chain_hash.as_str()),
                );
            }
        }
        self.advance(glyph);

        if schema_ok {
            let numbers = (
                p.tai_ns.as_i64(),
                p.utc_unix.as_f64(),
                p.et_s.as_f64(),
                p.epoch_days.as_f64(),
                p.julian_date.as_f64(),
            );
            if let (Some(mono), Some(utc_unix), Some(et_s), Some(epoch_days), Some(julian_date)) =
                numbers
            {
                let times = PulseTimes {
                    line: n,
                    offset: off,
                    pulse_id: id,
                    monotonic_ns: mono,
                    utc_iso: p.utc_iso.as_str(),
                    utc_unix,
                    et_s,
                    epoch_days,
                    julian_date,
                    payload_fingerprint: self.fingerprint.hash_one(text),
                };
                self.time.check(&times, out);
            }
        }
    }

    /// Carry `last` forward from the stored glyph hash.
    fn advance(&mut self, glyph: &str) {
        self.first = false;
        self.anchor_known = true;
        self.last.clear();
        self.last.push_str(glyph.get(..32).unwrap_or(glyph));
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

    /// A pulse whose fields are missing or mistyped: say which, and carry
    /// the chain on from its glyph hash if it has one.
    fn degraded(
        &mut self,
        line: &RawLine<'_>,
        v: &Value,
        err: &serde_json::Error,
        out: &mut Vec<Finding>,
    ) {
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
            return;
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
        if let Some(g) = obj.get("glyph_hash").and_then(Value::as_str) {
            self.advance(g);
        } else {
            self.first = false;
            self.anchor_known = false;
        }
    }
}
