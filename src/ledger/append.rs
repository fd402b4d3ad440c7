//! The one way to write to a ledger.
//!
//! Everything else in the workstation only reads. Writing is the place where
//! a forensic tool can destroy what it exists to protect, so every write goes
//! through this module, which holds to three rules:
//!
//! 1. **One writer at a time**, per ledger directory: [`LedgerLock`] (an
//!    `flock` on `<dir>/.iss-lock`) makes threads and processes queue. Every
//!    write takes a `&mut LedgerLock`, so the compiler checks that the lock
//!    is held and that no two writes share one lock at the same time.
//! 2. **Only onto what was verified**: the caller passes the [`Tail`] it
//!    verified (length and last-line hash); [`append_lines`] compares it with
//!    the file, read from its end, and refuses on any difference or on a torn
//!    last line, before writing a byte.
//! 3. **Acknowledge only what is durable and read back**: a batch is one
//!    `write`, one `fdatasync`, then a read-back through a fresh handle;
//!    only [`Appended`] means the caller may tell anyone it was written.
//!
//! A torn last line (a writer killed mid-write) blocks appends until
//! [`repair_torn_tail`] cuts it, after saving the cut bytes to a backup.
//!
//! An acknowledgement is a one-way promise: an acknowledged batch is in the
//! file, but a crash between the write and the acknowledgement leaves
//! complete lines nobody acknowledged. A caller that retries after a crash
//! must verify the ledger again and look for its records before re-sending.
//!
//! Every write command ends in one of four outcomes (module `outcome`:
//! done, refused because violated, nothing changed, or durable with a
//! [`FollowUpFailed`] to finish), and every file-system call of a write goes
//! through the [`Storage`] its lock carries: the operating system in the
//! product, a fault plan in tests (module `fault`), so that the state left
//! by a stop at each step can be visited and shown to be finished by
//! `iss repair` or the next write.
//!
//! ```
//! use iss_workstation::ledger::append::{append_lines, AppendOptions, LedgerLock, Tail, TailState};
//! # fn main() -> Result<(), Box<dyn std::error::Error>> {
//! # let dir = tempfile::tempdir()?;
//! let path = dir.path().join("chain.jsonl");
//! let mut lock = LedgerLock::acquire(dir.path())?;
//! // In the product the tail comes from verifying the file under this lock.
//! let expected = match Tail::read(&path)? {
//!     TailState::Missing | TailState::Empty => Tail::EMPTY,
//!     TailState::Clean(tail) => tail,
//!     TailState::Torn { .. } => return Err("run `iss repair` first".into()),
//! };
//! let done = append_lines(&mut lock, &path, &expected, &[r#"{"n":1}"#, r#"{"n":2}"#],
//!     AppendOptions { create: true })?;
//! assert_eq!(done.line_offsets, vec![0, 8]);
//! assert_eq!(Tail::read(&path)?, TailState::Clean(done.new_tail));
//! # Ok(())
//! # }
//! ```

mod error;
#[cfg(any(test, debug_assertions))]
pub mod fault;
mod fsio;
mod lock;
mod outcome;
mod record;
mod repair;
mod storage;
mod tail;
mod writer;

#[cfg(test)]
mod tests;

pub use error::{AppendError, LineProblem, Op};
pub use lock::{LOCK_FILE_NAME, LedgerLock};
pub use outcome::{
    EXIT_DONE, EXIT_DURABLE_FOLLOW_UP_FAILED, EXIT_NOTHING_CHANGED, EXIT_REFUSED_VIOLATED,
    FollowUpFailed, command_for,
};
pub use record::{file_name, remove_file, write_record_file};
pub use repair::{Repair, TornRemoved, repair_torn_tail};
#[cfg(test)]
pub(crate) use storage::with_thread_storage;
pub use storage::{OsStorage, Storage, SyncKind, default_storage};
pub use tail::{Tail, TailState};
pub use writer::{
    AppendOptions, Appended, append_lines, append_lines_together, sync_file, validate_line,
};
