//! `iss migrate LEGACY NEW`: copy a verified legacy ledger into a new
//! native one. The legacy files are only read. The native ledger's first
//! record (its genesis event) records what it continues from — each legacy
//! file's SHA-256, record count and head hash, and the verifier's verdict —
//! so anyone holding the legacy files can prove the continuity; each copied
//! record names the legacy line (and hash) it came from. The time keeper's
//! start log, which tells its restarts from anomalies, is copied line for
//! line into `events` ([`crate::ledger::native::format::legacy_starts`]), so the
//! migrated pulses keep the run segments of their source.

use crate::ledger::discover::FileKind;
use crate::ledger::io::reader::DEFAULT_MAX_LINE;
use crate::ledger::io::reader::for_each_object;
use crate::ledger::model::finding::Severity;
use crate::ledger::model::new_descriptor::{NewDescriptor, complete};
use crate::ledger::model::report::{FileReport, LedgerStatus};
use crate::ledger::native::format::bodies::descriptor_body;
use crate::ledger::native::format::legacy_starts::{StartLog, read_start_log, start_body};
use crate::ledger::native::format::meta::Chain;
use crate::ledger::native::secret::{MacKey, read_signer};
use crate::ledger::native::write::init::{InitOptions, Initialized, init_with_events};
use crate::ledger::native::write::{
    InvalidRecord, KeyError, NativeWriter, Unverifiable, WriteError,
};
use crate::ledger::verify::{VerifyOptions, verify_path};
use crate::ledger::write_error::Refusing;
use crate::tlog::note::Signer;
use serde::Serialize;
use sha2::{Digest, Sha256};
use std::io::Read;
use std::path::{Path, PathBuf};

/// Records per write when copying.
const BATCH: usize = 5_000;

/// What a migration did.
#[derive(Debug, Serialize)]
pub struct Migrated {
    /// The new ledger, as `iss init` made it.
    pub ledger: Initialized,
    /// Descriptors copied.
    pub descriptors: u64,
    /// Pulses copied.
    pub pulses: u64,
    /// Lines of the time keeper's start log copied into `events`.
    pub run_starts: u64,
    /// The continuity record written into the genesis event.
    pub migrated_from: serde_json::Value,
}

fn file_sha256(path: &Path) -> Result<String, WriteError> {
    let mut f = crate::ledger::input::open_regular(path).map_err(|e| WriteError::Io {
        path: path.to_path_buf(),
        error: e,
    })?;
    let mut h = Sha256::new();
    let mut buf = vec![0u8; 1 << 20];
    loop {
        let n = f.read(&mut buf).map_err(|e| WriteError::Io {
            path: path.to_path_buf(),
            error: e,
        })?;
        if n == 0 {
            break;
        }
        h.update(&buf[..n]);
    }
    Ok(hex::encode(h.finalize()))
}

/// The last value of `field` among the records of `path`.
fn head(path: &Path, field: &str) -> Result<Option<String>, WriteError> {
    let mut last = None;
    for_each_object(path, DEFAULT_MAX_LINE, |_, v| {
        if let Some(s) = v.get(field).and_then(|x| x.as_str()) {
            last = Some(s.to_owned());
        }
    })
    .map_err(|e| WriteError::Io {
        path: path.to_path_buf(),
        error: e,
    })?;
    Ok(last)
}

fn file_entry(f: &FileReport) -> Result<serde_json::Value, WriteError> {
    let path = Path::new(&f.path);
    let head_field = match f.name {
        "spice_chain" => Some("descriptor_hash"),
        "integrity_manifest" => Some("chain_hash"),
        "glyph_chain" => Some("glyph_hash"),
        _ => None,
    };
    let head = match head_field {
        Some(field) => head(path, field)?,
        None => None,
    };
    Ok(serde_json::json!({
        "name": f.name,
        "path": f.path,
        "bytes": f.bytes,
        "records": f.records,
        "sha256": file_sha256(path)?,
        "head_field": head_field,
        "head": head,
    }))
}

