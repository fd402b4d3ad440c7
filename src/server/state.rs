//! What the server answers reads from: the verified records of the ledger,
//! held in memory with the indexes the legacy endpoints look up by, and the
//! live verdict the watcher keeps current.
//!
//! A [`Snapshot`] is built once from a full verification and then extended
//! with the lines appended since (each verified by the watcher or written
//! by our own append path), so a read never re-reads the ledger.

use crate::analysis::records::{ChainFile, Exclusions, descriptor_file, for_each_descriptor_in};
use crate::ledger::discover::FileKind;
use crate::ledger::model::report::{FileStatus, LedgerStatus, VerifyReport};
use crate::ledger::verify::VerifyOptions;
use serde_json::value::RawValue;
use std::collections::HashMap;
use std::io::{Read, Seek, SeekFrom};
use std::path::{Path, PathBuf};

/// One descriptor as stored, with its verdict.
#[derive(Debug)]
pub struct StoredDescriptor {
    /// 1-based line in the descriptor file.
    pub line: u64,
    /// The record exactly as stored (a legacy line, a native record's body).
    pub record: Box<RawValue>,
    /// Why it is excluded (`None`: verified).
    pub excluded: Option<String>,
    /// `capability_level`.
    pub level: i64,
    /// `process_name`.
    pub process: String,
    /// The record's hash (`descriptor_hash`, or a native record's hash).
    pub hash: String,
}

/// The descriptors of the ledger, indexed for the legacy lookups.
#[derive(Debug, Default)]
pub struct Descriptors {
    /// In file order.
    pub records: Vec<StoredDescriptor>,
    by_id: HashMap<String, usize>,
    by_glyph: HashMap<String, Vec<usize>>,
    by_apriori: HashMap<String, Vec<usize>>,
    /// The descriptor file and the byte offset read up to (complete lines).
    pub file: Option<(FileKind, PathBuf)>,
    /// Bytes of the file already loaded.
    pub loaded: u64,
    /// Lines of the file already loaded.
    lines: u64,
}

impl Descriptors {
    /// The record whose `descriptor_id` is `id`.
    pub fn by_id(&self, id: &str) -> Option<&StoredDescriptor> {
        self.by_id.get(id).map(|&i| &self.records[i])
    }

    /// The records whose glyph range starts or ends at `glyph`, in file order.
    pub fn by_glyph(&self, glyph: &str) -> Vec<&StoredDescriptor> {
        self.list(self.by_glyph.get(glyph))
    }

    /// The records listing `reference` among their a-priori references.
    pub fn by_apriori(&self, reference: &str) -> Vec<&StoredDescriptor> {
        self.list(self.by_apriori.get(reference))
    }

    fn list(&self, at: Option<&Vec<usize>>) -> Vec<&StoredDescriptor> {
        at.map(|v| v.iter().map(|&i| &self.records[i]).collect())
            .unwrap_or_default()
    }

    /// Load every descriptor of the file a verification found, with the
    /// verdict it gave each.
    pub fn load(report: &VerifyReport) -> std::io::Result<Self> {
        let mut d = Descriptors::default();
        let Some(file) = descriptor_file(report) else {
            return Ok(d);
        };
        let exclusions = Exclusions::from_report(report, file.name());
        d.file = Some((file.kind, file.path.to_path_buf()));
        d.extend_from(&exclusions)?;
        Ok(d)
    }

    /// Read the complete lines appended since the last load. Lines added
    /// here were verified before they were read (by the watcher, or by the
    /// append path that wrote them), so the exclusions of the baseline
    /// stand for them.
    pub fn extend(&mut self) -> std::io::Result<usize> {
        self.extend_from(&Exclusions::default())
    }

