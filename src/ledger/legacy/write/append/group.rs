//! Group commit for a writer that keeps a legacy ledger open (the server):
//! one sync round per batch instead of two.
//!
//! A legacy append writes each record's chain line before its manifest
//! line, and a manifest line may only be written once its record is
//! durable: a manifest line on disk whose record is not would read as
//! records removed from the chain. [`LegacySession::append`] keeps that
//! order with two rounds (records: write, fdatasync, read-back; then
//! their manifest lines: the same). Here a batch's manifest lines wait
//! for the next batch instead: round k writes batch k's records *and*
//! batch k-1's manifest lines (whose records round k-1 made durable), syncs
//! the chain ([`append_lines_together`]: one `fdatasync` a round), reads
//! both back, and acknowledges batch k. When no batch follows soon,
//! [`LegacySession::flush`] writes the waiting lines alone and syncs the
//! manifest.
//!
//! So up to two batches' records can be unattested after a kill, and after
//! a crash of the machine also the manifest lines written since the
//! manifest was last synced (the flush when the load pauses, a new batch
//! record, the release), which
//! `iss verify` tells from manifest lines cut by someone only through a
//! batch record (`integrity_manifest.jsonl.batch-<ns>`,
//! [`repair::write_batch_record`]): written, durable, before the first
//! record it covers, here once for a range of [`RESERVATION`] records
//! rather than once per batch (a record per batch would cost a file
//! create, two syncs and a removal, more than the round it saves), and
//! removed by [`LegacySession::release`] when the writer goes idle or
//! stops, or by `iss repair` after a crash. A batch record is only ever
//! removed, or replaced by one starting after more records, once the
//! manifest lines it explains are synced, so a crash never leaves
//! unattested records it does not explain.

use super::session::{LegacySession, advance};
use super::{
    Appended, NewDescriptor, WriteError, build_records, check_inputs, clean_tail, common_dir,
};
use crate::ledger::append::{
    AppendOptions, FollowUpFailed, LedgerLock, append_lines, append_lines_together, command_for,
    remove_file, sync_file,
};
use crate::ledger::legacy::write::repair;
use std::path::{Path, PathBuf};

/// Records one batch record of the group commit covers (records after
/// the manifest's attested count when it was written): a new one is written
/// when a batch would go past it. Bounded, because while it exists it
/// excuses manifest lines missing from its range (a warning, not a
/// violation).
pub const RESERVATION: u64 = 65_536;

/// The batch record a session wrote for its group commit.
#[derive(Debug, Clone)]
pub(crate) struct Reservation {
    path: PathBuf,
    manifest: PathBuf,
    after: u64,
    records: u64,
}

impl LegacySession {
    /// Append a batch with one sync round: its records together with the
    /// manifest lines the previous batch left waiting (see the module's
    /// doc). On `Ok` the records are durable and acknowledged; their
    /// manifest lines wait for the next batch, [`LegacySession::flush`] or
    /// [`LegacySession::release`]. `witness` says whether the waiting
    /// lines written with it were written (when not, the next batch
    /// verifies again and completes them, or `iss repair` does).
    pub fn append_group(
        &mut self,
        inputs: Vec<NewDescriptor>,
        now_micros: i64,
    ) -> Result<Appended, WriteError> {
        check_inputs(&inputs)?;
        // Whatever happens below, a state not put back is verified again.
        let Some(mut v) = self.verified.take() else {
            return self.append_verified_again(inputs, now_micros);
        };
        let mut lock = LedgerLock::acquire(&common_dir(&v.chain, &v.manifest))?;
        let unchanged = clean_tail(&v.chain).ok() == Some(v.chain_tail)
            && clean_tail(&v.manifest).ok() == Some(v.manifest_tail);
        // A state freshly verified may hold records an interrupted append
        // left unattested: the two-round path completes them first.
        let interrupted = self.pending.is_empty()
            && v.layer
                .head
                .unattested
                .as_ref()
                .is_some_and(|u| !u.records.is_empty() || u.overflow);
        if !unchanged || interrupted {
            drop(lock);
            if unchanged {
                // Still the files it describes: the two-round path goes on
                // from it (completing first) without verifying again.
                self.verified = Some(v);
            }
            return self.append_verified_again(inputs, now_micros);
        }
        let waiting = std::mem::take(&mut self.pending);
        let layer = &mut v.layer;
        // Numbered after the lines still waiting.
        layer.manifest_lines += waiting.len() as u64;
        let built = build_records(layer, &v.chain, &v.chain_tail, inputs, now_micros)?;
        layer.manifest_lines -= waiting.len() as u64;
        let attested = layer.head.records - waiting.len() as u64;
        let upto = layer.head.records + built.acks.len() as u64;
        self.reserve(&mut lock, &v.manifest, attested, upto)?;
        let (records, lines) = if waiting.is_empty() {
            let r = append_lines(
                &mut lock,
                &v.chain,
                &v.chain_tail,
                &built.bodies,
                AppendOptions::default(),
            );
            (r, None)
        } else {
            let (r, l) = append_lines_together(
                &mut lock,
                (&v.chain, &v.chain_tail, built.bodies.as_slice()),
                (&v.manifest, &v.manifest_tail, waiting.as_slice()),
            );
            (r, Some(l))
        };
        let written = records?;
        let witness = match lines {
            None => Ok(()),
            Some(Ok(w)) => {
                v.manifest_tail = w.new_tail;
                layer.manifest_lines += waiting.len() as u64;
                Ok(())
            }
            Some(Err(e)) => Err(FollowUpFailed {
                what: format!(
                    "writing {} waiting manifest line(s) of {}",
                    waiting.len(),
                    v.manifest.display()
                ),
                error: e.to_string(),
                finish_with: command_for("repair", &self.root),
            }),
        };
        v.chain_tail = written.new_tail;
        advance(layer, &built.acks);
        // Not written yet: they wait for the next round.
        layer.manifest_lines -= built.acks.len() as u64;
        if witness.is_ok() {
            self.pending = built.witness;
            self.verified = Some(v);
        }
        Ok(Appended {
            completed: None,
            acks: built.acks,
            witness,
        })
    }

