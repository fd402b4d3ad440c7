//! Writing to a native ledger, through the one append module: the writer
//! (here), and what writes with it: descriptors, pulses, `iss init`,
//! `iss migrate`, `iss repair`.
//!
//! A [`NativeWriter`] is opened by verifying the whole ledger under its
//! lock; it refuses to exist for a ledger with any violation. It then keeps
//! each chain's verified end (next seq, prev hash, Merkle tree, tail), and
//! every write takes the lock again and first checks that the file still
//! ends where verification left it. When another writer appended since, the
//! new lines are verified from the old end before anything is written (so
//! two processes can share a ledger); any other change refuses the write.
//!
//! After appends, [`NativeWriter::checkpoint`] signs the chain's new tree
//! head and writes it to the history (append-only, through the append
//! module) and then to the latest-checkpoint file (replaced atomically).

mod acks;
mod catch_up;
mod checkpoint;
mod cosign;
pub mod descriptors;
mod error;
pub mod init;
mod latest;
pub mod migrate;
pub mod pulse;
pub mod repair;
mod rotation;

pub use crate::ledger::write_error::WriteError;
pub use acks::{CheckpointAck, CheckpointStatus, RecordAck};
pub use checkpoint::Witnessed;
pub use cosign::{ConsistencyProof, Cosign, CosignRequest};
pub use error::{InvalidRecord, KeyError, Moved, Unverifiable};

use crate::ledger::append::{
    AppendOptions, FollowUpFailed, LedgerLock, TailState, append_lines, command_for,
};
use crate::ledger::model::finding::Finding;
use crate::ledger::native::format::meta::{Chain, ChainPaths, Metadata};
use crate::ledger::native::format::record::build_line_raw;
use crate::ledger::native::keyring::Keyring;
use crate::ledger::native::secret::MacKey;
use crate::ledger::native::verify::{ChainState, NativeOptions, verify_native};
use crate::ledger::write_error::Refusing;
use crate::tlog::note::Signer;
use std::collections::BTreeMap;
use std::path::{Path, PathBuf};

/// A verified native ledger open for writing.
#[derive(Debug)]
pub struct NativeWriter {
    dir: PathBuf,
    meta: Metadata,
    keyring: Keyring,
    signer: Option<Signer>,
    mac_key: Option<MacKey>,
    chains: BTreeMap<Chain, ChainState>,
    /// The `events` records the keyring was built from: when `events` grew
    /// (another writer), its rotations are read again before signing.
    keyring_events: u64,
}

impl NativeWriter {
    /// Verify the ledger in `dir` under its lock and open it for writing.
    /// `signer` is needed for checkpoints; `mac_key` when the ledger is keyed.
    pub fn open(
        dir: &Path,
        signer: Option<Signer>,
        mac_key: Option<MacKey>,
    ) -> Result<NativeWriter, WriteError> {
        Self::open_inner(dir, signer, mac_key, |_| false)
    }

    /// [`NativeWriter::open`] for `iss checkpoint --accept-retired-history`:
    /// a ledger whose only violations are chains whose newest checkpoint the
    /// key in use has not signed since a rotation (`RETIRED_KEY`, as an iss
    /// before this one left every rotated ledger) opens, so that the key in
    /// use can sign them. The operator vouches for the records by asking.
    pub fn open_accepting_retired_history(
        dir: &Path,
        signer: Signer,
        mac_key: Option<MacKey>,
    ) -> Result<NativeWriter, WriteError> {
        Self::open_inner(dir, Some(signer), mac_key, rotation::is_rotation_cover)
    }

    /// [`NativeWriter::open`] for `iss repair`, after its cuts and before
    /// it records them: the backups of cuts no `events` record names yet
    /// (`UNRECORDED_REPAIR`) are what it is about to record.
    pub(crate) fn open_for_repair(
        dir: &Path,
        signer: Option<Signer>,
        mac_key: Option<MacKey>,
    ) -> Result<NativeWriter, WriteError> {
        Self::open_inner(dir, signer, mac_key, |f| {
            f.kind == crate::ledger::model::finding::FindingKind::UnrecordedRepair
        })
    }

