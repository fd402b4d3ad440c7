//! Writing to a native ledger, through the one append module.
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

mod catch_up;
mod cosign;
mod latest;

pub use cosign::{ConsistencyProof, Cosign, CosignRequest};

use crate::ledger::append::{AppendError, AppendOptions, LedgerLock, TailState, append_lines};
use crate::ledger::model::finding::Finding;
use crate::ledger::native::history::HistoryLine;
use crate::ledger::native::keyring::{Keyring, Rotation};
use crate::ledger::native::meta::{Chain, ChainPaths, Metadata};
use crate::ledger::native::record::build_line_raw;
use crate::ledger::native::secret::MacKey;
use crate::ledger::native::verify::{ChainState, NativeOptions, verify_native};
use crate::tlog::checkpoint::Checkpoint;
use crate::tlog::note::Signer;
use serde::Serialize;
use std::collections::BTreeMap;
use std::path::{Path, PathBuf};

/// Why a native write was refused or failed. Nothing is acknowledged unless
/// the result is `Ok`.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum NativeWriteError {
    /// The ledger does not verify: writing would bury the evidence.
    #[error("refusing to write: the ledger does not verify ({} violation(s)); run `iss verify` for details", .0.len())]
    Violated(Vec<(String, Finding)>),
    /// A file could not be read, so the ledger could not be verified.
    #[error("refusing to write: {0}")]
    Unverifiable(String),
    /// The record to write is not valid.
    #[error("refusing to write: {0}")]
    InvalidRecord(String),
    /// The keys given do not fit the ledger.
    #[error("refusing to write: {0}")]
    Key(String),
    /// A file changed since it was verified in a way an append cannot explain.
    #[error("refusing to write: {0}")]
    Moved(String),
    /// Locking, the tail check, the write, the fsync or the read-back failed.
    #[error(transparent)]
    Append(Box<AppendError>),
    /// Another I/O failure, with its path.
    #[error("{0}")]
    Io(String),
}

impl From<AppendError> for NativeWriteError {
    fn from(e: AppendError) -> Self {
        NativeWriteError::Append(Box::new(e))
    }
}

/// An acknowledged record.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct RecordAck {
    /// The chain.
    pub chain: &'static str,
    /// Its `seq`.
    pub seq: u64,
    /// 1-based line in the chain file.
    pub line: u64,
    /// Byte offset of the line.
    pub offset: u64,
    /// Its `hash`.
    pub hash: String,
}

/// An acknowledged checkpoint.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct CheckpointAck {
    /// The chain.
    pub chain: &'static str,
    /// The tree size signed.
    pub size: u64,
    /// The Merkle root signed (hex).
    pub root: String,
    /// The signing key's id (8 hex).
    pub key_id: String,
    /// Whether a new history entry was written (`false`: the newest entry
    /// already signed this size, and only the latest file was refreshed).
    pub new_entry: bool,
}

/// A checkpoint signed (or found already signed) under the lock, not yet
/// recorded.
struct PreparedCheckpoint {
    chain: Chain,
    paths: ChainPaths,
    size: u64,
    root: crate::tlog::merkle::Hash,
    hist_tail: crate::ledger::append::Tail,
    last: Option<HistoryLine>,
    note: String,
    reused: bool,
}

/// A verified native ledger open for writing.
#[derive(Debug)]
pub struct NativeWriter {
    dir: PathBuf,
    meta: Metadata,
    keyring: Keyring,
    signer: Option<Signer>,
    mac_key: Option<MacKey>,
    chains: BTreeMap<Chain, ChainState>,
}

impl NativeWriter {
    /// Verify the ledger in `dir` under its lock and open it for writing.
    /// `signer` is needed for checkpoints; `mac_key` when the ledger is keyed.
    pub fn open(
        dir: &Path,
        signer: Option<Signer>,
        mac_key: Option<MacKey>,
    ) -> Result<NativeWriter, NativeWriteError> {
        Self::open_inner(dir, signer, mac_key, false)
    }

    /// [`NativeWriter::open`] for `iss init`, between the genesis record and
    /// the first checkpoints: the one state in which a chain may have no
    /// checkpoint history yet.
    pub(crate) fn open_new(
        dir: &Path,
        signer: Signer,
        mac_key: Option<MacKey>,
    ) -> Result<NativeWriter, NativeWriteError> {
        Self::open_inner(dir, Some(signer), mac_key, true)
    }

