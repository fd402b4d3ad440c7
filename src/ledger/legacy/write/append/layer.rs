//! The SPICE layer an append continues: its files, their tails, and the
//! layer verified under the lock.

use super::{NotAppendable, WriteError};
use crate::ledger::append::{AppendError, Tail, TailState};
use crate::ledger::discover::{Discovery, FileKind};
use crate::ledger::io::reader::DEFAULT_MAX_LINE;
use crate::ledger::legacy::verify::manifest::ManifestVerifier;
use crate::ledger::legacy::verify::spice_layer::{ChainHead, SpiceLayer, verify_spice_layer_live};
use crate::ledger::model::report::FileReport;
use crate::ledger::write_error::Refusing;
use std::path::{Path, PathBuf};

/// The SPICE layer as verified under the lock: what an append continues.
pub(crate) struct VerifiedLayer {
    /// The chain's head.
    pub head: ChainHead,
    /// The manifest's verifier after its last line.
    pub manifest: ManifestVerifier,
    /// Lines of the manifest file.
    pub manifest_lines: u64,
}

/// Verify the SPICE layer under the lock; refuse on any violation or read
/// error.
pub(crate) fn verify_layer(
    found: &Discovery,
    chain: &Path,
    manifest: &Path,
) -> Result<VerifiedLayer, WriteError> {
    let layer = SpiceLayer {
        chain: Some(chain),
        manifest: Some(manifest),
        constitutional: found.path_of(FileKind::ConstitutionalLog),
    };
    let (reports, head, verifier) = verify_spice_layer_live(layer, DEFAULT_MAX_LINE);
    let manifest_lines = refuse_unless_verified(&reports, FileKind::IntegrityManifest)?;
    Ok(VerifiedLayer {
        head,
        manifest: verifier.unwrap_or_default(),
        manifest_lines,
    })
}

/// The guard before every legacy append: refuse when a file of the layer
/// could not be read (no verdict from bytes not read) or any violation was
/// found (appending would bury the evidence). Returns how many lines the
/// verified file of `kind` has.
pub(crate) fn refuse_unless_verified(
    reports: &[FileReport],
    kind: FileKind,
) -> Result<u64, WriteError> {
    if let Some(r) = reports.iter().find(|r| r.error.is_some()) {
        return Err(WriteError::NotAppendable(NotAppendable::Unreadable(
            Box::new(r.clone()),
        )));
    }
    let violations = crate::ledger::model::report::violations(reports);
    if !violations.is_empty() {
        return Err(WriteError::Violated {
            refusing: Refusing::Append,
            violations,
        });
    }
    Ok(reports
        .iter()
        .find(|r| r.name == kind.name())
        .map_or(0, |r| r.lines))
}

/// The chain and the manifest an append keeps in step.
pub(crate) fn appendable_files(
    root: &Path,
    found: &Discovery,
) -> Result<(PathBuf, PathBuf), WriteError> {
    let chain = found
        .path_of(FileKind::SpiceChain)
        .ok_or_else(|| WriteError::NotAppendable(NotAppendable::NoChain(root.to_path_buf())))?;
    let manifest = found
        .path_of(FileKind::IntegrityManifest)
        .ok_or_else(|| WriteError::NotAppendable(NotAppendable::NoManifest(root.to_path_buf())))?;
    Ok((chain.to_path_buf(), manifest.to_path_buf()))
}

/// The file's tail, refusing a torn one (it needs `iss repair` first).
pub(crate) fn clean_tail(path: &Path) -> Result<Tail, WriteError> {
    match Tail::read(path)? {
        TailState::Missing | TailState::Empty => Ok(Tail::EMPTY),
        TailState::Clean(t) => Ok(t),
        TailState::Torn {
            complete,
            torn_bytes,
        } => Err(AppendError::TornTail {
            path: path.to_path_buf(),
            complete_len: complete.len,
            torn_bytes,
        }
        .into()),
    }
}

/// The deepest folder holding both files: the lock's place.
pub(crate) fn common_dir(a: &Path, b: &Path) -> PathBuf {
    let mut dir = a.parent().map(Path::to_path_buf).unwrap_or_default();
    while !b.starts_with(&dir) {
        if !dir.pop() {
            break;
        }
    }
    if dir.as_os_str().is_empty() {
        PathBuf::from(".")
    } else {
        dir
    }
}
