//! The SPICE layer verified as a whole: the descriptor chain, the manifest
//! that witnesses it, and the constitutional log that the manifest's binding
//! lines witness, read together in one streaming pass.

use crate::ledger::discover::FileKind;
use crate::ledger::hash::{hex_str, to_hex};
use crate::ledger::io::par_lines::{LineCheck, ParLines, default_workers};
use crate::ledger::io::scan::{open, read_failed, scan_file};
use crate::ledger::legacy::verify::constitutional::ConstitutionalVerifier;
use crate::ledger::legacy::verify::manifest::{ChainCursor, ManifestVerifier};
use crate::ledger::legacy::verify::spice_chain::{LineOutcome, SpiceChainVerifier, check_line};
use crate::ledger::model::finding::{Finding, FindingKind};
use crate::ledger::model::report::FileReport;
use sha2::{Digest, Sha256};
use std::path::Path;
use std::sync::Arc;

/// The files of one SPICE layer; any may be absent.
#[derive(Debug, Clone, Copy, Default)]
pub struct SpiceLayer<'p> {
    /// `spice_chain.jsonl`.
    pub chain: Option<&'p Path>,
    /// `integrity_manifest.jsonl`.
    pub manifest: Option<&'p Path>,
    /// `constitutional_log.jsonl`.
    pub constitutional: Option<&'p Path>,
}

/// The chain, read on demand as the manifest asks for more of it.
struct ChainSource<'p> {
    path: Option<&'p Path>,
    lines: Option<ParLines<LineOutcome>>,
    verifier: SpiceChainVerifier,
    report: Option<FileReport>,
    prefix: Sha256,
    consumed: u64,
    last_line: u64,
    /// Records read after the manifest's last line, once it has ended.
    unattested: Option<Unattested>,
}

/// Most unattested records kept for [`ChainHead::unattested`]: far more
/// than an interrupted append leaves, and a bound on the memory used.
pub const MAX_UNATTESTED: usize = 100_000;

/// The chain's records that no manifest line attests, as verified: what
/// an interrupted append leaves behind when it was stopped between its
/// chain write and its manifest write.
#[derive(Debug, Clone)]
pub struct Unattested {
    /// Records attested (the manifest's last `descriptor_count`).
    pub after: u64,
    /// SHA-256 state over the stored hashes of the first `after` records.
    pub prefix: Sha256,
    /// `(descriptor_id, descriptor_hash)` of each later record, in order
    /// (at most [`MAX_UNATTESTED`]).
    pub records: Vec<(String, String)>,
    /// The chain line of each record in `records` (same order): where the
    /// watcher's manifest checks place a finding about it.
    pub lines: Vec<u64>,
    /// `descriptor_id` and chain line of record `after` (the last attested
    /// one; empty and 0 when `after` is 0).
    pub last_attested: (String, u64),
    /// More records followed than were kept.
    pub overflow: bool,
}

impl ChainCursor for ChainSource<'_> {
    fn advance_to(&mut self, n: u64) -> u64 {
        while self.consumed < n {
            let (Some(lines), Some(report)) = (self.lines.as_mut(), self.report.as_mut()) else {
                break;
            };
            match lines.next() {
                Some(outcome) => {
                    if let Some(seen) = self.verifier.accept(outcome, &mut report.findings) {
                        self.prefix.update(self.verifier.last_hash().as_bytes());
                        self.consumed = seen.index;
                        self.last_line = seen.line;
                        if let Some(u) = self.unattested.as_mut() {
                            if u.records.len() < MAX_UNATTESTED {
                                u.records.push((
                                    self.verifier.last_id().to_owned(),
                                    self.verifier.last_hash().to_owned(),
                                ));
                                u.lines.push(seen.line);
                            } else {
                                u.overflow = true;
                            }
                        }
                    }
                }
                None => self.close(),
            }
        }
        self.consumed
    }

    fn prefix_hash(&self) -> String {
        if self.consumed == 0 {
            String::new()
        } else {
            hex_str(&to_hex(&self.prefix.clone().finalize().into())).to_owned()
        }
    }

    fn last_id(&self) -> &str {
        self.verifier.last_id()
    }

    fn last_line(&self) -> u64 {
        self.last_line
    }

    fn ends_torn(&self) -> bool {
        self.verifier.torn_without_record()
    }

    fn unread(&self) -> bool {
        self.path.is_none() || self.report.as_ref().is_some_and(|r| r.error.is_some())
    }
}

