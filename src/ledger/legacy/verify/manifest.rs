//! Cross-check of the integrity manifest against the SPICE chain.
//!
//! Each manifest line says "after this operation the chain held
//! `descriptor_count` records, and the SHA-256 of their concatenated
//! `descriptor_hash` values was `chain_hash`". The chain is walked once,
//! alongside the manifest, with one running hash: each line costs O(1).
//!
//! Once the chain and the manifest diverge they disagree on every later
//! line (a prefix hash cannot recover), so the first disagreement is
//! reported with the exact record range it pins down, and the later ones
//! are counted into it rather than listed.

use crate::ledger::discover::FileKind;
use crate::ledger::io::reader::RawLine;
use crate::ledger::json::{JStr, clip};
use crate::ledger::legacy::verify::lines::{LineHygiene, parse_error, schema_error};
use crate::ledger::model::descriptor::is_iso8601_with_offset;
use crate::ledger::model::finding::{Finding, FindingKind, LineRange, Severity};
use serde::Deserialize;

/// Access to the chain the manifest attests, advanced in step with it.
pub trait ChainCursor {
    /// Advance until `n` records have been read or the chain ends; return
    /// the number of records read so far.
    fn advance_to(&mut self, n: u64) -> u64;
    /// Lower-case hex SHA-256 of the concatenated stored hashes of the
    /// records read so far (`""` for none, as the legacy service writes it).
    fn prefix_hash(&self) -> String;
    /// Id of the last record read.
    fn last_id(&self) -> &str;
    /// 1-based line of the last record read.
    fn last_line(&self) -> u64;
    /// Whether the chain ended in a torn line that held no complete record.
    fn ends_torn(&self) -> bool;
    /// Whether the chain could not be read to its end (absent, refused, or
    /// a read error): a count beyond the records read is then unknown, not
    /// proof of a shorter chain.
    fn unread(&self) -> bool {
        false
    }
}

/// One manifest line as the legacy service writes it.
#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
struct ManifestRecord<'a> {
    #[serde(borrow)]
    timestamp: JStr<'a>,
    #[serde(borrow)]
    operation: JStr<'a>,
    #[serde(borrow, default)]
    descriptor_id: Option<JStr<'a>>,
    #[serde(borrow)]
    chain_hash: JStr<'a>,
    descriptor_count: i64,
}

/// A `CONSTITUTIONAL_BINDING` line, kept for the constitutional log cross-check.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct BindingLine {
    /// Its `timestamp`.
    pub timestamp: String,
    /// 1-based line number.
    pub line: u64,
    /// Byte offset.
    pub offset: u64,
}

/// The first disagreement between manifest and chain, with what followed it.
#[derive(Debug)]
struct Divergence {
    finding: usize,
    later: u64,
}

/// Streaming verifier of `integrity_manifest.jsonl`.
#[derive(Debug, Default)]
pub struct ManifestVerifier {
    hygiene: LineHygiene,
    records: u64,
    last_count: Option<(u64, u64)>,
    /// The last line that still matched: (count, manifest line, chain line).
    last_good: Option<(u64, u64, u64)>,
    divergence: Option<Divergence>,
    truncation: Option<Divergence>,
    bindings: Vec<BindingLine>,
    /// The first line whose count could not be compared with the chain,
    /// because the chain could not be read that far.
    unchecked_from: Option<u64>,
    /// Byte offset of the line that attests the highest count.
    last_count_offset: u64,
    /// Batch records beside the manifest: `(records attested before the
    /// batch, records in it)` (see [`ManifestVerifier::explained_by_batches`]).
    batches: Vec<(u64, u64)>,
}

impl ManifestVerifier {
    /// The first manifest line that attests more records than could be read
    /// from the chain (the chain being unreadable from there): that line and
    /// the later ones were checked on their own, not against the chain.
    pub fn unchecked_from(&self) -> Option<u64> {
        self.unchecked_from
    }

    /// Lines that held a manifest record.
    pub fn records(&self) -> u64 {
        self.records
    }

    /// The binding lines seen, in order.
    pub fn bindings(&self) -> &[BindingLine] {
        &self.bindings
    }

    /// Whether the manifest already disagrees with the chain (diverged, or
    /// attests records the chain lacks): later lines are counted into that
    /// first finding instead of being checked on their own.
    pub fn diverged(&self) -> bool {
        self.divergence.is_some() || self.truncation.is_some()
    }

