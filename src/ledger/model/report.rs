//! The verification report: per file, what was read, what was checked,
//! what was not, and what was found.
//!
//! This is also the `iss verify --json` document; its schema is documented
//! in docs/JSON.md and changes only by adding fields.

use crate::ledger::model::finding::{Finding, FindingKind, Severity};
use crate::ledger::model::segments::RunSegment;
use crate::ledger::protect::OsAttribute;
use serde::Serialize;

/// Overall result for a ledger.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "lowercase")]
pub enum LedgerStatus {
    /// Every file was read to the end and no violation was found.
    Clean,
    /// At least one violation.
    Violated,
    /// No violation among what was read, but a file could not be read, so
    /// the ledger as a whole was not verified.
    Incomplete,
}

/// Result for one file.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "lowercase")]
pub enum FileStatus {
    /// Read to the end; every check listed in its coverage passed.
    Verified,
    /// At least one violation.
    Violated,
    /// Read and schema-checked, but it carries no hash chain: its content
    /// cannot be verified, only its form.
    Unchained,
    /// Could not be read (or not to the end); see `error`.
    Unreadable,
}

/// What a file's verification covered, and what it could not.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Coverage {
    /// Whether the file's records are linked by hashes.
    pub hash_chained: bool,
    /// The other file whose records independently confirm this one's, when
    /// that file was present and checked against it.
    pub witnessed_by: Option<&'static str>,
    /// One sentence for the summary table.
    pub summary: &'static str,
    /// Fields whose change the checks detect.
    pub protected_fields: Vec<&'static str>,
    /// Fields that can be changed without any check noticing.
    pub unprotected_fields: Vec<&'static str>,
    /// The checks that were run.
    pub checked: Vec<&'static str>,
    /// What the checks cannot establish.
    pub not_checked: Vec<&'static str>,
}

/// Verification result for one file.
#[derive(Debug, Clone, Serialize)]
pub struct FileReport {
    /// Stable file kind name (`spice_chain`, `glyph_chain`, ...).
    pub name: &'static str,
    /// The file's path as given.
    pub path: String,
    /// Records read (lines that held a JSON object).
    pub records: u64,
    /// Lines read, including blank and broken ones.
    pub lines: u64,
    /// Bytes read.
    pub bytes: u64,
    /// The file's verdict.
    pub status: FileStatus,
    /// What was and was not checked.
    pub coverage: Coverage,
    /// Why the file could not be read, when it could not.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub error: Option<String>,
    /// Findings, in file order per check.
    pub findings: Vec<Finding>,
    /// The file's OS protection attribute (append-only, immutable, none,
    /// or unknown with a reason), when it was looked at.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub os_attribute: Option<OsAttribute>,
    /// For a native chain: its Merkle tree, checkpoints, signatures and MACs.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub native: Option<NativeChainStatus>,
}

/// What verification established about a native chain beyond its records
/// (`docs/FORMAT.md` §5-8).
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize)]
pub struct NativeChainStatus {
    /// Complete lines: the Merkle tree's size.
    pub tree_size: u64,
    /// The Merkle root over all complete lines (hex); `None` when a line
    /// could not be read.
    pub merkle_root: Option<String>,
    /// Checkpoints in the history whose signature, origin, size and root
    /// all verified.
    pub checkpoints_verified: u64,
    /// Size of the newest verified checkpoint (`None`: no signed checkpoint).
    pub signed_size: Option<u64>,
    /// Key ids (8 hex) whose signatures on that checkpoint verified.
    pub signed_by: Vec<String>,
    /// Records after the newest verified checkpoint: protected by hashes
    /// (and MACs) only, not yet by a signature.
    pub unsigned_records: u64,
    /// The key id the ledger requires every record's MAC under, if any.
    pub mac_required: Option<String>,
    /// MACs checked with the key.
    pub macs_checked: u64,
    /// MACs present that were not checked (the key was not supplied).
    pub macs_unchecked: u64,
    /// `signed checkpoints`, `keyed + signed checkpoints`, or `hash chain only`.
    pub tamper_evidence: &'static str,
    /// With a witness policy: the policy's witnesses whose cosignatures on
    /// the newest verified checkpoint verified (empty without a policy).
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub cosigned_by: Vec<WitnessCosignature>,
}

