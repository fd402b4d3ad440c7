//! Which absent legacy files are evidence (`MISSING_FILE`), given what the
//! files that are there hold.
//!
//! A copy of a ledger may legitimately lack a layer (the time logs were not
//! copied) or a file the service had not written yet. But the service
//! writes some files together, so some absences are proof that a file
//! existed and was removed. The rule for each file, and why, is the
//! table "Missing files" of docs/FINDINGS.md; in short:
//!
//! | absent | is a violation when | because |
//! |---|---|---|
//! | `integrity_manifest.jsonl` | the chain has a record, or the constitutional log an entry | each descriptor and each service start writes a manifest line |
//! | `integrity_manifest.jsonl` with no line | the chain has a record (`MANIFEST_MISMATCH`) | an emptied witness is a removed one |
//! | `spice_chain.jsonl` | the manifest attests a count above 0 | the manifest says the chain held that many records |
//! | `constitutional_log.jsonl` | the manifest has a `CONSTITUTIONAL_BINDING` line | each start writes both |
//! | `forensic_audit.log` | the pulse chain has a pulse | a pulse comes from a time keeper that logged its start |
//! | `glyph_chain.jsonl` | never | a started time keeper need not have issued a pulse |
//! | v1 layer files | never | the v1 layer is not hash-chained: it carries no claim to check |

use crate::ledger::discover::{Discovery, FileKind};
use crate::ledger::legacy::verify::manifest::ManifestVerifier;
use crate::ledger::model::finding::{Finding, FindingKind};
use crate::ledger::model::report::FileReport;

/// One absence that is evidence: the missing file, the file whose content
/// proves it existed, and the finding to put on that file.
struct Evidence {
    missing: FileKind,
    on: FileKind,
    finding: Finding,
}

/// Add a `MISSING_FILE` finding, on the file that proves it, for each file
/// of `d.missing` that the other files require; return the kinds reported.
pub fn report_missing(
    d: &Discovery,
    files: &mut [FileReport],
    manifest: Option<&ManifestVerifier>,
) -> Vec<FileKind> {
    let records = |kind: FileKind| {
        files
            .iter()
            .find(|f| f.name == kind.name())
            .map_or(0, |f| f.records)
    };
    let (chain, log, pulses) = (
        records(FileKind::SpiceChain),
        records(FileKind::ConstitutionalLog),
        records(FileKind::GlyphChain),
    );
    let mut found = Vec::new();
    for m in &d.missing {
        let path = m.path.display().to_string();
        let evidence = match m.kind {
            FileKind::IntegrityManifest => manifest_missing(&path, chain, log),
            FileKind::SpiceChain => manifest
                .and_then(ManifestVerifier::attested_at)
                .filter(|&(count, _)| count > 0)
                .map(|(count, line)| Evidence {
                    missing: m.kind,
                    on: FileKind::IntegrityManifest,
                    finding: missing(
                        &path,
                        format!(
                            "spice_chain.jsonl is missing, but the manifest attests {count} descriptor(s) in it \
                             (line {line}): the chain existed and was removed"
                        ),
                        format!("spice_chain.jsonl with at least {count} records"),
                    )
                    .on_line(line),
                }),
            FileKind::ConstitutionalLog => manifest
                .and_then(|v| v.bindings().first().map(|b| (v.bindings().len(), b)))
                .map(|(n, first)| Evidence {
                    missing: m.kind,
                    on: FileKind::IntegrityManifest,
                    finding: missing(
                        &path,
                        format!(
                            "constitutional_log.jsonl is missing, but the manifest records {n} service start(s) \
                             (CONSTITUTIONAL_BINDING lines, the first at line {}): each start writes a \
                             constitutional log entry with its manifest line, so the log existed and was removed",
                            first.line
                        ),
                        format!("constitutional_log.jsonl with {n} binding(s)"),
                    )
                    .at(first.line, first.offset),
                }),
            FileKind::ForensicAudit => Some(pulses)
                .filter(|&n| n > 0)
                .map(|n| Evidence {
                    missing: m.kind,
                    on: FileKind::GlyphChain,
                    finding: missing(
                        &path,
                        format!(
                            "forensic_audit.log is missing, but the pulse chain holds {n} pulse(s): pulses come \
                             from a running time keeper, and each time keeper logs its start there first, so the \
                             log existed and was removed (the run boundaries it gave are lost)"
                        ),
                        "forensic_audit.log with a line per time-keeper start".to_owned(),
                    ),
                }),
            _ => None,
        };
        if let Some(e) = evidence
            && let Some(f) = files.iter_mut().find(|f| f.name == e.on.name())
        {
            f.findings.push(e.finding);
            found.push(e.missing);
        }
    }
    emptied_manifest(files, manifest, chain);
    found
}

/// A manifest that is there but holds no line at all, beside a chain with
/// records, was emptied: the same evidence as a removed one (the manifest
/// verifier itself only weighs lines it has).
fn emptied_manifest(files: &mut [FileReport], manifest: Option<&ManifestVerifier>, chain: u64) {
    let Some(m) = files
        .iter_mut()
        .find(|f| f.name == FileKind::IntegrityManifest.name())
    else {
        return;
    };
    // Broken lines are reported on their own; blank ones hold no record.
    if chain == 0
        || m.error.is_some()
        || m.violations() > 0
        || manifest.is_none_or(|v| v.records() > 0)
    {
        return;
    }
    m.findings.push(
        Finding::new(
            FindingKind::ManifestMismatch,
            format!(
                "integrity_manifest.jsonl holds no line, but the chain holds {chain} descriptor(s) and the service writes \
                 a manifest line with each one (and one at each start): the manifest was emptied, and with it the \
                 chain's independent witness"
            ),
        )
        .expected_found(
            format!("a manifest line for each of the {chain} records"),
            "no manifest line",
        ),
    );
}

/// The manifest is required by a chain record or a constitutional binding.
fn manifest_missing(path: &str, chain: u64, bindings: u64) -> Option<Evidence> {
    let (on, why) = if chain > 0 {
        (
            FileKind::SpiceChain,
            format!(
                "the chain holds {chain} descriptor(s) and the service writes a manifest line with each one"
            ),
        )
    } else if bindings > 0 {
        (
            FileKind::ConstitutionalLog,
            format!(
                "the constitutional log records {bindings} service start(s) and each start writes a manifest line too"
            ),
        )
    } else {
        return None;
    };
    Some(Evidence {
        missing: FileKind::IntegrityManifest,
        on,
        finding: missing(
            path,
            format!(
                "integrity_manifest.jsonl is missing, but {why}: the manifest existed and was removed, and with it \
                 the independent witness of the chain (records can now be changed, removed or re-sealed without trace)"
            ),
            "integrity_manifest.jsonl beside the chain".to_owned(),
        ),
    })
}

fn missing(path: &str, detail: String, expected: String) -> Finding {
    Finding::new(FindingKind::MissingFile, detail)
        .expected_found(expected, format!("no file at {path}"))
}

/// Locate a finding at a line whose byte offset was not kept.
trait OnLine {
    fn on_line(self, line: u64) -> Self;
}

impl OnLine for Finding {
    fn on_line(mut self, line: u64) -> Self {
        self.line = Some(line);
        self
    }
}
