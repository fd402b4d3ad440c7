//! What the watcher knows about one file, and how a change to it is
//! classified.
//!
//! Per file: which inode the name pointed to, how many bytes were verified,
//! the SHA-256 of the verified prefix and of its last line, and the
//! modification time. A rescan compares the file with that in a few cheap
//! steps: a missing file is deleted; another inode is a replacement; a
//! shorter file is truncated; a last verified line whose bytes moved or
//! changed means a rewrite. A file of the same length whose modification
//! time moved has its whole verified prefix hashed again (the only way to
//! see an in-place edit that keeps the length). Growth beyond the verified
//! end is handed back as bytes to verify.
//!
//! Not seen without a full verification: an edit before the last verified
//! line made together with growth (the length grew and the last verified
//! line is intact). The periodic full verification of `iss verify` catches
//! it; the watcher says which checks it runs.

use crate::ledger::discover::FileKind;
use crate::ledger::watch::event::{Alert, ChangeKind};
use sha2::{Digest, Sha256};
use std::fs::{File, Metadata};
use std::io;
use std::os::unix::fs::{FileExt, MetadataExt};
use std::path::{Path, PathBuf};
use std::time::{Instant, SystemTime};

/// Bytes read at once.
const CHUNK: usize = 64 * 1024;

/// Which file a name points to.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Identity {
    /// Device.
    pub dev: u64,
    /// Inode.
    pub ino: u64,
}

impl Identity {
    fn of(m: &Metadata) -> Self {
        Identity {
            dev: m.dev(),
            ino: m.ino(),
        }
    }
}

/// An incomplete last line seen growing, or sitting there.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Torn {
    /// The file's length when it was last seen.
    pub len: u64,
    /// When that length was first seen.
    pub since: Instant,
    /// Whether it was already reported as staying torn.
    pub stuck: bool,
}

/// The watcher's knowledge of one file.
#[derive(Debug, Clone)]
pub struct FileState {
    /// What the file is.
    pub kind: FileKind,
    /// The stable name its events and alerts carry (the kind's name, or
    /// `<chain>_checkpoints` for a native checkpoint history).
    pub name: &'static str,
    /// Where it is.
    pub path: PathBuf,
    /// Its inode when it was verified; `None` when it did not exist.
    pub identity: Option<Identity>,
    /// Bytes verified (up to and including the last complete line).
    pub verified_len: u64,
    /// Start offset and SHA-256 of the last verified line (terminator
    /// included); `None` when nothing was verified.
    pub last_line: Option<(u64, [u8; 32])>,
    /// Running SHA-256 of the verified bytes.
    pub prefix: Sha256,
    /// Modification time when last looked at.
    pub mtime: Option<SystemTime>,
    /// Lines verified (the next line's number is this plus one).
    pub lines: u64,
    /// An incomplete last line after the verified end.
    pub torn: Option<Torn>,
    /// Growth cannot continue incrementally (the baseline ended torn, or the
    /// file could not be read): any change re-verifies the ledger.
    pub needs_full: bool,
}

/// What a look at a file found.
#[derive(Debug)]
pub enum Look {
    /// Nothing changed.
    Same,
    /// The file grew past its verified end: these bytes follow it.
    Grew(Vec<u8>),
    /// The file changed in a way an append never does.
    Changed(Alert),
}

impl FileState {
    /// The state of `path` after a verification that read `verified_len`
    /// bytes of it in `lines` lines (`None`: the file was not there).
    pub fn baseline(
        kind: FileKind,
        path: &Path,
        verified: Option<(u64, u64)>,
        needs_full: bool,
    ) -> io::Result<Self> {
        let mut s = FileState {
            kind,
            name: kind.name(),
            path: path.to_path_buf(),
            identity: None,
            verified_len: 0,
            last_line: None,
            prefix: Sha256::new(),
            mtime: None,
            lines: 0,
            torn: None,
            needs_full,
        };
        let Some((len, lines)) = verified else {
            return Ok(s);
        };
        let file = match crate::ledger::input::open_regular(path) {
            Ok(f) => f,
            Err(e) if e.kind() == io::ErrorKind::NotFound => return Ok(s),
            Err(e) => return Err(e),
        };
        let meta = file.metadata()?;
        s.identity = Some(Identity::of(&meta));
        s.mtime = meta.modified().ok();
        s.lines = lines;
        // Hash the verified prefix, remembering where its last line starts.
        let mut buf = vec![0u8; CHUNK];
        let mut pos = 0;
        let mut last_start = 0;
        while pos < len {
            let n = CHUNK.min(usize::try_from(len - pos).unwrap_or(CHUNK));
            file.read_exact_at(&mut buf[..n], pos)?;
            s.prefix.update(&buf[..n]);
            // The start of the last line: after the last '\n' before the end.
            let body = if pos + n as u64 == len {
                &buf[..n.saturating_sub(1)]
            } else {
                &buf[..n]
            };
            if let Some(i) = memchr::memrchr(b'\n', body) {
                last_start = pos + i as u64 + 1;
            }
            pos += n as u64;
        }
        s.verified_len = len;
        if len > 0 {
            s.last_line = Some((last_start, hash_range(&file, last_start, len)?));
        }
        Ok(s)
    }

    /// The same state under another stable `name` (a native chain's
    /// checkpoint history, watched beside its chain).
    #[must_use]
    pub fn named(mut self, name: &'static str) -> Self {
        self.name = name;
        self
    }

