//! The pulse chain as the legacy time endpoints show it: each verified
//! pulse as a legacy pulse object, and the chain's verdict.

use super::judged::Through;
use super::state::Cap;
use crate::analysis::records::{Exclusions, pulse_file};
use crate::ledger::io::reader::LineReader;
use crate::ledger::model::finding::Finding;
use crate::ledger::model::report::VerifyReport;
use serde_json::{Value, json};
use std::collections::BTreeMap;
use std::io::{Read, Seek, SeekFrom};
use std::path::PathBuf;

/// Pulses kept in memory: the most `GET /time/history` shows.
pub const KEPT: usize = 1000;

/// The verified pulses, as legacy pulse objects: the last [`KEPT`] in
/// file order, and how many there are (memory stays bounded on a ledger of
/// millions of pulses).
#[derive(Debug, Default)]
pub struct Pulses {
    /// The last [`KEPT`] legacy pulse objects, with their 1-based line.
    pub list: std::collections::VecDeque<(u64, Value)>,
    /// Verified pulses in all.
    pub count: usize,
    /// The pulse file, and whether it is native.
    file: Option<(PathBuf, bool)>,
    loaded: u64,
    lines: u64,
    /// Lines the last full verification excluded.
    excluded: Exclusions,
}

impl Pulses {
    /// Load the verified pulses of the file a verification found.
    pub fn load(report: &VerifyReport) -> std::io::Result<Self> {
        let mut p = Pulses::default();
        let Some(file) = pulse_file(report) else {
            return Ok(p);
        };
        p.excluded = Exclusions::from_report(report, file.name());
        p.file = Some((file.path.to_path_buf(), file.kind.framed()));
        // The lines the verification read, no more: a line appended since
        // is taken in once the watcher judged it.
        let verified = super::state::verified_bytes(report, file.name());
        p.extend(Cap::bytes(verified), &BTreeMap::new())?;
        Ok(p)
    }

    /// Take in the lines `judged` covers (the watcher's verdicts on the
    /// pulses appended since, or our writer's own), leaving out the
    /// violated ones; a pulse already taken in that is now found violated
    /// is dropped from the list and the count.
    pub fn take_in(&mut self, judged: &Through) -> std::io::Result<usize> {
        for &line in judged.violated.keys().filter(|&&l| l <= self.lines) {
            if let Some(i) = self.list.iter().position(|(l, _)| *l == line) {
                self.list.remove(i);
                self.count = self.count.saturating_sub(1);
            }
        }
        match judged.line.filter(|&l| l > self.lines) {
            Some(through) => self.extend(Cap::lines(through - self.lines), &judged.violated),
            None => Ok(0),
        }
    }

    /// Read the complete lines past those read, as far as `cap` allows;
    /// `violated` (absolute line numbers) are left out.
    fn extend(&mut self, cap: Cap, violated: &BTreeMap<u64, String>) -> std::io::Result<usize> {
        let Some((path, native)) = self.file.clone() else {
            return Ok(0);
        };
        let Some(end) = cap.end(&path, self.loaded)? else {
            return Ok(0);
        };
        let mut f = std::fs::File::open(&path)?;
        f.seek(SeekFrom::Start(self.loaded))?;
        let mut source = super::state::CountLines::new(f.take(end - self.loaded), cap.lines);
        let before = self.count;
        let mut reader = LineReader::new(&mut source);
        while let Some(line) = reader.next_line()? {
            let number = self.lines + line.number;
            if violated.contains_key(&number)
                || matches!(
                    self.excluded.status(number),
                    crate::analysis::maturity::Inclusion::Excluded { .. }
                )
            {
                continue;
            }
            let crate::ledger::io::reader::Content::Bytes(text) = line.content else {
                continue;
            };
            let Ok(v) = serde_json::from_slice::<Value>(text) else {
                continue;
            };
            if self.list.len() == KEPT {
                self.list.pop_front();
            }
            self.list
                .push_back((number, if native { native_as_legacy(&v) } else { v }));
            self.count += 1;
        }
        drop(reader);
        self.loaded += source.bytes;
        self.lines += source.lines;
        Ok(self.count - before)
    }
}

/// A native pulse record in the legacy pulse object's field names:
/// `tai_ns` (the native field is true TAI, not the legacy monotonic
/// clock), `utc_iso`, `et_s` (TDB), `utc_unix`, `epoch_days` (days past
/// J2000, UTC), `julian_date` (UTC), `pulse_id` and `glyph_hash` (the
/// record's hash), `chain_hash` (the previous record's hash), `source_node`
/// (the boot id).
fn native_as_legacy(line: &Value) -> Value {
    let body = &line["body"];
    let jd = body["jd_utc"].as_f64().unwrap_or_default();
    let hash = line["hash"].as_str().unwrap_or_default();
    json!({
        "tai_ns": body["tai_ns"],
        "utc_iso": body["utc"],
        "et_s": body["tdb_s"],
        "utc_unix": (jd - 2_440_587.5) * 86_400.0,
        "epoch_days": jd - 2_451_545.0,
        "julian_date": jd,
        "pulse_id": hash.get(..32).unwrap_or(hash),
        "glyph_hash": hash,
        "chain_hash": line["prev"],
        "source_node": body["boot_id"].as_str().unwrap_or("iss"),
    })
}

/// One violation of the time chain in the legacy verdict's shape.
pub fn violation(f: &Finding) -> Value {
    match (&f.expected, &f.found) {
        (Some(expected), Some(found)) => json!({
            "line": f.line,
            "pulse_id": f.record_id,
            "expected_hash": expected,
            "found_hash": found,
            "violation": "CHAIN_BREAK",
            "kind": f.kind,
        }),
        _ => json!({
            "line": f.line,
            "error": f.detail,
            "violation": "CORRUPTION",
            "kind": f.kind,
        }),
    }
}
