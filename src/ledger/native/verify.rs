//! Verification of a whole native ledger directory (`docs/FORMAT.md` §3-8):
//! the metadata and the genesis event that binds it, each chain (framing,
//! seq, prev, hash, MAC, Merkle tree), key rotations, and every checkpoint
//! in each chain's history against the chain it signs.
//!
//! Order matters: the checkpoint sizes are read first so that the chain
//! walk can keep the Merkle root at each of them (memory stays logarithmic
//! in the chain), and `events` is walked before the other chains because
//! its rotations decide which key may sign which checkpoint.

pub mod backups;
pub mod chain;
mod checkpoints;
pub mod coverage;
pub mod events;
pub mod judge;
pub mod timestamps;
pub mod unique_ids;
pub mod witnessed;

use crate::ledger::io::par_lines::LineCheck;
use crate::ledger::io::scan::scan_file_parallel_tapped;
use crate::ledger::model::finding::{Finding, FindingKind};
use crate::ledger::model::report::{FileReport, NativeChainStatus};
use crate::ledger::native::format::history::{HistoryEntry, read_history};
use crate::ledger::native::format::meta::{
    Chain, ChainPaths, METADATA_FILE, Metadata, MetadataError,
};
use crate::ledger::native::keyring::Keyring;
use crate::ledger::native::secret::MacKey;
use crate::ledger::native::verify::chain::{MacPolicy, NativeChainVerifier, check_line};
use crate::tlog::merkle::Hash;
use std::collections::BTreeMap;
use std::io::ErrorKind;
use std::path::Path;
use std::sync::Arc;

pub use judge::LatestCheckpoint;
pub use judge::{HistoryJudge, Verdict};

/// What `events`' coverage says when it could not be read to its end.
const KEYS_UNKNOWN: &str = "events could not be read to its end (see UNREADABLE or MISSING_FILE): the key \
     rotations in it are unknown, so no chain's checkpoint signatures were judged (only their order)";

/// What a chain without checkpoint history was expected to have.
pub const NO_HISTORY: &str = "at least one signed checkpoint";

/// Knobs for native verification.
#[derive(Debug, Clone, Default)]
pub struct NativeOptions {
    /// Lines longer than this are reported, not read.
    pub max_line: usize,
    /// The HMAC key, when the verifier holds it.
    pub mac_key: Option<MacKey>,
    /// Verify only these chains (and report only them); `None`: all.
    pub chains: Option<Vec<Chain>>,
    /// Copy a chain file's bytes here as they are read (one pass for a
    /// report that reads the same file).
    pub tap: Option<crate::ledger::io::tap::Tap>,
    /// The only signing keys trusted (`--vkey`); `None`: the ledger's own.
    pub pinned: Option<Vec<crate::tlog::note::Verifier>>,
    /// Chain files still being written (a remote copy verified as it is
    /// fetched): read as they grow, to the end their writer gives them.
    pub growing: Option<crate::ledger::io::growing::Growing>,
}

/// One chain as verification left it: what an appender continues from.
#[derive(Debug, Clone)]
pub struct ChainState {
    /// Which chain.
    pub chain: Chain,
    /// The in-order verifier after the last line (next seq, prev, tree, tail).
    pub verifier: NativeChainVerifier,
    /// The newest checkpoint in the history (verified or not).
    pub last_history: Option<HistoryEntry>,
    /// The newest checkpoint that verified.
    pub latest_verified: Option<LatestCheckpoint>,
    /// The checkpoint rules as the history's last entry left them: later
    /// entries are judged with it (the live watcher).
    pub judge: HistoryJudge,
}

/// Everything verification produced.
#[derive(Debug)]
pub struct NativeVerification {
    /// One report per file (metadata, each chain, each checkpoint history).
    pub files: Vec<FileReport>,
    /// The metadata, when it could be read.
    pub meta: Option<Metadata>,
    /// The keys trusted after every rotation, when the metadata was read.
    pub keyring: Option<Keyring>,
    /// Each chain's end state, in [`Chain::ALL`] order.
    pub chains: Vec<ChainState>,
}

impl NativeVerification {
    /// Whether any file has a violation.
    pub fn violated(&self) -> bool {
        self.files.iter().any(|f| f.violations() > 0)
    }
}

