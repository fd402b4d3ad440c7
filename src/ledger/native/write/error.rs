//! Why a native write was refused: the typed reasons that
//! [`WriteError`](crate::ledger::write_error::WriteError), the one error of
//! every write, wraps for a native ledger: keys that do not fit, a ledger
//! that could not be verified, a record that is not valid, files that moved.

use crate::ledger::model::finding::Finding;
use crate::ledger::model::report::FileReport;
use crate::ledger::native::secret::SecretError;
use crate::ledger::write_error::WriteError;
use std::path::PathBuf;

/// Why the keys given do not fit the ledger (or the write).
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum KeyError {
    /// A checkpoint without the signing key.
    #[error("a checkpoint needs the signing key (--key FILE)")]
    NoSigningKey,
    /// A rotation without the key in use.
    #[error("a rotation is signed by the key in use (--key FILE)")]
    NoRotationKey,
    /// The ledger's keyring has no key in use.
    #[error("the ledger has no key in use")]
    NoKeyInUse,
    /// The signing key given is not the one in use.
    #[error("the signing key {given:08x} is not the ledger's current key {current:08x}")]
    NotCurrent {
        /// The given key's id.
        given: u32,
        /// The id of the key in use.
        current: u32,
    },
    /// A rotation recorded by another writer since this one opened retired
    /// the key it holds.
    #[error(
        "the signing key {given:08x} is no longer the ledger's key in use: a key rotation recorded in events.jsonl since this writer opened the ledger made {current:08x} the key in use; nothing was signed (open the ledger again with the new key)"
    )]
    RetiredSinceOpen {
        /// The held key's id.
        given: u32,
        /// The id of the key in use now.
        current: u32,
    },
    /// The HMAC key given is not the ledger's.
    #[error("the HMAC key given has id {given}, the ledger requires {required}")]
    WrongMacKey {
        /// The given key's id.
        given: String,
        /// The id the metadata requires.
        required: String,
    },
    /// A keyed ledger written without its HMAC key.
    #[error(
        "this ledger requires a MAC on every record: pass the HMAC key (--mac-key FILE, key id {required})"
    )]
    MacKeyRequired {
        /// The id the metadata requires.
        required: String,
    },
    /// An HMAC key given for a ledger that has none.
    #[error("this ledger is not keyed, but an HMAC key ({given}) was given")]
    NotKeyed {
        /// The given key's id.
        given: String,
    },
    /// A rotation's new key is not named after the ledger's origin.
    #[error("the new key is named {name:?}, expected the origin {origin:?}")]
    NewKeyName {
        /// The new key's name.
        name: String,
        /// The ledger's origin.
        origin: String,
    },
    /// A rotation's new key is one the ledger already trusts.
    #[error(
        "the new key {key_id:08x} is already trusted by this ledger: a rotation introduces a key never used before"
    )]
    NewKeyTrusted {
        /// The new key's id.
        key_id: u32,
    },
    /// A new HMAC key could not be made (the system's random source).
    #[error("{0}")]
    MacKeyGeneration(getrandom::Error),
    /// The keyring refused the rotation record.
    #[error("{0}")]
    Rotation(crate::ledger::native::keyring::RotationRefused),
    /// The signing key could not be named by a chain's origin line
    /// (docs/FORMAT.md §7.1).
    #[error("{0}")]
    OriginName(Box<crate::tlog::note::NoteError>),
    /// Signing the checkpoint failed.
    #[error("{0}")]
    Sign(Box<crate::tlog::checkpoint::CheckpointError>),
    /// A key file could not be read, created or used.
    #[error("{0}")]
    Secret(Box<SecretError>),
}

