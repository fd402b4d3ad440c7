//! Creating a native ledger: the directory, its metadata, empty chains, a
//! genesis event binding the metadata, and a first signed checkpoint of
//! every chain. The signing key (and the HMAC key, when asked for) is
//! written outside the ledger directory, mode 0600.

use crate::ledger::append::{AppendOptions, LedgerLock, Tail, append_lines};
use crate::ledger::native::meta::{Chain, ChainPaths, FORMAT, METADATA_FILE, Metadata};
use crate::ledger::native::record::{GENESIS_PREV, build_line_raw};
use crate::ledger::native::secret::{MacKey, ensure_outside, write_signer};
use crate::ledger::native::writer::{
    CheckpointAck, InvalidRecord, KeyError, NativeWriteError, NativeWriter,
};
use crate::tlog::note::Signer;
use serde::Serialize;
use sha2::{Digest, Sha256};
use std::fs::{self, File, OpenOptions};
use std::io::Write;
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

fn io(path: &Path) -> impl FnOnce(std::io::Error) -> NativeWriteError + '_ {
    move |e| NativeWriteError::Io {
        path: path.to_path_buf(),
        error: e,
    }
}

/// Create a native ledger in `dir` (which must not exist or be empty).
pub fn init(dir: &Path, opts: &InitOptions) -> Result<Initialized, NativeWriteError> {
    init_with_events(dir, opts, &[])
}

/// [`init`], with `events` (bodies) written right after the genesis, in
/// the same write and under the first checkpoints: a migration's copied
/// start log, which the genesis vouches for, so the ledger is never seen
/// with the genesis but without them.
pub fn init_with_events(
    dir: &Path,
    opts: &InitOptions,
    events: &[String],
) -> Result<Initialized, NativeWriteError> {
    if dir.exists() {
        let mut entries = fs::read_dir(dir).map_err(io(dir))?;
        if entries.next().is_some() {
            return Err(NativeWriteError::InvalidRecord(InvalidRecord::NotEmpty(
                dir.to_path_buf(),
            )));
        }
    }
    let signer = Signer::generate(&opts.origin).map_err(|error| {
        NativeWriteError::InvalidRecord(InvalidRecord::Origin {
            origin: opts.origin.clone(),
            error: Box::new(error),
        })
    })?;
    fs::create_dir_all(dir).map_err(io(dir))?;
    let secret = |e: crate::ledger::native::secret::SecretError| {
        NativeWriteError::Key(KeyError::Secret(Box::new(e)))
    };
    ensure_outside(&opts.key_path, dir).map_err(secret)?;
    let mac_key = match &opts.mac_key_path {
        Some(p) => {
            ensure_outside(p, dir).map_err(secret)?;
            Some(
                MacKey::generate()
                    .map_err(|e| NativeWriteError::Key(KeyError::MacKeyGeneration(e)))?,
            )
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
        .map_err(|e| NativeWriteError::InvalidRecord(InvalidRecord::Metadata(e)))?;
    write_signer(&opts.key_path, &signer).map_err(secret)?;
    if let (Some(k), Some(p)) = (&mac_key, &opts.mac_key_path) {
        k.write(p).map_err(secret)?;
    }
    let text = meta.to_file_text();
    create_file(&dir.join(METADATA_FILE), text.as_bytes())?;
    for chain in Chain::ALL {
        create_file(&ChainPaths::new(dir, chain).file, b"")?;
    }
    File::open(dir)
        .and_then(|d| d.sync_all())
        .map_err(io(dir))?;

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
            .map_err(|e| NativeWriteError::InvalidRecord(InvalidRecord::Genesis(Box::new(e))))?;
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
    let mut w = NativeWriter::open_new(dir, signer.clone(), mac_key.clone())?;
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

fn create_file(path: &Path, bytes: &[u8]) -> Result<(), NativeWriteError> {
    let mut f = OpenOptions::new()
        .write(true)
        .create_new(true)
        .open(path)
        .map_err(io(path))?;
    f.write_all(bytes)
        .and_then(|()| f.sync_all())
        .map_err(io(path))
}