    /// The batch records of appends that write several records (then their
    /// manifest lines): `(records attested when it was written, records
    /// it covers)`. A crash between the two writes of such a batch leaves
    /// records `after+1..=after+records` unattested at most; without one, at
    /// most one record.
    pub fn explained_by_batches(&mut self, batches: Vec<(u64, u64)>) {
        self.batches = batches;
    }

    /// The highest descriptor count attested so far.
    pub fn attested_count(&self) -> u64 {
        self.last_count.map_or(0, |(c, _)| c)
    }

    /// The highest descriptor count attested so far and the 1-based line
    /// that attests it (`None` before any line with a count).
    pub fn attested_at(&self) -> Option<(u64, u64)> {
        self.last_count
    }

    /// Verify one manifest line against the chain.
    pub fn feed(
        &mut self,
        line: &RawLine<'_>,
        chain: &mut dyn ChainCursor,
        out: &mut Vec<Finding>,
    ) {
        let Some(lt) = self.hygiene.check(line, out) else {
            return;
        };
        let rec = match serde_json::from_str::<ManifestRecord>(lt.text) {
            Ok(r) => r,
            Err(e) => {
                if serde_json::from_str::<serde_json::Value>(lt.text).is_ok() {
                    out.push(
                        Finding::new(FindingKind::SchemaError, "line is not a manifest record")
                            .at(line.number, line.offset)
                            .expected_found(
                                "{timestamp, operation, [descriptor_id,] chain_hash, descriptor_count}",
                                e.to_string(),
                            ),
                    );
                    self.records += 1;
                } else {
                    parse_error(line, lt.torn, &e, out);
                }
                return;
            }
        };
        self.records += 1;
        let (n, off) = (line.number, line.offset);
        let ts = rec.timestamp.as_str();
        if !Self::schema_ok(line, &rec, out) {
            return;
        }
        let count = u64::try_from(rec.descriptor_count).unwrap_or(0);
        let is_create = rec.operation.as_str() == "CREATE_DESCRIPTOR";
        if !is_create {
            self.bindings.push(BindingLine {
                timestamp: ts.to_owned(),
                line: n,
                offset: off,
            });
        }

        if !self.count_in_order(line, ts, count, is_create, out) {
            return;
        }
        self.last_count = Some((count, n));
        self.last_count_offset = off;

        let have = chain.advance_to(count);
        if have < count && chain.unread() {
            // Not read is not removed: no finding from bytes never seen.
            self.unchecked_from.get_or_insert(n);
            return;
        }
        if have < count {
            self.short_chain(line, ts, count, have, chain.ends_torn(), out);
            return;
        }
        if self.divergence.is_some() {
            self.diverged_again();
            return;
        }
        let computed = chain.prefix_hash();
        let id_ok = !is_create
            || rec
                .descriptor_id
                .as_ref()
                .is_some_and(|d| d.as_str() == chain.last_id());
        if computed == rec.chain_hash.as_str() && id_ok {
            self.last_good = Some((count, n, chain.last_line()));
            return;
        }
        self.report_divergence(line, &rec, chain, &computed, out);
    }

    /// Call after the last manifest line, with the chain read to its end.
    ///
    /// Records at the chain's end that no manifest line attests: an append
    /// writes its chain line before its manifest line, so a crash between
    /// the two leaves one record so (a warning, completed by `iss repair` or
    /// the next append), or a batch's records when a batch record says a
    /// batch was being written. More than that is not a crash: manifest
    /// lines were removed from the end, and with them the only witness of
    /// those records (a violation).
    pub fn finish(&mut self, chain: &mut dyn ChainCursor, out: &mut Vec<Finding>) {
        self.finish_lines(out);
        let attested = self.attested_count();
        let first = chain.advance_to(attested.saturating_add(1));
        let (first_id, first_line) = (chain.last_id().to_owned(), chain.last_line());
        let total = chain.advance_to(u64::MAX);
        if self.records == 0 || total <= attested || first <= attested {
            return;
        }
        let missing = total - attested;
        let batch = self
            .batches
            .iter()
            .any(|&(after, n)| after <= attested && after.saturating_add(n) >= total);
        if missing == 1 || batch {
            let by = if batch && missing > 1 {
                " (a batch record beside the manifest says a batch of records was being written)"
            } else {
                ""
            };
            out.push(
                Finding::new(
                    FindingKind::ManifestMismatch,
                    format!(
                        "the chain's last {missing} record(s), from record {}, are not attested by any manifest line: \
                         an append stopped between its chain write and its manifest write leaves its records so{by} \
                         (`iss repair`, or the next `iss append`, writes their manifest lines)",
                        attested + 1
                    ),
                )
                .severity(Severity::Warning)
                .expected_found(format!("{attested} records attested"), format!("{total} records in the chain")),
            );
            return;
        }
        let (line, off) = self
            .attested_at()
            .map_or((0, 0), |(_, l)| (l, self.last_count_offset));
        let mut f = Finding::new(
            FindingKind::ManifestMismatch,
            format!(
                "the chain's last {missing} records (records {}-{total}, chain lines {first_line}-{}, descriptors \
                 {first_id} to {}) are attested by no manifest line, and no batch record explains it: an append \
                 writes each chain line before its manifest line, so a crash leaves at most one record \
                 unattested; {missing} means manifest lines were removed from the end, and with them the only \
                 witness of these records (their fields and hashes can be rewritten undetected)",
                attested + 1,
                chain.last_line(),
                chain.last_id()
            ),
        )
        .record(first_id)
        .expected_found(
            format!(
                "at most 1 record after the last manifest line's count ({attested}), or {total} records attested"
            ),
            format!("{total} records in the chain, {attested} attested"),
        )
        .related(LineRange {
            file: FileKind::SpiceChain.name(),
            first_line,
            last_line: chain.last_line(),
        });
        if line > 0 {
            f = f.at(line, off);
        }
        out.push(f);
    }