    /// [`NativeWriter::open`] for `iss init` and `iss migrate`, in the
    /// folder they are still filling: it carries their unfinished marker
    /// (`INCOMPLETE_INIT`), and between the genesis record and the first
    /// checkpoints a chain may have no checkpoint history yet.
    pub(crate) fn open_unfinished(
        dir: &Path,
        signer: Option<Signer>,
        mac_key: Option<MacKey>,
    ) -> Result<NativeWriter, WriteError> {
        Self::open_inner(dir, signer, mac_key, |f| {
            is_no_history(f) || f.kind == crate::ledger::model::finding::FindingKind::IncompleteInit
        })
    }

    /// Open after verifying; `tolerated` findings do not refuse the opening.
    fn open_inner(
        dir: &Path,
        signer: Option<Signer>,
        mac_key: Option<MacKey>,
        tolerated: fn(&Finding) -> bool,
    ) -> Result<NativeWriter, WriteError> {
        let _lock = LedgerLock::acquire(dir)?;
        let mut v = verify_native(
            dir,
            &NativeOptions {
                mac_key: mac_key.clone(),
                ..NativeOptions::default()
            },
        );
        if let Some(i) = v.files.iter().position(|f| f.error.is_some()) {
            return Err(WriteError::Unverifiable(Unverifiable::Unreadable(
                Box::new(v.files.swap_remove(i)),
            )));
        }
        let mut violations = crate::ledger::model::report::violations(&v.files);
        violations.retain(|(_, f)| !tolerated(f));
        if !violations.is_empty() {
            return Err(WriteError::Violated {
                refusing: Refusing::Write,
                violations,
            });
        }
        let (Some(meta), Some(keyring)) = (v.meta, v.keyring) else {
            return Err(WriteError::Unverifiable(Unverifiable::NoMetadata));
        };
        check_keys(&meta, &keyring, signer.as_ref(), mac_key.as_ref())?;
        let chains: BTreeMap<Chain, ChainState> =
            v.chains.into_iter().map(|c| (c.chain, c)).collect();
        Ok(NativeWriter {
            dir: dir.to_owned(),
            meta,
            keyring,
            signer,
            mac_key,
            keyring_events: chains
                .get(&Chain::Events)
                .map_or(0, |c| c.verifier.records()),
            chains,
        })
    }

    /// The ledger's metadata.
    pub fn metadata(&self) -> &Metadata {
        &self.meta
    }

    /// The ledger directory.
    pub fn dir(&self) -> &Path {
        &self.dir
    }

    /// Records in `chain` as last verified.
    pub fn records(&self, chain: Chain) -> u64 {
        self.chains.get(&chain).map_or(0, |c| c.verifier.records())
    }

    /// The keys trusted after every rotation seen.
    pub fn keyring(&self) -> &Keyring {
        &self.keyring
    }

    /// Whether the writer holds the signing key (can checkpoint).
    pub fn can_sign(&self) -> bool {
        self.signer.is_some()
    }

    /// Append `bodies` (each one compact JSON object) to `chain` as one
    /// batch: one write, one fsync. Returns one acknowledgement per record.
    pub fn append(
        &mut self,
        chain: Chain,
        bodies: &[String],
    ) -> Result<Vec<RecordAck>, WriteError> {
        self.append_expecting(chain, bodies, None)
    }

    /// The lines `bodies` would be appended as now (as last verified; no
    /// lock taken, nothing written), with their acknowledgements: what a
    /// preview shows. [`NativeWriter::append_expecting`] writes them only if
    /// they are still these lines.
    pub fn build(
        &self,
        chain: Chain,
        bodies: &[String],
    ) -> Result<(Vec<String>, Vec<RecordAck>), WriteError> {
        let state = self
            .chains
            .get(&chain)
            .ok_or(WriteError::Unverifiable(Unverifiable::NoChainState(chain)))?;
        let mut trial = state.verifier.clone();
        self.build_on(&mut trial, chain, bodies)
    }

    /// [`NativeWriter::append`], refused with nothing written when the lines
    /// built under the lock are not `expected` (the chain moved on since a
    /// preview).
    pub fn append_expecting(
        &mut self,
        chain: Chain,
        bodies: &[String],
        expected_lines: Option<&[String]>,
    ) -> Result<Vec<RecordAck>, WriteError> {
        if bodies.is_empty() {
            return Err(WriteError::InvalidRecord(InvalidRecord::EmptyBatch));
        }
        let mut lock = LedgerLock::acquire(&self.dir)?;
        self.append_locked(&mut lock, chain, bodies, expected_lines)
    }

