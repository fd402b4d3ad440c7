//! Which signing keys a verifier trusts for which checkpoints, and key
//! rotation records (`docs/FORMAT.md` §8).
//!
//! A ledger starts with the keys in its metadata. A rotation record in the
//! `events` chain, signed by the key in use, introduces a new key and
//! retires the old one at the chain sizes it names: checkpoints up to those
//! sizes stay verifiable with the old key, larger ones need the new key, so
//! a stolen retired key cannot sign a future.

use crate::ledger::native::format::meta::{Chain, Metadata};
use crate::tlog::note::{Signer, Verifier};
use base64::Engine;
use base64::engine::general_purpose::STANDARD;
use ed25519_dalek::{Signature, VerifyingKey};
use serde::{Deserialize, Serialize};
use std::collections::BTreeMap;
use std::fmt::Write as _;

/// Domain tag of the message a rotation's signature covers.
pub const ROTATION_DOMAIN: &str = "iss-native-v1/key-rotation\n";

/// Why the keyring refused a rotation record (the message a refused
/// rotation's finding and write error carry).
#[derive(Debug, thiserror::Error)]
pub enum RotationRefused {
    /// Every key is retired: none can sign a rotation.
    #[error("no key is in use to sign a rotation")]
    NoKeyInUse,
    /// The record names another key as its signer.
    #[error("signed as key {signed_as}, but the key in use is {in_use:08x}")]
    SignedByAnother {
        /// The `old_key_id` the record names.
        signed_as: String,
        /// The id of the key in use.
        in_use: u32,
    },
    /// The new verifier key does not parse.
    #[error("new_vkey: {0}")]
    NewKey(crate::tlog::note::NoteError),
    /// The new key is one the ledger already trusts.
    #[error(
        "the new key {0:08x} is already trusted by this ledger: a rotation introduces a key never used before"
    )]
    AlreadyTrusted(u32),
    /// The new key is not named after the ledger's origin.
    #[error("the new key is named {name:?}, expected the origin {origin:?}")]
    NewKeyName {
        /// The new key's name.
        name: String,
        /// The ledger's origin.
        origin: String,
    },
    /// The signature is not 64 bytes of base64.
    #[error("signature is not 64 bytes of base64")]
    SignatureEncoding,
    /// The key in use is not a valid Ed25519 public key.
    #[error("{0}")]
    KeyInUse(ed25519_dalek::SignatureError),
    /// The signature does not verify with the key in use.
    #[error("the signature does not verify with key {0:08x}")]
    BadSignature(u32),
}

/// The body of a `key_rotation` event.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Rotation {
    /// Always `key_rotation`.
    #[serde(rename = "type")]
    pub kind: String,
    /// Key id (8 hex) of the key being retired, which signs this record.
    pub old_key_id: String,
    /// The new key, as a C2SP verifier key.
    pub new_vkey: String,
    /// Chain sizes up to which the old key stays trusted, per chain.
    pub sizes: BTreeMap<String, u64>,
    /// base64 Ed25519 signature by the old key over [`Rotation::message`].
    pub signature: String,
}

impl Rotation {
    /// The signed message: domain, origin, new key, then `<chain> <size>`
    /// for each chain in the metadata's order, each line ending in `\n`.
    pub fn message(origin: &str, new_vkey: &str, sizes: &BTreeMap<String, u64>) -> String {
        let mut m = format!("{ROTATION_DOMAIN}{origin}\n{new_vkey}\n");
        for c in Chain::ALL {
            let size = sizes.get(c.name()).copied().unwrap_or(0);
            let _ = writeln!(m, "{} {size}", c.name());
        }
        m
    }

    /// A rotation from `old` to `new`, retiring `old` at `sizes`.
    pub fn sign(
        origin: &str,
        old: &Signer,
        new: &Verifier,
        sizes: BTreeMap<String, u64>,
    ) -> Rotation {
        let new_vkey = new.vkey();
        let sig = old.sign_raw(Rotation::message(origin, &new_vkey, &sizes).as_bytes());
        Rotation {
            kind: "key_rotation".to_owned(),
            old_key_id: format!("{:08x}", old.key_id()),
            new_vkey,
            sizes,
            signature: STANDARD.encode(sig),
        }
    }
}