    fn open_inner(
        dir: &Path,
        signer: Option<Signer>,
        mac_key: Option<MacKey>,
        new: bool,
    ) -> Result<NativeWriter, NativeWriteError> {
        let _lock = LedgerLock::acquire(dir)?;
        let v = verify_native(
            dir,
            &NativeOptions {
                mac_key: mac_key.clone(),
                ..NativeOptions::default()
            },
        );
        if let Some(f) = v.files.iter().find(|f| f.error.is_some()) {
            return Err(NativeWriteError::Unverifiable(
                f.error.clone().unwrap_or_default(),
            ));
        }
        let mut violations = crate::ledger::model::report::violations(&v.files);
        violations.retain(|(_, f)| !(new && is_no_history(f)));
        if !violations.is_empty() {
            return Err(NativeWriteError::Violated(violations));
        }
        let (Some(meta), Some(keyring)) = (v.meta, v.keyring) else {
            return Err(NativeWriteError::Unverifiable("no metadata".into()));
        };
        check_keys(&meta, &keyring, signer.as_ref(), mac_key.as_ref())?;
        Ok(NativeWriter {
            dir: dir.to_owned(),
            meta,
            keyring,
            signer,
            mac_key,
            chains: v.chains.into_iter().map(|c| (c.chain, c)).collect(),
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
    ) -> Result<Vec<RecordAck>, NativeWriteError> {
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
    ) -> Result<(Vec<String>, Vec<RecordAck>), NativeWriteError> {
        let state = self
            .chains
            .get(&chain)
            .ok_or_else(|| NativeWriteError::Unverifiable(format!("no state for chain {chain}")))?;
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
    ) -> Result<Vec<RecordAck>, NativeWriteError> {
        if bodies.is_empty() {
            return Err(NativeWriteError::InvalidRecord(
                "an empty batch: nothing to append".into(),
            ));
        }
        let mut lock = LedgerLock::acquire(&self.dir)?;
        let paths = ChainPaths::new(&self.dir, chain);
        self.catch_up(chain, &paths)?;
        let mut trial = self
            .chains
            .get(&chain)
            .ok_or_else(|| NativeWriteError::Unverifiable(format!("no state for chain {chain}")))?
            .verifier
            .clone();
        let (lines, acks) = self.build_on(&mut trial, chain, bodies)?;
        if expected_lines.is_some_and(|e| e != lines.as_slice()) {
            return Err(NativeWriteError::Moved(format!(
                "{}: the chain moved on since the preview (the record would now be written as another line); nothing was written — preview again",
                paths.file.display()
            )));
        }
        let v = &mut self
            .chains
            .get_mut(&chain)
            .ok_or_else(|| NativeWriteError::Unverifiable(format!("no state for chain {chain}")))?
            .verifier;
        let expected = v.tail();
        let done = append_lines(
            &mut lock,
            &paths.file,
            &expected,
            &lines,
            AppendOptions::default(),
        )?;
        if done.new_tail != trial.tail() {
            return Err(NativeWriteError::Moved(format!(
                "{}: the written batch does not end where it was built to end",
                paths.file.display()
            )));
        }
        *v = trial;
        Ok(acks)
    }

    /// Build the lines of `bodies` on `trial` (advanced past them), each
    /// checked by the verifier.
    fn build_on(
        &self,
        trial: &mut crate::ledger::native::chain::NativeChainVerifier,
        chain: Chain,
        bodies: &[String],
    ) -> Result<(Vec<String>, Vec<RecordAck>), NativeWriteError> {
        let mut lines = Vec::with_capacity(bodies.len());
        let mut acks = Vec::with_capacity(bodies.len());
        let mut offset = trial.tail().len;
        for (i, body) in bodies.iter().enumerate() {
            let seq = trial.next_seq();
            let (line, hash) = build_line_raw(
                chain.name(),
                seq,
                trial.prev_hash(),
                body,
                self.mac_key.as_ref(),
            )
            .map_err(|e| NativeWriteError::InvalidRecord(format!("record {}: {e}", i + 1)))?;
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
                return Err(NativeWriteError::InvalidRecord(format!(
                    "record {} would not verify: {}: {}",
                    i + 1,
                    f.kind,
                    f.detail
                )));
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
    pub fn checkpoint(&mut self, chain: Chain) -> Result<CheckpointAck, NativeWriteError> {
        let signer = self.signing_key()?;
        let mut lock = LedgerLock::acquire(&self.dir)?;
        let p = self.prepare_checkpoint(chain, &signer)?;
        Self::commit_checkpoint(&mut lock, &p, &p.note, 0, &signer)
    }

    /// [`NativeWriter::checkpoint`] of each of `chains`, asking `witnesses`
    /// to cosign the notes before they are written: all requests go out
    /// at once, under one lock, and the cosignature lines that come back
    /// are added to the notes (docs/FORMAT.md §7.1). When the newest entry
    /// already signs a chain's tree, a new entry (same size, more
    /// cosignatures) is written only if a witness added a cosignature the
    /// entry lacks.
    pub fn checkpoint_witnessed(
        &mut self,
        chains: &[Chain],
        witnesses: &mut dyn Cosign,
    ) -> Result<Vec<CheckpointAck>, NativeWriteError> {
        let signer = self.signing_key()?;
        // Witnesses answer before anything is written: the lock is held, so
        // the trees they cosign are the ones the entries record.
        let mut lock = LedgerLock::acquire(&self.dir)?;
        let prepared = chains
            .iter()
            .map(|&c| self.prepare_checkpoint(c, &signer))
            .collect::<Result<Vec<_>, _>>()?;
        let requests: Vec<CosignRequest<'_>> = prepared
            .iter()
            .map(|p| CosignRequest {
                chain: p.chain,
                note: &p.note,
                previous: p.last.as_ref().map(|l| l.note.as_str()),
                proof: ConsistencyProof::new(&p.paths.file, p.size),
            })
            .collect();
        let answers = witnesses.cosign(&requests);
        drop(requests);
        let mut acks = Vec::with_capacity(prepared.len());
        for (p, lines) in prepared.iter().zip(answers) {
            let (note, added) = cosign::merge(&p.note, lines);
            acks.push(Self::commit_checkpoint(
                &mut lock, p, &note, added, &signer,
            )?);
        }
        Ok(acks)
    }

    fn signing_key(&self) -> Result<Signer, NativeWriteError> {
        self.signer.clone().ok_or_else(|| {
            NativeWriteError::Key("a checkpoint needs the signing key (--key FILE)".into())
        })
    }

    /// Under the lock: the chain's tree head, and its note (the newest
    /// entry's when that already signs it, else newly signed).
    fn prepare_checkpoint(
        &mut self,
        chain: Chain,
        signer: &Signer,
    ) -> Result<PreparedCheckpoint, NativeWriteError> {
        let paths = ChainPaths::new(&self.dir, chain);
        self.catch_up(chain, &paths)?;
        let state = &self.chains[&chain];
        let size = state.verifier.records();
        let root = state.verifier.root().ok_or_else(|| {
            NativeWriteError::Unverifiable(format!(
                "{}: a line could not be read",
                paths.file.display()
            ))
        })?;
        let (hist_tail, last) = latest::history_end(&paths.history)?;
        if let Some(last) = &last
            && last.size > size
        {
            return Err(NativeWriteError::Moved(format!(
                "{} signs {} records but {} has {size}: the chain was truncated",
                paths.history.display(),
                last.size,
                paths.file.display()
            )));
        }
        let cp = Checkpoint {
            origin: self.meta.chain_origin(chain),
            size,
            root,
            extensions: Vec::new(),
        };
        let reuse = last.as_ref().filter(|l| {
            l.size == size
                && crate::tlog::checkpoint::open_checkpoint(
                    &l.note,
                    &self.keyring.verifiers(),
                    &cp.origin,
                )
                .is_ok_and(|c| c.root == root)
        });
        let (note, reused) = if let Some(l) = reuse {
            (l.note.clone(), true)
        } else {
            (cosign::sign_with_origin_name(&cp, signer)?, false)
        };
        Ok(PreparedCheckpoint {
            chain,
            paths,
            size,
            root,
            hist_tail,
            last,
            note,
            reused,
        })
    }

    /// Under the lock: record `note` (the prepared note, with `added` new
    /// cosignature lines) in the history unless the newest entry already is
    /// it, then in the latest file.
    fn commit_checkpoint(
        lock: &mut LedgerLock,
        p: &PreparedCheckpoint,
        note: &str,
        added: usize,
        signer: &Signer,
    ) -> Result<CheckpointAck, NativeWriteError> {
        let new_entry = !(p.reused && added == 0);
        if new_entry {
            let line = HistoryLine {
                size: p.size,
                note: note.to_owned(),
            }
            .to_line();
            append_lines(
                lock,
                &p.paths.history,
                &p.hist_tail,
                &[line],
                AppendOptions { create: true },
            )?;
        }
        latest::replace(&p.paths.latest, note)?;
        Ok(CheckpointAck {
            chain: p.chain.name(),
            size: p.size,
            root: hex::encode(p.root),
            key_id: format!("{:08x}", signer.key_id()),
            new_entry,
        })
    }

    /// Rotate the signing key to `new`: checkpoint every chain with the old
    /// key, append a rotation record signed by it (retiring it at those
    /// sizes), then checkpoint every chain with the new key.
    pub fn rotate(&mut self, new: Signer) -> Result<RecordAck, NativeWriteError> {
        let old = self.signer.clone().ok_or_else(|| {
            NativeWriteError::Key("a rotation is signed by the key in use (--key FILE)".into())
        })?;
        if new.name() != self.meta.origin {
            return Err(NativeWriteError::Key(format!(
                "the new key is named {:?}, expected the origin {:?}",
                new.name(),
                self.meta.origin
            )));
        }
        for c in Chain::ALL {
            self.checkpoint(c)?;
        }
        let sizes: BTreeMap<String, u64> = Chain::ALL
            .iter()
            .map(|c| (c.name().to_owned(), self.records(*c)))
            .collect();
        let rotation = Rotation::sign(&self.meta.origin, &old, &new.verifier(), sizes);
        let body = serde_json::to_string(&rotation)
            .map_err(|e| NativeWriteError::InvalidRecord(e.to_string()))?;
        let ack = self
            .append(Chain::Events, &[body])?
            .pop()
            .ok_or_else(|| NativeWriteError::InvalidRecord("no record written".into()))?;
        self.keyring
            .apply(&rotation, ack.line)
            .map_err(NativeWriteError::Key)?;
        self.signer = Some(new);
        for c in Chain::ALL {
            self.checkpoint(c)?;
        }
        Ok(ack)
    }

    /// Check that `chain`'s file still ends where it was verified, verifying
    /// any lines another writer appended since.
    fn catch_up(&mut self, chain: Chain, paths: &ChainPaths) -> Result<(), NativeWriteError> {
        let state = self
            .chains
            .get_mut(&chain)
            .ok_or_else(|| NativeWriteError::Unverifiable(format!("no state for chain {chain}")))?;
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
) -> Result<(), NativeWriteError> {
    if let Some(s) = signer {
        match keyring.current() {
            Some(cur) if cur.vkey() == s.vkey() => {}
            Some(cur) => {
                return Err(NativeWriteError::Key(format!(
                    "the signing key {:08x} is not the ledger's current key {:08x}",
                    s.key_id(),
                    cur.key_id()
                )));
            }
            None => return Err(NativeWriteError::Key("the ledger has no key in use".into())),
        }
    }
    match (&meta.mac_key_id, mac) {
        (Some(req), Some(k)) if k.id() != req => Err(NativeWriteError::Key(format!(
            "the HMAC key given has id {}, the ledger requires {req}",
            k.id()
        ))),
        (Some(req), None) => Err(NativeWriteError::Key(format!(
            "this ledger requires a MAC on every record: pass the HMAC key (--mac-key FILE, key id {req})"
        ))),
        (None, Some(k)) => Err(NativeWriteError::Key(format!(
            "this ledger is not keyed, but an HMAC key ({}) was given",
            k.id()
        ))),
        _ => Ok(()),
    }
}

/// Whether a tail state means "torn".
pub(crate) fn torn_refusal(path: &Path, state: &TailState) -> Option<NativeWriteError> {
    state.is_torn().then(|| {
        NativeWriteError::Moved(format!(
            "{} ends in a torn line (an interrupted write): run `iss repair` first",
            path.display()
        ))
    })
}