    /// [`NativeWriter::append_expecting`] under a lock already held (a
    /// rotation holds it from its first checkpoint to its last).
    fn append_locked(
        &mut self,
        lock: &mut LedgerLock,
        chain: Chain,
        bodies: &[String],
        expected_lines: Option<&[String]>,
    ) -> Result<Vec<RecordAck>, WriteError> {
        let paths = ChainPaths::new(&self.dir, chain);
        self.catch_up(chain, &paths)?;
        let mut trial = self
            .chains
            .get(&chain)
            .ok_or(WriteError::Unverifiable(Unverifiable::NoChainState(chain)))?
            .verifier
            .clone();
        let (lines, acks) = self.build_on(&mut trial, chain, bodies)?;
        if expected_lines.is_some_and(|e| e != lines.as_slice()) {
            return Err(WriteError::Moved(Moved::SincePreview(paths.file.clone())));
        }
        let v = &mut self
            .chains
            .get_mut(&chain)
            .ok_or(WriteError::Unverifiable(Unverifiable::NoChainState(chain)))?
            .verifier;
        let expected = v.tail();
        let done = append_lines(
            lock,
            &paths.file,
            &expected,
            &lines,
            AppendOptions::default(),
        )?;
        if done.new_tail != trial.tail() {
            return Err(WriteError::Moved(Moved::BatchEnd(paths.file.clone())));
        }
        *v = trial;
        // The trial shared the chain's id set; it is the only holder now.
        v.settle_ids();
        Ok(acks)
    }

    /// Build the lines of `bodies` on `trial` (advanced past them), each
    /// checked by the verifier.
    fn build_on(
        &self,
        trial: &mut crate::ledger::native::verify::chain::NativeChainVerifier,
        chain: Chain,
        bodies: &[String],
    ) -> Result<(Vec<String>, Vec<RecordAck>), WriteError> {
        let mut lines = Vec::with_capacity(bodies.len());
        let mut acks = Vec::with_capacity(bodies.len());
        let mut offset = trial.tail().len;
        let batch_start = trial.records();
        for (i, body) in bodies.iter().enumerate() {
            if let Some(why) = trial.id_taken(body, batch_start, i) {
                return Err(WriteError::InvalidRecord(InvalidRecord::IdTaken(why)));
            }
            let seq = trial.next_seq();
            let (line, hash) = build_line_raw(
                chain.name(),
                seq,
                trial.prev_hash(),
                body,
                self.mac_key.as_ref(),
            )
            .map_err(|error| {
                WriteError::InvalidRecord(InvalidRecord::Unbuildable {
                    index: i + 1,
                    error: Box::new(error),
                })
            })?;
            // The new line goes through the very checks verification makes.
            let number = trial.records() + 1;
            let raw = crate::ledger::io::reader::RawLine {
                number,
                offset,
                content: crate::ledger::io::reader::Content::Bytes(line.as_bytes()),
                ending: crate::ledger::io::reader::Ending::Lf,
                bom: false,
            };
            let mut findings = Vec::new();
            trial.feed(self.mac_key.as_ref(), &raw, &mut findings);
            if let Some(f) = findings.first() {
                return Err(WriteError::InvalidRecord(InvalidRecord::WouldNotVerify {
                    index: i + 1,
                    finding: Box::new(f.clone()),
                }));
            }
            acks.push(RecordAck {
                chain: chain.name(),
                seq,
                line: number,
                offset,
                hash,
            });
            offset += line.len() as u64 + 1;
            lines.push(line);
        }
        Ok((lines, acks))
    }

    /// Sign `chain`'s current tree head and record it in the history and the
    /// latest-checkpoint file.
    pub fn checkpoint(&mut self, chain: Chain) -> Result<CheckpointAck, WriteError> {
        let mut lock = LedgerLock::acquire(&self.dir)?;
        self.checkpoint_locked(&mut lock, chain, None)
    }

