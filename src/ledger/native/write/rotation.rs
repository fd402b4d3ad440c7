//! Key rotation (`docs/FORMAT.md` §8), and the keys a writer signs with
//! kept current.
//!
//! A rotation has the old and the new key both sign every chain's current
//! tree head, then appends the rotation record (signed by the old key,
//! retiring it at those sizes), then signs `events` (now holding the
//! record) with the new key, all under one hold of the ledger lock. Until
//! the record exists the new key's signatures are by an unknown key and
//! are ignored; from the moment it exists, every chain's newest checkpoint
//! is already signed by the new key at the rotation's size. So a crash at
//! any point leaves a ledger that verifies (at worst the rotation record,
//! or a latest-checkpoint file, not signed yet: `iss checkpoint` with the
//! key then in use finishes), and a verifier can require, without a false
//! alarm, that after a rotation the key in use signs every chain.

use super::{InvalidRecord, KeyError, NativeWriter, RecordAck, WriteError};
use crate::ledger::append::{FollowUpFailed, LedgerLock, command_for};
use crate::ledger::model::finding::{Finding, FindingKind};
use crate::ledger::model::report::FileReport;
use crate::ledger::native::format::history::{HistoryLine, read_history};
use crate::ledger::native::format::meta::{Chain, ChainPaths};
use crate::ledger::native::keyring::{Keyring, Rotation};
use crate::ledger::native::verify::judge::ROTATION_COVER;
use crate::tlog::checkpoint::{Checkpoint, open_checkpoint_with_signatures};
use crate::tlog::note::{Signer, Verifier};
use std::collections::BTreeMap;

impl NativeWriter {
    /// Rotate the signing key to `new` (see the module comment): returns
    /// the rotation record.
    pub fn rotate(
        &mut self,
        new: Signer,
    ) -> Result<(RecordAck, Option<FollowUpFailed>), WriteError> {
        let old = self
            .signer
            .clone()
            .ok_or(WriteError::Key(KeyError::NoRotationKey))?;
        if new.name() != self.meta.origin {
            return Err(WriteError::Key(KeyError::NewKeyName {
                name: new.name().to_owned(),
                origin: self.meta.origin.clone(),
            }));
        }
        if self.keyring.rank(new.key_id()).is_some() {
            return Err(WriteError::Key(KeyError::NewKeyTrusted {
                key_id: new.key_id(),
            }));
        }
        // One hold of the lock: no other writer appends between the
        // checkpoints and the record that names their sizes.
        let mut lock = LedgerLock::acquire(&self.dir)?;
        for c in Chain::ALL {
            self.checkpoint_locked(&mut lock, c, Some(&new))?;
        }
        let sizes: BTreeMap<String, u64> = Chain::ALL
            .iter()
            .map(|c| (c.name().to_owned(), self.records(*c)))
            .collect();
        let rotation = Rotation::sign(&self.meta.origin, &old, &new.verifier(), sizes);
        let body = serde_json::to_string(&rotation)
            .map_err(|e| WriteError::InvalidRecord(InvalidRecord::Json(e)))?;
        let ack = self
            .append_locked(&mut lock, Chain::Events, &[body], None)?
            .pop()
            .ok_or(WriteError::InvalidRecord(InvalidRecord::NoRecordWritten))?;
        self.keyring
            .apply(&rotation, ack.line)
            .map_err(|e| WriteError::Key(KeyError::Rotation(e)))?;
        self.keyring_events = self.records(Chain::Events);
        self.signer = Some(new);
        // `events` now ends in the rotation record: sign it with the new
        // key. The other chains' newest entries are the cosigned ones.
        // The rotation record is durable and acknowledged from here on: a
        // checkpoint with the new key that fails now is reported with it,
        // not instead of it (the caller names the command that finishes it).
        // A latest-checkpoint file not replaced (here, or in the cosigned
        // round above, when this round did not replace it) is one too: the
        // history holds the checkpoint, the latest file lags behind it.
        for c in Chain::ALL {
            let failed = match self.checkpoint_locked(&mut lock, c, None) {
                Ok(a) => a.follow_up(&self.dir),
                Err(e) => Some(FollowUpFailed {
                    what: format!("checkpoint of {c} with the new key"),
                    error: e.to_string(),
                    finish_with: command_for("checkpoint", &self.dir),
                }),
            };
            if failed.is_some() {
                return Ok((ack, failed));
            }
        }
        Ok((ack, None))
    }