/// Migrate the legacy ledger at `legacy` into a new native ledger at `new`.
pub fn migrate(legacy: &Path, new: &Path, opts: &InitOptions) -> Result<Migrated, WriteError> {
    let report = verify_path(legacy, &VerifyOptions::default())
        .map_err(|e| WriteError::Unverifiable(Unverifiable::Legacy(Box::new(e))))?;
    if report.status != LedgerStatus::Clean {
        let violations = report
            .findings()
            .filter(|(_, f)| f.severity == Severity::Violation)
            .map(|(file, f)| (file.name.to_owned(), f.clone()))
            .collect::<Vec<_>>();
        if violations.is_empty() {
            return Err(WriteError::Unverifiable(Unverifiable::LegacyIncomplete));
        }
        return Err(WriteError::Violated {
            refusing: Refusing::Write,
            violations,
        });
    }
    let files = report
        .files
        .iter()
        .map(file_entry)
        .collect::<Result<Vec<_>, _>>()?;
    let migrated_from = serde_json::json!({
        "ledger": report.ledger,
        "format": report.format,
        "verified_by": format!("{} {}", report.tool.name, report.tool.version),
        "status": "clean",
        "files": files,
    });
    let start_log = read_start_log_checked(&report.files, &files)?;
    let mut opts = opts.clone();
    opts.genesis_extra = Some(("migrated_from".to_owned(), migrated_from.clone()));
    // The start log goes in with the genesis that records it.
    let start_bodies: Vec<String> = start_log.as_ref().map_or_else(Vec::new, |log| {
        (1u64..)
            .zip(&log.lines)
            .map(|(n, text)| start_body(n, text))
            .collect()
    });
    let ledger = init_with_events(new, &opts, &start_bodies)?;
    let signer: Signer =
        read_signer(&opts.key_path).map_err(|e| WriteError::Key(KeyError::Secret(Box::new(e))))?;
    let mac = match &opts.mac_key_path {
        Some(p) => {
            Some(MacKey::read(p).map_err(|e| WriteError::Key(KeyError::Secret(Box::new(e))))?)
        }
        None => None,
    };
    let mut w = NativeWriter::open_unfinished(new, Some(signer), mac)?;
    let chain_of = |k: FileKind| {
        report
            .files
            .iter()
            .find(|f| f.name == k.name())
            .map(|f| f.path.clone())
    };
    let run_starts = start_bodies.len() as u64;
    let descriptors = match chain_of(FileKind::SpiceChain) {
        Some(p) => copy(&mut w, Path::new(&p), Chain::Descriptors, descriptor_record)?,
        None => 0,
    };
    let pulses = match chain_of(FileKind::GlyphChain) {
        Some(p) => copy(&mut w, Path::new(&p), Chain::Pulses, |l, v| {
            Ok(pulse_record(l, v))
        })?,
        None => 0,
    };
    for c in Chain::ALL {
        w.checkpoint(c)?;
    }
    drop(w);
    crate::ledger::native::write::init::finish(new)?;
    Ok(Migrated {
        ledger,
        descriptors,
        pulses,
        run_starts,
        migrated_from,
    })
}

/// The legacy start log, read once, when the ledger has one; refused when
/// its bytes are no longer those whose SHA-256 the genesis records (it
/// changed since it was hashed).
fn read_start_log_checked(
    reports: &[FileReport],
    entries: &[serde_json::Value],
) -> Result<Option<StartLog>, WriteError> {
    let name = FileKind::ForensicAudit.name();
    let Some(report) = reports.iter().find(|f| f.name == name) else {
        return Ok(None);
    };
    let log = read_start_log(Path::new(&report.path)).map_err(|e| WriteError::Io {
        path: PathBuf::from(&report.path),
        error: e,
    })?;
    let recorded = entries
        .iter()
        .find(|e| e["name"] == name)
        .and_then(|e| e["sha256"].as_str());
    if recorded != Some(log.sha256.as_str()) {
        return Err(WriteError::Unverifiable(
            Unverifiable::ChangedDuringMigration(PathBuf::from(&report.path)),
        ));
    }
    Ok(Some(log))
}

/// A legacy descriptor line as a native body: the legacy fields (checked by
/// the legacy schema) in the legacy order, then where it came from.
fn descriptor_record(line: u64, v: &serde_json::Value) -> Result<String, String> {
    let mut v = v.clone();
    let obj = v.as_object_mut().ok_or("not an object")?;
    let hash = obj
        .remove("descriptor_hash")
        .and_then(|h| h.as_str().map(str::to_owned))
        .unwrap_or_default();
    obj.remove("prev_descriptor_hash");
    let input: NewDescriptor = serde_json::from_value(v).map_err(|e| e.to_string())?;
    let d = complete(input, 0);
    let body = descriptor_body(&d, None).map_err(|p| p.join("; "))?;
    Ok(with_origin(&body, line, "legacy_descriptor_hash", &hash))
}

