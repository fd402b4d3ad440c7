//! Findings: what verification reports about a ledger file.
//!
//! A finding is precise by construction: a stable kind name that scripts can
//! match on, a severity, the 1-based line and byte offset it was found at,
//! the record id when the line had one, and the expected and found values.
//! The file a finding belongs to is carried by the file report that holds it.

use serde::Serialize;
use std::fmt;

/// How much a finding weighs.
///
/// A violation means the ledger is not what it claims to be (edited, broken,
/// truncated, a required file missing); any violation makes `iss verify`
/// exit 1. An incomplete finding says that something could not be read, so
/// the checks that need it were not run: no verdict is drawn from bytes
/// that were not read, and without a violation `iss verify` exits 2. A
/// warning is something a reviewer should look at that does not by itself
/// prove tampering (a clock step, a Windows line ending, a gap in the
/// pulses).
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize)]
#[serde(rename_all = "lowercase")]
pub enum Severity {
    /// Evidence that the file is not the file that was written.
    Violation,
    /// The file (or part of it) could not be read: what needs it was not
    /// checked, and the ledger is not verified.
    Incomplete,
    /// Worth a reviewer's look; not by itself proof of tampering.
    Warning,
}

impl fmt::Display for Severity {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(match self {
            Severity::Violation => "violation",
            Severity::Incomplete => "incomplete",
            Severity::Warning => "warning",
        })
    }
}

