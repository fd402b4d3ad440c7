//! A legacy ledger kept open for a series of appends (the server's writer):
//! verified once, then each batch continues from the state the last one
//! left, as long as the files still end exactly where it left them.
//!
//! Each batch still takes the lock and reads both tails from the end (O(1)
//! in the ledger's size). When a tail is not the one this session wrote or
//! verified (another writer appended, or anything else changed the files),
//! the SPICE layer is verified again under the lock before a byte is
//! written: another writer's lines are never trusted, only verified.

use super::{
    Acknowledged, Appended, NewDescriptor, Progress, VerifiedLayer, WriteError, appendable_files,
    build_records, check_inputs, clean_tail, common_dir, verify_layer,
};
use crate::ledger::append::command_for;
use crate::ledger::append::{AppendOptions, FollowUpFailed, LedgerLock, Tail, append_lines};
use crate::ledger::discover::{Discovery, discover};
use crate::ledger::legacy::write::repair;
use sha2::Digest;
use std::path::{Path, PathBuf};

/// The SPICE layer as verified under the lock, with the tails it ends at.
pub(crate) struct Verified {
    pub(super) chain: PathBuf,
    pub(super) manifest: PathBuf,
    pub(super) chain_tail: Tail,
    pub(super) manifest_tail: Tail,
    pub(super) layer: VerifiedLayer,
}

impl Verified {
    /// Read the tails and verify the layer; call with the lock held.
    pub(crate) fn under_lock(
        found: &Discovery,
        chain: PathBuf,
        manifest: PathBuf,
    ) -> Result<Self, WriteError> {
        let chain_tail = clean_tail(&chain)?;
        let manifest_tail = clean_tail(&manifest)?;
        let layer = verify_layer(found, &chain, &manifest)?;
        Ok(Verified {
            chain,
            manifest,
            chain_tail,
            manifest_tail,
            layer,
        })
    }
}

/// One batch to write.
pub(crate) struct Batch<'a> {
    /// The records.
    pub inputs: Vec<NewDescriptor>,
    /// The time of the append (Unix microseconds).
    pub now_micros: i64,
    /// The lines a preview showed (refused when the built ones differ).
    pub expected: Option<&'a [String]>,
}