    /// For a key this ledger does not know yet (a rotation to it stopped
    /// before its record): the first history entry, as (chain, history
    /// line), that it did not sign although an earlier entry of the same
    /// history has its cosignature. Rotating to that key would make such
    /// an entry read as the old key signing after its successor
    /// (`RETIRED_KEY`, `docs/FORMAT.md` §8); `None` when no entry is so.
    pub fn signed_after_cosign(&self, key: &Signer) -> Option<(Chain, u64)> {
        let known = [key.verifier()];
        for c in Chain::ALL {
            let paths = ChainPaths::new(&self.dir, c);
            let origin = self.meta.chain_origin(c);
            // Under the chain's origin too (FORMAT.md §7.1).
            let mut keys = known.to_vec();
            keys.extend(
                Verifier::from_public_key(
                    &origin,
                    key.verifier().kind(),
                    &key.verifier().public_key(),
                )
                .ok(),
            );
            let mut scratch = FileReport::new(
                "history",
                paths.history.display().to_string(),
                crate::ledger::native::verify::coverage::chain(false),
            );
            let entries = read_history(
                &paths.history,
                crate::ledger::io::reader::DEFAULT_MAX_LINE,
                &mut scratch,
            );
            let mut cosigned = false;
            for e in entries {
                if crate::tlog::note::open(&e.entry.note, &keys).is_ok() {
                    cosigned = true;
                } else if cosigned {
                    return Some((c, e.line));
                }
            }
        }
        None
    }

    /// Read `events` again if it grew since the keyring was built (another
    /// writer may have rotated the key), and refuse to sign with `signer`
    /// when it is no longer the key in use.
    pub(super) fn refresh_keys(&mut self, signer: &Signer) -> Result<(), WriteError> {
        let paths = ChainPaths::new(&self.dir, Chain::Events);
        self.catch_up(Chain::Events, &paths)?;
        let now = self.records(Chain::Events);
        if now != self.keyring_events {
            let mut ring = Keyring::from_metadata(&self.meta);
            // Only the rotations are wanted here; findings about `events`
            // are verification's to report.
            let mut scratch = FileReport::new(
                "events",
                paths.file.display().to_string(),
                crate::ledger::native::verify::coverage::chain(false),
            );
            crate::ledger::native::verify::events::check(
                &paths.file,
                crate::ledger::io::reader::DEFAULT_MAX_LINE,
                None,
                Some(&mut ring),
                &mut scratch,
            );
            self.keyring = ring;
            self.keyring_events = now;
        }
        match self.keyring.current() {
            Some(cur) if cur.vkey() == signer.vkey() => Ok(()),
            Some(cur) => Err(WriteError::Key(KeyError::RetiredSinceOpen {
                given: signer.key_id(),
                current: cur.key_id(),
            })),
            None => Err(WriteError::Key(KeyError::NoKeyInUse)),
        }
    }
}

/// Whether history entry `l` signs `cp`'s tree head with a signature by
/// every one of `signers` (the keyring's keys and `signers` themselves are
/// the keys it is opened with: a rotation's new key is not trusted yet).
pub(super) fn signed_by(
    l: &HistoryLine,
    cp: &Checkpoint,
    ring: &Keyring,
    signers: &[&Signer],
) -> bool {
    let mut keys = ring.verifiers();
    keys.extend(signers.iter().map(|s| s.verifier()));
    open_checkpoint_with_signatures(&l.note, &keys, &cp.origin).is_ok_and(|(c, opened)| {
        c.size == cp.size
            && c.root == cp.root
            && signers
                .iter()
                .all(|s| opened.verified.iter().any(|v| v.key_id == s.key_id()))
    })
}

/// The finding `iss checkpoint --accept-retired-history` lets a writer
/// open despite: a chain whose newest checkpoint the key in use has not
/// signed since a rotation (not a retired key signing after its successor).
pub(super) fn is_rotation_cover(f: &Finding) -> bool {
    f.kind == FindingKind::RetiredKey
        && f.expected
            .as_deref()
            .is_some_and(|e| e.starts_with(ROTATION_COVER))
}