/// The stable kind of a finding. The `SCREAMING_SNAKE_CASE` names are part
/// of the JSON interface and never change meaning.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize)]
#[serde(rename_all = "SCREAMING_SNAKE_CASE")]
#[non_exhaustive]
pub enum FindingKind {
    /// A stored hash does not match the hash recomputed from the record.
    HashMismatch,
    /// A record does not link to the record before it (deleted, inserted or
    /// reordered records), or the first record is not a genesis record.
    ChainBreak,
    /// A line is not valid JSON, not UTF-8, or not a JSON object.
    ParseError,
    /// A record is valid JSON but a field is missing, of the wrong type, or
    /// out of its allowed range.
    SchemaError,
    /// The file ends in an incomplete line (no final newline): an
    /// interrupted write, or a cut file.
    TornTail,
    /// A record id appears more than once.
    DuplicateId,
    /// An integrity manifest line does not match the chain it attests.
    ManifestMismatch,
    /// The chain is shorter than an independent witness says it was.
    Truncated,
    /// The constitutional log and the manifest binding lines disagree.
    BindingMismatch,
    /// The file carries no hash chain at all: nothing in it can be verified.
    Unchained,
    /// A derived index disagrees with the records it indexes.
    IndexMismatch,
    /// A native record's bytes outside its hashed parts differ from the one
    /// allowed framing.
    NonCanonical,
    /// A line is longer than the reader's limit and was not parsed.
    LineTooLong,
    /// A watched file was rewritten, truncated, replaced or deleted while it
    /// was being watched (`iss watch`, the workstation's live view).
    FileChanged,
    /// A blank line where the writer never writes one.
    BlankLine,
    /// A line ends in CR LF where the writer writes LF.
    CrlfLineEnding,
    /// The file starts with a UTF-8 byte order mark the writer never writes.
    ByteOrderMark,
    /// A pulse's wall clock runs backwards relative to the pulse before it.
    TimeBackwards,
    /// Wall-clock and monotonic intervals disagree within one run: a clock
    /// step, a suspend, or edited timestamps.
    ClockStep,
    /// An interval between pulses far larger than the typical interval.
    TimeGap,
    /// A pulse's `et_s` does not match the value recomputed from its Unix
    /// time (or is physically wrong for its era).
    EtMismatch,
    /// A pulse's ISO 8601 time and its Unix time disagree.
    IsoUnixMismatch,
    /// A pulse's Julian date or epoch-days value disagrees with its Unix time.
    JdMismatch,
    /// A pulse id seen before.
    DuplicatePulse,
    /// The monotonic counter went backwards: a new run segment starts here
    /// (a restart, or reordered pulses).
    RunRestart,
    /// A pulse within seconds of a leap second: review by hand.
    LeapSecondWindow,
    /// A record's MAC does not match its key and content.
    MacMismatch,
    /// A record lacks the MAC the ledger's metadata requires (or names another key).
    MacMissing,
    /// A signed checkpoint does not verify with any key trusted for it.
    SignatureInvalid,
    /// A signed checkpoint's root or size does not match the chain file.
    CheckpointMismatch,
    /// The latest-checkpoint file lags the checkpoint history (an
    /// interrupted checkpoint write); the history is authoritative.
    CheckpointLag,
    /// The metadata file, or the genesis event that binds it, is wrong.
    MetadataMismatch,
    /// A key rotation record does not verify.
    RotationInvalid,
    /// A retired signing key has the last word: after a key rotation, a
    /// chain's newest checkpoint is not signed by the key in use (or covers
    /// less than the rotation), or a retired key signed a checkpoint after
    /// its successor had.
    RetiredKey,
    /// A native pulse's ΔAT was assumed: the writer's leap-second list had
    /// expired, so its TAI, TT and TDB may be off by whole seconds.
    DeltaAtAssumed,
    /// A native pulse's ΔAT differs from the one the current leap-second
    /// list gives for its UTC instant.
    DeltaAtMismatch,
    /// A file of the ledger (or part of it) could not be read (permissions,
    /// an I/O error, not a regular file): the checks that need its bytes
    /// were not run, and the ledger is incomplete, not tampered.
    Unreadable,
    /// A file the layout requires, given what the other files hold, is not
    /// there (a manifest beside a chain with records, a chain the metadata
    /// names): its absence is evidence, not an omission of the copy.
    MissingFile,
    /// The ledger is smaller than a checkpoint the verifier trusts (saved
    /// earlier, remembered, or a proof's): records were removed or an
    /// older copy was restored.
    Rollback,
    /// The ledger is as large as a checkpoint the verifier trusts, or
    /// larger, but does not contain its tree: another history was written
    /// in its place.
    Fork,
    /// A checkpoint is signed only by keys the verifier was not given
    /// (`--vkey`): keys named by the ledger alone do not count.
    SignatureUntrusted,
    /// A stored RFC 3161 timestamp token does not prove its checkpoint: it
    /// is not a token, its signature or signed attributes fail, or its
    /// message imprint is not the SHA-256 of the checkpoint note it names.
    TimestampInvalid,
    /// A stored timestamp token is not signed by a TSA certificate the
    /// verifier was given (`--tsa-cert`): the time it states is not proven.
    TimestampUntrusted,
    /// A repair's backup of bytes it cut (or was about to cut) that no
    /// `events` record names: the repair stopped before recording its cut.
    UnrecordedRepair,
    /// An `iss init` or `iss migrate` that did not finish left this folder:
    /// it is not a ledger yet, and its records (if any) are not signed.
    IncompleteInit,
    /// A chain's newest signed checkpoint lacks the witness cosignatures the
    /// verifier's policy asks for (`iss verify --policy`).
    WitnessPolicy,
    /// A published hash tile or entry bundle (`docs/TILES.md`) disagrees
    /// with the tree recomputed from the published entries, or is not a
    /// valid bundle (`iss verify URL`, `iss watch URL`).
    TileMismatch,
}

