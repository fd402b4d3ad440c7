//! RFC 3161 timestamp tokens stored beside a chain's checkpoint history
//! (`docs/FORMAT.md` §7.2, `docs/TIMESTAMPS.md`): one file per token in
//! `<chain>.jsonl.timestamps/`, named `<size>-<SHA-256 of the note>.tst`,
//! so that each token says which checkpoint (the chain's origin, its size,
//! the exact signed note) it covers. Writing a token is the only write
//! here; [`crate::ledger::native::verify::timestamps`] reads them for
//! `iss verify`.

use crate::ledger::append::{AppendError, LedgerLock, Op, SyncKind};
use crate::ledger::native::format::meta::Chain;
use sha2::Digest;
use std::fs::OpenOptions;
use std::path::{Path, PathBuf};

/// The extension of a token file.
pub const TOKEN_EXTENSION: &str = "tst";

/// `<ledger>/<chain>.jsonl.timestamps`: where the chain's tokens live.
pub fn dir(ledger: &Path, chain: Chain) -> PathBuf {
    ledger.join(format!("{}.timestamps", chain.file_name()))
}

/// SHA-256 of a checkpoint note's exact bytes, hex: the message imprint a
/// token over it carries.
pub fn note_sha256(note: &str) -> String {
    hex::encode(sha2::Sha256::digest(note.as_bytes()))
}

/// The file name of the token over the checkpoint `note` of `size`.
pub fn token_name(size: u64, note: &str) -> String {
    format!("{size}-{}.{TOKEN_EXTENSION}", note_sha256(note))
}

/// The checkpoint a token file's name says it covers.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct TokenName {
    /// The tree size.
    pub size: u64,
    /// SHA-256 of the note, hex.
    pub note_sha256: String,
}

/// Parse `<size>-<64 hex>.tst`; `None` for any other name.
pub fn parse_token_name(name: &str) -> Option<TokenName> {
    let stem = name.strip_suffix(&format!(".{TOKEN_EXTENSION}"))?;
    let (size, hash) = stem.split_once('-')?;
    let size_ok = !size.is_empty()
        && size.bytes().all(|b| b.is_ascii_digit())
        && (size == "0" || !size.starts_with('0'));
    let hash_ok = hash.len() == 64 && hash.bytes().all(|b| matches!(b, b'0'..=b'9' | b'a'..=b'f'));
    if !(size_ok && hash_ok) {
        return None;
    }
    Some(TokenName {
        size: size.parse().ok()?,
        note_sha256: hash.to_owned(),
    })
}

/// Whether the chain already has a token over `note`.
pub fn has_token(ledger: &Path, chain: Chain, size: u64, note: &str) -> bool {
    dir(ledger, chain).join(token_name(size, note)).is_file()
}

/// Store `token` (DER) as the token over the checkpoint `note` of `size`
/// of `chain`, under the ledger's lock: the directory created (and its
/// entry fsynced) when missing, the token written to a temporary file,
/// fsynced, renamed into place, the directory fsynced. Returns the path.
/// On an error before the rename nothing is at the token's name (the
/// temporary file `.<name>.tmp-<pid>` is removed when it can be; verification
/// never reads one).
pub fn store(
    ledger: &Path,
    chain: Chain,
    size: u64,
    note: &str,
    token: &[u8],
) -> Result<PathBuf, AppendError> {
    let lock = LedgerLock::acquire(ledger)?;
    let storage = lock.storage();
    let d = dir(ledger, chain);
    match std::fs::create_dir(&d) {
        Ok(()) => storage
            .sync_dir(ledger)
            .map_err(|e| AppendError::io(ledger, Op::SyncDir, e))?,
        Err(e) if e.kind() == std::io::ErrorKind::AlreadyExists => {}
        Err(e) => return Err(AppendError::io(&d, Op::Create, e)),
    }
    let name = token_name(size, note);
    let path = d.join(&name);
    let tmp = d.join(format!(".{name}.tmp-{}", std::process::id()));
    let written = storage
        .open(
            &tmp,
            OpenOptions::new().write(true).create(true).truncate(true),
            Op::TempFile,
        )
        .and_then(|f| {
            storage
                .write_all(&f, &tmp, token)
                .and_then(|()| storage.sync(&f, &tmp, SyncKind::All))
        })
        .map_err(|e| AppendError::io(&tmp, Op::TempFile, e))
        .and_then(|()| {
            storage
                .rename(&tmp, &path)
                .map_err(|e| AppendError::io(&path, Op::Rename, e))
        });
    if let Err(e) = written {
        // Not renamed: the temporary file is ours and nobody's evidence.
        let _ = storage.remove_file(&tmp);
        return Err(e);
    }
    storage
        .sync_dir(&d)
        .map_err(|e| AppendError::io(&d, Op::SyncDir, e))?;
    Ok(path)
}
