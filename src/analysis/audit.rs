//! The audit trail of one descriptor: the legacy service's four questions
//! (what happened, why, how, what was learned) from the record itself, and
//! what the service never gave: the record's verdict and what its hash
//! covers, its neighbours in the chain, the manifest line that attests it
//! (a native record: its inclusion proof in the newest signed checkpoint
//! instead, since a native ledger has no manifest), the pulses its glyph
//! range points to, and the records that cite it or share its references.
//! Every part is read in one streaming pass per file.

use crate::analysis::lookup::{Filter, Match, find, hash_covers, protected_fields};
use crate::analysis::records::{ChainFile, Exclusions, record_fields};
use crate::ledger::io::reader::for_each_object;
use crate::ledger::model::finding::Finding;
use crate::ledger::model::report::VerifyReport;
use crate::ledger::native::format::meta::Chain;
use crate::ledger::native::prove::{Proof, ProofCheck, check_proof, prove_inclusion};
use serde::Serialize;
use serde_json::Value;
use std::io;
use std::path::Path;

/// Records listed in a trail's lists at most (the totals are exact).
const LIST_LIMIT: usize = 50;

/// A neighbouring or related record, briefly.
#[derive(Debug, Clone, Serialize)]
pub struct RecordRef {
    /// 1-based line.
    pub line: u64,
    /// Its id (descriptor id or pulse id).
    pub id: String,
    /// Its stored hash (descriptor hash or glyph hash).
    pub hash: String,
    /// Its time as stored.
    pub time: String,
}

/// A manifest line that attests the record.
#[derive(Debug, Clone, Serialize)]
pub struct Attestation {
    /// 1-based manifest line.
    pub line: u64,
    /// Its `descriptor_count` (the record's position).
    pub descriptor_count: u64,
    /// Its `chain_hash`.
    pub chain_hash: String,
    /// Its `timestamp`.
    pub timestamp: String,
}

/// The audit trail.
#[derive(Debug, Clone, Serialize)]
pub struct AuditTrail {
    /// The record, as stored, with its verdict.
    pub record: Match,
    /// What happened: process, version, outcome, glyph range and count.
    pub what: Value,
    /// Why: a-priori refs, constraints, evidence required and provided, missing.
    pub why: Value,
    /// How: level, method, assessor, time.
    pub how: Value,
    /// What was learned: a-posteriori refs, notes.
    pub learned: Value,
    /// Findings on the record's line, or implicating it.
    pub findings: Vec<Finding>,
    /// Fields its hash covers; the others can change without trace.
    pub protected_fields: Vec<String>,
    /// What the hash covers, in words (a native record: every byte).
    pub hash_covers: &'static str,
    /// The record before it in the chain.
    pub previous: Option<RecordRef>,
    /// The record after it.
    pub next: Option<RecordRef>,
    /// The manifest line created with it, if any.
    pub attested_by: Option<Attestation>,
    /// Later manifest lines whose prefix hash also covers it.
    pub later_manifest_lines: u64,
    /// Why no manifest line can attest it, when the ledger has no manifest
    /// (a native ledger: its signed checkpoints take the manifest's place).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub no_manifest: Option<&'static str>,
    /// A native record's inclusion proof in its chain's newest verified
    /// signed checkpoint (RFC 9162), as `iss prove --json` prints it.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub inclusion_proof: Option<Proof>,
    /// That proof checked against the ledger's trusted keys.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub inclusion_check: Option<ProofCheck>,
    /// Why a native record has no inclusion proof (no verified checkpoint
    /// covers it yet, or the chain does not verify).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub inclusion_unavailable: Option<String>,
    /// Pulses whose `glyph_hash` is the range's start or end.
    pub range_pulses: Vec<RecordRef>,
    /// Pulses from the range's start to its end, inclusive (0 when either end is not found).
    pub pulses_in_range: u64,
    /// Records that list this record's id among their references.
    pub cited_by: Vec<RecordRef>,
    /// Records sharing at least one a-priori reference with it.
    pub shares_refs_with: u64,
}

/// Where the trail's files are.
#[derive(Debug, Clone, Copy)]
pub struct TrailFiles<'p> {
    /// The descriptor chain (legacy or native; a native ledger's pulses are
    /// native too).
    pub chain: ChainFile<'p>,
    /// The integrity manifest, if any.
    pub manifest: Option<&'p Path>,
    /// The pulse chain, if any.
    pub pulses: Option<&'p Path>,
}