    /// Whether manifest lines wait for the next batch (then call
    /// [`LegacySession::flush`] when none comes soon).
    pub fn has_waiting_lines(&self) -> bool {
        !self.pending.is_empty()
    }

    /// Whether this session's batch record is on disk (then call
    /// [`LegacySession::release`] when the writer goes idle or stops).
    pub fn holds_batch_record(&self) -> bool {
        self.reservation.is_some()
    }

    /// Write the manifest lines waiting for a next batch (one round). When
    /// the files changed meanwhile, verify again and complete what is
    /// missing instead, as `iss repair` does.
    pub fn flush(&mut self, now_micros: i64) -> Result<(), WriteError> {
        if self.pending.is_empty() {
            return Ok(());
        }
        let waiting = std::mem::take(&mut self.pending);
        let Some(mut v) = self.verified.take() else {
            return self.complete(now_micros);
        };
        let mut lock = LedgerLock::acquire(&common_dir(&v.chain, &v.manifest))?;
        if clean_tail(&v.chain).ok() != Some(v.chain_tail)
            || clean_tail(&v.manifest).ok() != Some(v.manifest_tail)
        {
            drop(lock);
            return self.complete(now_micros);
        }
        let w = append_lines(
            &mut lock,
            &v.manifest,
            &v.manifest_tail,
            &waiting,
            AppendOptions::default(),
        )?;
        v.manifest_tail = w.new_tail;
        v.layer.manifest_lines += waiting.len() as u64;
        self.verified = Some(v);
        Ok(())
    }

    /// Flush, then remove this session's batch record: every record is
    /// attested, nothing is left to explain.
    pub fn release(&mut self, now_micros: i64) -> Result<(), WriteError> {
        self.flush(now_micros)?;
        let Some(r) = self.reservation.take() else {
            return Ok(());
        };
        let dir = r.path.parent().unwrap_or(Path::new("."));
        let mut lock = LedgerLock::acquire(dir)?;
        // The lines it explains durable first (a round does not sync them).
        sync_file(&lock, &r.manifest)?;
        remove_file(&mut lock, &r.path)?;
        Ok(())
    }

    /// Make sure a batch record of ours covers records `attested+1..=upto`
    /// (and is still there: `iss repair` removes batch records), writing a
    /// new one first when not, then removing the old one.
    fn reserve(
        &mut self,
        lock: &mut LedgerLock,
        manifest: &Path,
        attested: u64,
        upto: u64,
    ) -> Result<(), WriteError> {
        if let Some(r) = &self.reservation
            && r.after <= attested
            && r.after.saturating_add(r.records) >= upto
            && r.path.exists()
        {
            return Ok(());
        }
        let records = RESERVATION.max(upto - attested);
        // The new record explains only records after `attested`: the
        // manifest lines up to there must survive a crash without it.
        sync_file(lock, manifest)?;
        let path = repair::write_batch_record(lock, manifest, attested, records)?;
        if let Some(old) = self.reservation.replace(Reservation {
            path,
            manifest: manifest.to_path_buf(),
            after: attested,
            records,
        }) {
            // Covered by the new one; a record that stays is removed by
            // the next release or `iss repair`.
            let _ = remove_file(lock, &old.path);
        }
        Ok(())
    }

    /// The two-round path ([`LegacySession::append`]: on the files as they
    /// are now, verified again under the lock unless they are still the
    /// ones the kept state describes; it first completes what an
    /// interrupted append left, ours included); once everything is
    /// attested, batch records left by an earlier group commit go.
    fn append_verified_again(
        &mut self,
        inputs: Vec<NewDescriptor>,
        now_micros: i64,
    ) -> Result<Appended, WriteError> {
        self.pending.clear();
        let done = self.append(inputs, now_micros, &mut |_| {})?;
        if done.witness.is_ok() {
            self.remove_batch_records();
        }
        Ok(done)
    }

    /// Verify again and complete the manifest, removing batch records.
    fn complete(&mut self, now_micros: i64) -> Result<(), WriteError> {
        self.verified = None;
        self.reservation = None;
        let (_, removed) = repair::complete_manifest_and_batches(&self.root, now_micros)?;
        removed?;
        Ok(())
    }

    /// Remove the batch records beside the manifest (everything attested).
    fn remove_batch_records(&mut self) {
        let Some(v) = &self.verified else {
            return;
        };
        if let Ok(mut lock) = LedgerLock::acquire(&common_dir(&v.chain, &v.manifest)) {
            let _ = repair::remove_batch_records(&mut lock, &v.manifest);
        }
        self.reservation = None;
    }
}

#[cfg(test)]
#[path = "group_tests.rs"]
mod tests;
