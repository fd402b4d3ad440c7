//! `iss repair` on a native ledger (`docs/FORMAT.md` §9): cut each torn
//! last line (chain or checkpoint history) after keeping a copy of its
//! bytes, then record every cut in the `events` chain and re-sign the
//! chains, so the repair itself is evidence inside the ledger.

use crate::ledger::append::{LedgerLock, Repair, repair_torn_tail};
use crate::ledger::native::meta::{Chain, ChainPaths};
use crate::ledger::native::secret::MacKey;
use crate::ledger::native::writer::{CheckpointAck, NativeWriteError, NativeWriter, RecordAck};
use crate::tlog::note::Signer;
use serde::Serialize;
use std::path::Path;

/// One cut.
#[derive(Debug, Clone, Serialize)]
pub struct Cut {
    /// The file that was cut (name inside the ledger).
    pub file: String,
    /// Where the removed bytes started (the file's new length).
    pub offset: u64,
    /// How many bytes were removed.
    pub bytes: u64,
    /// SHA-256 of the removed bytes (hex).
    pub sha256: String,
    /// The file holding exactly the removed bytes.
    pub backup: String,
    /// The `events` record of the repair.
    pub event: Option<RecordAck>,
}

/// What a repair did.
#[derive(Debug, Clone, Serialize)]
pub struct Repaired {
    /// The cuts, in file order.
    pub cuts: Vec<Cut>,
    /// The checkpoints issued afterwards (when the signing key was given).
    pub checkpoints: Vec<CheckpointAck>,
}

/// Repair the native ledger in `dir`.
pub fn repair_native(
    dir: &Path,
    signer: Option<Signer>,
    mac_key: Option<MacKey>,
) -> Result<Repaired, NativeWriteError> {
    let mut cuts = Vec::new();
    {
        let mut lock = LedgerLock::acquire(dir)?;
        for chain in Chain::ALL {
            let paths = ChainPaths::new(dir, chain);
            for path in [&paths.file, &paths.history] {
                if !path.exists() {
                    continue;
                }
                if let Repair::Truncated(t) = repair_torn_tail(&mut lock, path, dir)? {
                    cuts.push(Cut {
                        file: file_name(path),
                        offset: t.offset,
                        bytes: t.len,
                        sha256: hex::encode(t.sha256),
                        backup: file_name(&t.backup),
                        event: None,
                    });
                }
            }
        }
    }
    let signs = signer.is_some();
    let mut w = NativeWriter::open(dir, signer, mac_key)?;
    for cut in &mut cuts {
        let body = serde_json::json!({
            "type": "repair",
            "file": cut.file,
            "offset": cut.offset,
            "bytes": cut.bytes,
            "sha256": cut.sha256,
            "backup": cut.backup,
        })
        .to_string();
        cut.event = w.append(Chain::Events, &[body])?.pop();
    }
    let mut checkpoints = Vec::new();
    if signs {
        for c in Chain::ALL {
            checkpoints.push(w.checkpoint(c)?);
        }
    }
    Ok(Repaired { cuts, checkpoints })
}

fn file_name(p: &Path) -> String {
    p.file_name().map_or_else(
        || p.display().to_string(),
        |n| n.to_string_lossy().into_owned(),
    )
}
