//! Secret files: the Ed25519 signing key and the HMAC key of a native
//! ledger. Both live outside the ledger directory (someone who can rewrite
//! the ledger must not also get the keys with it) and must be readable by
//! their owner only.

use crate::tlog::note::Signer;
use hmac::{KeyInit, Mac};
use sha2::{Digest, Sha256};
use std::fs::{self, OpenOptions};
use std::os::unix::fs::{OpenOptionsExt, PermissionsExt};
use std::path::{Path, PathBuf};

/// Domain tag of the HMAC key id (`docs/FORMAT.md` §5).
pub const MAC_KEY_ID_DOMAIN: &str = "iss-native-v1/hmac-key-id\n";

/// Shortest HMAC key accepted, in bytes.
pub const MIN_MAC_KEY_LEN: usize = 32;

/// Why a secret file cannot be used.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum SecretError {
    /// Reading or writing failed.
    #[error("{path}: {what}: {source}")]
    Io {
        /// The key file.
        path: PathBuf,
        /// What was being done.
        what: &'static str,
        /// The error.
        source: std::io::Error,
    },
    /// Group or others may read or write the file.
    #[error(
        "{path}: mode {mode:04o} lets other users read or change the key; it must be 0600 (run `chmod 600 {path}`)"
    )]
    Permissions {
        /// The key file.
        path: PathBuf,
        /// Its permission bits.
        mode: u32,
    },
    /// The key file is inside the ledger directory.
    #[error("{path}: a key must be kept outside the ledger directory {ledger}")]
    InsideLedger {
        /// The key file.
        path: PathBuf,
        /// The ledger directory.
        ledger: PathBuf,
    },
    /// The file does not hold a key of the expected form.
    #[error("{path}: {reason}")]
    Invalid {
        /// The key file.
        path: PathBuf,
        /// What is wrong.
        reason: String,
    },
    /// A MAC key given for a ledger whose format has no MACs (a legacy
    /// one): it would check nothing, and a review that seemed keyed would
    /// not be.
    #[error(
        "{path}: the ledger {ledger} {why}: no record carries a MAC, so this key would check nothing; leave out --mac-key (and ISS_MAC_KEY)"
    )]
    NoMacs {
        /// The key file.
        path: PathBuf,
        /// The ledger.
        ledger: PathBuf,
        /// Why the ledger has none.
        why: &'static str,
    },
    /// A MAC key other than the one the ledger requires.
    #[error(
        "{path}: this is MAC key {held}, but the ledger {ledger} requires MAC key {required}; with it, no MAC could be checked"
    )]
    WrongMacKey {
        /// The key file.
        path: PathBuf,
        /// The ledger directory.
        ledger: PathBuf,
        /// The id of the key in the file.
        held: String,
        /// The id the ledger's metadata names.
        required: String,
    },
}

fn io<'a>(path: &'a Path, what: &'static str) -> impl FnOnce(std::io::Error) -> SecretError + 'a {
    move |source| SecretError::Io {
        path: path.to_owned(),
        what,
        source,
    }
}

/// Where a ledger's signing key is kept unless told otherwise:
/// `<ledger>.key` beside the ledger folder.
pub fn default_key_path(ledger: &Path) -> PathBuf {
    let mut name = ledger
        .file_name()
        .map_or_else(|| "ledger".into(), ToOwned::to_owned);
    name.push(".key");
    ledger.with_file_name(name)
}

/// The signing key of `ledger`: the file `explicit` names, else
/// [`default_key_path`] when that file exists, else none (an unsigned
/// append: hashes only until `iss checkpoint`).
pub fn resolve_signer(
    ledger: &Path,
    explicit: Option<&Path>,
) -> Result<Option<Signer>, SecretError> {
    let path = if let Some(p) = explicit {
        p.to_path_buf()
    } else {
        let p = default_key_path(ledger);
        if !p.exists() {
            return Ok(None);
        }
        p
    };
    read_signer(&path).map(Some)
}

/// Read the MAC key at `path` for the ledger at `ledger`, refusing a key
/// other than the one a native ledger's metadata requires (it would check
/// nothing, and a user who gave a key expects its MACs checked). A legacy
/// ledger, an unkeyed one, or metadata that cannot be read (verification
/// reports that) take the key as it is.
pub fn read_mac_key_for(ledger: &Path, path: &Path) -> Result<MacKey, SecretError> {
    let key = MacKey::read(path)?;
    if let Ok((meta, _)) = crate::ledger::native::format::meta::Metadata::read(ledger)
        && let Some(required) = meta.mac_key_id
        && required != key.id()
    {
        return Err(SecretError::WrongMacKey {
            path: path.to_owned(),
            ledger: ledger.to_owned(),
            held: key.id().to_owned(),
            required,
        });
    }
    Ok(key)
}

/// [`read_mac_key_for`] the key file given, if one was (`--mac-key`).
pub fn mac_key_option(ledger: &Path, path: Option<&Path>) -> Result<Option<MacKey>, SecretError> {
    path.map(|p| read_mac_key_for(ledger, p)).transpose()
}