/// Write `batch` onto the layer `v` verified (the lock held): first the
/// manifest lines an interrupted append left unwritten, then the records
/// (one write, one fsync), then their manifest lines. On success `v` is
/// advanced past what was written, and the flag says whether it still
/// describes the files exactly (else the next batch must verify again).
pub(crate) fn write_batch(
    root: &Path,
    lock: &mut LedgerLock,
    v: &mut Verified,
    batch: Batch<'_>,
    progress: &mut dyn FnMut(Progress<'_>),
) -> Result<(Appended, bool), WriteError> {
    let layer = &mut v.layer;
    // What an interrupted append left unwritten is written first, or this
    // append's manifest lines would skip those records' counts.
    let missing = repair::missing_lines(
        &layer.head,
        &layer.manifest,
        layer.manifest_lines,
        batch.now_micros,
    )?;
    layer.manifest_lines += missing.as_ref().map_or(0, |m| m.lines.len() as u64);
    // Every record is built and checked before anything is written.
    let built = build_records(
        layer,
        &v.chain,
        &v.chain_tail,
        batch.inputs,
        batch.now_micros,
    )?;
    if let Some(expected) = batch.expected
        && expected != built.bodies.as_slice()
    {
        return Err(WriteError::PreviewStale {
            expected: expected.join("\n"),
            built: built.bodies.join("\n"),
        });
    }

    let (completed, manifest_tail) = match &missing {
        Some(m) => {
            let files = repair::Files {
                chain: &v.chain,
                chain_tail: &v.chain_tail,
                manifest: &v.manifest,
                manifest_tail: &v.manifest_tail,
            };
            let (done, tail) = repair::write_missing(lock, &files, m)?;
            progress(Progress::Completed(&done));
            (Some(done), tail)
        }
        None => (None, v.manifest_tail),
    };
    // A batch says so first: a crash between its chain write and its
    // manifest write leaves all its records unattested, which only this
    // record tells from manifest lines cut by someone (one record needs
    // none: a lone unattested record is what any append leaves).
    let batch_record = match built.acks.as_slice() {
        [first, _, ..] => Some(repair::write_batch_record(
            lock,
            &v.manifest,
            first.seq - 1,
            built.acks.len() as u64,
        )?),
        _ => None,
    };
    let written = write_records(
        lock,
        (&v.chain, &v.chain_tail),
        &built.bodies,
        batch_record.as_deref(),
    )?;
    progress(Progress::Durable(&built.acks));
    let witnessed = append_lines(
        lock,
        &v.manifest,
        &manifest_tail,
        &built.witness,
        AppendOptions::default(),
    );
    let witness = match (&witnessed, &batch_record) {
        (Err(e), _) => Err((
            format!(
                "writing the manifest line(s) for the record(s) from line {} of {}",
                built.first_line,
                v.chain.display()
            ),
            e.to_string(),
        )),
        (Ok(_), Some(b)) => remove_batch_record(lock, b),
        (Ok(_), None) => Ok(()),
    }
    .map_err(|(what, error)| FollowUpFailed {
        what,
        error,
        finish_with: command_for("repair", root),
    });
    // The state goes on only from a batch that wrote exactly what it
    // planned; anything else (a completion, a manifest line not written)
    // is verified again by the next batch.
    let continues = completed.is_none() && witness.is_ok();
    v.chain_tail = written.new_tail;
    if let Ok(w) = &witnessed {
        v.manifest_tail = w.new_tail;
        advance(layer, &built.acks);
    }
    Ok((
        Appended {
            completed,
            acks: built.acks,
            witness,
        },
        continues,
    ))
}

/// The batch's records: one write, fsync, read-back. On a failure that
/// left the chain unchanged the batch record goes too (nothing to
/// explain); a torn write keeps it (`iss repair` cuts the line, then
/// removes the record).
fn write_records(
    lock: &mut LedgerLock,
    (chain, tail): (&Path, &Tail),
    bodies: &[String],
    batch_record: Option<&Path>,
) -> Result<crate::ledger::append::Appended, WriteError> {
    append_lines(lock, chain, tail, bodies, AppendOptions::default()).map_err(|e| {
        if let Some(b) = batch_record
            && e.left_file_unchanged()
        {
            let _ = crate::ledger::append::remove_file(lock, b);
        }
        e.into()
    })
}

/// Remove a batch's record once its records are attested: it explains
/// nothing any more, and would go on excusing manifest lines cut from its
/// range. On failure, what failed and why.
fn remove_batch_record(lock: &mut LedgerLock, b: &Path) -> Result<(), (String, String)> {
    crate::ledger::append::remove_file(lock, b).map_err(|e| {
        (
            format!(
                "removing the batch record {} (the records and their manifest lines are written)",
                b.display()
            ),
            e.to_string(),
        )
    })
}

/// The layer after `acks` were written and attested (the verifier itself
/// was advanced by [`build_records`], which checked each record with it).
pub(super) fn advance(layer: &mut VerifiedLayer, acks: &[Acknowledged]) {
    let head = &mut layer.head;
    for a in acks {
        head.prefix.update(a.descriptor_hash.as_bytes());
    }
    head.records += acks.len() as u64;
    head.lines += acks.len() as u64;
    layer.manifest_lines += acks.len() as u64;
    // Every record is attested now: nothing is left for a completion.
    if let Some(u) = head.unattested.as_mut() {
        u.after = head.records;
        u.prefix = head.prefix.clone();
        u.records.clear();
        u.lines.clear();
        u.last_attested = (head.verifier.last_id().to_owned(), head.lines);
        u.overflow = false;
    }
}

/// A legacy ledger open for a series of appends (see the module's doc).
pub struct LegacySession {
    pub(super) root: PathBuf,
    pub(super) verified: Option<Verified>,
    /// Full verifications done (the first, and one per foreign change).
    verifications: u64,
    /// Group commit: manifest lines of records already durable, written
    /// with the next batch's records (see [`LegacySession::append_group`]).
    pub(super) pending: Vec<String>,
    /// Group commit: the batch record this session wrote, covering its
    /// unattested records.
    pub(super) reservation: Option<super::group::Reservation>,
}

impl LegacySession {
    /// Verify the SPICE layer of the ledger at `root` under its lock.
    pub fn open(root: &Path) -> Result<Self, WriteError> {
        let mut s = LegacySession {
            root: root.to_owned(),
            verified: None,
            verifications: 0,
            pending: Vec::new(),
            reservation: None,
        };
        let (found, chain, manifest) = s.files()?;
        let _lock = LedgerLock::acquire(&common_dir(&chain, &manifest))?;
        s.verified = Some(Verified::under_lock(&found, chain, manifest)?);
        s.verifications = 1;
        Ok(s)
    }

    /// Full verifications of the layer this session has done: one at
    /// opening, and one for each batch that found the files changed by
    /// someone else.
    pub fn verifications(&self) -> u64 {
        self.verifications
    }

    fn files(&self) -> Result<(Discovery, PathBuf, PathBuf), WriteError> {
        let found = discover(&self.root)?;
        let (chain, manifest) = appendable_files(&self.root, &found)?;
        Ok((found, chain, manifest))
    }

    /// Append a batch, as [`super::append_descriptors`] does, continuing
    /// from this session's verified state when the files still end where
    /// it left them, and verifying again first when they do not.
    pub fn append(
        &mut self,
        inputs: Vec<NewDescriptor>,
        now_micros: i64,
        progress: &mut dyn FnMut(Progress<'_>),
    ) -> Result<Appended, WriteError> {
        check_inputs(&inputs)?;
        // Whatever happens below, a state not put back is verified again.
        let kept = self.verified.take();
        let (chain, manifest) = if let Some(v) = &kept {
            (v.chain.clone(), v.manifest.clone())
        } else {
            let (_, c, m) = self.files()?;
            (c, m)
        };
        let mut lock = LedgerLock::acquire(&common_dir(&chain, &manifest))?;
        let still = kept.filter(|v| {
            clean_tail(&v.chain).ok() == Some(v.chain_tail)
                && clean_tail(&v.manifest).ok() == Some(v.manifest_tail)
        });
        let mut v = if let Some(v) = still {
            v
        } else {
            // Someone else wrote (or the files moved): verify under this
            // lock what is there now.
            let (found, chain, manifest) = self.files()?;
            let dir = common_dir(&chain, &manifest);
            if std::fs::canonicalize(&dir).ok().as_deref() != Some(lock.dir()) {
                drop(lock);
                lock = LedgerLock::acquire(&dir)?;
            }
            self.verifications += 1;
            Verified::under_lock(&found, chain, manifest)?
        };
        let batch = Batch {
            inputs,
            now_micros,
            expected: None,
        };
        let (done, continues) = write_batch(&self.root, &mut lock, &mut v, batch, progress)?;
        if continues {
            self.verified = Some(v);
        }
        Ok(done)
    }
}

#[cfg(test)]
#[path = "session_tests.rs"]
mod tests;
