//! One ledger, opened once: the format, the keys and the options a command
//! or the workstation gives are resolved here, once, into a [`Ledger`] (as
//! ripgrep resolves its low-level arguments into high-level ones before
//! anything runs). Everything above `ledger` asks the `Ledger` to write
//! (`write`: a pulse, descriptors, a preview, each for both formats behind
//! one call returning the one `WriteError`; `group`: the writer a server
//! keeps open between batches), or asks a fact in its own terms
//! (`facts`: does it sign checkpoints, are a file's records framed, which
//! chains it has), instead of looking at the folder or at a format flag:
//! this module is the one place the format is decided, and no layer above
//! names [`Format`] (`tests/layers.rs` checks).
//!
//! A repair is decided and run here too (`repair`: a native repair records
//! itself in the ledger, a legacy one hands back its cuts and how it
//! ended), and the command only prints what it did.
//!
//! A review opens it read-only (`review`: the HMAC key checked once, the
//! signing key never read) and verifies or watches it through the
//! `Ledger`, which hands its key to both.
//!
//! What it is not: a second implementation. Verification, appends and
//! watching stay in `verify`, `legacy`/`native` and `watch`; a `Ledger`
//! only hands them the resolved path, format and keys.

mod facts;
mod group;
mod repair;
mod review;
mod write;

pub use group::{GroupAppended, GroupRefusal, GroupWriter};
pub use repair::{
    BatchRecordsRemoved, Completed, LegacyCut, LegacyEnd, LegacyRepaired, NativeRepaired,
    RepairError, Repaired,
};
pub use write::{DescriptorPreview, DescriptorsDone, Durable, PulseAck, PulseTime, PulseWriter};

use crate::ledger::discover::{DiscoverError, FileKind};
use crate::ledger::model::report::VerifyReport;
use crate::ledger::native::format::meta::{FORMAT as NATIVE_FORMAT, is_native_dir};
use crate::ledger::native::secret::{MacKey, SecretError, mac_key_option, resolve_signer};
use crate::ledger::native::write::{NativeWriter, WriteError};
use crate::tlog::note::Signer;
use std::path::{Path, PathBuf};

/// The two ledger formats `iss` reads and writes.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Format {
    /// The legacy ISS Module v2.0 JSONL files (and the hash-less v1 layer).
    Legacy,
    /// A native ledger (`docs/FORMAT.md`): a folder with `iss-ledger.json`.
    Native,
}

impl Format {
    /// The format of the ledger at `path`: native when it is a folder with
    /// a native metadata file, else legacy (discovery then says which
    /// legacy shape, or that there is no ledger).
    pub fn of(path: &Path) -> Format {
        if is_native_dir(path) {
            Format::Native
        } else {
            Format::Legacy
        }
    }

    /// The format of what discovery found (`Layout::Native` or a legacy
    /// layout): the one place a layout is mapped to a format.
    pub fn of_layout(layout: crate::ledger::discover::Layout) -> Format {
        if layout == crate::ledger::discover::Layout::Native {
            Format::Native
        } else {
            Format::Legacy
        }
    }

    /// The format of a verified ledger: native when the report says so or
    /// holds a native chain.
    pub fn of_report(report: &VerifyReport) -> Format {
        if report.format == NATIVE_FORMAT || report.files.iter().any(|f| f.native.is_some()) {
            Format::Native
        } else {
            Format::Legacy
        }
    }

    /// Whether this is the native format.
    pub fn native(self) -> bool {
        self == Format::Native
    }
}

impl FileKind {
    /// The format a file of this kind belongs to.
    pub fn format(self) -> Format {
        if matches!(
            self,
            FileKind::NativeDescriptors | FileKind::NativePulses | FileKind::NativeEvents
        ) {
            Format::Native
        } else {
            Format::Legacy
        }
    }
}

/// The keys a native ledger's writes use (legacy ledgers have none).
/// Their `Debug` shows key ids, never the secrets.
#[derive(Debug, Clone, Default)]
pub struct Keys {
    /// Signs the checkpoint after each append (`--key`, else `<ledger>.key`
    /// when present); without it appends are hashed but not signed.
    pub signer: Option<Signer>,
    /// The HMAC key of a keyed ledger (`--mac-key`): verification checks
    /// the MACs with it, and appends carry one.
    pub mac_key: Option<MacKey>,
}

impl Keys {
    /// The keys for `ledger`: the MAC key from `mac_key` (refused when it
    /// is not the ledger's); with `write`, the signing key from `key`, else
    /// `<ledger>.key` when it exists. A read-only review never reads the
    /// signing key.
    pub fn resolve(
        ledger: &Path,
        write: bool,
        key: Option<&Path>,
        mac_key: Option<&Path>,
    ) -> Result<Keys, SecretError> {
        if let Some(path) = mac_key {
            refuse_without_macs(ledger, path)?;
        }
        Ok(Keys {
            signer: if write {
                resolve_signer(ledger, key)?
            } else {
                None
            },
            mac_key: mac_key_option(ledger, mac_key)?,
        })
    }
}