/// A key with the chain sizes it is trusted for.
#[derive(Debug, Clone)]
pub struct TrustedKey {
    /// The verifier.
    pub verifier: Verifier,
    /// Retired at these sizes (per chain); `None` while in use.
    pub retired_at: Option<BTreeMap<String, u64>>,
    /// The `events` line of the rotation that retired it.
    pub retired_by_line: Option<u64>,
}

/// What the key in use must have signed of a chain after rotations.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct RotationFloor {
    /// The chain size.
    pub size: u64,
    /// The key the rotation retired at that size.
    pub retired_key: u32,
    /// The rotation's `events` line.
    pub line: u64,
}

/// A [`Keyring`]'s keys as one chain's checkpoints name them
/// ([`Keyring::chain_keys`]).
#[derive(Debug, Clone, Default)]
pub struct ChainKeys {
    ledger_name: String,
    verifiers: Vec<Verifier>,
    /// For each verifier, the id (under the ledger's name) of the key it
    /// is: a C2SP key id depends on the name.
    owners: Vec<u32>,
}

impl ChainKeys {
    /// The verifiers to open a note with: each key under both names.
    pub fn verifiers(&self) -> &[Verifier] {
        &self.verifiers
    }

    /// The id of the ledger's key a signature line names (its id under the
    /// ledger's name: the one ranks, retirements and pins are kept by), or
    /// `None` for a key not in the ring.
    pub fn key_of(&self, name: &str, key_id: u32) -> Option<u32> {
        self.verifiers
            .iter()
            .zip(&self.owners)
            .find(|(v, _)| v.name() == name && v.key_id() == key_id)
            .map(|(_, &owner)| owner)
    }

    /// Whether `name` is the ledger's own name for its keys (not a chain's
    /// origin).
    pub fn is_ledger_name(&self, name: &str) -> bool {
        name == self.ledger_name
    }
}

/// The keys a verifier trusts, built from the metadata and the rotations.
#[derive(Debug, Clone)]
pub struct Keyring {
    origin: String,
    keys: Vec<TrustedKey>,
    /// The only keys the verifier trusts (`--vkey`), compared whole (name,
    /// id, public key); `None`: every key the ledger names.
    pinned: Option<Vec<Verifier>>,
}

impl Keyring {
    /// The keys the metadata names.
    pub fn from_metadata(meta: &Metadata) -> Self {
        Keyring {
            origin: meta.origin.clone(),
            keys: meta
                .verifiers()
                .into_iter()
                .map(|verifier| TrustedKey {
                    verifier,
                    retired_at: None,
                    retired_by_line: None,
                })
                .collect(),
            pinned: None,
        }
    }

    /// Trust only `keys` (`--vkey`): a key the ledger names that is not
    /// among them may sign nothing ([`Keyring::may_sign`]).
    pub fn pin(&mut self, keys: &[Verifier]) {
        self.pinned = Some(keys.to_vec());
    }

    /// Whether keys were pinned and `key_id` is a key of this ledger that
    /// is not among them: its signatures do not count.
    pub fn unpinned(&self, key_id: u32) -> bool {
        self.pinned.as_ref().is_some_and(|pins| {
            self.keys
                .iter()
                .find(|k| k.verifier.key_id() == key_id)
                .is_some_and(|k| !pins.contains(&k.verifier))
        })
    }

    /// The key currently in use (the newest one not retired).
    pub fn current(&self) -> Option<&Verifier> {
        self.keys
            .iter()
            .rev()
            .find(|k| k.retired_at.is_none())
            .map(|k| &k.verifier)
    }

    /// Every key, retired or not, for opening notes.
    pub fn verifiers(&self) -> Vec<Verifier> {
        self.keys.iter().map(|k| k.verifier.clone()).collect()
    }

    /// The keys for opening a chain's checkpoints in one pass: every key
    /// (retired or not) under the ledger's name and under the chain's
    /// origin `chain_origin` (FORMAT.md §7.1: the same key, named as
    /// witnesses look it up), each name mapped to the key it names, so
    /// that both its signature lines are checked and count as one key.
    pub fn chain_keys(&self, chain_origin: &str) -> ChainKeys {
        let mut verifiers = Vec::new();
        let mut owners = Vec::new();
        for k in &self.keys {
            let v = &k.verifier;
            verifiers.push(v.clone());
            owners.push(v.key_id());
            if let Ok(alias) = Verifier::from_public_key(chain_origin, v.kind(), &v.public_key()) {
                verifiers.push(alias);
                owners.push(v.key_id());
            }
        }
        ChainKeys {
            ledger_name: self.origin.clone(),
            verifiers,
            owners,
        }
    }

