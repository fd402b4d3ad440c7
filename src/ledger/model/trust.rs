//! What verification established against checkpoints trusted from outside
//! the ledger: a checkpoint note the verifier saved earlier (`iss verify
//! --trust FILE`, a proof's checkpoint) or the newest checkpoint of each
//! origin a verifier remembered in its state directory (Go's checksum
//! database client keeps its latest note the same way).

use serde::Serialize;

/// Where the trusted checkpoints came from.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "lowercase")]
pub enum TrustSource {
    /// Files named with `--trust`.
    File,
    /// The verifier's state directory (the checkpoints it remembered).
    State,
}

/// How the ledger relates to one trusted checkpoint.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "lowercase")]
pub enum TrustOutcome {
    /// The ledger contains the trusted tree: same root at that size, proven
    /// by a consistency proof computed from the ledger.
    Consistent,
    /// The ledger is smaller than the trusted tree (`ROLLBACK`).
    Rollback,
    /// The ledger is as large or larger but its first records are not the
    /// trusted tree (`FORK`).
    Fork,
    /// The ledger's tree could not be computed (a line could not be read).
    Unknown,
}

/// One trusted checkpoint checked against the ledger.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct TrustCheck {
    /// The checkpoint's origin (`<ledger origin>/<chain>`).
    pub origin: String,
    /// The chain it was matched to.
    pub chain: String,
    /// Where it was read (the `--trust` file or the state file).
    pub source: String,
    /// The trusted tree's size.
    pub trusted_size: u64,
    /// Its root (hex).
    pub trusted_root: String,
    /// The ledger chain's size (complete records).
    pub ledger_size: u64,
    /// Its root (hex); `None` when a line could not be read.
    pub ledger_root: Option<String>,
    /// The verdict.
    pub outcome: TrustOutcome,
}

/// The newest verified checkpoint of one origin (what a clean verification
/// lets the state remember).
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct VerifiedCheckpoint {
    /// `<ledger origin>/<chain>`.
    pub origin: String,
    /// Tree size.
    pub size: u64,
    /// Root (hex).
    pub root: String,
    /// The signed note, as the ledger holds it (a `--trust` file may be a
    /// copy of it).
    pub note: String,
}

/// The trust section of a verification report.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct TrustReport {
    /// `file` or `state`.
    pub source: TrustSource,
    /// The state directory, when the state was used.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub state_dir: Option<String>,
    /// One entry per trusted checkpoint.
    pub checks: Vec<TrustCheck>,
    /// The newest verified checkpoint of each of the ledger's origins.
    pub latest: Vec<VerifiedCheckpoint>,
    /// What could not be established, and why (an unreadable state file, a
    /// trusted origin the ledger does not have): the verification is then
    /// `incomplete` at best, never `clean`.
    pub errors: Vec<String>,
    /// What was not checked and why (first use of an origin, a legacy
    /// ledger without checkpoints).
    pub notes: Vec<String>,
    /// Origins whose remembered checkpoint this run wrote (only after a
    /// verification without violation; never a smaller tree).
    pub saved: Vec<String>,
}

impl TrustReport {
    /// An empty report for `source`.
    pub fn new(source: TrustSource, state_dir: Option<String>) -> Self {
        TrustReport {
            source,
            state_dir,
            checks: Vec::new(),
            latest: Vec::new(),
            errors: Vec::new(),
            notes: Vec::new(),
            saved: Vec::new(),
        }
    }
}
