//! The writer a long-running process keeps open between batches (the
//! server's group commit, `server/commit.rs`), for both formats behind one
//! type: [`Ledger::group_writer`] picks the format's session here, so the
//! caller batches requests and answers them without looking at the format.
//!
//! A session is opened (the whole ledger verified under its lock) on the
//! first write, kept with the verified state the last batch left, and
//! dropped when the ledger refused a batch, so the next one starts from a
//! full verification. What each format does between batches stays its
//! own: a native writer signs the checkpoint after each batch; a legacy
//! session's manifest lines wait for the next batch
//! ([`GroupWriter::has_waiting_lines`], [`GroupWriter::flush`]) and its
//! batch record is removed when the writer goes idle
//! ([`GroupWriter::release`]).
//!
//! Nothing is written here: `legacy::write` and `native::write` do it,
//! through `ledger::append`.

use super::{Format, Ledger};
use crate::ledger::append::FollowUpFailed;
use crate::ledger::legacy::write::append::LegacySession;
use crate::ledger::legacy::write::pulse::{PulseClock, append_pulse as legacy_pulse};
use crate::ledger::model::new_descriptor::NewDescriptor;
use crate::ledger::native::format::meta::Chain;
use crate::ledger::native::format::pulse::clock::{ClockReading, monotonic_ns};
use crate::ledger::native::write::descriptors::append_descriptor_records;
use crate::ledger::native::write::pulse::append_pulse as native_pulse;
use crate::ledger::native::write::{CheckpointStatus, NativeWriter};
use crate::ledger::write_error::{PulseTimeError, WriteError};
use crate::time::leap_seconds::LeapSecondList;
use std::fmt;

/// A ledger's writer for group commit, opened by [`Ledger::group_writer`].
pub struct GroupWriter {
    ledger: Ledger,
    /// The open session, `None` until the first write and after a refusal.
    session: Option<Session>,
}

/// The ledger as the writer keeps it open between batches.
enum Session {
    Native(Box<NativeWriter>),
    Legacy(Box<LegacySession>),
}

/// A durable batch of descriptors.
#[derive(Debug)]
pub struct GroupAppended {
    /// The records' `descriptor_id`s, in the batch's order.
    pub descriptor_ids: Vec<String>,
    /// The 1-based line of the batch's last record in the descriptor file:
    /// every line up to it is verified (the session verified any other
    /// writer's lines before writing after them, under the lock).
    pub last_line: Option<u64>,
    /// What followed the durable records and failed (a native checkpoint,
    /// or the legacy manifest lines written with this batch): the records
    /// stay durable and acknowledged; the next batch or `iss checkpoint` /
    /// `iss repair` finishes it.
    pub follow_up_failed: Option<FollowUpFailed>,
}

/// Why a batch of descriptors was refused (nothing of it was acknowledged).
#[derive(Debug)]
pub enum GroupRefusal {
    /// A record of the batch does not verify: the others may be written
    /// on their own.
    Record(WriteError),
    /// The ledger refused the write (it does not verify, the lock, I/O):
    /// the session is dropped, and the next batch verifies again.
    Ledger(WriteError),
}

impl fmt::Display for GroupRefusal {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            // A native record refusal is said as the record's own reason
            // (the server's answers have always said it so).
            GroupRefusal::Record(WriteError::InvalidRecord(why)) => why.fmt(f),
            GroupRefusal::Record(e) | GroupRefusal::Ledger(e) => e.fmt(f),
        }
    }
}

impl Ledger {
    /// A writer for group commit on this ledger, with its keys (a native
    /// ledger's batches are signed in a checkpoint when it has a signing
    /// key). Nothing is opened before the first write.
    pub fn group_writer(&self) -> GroupWriter {
        GroupWriter {
            ledger: self.clone(),
            session: None,
        }
    }
}

impl GroupWriter {
    /// The open session, opened (verifying the whole ledger) when there is
    /// none.
    fn open(&mut self) -> Result<&mut Session, WriteError> {
        let session = match self.session.take() {
            Some(s) => s,
            None => match self.ledger.format {
                Format::Native => Session::Native(Box::new(self.ledger.native_writer()?)),
                Format::Legacy => {
                    Session::Legacy(Box::new(LegacySession::open(&self.ledger.path)?))
                }
            },
        };
        Ok(self.session.insert(session))
    }

    /// Append `inputs` as one batch at `now_micros` (one lock, one write,
    /// one sync of the chain). On `Ok` the records are durable.
    pub fn append_descriptors(
        &mut self,
        inputs: Vec<NewDescriptor>,
        now_micros: i64,
    ) -> Result<GroupAppended, GroupRefusal> {
        let result = match self.open().map_err(GroupRefusal::Ledger)? {
            Session::Native(writer) => append_native(writer, inputs, now_micros),
            Session::Legacy(session) => append_legacy(session, inputs, now_micros),
        };
        // A refused batch may have left the session's state behind the files
        // (or the files changed under it): start the next from a verification.
        if matches!(result, Err(GroupRefusal::Ledger(_))) {
            self.session = None;
        }
        result
    }

