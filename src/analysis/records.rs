//! The descriptors of a ledger, each with the verdict verification gave it.
//!
//! Analysis counts only what verified. A record is excluded when its own
//! line carries a violation, or when a violation elsewhere implicates it (a
//! manifest line that no longer matches names the chain lines it attested).
//! Records of a file without a hash chain (the v1 layer) are excluded as
//! unverifiable: nothing vouches for them.
//!
//! The walkers read legacy and native ledgers alike: a native record's body
//! is a legacy descriptor (plus attribute ratings), so every analysis that
//! reads descriptors through [`for_each_descriptor`] works on both; native
//! findings are located by line like legacy ones, and a signed checkpoint
//! that no longer matches names the records it can no longer vouch for.

use crate::analysis::maturity::{
    AttributeRatings, DatasetInfo, ExcludedRecord, Inclusion, LIST_LIMIT,
};
use crate::ledger::discover::FileKind;
use crate::ledger::io::reader::{Content, LineReader};
use crate::ledger::json::clip;
use crate::ledger::model::descriptor::DescriptorRecord;
use crate::ledger::model::finding::{FindingKind, Severity};
use crate::ledger::model::report::VerifyReport;
use crate::ledger::native::format::descriptor_view::read_descriptor_body;
use crate::ledger::native::format::record::parse_fields;
use sha2::{Digest, Sha256};
use std::collections::BTreeMap;
use std::io::{self, Read};
use std::path::Path;

/// Which lines of a descriptor file failed verification, and why.
#[derive(Debug, Clone, Default)]
pub struct Exclusions {
    /// The first violation on a line.
    lines: BTreeMap<u64, String>,
    /// Ranges implicated by findings in other files.
    ranges: Vec<(u64, u64, String)>,
    /// Every record is excluded (an unchained file).
    all: Option<String>,
}

impl Exclusions {
    /// Whether no record is excluded.
    pub fn is_empty(&self) -> bool {
        self.lines.is_empty() && self.ranges.is_empty() && self.all.is_none()
    }

    /// Each of `lines` (1-based, with why) excluded, and nothing else: the
    /// lines a watcher found violated among those it judged.
    pub fn of_lines(lines: impl IntoIterator<Item = (u64, String)>) -> Self {
        Exclusions {
            lines: lines.into_iter().collect(),
            ..Exclusions::default()
        }
    }

    /// The exclusions for the file `name` of a verification report.
    pub fn from_report(report: &VerifyReport, name: &str) -> Self {
        let mut ex = Exclusions::default();
        // A native chain whose every record's MAC was checked vouches for
        // each record on its own: a signed checkpoint that no longer
        // matches then implicates only the records with their own finding.
        let macs_vouch = report.files.iter().any(|f| {
            f.name == name
                && f.native.as_ref().is_some_and(|n| {
                    // Every MAC present was checked (a record whose MAC
                    // is missing or wrong has its own finding).
                    n.mac_required.is_some() && n.macs_checked > 0 && n.macs_unchecked == 0
                })
        });
        for file in &report.files {
            for f in file
                .findings
                .iter()
                .filter(|f| f.severity == Severity::Violation)
            {
                if file.name == name
                    && let Some(line) = f.line
                {
                    ex.lines
                        .entry(line)
                        .or_insert_with(|| format!("{} at line {line}", f.kind));
                }
                let by_signature = f.kind == FindingKind::CheckpointMismatch;
                if let Some(r) = f
                    .related
                    .as_ref()
                    .filter(|r| r.file == name && !(by_signature && macs_vouch))
                {
                    let at = f.line.map_or_else(String::new, |l| format!(" line {l}"));
                    ex.ranges.push((
                        r.first_line,
                        r.last_line,
                        format!("{} in {}{at}", f.kind, file.name),
                    ));
                }
            }
            if file.name == name && !file.coverage.hash_chained {
                ex.all = Some(format!("UNCHAINED: {} carries no hashes", file.name));
            }
        }
        ex
    }

    /// The verdict on the record at `line`.
    pub fn status(&self, line: u64) -> Inclusion {
        let reason = self
            .all
            .as_ref()
            .or_else(|| self.lines.get(&line))
            .or_else(|| {
                self.ranges
                    .iter()
                    .find(|(a, b, _)| (*a..=*b).contains(&line))
                    .map(|(.., r)| r)
            });
        match reason {
            Some(r) => Inclusion::Excluded { reason: r.clone() },
            None => Inclusion::Verified,
        }
    }
}