/// A witness's valid cosignature on a checkpoint.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct WitnessCosignature {
    /// The witness's key name.
    pub witness: String,
    /// Its cosignature key id (8 hex).
    pub key_id: String,
    /// When it cosigned (POSIX seconds, the witness's clock).
    pub timestamp: u64,
}

impl FileReport {
    /// A report for a file, with its status derived from what was found.
    pub fn new(name: &'static str, path: String, coverage: Coverage) -> Self {
        FileReport {
            name,
            path,
            records: 0,
            lines: 0,
            bytes: 0,
            status: FileStatus::Verified,
            coverage,
            error: None,
            findings: Vec::new(),
            native: None,
            os_attribute: None,
        }
    }

    /// Record that the file could not be read, or not to its end: `detail`
    /// names the file and where reading stopped, `cause` is the operating
    /// system's reason, `at` the line and byte offset where reading stopped
    /// (`None`: nothing was read). The file's status becomes unreadable and
    /// an `UNREADABLE` finding says so; checks that need the bytes not
    /// read must not run (each verifier skips them when `error` is set).
    pub fn unreadable(&mut self, detail: String, cause: &str, at: Option<(u64, u64)>) {
        let mut f = Finding::new(
            FindingKind::Unreadable,
            format!("{detail}; the checks that need these bytes were not run"),
        )
        .expected_found("the file's bytes, readable to the end", cause.to_owned());
        if let Some((line, offset)) = at {
            f = f.at(line, offset);
        }
        self.findings.push(f);
        self.error = Some(detail);
    }

    /// Set the status from the findings, the coverage and any read error.
    pub fn settle(&mut self) {
        if let Some(e) = &self.error
            && !self
                .findings
                .iter()
                .any(|f| f.kind == FindingKind::Unreadable)
        {
            let e = e.clone();
            self.unreadable(e.clone(), &e, None);
        }
        self.findings
            .sort_by_key(|f| (f.line.unwrap_or(u64::MAX), f.severity));
        self.status = if self.error.is_some() || self.incomplete() > 0 {
            FileStatus::Unreadable
        } else if self.violations() > 0 {
            FileStatus::Violated
        } else if self.coverage.hash_chained || self.coverage.witnessed_by.is_some() {
            FileStatus::Verified
        } else {
            FileStatus::Unchained
        };
    }

    /// Number of violations.
    pub fn violations(&self) -> usize {
        self.findings
            .iter()
            .filter(|f| f.severity == Severity::Violation)
            .count()
    }

    /// Number of findings that say something could not be read.
    pub fn incomplete(&self) -> usize {
        self.findings
            .iter()
            .filter(|f| f.severity == Severity::Incomplete)
            .count()
    }

    /// Number of warnings.
    pub fn warnings(&self) -> usize {
        self.findings
            .iter()
            .filter(|f| f.severity == Severity::Warning)
            .count()
    }
}

/// Every violation of `reports`, with the name of its file: what a writer
/// refuses to append onto.
pub fn violations(reports: &[FileReport]) -> Vec<(String, Finding)> {
    reports
        .iter()
        .flat_map(|r| {
            r.findings
                .iter()
                .filter(|f| f.severity == Severity::Violation)
                .map(|f| (r.name.to_owned(), f.clone()))
        })
        .collect()
}

/// A file the layout implies but that was not found.
#[derive(Debug, Clone, Serialize)]
pub struct MissingFile {
    /// Stable file kind name.
    pub name: &'static str,
    /// Where it was expected.
    pub path: String,
    /// Whether what the other files hold proves it existed: its absence is
    /// then a `MISSING_FILE` violation (on the file that proves it), not a
    /// file the copy simply does not include.
    pub required: bool,
}

/// The tool that produced a report, so a report can be traced to its verifier.
#[derive(Debug, Clone, Serialize)]
pub struct ToolInfo {
    /// `iss-workstation`.
    pub name: &'static str,
    /// The crate version.
    pub version: &'static str,
}