/// A legacy pulse line as a native body: the legacy object as it was, and
/// where it came from (native pulse fields are for pulses written natively).
fn pulse_record(line: u64, v: &serde_json::Value) -> String {
    let hash = v.get("glyph_hash").and_then(|h| h.as_str()).unwrap_or("");
    let body = serde_json::json!({ "legacy_pulse": v }).to_string();
    with_origin(&body, line, "legacy_glyph_hash", hash)
}

fn with_origin(body: &str, line: u64, field: &str, hash: &str) -> String {
    let head = body.strip_suffix('}').unwrap_or(body);
    let hash = serde_json::Value::String(hash.to_owned());
    format!("{head},\"legacy_line\":{line},\"{field}\":{hash}}}")
}

fn copy(
    w: &mut NativeWriter,
    path: &Path,
    chain: Chain,
    record: impl Fn(u64, &serde_json::Value) -> Result<String, String>,
) -> Result<u64, WriteError> {
    let mut batch = Vec::with_capacity(BATCH);
    let mut total = 0u64;
    let mut failed = None;
    for_each_object(path, DEFAULT_MAX_LINE, |line, v| {
        if failed.is_some() {
            return;
        }
        match record(line, v) {
            Ok(b) => batch.push(b),
            Err(reason) => {
                failed = Some(InvalidRecord::Legacy {
                    path: path.to_path_buf(),
                    line,
                    reason,
                });
            }
        }
        if batch.len() >= BATCH && failed.is_none() {
            if let Err(e) = w.append(chain, &batch) {
                failed = Some(InvalidRecord::Batch(Box::new(e)));
            }
            total += batch.len() as u64;
            batch.clear();
        }
    })
    .map_err(|e| WriteError::Io {
        path: path.to_path_buf(),
        error: e,
    })?;
    if let Some(e) = failed {
        return Err(WriteError::InvalidRecord(e));
    }
    if !batch.is_empty() {
        w.append(chain, &batch)?;
        total += batch.len() as u64;
    }
    Ok(total)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::ledger::native::secret::read_signer;

    /// The native writer refuses a repeated id on the migration's path too
    /// (the legacy verification before it refuses one first; this is the
    /// second line of defence, `docs/FORMAT.md` §4.3 rule 5).
    #[test]
    fn a_repeated_id_in_a_copied_chain_is_refused_with_nothing_written() {
        let tmp = tempfile::tempdir().unwrap();
        let dir = tmp.path().join("ledger");
        let key = tmp.path().join("ledger.key");
        let opts = InitOptions {
            origin: "iss.test/migrate".into(),
            key_path: key.clone(),
            mac_key_path: None,
            created: "2026-11-27T00:00:00Z".into(),
            genesis_extra: None,
        };
        crate::ledger::native::write::init::init(&dir, &opts).unwrap();
        let legacy = tmp.path().join("spice_chain.jsonl");
        let line = |name: &str| {
            serde_json::json!({
                "descriptor_id": "022fa3b89550e05a", "process_name": name,
                "process_version": "1.0.0", "capability_level": 1,
                "process_outcome": "compliant", "compliance_score": 0.37,
                "apriori_refs": [], "aposteriori_refs": [], "glyph_range_start": "x",
                "glyph_range_end": "y", "glyph_count": 4, "evidence_required": [],
                "evidence_provided": [], "assessed_by": "me",
                "assessed_at": "2026-11-26T21:44:39.376785+00:00", "assessment_method": "m",
                "active_constraints": [], "advisory_notes": null,
                "prev_descriptor_hash": "0".repeat(64), "descriptor_hash": "1".repeat(64),
            })
            .to_string()
        };
        std::fs::write(&legacy, format!("{}\n{}\n", line("P"), line("Q"))).unwrap();
        let mut w = NativeWriter::open(&dir, Some(read_signer(&key).unwrap()), None).unwrap();
        let e = copy(&mut w, &legacy, Chain::Descriptors, descriptor_record).unwrap_err();
        assert!(e.to_string().contains("DUPLICATE_ID"), "{e}");
        assert_eq!(std::fs::read(dir.join("descriptors.jsonl")).unwrap(), b"");
    }
}