    /// Take verified bytes into the state: `bytes` follow the verified end
    /// and hold `lines` complete lines.
    pub fn advance(&mut self, bytes: &[u8], lines: u64) {
        if bytes.is_empty() {
            return;
        }
        self.prefix.update(bytes);
        let end = self.verified_len + bytes.len() as u64;
        let body = &bytes[..bytes.len() - 1];
        let start = memchr::memrchr(b'\n', body)
            .map_or(self.verified_len, |i| self.verified_len + i as u64 + 1);
        let last = &bytes[usize::try_from(start - self.verified_len).unwrap_or(0)..];
        self.last_line = Some((start, Sha256::digest(last).into()));
        self.verified_len = end;
        self.lines += lines;
    }

    /// Look at the file now.
    pub fn look(&mut self) -> io::Result<Look> {
        #[cfg(test)]
        before_look(&self.path);
        let file = match crate::ledger::input::open_regular(&self.path) {
            Ok(f) => f,
            Err(e) if e.kind() == io::ErrorKind::NotFound => {
                return Ok(if self.identity.is_some() {
                    Look::Changed(self.alert(
                        ChangeKind::Deleted,
                        "the file is gone",
                        format!("{} bytes verified", self.verified_len),
                        "no file".into(),
                    ))
                } else {
                    Look::Same
                });
            }
            Err(e) => return Err(e),
        };
        let meta = file.metadata()?;
        let Some(id) = self.identity else {
            return Ok(Look::Changed(self.alert(
                ChangeKind::Created,
                "a file the layout expects appeared",
                "no file".into(),
                format!("{} bytes", meta.len()),
            )));
        };
        let now = Identity::of(&meta);
        if now != id {
            return Ok(Look::Changed(self.alert(
                ChangeKind::Replaced,
                "another file now has this name (new inode): the verified file was moved away or \
                 overwritten by a copy",
                format!("inode {} on device {}", id.ino, id.dev),
                format!("inode {} on device {}", now.ino, now.dev),
            )));
        }
        let len = meta.len();
        if len < self.verified_len {
            return Ok(Look::Changed(self.alert(
                ChangeKind::Truncated,
                &format!(
                    "the file is {} bytes shorter than what was verified: records were cut from its end",
                    self.verified_len - len
                ),
                format!("at least {} bytes", self.verified_len),
                format!("{len} bytes"),
            )));
        }
        if let Some((start, hash)) = self.last_line {
            let found = hash_range(&file, start, self.verified_len)?;
            if found != hash {
                return Ok(Look::Changed(self.alert(
                    ChangeKind::Rewritten,
                    &format!(
                        "the last verified line (bytes {start}-{}) changed: the file was edited",
                        self.verified_len
                    ),
                    format!("sha256 {}", hex::encode(hash)),
                    format!("sha256 {}", hex::encode(found)),
                )));
            }
        }
        let mtime = meta.modified().ok();
        if len == self.verified_len {
            if mtime != self.mtime {
                // Same length, new time: an in-place edit, or a touch. Only
                // the bytes can tell.
                let now_hash = hash_range(&file, 0, self.verified_len)?;
                let was: [u8; 32] = self.prefix.clone().finalize().into();
                if now_hash != was {
                    return Ok(Look::Changed(self.alert(
                        ChangeKind::Rewritten,
                        "bytes before the verified end changed (same length): the file was edited in place",
                        format!("sha256 {} over {} bytes", hex::encode(was), self.verified_len),
                        format!("sha256 {}", hex::encode(now_hash)),
                    )));
                }
                self.mtime = mtime;
            }
            self.torn = None;
            return Ok(Look::Same);
        }
        self.mtime = mtime;
        let mut grown = vec![0u8; usize::try_from(len - self.verified_len).unwrap_or(0)];
        file.read_exact_at(&mut grown, self.verified_len)?;
        Ok(Look::Grew(grown))
    }

    /// An alert about this file.
    pub fn alert(
        &self,
        change: ChangeKind,
        detail: &str,
        expected: String,
        found: String,
    ) -> Alert {
        Alert {
            file: self.name,
            path: self.path.display().to_string(),
            change,
            expected,
            found,
            detail: detail.to_owned(),
        }
    }
}

/// A test's hook run before each look at a file.
#[cfg(test)]
type LookHook = Box<dyn FnMut(&Path)>;

#[cfg(test)]
thread_local! {
    /// Library tests only: run before each look at a file by this thread's
    /// watcher, so that a test can move a writer on between two looks of
    /// one rescan (the instants a real watcher and writer interleave at).
    static BEFORE_LOOK: std::cell::RefCell<Option<LookHook>> =
        const { std::cell::RefCell::new(None) };
}

/// Library tests only: call `hook` before each look this thread's watcher
/// takes at a file (`None`: stop calling).
#[cfg(test)]
pub(crate) fn set_before_look(hook: Option<LookHook>) {
    BEFORE_LOOK.with(|h| *h.borrow_mut() = hook);
}

/// Run this thread's look hook, if a test set one.
#[cfg(test)]
pub(crate) fn before_look(path: &Path) {
    BEFORE_LOOK.with(|h| {
        if let Some(f) = h.borrow_mut().as_mut() {
            f(path);
        }
    });
}

/// SHA-256 of `file[start..end]`.
fn hash_range(file: &File, start: u64, end: u64) -> io::Result<[u8; 32]> {
    let mut h = Sha256::new();
    let mut buf = vec![0u8; CHUNK];
    let mut pos = start;
    while pos < end {
        let n = CHUNK.min(usize::try_from(end - pos).unwrap_or(CHUNK));
        file.read_exact_at(&mut buf[..n], pos)?;
        h.update(&buf[..n]);
        pos += n as u64;
    }
    Ok(h.finalize().into())
}