    /// Apply a rotation found at `line` of `events`: check it is signed by
    /// the key in use, then retire that key and trust the new one.
    pub fn apply(&mut self, r: &Rotation, line: u64) -> Result<(), RotationRefused> {
        let Some(current) = self.keys.iter().rposition(|k| k.retired_at.is_none()) else {
            return Err(RotationRefused::NoKeyInUse);
        };
        let cur = &self.keys[current].verifier;
        let cur_id = format!("{:08x}", cur.key_id());
        if r.old_key_id != cur_id {
            return Err(RotationRefused::SignedByAnother {
                signed_as: r.old_key_id.clone(),
                in_use: cur.key_id(),
            });
        }
        let new = Verifier::from_vkey(&r.new_vkey).map_err(RotationRefused::NewKey)?;
        // A rotation introduces a new key: bringing back a trusted one
        // (retired or not) would make its limits ambiguous.
        if self.rank(new.key_id()).is_some() {
            return Err(RotationRefused::AlreadyTrusted(new.key_id()));
        }
        if new.name() != self.origin {
            return Err(RotationRefused::NewKeyName {
                name: new.name().to_owned(),
                origin: self.origin.clone(),
            });
        }
        let sig = STANDARD
            .decode(&r.signature)
            .ok()
            .and_then(|b| <[u8; 64]>::try_from(b).ok())
            .ok_or(RotationRefused::SignatureEncoding)?;
        let vk = VerifyingKey::from_bytes(&cur.public_key()).map_err(RotationRefused::KeyInUse)?;
        vk.verify_strict(
            Rotation::message(&self.origin, &r.new_vkey, &r.sizes).as_bytes(),
            &Signature::from_bytes(&sig),
        )
        .map_err(|_| RotationRefused::BadSignature(cur.key_id()))?;
        self.keys[current].retired_at = Some(r.sizes.clone());
        self.keys[current].retired_by_line = Some(line);
        self.keys.push(TrustedKey {
            verifier: new,
            retired_at: None,
            retired_by_line: None,
        });
        Ok(())
    }

    /// The key's place in the order keys were trusted in: the metadata's
    /// keys first, then each rotation's new key. A retired key's successors
    /// all rank above it.
    pub fn rank(&self, key_id: u32) -> Option<usize> {
        self.keys.iter().position(|k| k.verifier.key_id() == key_id)
    }

    /// Whether the key `key_id` was retired by a rotation.
    pub fn is_retired(&self, key_id: u32) -> bool {
        self.keys
            .iter()
            .find(|k| k.verifier.key_id() == key_id)
            .is_some_and(|k| k.retired_at.is_some())
    }

    /// The key at `rank`.
    pub fn key_at(&self, rank: usize) -> Option<&Verifier> {
        self.keys.get(rank).map(|k| &k.verifier)
    }

    /// After at least one rotation: the size of `chain` the key in use must
    /// have signed at least (the largest size any rotation retired a key
    /// at), with the retired key and the `events` line of the rotation
    /// that set it. `None` when no key was ever retired.
    pub fn rotation_floor(&self, chain: Chain) -> Option<RotationFloor> {
        self.keys
            .iter()
            .filter_map(|k| {
                let size = k
                    .retired_at
                    .as_ref()?
                    .get(chain.name())
                    .copied()
                    .unwrap_or(0);
                Some(RotationFloor {
                    size,
                    retired_key: k.verifier.key_id(),
                    line: k.retired_by_line.unwrap_or(0),
                })
            })
            .max_by_key(|f| (f.size, f.line))
    }

