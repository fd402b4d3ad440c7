//! Completing the manifest after an interrupted append.
//!
//! A legacy append writes two files, in this order: the records to
//! `spice_chain.jsonl`, then one `CREATE_DESCRIPTOR` line per record to
//! `integrity_manifest.jsonl`. Stopped between the two (a kill, a crash, a
//! full disk), the chain holds records that no manifest line attests:
//! `iss verify` warns (`MANIFEST_MISMATCH`, warning). An append that went
//! on from there would write a manifest line whose `descriptor_count`
//! skips the missing ones — a permanent violation. So the missing lines
//! are written first, by `iss repair` and by the next append (which says
//! so), under the ledger's lock, exactly as the legacy service writes a
//! manifest line: `timestamp` the time the line is written, the record's
//! `descriptor_id`, the SHA-256 of the first `descriptor_count` stored
//! hashes as `chain_hash`, and the count.
//!
//! A completion only adds lines that the chain, as just verified, fully
//! determines (only the timestamp is new), and only onto a ledger with no
//! violation whose manifest agrees with the chain as far as it goes. What
//! it does is recorded before it is done, in a new file
//! `integrity_manifest.jsonl.completion-<ns>` beside the manifest (the
//! legacy format has no place for such a record, as for a repair's
//! backups): the reason, both files' lengths, and the exact lines.

use crate::ledger::append::{
    AppendError, AppendOptions, LedgerLock, Tail, append_lines, file_name, remove_file, sync_file,
    write_record_file,
};
use crate::ledger::discover::{FileKind, discover};
use crate::ledger::hash::{hex_str, to_hex};
use crate::ledger::legacy::format::batch_record::{BATCH_KIND, batch_records};
use crate::ledger::legacy::format::line_builder::manifest_create_line;
use crate::ledger::legacy::verify::manifest::ManifestVerifier;
use crate::ledger::legacy::verify::spice_layer::ChainHead;
use crate::ledger::legacy::write::append::{
    NotAppendable, WriteError, clean_tail, common_dir, verify_layer,
};
use crate::time::civil::iso_from_micros;
use serde::Serialize;
use sha2::Digest;
use std::path::Path;

/// Record, before a batch's chain write, that records after the chain's
/// `after` (attested) records, at most `n` of them, are being appended
/// before their manifest lines: a crash in between leaves up to `n`
/// records unattested, which only this record explains (one unattested
/// record needs no explanation). Removed once their manifest lines are
/// written. One record may cover several batches (the server's writer
/// reserves a range once for many batches, see
/// [`crate::ledger::legacy::write::append::LegacySession::append_group`]).
pub(crate) fn write_batch_record(
    lock: &mut LedgerLock,
    manifest: &Path,
    after: u64,
    n: u64,
) -> Result<std::path::PathBuf, AppendError> {
    let record = serde_json::json!({
        "batch": file_name(manifest),
        "reason": format!(
            "up to {n} records are being appended after record {after} of the chain, each before its manifest line; \
             if this file is still here, an append stopped in between (`iss repair` writes the missing lines and removes it)"
        ),
        "tool": concat!(env!("CARGO_PKG_NAME"), " ", env!("CARGO_PKG_VERSION")),
        "after": after,
        "records": n,
    });
    let dir = manifest.parent().unwrap_or(Path::new("."));
    let mut text = record.to_string();
    text.push('\n');
    write_record_file(lock, dir, &file_name(manifest), BATCH_KIND, text.as_bytes())
}

/// Remove every batch record beside `manifest` (call when the manifest
/// attests every record: they explain nothing any more, and a stale one
/// would go on excusing manifest lines cut from its range). The paths
/// removed; the first failure stops it.
pub(crate) fn remove_batch_records(
    lock: &mut LedgerLock,
    manifest: &Path,
) -> Result<Vec<std::path::PathBuf>, AppendError> {
    let mut removed = Vec::new();
    let records = batch_records(manifest);
    if !records.is_empty() {
        // The manifest lines they explain may not be durable yet (the
        // server's group commit does not sync them each round): durable
        // before nothing explains their absence any more.
        sync_file(lock, manifest)?;
    }
    for (p, _) in records {
        remove_file(lock, &p)?;
        removed.push(p);
    }
    Ok(removed)
}

