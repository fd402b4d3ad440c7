//! How far a verification has read each file, for a screen that shows a
//! gauge while a large ledger is verified.
//!
//! Verification reads every file through [`crate::ledger::io::scan::open`];
//! rather than threading a progress handle through every verifier, a
//! [`Progress`] registers the paths it wants to follow, and `open` gives each
//! reader of such a path a byte counter ([`counted`]). Nothing else changes:
//! a verification nobody follows pays one uncontended lock per file opened.
//! Two verifications of the same file at once (the workstation's load and
//! its watcher) each count on their own; a file's progress is the furthest
//! read.
//!
//! Progress is information for a person, never evidence: a report says what
//! was verified, the gauge only how far the reading has got.

use std::io::{self, Read};
use std::path::{Path, PathBuf};
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::{Arc, Mutex, PoisonError, Weak};

/// Every live [`Progress`], weakly: dropping the last clone unregisters it.
static FOLLOWED: Mutex<Vec<Weak<Followed>>> = Mutex::new(Vec::new());

#[derive(Debug)]
struct Followed {
    files: Vec<Entry>,
}

#[derive(Debug)]
struct Entry {
    given: PathBuf,
    canonical: PathBuf,
    total: u64,
    readers: Mutex<Vec<Arc<AtomicU64>>>,
}

/// Follows how far the files given to [`Progress::follow`] are read.
#[derive(Debug, Clone)]
pub struct Progress(Arc<Followed>);

/// One file's progress.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct FileProgress {
    /// The path as given to [`Progress::follow`].
    pub path: PathBuf,
    /// Bytes read by the furthest reader so far.
    pub done: u64,
    /// The file's size when following began.
    pub total: u64,
}

impl Progress {
    /// Follow `paths` (a file that cannot be read is followed with size 0).
    pub fn follow(paths: &[&Path]) -> Progress {
        let files = paths
            .iter()
            .map(|p| Entry {
                given: p.to_path_buf(),
                canonical: canonical(p),
                total: std::fs::metadata(p).map_or(0, |m| m.len()),
                readers: Mutex::new(Vec::new()),
            })
            .collect();
        let followed = Arc::new(Followed { files });
        let mut all = FOLLOWED.lock().unwrap_or_else(PoisonError::into_inner);
        all.retain(|w| w.strong_count() > 0);
        all.push(Arc::downgrade(&followed));
        Progress(followed)
    }

    /// Each followed file's progress, in the order given.
    pub fn snapshot(&self) -> Vec<FileProgress> {
        self.0
            .files
            .iter()
            .map(|e| FileProgress {
                path: e.given.clone(),
                done: e
                    .readers
                    .lock()
                    .unwrap_or_else(PoisonError::into_inner)
                    .iter()
                    .map(|c| c.load(Ordering::Relaxed))
                    .max()
                    .unwrap_or(0)
                    .min(e.total),
                total: e.total,
            })
            .collect()
    }

    /// Bytes read of all the files, and their total.
    pub fn overall(&self) -> (u64, u64) {
        sum(&self.snapshot())
    }
}

/// Bytes read of all of `files`, and their total.
pub fn sum(files: &[FileProgress]) -> (u64, u64) {
    files
        .iter()
        .fold((0, 0), |(d, t), f| (d + f.done, t + f.total))
}

/// `file`, opened at `path`, counting its bytes for every [`Progress`]
/// that follows `path`.
pub fn counted(path: &Path, file: std::fs::File) -> Counted {
    let mut counters = Vec::new();
    let all = FOLLOWED.lock().unwrap_or_else(PoisonError::into_inner);
    let live: Vec<Arc<Followed>> = all.iter().filter_map(Weak::upgrade).collect();
    drop(all);
    if !live.is_empty() {
        let c = canonical(path);
        for f in &live {
            for e in f.files.iter().filter(|e| e.canonical == c) {
                let counter = Arc::new(AtomicU64::new(0));
                e.readers
                    .lock()
                    .unwrap_or_else(PoisonError::into_inner)
                    .push(Arc::clone(&counter));
                counters.push(counter);
            }
        }
    }
    Counted {
        inner: file,
        counters,
        #[cfg(test)]
        fail_after: crate::ledger::input::fault::read_fault(path),
    }
}

/// A file whose reads are counted (see [`counted`]).
#[derive(Debug)]
pub struct Counted {
    inner: std::fs::File,
    counters: Vec<Arc<AtomicU64>>,
    /// Tests: bytes left before reads fail with `EIO` (an injected fault,
    /// [`crate::ledger::input::fault`]).
    #[cfg(test)]
    fail_after: Option<u64>,
}

impl Read for Counted {
    fn read(&mut self, buf: &mut [u8]) -> io::Result<usize> {
        #[cfg(test)]
        let buf = match &mut self.fail_after {
            Some(0) => return Err(io::Error::from_raw_os_error(5)), // EIO
            Some(left) => {
                let n = buf.len().min(usize::try_from(*left).unwrap_or(usize::MAX));
                let n = self.inner.read(&mut buf[..n])?;
                *left -= n as u64;
                for c in &self.counters {
                    c.fetch_add(n as u64, Ordering::Relaxed);
                }
                return Ok(n);
            }
            None => buf,
        };
        let n = self.inner.read(buf)?;
        for c in &self.counters {
            c.fetch_add(n as u64, Ordering::Relaxed);
        }
        Ok(n)
    }
}

/// `path` resolved, so that two spellings of one file match; as given when
/// it cannot be resolved.
fn canonical(path: &Path) -> PathBuf {
    std::fs::canonicalize(path).unwrap_or_else(|_| path.to_path_buf())
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::io::Write;

    #[test]
    fn a_followed_file_counts_its_furthest_reader_and_others_are_not_counted() {
        let dir = tempfile::tempdir().unwrap();
        let a = dir.path().join("a.jsonl");
        let b = dir.path().join("b.jsonl");
        std::fs::File::create(&a)
            .unwrap()
            .write_all(&[b'x'; 1000])
            .unwrap();
        std::fs::File::create(&b)
            .unwrap()
            .write_all(&[b'y'; 500])
            .unwrap();
        let p = Progress::follow(&[&a]);
        assert_eq!(p.overall(), (0, 1000));
        let mut first = counted(&a, std::fs::File::open(&a).unwrap());
        let mut buf = [0u8; 300];
        first.read_exact(&mut buf).unwrap();
        // Another spelling of the same file is the same file.
        let other = dir.path().join(".").join("a.jsonl");
        let mut second = counted(&other, std::fs::File::open(&other).unwrap());
        second.read_exact(&mut buf[..100]).unwrap();
        assert_eq!(p.snapshot()[0].done, 300, "the furthest reader");
        let mut unfollowed = counted(&b, std::fs::File::open(&b).unwrap());
        std::io::copy(&mut unfollowed, &mut std::io::sink()).unwrap();
        std::io::copy(&mut first, &mut std::io::sink()).unwrap();
        assert_eq!(p.overall(), (1000, 1000));
        assert!(unfollowed.counters.is_empty(), "b is followed by nobody");
        drop(p);
        let after = counted(&a, std::fs::File::open(&a).unwrap());
        assert!(
            after.counters.is_empty(),
            "a dropped Progress follows nothing"
        );
    }
}