    /// Make `chain`'s latest-checkpoint file the newest history entry's
    /// note again, when an interrupted checkpoint left it behind (no key is
    /// needed: the note is signed already), and remove the temporary files
    /// an interrupted replacement left. Whether the latest file was
    /// replaced, and the temporary files removed.
    pub fn complete_latest(&mut self, chain: Chain) -> Result<(bool, Vec<String>), WriteError> {
        let mut lock = LedgerLock::acquire(&self.dir)?;
        let paths = ChainPaths::new(&self.dir, chain);
        let removed = latest::remove_stale_temps(&mut lock, &paths.latest)?;
        let (_, last) = latest::history_end(&paths.history)?;
        let Some(last) = last else {
            return Ok((false, removed));
        };
        if std::fs::read(&paths.latest).is_ok_and(|b| b == last.note.as_bytes()) {
            return Ok((false, removed));
        }
        latest::replace(&mut lock, &paths.latest, &last.note)?;
        Ok((true, removed))
    }

    /// The checkpoint after an append to `chain`: signed when the writer
    /// holds the key; a failure is reported, not returned, because the
    /// records it follows are durable and acknowledged.
    pub fn checkpoint_after_append(&mut self, chain: Chain) -> CheckpointStatus {
        let status = if self.can_sign() {
            match self.checkpoint(chain) {
                Ok(ack) => match ack.follow_up(&self.dir) {
                    Some(f) => CheckpointStatus::Failed(f),
                    None => CheckpointStatus::Signed(ack),
                },
                Err(e) => CheckpointStatus::Failed(FollowUpFailed {
                    what: format!("checkpoint of {chain}"),
                    error: e.to_string(),
                    finish_with: command_for("checkpoint", &self.dir),
                }),
            }
        } else {
            CheckpointStatus::NotSigned
        };
        if matches!(status, CheckpointStatus::Failed(_)) {
            return status;
        }
        // What an interrupted checkpoint of any chain left (a latest file
        // behind its history, a temporary file) is finished by the next
        // writer; no key is needed for it.
        for c in Chain::ALL {
            if let Err(e) = self.complete_latest(c) {
                return CheckpointStatus::Failed(FollowUpFailed {
                    what: format!("restoring the latest checkpoint of {c}"),
                    error: e.to_string(),
                    finish_with: command_for("repair", &self.dir),
                });
            }
        }
        status
    }

    /// Check that `chain`'s file still ends where it was verified, verifying
    /// any lines another writer appended since.
    fn catch_up(&mut self, chain: Chain, paths: &ChainPaths) -> Result<(), WriteError> {
        let state = self
            .chains
            .get_mut(&chain)
            .ok_or(WriteError::Unverifiable(Unverifiable::NoChainState(chain)))?;
        let now = crate::ledger::append::Tail::read(&paths.file)?;
        catch_up::catch_up(&paths.file, now, &mut state.verifier, self.mac_key.as_ref())
    }
}

/// The finding for a chain without checkpoint history.
fn is_no_history(f: &Finding) -> bool {
    f.kind == crate::ledger::model::finding::FindingKind::CheckpointMismatch
        && f.line.is_none()
        && f.expected.as_deref() == Some(crate::ledger::native::verify::NO_HISTORY)
}

/// The signer must be the key in use; the MAC key must be the one the
/// ledger requires.
fn check_keys(
    meta: &Metadata,
    keyring: &Keyring,
    signer: Option<&Signer>,
    mac: Option<&MacKey>,
) -> Result<(), WriteError> {
    if let Some(s) = signer {
        match keyring.current() {
            Some(cur) if cur.vkey() == s.vkey() => {}
            Some(cur) => {
                return Err(WriteError::Key(KeyError::NotCurrent {
                    given: s.key_id(),
                    current: cur.key_id(),
                }));
            }
            None => return Err(WriteError::Key(KeyError::NoKeyInUse)),
        }
    }
    match (&meta.mac_key_id, mac) {
        (Some(req), Some(k)) if k.id() != req => Err(WriteError::Key(KeyError::WrongMacKey {
            given: k.id().to_owned(),
            required: req.clone(),
        })),
        (Some(req), None) => Err(WriteError::Key(KeyError::MacKeyRequired {
            required: req.clone(),
        })),
        (None, Some(k)) => Err(WriteError::Key(KeyError::NotKeyed {
            given: k.id().to_owned(),
        })),
        _ => Ok(()),
    }
}

/// Whether a tail state means "torn".
pub(crate) fn torn_refusal(path: &Path, state: &TailState) -> Option<WriteError> {
    state
        .is_torn()
        .then(|| WriteError::Moved(Moved::Torn(path.to_path_buf())))
}
