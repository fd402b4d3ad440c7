//! The native ledger directory and its metadata file `iss-ledger.json`
//! (`docs/FORMAT.md` §2-3).

use crate::tlog::note::Verifier;
use serde::{Deserialize, Serialize};
use std::fmt;
use std::path::{Path, PathBuf};

/// The metadata file's name inside a native ledger directory.
pub const METADATA_FILE: &str = "iss-ledger.json";

/// The format identifier.
pub const FORMAT: &str = "iss-native-v1";

/// The metadata file: format, origin, chains and the keys trusted at creation.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Metadata {
    /// Exactly [`FORMAT`].
    pub format: String,
    /// The log origin; each chain's checkpoints use `<origin>/<chain>`.
    pub origin: String,
    /// When the ledger was created (UTC, ISO 8601).
    pub created: String,
    /// The chains, in order.
    pub chains: Vec<String>,
    /// C2SP verifier keys trusted at creation.
    pub verifier_keys: Vec<String>,
    /// When set, every record must carry a MAC under the HMAC key with this id.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub mac_key_id: Option<String>,
}

/// The three chains of a native ledger, in the metadata's order.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub enum Chain {
    /// SPICE descriptors.
    Descriptors,
    /// Forensic time pulses.
    Pulses,
    /// Genesis, repairs, key rotations, migrations.
    Events,
}

impl Chain {
    /// Every chain, in order.
    pub const ALL: [Chain; 3] = [Chain::Descriptors, Chain::Pulses, Chain::Events];

    /// The chain's name (the hash's domain and the checkpoint origin suffix).
    pub fn name(self) -> &'static str {
        match self {
            Chain::Descriptors => "descriptors",
            Chain::Pulses => "pulses",
            Chain::Events => "events",
        }
    }

    /// The chain by name.
    pub fn from_name(name: &str) -> Option<Chain> {
        Chain::ALL.into_iter().find(|c| c.name() == name)
    }

    /// `<chain>.jsonl`.
    pub fn file_name(self) -> &'static str {
        match self {
            Chain::Descriptors => "descriptors.jsonl",
            Chain::Pulses => "pulses.jsonl",
            Chain::Events => "events.jsonl",
        }
    }
}

impl fmt::Display for Chain {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.name())
    }
}

/// Which rule of `docs/FORMAT.md` §3 the metadata breaks.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[non_exhaustive]
pub enum MetadataProblem {
    /// Not this format.
    #[error("format is {0:?}, expected {FORMAT:?}")]
    Format(String),
    /// The origin cannot name a log.
    #[error("origin {0:?} must be non-empty, without whitespace or '+'")]
    Origin(String),
    /// The chains are not the three of the format, in order.
    #[error("chains are {0:?}, expected {names:?}", names = Chain::ALL.iter().map(|c| c.name()).collect::<Vec<_>>())]
    Chains(Vec<String>),
    /// No key verifies the ledger.
    #[error("no verifier key")]
    NoVerifierKey,
    /// A verifier key does not parse.
    #[error("verifier key {vkey:?}: {error}")]
    VerifierKey {
        /// The key as written.
        vkey: String,
        /// Why it does not parse.
        error: crate::tlog::note::NoteError,
    },
    /// A verifier key is not named after the origin.
    #[error("verifier key {vkey:?} is named {name:?}, expected the origin {origin:?}")]
    KeyName {
        /// The key as written.
        vkey: String,
        /// Its name.
        name: String,
        /// The ledger's origin.
        origin: String,
    },
    /// The HMAC key id is not 8 lower-case hex characters.
    #[error("mac_key_id {0:?} is not 8 lower-case hex characters")]
    MacKeyId(String),
}

/// Why the metadata is unusable.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum MetadataError {
    /// The file could not be read.
    #[error("{path}: cannot read: {source}")]
    Io {
        /// The metadata file.
        path: PathBuf,
        /// The error.
        source: std::io::Error,
    },
    /// The file is not the metadata object.
    #[error("{path}: not an iss-native-v1 metadata object: {reason}")]
    Invalid {
        /// The metadata file.
        path: PathBuf,
        /// What is wrong.
        reason: String,
    },
}

impl Metadata {
    /// Read and check `<dir>/iss-ledger.json`; also returns the file's exact
    /// bytes (the genesis event binds their SHA-256).
    pub fn read(dir: &Path) -> Result<(Metadata, Vec<u8>), MetadataError> {
        let path = dir.join(METADATA_FILE);
        let bytes =
            crate::ledger::input::read_regular(&path).map_err(|source| MetadataError::Io {
                path: path.clone(),
                source,
            })?;
        let invalid = |reason: String| MetadataError::Invalid {
            path: path.clone(),
            reason,
        };
        let meta: Metadata = serde_json::from_slice(&bytes).map_err(|e| invalid(e.to_string()))?;
        meta.check()
            .map_err(|problem| invalid(problem.to_string()))?;
        Ok((meta, bytes))
    }

    /// The rules of `docs/FORMAT.md` §3.
    pub fn check(&self) -> Result<(), MetadataProblem> {
        if self.format != FORMAT {
            return Err(MetadataProblem::Format(self.format.clone()));
        }
        if !crate::tlog::checkpoint::is_recommended_origin(&self.origin) {
            return Err(MetadataProblem::Origin(self.origin.clone()));
        }
        let names: Vec<&str> = Chain::ALL.iter().map(|c| c.name()).collect();
        if self.chains != names {
            return Err(MetadataProblem::Chains(self.chains.clone()));
        }
        if self.verifier_keys.is_empty() {
            return Err(MetadataProblem::NoVerifierKey);
        }
        for k in &self.verifier_keys {
            let v = Verifier::from_vkey(k).map_err(|error| MetadataProblem::VerifierKey {
                vkey: k.clone(),
                error,
            })?;
            if v.name() != self.origin {
                return Err(MetadataProblem::KeyName {
                    vkey: k.clone(),
                    name: v.name().to_owned(),
                    origin: self.origin.clone(),
                });
            }
        }
        if let Some(id) = &self.mac_key_id
            && !(id.len() == 8 && id.bytes().all(|b| matches!(b, b'0'..=b'9' | b'a'..=b'f')))
        {
            return Err(MetadataProblem::MacKeyId(id.clone()));
        }
        Ok(())
    }