/// Why the ledger could not be verified before a write: no verdict is
/// taken from bytes that could not be read.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum Unverifiable {
    /// A file could not be read: its report, whose `error` is the
    /// verifier's located reason (file, line, why).
    #[error("{}", .0.error.as_deref().unwrap_or_default())]
    Unreadable(Box<FileReport>),
    /// The metadata (and so the keys) could not be read.
    #[error("no metadata")]
    NoMetadata,
    /// Verification left no state for a chain the write needs.
    #[error("no state for chain {0}")]
    NoChainState(crate::ledger::native::format::meta::Chain),
    /// A line of the chain could not be read, so it has no tree to sign.
    #[error("{}: a line could not be read", .0.display())]
    NoTree(PathBuf),
    /// The legacy ledger to migrate is not there or cannot be read.
    #[error("{0}")]
    Legacy(Box<crate::ledger::discover::DiscoverError>),
    /// The legacy ledger to migrate was not read to its end.
    #[error("the legacy ledger could not be read completely; run `iss verify`")]
    LegacyIncomplete,
    /// A legacy file changed while it was migrated.
    #[error("{} changed during the migration; run it again", .0.display())]
    ChangedDuringMigration(PathBuf),
}

/// Why a record (or a batch, or a new ledger) is not valid. Nothing was
/// written.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum InvalidRecord {
    /// An append of no records.
    #[error("an empty batch: nothing to append")]
    EmptyBatch,
    /// A descriptor id already in the chain or the batch (the message
    /// names both places).
    #[error("{0}")]
    IdTaken(crate::ledger::native::verify::unique_ids::IdTaken),
    /// The record line could not be built.
    #[error("record {index}: {error}")]
    Unbuildable {
        /// 1-based place in the batch.
        index: usize,
        /// Why.
        error: Box<crate::ledger::native::format::record::RecordError>,
    },
    /// The record line would not pass verification.
    #[error("record {index} would not verify: {}: {}", .finding.kind, .finding.detail)]
    WouldNotVerify {
        /// 1-based place in the batch.
        index: usize,
        /// The first finding.
        finding: Box<Finding>,
    },
    /// A descriptor's fields are not valid (one descriptor).
    #[error("{}", .problems.join("; "))]
    Descriptor {
        /// Each problem, in the user's terms.
        problems: Vec<String>,
    },
    /// A descriptor's fields are not valid (in a batch).
    #[error("record {index}: {}", .problems.join("; "))]
    DescriptorInBatch {
        /// 1-based place in the batch.
        index: usize,
        /// Each problem, in the user's terms.
        problems: Vec<String>,
    },
    /// A preview of no descriptor.
    #[error("nothing to append")]
    NothingToAppend,
    /// A descriptor append acknowledged no record.
    #[error("nothing written")]
    NothingWritten,
    /// A pulse or rotation append acknowledged no record.
    #[error("no record written")]
    NoRecordWritten,
    /// The pulse body cannot be made from the clock's reading.
    #[error("{0}")]
    Pulse(Box<crate::ledger::native::format::pulse::PulseError>),
    /// A body could not be serialised.
    #[error("{0}")]
    Json(serde_json::Error),
    /// `iss init` into a folder that is not empty.
    #[error("{} exists and is not empty: a ledger is created in a new or empty folder", .0.display())]
    NotEmpty(PathBuf),
    /// The origin cannot name a key.
    #[error("origin {origin:?}: {error}")]
    Origin {
        /// The origin given.
        origin: String,
        /// Why it cannot.
        error: Box<crate::tlog::note::NoteError>,
    },
    /// The new ledger's metadata does not pass its own check.
    #[error("{0}")]
    Metadata(crate::ledger::native::format::meta::MetadataProblem),
    /// The folder holds an unfinished `iss init`/`iss migrate`: the message
    /// says how to start again (`docs/CRASH_OUTCOMES.md`).
    #[error("{}", crate::ledger::native::write::init::start_again_hint(.dir, &.keys.iter().map(PathBuf::as_path).collect::<Vec<_>>()))]
    Unfinished {
        /// The folder.
        dir: PathBuf,
        /// The key files the command made there, or would have.
        keys: Vec<PathBuf>,
    },
    /// The genesis event could not be built.
    #[error("{0}")]
    Genesis(Box<crate::ledger::native::format::record::RecordError>),
    /// A legacy record could not be copied by a migration.
    #[error("{} line {line}: {reason}", .path.display())]
    Legacy {
        /// The legacy file.
        path: PathBuf,
        /// Its line.
        line: u64,
        /// Why (the record's own check).
        reason: String,
    },
    /// A migration's batch was refused.
    #[error("{0}")]
    Batch(Box<WriteError>),
}