/// Verify the native ledger in `dir`.
pub fn verify_native(dir: &Path, options: &NativeOptions) -> NativeVerification {
    let max_line = if options.max_line == 0 {
        crate::ledger::io::reader::DEFAULT_MAX_LINE
    } else {
        options.max_line
    };
    let mut files = Vec::new();
    let (meta, meta_report) = read_metadata(dir);
    let meta_bytes = crate::ledger::input::read_regular(&dir.join(METADATA_FILE)).ok();
    let inputs = ChainInputs {
        dir,
        options,
        max_line,
        policy: MacPolicy {
            required: meta.as_ref().and_then(|(m, _)| m.mac_key_id.clone()),
            held: options.mac_key.as_ref().map(|k| k.id().to_owned()),
        },
        meta: meta.as_ref().map(|(m, _)| m),
        meta_bytes: meta_bytes.as_deref(),
    };
    let mut keyring = meta.as_ref().map(|(m, _)| keyring_for(m, options));

    let mut per_chain: BTreeMap<Chain, (FileReport, ChainState, FileReport)> = BTreeMap::new();
    // Events first: its rotations decide which keys sign what.
    for chain in [Chain::Events, Chain::Descriptors, Chain::Pulses] {
        if options.chains.as_ref().is_some_and(|c| !c.contains(&chain)) {
            continue;
        }
        per_chain.insert(chain, verify_chain(chain, &inputs, &mut keyring));
    }
    // Only a whole-ledger verification judges the folder's backups.
    if options.chains.is_none() {
        for u in backups::check(dir, max_line).unwrap_or_default() {
            let on = per_chain.values_mut().find_map(|(report, _, hist)| {
                [report, hist]
                    .into_iter()
                    .find(|r| Path::new(&r.path) == u.file)
            });
            if let Some(r) = on {
                r.findings.push(backups::finding(&u));
            }
        }
    }
    let mut meta_report = meta_report;
    if dir
        .join(crate::ledger::native::write::init::UNFINISHED_MARKER)
        .exists()
    {
        meta_report.findings.push(
            Finding::new(
                FindingKind::IncompleteInit,
                crate::ledger::native::write::init::start_again_hint(dir, &[]),
            )
            .expected_found(
                "a ledger whose `iss init` or `iss migrate` finished",
                format!(
                    "{} (removed by the command's last step)",
                    crate::ledger::native::write::init::UNFINISHED_MARKER
                ),
            ),
        );
    }
    pinned_metadata(&mut meta_report, keyring.as_ref(), options);
    meta_report.settle();
    files.push(meta_report);
    let mut chains = Vec::new();
    for (_, (mut report, state, mut hist)) in per_chain {
        report.settle();
        hist.settle();
        files.push(report);
        files.push(hist);
        chains.push(state);
    }
    NativeVerification {
        files,
        meta: meta.map(|(m, _)| m),
        keyring,
        chains,
    }
}

/// What every chain's checks read: the ledger, the options, the MAC
/// policy and the metadata (with its bytes, which the genesis binds).
struct ChainInputs<'a> {
    dir: &'a Path,
    options: &'a NativeOptions,
    max_line: usize,
    policy: MacPolicy,
    meta: Option<&'a Metadata>,
    meta_bytes: Option<&'a [u8]>,
}

/// One chain, in `FORMAT.md` order: its checkpoint history (read first, so
/// the walk keeps the Merkle root at each signed size), the chain itself,
/// for `events` the genesis binding and the rotations (which update
/// `keyring`, or forget it when `events` could not be read to its end), and
/// the checkpoints against the chain. Returns the chain's report, its end
/// state and its history's report.
fn verify_chain(
    chain: Chain,
    inputs: &ChainInputs<'_>,
    keyring: &mut Option<Keyring>,
) -> (FileReport, ChainState, FileReport) {
    let (options, max_line, policy) = (inputs.options, inputs.max_line, &inputs.policy);
    let paths = ChainPaths::new(inputs.dir, chain);
    let mut hist_report = FileReport::new(
        history_name(chain),
        paths.history.display().to_string(),
        coverage::history(),
    );
    let history = if paths.history.exists() {
        read_history(&paths.history, max_line, &mut hist_report)
    } else {
        Vec::new()
    };
    let sizes: Vec<u64> = history.iter().map(|h| h.entry.size).collect();
    let mut report = FileReport::new(
        chain.name(),
        paths.file.display().to_string(),
        coverage::chain(policy.required.is_some()),
    );
    if chain == Chain::Descriptors {
        report.coverage.checked.push(coverage::UNIQUE_IDS);
    }
    let (verifier, roots) = walk_chain(
        chain,
        &paths.file,
        &sizes,
        (policy, options.mac_key.as_ref()),
        max_line,
        (options.tap.as_ref(), options.growing.as_ref()),
        &mut report,
    );
    if chain == Chain::Events {
        // The genesis binding is checked against the file's bytes even
        // when the metadata itself is refused.
        events::check(
            &paths.file,
            max_line,
            inputs.meta_bytes,
            keyring.as_mut(),
            &mut report,
        );
        if report.error.is_some() || !crate::ledger::input::present(&paths.file) {
            // Rotations not read leave the keys trusted after them
            // unknown: no checkpoint is judged by keys (a key the unread
            // part introduced would look untrusted), only by order.
            *keyring = None;
            report.coverage.not_checked.push(KEYS_UNKNOWN);
        }
    }
    let (status, latest_verified, judge) = checkpoints::check(
        chain,
        &paths,
        &history,
        &roots,
        &verifier,
        inputs.meta,
        keyring.as_ref(),
        &mut report,
        &mut hist_report,
    );
    let mut status = finish_status(status, &verifier, policy);
    if report.error.is_some() || !crate::ledger::input::present(&paths.file) {
        status.merkle_root = None; // the file was not read: no tree
    }
    report.native = Some(status);
    let state = ChainState {
        chain,
        verifier,
        last_history: history.last().cloned(),
        latest_verified,
        judge,
    };
    (report, state, hist_report)
}