/// Refuse the MAC key `key` for a ledger whose records carry no MAC
/// ([`Ledger::has_no_macs`]): silently unused, it would let a review look
/// keyed that checked no MAC, and an append look keyed that wrote none.
fn refuse_without_macs(ledger: &Path, key: &Path) -> Result<(), SecretError> {
    match Ledger::at(ledger).has_no_macs() {
        Some(why) => Err(SecretError::NoMacs {
            path: key.to_owned(),
            ledger: ledger.to_owned(),
            why,
        }),
        None => Ok(()),
    }
}

/// What a caller gives when it opens a ledger.
#[derive(Debug, Clone, Default)]
pub struct OpenOptions<'a> {
    /// The signing key file (`--key`); `<ledger>.key` when absent.
    pub key: Option<&'a Path>,
    /// The HMAC key file (`--mac-key`).
    pub mac_key: Option<&'a Path>,
}

/// A ledger with its format and keys resolved.
#[derive(Debug, Clone)]
pub struct Ledger {
    path: PathBuf,
    format: Format,
    keys: Keys,
}

impl Ledger {
    /// Open the ledger at `path` for writing: its format, and for a native
    /// ledger its keys (the signing key and the MAC key; a legacy ledger
    /// has none, so key options are not read for it).
    pub fn open(path: &Path, options: &OpenOptions<'_>) -> Result<Ledger, SecretError> {
        let format = Format::of(path);
        let keys = match format {
            Format::Native => Keys::resolve(path, true, options.key, options.mac_key)?,
            Format::Legacy => {
                if let Some(key) = options.mac_key {
                    refuse_without_macs(path, key)?;
                }
                Keys::default()
            }
        };
        Ok(Ledger {
            path: path.to_path_buf(),
            format,
            keys,
        })
    }

    /// The ledger at `path` with keys already resolved (the workstation
    /// reads them before it takes over the terminal).
    pub fn with_keys(path: &Path, keys: Keys) -> Ledger {
        Ledger {
            path: path.to_path_buf(),
            format: Format::of(path),
            keys,
        }
    }

    /// Where it is, as given.
    pub fn path(&self) -> &Path {
        &self.path
    }

    /// Its format.
    pub fn format(&self) -> Format {
        self.format
    }

    /// Its keys (none for a legacy ledger opened with [`Ledger::open`]).
    pub fn keys(&self) -> &Keys {
        &self.keys
    }

    /// The signing key, when there is one.
    pub fn signer(&self) -> Option<&Signer> {
        self.keys.signer.as_ref()
    }

    /// Verify the native ledger under its lock and open its writer.
    pub fn native_writer(&self) -> Result<NativeWriter, WriteError> {
        NativeWriter::open(
            &self.path,
            self.keys.signer.clone(),
            self.keys.mac_key.clone(),
        )
    }

    /// Refuse a ledger that is not native, saying what it is: a legacy
    /// ledger is pointed to `iss migrate`, anything else to `iss init`.
    pub fn require_native(&self) -> Result<(), NotNative> {
        require_native(&self.path)
    }
}

/// Refuse a path that is not a native ledger ([`Ledger::require_native`]).
pub fn require_native(path: &Path) -> Result<(), NotNative> {
    if Format::of(path).native() {
        return Ok(());
    }
    let found = match crate::ledger::discover::discover(path) {
        Ok(found) => found.found,
        Err(e @ DiscoverError::Inaccessible { .. }) => return Err(NotNative::Inaccessible(e)),
        Err(_) => Vec::new(),
    };
    if found.is_empty() {
        return Err(NotNative::NoLedger {
            path: path.to_path_buf(),
        });
    }
    let format = if found.iter().any(|f| f.kind.is_v1()) {
        "iss-legacy-v1"
    } else {
        "iss-legacy-v2"
    };
    Err(NotNative::Legacy {
        path: path.to_path_buf(),
        format,
    })
}

/// Why a command that works on native ledgers only refused a path.
#[derive(Debug, thiserror::Error)]
pub enum NotNative {
    /// The path cannot be inspected.
    #[error(transparent)]
    Inaccessible(DiscoverError),
    /// A legacy ledger.
    #[error(
        "{}: a legacy ledger ({format}), and this command works on native ledgers only; \
         `iss migrate {} NEW_LEDGER` copies it into a new native ledger (the legacy files are only read)",
        .path.display(),
        .path.display()
    )]
    Legacy {
        /// The path given.
        path: PathBuf,
        /// `iss-legacy-v1` or `iss-legacy-v2`.
        format: &'static str,
    },
    /// No ledger at all.
    #[error("{}: not a native ledger (no iss-ledger.json); `iss init` creates one", .path.display())]
    NoLedger {
        /// The path given.
        path: PathBuf,
    },
}

#[cfg(test)]
mod tests;