/// How a file changed since it was verified, in a way an append cannot
/// explain. Nothing was written.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum Moved {
    /// The chain moved on since the preview.
    #[error(
        "{}: the chain moved on since the preview (the record would now be written as another line); nothing was written — preview again",
        .0.display()
    )]
    SincePreview(PathBuf),
    /// The written batch does not end where it was built to end.
    #[error("{}: the written batch does not end where it was built to end", .0.display())]
    BatchEnd(PathBuf),
    /// The history signs more records than the chain has.
    #[error("{} signs {signed} records but {} has {size}: the chain was truncated", .history.display(), .chain.display())]
    Truncated {
        /// The history file.
        history: PathBuf,
        /// The size its newest entry signs.
        signed: u64,
        /// The chain file.
        chain: PathBuf,
        /// The chain's records.
        size: u64,
    },
    /// The file ends in a torn line.
    #[error("{} ends in a torn line (an interrupted write): run `iss repair` first", .0.display())]
    Torn(PathBuf),
    /// The file is shorter than when it was verified.
    #[error("{} is shorter ({now} bytes) than when it was verified ({verified} bytes): it was truncated", .path.display())]
    Shorter {
        /// The file.
        path: PathBuf,
        /// Its length now.
        now: u64,
        /// Its length when verified.
        verified: u64,
    },
    /// The last verified line changed.
    #[error("{}: the last verified line (at byte {start}) changed since it was verified: run `iss verify`", .path.display())]
    LastLineChanged {
        /// The file.
        path: PathBuf,
        /// Where the line starts.
        start: u64,
    },
    /// The file changed while it was being read.
    #[error("{}: changed while being read", .0.display())]
    WhileReading(PathBuf),
    /// The history's last entry is not a checkpoint.
    #[error("{}: the last entry is not a checkpoint ({reason}): run `iss verify`", .path.display())]
    NotACheckpoint {
        /// The history file.
        path: PathBuf,
        /// Why it does not parse.
        reason: serde_json::Error,
    },
}

#[cfg(test)]
mod tests {
    use super::{InvalidRecord, KeyError, WriteError};
    use crate::ledger::native::verify::unique_ids::{IdTaken, TakenBy};
    use std::path::PathBuf;

    fn text(e: InvalidRecord) -> String {
        WriteError::InvalidRecord(e).to_string()
    }

    /// The typed reasons say exactly what their `String` payloads said.
    #[test]
    fn typed_reasons_keep_their_messages() {
        let taken = |by| {
            text(InvalidRecord::IdTaken(IdTaken {
                record: 3,
                id: "d-1".into(),
                by,
            }))
        };
        assert_eq!(
            taken(TakenBy::Line(5)),
            "refusing to write: record 3: DUPLICATE_ID: descriptor_id \"d-1\" is already the id of descriptors.jsonl line 5 (record 4); a descriptor id names one record of a ledger (`iss audit` looks it up by id), so nothing was written"
        );
        assert_eq!(
            taken(TakenBy::Batch(1)),
            "refusing to write: record 3: DUPLICATE_ID: descriptor_id \"d-1\" is already the id of record 1 of this batch; a descriptor id names one record of a ledger (`iss audit` looks it up by id), so nothing was written"
        );
        let unfinished = text(InvalidRecord::Unfinished {
            dir: PathBuf::from("/l"),
            keys: vec![PathBuf::from("/l.key"), PathBuf::from("/l.mac")],
        });
        assert_eq!(
            unfinished,
            "refusing to write: /l holds an unfinished `iss init` or `iss migrate` (it has the file .iss-init-unfinished): it is not a ledger, and the legacy ledger a migration reads was only read. To start again, remove the folder and the key file(s) it made (`/l.key` and `/l.mac`, where present), then run the command again"
        );
        let origin = crate::tlog::note::Signer::generate("iss.test/a")
            .unwrap()
            .renamed("")
            .unwrap_err();
        let said = origin.to_string();
        assert_eq!(
            WriteError::Key(KeyError::OriginName(Box::new(origin))).to_string(),
            format!("refusing to write: {said}")
        );
    }
}