    /// Append one pulse read from this machine's clocks (a legacy pulse
    /// takes `utc_micros` for its time): its 1-based line in the pulse
    /// file. A legacy pulse is appended on its own (verifying the pulse
    /// chain); a native one through the open session, which a failed write
    /// drops.
    pub fn append_pulse(&mut self, utc_micros: i64) -> Result<u64, WriteError> {
        if self.ledger.format == Format::Legacy {
            let clock = PulseClock {
                utc_micros,
                monotonic_ns: i64::try_from(monotonic_ns()).unwrap_or(i64::MAX),
            };
            return legacy_pulse(&self.ledger.path, clock, None).map(|ack| ack.line);
        }
        let reading = ClockReading::now();
        let leaps = LeapSecondList::best_available().map_err(WriteError::Leaps)?;
        let Session::Native(writer) = self.open()? else {
            // The session is opened for the ledger's format, fixed.
            return Err(WriteError::PulseTime(PulseTimeError::OtherLedger));
        };
        match native_pulse(writer, &reading, &leaps) {
            Ok(ack) => Ok(ack.record.line),
            Err(e) => {
                self.session = None;
                Err(e)
            }
        }
    }

    /// Whether written records' follow-up lines wait for the next batch
    /// (a legacy session's manifest lines): call [`GroupWriter::flush`]
    /// when none comes soon.
    pub fn has_waiting_lines(&self) -> bool {
        matches!(&self.session, Some(Session::Legacy(l)) if l.has_waiting_lines())
    }

    /// Whether the session holds a batch record on disk (a legacy group
    /// commit's): call [`GroupWriter::release`] when the writer goes idle
    /// or stops.
    pub fn holds_batch_record(&self) -> bool {
        matches!(&self.session, Some(Session::Legacy(l)) if l.holds_batch_record())
    }

    /// Write the lines waiting for a next batch. On an error the session
    /// is dropped (the next write verifies again and completes them).
    pub fn flush(&mut self, now_micros: i64) -> Result<(), WriteError> {
        self.legacy_step(|l| l.flush(now_micros))
    }

    /// Flush, then remove the session's batch record. On an error the
    /// session is dropped.
    pub fn release(&mut self, now_micros: i64) -> Result<(), WriteError> {
        self.legacy_step(|l| l.release(now_micros))
    }

    fn legacy_step(
        &mut self,
        step: impl FnOnce(&mut LegacySession) -> Result<(), WriteError>,
    ) -> Result<(), WriteError> {
        let Some(Session::Legacy(l)) = &mut self.session else {
            return Ok(());
        };
        let done = step(l);
        if done.is_err() {
            self.session = None;
        }
        done
    }
}

fn append_native(
    writer: &mut NativeWriter,
    inputs: Vec<NewDescriptor>,
    now_micros: i64,
) -> Result<GroupAppended, GroupRefusal> {
    let acks = append_descriptor_records(writer, inputs, now_micros).map_err(|e| match e {
        WriteError::InvalidRecord(_) => GroupRefusal::Record(e),
        other => GroupRefusal::Ledger(other),
    })?;
    // The records are durable and acknowledged whatever the checkpoint
    // does (`iss checkpoint` signs later).
    let follow_up_failed = match writer.checkpoint_after_append(Chain::Descriptors) {
        CheckpointStatus::Failed(f) => Some(f),
        CheckpointStatus::Signed(_) | CheckpointStatus::NotSigned => None,
    };
    Ok(GroupAppended {
        last_line: acks.last().map(|a| a.record.line),
        descriptor_ids: acks.into_iter().map(|a| a.descriptor_id).collect(),
        follow_up_failed,
    })
}

fn append_legacy(
    session: &mut LegacySession,
    inputs: Vec<NewDescriptor>,
    now_micros: i64,
) -> Result<GroupAppended, GroupRefusal> {
    let done = session
        .append_group(inputs, now_micros)
        .map_err(|e| match e {
            WriteError::RecordDoesNotVerify(_) => GroupRefusal::Record(e),
            other => GroupRefusal::Ledger(other),
        })?;
    // The records are durable and acknowledged whatever the manifest line
    // did; a manifest line not written is finished by the next append or
    // `iss repair`.
    Ok(GroupAppended {
        last_line: done.acks.last().map(|a| a.line),
        descriptor_ids: done.acks.into_iter().map(|a| a.descriptor_id).collect(),
        follow_up_failed: done.witness.err(),
    })
}