/// Hashes everything read through it.
struct Hashing<R> {
    inner: R,
    hasher: Sha256,
}

impl<R: Read> Read for Hashing<R> {
    fn read(&mut self, buf: &mut [u8]) -> io::Result<usize> {
        let n = self.inner.read(buf)?;
        self.hasher.update(&buf[..n]);
        Ok(n)
    }
}

/// A ledger's descriptor or pulse file, and which format it is in.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct ChainFile<'p> {
    /// `SpiceChain`, `SpiceDescriptorsV1`, `NativeDescriptors`,
    /// `GlyphChain` or `NativePulses`.
    pub kind: FileKind,
    /// Where it is.
    pub path: &'p Path,
}

impl ChainFile<'_> {
    /// The file's name in verification reports.
    pub fn name(&self) -> &'static str {
        self.kind.name()
    }

    /// The format the records are in.
    pub fn format_name(&self) -> &'static str {
        self.kind.format_name()
    }
}

/// What a native record adds around its descriptor body.
#[derive(Debug, Clone)]
pub struct NativeParts<'a> {
    /// `SEQ`.
    pub seq: u64,
    /// `PREV`.
    pub prev: &'a str,
    /// `HASH`: over the chain name, `SEQ`, `PREV` and every byte of the body.
    pub hash: &'a str,
    /// `KEYID:MAC`, when the record carries one.
    pub mac: Option<(&'a str, &'a str)>,
    /// The ISO/IEC 33020 attribute ratings, when the body carries them.
    pub ratings: Option<AttributeRatings>,
    /// For a migrated record, the legacy line it was copied from.
    pub legacy_line: Option<u64>,
    /// And that line's legacy `descriptor_hash`.
    pub legacy_descriptor_hash: Option<String>,
}

/// One descriptor as the walker hands it out.
#[derive(Debug, Clone)]
pub struct DescriptorItem<'a> {
    /// The descriptor's fields.
    pub record: DescriptorRecord<'a>,
    /// The descriptor's JSON exactly as stored: the legacy line, or the
    /// native record's body bytes (the bytes its hash covers).
    pub text: &'a str,
    /// 1-based line in the file.
    pub line: u64,
    /// Byte offset of `text` in what was read (an index can read the
    /// record again from there).
    pub offset: u64,
    /// The verifier's verdict.
    pub status: Inclusion,
    /// The native record around the body, for a native ledger.
    pub native: Option<NativeParts<'a>>,
}

impl DescriptorItem<'_> {
    /// The record's attribute ratings (native records only).
    pub fn ratings(&self) -> Option<&AttributeRatings> {
        self.native.as_ref().and_then(|n| n.ratings.as_ref())
    }
}