/// Refuse a key path inside `ledger` (compared after resolving links).
pub fn ensure_outside(key: &Path, ledger: &Path) -> Result<(), SecretError> {
    let parent = key.parent().filter(|p| !p.as_os_str().is_empty());
    let key_dir = fs::canonicalize(parent.unwrap_or(Path::new(".")))
        .map_err(io(key, "cannot resolve the key's directory"))?;
    if let Ok(ledger_dir) = fs::canonicalize(ledger)
        && key_dir.starts_with(&ledger_dir)
    {
        return Err(SecretError::InsideLedger {
            path: key.to_owned(),
            ledger: ledger.to_owned(),
        });
    }
    Ok(())
}

/// Create a new secret file with mode 0600 (never overwriting), write
/// `bytes`, and make it and its name durable, through the write seam
/// ([`crate::ledger::append::Storage`]). A file that could not be written
/// whole is removed again: no half key is left behind.
pub fn write_secret(path: &Path, bytes: &[u8]) -> Result<(), SecretError> {
    use crate::ledger::append::{Op, SyncKind};
    let storage = crate::ledger::append::default_storage();
    let f = storage
        .open(
            path,
            OpenOptions::new().write(true).create_new(true).mode(0o600),
            Op::Create,
        )
        .map_err(io(path, "cannot create the key file"))?;
    let written = storage
        .write_all(&f, path, bytes)
        .and_then(|()| storage.sync(&f, path, SyncKind::All));
    if let Err(e) = written {
        drop(f);
        let _ = storage.remove_file(path);
        return Err(io(path, "cannot write the key file")(e));
    }
    let dir = folder_of(path);
    storage
        .sync_dir(dir)
        .map_err(io(path, "cannot make the key file's name durable"))
}

/// The folder whose entry names `path` (`.` for a bare file name): the
/// one to sync so that a created or removed name is durable.
fn folder_of(path: &Path) -> &Path {
    path.parent()
        .filter(|p| !p.as_os_str().is_empty())
        .unwrap_or(Path::new("."))
}

/// Remove a secret file this process created (a key no ledger needs), and
/// make its removal durable, through the write seam.
pub fn remove_secret(path: &Path) -> Result<(), SecretError> {
    let storage = crate::ledger::append::default_storage();
    storage
        .remove_file(path)
        .map_err(io(path, "cannot remove the key file"))?;
    let dir = folder_of(path);
    storage
        .sync_dir(dir)
        .map_err(io(path, "cannot make the key file's removal durable"))
}

/// Read a secret file, refusing one that group or others can access.
pub fn read_secret(path: &Path) -> Result<Vec<u8>, SecretError> {
    let meta = fs::metadata(path).map_err(io(path, "cannot read the key file"))?;
    let mode = meta.permissions().mode() & 0o7777;
    if mode & 0o077 != 0 {
        return Err(SecretError::Permissions {
            path: path.to_owned(),
            mode,
        });
    }
    crate::ledger::input::read_regular(path).map_err(io(path, "cannot read the key file"))
}

/// How a signer key file starts (a C2SP signed-note private key).
const SIGNER_KEY_PREFIX: &[u8] = b"PRIVATE+KEY+";

/// Read an Ed25519 signer key (`PRIVATE+KEY+...`) from a 0600 file.
pub fn read_signer(path: &Path) -> Result<Signer, SecretError> {
    let bytes = match read_secret(path) {
        Ok(b) => b,
        // Advice to `chmod 600` a file that holds no key at all (a ledger
        // file given by mistake) would be wrong: say what it is not. Only
        // the prefix is compared; nothing of the file is shown.
        Err(SecretError::Permissions { .. }) if !starts_like_a_signer(path) => {
            return Err(SecretError::Invalid {
                path: path.to_owned(),
                reason: format!(
                    "not a signing key: expected a file holding one line `{}<name>+<key id>+<base64>` \
                     (as `iss init` and `iss key rotate` write them), found a file that does not start so",
                    String::from_utf8_lossy(SIGNER_KEY_PREFIX)
                ),
            });
        }
        Err(e) => return Err(e),
    };
    let text = std::str::from_utf8(&bytes).map_err(|_| SecretError::Invalid {
        path: path.to_owned(),
        reason: "not a signer key: not UTF-8".to_owned(),
    })?;
    Signer::from_skey(text.trim_end_matches('\n')).map_err(|e| SecretError::Invalid {
        path: path.to_owned(),
        reason: format!("not a signer key: {e}"),
    })
}

/// Whether the file at `path` starts as a signer key does.
fn starts_like_a_signer(path: &Path) -> bool {
    use std::io::Read;
    let mut head = [0u8; SIGNER_KEY_PREFIX.len()];
    fs::File::open(path)
        .and_then(|mut f| f.read_exact(&mut head))
        .is_ok_and(|()| head == SIGNER_KEY_PREFIX)
}

/// Write a signer key to a new 0600 file.
pub fn write_signer(path: &Path, signer: &Signer) -> Result<(), SecretError> {
    write_secret(path, format!("{}\n", signer.skey()).as_bytes())
}

/// An HMAC-SHA256 key with its id.
#[derive(Clone)]
pub struct MacKey {
    id: String,
    key: Vec<u8>,
}

