//! `iss repair` through a [`Ledger`]: the ledger's format decides which
//! repair runs, here, and what it did comes back typed for the command to
//! print. A native repair records itself in the ledger (an `events` record
//! per cut, then signed checkpoints); the legacy format has no place for
//! one, so its repair cuts each torn last line (each cut handed to the
//! caller as soon as it is made, as an append acknowledges its durable
//! records), then writes the manifest lines an interrupted append did not
//! write and removes stale batch records.
//!
//! A legacy repair can stop part-way after durable cuts: its result then
//! carries the cuts made and which step failed ([`LegacyEnd`]), so the
//! caller can say what is done and what to run again. Nothing is written
//! here: `legacy::write::repair`, `native::write::repair` and
//! `ledger::append` do it.

use super::{Format, Ledger};
use crate::ledger::append::{
    AppendError, LedgerLock, Repair, Tail, TailState, TornRemoved, repair_torn_tail,
};
use crate::ledger::discover::{DiscoverError, discover};
use crate::ledger::legacy::write::repair::complete_manifest_and_batches;
use crate::ledger::write_error::WriteError;
use std::fmt;
use std::path::{Path, PathBuf};

pub use crate::ledger::legacy::write::repair::{BatchRecordsRemoved, Completed};
pub use crate::ledger::native::write::repair::Repaired as NativeRepaired;

/// What [`Ledger::repair`] did.
#[derive(Debug)]
pub enum Repaired {
    /// A native ledger: the cuts and their `events` records, the
    /// checkpoints signed, the interrupted checkpoints finished, and a
    /// follow-up step that failed after durable ones
    /// (`follow_up_failed`), if any.
    Native(Box<NativeRepaired>),
    /// A legacy ledger: the cuts made, and how the repair ended.
    Legacy(Box<LegacyRepaired>),
}

/// One torn last line a legacy repair cut.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct LegacyCut {
    /// The file that was cut.
    pub file: PathBuf,
    /// What was removed, and where its copy is kept.
    pub removed: TornRemoved,
}

/// What a legacy repair did: its cuts (each also handed to `on_cut` when it
/// was made), and how it ended.
#[derive(Debug)]
pub struct LegacyRepaired {
    /// The cuts made, in discovery order (all of them, or those made before
    /// [`LegacyEnd::CutFailed`]).
    pub cuts: Vec<LegacyCut>,
    /// How the repair ended.
    pub end: LegacyEnd,
}

impl LegacyRepaired {
    /// The first cut whose fsync failed (the cut is made but may not
    /// survive a crash), by its error.
    pub fn unsynced(&self) -> Option<&str> {
        self.cuts
            .iter()
            .find_map(|c| c.removed.sync_error.as_deref())
    }
}

/// How a legacy repair ended.
#[derive(Debug)]
pub enum LegacyEnd {
    /// Every torn line was cut and the manifest completed: the lines
    /// written (`None` when every record was attested already), then the
    /// stale batch records removed, or why one could not be (the
    /// completion is durable either way).
    Completed {
        /// The manifest lines written, and the file recording them.
        completed: Option<Completed>,
        /// The batch records removed, or the failure that stopped it.
        batch_records: BatchRecordsRemoved,
    },
    /// A cut failed after the cuts in [`LegacyRepaired::cuts`] were made
    /// (a failure before any cut is a [`RepairError`]); nothing after it
    /// was tried.
    CutFailed(AppendError),
    /// Completing the manifest was refused (a violated ledger) or failed,
    /// after the cuts, if any: no manifest line was acknowledged.
    NotCompleted(WriteError),
}

/// Why a repair stopped with nothing of its own to report: nothing was
/// changed, except that a legacy repair's cuts already handed to `on_cut`
/// stay made (a caller's error `E` comes after them, as the caller's
/// clock is read after the cuts).
#[derive(Debug)]
pub enum RepairError<E> {
    /// A native repair refused, or failed before anything was durable.
    Refused(WriteError),
    /// The legacy files cannot be found.
    Discover(DiscoverError),
    /// A legacy file's tail cannot be read, or its first cut failed.
    Storage(AppendError),
    /// The caller's own error: its clock, or `on_cut`.
    Caller(E),
}

impl<E: fmt::Display> fmt::Display for RepairError<E> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            RepairError::Refused(e) => e.fmt(f),
            RepairError::Discover(e) => e.fmt(f),
            RepairError::Storage(e) => e.fmt(f),
            RepairError::Caller(e) => e.fmt(f),
        }
    }
}

impl<E: fmt::Display + fmt::Debug> std::error::Error for RepairError<E> {}

impl Ledger {
    /// Repair the ledger: cut torn last lines (copies kept beside it); on a
    /// native ledger record the cuts and finish interrupted checkpoints
    /// with its keys; on a legacy one hand each cut to `on_cut` as soon as
    /// it is made (an error from it stops the repair there), then write the
    /// manifest lines an interrupted append did not write, timed by
    /// `now_micros` (read only then), and remove stale batch records.
    pub fn repair<E>(
        &self,
        now_micros: impl FnOnce() -> Result<i64, E>,
        on_cut: &mut dyn FnMut(&LegacyCut) -> Result<(), E>,
    ) -> Result<Repaired, RepairError<E>> {
        match self.format {
            Format::Native => {
                let keys = self.keys.clone();
                crate::ledger::native::write::repair::repair_native(
                    &self.path,
                    keys.signer,
                    keys.mac_key,
                )
                .map(|done| Repaired::Native(Box::new(done)))
                .map_err(RepairError::Refused)
            }
            Format::Legacy => repair_legacy(&self.path, now_micros, on_cut)
                .map(|done| Repaired::Legacy(Box::new(done))),
        }
    }
}

/// The legacy repair ([`Ledger::repair`]).
fn repair_legacy<E>(
    root: &Path,
    now_micros: impl FnOnce() -> Result<i64, E>,
    on_cut: &mut dyn FnMut(&LegacyCut) -> Result<(), E>,
) -> Result<LegacyRepaired, RepairError<E>> {
    let found = discover(root).map_err(RepairError::Discover)?;
    let mut cuts = Vec::new();
    for file in &found.found {
        let tail = Tail::read(&file.path).map_err(RepairError::Storage)?;
        if !matches!(tail, TailState::Torn { .. }) {
            continue;
        }
        let dir = file.path.parent().unwrap_or(Path::new("."));
        let cut =
            LedgerLock::acquire(dir).and_then(|mut l| repair_torn_tail(&mut l, &file.path, dir));
        let cut = match cut {
            Ok(c) => c,
            Err(e) if cuts.is_empty() => return Err(RepairError::Storage(e)),
            Err(e) => {
                return Ok(LegacyRepaired {
                    cuts,
                    end: LegacyEnd::CutFailed(e),
                });
            }
        };
        if let Repair::Truncated(removed) = cut {
            let cut = LegacyCut {
                file: file.path.clone(),
                removed,
            };
            on_cut(&cut).map_err(RepairError::Caller)?;
            cuts.push(cut);
        }
    }
    let now = now_micros().map_err(RepairError::Caller)?;
    let end = match complete_manifest_and_batches(root, now) {
        Ok((completed, batch_records)) => LegacyEnd::Completed {
            completed,
            batch_records,
        },
        Err(e) => LegacyEnd::NotCompleted(e),
    };
    Ok(LegacyRepaired { cuts, end })
}

#[cfg(test)]
#[path = "repair_tests.rs"]
mod tests;
