//! What the native writer acknowledges: records, checkpoints, and the
//! checkpoint after an append (which may fail after the records it follows
//! are durable).

use crate::ledger::append::{FollowUpFailed, command_for};
use serde::Serialize;
use std::path::Path;

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
    /// Why the latest-checkpoint file could not be replaced, when it could
    /// not: the history entry, which is authoritative, is durable, and
    /// `iss verify` reports `CHECKPOINT_LAG` until a later checkpoint (or
    /// `iss repair`) replaces the file.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub latest_not_written: Option<String>,
    /// The checkpoint's origin (`<ledger origin>/<chain>`).
    pub origin: String,
    /// The signed checkpoint note: save it to verify later with `iss
    /// verify --trust` that the ledger still contains this tree.
    pub note: String,
}

/// The checkpoint after an append. The records are durable and
/// acknowledged whatever this says.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum CheckpointStatus {
    /// Signed and written (history and latest file).
    Signed(CheckpointAck),
    /// Not attempted: the writer has no signing key (or was not asked to sign).
    NotSigned,
    /// Attempted and not (fully) written: what failed, and the command that
    /// finishes it.
    Failed(FollowUpFailed),
}

impl CheckpointStatus {
    /// The signed checkpoint, when there is one.
    pub fn ack(&self) -> Option<&CheckpointAck> {
        match self {
            CheckpointStatus::Signed(a) => Some(a),
            _ => None,
        }
    }

    /// The failure, when the checkpoint failed.
    pub fn failure(&self) -> Option<&FollowUpFailed> {
        match self {
            CheckpointStatus::Failed(f) => Some(f),
            _ => None,
        }
    }
}

impl CheckpointAck {
    /// The follow-up a checkpoint whose latest file was not replaced
    /// leaves, for the ledger in `dir`.
    pub fn follow_up(&self, dir: &Path) -> Option<FollowUpFailed> {
        self.latest_not_written.as_ref().map(|e| FollowUpFailed {
            what: format!(
                "checkpoint of {} (size {} is in the history; the latest-checkpoint file was not (durably) replaced)",
                self.chain, self.size
            ),
            error: e.clone(),
            finish_with: command_for("checkpoint", dir),
        })
    }
}