impl FindingKind {
    /// The stable name, as it appears in JSON and in human output.
    pub fn name(self) -> &'static str {
        match self {
            FindingKind::HashMismatch => "HASH_MISMATCH",
            FindingKind::ChainBreak => "CHAIN_BREAK",
            FindingKind::ParseError => "PARSE_ERROR",
            FindingKind::SchemaError => "SCHEMA_ERROR",
            FindingKind::TornTail => "TORN_TAIL",
            FindingKind::DuplicateId => "DUPLICATE_ID",
            FindingKind::ManifestMismatch => "MANIFEST_MISMATCH",
            FindingKind::Truncated => "TRUNCATED",
            FindingKind::BindingMismatch => "BINDING_MISMATCH",
            FindingKind::Unchained => "UNCHAINED",
            FindingKind::IndexMismatch => "INDEX_MISMATCH",
            FindingKind::NonCanonical => "NON_CANONICAL",
            FindingKind::LineTooLong => "LINE_TOO_LONG",
            FindingKind::FileChanged => "FILE_CHANGED",
            FindingKind::BlankLine => "BLANK_LINE",
            FindingKind::CrlfLineEnding => "CRLF_LINE_ENDING",
            FindingKind::ByteOrderMark => "BYTE_ORDER_MARK",
            FindingKind::TimeBackwards => "TIME_BACKWARDS",
            FindingKind::ClockStep => "CLOCK_STEP",
            FindingKind::TimeGap => "TIME_GAP",
            FindingKind::EtMismatch => "ET_MISMATCH",
            FindingKind::IsoUnixMismatch => "ISO_UNIX_MISMATCH",
            FindingKind::JdMismatch => "JD_MISMATCH",
            FindingKind::DuplicatePulse => "DUPLICATE_PULSE",
            FindingKind::RunRestart => "RUN_RESTART",
            FindingKind::LeapSecondWindow => "LEAP_SECOND_WINDOW",
            FindingKind::MacMismatch => "MAC_MISMATCH",
            FindingKind::MacMissing => "MAC_MISSING",
            FindingKind::SignatureInvalid => "SIGNATURE_INVALID",
            FindingKind::CheckpointMismatch => "CHECKPOINT_MISMATCH",
            FindingKind::CheckpointLag => "CHECKPOINT_LAG",
            FindingKind::MetadataMismatch => "METADATA_MISMATCH",
            FindingKind::RotationInvalid => "ROTATION_INVALID",
            FindingKind::RetiredKey => "RETIRED_KEY",
            FindingKind::DeltaAtAssumed => "DELTA_AT_ASSUMED",
            FindingKind::DeltaAtMismatch => "DELTA_AT_MISMATCH",
            FindingKind::Unreadable => "UNREADABLE",
            FindingKind::MissingFile => "MISSING_FILE",
            FindingKind::Rollback => "ROLLBACK",
            FindingKind::Fork => "FORK",
            FindingKind::SignatureUntrusted => "SIGNATURE_UNTRUSTED",
            FindingKind::TimestampInvalid => "TIMESTAMP_INVALID",
            FindingKind::TimestampUntrusted => "TIMESTAMP_UNTRUSTED",
            FindingKind::UnrecordedRepair => "UNRECORDED_REPAIR",
            FindingKind::IncompleteInit => "INCOMPLETE_INIT",
            FindingKind::WitnessPolicy => "WITNESS_POLICY",
            FindingKind::TileMismatch => "TILE_MISMATCH",
        }
    }

    /// The severity a finding of this kind has unless the check that raises
    /// it says otherwise.
    pub fn default_severity(self) -> Severity {
        match self {
            FindingKind::HashMismatch
            | FindingKind::ChainBreak
            | FindingKind::ParseError
            | FindingKind::SchemaError
            | FindingKind::TornTail
            | FindingKind::DuplicateId
            | FindingKind::ManifestMismatch
            | FindingKind::Truncated
            | FindingKind::BindingMismatch
            | FindingKind::LineTooLong
            | FindingKind::FileChanged
            | FindingKind::NonCanonical
            | FindingKind::MacMismatch
            | FindingKind::MacMissing
            | FindingKind::SignatureInvalid
            | FindingKind::CheckpointMismatch
            | FindingKind::MetadataMismatch
            | FindingKind::RotationInvalid
            | FindingKind::RetiredKey
            | FindingKind::MissingFile
            | FindingKind::Rollback
            | FindingKind::Fork
            | FindingKind::SignatureUntrusted
            | FindingKind::TimestampInvalid
            | FindingKind::TimestampUntrusted
            | FindingKind::UnrecordedRepair
            | FindingKind::IncompleteInit
            | FindingKind::WitnessPolicy
            | FindingKind::TileMismatch => Severity::Violation,
            FindingKind::Unreadable => Severity::Incomplete,
            FindingKind::Unchained
            | FindingKind::IndexMismatch
            | FindingKind::BlankLine
            | FindingKind::CrlfLineEnding
            | FindingKind::ByteOrderMark
            | FindingKind::TimeBackwards
            | FindingKind::ClockStep
            | FindingKind::TimeGap
            | FindingKind::EtMismatch
            | FindingKind::IsoUnixMismatch
            | FindingKind::JdMismatch
            | FindingKind::DuplicatePulse
            | FindingKind::RunRestart
            | FindingKind::LeapSecondWindow
            | FindingKind::CheckpointLag
            | FindingKind::DeltaAtAssumed
            | FindingKind::DeltaAtMismatch => Severity::Warning,
        }
    }
}

