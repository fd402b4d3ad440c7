//! How a write ends, in the terms of the exit-code contract.
//!
//! Every write command ends in exactly one of these outcomes, so that a
//! user (or a script) never has to guess whether to retry:
//!
//! | outcome | exit | meaning |
//! |---|---|---|
//! | done | 0 | everything asked for is durable, read back and acknowledged |
//! | refused: violated | 1 | the ledger does not verify; nothing was written |
//! | nothing changed | 2 | refused or failed; the ledger's files are as they were |
//! | durable, follow-up failed | 3 | the records are durable and acknowledged (printed); a later step of the same write (a manifest line, a checkpoint) failed and is named with the command that finishes it |
//!
//! "Nothing changed" has one documented exception: a write that found an
//! earlier write's missing step and completed it first (saying so, on its
//! own line) keeps that completion when its own part then fails.
//!
//! [`FollowUpFailed`] is the "durable, follow-up failed" part, shared by
//! the legacy writer (the manifest line after the chain line) and the
//! native writer (the checkpoint after the record).

use serde::Serialize;
use std::fmt;

/// Exit status: everything written, durable and acknowledged.
pub const EXIT_DONE: u8 = 0;
/// Exit status: refused, because the ledger does not verify.
pub const EXIT_REFUSED_VIOLATED: u8 = 1;
/// Exit status: nothing was written (refused, or an I/O error undone).
pub const EXIT_NOTHING_CHANGED: u8 = 2;
/// Exit status: the records are durable and acknowledged; a follow-up
/// step failed (see [`FollowUpFailed`]).
pub const EXIT_DURABLE_FOLLOW_UP_FAILED: u8 = 3;

/// The step after a durable write that did not happen: what, why, and the
/// command that finishes it. The records themselves are durable and were
/// acknowledged; retrying the write would duplicate them.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct FollowUpFailed {
    /// What was not done, in the user's terms ("writing the manifest
    /// line", "checkpoint of descriptors").
    pub what: String,
    /// Why: the error, with its file.
    pub error: String,
    /// The command that finishes it (`iss checkpoint PATH`, `iss repair PATH`).
    pub finish_with: String,
}

impl fmt::Display for FollowUpFailed {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(
            f,
            "{} failed: {} — run `{}`",
            self.what, self.error, self.finish_with
        )
    }
}

/// The command line `iss <command> <path>`, quoted for a shell when needed.
pub fn command_for(command: &str, path: &std::path::Path) -> String {
    let p = path.display().to_string();
    let plain = !p.is_empty()
        && p.bytes()
            .all(|b| b.is_ascii_alphanumeric() || b"/._-+,:@%".contains(&b));
    if plain {
        format!("iss {command} {p}")
    } else {
        format!("iss {command} '{}'", p.replace('\'', r"'\''"))
    }
}