/// Read the descriptor file once, handing each record that parses to `f`
/// with its stored text, line number, verdict and (native) framing; return
/// what identifies the data set (the file's SHA-256 and the records read).
///
/// Legacy lines that do not parse as a descriptor are not records:
/// verification has reported them. A native line that does not parse as a
/// record is not one either (`PARSE_ERROR`); but a native record whose body
/// is not a descriptor is a record verification passed without looking
/// inside, so it is counted as read and named in the data set
/// (`not_descriptors`) instead of being handed to `f`.
pub fn for_each_descriptor(
    file: ChainFile<'_>,
    exclusions: &Exclusions,
    max_line: usize,
    f: impl FnMut(&DescriptorItem<'_>),
) -> io::Result<DatasetInfo> {
    for_each_descriptor_in(
        crate::ledger::input::open_regular(file.path)?,
        file,
        exclusions,
        max_line,
        f,
    )
}

/// [`for_each_descriptor`] over the bytes of `file` as `source` yields them
/// (a tap on the verifier's own read: one pass for verification and report).
pub fn for_each_descriptor_in(
    source: impl Read,
    file: ChainFile<'_>,
    exclusions: &Exclusions,
    max_line: usize,
    mut f: impl FnMut(&DescriptorItem<'_>),
) -> io::Result<DatasetInfo> {
    let mut reader = LineReader::with_limit(
        Hashing {
            inner: source,
            hasher: Sha256::new(),
        },
        max_line,
    );
    let mut records = 0;
    let mut not_descriptors = 0;
    let mut first_not = Vec::new();
    while let Some(line) = reader.next_line()? {
        let Content::Bytes(bytes) = line.content else {
            continue;
        };
        let Ok(text) = std::str::from_utf8(bytes) else {
            continue;
        };
        // Where a part of this line starts in the file (the BOM is not
        // part of the content).
        let bom = if line.bom { 3 } else { 0 };
        let at = |part: &str| {
            line.offset + bom + (part.as_ptr() as usize - text.as_ptr() as usize) as u64
        };
        if !file.kind.framed() {
            if let Ok(record) = serde_json::from_str::<DescriptorRecord>(text) {
                records += 1;
                f(&DescriptorItem {
                    record,
                    text,
                    line: line.number,
                    offset: at(text),
                    status: exclusions.status(line.number),
                    native: None,
                });
            }
            continue;
        }
        let Ok((frame, _)) = parse_fields(text) else {
            continue;
        };
        records += 1;
        match read_descriptor_body(frame.body) {
            Ok(d) => f(&DescriptorItem {
                record: d.record,
                text: frame.body,
                line: line.number,
                offset: at(frame.body),
                status: exclusions.status(line.number),
                native: Some(NativeParts {
                    seq: frame.seq,
                    prev: frame.prev,
                    hash: frame.hash,
                    mac: frame.mac,
                    ratings: d.ratings,
                    legacy_line: d.legacy_line,
                    legacy_descriptor_hash: d.legacy_descriptor_hash.map(|h| h.0.into_owned()),
                }),
            }),
            Err(reason) => {
                not_descriptors += 1;
                if first_not.len() < LIST_LIMIT {
                    first_not.push(ExcludedRecord {
                        line: line.number,
                        reason: clip(&format!("not a SPICE descriptor: {reason}"), 200),
                    });
                }
            }
        }
    }
    let digest = reader.into_inner().hasher.finalize();
    Ok(DatasetInfo {
        path: file.path.display().to_string(),
        sha256: hex::encode(digest),
        records_read: records,
        format: file.format_name(),
        not_descriptors,
        first_not_descriptors: first_not,
    })
}

/// The descriptor file of a verified ledger: the legacy hash-chained one,
/// a native ledger's `descriptors`, or the v1 layer's when that is all
/// there is.
pub fn descriptor_file(report: &VerifyReport) -> Option<ChainFile<'_>> {
    first_file(
        report,
        &[
            FileKind::SpiceChain,
            FileKind::NativeDescriptors,
            FileKind::SpiceDescriptorsV1,
        ],
    )
}

/// The pulse file of a verified ledger: the legacy `glyph_chain` or a
/// native ledger's `pulses`.
pub fn pulse_file(report: &VerifyReport) -> Option<ChainFile<'_>> {
    first_file(report, &[FileKind::GlyphChain, FileKind::NativePulses])
}

fn first_file<'r>(report: &'r VerifyReport, kinds: &[FileKind]) -> Option<ChainFile<'r>> {
    kinds.iter().copied().find_map(|kind| {
        report
            .files
            .iter()
            .find(|f| f.name == kind.name())
            .map(|f| ChainFile {
                kind,
                path: Path::new(f.path.as_str()),
            })
    })
}

/// The fields of a record line read generically: a native line's `body`,
/// a legacy line itself.
pub fn record_fields(v: &serde_json::Value, native: bool) -> &serde_json::Value {
    if native {
        v.get("body").unwrap_or(&serde_json::Value::Null)
    } else {
        v
    }
}

/// The maturity report over the descriptors of `file`, in one pass: each
/// verified record counted, native attribute ratings fed to the ISO/IEC
/// 33020 rule, excluded records listed with their reasons.
pub fn maturity_report(
    file: ChainFile<'_>,
    exclusions: &Exclusions,
    max_line: usize,
) -> io::Result<crate::analysis::maturity::MaturityReport> {
    maturity_report_in(
        crate::ledger::input::open_regular(file.path)?,
        file,
        exclusions,
        max_line,
    )
}

/// [`maturity_report`] over the bytes `source` yields (see
/// [`for_each_descriptor_in`]).
pub fn maturity_report_in(
    source: impl Read,
    file: ChainFile<'_>,
    exclusions: &Exclusions,
    max_line: usize,
) -> io::Result<crate::analysis::maturity::MaturityReport> {
    let mut builder = crate::analysis::maturity::MaturityBuilder::new();
    let dataset = for_each_descriptor_in(source, file, exclusions, max_line, |item| {
        builder.add_rated(&item.record, item.line, item.status.clone(), item.ratings());
    })?;
    Ok(builder.finish(dataset))
}