impl std::fmt::Debug for MacKey {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        // Never print the key itself.
        f.debug_struct("MacKey")
            .field("id", &self.id)
            .finish_non_exhaustive()
    }
}

impl MacKey {
    /// A key from its bytes (at least [`MIN_MAC_KEY_LEN`]).
    pub fn new(key: Vec<u8>) -> Result<Self, String> {
        if key.len() < MIN_MAC_KEY_LEN {
            return Err(format!(
                "an HMAC key must have at least {MIN_MAC_KEY_LEN} bytes, this one has {}",
                key.len()
            ));
        }
        Ok(MacKey::with_id(key))
    }

    /// The key with its id (callers have checked its length).
    fn with_id(key: Vec<u8>) -> Self {
        let digest = Sha256::new()
            .chain_update(MAC_KEY_ID_DOMAIN)
            .chain_update(&key)
            .finalize();
        let id = hex::encode(&digest[..4]);
        MacKey { id, key }
    }

    /// Read the key from a 0600 file (its bytes are the key).
    pub fn read(path: &Path) -> Result<Self, SecretError> {
        MacKey::new(read_secret(path)?).map_err(|reason| SecretError::Invalid {
            path: path.to_owned(),
            reason,
        })
    }

    /// A fresh random key of 32 bytes; `Err` when the system's random
    /// source fails.
    pub fn generate() -> Result<Self, getrandom::Error> {
        let mut key = vec![0u8; MIN_MAC_KEY_LEN];
        getrandom::fill(&mut key)?;
        Ok(MacKey::with_id(key))
    }

    /// Write the key to a new 0600 file.
    pub fn write(&self, path: &Path) -> Result<(), SecretError> {
        write_secret(path, &self.key)
    }

    /// The key id: 8 hex characters.
    pub fn id(&self) -> &str {
        &self.id
    }

    /// `hex(HMAC-SHA256(key, parts...))`.
    pub fn mac_hex(&self, parts: &[&[u8]]) -> String {
        // Cannot fail: HMAC takes keys of any length.
        let mut m = <hmac::Hmac<Sha256> as KeyInit>::new_from_slice(&self.key)
            .expect("HMAC accepts any key length");
        for p in parts {
            m.update(p);
        }
        hex::encode(m.finalize().into_bytes())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn hmac_matches_rfc_4231_case_6_and_key_ids_follow_the_spec() {
        // RFC 4231 test case 6 (its key is longer than our minimum).
        let key = MacKey::new(vec![0xaa; 131]).unwrap();
        assert_eq!(
            key.mac_hex(&[b"Test Using Larger Than Block-Size Key - Hash Key First"]),
            "60e431591ee0b67f0d8a26aacbf5b77f8e0bc6213728c5140546040f0ee37f54"
        );
        let expected_id = {
            let d = Sha256::digest([MAC_KEY_ID_DOMAIN.as_bytes(), &[0xaa; 131]].concat());
            hex::encode(&d[..4])
        };
        assert_eq!(key.id(), expected_id);
        assert!(
            MacKey::new(vec![1; 31])
                .unwrap_err()
                .contains("at least 32")
        );
    }

    #[test]
    fn secrets_are_created_0600_never_overwritten_and_refused_when_readable_by_others() {
        let dir = tempfile::tempdir().unwrap();
        let p = dir.path().join("k");
        let key = MacKey::generate().unwrap();
        key.write(&p).unwrap();
        assert_eq!(
            fs::metadata(&p).unwrap().permissions().mode() & 0o777,
            0o600
        );
        assert!(key.write(&p).is_err(), "must not overwrite a key");
        assert_eq!(MacKey::read(&p).unwrap().id(), key.id());
        fs::set_permissions(&p, fs::Permissions::from_mode(0o644)).unwrap();
        let e = MacKey::read(&p).unwrap_err().to_string();
        assert!(e.contains("0644") && e.contains("chmod 600"), "{e}");
    }

    #[test]
    fn a_key_inside_the_ledger_is_refused() {
        let dir = tempfile::tempdir().unwrap();
        let ledger = dir.path().join("ledger");
        fs::create_dir(&ledger).unwrap();
        assert!(matches!(
            ensure_outside(&ledger.join("k"), &ledger),
            Err(SecretError::InsideLedger { .. })
        ));
        assert!(ensure_outside(&dir.path().join("k"), &ledger).is_ok());
    }

    #[test]
    fn signer_keys_round_trip_through_their_file() {
        let dir = tempfile::tempdir().unwrap();
        let p = dir.path().join("s.key");
        let s = Signer::generate("iss.test/x").unwrap();
        write_signer(&p, &s).unwrap();
        assert_eq!(read_signer(&p).unwrap().vkey(), s.vkey());
        fs::write(dir.path().join("bad"), "nope").unwrap();
        fs::set_permissions(dir.path().join("bad"), fs::Permissions::from_mode(0o600)).unwrap();
        let e = read_signer(&dir.path().join("bad"))
            .unwrap_err()
            .to_string();
        assert!(e.contains("not a signer key"), "{e}");
    }
}
