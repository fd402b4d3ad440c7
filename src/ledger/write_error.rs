//! The one error of every write, for both formats.
//!
//! As redb's `error.rs` does it: one storage error, the append module's
//! [`AppendError`] (locking, the tail check, the write, the fsync, the
//! read-back), is wrapped by [`WriteError`], beside the typed reasons a
//! write is refused before anything is written. The reasons that belong to
//! one format keep their own enum in that format's write module
//! ([`NotAppendable`] for legacy; [`Unverifiable`], [`InvalidRecord`],
//! [`KeyError`] and [`Moved`] for native); what both share (the ledger does
//! not verify, the storage error) is one variant.
//!
//! Nothing is acknowledged unless a write returns `Ok`.

use crate::ledger::append::AppendError;
use crate::ledger::discover::DiscoverError;
use crate::ledger::legacy::write::append::NotAppendable;
use crate::ledger::model::finding::Finding;
use crate::ledger::native::write::{InvalidRecord, KeyError, Moved, Unverifiable};
use std::fmt;
use std::path::PathBuf;

/// Why a write was refused or failed. Nothing is acknowledged unless the
/// result is `Ok`.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum WriteError {
    /// The path holds no ledger.
    #[error(transparent)]
    Discover(#[from] DiscoverError),
    /// A legacy ledger cannot take this append (a file missing or unread, a
    /// manifest out of step, an input the format has no place for).
    #[error("{0}")]
    NotAppendable(NotAppendable),
    /// The ledger does not verify: writing would bury the evidence.
    #[error("refusing to {refusing}: the ledger does not verify ({} violation(s)); run `iss verify` for details", .violations.len())]
    Violated {
        /// What was refused (the word the message uses).
        refusing: Refusing,
        /// Each violation, with the name of its file.
        violations: Vec<(String, Finding)>,
    },
    /// A new legacy record would not verify.
    #[error("refusing to append: the new record does not verify: {}", describe(.0))]
    RecordDoesNotVerify(Vec<Finding>),
    /// The legacy record built under the lock is not the one previewed:
    /// the chain changed since the preview. Nothing was written.
    #[error(
        "refusing to append: the ledger changed since the preview (the record would now be written differently); nothing was written; preview again"
    )]
    PreviewStale {
        /// The previewed line(s).
        expected: String,
        /// The line(s) built now.
        built: String,
    },
    /// A file of a native ledger could not be read, so the ledger could not
    /// be verified.
    #[error("refusing to write: {0}")]
    Unverifiable(Unverifiable),
    /// The native record to write is not valid.
    #[error("refusing to write: {0}")]
    InvalidRecord(InvalidRecord),
    /// The keys given do not fit the native ledger.
    #[error("refusing to write: {0}")]
    Key(KeyError),
    /// A file changed since it was verified in a way an append cannot explain.
    #[error("refusing to write: {0}")]
    Moved(Moved),
    /// The storage error: locking, the tail check, the write, the fsync or
    /// the read-back failed.
    #[error(transparent)]
    Append(Box<AppendError>),
    /// The time given for a pulse does not fit the ledger's format.
    #[error(transparent)]
    PulseTime(PulseTimeError),
    /// The leap-second list a native pulse is built with cannot be read.
    #[error(transparent)]
    Leaps(crate::time::leap_seconds::LeapListError),
    /// Another I/O failure, with its path.
    #[error("{}: {error}", .path.display())]
    Io {
        /// The file.
        path: PathBuf,
        /// The operating system's reason (not a `source`: the message
        /// already says it).
        error: std::io::Error,
    },
}

impl From<AppendError> for WriteError {
    fn from(e: AppendError) -> Self {
        WriteError::Append(Box::new(e))
    }
}

impl WriteError {
    /// Whether the message already says how to start an unfinished
    /// `iss init`/`iss migrate` again (so a caller does not say it twice).
    pub fn says_how_to_start_again(&self) -> bool {
        match self {
            WriteError::InvalidRecord(InvalidRecord::Unfinished { .. }) => true,
            WriteError::InvalidRecord(InvalidRecord::Batch(inner)) => {
                inner.says_how_to_start_again()
            }
            _ => false,
        }
    }
}

/// What a write refused on a ledger that does not verify: the word the
/// message uses (a legacy ledger refuses to "append", a native one to
/// "write").
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Refusing {
    /// A legacy append.
    Append,
    /// A native write (a record, a checkpoint, a rotation, a migration).
    Write,
}

impl fmt::Display for Refusing {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(match self {
            Refusing::Append => "append",
            Refusing::Write => "write",
        })
    }
}

/// Why the time given for a pulse does not fit the ledger's format
/// (nothing was opened or written).
#[derive(Debug, thiserror::Error)]
pub enum PulseTimeError {
    /// A legacy pulse's monotonic count is a signed 64-bit number.
    #[error("the monotonic clock is out of range")]
    MonotonicRange(#[source] std::num::TryFromIntError),
    /// A legacy pulse's time is microseconds since 1970.
    #[error("the system clock is before 1970")]
    BeforeEpoch,
    /// A native pulse's monotonic count is never negative.
    #[error("the monotonic time must not be negative")]
    NegativeMonotonic(#[source] std::num::TryFromIntError),
    /// A time converted for one ledger given to another ledger's writer.
    #[error("the pulse time was converted for a ledger of another format")]
    OtherLedger,
}

fn describe(findings: &[Finding]) -> String {
    findings
        .iter()
        .map(|f| format!("{}: {}", f.kind, f.detail))
        .collect::<Vec<_>>()
        .join("; ")
}

#[cfg(test)]
mod tests;