impl Default for ToolInfo {
    fn default() -> Self {
        ToolInfo {
            name: env!("CARGO_PKG_NAME"),
            version: env!("CARGO_PKG_VERSION"),
        }
    }
}

/// Verification result for a whole ledger.
#[derive(Debug, Clone, Serialize)]
pub struct VerifyReport {
    /// The path that was verified.
    pub ledger: String,
    /// `iss-legacy-v2` (hash-chained), `iss-legacy-v1` (the hash-less layer
    /// only) or `iss-native-v1`.
    pub format: &'static str,
    /// Overall verdict.
    pub status: LedgerStatus,
    /// Which verifier produced this.
    pub tool: ToolInfo,
    /// One entry per file found.
    pub files: Vec<FileReport>,
    /// Files the layout implies but that are not there.
    pub missing: Vec<MissingFile>,
    /// The legacy time chain's run segments (one per time-keeper run), when
    /// there is one. Native verification does not read bodies: a native
    /// chain's runs (migrated pulses' included) come from
    /// [`crate::analysis::pulses::for_each_pulse`].
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub time_segments: Vec<RunSegment>,
    /// Proofs checked against the ledger (`iss verify --proof`).
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub proofs: Vec<ProofResult>,
    /// Checks against checkpoints trusted from outside the ledger (`--trust`,
    /// or the remembered state); `None` when neither was asked for.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub trust: Option<crate::ledger::model::trust::TrustReport>,
    /// The RFC 3161 timestamp tokens stored beside the checkpoint
    /// histories, each with the time it proves (`iss verify`, native).
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub timestamps: Vec<TimestampResult>,
}

/// One stored timestamp token as `iss verify` judged it.
#[derive(Debug, Clone, Serialize)]
pub struct TimestampResult {
    /// The token file.
    pub file: String,
    /// The checkpoint's origin (`<ledger origin>/<chain>`), or the chain's
    /// name when the metadata could not be read.
    pub origin: String,
    /// The chain.
    pub chain: &'static str,
    /// The checkpoint's tree size.
    pub size: u64,
    /// SHA-256 of the checkpoint note the token covers (hex).
    pub note_sha256: String,
    /// Whether the token proves, under a TSA certificate given, that this
    /// checkpoint existed at `gen_time`.
    pub proven: bool,
    /// The time the TSA attests (ISO 8601 UTC), when the token could be read.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub gen_time: Option<String>,
    /// The accuracy the TSA states for `gen_time`.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub accuracy: Option<String>,
    /// The signing TSA certificate's subject, when the signature verified.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub tsa: Option<String>,
    /// The token's serial number (hex), when the token could be read.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub serial: Option<String>,
    /// What was established, or why not.
    pub detail: String,
}

/// One proof document checked by `iss verify --proof`.
#[derive(Debug, Clone, Serialize)]
pub struct ProofResult {
    /// The proof file.
    pub file: String,
    /// Whether it verified.
    pub valid: bool,
    /// What it established, or why it failed.
    pub detail: String,
}

impl VerifyReport {
    /// Derive the overall status from the files.
    pub fn settle(&mut self) {
        self.status = if self.files.iter().any(|f| f.violations() > 0) {
            LedgerStatus::Violated
        } else if self
            .files
            .iter()
            .any(|f| f.status == FileStatus::Unreadable || f.incomplete() > 0)
        {
            LedgerStatus::Incomplete
        } else if self.trust.as_ref().is_some_and(|t| !t.errors.is_empty()) {
            // The ledger could not be compared with what the verifier
            // trusts: not verified as asked.
            LedgerStatus::Incomplete
        } else {
            LedgerStatus::Clean
        };
    }

    /// All findings with the file they belong to.
    pub fn findings(&self) -> impl Iterator<Item = (&FileReport, &Finding)> {
        self.files
            .iter()
            .flat_map(|f| f.findings.iter().map(move |x| (f, x)))
    }
}