    /// The metadata file's text as written: compact JSON and a newline.
    pub fn to_file_text(&self) -> String {
        let mut s = serde_json::to_string(self).unwrap_or_default();
        s.push('\n');
        s
    }

    /// The checkpoint origin of `chain`.
    pub fn chain_origin(&self, chain: Chain) -> String {
        format!("{}/{}", self.origin, chain.name())
    }

    /// The verifiers trusted at creation.
    pub fn verifiers(&self) -> Vec<Verifier> {
        self.verifier_keys
            .iter()
            .filter_map(|k| Verifier::from_vkey(k).ok())
            .collect()
    }
}

/// Whether `dir` holds a native ledger (has a metadata file).
pub fn is_native_dir(dir: &Path) -> bool {
    dir.join(METADATA_FILE).is_file()
}

/// Whether `dir` is a native ledger whose metadata file is gone: it has no
/// `iss-ledger.json` but holds the `events` chain or a checkpoint history,
/// which only a native ledger has. Verification then reports the metadata
/// as missing (a violation) instead of finding no ledger at all.
pub fn is_native_without_metadata(dir: &Path) -> bool {
    !is_native_dir(dir)
        && dir.is_dir()
        && (crate::ledger::input::present(&dir.join(Chain::Events.file_name()))
            || Chain::ALL
                .iter()
                .any(|&c| crate::ledger::input::present(&ChainPaths::new(dir, c).history)))
}

/// The files of a native ledger that only ever grow (or never change): the
/// metadata, each chain and each checkpoint history. Not the latest-checkpoint
/// files, which are replaced by a rename that an append-only file forbids.
pub fn append_only_files(dir: &Path) -> Vec<PathBuf> {
    let mut v = vec![dir.join(METADATA_FILE)];
    for c in Chain::ALL {
        let p = ChainPaths::new(dir, c);
        v.push(p.file);
        v.push(p.history);
    }
    v.retain(|p| p.exists());
    v
}

/// Paths of a chain's files in `dir`.
#[derive(Debug, Clone)]
pub struct ChainPaths {
    /// `<chain>.jsonl`.
    pub file: PathBuf,
    /// `<chain>.jsonl.checkpoint`: the latest signed checkpoint.
    pub latest: PathBuf,
    /// `<chain>.jsonl.checkpoints`: every checkpoint issued.
    pub history: PathBuf,
}

impl ChainPaths {
    /// The files of `chain` in the ledger directory `dir`.
    pub fn new(dir: &Path, chain: Chain) -> Self {
        let file = dir.join(chain.file_name());
        ChainPaths {
            latest: dir.join(format!("{}.checkpoint", chain.file_name())),
            history: dir.join(format!("{}.checkpoints", chain.file_name())),
            file,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::tlog::note::Signer;

    fn meta() -> Metadata {
        let s = Signer::generate("iss.test/l1").unwrap();
        Metadata {
            format: FORMAT.to_owned(),
            origin: "iss.test/l1".to_owned(),
            created: "2026-11-27T00:00:00.000000Z".to_owned(),
            chains: vec!["descriptors".into(), "pulses".into(), "events".into()],
            verifier_keys: vec![s.vkey()],
            mac_key_id: None,
        }
    }

    #[test]
    fn a_well_formed_metadata_checks_and_each_rule_is_enforced() {
        assert_eq!(meta().check(), Ok(()));
        let mut m = meta();
        m.format = "iss-native-v2".into();
        assert!(m.check().unwrap_err().to_string().contains("format"));
        let mut m = meta();
        m.origin = "a b".into();
        assert!(m.check().unwrap_err().to_string().contains("origin"));
        let mut m = meta();
        m.chains.swap(0, 1);
        assert!(m.check().unwrap_err().to_string().contains("chains"));
        let mut m = meta();
        m.verifier_keys = vec![Signer::generate("other").unwrap().vkey()];
        assert!(m.check().unwrap_err().to_string().contains("named"));
        let mut m = meta();
        m.mac_key_id = Some("XYZ".into());
        assert!(m.check().unwrap_err().to_string().contains("mac_key_id"));
    }

    #[test]
    fn reading_reports_the_file_and_the_problem() {
        let dir = tempfile::tempdir().unwrap();
        let e = Metadata::read(dir.path()).unwrap_err().to_string();
        assert!(
            e.contains(METADATA_FILE) && e.contains("cannot read"),
            "{e}"
        );
        std::fs::write(dir.path().join(METADATA_FILE), "{\"format\":1}").unwrap();
        let e = Metadata::read(dir.path()).unwrap_err().to_string();
        assert!(e.contains("not an iss-native-v1 metadata object"), "{e}");
        let written = meta();
        std::fs::write(dir.path().join(METADATA_FILE), written.to_file_text()).unwrap();
        let (m, bytes) = Metadata::read(dir.path()).unwrap();
        assert_eq!(m, written);
        assert_eq!(bytes, written.to_file_text().into_bytes());
    }
}