impl ChainSource<'_> {
    /// Keep the records read from now on: the manifest has ended here.
    fn start_unattested(&mut self) {
        self.unattested = Some(Unattested {
            after: self.consumed,
            prefix: self.prefix.clone(),
            records: Vec::new(),
            lines: Vec::new(),
            last_attested: (self.verifier.last_id().to_owned(), self.last_line),
            overflow: false,
        });
    }

    /// Stop reading: at end of file, or on a read error.
    fn close(&mut self) {
        if let (Some(mut lines), Some(report), Some(path)) =
            (self.lines.take(), self.report.as_mut(), self.path)
        {
            let (count, bytes) = lines.totals().unwrap_or((0, 0));
            report.lines = count;
            report.bytes = bytes;
            if let Some(e) = lines.take_error() {
                read_failed(report, path, count, bytes, &e);
            }
        }
    }
}

/// The state of the descriptor chain after its last record, as verified:
/// what an append continues from.
#[derive(Debug)]
pub struct ChainHead {
    /// Records in the chain.
    pub records: u64,
    /// Lines in the chain file (records plus any broken lines).
    pub lines: u64,
    /// SHA-256 state over the concatenated stored hashes of all records:
    /// the manifest's `chain_hash` of the next line continues it.
    pub prefix: Sha256,
    /// The in-order verifier that checked every record, holding the last
    /// hash and every id: a new record goes through it too.
    pub verifier: SpiceChainVerifier,
    /// The records after the manifest's last line (`None` without a manifest).
    pub unattested: Option<Unattested>,
}

/// Verify the SPICE layer; return one report per file present, in the
/// order chain, manifest, constitutional log.
pub fn verify_spice_layer(layer: SpiceLayer<'_>, max_line: usize) -> Vec<FileReport> {
    verify_spice_layer_with_head(layer, max_line).0
}

/// [`verify_spice_layer`], also returning the chain's head as verified.
pub fn verify_spice_layer_with_head(
    layer: SpiceLayer<'_>,
    max_line: usize,
) -> (Vec<FileReport>, ChainHead) {
    let (reports, head, _) = verify_spice_layer_live(layer, max_line);
    (reports, head)
}

/// [`verify_spice_layer_with_head`], also returning the manifest's verifier
/// (when the layer has a manifest), so that lines appended later can be
/// verified from where it stopped.
pub fn verify_spice_layer_live(
    layer: SpiceLayer<'_>,
    max_line: usize,
) -> (Vec<FileReport>, ChainHead, Option<ManifestVerifier>) {
    verify_spice_layer_tapped(layer, max_line, None)
}

