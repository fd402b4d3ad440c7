//! The seam every write's file I/O goes through.
//!
//! A crash or a full disk can stop a write between any two of its system
//! calls, and the states that leaves must each be recognised and completed
//! (or be harmless). To prove that for every step, and not only for the
//! steps a random kill happens to hit, each call that changes a ledger's
//! files (open, write, fsync, truncate, rename, remove, mkdir, directory sync) goes
//! through a [`Storage`] chosen when the [`LedgerLock`](super::LedgerLock)
//! that authorises the write is made — the idea of redb's `StorageBackend`,
//! a backend handed to the database at construction that tests replace.
//!
//! In the product the storage is [`OsStorage`]: a zero-sized type whose
//! methods are the `std` calls themselves; the only cost of the seam is one
//! indirect call per system call. Test builds (`debug_assertions`) can put a
//! fault plan in its place ([`super::fault`]); release builds contain no
//! fault-injection code at all.

use super::error::Op;
use std::fmt;
use std::fs::{self, File, OpenOptions};
use std::io::{self, Write};
use std::path::Path;
use std::sync::Arc;

/// What an fsync must flush.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum SyncKind {
    /// `fdatasync`: the data and the size (all an append changes).
    Data,
    /// `fsync`: data and every piece of metadata (a truncation, a new file).
    All,
}

/// The file-system calls of a write. Every method does exactly one thing
/// and reports the OS error unchanged, so the callers' error handling (and
/// their undo) is what is tested through a faulty implementation.
pub trait Storage: fmt::Debug + Send + Sync {
    /// Open `path` with `options`; `op` says why (open, create, read back,
    /// backup, temporary file), for traces and errors.
    fn open(&self, path: &Path, options: &OpenOptions, op: Op) -> io::Result<File>;
    /// Write all of `buf` through `file` (at its end for an `O_APPEND` handle).
    fn write_all(&self, file: &File, path: &Path, buf: &[u8]) -> io::Result<()>;
    /// Flush `file` to stable storage.
    fn sync(&self, file: &File, path: &Path, kind: SyncKind) -> io::Result<()>;
    /// Cut (or extend) `file` to `len` bytes.
    fn set_len(&self, file: &File, path: &Path, len: u64) -> io::Result<()>;
    /// Rename `from` over `to` (atomic within a file system).
    fn rename(&self, from: &Path, to: &Path) -> io::Result<()>;
    /// Remove the file at `path`.
    fn remove_file(&self, path: &Path) -> io::Result<()>;
    /// Make the entries of directory `dir` (new, renamed, removed names) durable.
    fn sync_dir(&self, dir: &Path) -> io::Result<()>;
    /// Create the directory `path` (its parent must exist).
    fn create_dir(&self, path: &Path) -> io::Result<()>;
}

/// The operating system itself: what every write uses in the product.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct OsStorage;

impl Storage for OsStorage {
    fn open(&self, path: &Path, options: &OpenOptions, _op: Op) -> io::Result<File> {
        options.open(path)
    }

    fn write_all(&self, file: &File, _path: &Path, buf: &[u8]) -> io::Result<()> {
        let mut f = file;
        f.write_all(buf)
    }

    fn sync(&self, file: &File, _path: &Path, kind: SyncKind) -> io::Result<()> {
        match kind {
            SyncKind::Data => file.sync_data(),
            SyncKind::All => file.sync_all(),
        }
    }

    fn set_len(&self, file: &File, _path: &Path, len: u64) -> io::Result<()> {
        file.set_len(len)
    }

    fn rename(&self, from: &Path, to: &Path) -> io::Result<()> {
        fs::rename(from, to)
    }

    fn remove_file(&self, path: &Path) -> io::Result<()> {
        fs::remove_file(path)
    }

    fn sync_dir(&self, dir: &Path) -> io::Result<()> {
        // On Linux, fsync on a file flushes its data and inode but not the
        // directory entry naming it: a new file can vanish after a crash
        // unless its directory is synced too.
        File::open(dir)?.sync_all()
    }

    fn create_dir(&self, path: &Path) -> io::Result<()> {
        fs::create_dir(path)
    }
}

/// The storage a new lock hands to its writes: the operating system, or in
/// a test build run with `ISS_FAULT_PLAN` set, that fault plan (see
/// [`super::fault`]). Release builds always return [`OsStorage`].
pub fn default_storage() -> Arc<dyn Storage> {
    #[cfg(test)]
    if let Some(s) = THREAD_STORAGE.with(|s| s.borrow().clone()) {
        return s;
    }
    #[cfg(debug_assertions)]
    if let Some(plan) = super::fault::from_env() {
        return plan;
    }
    OS.clone()
}

/// The operating system, shared: a lock costs a reference count, not an
/// allocation.
static OS: std::sync::LazyLock<Arc<dyn Storage>> = std::sync::LazyLock::new(|| Arc::new(OsStorage));

#[cfg(test)]
thread_local! {
    /// The storage of this thread's locks in library tests: a whole write
    /// (the workstation's form, `P`) is faulted without a child process,
    /// and without touching the writes of tests on other threads.
    static THREAD_STORAGE: std::cell::RefCell<Option<Arc<dyn Storage>>> =
        const { std::cell::RefCell::new(None) };
}

/// Run `f` with every lock this thread takes writing through `storage`
/// (library tests only).
#[cfg(test)]
pub(crate) fn with_thread_storage<T>(storage: Arc<dyn Storage>, f: impl FnOnce() -> T) -> T {
    struct Reset;
    impl Drop for Reset {
        fn drop(&mut self) {
            THREAD_STORAGE.with(|s| *s.borrow_mut() = None);
        }
    }
    THREAD_STORAGE.with(|s| *s.borrow_mut() = Some(storage));
    let _reset = Reset;
    f()
}