/// The trail of the one record whose id is or starts with `id`.
/// `Ok(Err(n))` when `n` records match (none, or more than one).
pub fn audit_trail(
    files: TrailFiles<'_>,
    report: &VerifyReport,
    exclusions: &Exclusions,
    id: &str,
    max_line: usize,
) -> io::Result<Result<AuditTrail, u64>> {
    let filter = Filter {
        id: Some(id.to_owned()),
        ..Filter::default()
    };
    let (mut matches, total) = find(files.chain, exclusions, &filter, 2, max_line)?;
    if total != 1 {
        return Ok(Err(total));
    }
    let record = matches.remove(0);
    let native = files.chain.kind.framed();
    let v: Value = serde_json::from_str(record.record.get()).unwrap_or(Value::Null);
    let s = |k: &str| {
        v.get(k)
            .and_then(Value::as_str)
            .unwrap_or_default()
            .to_owned()
    };
    let full_id = s("descriptor_id");
    let list = |k: &str| v.get(k).cloned().unwrap_or(Value::Null);
    let required: Vec<String> = strings(&v, "evidence_required");
    let provided: Vec<String> = strings(&v, "evidence_provided");
    let missing: Vec<&String> = required.iter().filter(|r| !provided.contains(r)).collect();

    let (previous, next, cited_by, shares) = scan_chain(
        files.chain,
        &record,
        &full_id,
        &strings(&v, "apriori_refs"),
        max_line,
    )?;
    let (attested_by, later) = match files.manifest {
        Some(m) => scan_manifest(m, &full_id, max_line)?,
        None => (None, 0),
    };
    let (range_pulses, in_range) = match files.pulses {
        Some(p) => scan_pulses(
            p,
            native,
            &s("glyph_range_start"),
            &s("glyph_range_end"),
            max_line,
        )?,
        None => (Vec::new(), 0),
    };
    let findings = findings_on(report, files.chain.name(), record.line);
    let (inclusion_proof, inclusion_check, inclusion_unavailable) = match &record.native {
        Some(frame) => inclusion(files.chain.path, frame.seq),
        None => (None, None, None),
    };
    Ok(Ok(AuditTrail {
        what: serde_json::json!({
            "process_name": s("process_name"), "process_version": s("process_version"),
            "process_outcome": s("process_outcome"), "glyph_range_start": s("glyph_range_start"),
            "glyph_range_end": s("glyph_range_end"), "glyph_count": list("glyph_count"),
        }),
        why: serde_json::json!({
            "apriori_refs": list("apriori_refs"), "active_constraints": list("active_constraints"),
            "evidence_required": required, "evidence_provided": provided, "evidence_missing": missing,
        }),
        how: serde_json::json!({
            "capability_level": list("capability_level"), "compliance_score": list("compliance_score"),
            "assessment_method": s("assessment_method"), "assessed_by": s("assessed_by"), "assessed_at": s("assessed_at"),
        }),
        learned: serde_json::json!({ "aposteriori_refs": list("aposteriori_refs"), "advisory_notes": list("advisory_notes") }),
        protected_fields: if native {
            protected_fields(&record)
        } else {
            protected_fields(&record)
                .into_iter()
                .chain(["descriptor_hash".to_owned()])
                .collect()
        },
        hash_covers: hash_covers(&record),
        record,
        findings,
        previous,
        next,
        attested_by,
        later_manifest_lines: later,
        no_manifest: native.then_some(
            "a native ledger has no integrity manifest: its signed checkpoints (and the inclusion \
             proof of this record in the newest one) take the manifest's place",
        ),
        inclusion_proof,
        inclusion_check,
        inclusion_unavailable,
        range_pulses,
        pulses_in_range: in_range,
        cited_by,
        shares_refs_with: shares,
    }))
}

/// The findings on `line` of the file `name`, or implicating it.
fn findings_on(report: &VerifyReport, name: &str, line: u64) -> Vec<Finding> {
    report
        .files
        .iter()
        .flat_map(|f| f.findings.iter().map(move |x| (f.name, x)))
        .filter(|(file, f)| {
            (*file == name && f.line == Some(line))
                || f.related
                    .as_ref()
                    .is_some_and(|r| r.file == name && (r.first_line..=r.last_line).contains(&line))
        })
        .map(|(_, f)| f.clone())
        .collect()
}

fn strings(v: &Value, key: &str) -> Vec<String> {
    v.get(key)
        .and_then(Value::as_array)
        .map(|a| {
            a.iter()
                .filter_map(|x| x.as_str().map(str::to_owned))
                .collect()
        })
        .unwrap_or_default()
}

fn brief(line: u64, v: &Value, id: &str, hash: &str, time: &str) -> RecordRef {
    let s = |k: &str| {
        v.get(k)
            .and_then(Value::as_str)
            .unwrap_or_default()
            .to_owned()
    };
    RecordRef {
        line,
        id: s(id),
        hash: s(hash),
        time: s(time),
    }
}

type ChainScan = (Option<RecordRef>, Option<RecordRef>, Vec<RecordRef>, u64);

