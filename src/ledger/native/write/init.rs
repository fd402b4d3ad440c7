//! Creating a native ledger: the directory, its metadata, empty chains, a
//! genesis event binding the metadata, and a first signed checkpoint of
//! every chain. The signing key (and the HMAC key, when asked for) is
//! written outside the ledger directory, mode 0600.
//!
//! Every step goes through the write seam ([`crate::ledger::append::Storage`])
//! and is made durable before the next. An init (or a migration, which is an
//! init followed by copies) that stops part way must never leave something
//! that passes for a ledger: its first step after creating the folder is a
//! marker file [`UNFINISHED_MARKER`], removed by its last. While the marker
//! is there, `iss verify` reports `INCOMPLETE_INIT` (a violation), every
//! writer refuses the folder, and a new `iss init` or `iss migrate` into it
//! says what to remove to start again. Stopped before the marker, the
//! folder is empty (or absent), and the command can simply be run again.

use crate::ledger::append::{
    AppendOptions, LedgerLock, Op, Storage, SyncKind, Tail, append_lines, default_storage,
};
use crate::ledger::native::format::meta::{Chain, ChainPaths, FORMAT, METADATA_FILE, Metadata};
use crate::ledger::native::format::record::{GENESIS_PREV, build_line_raw};
use crate::ledger::native::secret::{MacKey, ensure_outside, write_signer};
use crate::ledger::native::write::{
    CheckpointAck, InvalidRecord, KeyError, NativeWriter, WriteError,
};
use crate::tlog::note::Signer;
use serde::Serialize;
use sha2::{Digest, Sha256};
use std::fs::{self, OpenOptions};
use std::path::{Path, PathBuf};

/// What `iss init` needs.
#[derive(Debug, Clone)]
pub struct InitOptions {
    /// The log origin (checkpoints use `<origin>/<chain>`).
    pub origin: String,
    /// Where to write the new signing key (outside the ledger).
    pub key_path: PathBuf,
    /// Where to write a new HMAC key, for a keyed ledger.
    pub mac_key_path: Option<PathBuf>,
    /// Creation time, UTC ISO 8601.
    pub created: String,
    /// One more field for the genesis event (a migration's continuity record).
    pub genesis_extra: Option<(String, serde_json::Value)>,
}

/// What `iss init` created.
#[derive(Debug, Clone, Serialize)]
pub struct Initialized {
    /// The ledger directory.
    pub ledger: String,
    /// The origin.
    pub origin: String,
    /// The verifier key (publish it: verifiers need it).
    pub verifier_key: String,
    /// The signing key file.
    pub signing_key_file: String,
    /// The HMAC key file and its id, for a keyed ledger.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub mac_key_file: Option<String>,
    /// The HMAC key id.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub mac_key_id: Option<String>,
    /// The first checkpoints.
    pub checkpoints: Vec<CheckpointAck>,
}

/// The file that says an `iss init` or `iss migrate` has not finished in
/// this folder (what is in the folder is not a ledger yet).
pub const UNFINISHED_MARKER: &str = ".iss-init-unfinished";

/// How to start again after an unfinished init in `dir` whose keys were to
/// be written to `keys`.
pub fn start_again_hint(dir: &Path, keys: &[&Path]) -> String {
    let keys = if keys.is_empty() {
        String::new()
    } else {
        let names = keys
            .iter()
            .map(|k| format!("`{}`", k.display()))
            .collect::<Vec<_>>()
            .join(" and ");
        format!(" ({names}, where present)")
    };
    format!(
        "{} holds an unfinished `iss init` or `iss migrate` (it has the file {UNFINISHED_MARKER}): it is not a \
         ledger, and the legacy ledger a migration reads was only read. To start again, remove the folder \
         and the key file(s) it made{keys}, then run the command again",
        dir.display()
    )
}

fn io(path: &Path) -> impl FnOnce(std::io::Error) -> WriteError + '_ {
    move |e| WriteError::Io {
        path: path.to_path_buf(),
        error: e,
    }
}

/// Create a native ledger in `dir` (which must not exist or be empty).
pub fn init(dir: &Path, opts: &InitOptions) -> Result<Initialized, WriteError> {
    let done = init_with_events(dir, opts, &[])?;
    finish(dir)?;
    Ok(done)
}

