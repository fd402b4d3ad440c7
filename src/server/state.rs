//! What the server answers reads from: the verified records of the ledger,
//! held in memory with the indexes the legacy endpoints look up by, and the
//! live verdict the watcher keeps current.
//!
//! The index is built once from a full verification (the bytes it read,
//! no more) and then extended with the lines appended since, as far as the
//! watcher or our own writer judged them and with their verdicts
//! ([`super::judged`]), so a read never re-reads the ledger and never
//! answers an unjudged line as verified. It holds
//! where each record is in the file, not its text: a read takes the
//! record's bytes from there (one `pread`) and checks them against the
//! digest taken when it was verified, so memory stays small on a ledger of
//! a million records and an answer is never made of bytes that changed.

use super::judged::Through;
use crate::analysis::records::{ChainFile, Exclusions, descriptor_file, for_each_descriptor_in};
use crate::ledger::discover::FileKind;
use crate::ledger::model::report::{FileStatus, LedgerStatus, VerifyReport};
use crate::ledger::verify::VerifyOptions;
use sha2::{Digest, Sha256};
use std::collections::HashMap;
use std::io::{Read, Seek, SeekFrom};
use std::path::{Path, PathBuf};
use std::sync::Arc;

/// One descriptor as stored, with its verdict.
#[derive(Debug)]
pub struct StoredDescriptor {
    /// 1-based line in the descriptor file.
    pub line: u64,
    /// Byte offset of the record's text (a legacy line, a native record's
    /// body) in the descriptor file.
    offset: u64,
    /// Its length in bytes.
    len: u32,
    /// The first 8 bytes of the text's SHA-256, as verified.
    digest: [u8; 8],
    /// Why it is excluded (`None`: verified).
    pub excluded: Option<Box<str>>,
    /// `capability_level`.
    pub level: i64,
    /// `process_name` (one allocation per distinct name).
    pub process: Arc<str>,
    /// The record's hash (`descriptor_hash`, or a native record's hash).
    pub hash: Box<str>,
}

fn digest8(text: &[u8]) -> [u8; 8] {
    let full: [u8; 32] = Sha256::digest(text).into();
    let mut d = [0u8; 8];
    d.copy_from_slice(&full[..8]);
    d
}

/// The descriptors of the ledger, indexed for the legacy lookups.
#[derive(Debug, Default)]
pub struct Descriptors {
    /// In file order.
    pub records: Vec<StoredDescriptor>,
    by_id: HashMap<Box<str>, u32>,
    by_glyph: HashMap<Box<str>, Vec<u32>>,
    by_apriori: HashMap<Box<str>, Vec<u32>>,
    processes: HashMap<Box<str>, Arc<str>>,
    /// The descriptor file and the byte offset read up to (complete lines).
    pub file: Option<(FileKind, PathBuf)>,
    /// The descriptor file, open for reading records on demand (the inode
    /// that was verified, whatever happens to the path; a reload opens it
    /// again).
    handle: Option<std::fs::File>,
    /// Bytes of the file already loaded.
    pub loaded: u64,
    /// Lines of the file already loaded.
    lines: u64,
}

impl Descriptors {
    /// The record whose `descriptor_id` is `id`.
    pub fn by_id(&self, id: &str) -> Option<&StoredDescriptor> {
        self.by_id.get(id).map(|&i| &self.records[i as usize])
    }

    /// The text of `d` exactly as stored, read from the file and checked
    /// against the digest taken when it was verified: an error (not other
    /// bytes) when it cannot be read or changed since.
    pub fn text(&self, d: &StoredDescriptor) -> std::io::Result<String> {
        use std::os::unix::fs::FileExt;
        let Some(f) = &self.handle else {
            return Err(std::io::Error::other("the descriptor file is not open"));
        };
        let mut buf = vec![0u8; d.len as usize];
        f.read_exact_at(&mut buf, d.offset)?;
        if digest8(&buf) != d.digest {
            return Err(std::io::Error::other(format!(
                "line {} of the descriptor file changed since it was verified (its bytes at offset {} differ); run `iss verify`",
                d.line, d.offset
            )));
        }
        String::from_utf8(buf).map_err(std::io::Error::other)
    }