    /// Whether the key `key_id` may sign a checkpoint of `size` for `chain`;
    /// `Err` says why not.
    pub fn may_sign(&self, key_id: u32, chain: Chain, size: u64) -> Result<(), String> {
        let Some(k) = self.keys.iter().find(|k| k.verifier.key_id() == key_id) else {
            return Err(format!("key {key_id:08x} is not trusted by this ledger"));
        };
        if self.unpinned(key_id) {
            return Err(format!(
                "key {key_id:08x} ({}) is named by the ledger but is not among the keys given with --vkey",
                k.verifier.name()
            ));
        }
        match &k.retired_at {
            None => Ok(()),
            Some(sizes) => {
                let limit = sizes.get(chain.name()).copied().unwrap_or(0);
                if size <= limit {
                    Ok(())
                } else {
                    Err(format!(
                        "key {key_id:08x} was retired at size {limit} of {chain} by the rotation at events line {}; this checkpoint has size {size}",
                        k.retired_by_line.unwrap_or(0)
                    ))
                }
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::ledger::native::format::meta::FORMAT;

    fn setup() -> (Signer, Keyring) {
        let s = Signer::generate("iss.test/k").unwrap();
        let meta = Metadata {
            format: FORMAT.into(),
            origin: "iss.test/k".into(),
            created: String::new(),
            chains: Chain::ALL.iter().map(|c| c.name().to_owned()).collect(),
            verifier_keys: vec![s.vkey()],
            mac_key_id: None,
        };
        (s, Keyring::from_metadata(&meta))
    }

    fn sizes(n: u64) -> BTreeMap<String, u64> {
        Chain::ALL
            .iter()
            .map(|c| (c.name().to_owned(), n))
            .collect()
    }

    #[test]
    fn a_rotation_retires_the_old_key_at_its_sizes() {
        let (old, mut ring) = setup();
        let new = Signer::generate("iss.test/k").unwrap();
        let r = Rotation::sign("iss.test/k", &old, &new.verifier(), sizes(5));
        ring.apply(&r, 7).unwrap();
        assert_eq!(ring.current().unwrap().key_id(), new.key_id());
        assert!(ring.may_sign(old.key_id(), Chain::Descriptors, 5).is_ok());
        let e = ring
            .may_sign(old.key_id(), Chain::Descriptors, 6)
            .unwrap_err();
        assert!(
            e.contains("retired at size 5") && e.contains("line 7"),
            "{e}"
        );
        assert!(ring.may_sign(new.key_id(), Chain::Descriptors, 6).is_ok());
    }

    #[test]
    fn forged_or_altered_rotations_are_refused() {
        let (old, mut ring) = setup();
        let new = Signer::generate("iss.test/k").unwrap();
        let thief = Signer::generate("iss.test/k").unwrap();
        let forged = Rotation::sign("iss.test/k", &thief, &new.verifier(), sizes(5));
        assert!(
            ring.apply(&forged, 3)
                .unwrap_err()
                .to_string()
                .contains("key in use")
        );
        let mut altered = Rotation::sign("iss.test/k", &old, &new.verifier(), sizes(5));
        altered.sizes.insert("events".into(), 500);
        assert!(
            ring.apply(&altered, 3)
                .unwrap_err()
                .to_string()
                .contains("does not verify")
        );
        assert_eq!(ring.current().unwrap().key_id(), old.key_id());
    }

    #[test]
    fn a_rotation_to_a_key_already_trusted_is_refused_and_ranks_follow_rotations() {
        let (k0, mut ring) = setup();
        let k1 = Signer::generate("iss.test/k").unwrap();
        ring.apply(
            &Rotation::sign("iss.test/k", &k0, &k1.verifier(), sizes(3)),
            2,
        )
        .unwrap();
        let back = Rotation::sign("iss.test/k", &k1, &k0.verifier(), sizes(4));
        let e = ring.apply(&back, 5).unwrap_err().to_string();
        assert!(e.contains("already trusted"), "{e}");
        assert_eq!(ring.current().unwrap().key_id(), k1.key_id());
        assert_eq!(
            (ring.rank(k0.key_id()), ring.rank(k1.key_id())),
            (Some(0), Some(1))
        );
        assert!(ring.is_retired(k0.key_id()) && !ring.is_retired(k1.key_id()));
        let floor = ring.rotation_floor(Chain::Pulses).unwrap();
        assert_eq!(
            (floor.size, floor.retired_key, floor.line),
            (3, k0.key_id(), 2)
        );
    }
}