/// [`verify_spice_layer_live`], copying the chain's bytes to `tap` as they
/// are read (when the tap names the chain file).
pub fn verify_spice_layer_tapped(
    layer: SpiceLayer<'_>,
    max_line: usize,
    tap: Option<&crate::ledger::io::tap::Tap>,
) -> (Vec<FileReport>, ChainHead, Option<ManifestVerifier>) {
    let mut src = ChainSource {
        path: layer.chain,
        lines: None,
        // Legacy descriptor lines are 600 bytes and more: size the id set
        // for the records the file can hold.
        verifier: SpiceChainVerifier::with_capacity(
            true,
            layer
                .chain
                .and_then(|p| std::fs::metadata(p).ok())
                .map_or(0, |m| (m.len() / 600) as usize),
        ),
        report: layer.chain.map(|p| {
            FileReport::new(
                FileKind::SpiceChain.name(),
                p.display().to_string(),
                FileKind::SpiceChain.coverage(layer.manifest.is_some()),
            )
        }),
        prefix: Sha256::new(),
        consumed: 0,
        last_line: 0,
        unattested: None,
    };
    if let (Some(p), Some(report)) = (layer.chain, src.report.as_mut()) {
        src.lines = open(p, report).map(|f| {
            let check: LineCheck<LineOutcome> = Arc::new(|line| check_line(line, true));
            let input = crate::ledger::io::tap::Tap::wrap(tap, p, f);
            ParLines::new(input, max_line, default_workers(), &check)
        });
    }

    let mut manifest_report = layer.manifest.map(|p| {
        FileReport::new(
            FileKind::IntegrityManifest.name(),
            p.display().to_string(),
            FileKind::IntegrityManifest.coverage(layer.chain.is_some()),
        )
    });
    let mut manifest = ManifestVerifier::default();
    let has_manifest = manifest_report.is_some();
    if let (Some(p), Some(report)) = (layer.manifest, manifest_report.as_mut()) {
        scan_file(p, max_line, report, |line, out| {
            manifest.feed(line, &mut src, out);
        });
        if report.error.is_some() {
            manifest.finish_unread(&mut report.findings);
        } else {
            // The chain has been read as far as the manifest attests; what
            // follows is kept, so that an interrupted append can be completed.
            // (An empty manifest attests nothing an append of ours wrote.)
            if manifest.records() > 0 {
                src.start_unattested();
            }
            manifest.explained_by_batches(
                crate::ledger::legacy::format::batch_record::batch_records(p)
                    .into_iter()
                    .map(|(_, b)| b)
                    .collect(),
            );
            manifest.finish(&mut src, &mut report.findings);
        }
        report.records = manifest.records();
    } else {
        src.advance_to(u64::MAX);
    }

    src.advance_to(u64::MAX);
    let chain_unread = src.unread();
    let manifest_unread = manifest_report.as_ref().is_some_and(|r| r.error.is_some());
    let mut reports = Vec::new();
    let mut lines = 0;
    if let Some(mut report) = src.report.take() {
        src.verifier.finish(&mut report.findings);
        report.records = src.verifier.records();
        lines = report.lines;
        if manifest_unread {
            not_witnessed(&mut report, NOT_WITNESSED_CHAIN);
        }
        reports.push(report);
    }
    if let Some(m) = manifest_report
        .as_mut()
        .filter(|_| chain_unread && layer.chain.is_some())
    {
        not_witnessed(m, NOT_WITNESSED_MANIFEST);
    }
    let head = ChainHead {
        records: src.consumed,
        lines,
        prefix: src.prefix.clone(),
        verifier: src.verifier,
        unattested: src.unattested.take(),
    };

    let log = layer.constitutional.map(|p| {
        let witnessed = layer.manifest.is_some();
        verify_constitutional(p, witnessed, max_line, &manifest, manifest_report.as_mut())
    });
    // Report order: chain, manifest, constitutional log.
    reports.extend(manifest_report);
    reports.extend(log);
    (reports, head, has_manifest.then_some(manifest))
}