impl fmt::Display for FindingKind {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.name())
    }
}

/// One thing verification found, located in its file.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Finding {
    /// Stable kind name.
    pub kind: FindingKind,
    /// Violation or warning.
    pub severity: Severity,
    /// 1-based line number; `None` for a finding about the file as a whole.
    pub line: Option<u64>,
    /// Byte offset of the start of that line in the file.
    pub offset: Option<u64>,
    /// The record's id (descriptor id, pulse id, timestamp) when known.
    pub record_id: Option<String>,
    /// What a genuine ledger would have here.
    pub expected: Option<String>,
    /// What the file has.
    pub found: Option<String>,
    /// One sentence a reviewer can act on.
    pub detail: String,
    /// Lines of another file this finding implicates (a manifest line that
    /// no longer matches names the chain records it attested).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub related: Option<LineRange>,
}

/// A range of lines in one file of the ledger.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct LineRange {
    /// Stable file kind name (`spice_chain`, ...).
    pub file: &'static str,
    /// First line, 1-based.
    pub first_line: u64,
    /// Last line, inclusive.
    pub last_line: u64,
}

impl Finding {
    /// A finding of `kind` with its default severity and a detail sentence;
    /// the builder methods fill in the rest.
    pub fn new(kind: FindingKind, detail: impl Into<String>) -> Self {
        Finding {
            kind,
            severity: kind.default_severity(),
            line: None,
            offset: None,
            record_id: None,
            expected: None,
            found: None,
            detail: detail.into(),
            related: None,
        }
    }

    /// Locate the finding at a 1-based line that starts at byte `offset`.
    #[must_use]
    pub fn at(mut self, line: u64, offset: u64) -> Self {
        self.line = Some(line);
        self.offset = Some(offset);
        self
    }

    /// Name the record the finding is about.
    #[must_use]
    pub fn record(mut self, id: impl Into<String>) -> Self {
        self.record_id = Some(id.into());
        self
    }

    /// Name the record if there is one.
    #[must_use]
    pub fn record_opt(mut self, id: Option<impl Into<String>>) -> Self {
        self.record_id = id.map(Into::into);
        self
    }

    /// Set what was expected and what was found.
    #[must_use]
    pub fn expected_found(mut self, expected: impl Into<String>, found: impl Into<String>) -> Self {
        self.expected = Some(expected.into());
        self.found = Some(found.into());
        self
    }

    /// Name the lines of another file this finding implicates.
    #[must_use]
    pub fn related(mut self, range: LineRange) -> Self {
        self.related = Some(range);
        self
    }

    /// Override the kind's default severity.
    #[must_use]
    pub fn severity(mut self, severity: Severity) -> Self {
        self.severity = severity;
        self
    }

    /// Whether this finding fails verification.
    pub fn is_violation(&self) -> bool {
        self.severity == Severity::Violation
    }
}