    /// The records whose glyph range starts or ends at `glyph`, in file order.
    pub fn by_glyph(&self, glyph: &str) -> Vec<&StoredDescriptor> {
        self.list(self.by_glyph.get(glyph))
    }

    /// The records listing `reference` among their a-priori references.
    pub fn by_apriori(&self, reference: &str) -> Vec<&StoredDescriptor> {
        self.list(self.by_apriori.get(reference))
    }

    fn list(&self, at: Option<&Vec<u32>>) -> Vec<&StoredDescriptor> {
        at.map(|v| v.iter().map(|&i| &self.records[i as usize]).collect())
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
        // The lines the verification read, no more: a line appended since
        // is taken in once the watcher judged it.
        let verified = verified_bytes(report, file.name());
        d.extend_from(&exclusions, Cap::bytes(verified))?;
        Ok(d)
    }

    /// Take in the lines `judged` covers (the watcher's verdicts on the
    /// lines appended since, or our writer's own lines), excluding the
    /// violated ones; a line already taken in that is now found violated
    /// is excluded from now on.
    pub fn take_in(&mut self, judged: &Through) -> std::io::Result<usize> {
        for (&line, why) in judged.violated.range(..=self.lines) {
            if let Ok(i) = self.records.binary_search_by_key(&line, |r| r.line)
                && self.records[i].excluded.is_none()
            {
                self.records[i].excluded = Some(why.as_str().into());
            }
        }
        let Some(through) = judged.line.filter(|&l| l > self.lines) else {
            return Ok(0);
        };
        // The exclusions count lines from where this read starts.
        let base = self.lines;
        let exclusions = Exclusions::of_lines(
            judged
                .violated
                .range(base + 1..)
                .map(|(&l, why)| (l - base, why.clone())),
        );
        self.extend_from(&exclusions, Cap::lines(through - base))
    }

    fn extend_from(&mut self, exclusions: &Exclusions, cap: Cap) -> std::io::Result<usize> {
        let Some((kind, path)) = self.file.clone() else {
            return Ok(0);
        };
        if self.handle.is_none() {
            self.handle = Some(std::fs::File::open(&path)?);
        }
        let Some(end) = cap.end(&path, self.loaded)? else {
            return Ok(0);
        };
        let mut f = std::fs::File::open(&path)?;
        f.seek(SeekFrom::Start(self.loaded))?;
        let mut source = CountLines::new(f.take(end - self.loaded), cap.lines);
        let (base, base_offset) = (self.lines, self.loaded);
        let before = self.records.len();
        let chain = ChainFile { kind, path: &path };
        let max_line = VerifyOptions::default().max_line;
        for_each_descriptor_in(&mut source, chain, exclusions, max_line, |item| {
            let r = &item.record;
            let hash = item.native.as_ref().map_or_else(
                || {
                    r.descriptor_hash
                        .as_ref()
                        .map(|h| h.as_str().into())
                        .unwrap_or_default()
                },
                |n| n.hash.into(),
            );
            let excluded = match &item.status {
                crate::analysis::maturity::Inclusion::Verified => None,
                crate::analysis::maturity::Inclusion::Excluded { reason } => {
                    Some(reason.as_str().into())
                }
            };
            let (Ok(len), Ok(i)) = (
                u32::try_from(item.text.len()),
                u32::try_from(self.records.len()),
            ) else {
                return;
            };
            let process = r.process_name.as_str();
            let process = if let Some(p) = self.processes.get(process) {
                Arc::clone(p)
            } else {
                let p: Arc<str> = process.into();
                self.processes.insert(process.into(), Arc::clone(&p));
                p
            };
            self.by_id
                .entry(r.descriptor_id.as_str().into())
                .or_insert(i);
            for g in [&r.glyph_range_start, &r.glyph_range_end] {
                let v = self.by_glyph.entry(g.as_str().into()).or_default();
                if v.last() != Some(&i) {
                    v.push(i);
                }
            }
            for a in &r.apriori_refs {
                let v = self.by_apriori.entry(a.as_str().into()).or_default();
                if v.last() != Some(&i) {
                    v.push(i);
                }
            }
            self.records.push(StoredDescriptor {
                line: base + item.line,
                offset: base_offset + item.offset,
                len,
                digest: digest8(item.text.as_bytes()),
                excluded,
                level: r.capability_level,
                process,
                hash,
            });
        })?;
        self.loaded += source.bytes;
        self.lines += source.lines;
        Ok(self.records.len() - before)
    }