/// Verify the constitutional log, and cross-check its bindings with the
/// manifest's binding lines when the manifest was there (`manifest_report`).
fn verify_constitutional(
    p: &Path,
    witnessed: bool,
    max_line: usize,
    manifest: &ManifestVerifier,
    manifest_report: Option<&mut FileReport>,
) -> FileReport {
    let mut report = FileReport::new(
        FileKind::ConstitutionalLog.name(),
        p.display().to_string(),
        FileKind::ConstitutionalLog.coverage(witnessed),
    );
    let mut verifier = ConstitutionalVerifier::default();
    scan_file(p, max_line, &mut report, |line, out| {
        verifier.feed(line, out);
    });
    verifier.finish(&mut report.findings);
    report.records = verifier.records();
    let log_unread = report.error.is_some();
    if let Some(m) = manifest_report {
        let manifest_unread = m.error.is_some();
        // Each direction needs the whole of the file it looks in: an entry
        // is "missing" only from a file read to its end.
        cross_check_bindings(
            &verifier,
            manifest.bindings(),
            (!manifest_unread).then_some(&mut report.findings),
            (!log_unread).then_some(&mut m.findings),
        );
        if manifest_unread {
            not_witnessed(&mut report, NOT_WITNESSED_LOG);
        }
        if log_unread {
            m.coverage.not_checked.push(NOT_CHECKED_BINDINGS);
        }
    }
    report
}

/// What the chain's coverage says when the manifest could not be read.
const NOT_WITNESSED_CHAIN: &str = "integrity_manifest could not be read (see UNREADABLE): \
     the chain's records were not compared with their witness";
/// What the manifest's coverage says when the chain could not be read.
const NOT_WITNESSED_MANIFEST: &str = "spice_chain could not be read (see UNREADABLE): \
     manifest lines that attest records past those read were not compared with the chain";
/// What the constitutional log's coverage says when the manifest could not be read.
const NOT_WITNESSED_LOG: &str = "integrity_manifest could not be read (see UNREADABLE): \
     the bindings were not compared with its binding lines";
/// What the manifest's coverage says when the constitutional log could not be read.
const NOT_CHECKED_BINDINGS: &str = "constitutional_log could not be read (see UNREADABLE): \
     the manifest's binding lines were not compared with it";

/// The file's witness could not be read: say so, and do not count it as witnessed.
fn not_witnessed(report: &mut FileReport, why: &'static str) {
    report.coverage.witnessed_by = None;
    report.coverage.not_checked.push(why);
}

/// Every constitutional binding must have a manifest binding line with the
/// same timestamp, and every manifest binding line a constitutional entry.
/// A direction whose output is `None` is not checked (the file it would
/// look in was not read to its end).
fn cross_check_bindings(
    log: &ConstitutionalVerifier,
    manifest: &[crate::ledger::legacy::verify::manifest::BindingLine],
    mut log_out: Option<&mut Vec<Finding>>,
    manifest_out: Option<&mut Vec<Finding>>,
) {
    use std::collections::HashMap;
    let mut unmatched: HashMap<&str, Vec<usize>> = HashMap::new();
    for (i, b) in manifest.iter().enumerate() {
        unmatched.entry(b.timestamp.as_str()).or_default().push(i);
    }
    let mut matched = vec![false; manifest.len()];
    for entry in log.entries() {
        let hit = unmatched
            .get_mut(entry.timestamp.as_str())
            .and_then(|v| (!v.is_empty()).then(|| v.remove(0)));
        match (hit, log_out.as_deref_mut()) {
            (Some(i), _) => matched[i] = true,
            (None, None) => {}
            (None, Some(log_out)) => log_out.push(
                Finding::new(
                    FindingKind::BindingMismatch,
                    "no CONSTITUTIONAL_BINDING line in the manifest has this binding's timestamp: \
                     the binding was added or edited, or its manifest line removed",
                )
                .at(entry.line, entry.offset)
                .record(entry.timestamp.clone())
                .expected_found("a manifest binding line with this timestamp", "none"),
            ),
        }
    }
    let Some(manifest_out) = manifest_out else {
        return;
    };
    for (b, _) in manifest.iter().zip(&matched).filter(|(_, m)| !**m) {
        manifest_out.push(
            Finding::new(
                FindingKind::BindingMismatch,
                "no constitutional log entry has this binding line's timestamp: the entry was removed or edited",
            )
            .at(b.line, b.offset)
            .record(b.timestamp.clone())
            .expected_found("a constitutional_log.jsonl entry with this timestamp", "none"),
        );
    }
}