/// Neighbours, citing records and records sharing a-priori refs.
fn scan_chain(
    file: ChainFile<'_>,
    record: &Match,
    id: &str,
    apriori: &[String],
    max_line: usize,
) -> io::Result<ChainScan> {
    let (mut previous, mut next, mut cited, mut shares) = (None, None, Vec::new(), 0);
    let mut last: Option<RecordRef> = None;
    let native = file.kind.framed();
    for_each_object(file.path, max_line, |line, whole| {
        let v = record_fields(whole, native);
        let mut here = brief(line, v, "descriptor_id", "descriptor_hash", "assessed_at");
        if native {
            // A native record's hash is the line's, over every byte.
            here.hash = str_of(whole, "hash");
        }
        if line == record.line {
            previous = last.take();
        } else if line > record.line && next.is_none() {
            next = Some(here.clone());
        }
        if line != record.line {
            let refs: Vec<String> = strings(v, "apriori_refs")
                .into_iter()
                .chain(strings(v, "aposteriori_refs"))
                .collect();
            if refs.iter().any(|r| r == id) && cited.len() < LIST_LIMIT {
                cited.push(here.clone());
            }
            if strings(v, "apriori_refs")
                .iter()
                .any(|r| apriori.contains(r))
            {
                shares += 1;
            }
        }
        last = Some(here);
    })?;
    Ok((previous, next, cited, shares))
}

/// The manifest line created with the record, and how many later lines cover it.
fn scan_manifest(path: &Path, id: &str, max_line: usize) -> io::Result<(Option<Attestation>, u64)> {
    let (mut found, mut later) = (None::<Attestation>, 0);
    for_each_object(path, max_line, |line, v| {
        let count = v
            .get("descriptor_count")
            .and_then(Value::as_u64)
            .unwrap_or(0);
        match &found {
            None if v.get("descriptor_id").and_then(Value::as_str) == Some(id) => {
                let s = |k: &str| {
                    v.get(k)
                        .and_then(Value::as_str)
                        .unwrap_or_default()
                        .to_owned()
                };
                found = Some(Attestation {
                    line,
                    descriptor_count: count,
                    chain_hash: s("chain_hash"),
                    timestamp: s("timestamp"),
                });
            }
            Some(a) if count >= a.descriptor_count => later += 1,
            _ => {}
        }
    })?;
    Ok((found, later))
}

/// Pulses at the ends of the glyph range, and how many lie between them.
/// A native pulse is named by its record hash, or (migrated) by its legacy
/// glyph hash.
fn scan_pulses(
    path: &Path,
    native: bool,
    start: &str,
    end: &str,
    max_line: usize,
) -> io::Result<(Vec<RecordRef>, u64)> {
    let (mut ends, mut inside, mut open, mut closed) = (Vec::new(), 0u64, false, false);
    for_each_object(path, max_line, |line, whole| {
        let (names, here) = if native {
            let body = record_fields(whole, true);
            let legacy = body.get("legacy_pulse");
            let hash = str_of(whole, "hash");
            let legacy_hash = str_of(body, "legacy_glyph_hash");
            let here = RecordRef {
                line,
                id: legacy.map_or_else(|| hash.clone(), |l| str_of(l, "pulse_id")),
                hash: hash.clone(),
                time: legacy.map_or_else(|| str_of(body, "utc"), |l| str_of(l, "utc_iso")),
            };
            ([hash, legacy_hash], here)
        } else {
            let glyph = str_of(whole, "glyph_hash");
            (
                [glyph, String::new()],
                brief(line, whole, "pulse_id", "glyph_hash", "utc_iso"),
            )
        };
        let is = |want: &str| !want.is_empty() && names.iter().any(|n| n == want);
        let (at_start, at_end) = (is(start), is(end));
        if at_start && !closed {
            open = true;
        }
        if open && !closed {
            inside += 1;
        }
        if at_start || at_end {
            ends.push(here);
        }
        if at_end && open {
            closed = true;
        }
    })?;
    Ok((ends, if closed { inside } else { 0 }))
}

fn str_of(v: &Value, key: &str) -> String {
    v.get(key)
        .and_then(Value::as_str)
        .unwrap_or_default()
        .to_owned()
}

/// The inclusion proof of descriptor record `seq` in the newest verified
/// checkpoint of the ledger holding `chain`, checked; or why there is none.
fn inclusion(chain: &Path, seq: u64) -> (Option<Proof>, Option<ProofCheck>, Option<String>) {
    let Some(dir) = chain.parent() else {
        return (
            None,
            None,
            Some("the chain file has no ledger directory".into()),
        );
    };
    match prove_inclusion(dir, Chain::Descriptors, seq) {
        Ok(proof) => {
            let check = check_proof(dir, &proof);
            (Some(proof), Some(check), None)
        }
        Err(why) => (None, None, Some(why)),
    }
}
