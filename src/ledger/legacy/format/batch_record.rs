//! The batch record a legacy append leaves beside the manifest
//! (`integrity_manifest.jsonl.batch-<ns>`) before it writes a batch's
//! records: which records after the attested ones an interrupted append may
//! have left unattested. Written and removed by the writer
//! ([`crate::ledger::legacy::write::repair`]); read here, by verification
//! (the manifest's gaps it explains) and by the writer alike.

use crate::ledger::append::file_name;
use std::path::Path;

/// The kind of the record file a batch append writes beside the manifest
/// before its records: `integrity_manifest.jsonl.batch-<ns>`.
pub const BATCH_KIND: &str = "batch";

/// The batch records beside `manifest`: their paths and `(after, records)`.
/// Unreadable or foreign files are skipped (they explain nothing).
pub fn batch_records(manifest: &Path) -> Vec<(std::path::PathBuf, (u64, u64))> {
    let dir = manifest.parent().unwrap_or(Path::new("."));
    let prefix = format!("{}.{BATCH_KIND}-", file_name(manifest));
    let Ok(entries) = std::fs::read_dir(dir) else {
        return Vec::new();
    };
    let mut out = Vec::new();
    for e in entries.filter_map(Result::ok) {
        if !e.file_name().to_string_lossy().starts_with(&prefix) {
            continue;
        }
        let path = e.path();
        let Ok(bytes) = crate::ledger::input::read_regular(&path) else {
            continue;
        };
        let Ok(v) = serde_json::from_slice::<serde_json::Value>(&bytes) else {
            continue;
        };
        if let (Some(after), Some(n)) = (v["after"].as_u64(), v["records"].as_u64()) {
            out.push((path, (after, n)));
        }
    }
    out.sort();
    out
}