/// What a completion wrote.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Completed {
    /// The manifest file.
    pub manifest: String,
    /// The first record (1-based position in the chain) now attested.
    pub first_record: u64,
    /// The last one.
    pub last_record: u64,
    /// 1-based manifest line of the first line written.
    pub first_manifest_line: u64,
    /// How many lines were written.
    pub lines: u64,
    /// The file recording what was done and why.
    pub record: String,
}

impl Completed {
    /// One sentence for the user.
    pub fn describe(&self) -> String {
        let records = if self.first_record == self.last_record {
            format!("record {}", self.first_record)
        } else {
            format!("records {}-{}", self.first_record, self.last_record)
        };
        format!(
            "completed an interrupted append: {records} of the chain had no manifest line; wrote {} line(s) from line {} of {} (recorded in {})",
            self.lines, self.first_manifest_line, self.manifest, self.record
        )
    }
}

/// The manifest lines an interrupted append did not write, built from the
/// verified chain, not yet written.
#[derive(Debug, Clone)]
pub(crate) struct Missing {
    /// Records attested before them.
    pub after: u64,
    /// The lines, without their newlines.
    pub lines: Vec<String>,
    /// 1-based manifest line the first of them will be.
    pub first_manifest_line: u64,
}

/// The lines missing from a verified SPICE layer's manifest (`None` when it
/// attests every record). Call on a layer with no violation (so that the
/// manifest agrees with the chain up to its last line).
pub(crate) fn missing_lines(
    head: &ChainHead,
    manifest: &ManifestVerifier,
    manifest_lines: u64,
    now_micros: i64,
) -> Result<Option<Missing>, WriteError> {
    let Some(u) = &head.unattested else {
        return Ok(None);
    };
    if u.records.is_empty() && !u.overflow {
        return Ok(None);
    }
    if manifest.diverged() || u.after != manifest.attested_count() {
        return Err(WriteError::NotAppendable(
            NotAppendable::ManifestOutOfStep {
                attested: manifest.attested_count(),
                checked: u.after,
            },
        ));
    }
    if u.overflow {
        return Err(WriteError::NotAppendable(
            NotAppendable::TooManyUnattested {
                records: u.records.len(),
                after: u.after,
            },
        ));
    }
    let timestamp = iso_from_micros(now_micros);
    let mut prefix = u.prefix.clone();
    let mut lines = Vec::with_capacity(u.records.len());
    for (count, (id, hash)) in (u.after + 1..).zip(&u.records) {
        prefix.update(hash.as_bytes());
        let chain_hash = hex_str(&to_hex(&prefix.clone().finalize().into())).to_owned();
        let line = manifest_create_line(&timestamp, id, &chain_hash, count);
        lines.push(line.trim_end_matches('\n').to_owned());
    }
    Ok(Some(Missing {
        after: u.after,
        lines,
        first_manifest_line: manifest_lines + 1,
    }))
}

/// The files a completion touches, and their verified tails.
pub(crate) struct Files<'a> {
    /// The chain (only read: its state goes into the record).
    pub chain: &'a Path,
    /// Its tail as verified.
    pub chain_tail: &'a Tail,
    /// The manifest.
    pub manifest: &'a Path,
    /// Its tail as verified.
    pub manifest_tail: &'a Tail,
}

