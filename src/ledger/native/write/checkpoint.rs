//! Signing a chain's tree head and recording it: prepared under the lock
//! (the note signed, or the newest entry's when it already signs the tree),
//! optionally cosigned by witnesses, then written to the history and the
//! latest-checkpoint file.

use super::cosign::{self, ConsistencyProof, Cosign, CosignRequest};
use super::{
    CheckpointAck, KeyError, Moved, NativeWriter, Unverifiable, WriteError, latest, rotation,
};
use crate::ledger::append::{AppendOptions, LedgerLock, Tail, append_lines};
use crate::ledger::native::format::history::HistoryLine;
use crate::ledger::native::format::meta::{Chain, ChainPaths};
use crate::tlog::checkpoint::Checkpoint;
use crate::tlog::merkle::Hash;
use crate::tlog::note::Signer;

/// A checkpoint signed (or found already signed) under the lock, not yet
/// recorded.
struct PreparedCheckpoint {
    chain: Chain,
    paths: ChainPaths,
    size: u64,
    root: Hash,
    origin: String,
    hist_tail: Tail,
    last: Option<HistoryLine>,
    note: String,
    reused: bool,
}

/// What [`NativeWriter::checkpoint_witnessed`] wrote: the checkpoints
/// recorded, in the order asked, and the error that stopped the rest (the
/// recorded ones are durable whatever it says).
#[derive(Debug)]
pub struct Witnessed {
    /// The checkpoints recorded.
    pub acks: Vec<CheckpointAck>,
    /// Why the chains after them were not recorded.
    pub stopped: Option<WriteError>,
}

impl NativeWriter {
    /// [`NativeWriter::checkpoint`] under a lock already held; `cosigner`
    /// signs the note too (a rotation's new key, `docs/FORMAT.md` §8).
    pub(super) fn checkpoint_locked(
        &mut self,
        lock: &mut LedgerLock,
        chain: Chain,
        cosigner: Option<&Signer>,
    ) -> Result<CheckpointAck, WriteError> {
        let signer = self.signing_key()?;
        // A rotation recorded by another writer since this one opened
        // retires its key: signing with it would be refused by verifiers.
        self.refresh_keys(&signer)?;
        let p = self.prepare_checkpoint(lock, chain, &signer, cosigner)?;
        commit_checkpoint(lock, &p, &p.note, 0, &signer)
    }

    /// [`NativeWriter::checkpoint`] of each of `chains`, asking `witnesses`
    /// to cosign the notes before they are written: all requests go out
    /// at once, under one lock, and the cosignature lines that come back
    /// are added to the notes (docs/FORMAT.md §7.1). When the newest entry
    /// already signs a chain's tree, a new entry (same size, more
    /// cosignatures) is written only if a witness added a cosignature the
    /// entry lacks. An error before anything is written is returned; one
    /// after some checkpoints were recorded is in [`Witnessed::stopped`].
    pub fn checkpoint_witnessed(
        &mut self,
        chains: &[Chain],
        witnesses: &mut dyn Cosign,
    ) -> Result<Witnessed, WriteError> {
        let signer = self.signing_key()?;
        // Witnesses answer before anything is written: the lock is held, so
        // the trees they cosign are the ones the entries record.
        let mut lock = LedgerLock::acquire(&self.dir)?;
        self.refresh_keys(&signer)?;
        let prepared = chains
            .iter()
            .map(|&c| self.prepare_checkpoint(&mut lock, c, &signer, None))
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
        let mut out = Witnessed {
            acks: Vec::with_capacity(prepared.len()),
            stopped: None,
        };
        for (p, lines) in prepared.iter().zip(answers) {
            let (note, added) = cosign::merge(&p.note, lines);
            match commit_checkpoint(&mut lock, p, &note, added, &signer) {
                Ok(ack) => out.acks.push(ack),
                Err(e) if out.acks.is_empty() => return Err(e),
                Err(e) => {
                    out.stopped = Some(e);
                    break;
                }
            }
        }
        Ok(out)
    }

    fn signing_key(&self) -> Result<Signer, WriteError> {
        self.signer
            .clone()
            .ok_or(WriteError::Key(KeyError::NoSigningKey))
    }

    /// Under the lock: the chain's tree head, and its note (the newest
    /// entry's when that already signs it by every key asked for, else
    /// newly signed).
    fn prepare_checkpoint(
        &mut self,
        lock: &mut LedgerLock,
        chain: Chain,
        signer: &Signer,
        cosigner: Option<&Signer>,
    ) -> Result<PreparedCheckpoint, WriteError> {
        let paths = ChainPaths::new(&self.dir, chain);
        self.catch_up(chain, &paths)?;
        // Under the lock every temporary file is an interrupted writer's.
        latest::remove_stale_temps(lock, &paths.latest)?;
        let state = &self.chains[&chain];
        let size = state.verifier.records();
        let root = state
            .verifier
            .root()
            .ok_or_else(|| WriteError::Unverifiable(Unverifiable::NoTree(paths.file.clone())))?;
        let (hist_tail, last) = latest::history_end(&paths.history)?;
        if let Some(last) = &last
            && last.size > size
        {
            return Err(WriteError::Moved(Moved::Truncated {
                history: paths.history.clone(),
                signed: last.size,
                chain: paths.file.clone(),
                size,
            }));
        }
        let cp = Checkpoint {
            origin: self.meta.chain_origin(chain),
            size,
            root,
            extensions: Vec::new(),
        };
        // The newest entry is reused only if it is this tree head signed by
        // every key asked for (after a rotation, an entry signed only by
        // the retired key is signed again).
        let signers: Vec<&Signer> = std::iter::once(signer).chain(cosigner).collect();
        let reuse = last
            .as_ref()
            .filter(|l| l.size == size && rotation::signed_by(l, &cp, &self.keyring, &signers));
        let (note, reused) = if let Some(l) = reuse {
            (l.note.clone(), true)
        } else {
            (cosign::sign_with_origin_name(&cp, &signers)?, false)
        };
        Ok(PreparedCheckpoint {
            chain,
            paths,
            size,
            root,
            origin: cp.origin,
            hist_tail,
            last,
            note,
            reused,
        })
    }
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
) -> Result<CheckpointAck, WriteError> {
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
    // The history entry is durable: the checkpoint exists. A latest file
    // that cannot be replaced is reported with it, not instead.
    let latest_not_written = latest::replace(lock, &p.paths.latest, note)
        .err()
        .map(|e| e.to_string());
    Ok(CheckpointAck {
        chain: p.chain.name(),
        size: p.size,
        root: hex::encode(p.root),
        key_id: format!("{:08x}", signer.key_id()),
        new_entry,
        latest_not_written,
        origin: p.origin.clone(),
        note: note.to_owned(),
    })
}