/// The keys the metadata names, of which only the `pinned` ones (when
/// given, `--vkey`) may sign.
fn keyring_for(meta: &Metadata, options: &NativeOptions) -> Keyring {
    let mut ring = Keyring::from_metadata(meta);
    if let Some(pins) = &options.pinned {
        ring.pin(pins);
    }
    ring
}

/// With `--vkey`, on the metadata's report: the keys it names that were
/// not given, and the keys no longer a gap of its coverage.
fn pinned_metadata(report: &mut FileReport, ring: Option<&Keyring>, options: &NativeOptions) {
    let (Some(ring), Some(pins)) = (ring, &options.pinned) else {
        return;
    };
    report.findings.extend(untrusted_keys(ring, pins));
    // Compared with the keys the verifier brought: no longer a gap.
    report.coverage.not_checked.clear();
    report
        .coverage
        .checked
        .push("the signing keys, against the keys given with --vkey");
}

/// With `--vkey`: one warning per key the ledger names (its metadata or a
/// rotation) that is not among the pinned keys: its signatures do not
/// count (`docs/FORMAT.md` §11; the checkpoints signed only by such keys are
/// `SIGNATURE_UNTRUSTED` violations on their history lines).
fn untrusted_keys(ring: &Keyring, pins: &[crate::tlog::note::Verifier]) -> Vec<Finding> {
    ring.verifiers()
        .into_iter()
        .filter(|k| !pins.contains(k))
        .map(|k| {
            let mut f = Finding::new(
                FindingKind::SignatureUntrusted,
                format!(
                    "the ledger names key {:08x} ({}) but it is not among the keys given with --vkey: its signatures do not count",
                    k.key_id(),
                    k.name()
                ),
            )
            .expected_found(
                pins.iter()
                    .map(crate::tlog::note::Verifier::vkey)
                    .collect::<Vec<_>>()
                    .join(", "),
                k.vkey(),
            );
            f.severity = crate::ledger::model::finding::Severity::Warning;
            f
        })
        .collect()
}

/// Read the metadata into its own report.
fn read_metadata(dir: &Path) -> (Option<(Metadata, Vec<u8>)>, FileReport) {
    let mut meta_report = FileReport::new(
        "native_metadata",
        dir.join(METADATA_FILE).display().to_string(),
        coverage::metadata(),
    );
    let meta = match Metadata::read(dir) {
        Ok((m, bytes)) => {
            meta_report.records = 1;
            meta_report.lines = 1;
            meta_report.bytes = bytes.len() as u64;
            Some((m, bytes))
        }
        Err(MetadataError::Io { path, source }) if source.kind() == ErrorKind::NotFound => {
            meta_report.findings.push(
                Finding::new(
                    FindingKind::MissingFile,
                    format!(
                        "{} is missing: every native ledger has one, and its genesis event binds its bytes; \
                         without it no key is trusted, so no checkpoint can be verified",
                        path.display()
                    ),
                )
                .expected_found(METADATA_FILE, "no such file"),
            );
            None
        }
        Err(MetadataError::Io { path, source }) => {
            meta_report.unreadable(
                format!(
                    "cannot read {}: {source}: no key is trusted, so no checkpoint was judged by its signature",
                    path.display()
                ),
                &source.to_string(),
                None,
            );
            None
        }
        Err(e) => {
            meta_report.findings.push(Finding::new(
                FindingKind::MetadataMismatch,
                format!("{e}: the chains are checked, but no checkpoint can be (no trusted key)"),
            ));
            None
        }
    };
    (meta, meta_report)
}