    /// The hash of the last record: the head of the chain.
    pub fn head(&self) -> Option<&str> {
        self.records.last().map(|r| &*r.hash)
    }
}

/// The bytes of `name` a verification read (0 when it is not in the report).
pub(super) fn verified_bytes(report: &VerifyReport, name: &str) -> u64 {
    report
        .files
        .iter()
        .find(|f| f.name == name)
        .map_or(0, |f| f.bytes)
}

/// How far an index may read past what it holds: never past the last
/// complete line (a line still being written is read next time), and
/// never past the bytes or lines somebody judged.
#[derive(Debug, Clone, Copy)]
pub(super) struct Cap {
    /// The file's bytes a full verification read.
    bytes: Option<u64>,
    /// Lines the watcher or the writer judged past those held.
    pub lines: Option<u64>,
}

impl Cap {
    /// Up to `bytes` of the file.
    pub fn bytes(bytes: u64) -> Self {
        Cap {
            bytes: Some(bytes),
            lines: None,
        }
    }

    /// `lines` more lines.
    pub fn lines(lines: u64) -> Self {
        Cap {
            bytes: None,
            lines: Some(lines),
        }
    }

    /// The byte offset to read up to from `loaded`; `None`: nothing to read.
    pub fn end(&self, path: &Path, loaded: u64) -> std::io::Result<Option<u64>> {
        let complete = match crate::ledger::append::Tail::read(path) {
            Ok(t) => t.complete().len,
            Err(e) => return Err(std::io::Error::other(e.to_string())),
        };
        let end = match self.bytes {
            // The verification may have read part of a line then being
            // written: up to the end of the last whole line before it.
            Some(b) if b < complete => after_last_line_feed(path, loaded, b)?,
            _ => complete,
        };
        Ok((end > loaded).then_some(end))
    }
}

/// The offset just past the last line feed in `from..to` of `path` (`from`
/// when there is none).
fn after_last_line_feed(path: &Path, from: u64, to: u64) -> std::io::Result<u64> {
    use std::os::unix::fs::FileExt;
    const BLOCK: u64 = 64 * 1024;
    let f = std::fs::File::open(path)?;
    let mut end = to;
    let mut buf = vec![0u8; BLOCK as usize];
    while end > from {
        let start = end.saturating_sub(BLOCK).max(from);
        let block = &mut buf[..(end - start) as usize];
        f.read_exact_at(block, start)?;
        if let Some(at) = memchr::memrchr(b'\n', block) {
            return Ok(start + at as u64 + 1);
        }
        end = start;
    }
    Ok(from)
}

/// A reader that counts the bytes and lines that went through it, and
/// ends after `limit` lines when given one.
pub(super) struct CountLines<R> {
    inner: R,
    /// Line feeds read.
    pub lines: u64,
    /// Bytes read.
    pub bytes: u64,
    limit: u64,
}

impl<R> CountLines<R> {
    /// Count what is read from `inner`, ending after `limit` lines.
    pub fn new(inner: R, limit: Option<u64>) -> Self {
        CountLines {
            inner,
            lines: 0,
            bytes: 0,
            limit: limit.unwrap_or(u64::MAX),
        }
    }
}

impl<R: Read> Read for CountLines<R> {
    fn read(&mut self, buf: &mut [u8]) -> std::io::Result<usize> {
        if self.lines >= self.limit {
            return Ok(0);
        }
        let n = self.inner.read(buf)?;
        // The bytes after the last line allowed are not handed on (nor
        // counted): the next read starts from the line after it.
        let mut take = n;
        let mut lines = 0;
        for at in memchr::memchr_iter(b'\n', &buf[..n]) {
            lines += 1;
            if self.lines + lines == self.limit {
                take = at + 1;
                break;
            }
        }
        self.lines += lines;
        self.bytes += take as u64;
        Ok(take)
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

#[cfg(test)]
#[path = "state_tests.rs"]
mod tests;