    /// Call instead of [`ManifestVerifier::finish`] when the manifest could
    /// not be read to its end: its unread lines may attest the chain's
    /// later records, so the chain's tail is not compared with it.
    pub fn finish_unread(&mut self, out: &mut [Finding]) {
        self.finish_lines(out);
    }

    /// What ends with the last line read: line hygiene, and the counts of
    /// later lines folded into the first divergence.
    fn finish_lines(&mut self, out: &mut [Finding]) {
        self.hygiene.finish(out);
        for (d, what) in [
            (&self.divergence, "disagree with the chain as well"),
            (&self.truncation, "attest records the chain lacks as well"),
        ] {
            if let Some(d) = d
                && d.later > 0
                && let Some(f) = out.get_mut(d.finding)
            {
                f.detail = format!("{}; the {} later manifest lines {what}", f.detail, d.later);
            }
        }
    }

    fn short_chain(
        &mut self,
        line: &RawLine<'_>,
        ts: &str,
        count: u64,
        have: u64,
        torn: bool,
        out: &mut Vec<Finding>,
    ) {
        if self.divergence.is_some() {
            self.diverged_again();
            return;
        }
        if let Some(t) = &mut self.truncation {
            t.later += 1;
            return;
        }
        if torn && count == have + 1 {
            // The missing record is the torn last line, already reported.
            return;
        }
        self.truncation = Some(Divergence {
            finding: out.len(),
            later: 0,
        });
        let torn_note = if torn { " plus a torn last line" } else { "" };
        out.push(
            Finding::new(
                FindingKind::Truncated,
                format!(
                    "spice_chain.jsonl ends after {have} records{torn_note}, but this line attests {count}: records were \
                     removed from the end of the chain"
                ),
            )
            .at(line.number, line.offset)
            .record(ts)
            .expected_found(format!("at least {count} records"), format!("{have} records")),
        );
    }

    /// Counts only grow: by one per created descriptor, by none at a
    /// binding. Returns false when the line cannot be checked against the
    /// chain because its count went backwards.
    fn count_in_order(
        &self,
        line: &RawLine<'_>,
        ts: &str,
        count: u64,
        is_create: bool,
        out: &mut Vec<Finding>,
    ) -> bool {
        let (n, off) = (line.number, line.offset);
        // Before the first line the chain is empty: a manifest whose first
        // lines were deleted starts with a count above 0 or 1.
        let (prev, prev_line) = self.last_count.unwrap_or((0, 0));
        let since = if prev_line == 0 {
            "the start of the manifest".to_owned()
        } else {
            format!("line {prev_line}")
        };
        let expected = if is_create { prev + 1 } else { prev };
        if count < prev {
            out.push(
                Finding::new(
                    FindingKind::ManifestMismatch,
                    format!(
                        "descriptor_count went back from {prev} ({since}) to {count}: manifest lines are \
                         out of order, or the chain was cut and the service restarted on it; this line's \
                         chain_hash was not checked"
                    ),
                )
                .at(n, off)
                .record(ts)
                .expected_found(format!("descriptor_count {expected}"), count.to_string()),
            );
            return false;
        }
        if count != expected {
            out.push(
                Finding::new(
                    FindingKind::ManifestMismatch,
                    format!(
                        "descriptor_count jumps from {prev} ({since}) to {count}: manifest lines are missing"
                    ),
                )
                .at(n, off)
                .record(ts)
                .expected_found(format!("descriptor_count {expected}"), count.to_string()),
            );
        }
        true
    }