/// Verify one native chain file given on its own (no metadata, no
/// checkpoints): its records and Merkle root only, saying what was not
/// checked.
pub fn verify_lone_chain(
    chain: Chain,
    path: &Path,
    max_line: usize,
    mac_key: Option<&MacKey>,
) -> FileReport {
    let policy = MacPolicy {
        required: None,
        held: mac_key.map(|k| k.id().to_owned()),
    };
    let mut report = FileReport::new(
        chain.name(),
        path.display().to_string(),
        coverage::lone_chain(),
    );
    let (v, _) = walk_chain(
        chain,
        path,
        &[],
        (&policy, mac_key),
        max_line,
        (None, None),
        &mut report,
    );
    let status = NativeChainStatus::default();
    report.native = Some(finish_status(status, &v, &policy));
    report
}

/// The report name of `chain`'s checkpoint history (`<chain>_checkpoints`).
pub fn history_name(chain: Chain) -> &'static str {
    match chain {
        Chain::Descriptors => "descriptors_checkpoints",
        Chain::Pulses => "pulses_checkpoints",
        Chain::Events => "events_checkpoints",
    }
}

/// Walk a chain file on worker threads, keeping the root at each of `sizes`.
fn walk_chain(
    chain: Chain,
    path: &Path,
    sizes: &[u64],
    (policy, key): (&MacPolicy, Option<&MacKey>),
    max_line: usize,
    inputs: (
        Option<&crate::ledger::io::tap::Tap>,
        Option<&crate::ledger::io::growing::Growing>,
    ),
    report: &mut FileReport,
) -> (NativeChainVerifier, BTreeMap<u64, Option<Hash>>) {
    let mut v = NativeChainVerifier::new(chain.name(), policy.clone());
    let mut roots: BTreeMap<u64, Option<Hash>> = BTreeMap::new();
    if sizes.contains(&0) {
        roots.insert(0, v.root());
    }
    if !crate::ledger::input::present(path) {
        let signed = sizes.iter().copied().max().unwrap_or(0);
        report.findings.push(
            Finding::new(
                FindingKind::MissingFile,
                format!(
                    "{} is missing: the metadata names this chain and `iss init` creates it, so it was removed{}",
                    path.display(),
                    if signed > 0 {
                        format!(", with the {signed} record(s) its checkpoints sign")
                    } else {
                        String::new()
                    }
                ),
            )
            .expected_found(
                format!("{} with at least {signed} record(s)", chain.file_name()),
                "no such file",
            ),
        );
        return (v, roots);
    }
    // Native descriptor lines are 600 bytes and more: size the id set for
    // the records the file can hold.
    if let Ok(m) = std::fs::metadata(path) {
        v.reserve_ids(usize::try_from(m.len() / 600).unwrap_or(0));
    }
    let key = key.cloned();
    let name = chain.name();
    let check: LineCheck<_> = Arc::new(move |line| check_line(name, key.as_ref(), line));
    let mut wanted: Vec<u64> = sizes.iter().copied().filter(|&s| s > 0).collect();
    wanted.sort_unstable();
    wanted.dedup();
    let mut next = wanted.into_iter().peekable();
    scan_file_parallel_tapped(path, max_line, report, &check, inputs, |c, out| {
        v.accept(c, out);
        while next.peek().is_some_and(|&s| s <= v.records()) {
            let s = next.next().unwrap_or_default();
            if s == v.records() {
                roots.insert(s, v.root());
            }
        }
    });
    report.records = v.records();
    if let Err(e) = v.settle_tail(path) {
        report.unreadable(
            format!("{}: cannot read back the last line: {e}", path.display()),
            &e.to_string(),
            None,
        );
    }
    (v, roots)
}

/// `status` (what the checkpoints established) completed with what the
/// chain walk `v` established: tree size and root, unsigned records, MAC
/// counts and the tamper-evidence level.
pub fn finish_status(
    mut status: NativeChainStatus,
    v: &NativeChainVerifier,
    policy: &MacPolicy,
) -> NativeChainStatus {
    status.tree_size = v.records();
    status.merkle_root = v.root().map(hex::encode);
    status.unsigned_records = v.records() - status.signed_size.unwrap_or(0).min(v.records());
    status.mac_required.clone_from(&policy.required);
    (status.macs_checked, status.macs_unchecked) = v.mac_counts();
    status.tamper_evidence = match (status.signed_size.is_some(), policy.required.is_some()) {
        (true, true) => "keyed + signed checkpoints",
        (true, false) => "signed checkpoints",
        (false, true) => "keyed hash chain",
        (false, false) => "hash chain only",
    };
    status
}