/// Write the record of the completion, then the missing lines (one write,
/// fsync, read-back). Returns what was done and the manifest's new tail.
/// When the lines cannot be written (and were undone) the record is removed
/// too: nothing is left claiming what did not happen.
pub(crate) fn write_missing(
    lock: &mut LedgerLock,
    files: &Files<'_>,
    missing: &Missing,
) -> Result<(Completed, Tail), AppendError> {
    let n = missing.lines.len() as u64;
    let (first, last) = (missing.after + 1, missing.after + n);
    let hex = |t: &Tail| t.last_line_sha256.map(hex::encode);
    let records = if first == last {
        format!("record {first}")
    } else {
        format!("records {first}-{last}")
    };
    let record = serde_json::json!({
        "completion": file_name(files.manifest),
        "reason": format!(
            "{records} of {} had no {} line: an append was stopped between its chain write and its manifest write; \
             these lines are the ones the legacy service writes for them, with the time of this completion as timestamp",
            file_name(files.chain),
            file_name(files.manifest)
        ),
        "tool": concat!(env!("CARGO_PKG_NAME"), " ", env!("CARGO_PKG_VERSION")),
        "chain": {"file": file_name(files.chain), "bytes": files.chain_tail.len,
                  "last_line_sha256": hex(files.chain_tail), "records": last},
        "manifest_before": {"file": file_name(files.manifest), "bytes": files.manifest_tail.len,
                            "last_line_sha256": hex(files.manifest_tail),
                            "lines": missing.first_manifest_line - 1},
        "offset": files.manifest_tail.len,
        "lines": missing.lines,
    });
    let dir = files.manifest.parent().unwrap_or(Path::new("."));
    let mut text = record.to_string();
    text.push('\n');
    let record_path = write_record_file(
        lock,
        dir,
        &file_name(files.manifest),
        "completion",
        text.as_bytes(),
    )?;
    let done = match append_lines(
        lock,
        files.manifest,
        files.manifest_tail,
        &missing.lines,
        AppendOptions::default(),
    ) {
        Ok(done) => done,
        Err(e) => {
            if e.left_file_unchanged() {
                let _ = remove_file(lock, &record_path);
            }
            return Err(e);
        }
    };
    Ok((
        Completed {
            manifest: files.manifest.display().to_string(),
            first_record: first,
            last_record: last,
            first_manifest_line: missing.first_manifest_line,
            lines: n,
            record: record_path.display().to_string(),
        },
        done.new_tail,
    ))
}

/// `iss repair`'s part: under the lock, verify the SPICE layer (refusing on
/// any violation) and write the manifest lines an interrupted append did
/// not. `None` when there is nothing to complete (or no hash-chained SPICE
/// layer with a manifest). Torn last lines must have been cut first.
pub fn complete_manifest(root: &Path, now_micros: i64) -> Result<Option<Completed>, WriteError> {
    complete_manifest_and_batches(root, now_micros).map(|(done, _)| done)
}

/// What [`complete_manifest_and_batches`] did besides the completion: the
/// stale batch records it removed, or why one could not be removed (the
/// completion, if any, is durable either way).
pub type BatchRecordsRemoved = Result<Vec<std::path::PathBuf>, AppendError>;

/// [`complete_manifest`], then, the manifest attesting every record, the
/// removal of the batch records left beside it by batch appends that were
/// stopped (or whose own removal failed): they explain nothing any more.
pub fn complete_manifest_and_batches(
    root: &Path,
    now_micros: i64,
) -> Result<(Option<Completed>, BatchRecordsRemoved), WriteError> {
    let found = discover(root)?;
    let (Some(chain), Some(manifest)) = (
        found.path_of(FileKind::SpiceChain),
        found.path_of(FileKind::IntegrityManifest),
    ) else {
        return Ok((None, Ok(Vec::new())));
    };
    let mut lock = LedgerLock::acquire(&common_dir(chain, manifest))?;
    let chain_tail = clean_tail(chain)?;
    let manifest_tail = clean_tail(manifest)?;
    let layer = verify_layer(&found, chain, manifest)?;
    let done = match missing_lines(
        &layer.head,
        &layer.manifest,
        layer.manifest_lines,
        now_micros,
    )? {
        None => None,
        Some(missing) => {
            let files = Files {
                chain,
                chain_tail: &chain_tail,
                manifest,
                manifest_tail: &manifest_tail,
            };
            Some(write_missing(&mut lock, &files, &missing)?.0)
        }
    };
    let removed = remove_batch_records(&mut lock, manifest);
    Ok((done, removed))
}