    fn extend_from(&mut self, exclusions: &Exclusions) -> std::io::Result<usize> {
        let Some((kind, path)) = self.file.clone() else {
            return Ok(0);
        };
        let mut f = std::fs::File::open(&path)?;
        let len = f.metadata()?.len();
        if len <= self.loaded {
            return Ok(0);
        }
        f.seek(SeekFrom::Start(self.loaded))?;
        let mut bytes = Vec::with_capacity(usize::try_from(len - self.loaded).unwrap_or(0));
        f.take(len - self.loaded).read_to_end(&mut bytes)?;
        // Only complete lines: a line still being written is read next time.
        let Some(end) = memchr::memrchr(b'\n', &bytes) else {
            return Ok(0);
        };
        bytes.truncate(end + 1);
        let base = self.lines;
        let before = self.records.len();
        let chain = ChainFile { kind, path: &path };
        let max_line = VerifyOptions::default().max_line;
        let mut added = Vec::new();
        for_each_descriptor_in(
            std::io::Cursor::new(&bytes),
            chain,
            exclusions,
            max_line,
            |item| {
                let r = &item.record;
                let hash = item.native.as_ref().map_or_else(
                    || {
                        r.descriptor_hash
                            .as_ref()
                            .map(|h| h.as_str().to_owned())
                            .unwrap_or_default()
                    },
                    |n| n.hash.to_owned(),
                );
                let excluded = match &item.status {
                    crate::analysis::maturity::Inclusion::Verified => None,
                    crate::analysis::maturity::Inclusion::Excluded { reason } => {
                        Some(reason.clone())
                    }
                };
                let Ok(record) = RawValue::from_string(item.text.to_owned()) else {
                    return;
                };
                added.push((
                    StoredDescriptor {
                        line: base + item.line,
                        record,
                        excluded,
                        level: r.capability_level,
                        process: r.process_name.as_str().to_owned(),
                        hash,
                    },
                    r.descriptor_id.as_str().to_owned(),
                    [
                        r.glyph_range_start.as_str().to_owned(),
                        r.glyph_range_end.as_str().to_owned(),
                    ],
                    r.apriori_refs
                        .iter()
                        .map(|x| x.as_str().to_owned())
                        .collect::<Vec<_>>(),
                ));
            },
        )?;
        for (stored, id, glyphs, apriori) in added {
            let i = self.records.len();
            self.by_id.entry(id).or_insert(i);
            for g in glyphs {
                let v = self.by_glyph.entry(g).or_default();
                if v.last() != Some(&i) {
                    v.push(i);
                }
            }
            for a in apriori {
                let v = self.by_apriori.entry(a).or_default();
                if v.last() != Some(&i) {
                    v.push(i);
                }
            }
            self.records.push(stored);
        }
        self.loaded += bytes.len() as u64;
        self.lines += memchr::memchr_iter(b'\n', &bytes).count() as u64;
        Ok(self.records.len() - before)
    }

    /// The hash of the last record: the head of the chain.
    pub fn head(&self) -> Option<&str> {
        self.records.last().map(|r| r.hash.as_str())
    }
}

/// The verdict of one part of the ledger, as the legacy health answers name it.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Verdict {
    /// The file is there and verified.
    Clean,
    /// A violation, an alert, or a file that could not be read.
    Failed,
    /// No such file, or no records in it.
    Empty,
}

/// The live verdicts the health answers are made of.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct LiveVerdict {
    /// The time (pulse) chain.
    pub time_chain: Verdict,
    /// The SPICE layer (descriptor chain and its manifest).
    pub spice: Verdict,
    /// The last alert, when one turned a verdict to failed.
    pub alert: Option<String>,
}

impl LiveVerdict {
    /// The verdicts of a full verification.
    pub fn from_report(report: &VerifyReport) -> Self {
        let of = |kinds: &[FileKind]| {
            let files: Vec<_> = report
                .files
                .iter()
                .filter(|f| kinds.iter().any(|k| k.name() == f.name))
                .collect();
            if files.is_empty() || files.iter().all(|f| f.records == 0) {
                if files.iter().any(|f| f.status == FileStatus::Unreadable) {
                    return Verdict::Failed;
                }
                return Verdict::Empty;
            }
            if files.iter().all(|f| f.status == FileStatus::Verified) {
                Verdict::Clean
            } else {
                Verdict::Failed
            }
        };
        let spice = of(&[
            FileKind::SpiceChain,
            FileKind::IntegrityManifest,
            FileKind::NativeDescriptors,
        ]);
        // A violation outside both parts (a native ledger's metadata or
        // events, its checkpoints) fails both.
        let parts = [
            FileKind::GlyphChain,
            FileKind::NativePulses,
            FileKind::SpiceChain,
            FileKind::IntegrityManifest,
            FileKind::NativeDescriptors,
        ];
        let whole = report.files.iter().any(|f| {
            !parts.iter().any(|k| k.name() == f.name)
                && matches!(f.status, FileStatus::Violated | FileStatus::Unreadable)
        }) || (report.status != LedgerStatus::Clean
            && report
                .files
                .iter()
                .all(|f| f.status == FileStatus::Verified));
        let fail = |v: Verdict| {
            if whole && v == Verdict::Clean {
                Verdict::Failed
            } else {
                v
            }
        };
        LiveVerdict {
            time_chain: fail(of(&[FileKind::GlyphChain, FileKind::NativePulses])),
            spice: fail(spice),
            alert: None,
        }
    }
}

/// The ledger's root as given.
pub fn root_of(path: &Path) -> PathBuf {
    path.to_path_buf()
}