    /// The first manifest line that no longer matches the chain: say which
    /// records it implicates; later lines are counted into this finding.
    fn report_divergence(
        &mut self,
        line: &RawLine<'_>,
        rec: &ManifestRecord<'_>,
        chain: &dyn ChainCursor,
        computed: &str,
        out: &mut Vec<Finding>,
    ) {
        let (n, off) = (line.number, line.offset);
        let ts = rec.timestamp.as_str();
        let count = u64::try_from(rec.descriptor_count).unwrap_or(0);
        let first = self.last_good.map_or(1, |(c, ..)| c + 1);
        let range = if first == count {
            format!("record {count} (chain line {})", chain.last_line())
        } else {
            format!(
                "a record among records {first}-{count} (chain line {} is record {count})",
                chain.last_line()
            )
        };
        let witness = self.last_good.map_or(String::new(), |(c, l, _)| {
            format!(" (line {l} still matched the first {c})")
        });
        let detail = if computed == rec.chain_hash.as_str() {
            format!(
                "this line names descriptor {} as record {count}, but the chain's record {count} (line {}) is {}",
                rec.descriptor_id.as_ref().map_or("", JStr::as_str),
                chain.last_line(),
                chain.last_id()
            )
        } else {
            format!(
                "the chain's first {count} records no longer hash to what this line recorded{witness}: {range} was \
                 removed, replaced or moved after this line was written"
            )
        };
        self.divergence = Some(Divergence {
            finding: out.len(),
            later: 0,
        });
        out.push(
            Finding::new(FindingKind::ManifestMismatch, detail)
                .at(n, off)
                .record_opt(
                    rec.descriptor_id
                        .as_ref()
                        .map(|d| d.as_str().to_owned())
                        .or(Some(ts.to_owned())),
                )
                .expected_found(rec.chain_hash.as_str(), computed)
                .related(LineRange {
                    file: FileKind::SpiceChain.name(),
                    first_line: self.last_good.map_or(1, |(.., l)| l + 1),
                    last_line: chain.last_line(),
                }),
        );
    }

    fn diverged_again(&mut self) {
        if let Some(d) = &mut self.divergence {
            d.later += 1;
        }
    }

    fn schema_ok(line: &RawLine<'_>, rec: &ManifestRecord<'_>, out: &mut Vec<Finding>) -> bool {
        let mut problems: Vec<(&str, &str, String)> = Vec::new();
        if !is_iso8601_with_offset(rec.timestamp.as_str()) {
            problems.push((
                "timestamp",
                "ISO 8601 date-time with offset",
                format!("{:?}", clip(rec.timestamp.as_str(), 40)),
            ));
        }
        match (rec.operation.as_str(), &rec.descriptor_id) {
            ("CREATE_DESCRIPTOR", Some(_)) | ("CONSTITUTIONAL_BINDING", None) => {}
            ("CREATE_DESCRIPTOR", None) => problems.push((
                "descriptor_id",
                "present on CREATE_DESCRIPTOR",
                "missing".into(),
            )),
            ("CONSTITUTIONAL_BINDING", Some(_)) => {
                problems.push((
                    "descriptor_id",
                    "absent on CONSTITUTIONAL_BINDING",
                    "present".into(),
                ));
            }
            (other, _) => problems.push((
                "operation",
                "CREATE_DESCRIPTOR or CONSTITUTIONAL_BINDING",
                format!("{:?}", clip(other, 40)),
            )),
        }
        if rec.descriptor_count < 0 {
            problems.push((
                "descriptor_count",
                "a non-negative integer",
                rec.descriptor_count.to_string(),
            ));
        }
        let h = rec.chain_hash.as_str();
        let hash_ok = if rec.descriptor_count == 0 {
            h.is_empty()
        } else {
            crate::ledger::model::descriptor::is_hex(h, 64)
        };
        if !hash_ok {
            problems.push((
                "chain_hash",
                "64 lower-case hex characters (\"\" for count 0)",
                format!("{:?}", clip(h, 70)),
            ));
        }
        for (field, expected, found) in &problems {
            out.push(schema_error(
                line,
                "manifest",
                Some(rec.timestamp.as_str()),
                field,
                *expected,
                found.clone(),
            ));
        }
        problems.is_empty()
    }
}