/// [`init`], with `events` (bodies) written right after the genesis, in
/// the same write and under the first checkpoints: a migration's copied
/// start log, which the genesis vouches for, so the ledger is never seen
/// with the genesis but without them. The folder keeps its
/// [`UNFINISHED_MARKER`] until the caller's [`finish`].
pub fn init_with_events(
    dir: &Path,
    opts: &InitOptions,
    events: &[String],
) -> Result<Initialized, WriteError> {
    refuse_non_empty(dir, opts)?;
    let signer = Signer::generate(&opts.origin).map_err(|error| {
        WriteError::InvalidRecord(InvalidRecord::Origin {
            origin: opts.origin.clone(),
            error: Box::new(error),
        })
    })?;
    let storage = default_storage();
    create_dirs(&*storage, dir)?;
    let secret = |e: crate::ledger::native::secret::SecretError| {
        WriteError::Key(KeyError::Secret(Box::new(e)))
    };
    ensure_outside(&opts.key_path, dir).map_err(secret)?;
    let mac_key = match &opts.mac_key_path {
        Some(p) => {
            ensure_outside(p, dir).map_err(secret)?;
            Some(MacKey::generate().map_err(|e| WriteError::Key(KeyError::MacKeyGeneration(e)))?)
        }
        None => None,
    };
    let meta = Metadata {
        format: FORMAT.to_owned(),
        origin: opts.origin.clone(),
        created: opts.created.clone(),
        chains: Chain::ALL.iter().map(|c| c.name().to_owned()).collect(),
        verifier_keys: vec![signer.vkey()],
        mac_key_id: mac_key.as_ref().map(|k| k.id().to_owned()),
    };
    meta.check()
        .map_err(|e| WriteError::InvalidRecord(InvalidRecord::Metadata(e)))?;
    // The marker first: from here on, whatever is left is known unfinished.
    create_file(
        &*storage,
        &dir.join(UNFINISHED_MARKER),
        format!(
            "an iss init or iss migrate started {} has not finished: this folder is not a ledger yet\n",
            opts.created
        )
        .as_bytes(),
    )?;
    sync_dir(&*storage, dir)?;
    write_signer(&opts.key_path, &signer).map_err(secret)?;
    if let (Some(k), Some(p)) = (&mac_key, &opts.mac_key_path) {
        k.write(p).map_err(secret)?;
    }
    let text = meta.to_file_text();
    create_file(&*storage, &dir.join(METADATA_FILE), text.as_bytes())?;
    for chain in Chain::ALL {
        create_file(&*storage, &ChainPaths::new(dir, chain).file, b"")?;
    }
    sync_dir(&*storage, dir)?;

    // The genesis event binds the metadata's exact bytes.
    let mut genesis = serde_json::json!({
        "type": "genesis",
        "metadata_sha256": hex::encode(Sha256::digest(text.as_bytes())),
        "created": opts.created,
        "tool": concat!(env!("CARGO_PKG_NAME"), " ", env!("CARGO_PKG_VERSION")),
    });
    if let (Some((k, v)), Some(obj)) = (&opts.genesis_extra, genesis.as_object_mut()) {
        obj.insert(k.clone(), v.clone());
    }
    let genesis = genesis.to_string();
    let mut lines = Vec::with_capacity(events.len() + 1);
    let mut prev = GENESIS_PREV.to_owned();
    for (seq, body) in (0u64..).zip(std::iter::once(&genesis).chain(events)) {
        let (line, hash) = build_line_raw(Chain::Events.name(), seq, &prev, body, mac_key.as_ref())
            .map_err(|e| WriteError::InvalidRecord(InvalidRecord::Genesis(Box::new(e))))?;
        lines.push(line);
        prev = hash;
    }
    {
        let mut lock = LedgerLock::acquire(dir)?;
        let events = ChainPaths::new(dir, Chain::Events).file;
        append_lines(
            &mut lock,
            &events,
            &Tail::EMPTY,
            &lines,
            AppendOptions::default(),
        )?;
    }
    let mut w = NativeWriter::open_unfinished(dir, Some(signer.clone()), mac_key.clone())?;
    let checkpoints = Chain::ALL
        .into_iter()
        .map(|c| w.checkpoint(c))
        .collect::<Result<Vec<_>, _>>()?;
    Ok(Initialized {
        ledger: dir.display().to_string(),
        origin: opts.origin.clone(),
        verifier_key: signer.vkey(),
        signing_key_file: opts.key_path.display().to_string(),
        mac_key_file: opts.mac_key_path.as_ref().map(|p| p.display().to_string()),
        mac_key_id: mac_key.map(|k| k.id().to_owned()),
        checkpoints,
    })
}

/// A ledger is created in a new or empty folder; one left by an unfinished
/// init gets the way to start again.
fn refuse_non_empty(dir: &Path, opts: &InitOptions) -> Result<(), WriteError> {
    if dir.exists() {
        let mut entries = fs::read_dir(dir).map_err(io(dir))?;
        if entries.next().is_some() {
            if dir.join(UNFINISHED_MARKER).exists() {
                let mut keys = vec![opts.key_path.clone()];
                keys.extend(opts.mac_key_path.clone());
                return Err(WriteError::InvalidRecord(InvalidRecord::Unfinished {
                    dir: dir.to_path_buf(),
                    keys,
                }));
            }
            return Err(WriteError::InvalidRecord(InvalidRecord::NotEmpty(
                dir.to_path_buf(),
            )));
        }
    }
    Ok(())
}

/// Create `path` (new), write `bytes`, make them durable.
fn create_file(storage: &dyn Storage, path: &Path, bytes: &[u8]) -> Result<(), WriteError> {
    let f = storage
        .open(
            path,
            OpenOptions::new().write(true).create_new(true),
            Op::Create,
        )
        .map_err(io(path))?;
    storage
        .write_all(&f, path, bytes)
        .and_then(|()| storage.sync(&f, path, SyncKind::All))
        .map_err(io(path))
}

fn sync_dir(storage: &dyn Storage, dir: &Path) -> Result<(), WriteError> {
    storage.sync_dir(dir).map_err(io(dir))
}

/// Create `dir` and its missing parents, each made durable in its parent.
fn create_dirs(storage: &dyn Storage, dir: &Path) -> Result<(), WriteError> {
    let mut missing = Vec::new();
    let mut at = Some(dir);
    while let Some(d) = at.filter(|d| !d.as_os_str().is_empty() && !d.exists()) {
        missing.push(d);
        at = d.parent();
    }
    for d in missing.into_iter().rev() {
        storage.create_dir(d).map_err(io(d))?;
        let parent = d
            .parent()
            .filter(|p| !p.as_os_str().is_empty())
            .unwrap_or(Path::new("."));
        sync_dir(storage, parent)?;
    }
    Ok(())
}

/// The last step of an init or a migration: remove the marker (and make
/// its removal durable). Before this the folder is not a ledger.
pub fn finish(dir: &Path) -> Result<(), WriteError> {
    let storage = default_storage();
    let marker = dir.join(UNFINISHED_MARKER);
    storage.remove_file(&marker).map_err(io(&marker))?;
    sync_dir(&*storage, dir)
}
