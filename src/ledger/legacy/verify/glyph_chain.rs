//! Verification of the legacy forensic time chain (`glyph_chain.jsonl`).
//!
//! The three hash formulas of the legacy time keeper hash the float fields
//! as Python printed them, which is exactly the number token in the line, so
//! the tokens are hashed as written, never re-formatted. Each pulse is judged
//! against the `last` value carried from the pulse stored before it, so one
//! bad pulse is reported once and the pulses after it still verify.
//!
//! As for the descriptor chain, the work is split: [`check_pulse_line`]
//! (parsing, schema, `pulse_id`, the per-pulse time checks) needs only the
//! line and runs on worker threads; [`GlyphChainVerifier::accept`] checks, in
//! file order, the link to the previous pulse and the time sequence.

use crate::ledger::hash::{hex_str, sha256_hex};
use crate::ledger::io::reader::RawLine;
use crate::ledger::legacy::format::line_builder::genesis_last;
use crate::ledger::legacy::verify::glyph_line::PulseFacts;
pub use crate::ledger::legacy::verify::glyph_line::{
    PulseLineChecks, PulseOutcome, check_pulse_line,
};
use crate::ledger::legacy::verify::lines::LineHygiene;
use crate::ledger::legacy::verify::time_checks::TimeChecker;
use crate::ledger::model::finding::{Finding, FindingKind};

/// Streaming verifier of `glyph_chain.jsonl`: the in-order part.
#[derive(Debug)]
pub struct GlyphChainVerifier {
    hygiene: LineHygiene,
    /// The `last` value the next pulse links to (bytes of a stored hash).
    last: Vec<u8>,
    /// False after a pulse without a usable glyph hash (already reported):
    /// the next pulse's link cannot be judged.
    anchor_known: bool,
    first: bool,
    records: u64,
    time: TimeChecker,
    /// The per-line checks, for [`GlyphChainVerifier::feed`].
    line_checks: PulseLineChecks,
}

impl GlyphChainVerifier {
    /// A verifier that runs the time consistency checks with `time`.
    pub fn new(time: TimeChecker) -> Self {
        let line_checks = PulseLineChecks {
            fields: time.field_checks(),
            fingerprint: foldhash::quality::RandomState::default(),
        };
        GlyphChainVerifier {
            hygiene: LineHygiene::default(),
            last: genesis_last().into_bytes(),
            anchor_known: true,
            first: true,
            records: 0,
            time,
            line_checks,
        }
    }

    /// The per-line checks to run on worker threads before [`Self::accept`].
    pub fn line_checks(&self) -> &PulseLineChecks {
        &self.line_checks
    }

    /// Lines that held a JSON object.
    pub fn records(&self) -> u64 {
        self.records
    }

    /// The `last` value the next pulse must link to (the previous pulse's
    /// `glyph_hash` cut to 32 characters, or the genesis value), or `None`
    /// when the last pulse had no usable glyph hash.
    pub fn next_last(&self) -> Option<&str> {
        self.anchor_known
            .then(|| std::str::from_utf8(&self.last).ok())
            .flatten()
    }

    /// The time checker, with the run segments it saw.
    pub fn time(&self) -> &TimeChecker {
        &self.time
    }

    /// Verify one line (both stages, on this thread).
    pub fn feed(&mut self, line: &RawLine<'_>, out: &mut Vec<Finding>) {
        let outcome = check_pulse_line(line, &self.line_checks);
        self.accept(outcome, out);
    }

    /// The in-order stage: take a line checked by [`check_pulse_line`], in
    /// file order, and check what depends on the pulses before it.
    pub fn accept(&mut self, o: PulseOutcome, out: &mut Vec<Finding>) {
        let from = out.len();
        out.extend(o.findings);
        self.hygiene.fold(out, from);
        let Some(facts) = o.record else { return };
        self.records += 1;
        let fields_end = out.len();
        if facts.id_ok && self.anchor_known {
            self.check_link(o.line, o.offset, &facts, out);
        }
        if let Some(g) = &facts.glyph_hash {
            self.advance(g.as_bytes());
        } else {
            self.first = false;
            self.anchor_known = false;
        }
        if let (Some(times), Some(id)) = (&facts.times, &facts.pulse_id) {
            let replay = self
                .time
                .check_in_order(&times.view(o.line, o.offset, id.as_str()), out);
            if replay {
                // Reported at its first line already: its field findings
                // would only repeat those.
                out.drain(fields_end - facts.field_findings..fields_end);
            }
        }
    }

    /// Call once after the last line.
    pub fn finish(&mut self, out: &mut [Finding]) {
        self.hygiene.finish(out);
    }

    /// `chain_hash` links the pulse to `last`; then `glyph_hash` must recompute.
    fn check_link(&self, n: u64, off: u64, f: &PulseFacts, out: &mut Vec<Finding>) {
        let (Some(id), Some(glyph), Some(chain), Some(source), Some(utc)) = (
            &f.pulse_id,
            &f.glyph_hash,
            &f.chain_hash,
            &f.source_node,
            &f.utc_unix,
        ) else {
            return;
        };
        let last = self.last.as_slice();
        // Compared as bytes: formatting hex for a message only on a mismatch
        // keeps this, the one sequential step per pulse, cheap.
        let computed = sha256_hex(&[glyph.as_bytes(), b":", last, b":", source.as_bytes()]);
        if computed[..32] != *chain.as_bytes() {
            let detail = if self.first {
                "the first pulse does not start from the genesis value: pulses before it were removed, or it was moved"
            } else {
                "chain_hash does not link this pulse to the pulse stored before it: pulses were deleted, inserted or \
                 reordered here"
            };
            out.push(
                Finding::new(FindingKind::ChainBreak, detail)
                    .at(n, off)
                    .record(id.as_str())
                    .expected_found(&hex_str(&computed)[..32], chain.as_str()),
            );
            return;
        }
        let g = sha256_hex(&[id.as_bytes(), b":", last, b":", utc.as_bytes()]);
        if g[..] != *glyph.as_bytes() {
            out.push(
                Finding::new(
                    FindingKind::HashMismatch,
                    "glyph_hash does not match pulse_id:last:utc_unix as written: utc_unix or glyph_hash was edited",
                )
                .at(n, off)
                .record(id.as_str())
                .expected_found(hex_str(&g), glyph.as_str()),
            );
        }
    }

    /// Carry `last` forward from the stored glyph hash.
    fn advance(&mut self, glyph: &[u8]) {
        self.first = false;
        self.anchor_known = true;
        self.last.clear();
        self.last.extend_from_slice(&glyph[..glyph.len().min(32)]);
    }
}
