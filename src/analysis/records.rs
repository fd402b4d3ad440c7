//! The descriptors of a ledger, each with the verdict verification gave it.
//!
//! Analysis counts only what verified. A record is excluded when its own
//! line carries a violation, or when a violation elsewhere implicates it (a
//! manifest line that no longer matches names the chain lines it attested).
//! Records of a file without a hash chain (the v1 layer) are excluded as
//! unverifiable: nothing vouches for them.

use crate::analysis::maturity::{DatasetInfo, RecordStatus};
use crate::ledger::discover::FileKind;
use crate::ledger::finding::Severity;
use crate::ledger::legacy::descriptor::DescriptorRecord;
use crate::ledger::reader::{Content, LineReader};
use crate::ledger::report::VerifyReport;
use sha2::{Digest, Sha256};
use std::collections::BTreeMap;
use std::fs::File;
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
    /// The exclusions for the file `name` of a verification report.
    pub fn from_report(report: &VerifyReport, name: &str) -> Self {
        let mut ex = Exclusions::default();
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
                if let Some(r) = f.related.as_ref().filter(|r| r.file == name) {
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
    pub fn status(&self, line: u64) -> RecordStatus {
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
            Some(r) => RecordStatus::Excluded { reason: r.clone() },
            None => RecordStatus::Verified,
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

/// Read the descriptor file at `path` once, handing each record that parses
/// to `f` with its line's text, its line number and its verdict; return what identifies the data set (the
/// file's SHA-256 and the records read). Lines that do not parse as a
/// descriptor are not records; verification has reported them.
pub fn for_each_descriptor(
    path: &Path,
    exclusions: &Exclusions,
    max_line: usize,
    mut f: impl FnMut(&DescriptorRecord<'_>, &str, u64, RecordStatus),
) -> io::Result<DatasetInfo> {
    let file = File::open(path)?;
    let mut reader = LineReader::with_limit(
        Hashing {
            inner: file,
            hasher: Sha256::new(),
        },
        max_line,
    );
    let mut records = 0;
    while let Some(line) = reader.next_line()? {
        let Content::Bytes(bytes) = line.content else {
            continue;
        };
        let Ok(text) = std::str::from_utf8(bytes) else {
            continue;
        };
        if let Ok(record) = serde_json::from_str::<DescriptorRecord>(text) {
            records += 1;
            f(&record, text, line.number, exclusions.status(line.number));
        }
    }
    let digest = reader.into_inner().hasher.finalize();
    Ok(DatasetInfo {
        path: path.display().to_string(),
        sha256: hex::encode(digest),
        records_read: records,
    })
}

/// Each complete line of a file that parses as JSON, with its line number;
/// other lines are skipped (verification reports them). For the lookups
/// that read any of a ledger's files generically.
pub fn for_each_object(
    path: &Path,
    max_line: usize,
    mut f: impl FnMut(u64, &serde_json::Value),
) -> io::Result<()> {
    let mut reader = LineReader::with_limit(File::open(path)?, max_line);
    while let Some(line) = reader.next_line()? {
        let Content::Bytes(bytes) = line.content else {
            continue;
        };
        if let Ok(v) = serde_json::from_slice::<serde_json::Value>(bytes) {
            f(line.number, &v);
        }
    }
    Ok(())
}

/// The descriptor file of a verified ledger: the hash-chained one, or the
/// v1 layer's when that is all there is.
pub fn descriptor_file(report: &VerifyReport) -> Option<(&'static str, &Path)> {
    [FileKind::SpiceChain, FileKind::SpiceDescriptorsV1]
        .into_iter()
        .find_map(|kind| {
            report
                .files
                .iter()
                .find(|f| f.name == kind.name())
                .map(|f| (kind.name(), Path::new(f.path.as_str())))
        })
}
