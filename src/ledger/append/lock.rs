//! One writer per ledger directory at a time.
//!
//! The lock is an exclusive `flock` (via `File::lock`) on `<dir>/.iss-lock`.
//! Such locks belong to an open file description, not to a process, so two
//! handles in one process exclude each other just as two processes do, and
//! the kernel drops the lock when the holder exits or is killed: a crashed
//! writer never leaves a stale lock behind. The lock file is created on
//! first use and never deleted, because deleting it would let a newcomer lock
//! a fresh inode while an old holder still locks the unlinked one.

use super::error::{AppendError, Op};
use super::fsio;
use super::storage::{Storage, default_storage};
use std::fs::{self, File, OpenOptions, TryLockError};
use std::io;
use std::path::{Path, PathBuf};
use std::sync::Arc;
use std::thread;
use std::time::{Duration, Instant};

/// Name of the lock file inside a ledger directory.
pub const LOCK_FILE_NAME: &str = ".iss-lock";

/// Longest pause between two tries in [`LedgerLock::acquire_timeout`].
const MAX_POLL: Duration = Duration::from_millis(50);

/// Proof that this handle is the only writer of a ledger directory.
///
/// Writes take a `&mut LedgerLock`: holding the lock is checked by the
/// compiler, and the exclusive borrow keeps two threads from writing under
/// one shared lock. The lock is released when this value is dropped (the
/// kernel releases it when its file is closed, also on a crash).
///
/// The lock also carries the [`Storage`] its writes go through: the
/// operating system, unless a test chose another ([`LedgerLock::with_storage`]).
#[derive(Debug)]
pub struct LedgerLock {
    /// Holding the locked handle is what keeps the lock.
    _file: File,
    dir: PathBuf,
    lock_path: PathBuf,
    storage: Arc<dyn Storage>,
}

impl LedgerLock {
    /// Wait as long as it takes for the lock on `dir`.
    pub fn acquire(dir: &Path) -> Result<Self, AppendError> {
        let (file, dir, lock_path) = open_lock_file(dir)?;
        loop {
            match file.lock() {
                Ok(()) => break,
                // A signal during the wait is not a reason to give up.
                Err(e) if e.kind() == io::ErrorKind::Interrupted => {}
                Err(e) => return Err(AppendError::io(&lock_path, Op::Lock, e)),
            }
        }
        Ok(LedgerLock::new(file, dir, lock_path))
    }

    fn new(file: File, dir: PathBuf, lock_path: PathBuf) -> Self {
        LedgerLock {
            _file: file,
            dir,
            lock_path,
            storage: default_storage(),
        }
    }

    /// The same lock, its writes going through `storage` (fault-injection
    /// tests; see the module `storage`).
    #[must_use]
    pub fn with_storage(mut self, storage: Arc<dyn Storage>) -> Self {
        self.storage = storage;
        self
    }

    /// The storage this lock's writes go through.
    pub fn storage(&self) -> &dyn Storage {
        &*self.storage
    }

    /// Take the lock on `dir` now, or fail with [`AppendError::LockHeld`].
    pub fn try_acquire(dir: &Path) -> Result<Self, AppendError> {
        let (file, dir, lock_path) = open_lock_file(dir)?;
        if try_lock(&file, &lock_path)? {
            Ok(LedgerLock::new(file, dir, lock_path))
        } else {
            Err(AppendError::LockHeld { lock_path })
        }
    }

    /// Take the lock on `dir`, trying until `timeout` has passed, then fail
    /// with [`AppendError::LockTimeout`].
    ///
    /// Polls rather than blocks because a blocked `flock` cannot be given a
    /// deadline without signals; the pause grows from 1 ms to 50 ms.
    pub fn acquire_timeout(dir: &Path, timeout: Duration) -> Result<Self, AppendError> {
        let (file, dir, lock_path) = open_lock_file(dir)?;
        let start = Instant::now();
        let mut pause = Duration::from_millis(1);
        loop {
            if try_lock(&file, &lock_path)? {
                return Ok(LedgerLock::new(file, dir, lock_path));
            }
            let waited = start.elapsed();
            let Some(left) = timeout.checked_sub(waited).filter(|d| !d.is_zero()) else {
                return Err(AppendError::LockTimeout { lock_path, waited });
            };
            thread::sleep(pause.min(left));
            pause = (pause * 2).min(MAX_POLL);
        }
    }

    /// The locked directory, canonical.
    pub fn dir(&self) -> &Path {
        &self.dir
    }

    /// The lock file.
    pub fn lock_path(&self) -> &Path {
        &self.lock_path
    }

    /// Check that `path` lies inside the locked directory (or below it).
    ///
    /// Only the parent directory is resolved, because the file itself may
    /// not exist yet.
    pub fn covers(&self, path: &Path) -> Result<(), AppendError> {
        let parent = fsio::parent_dir(path);
        let parent =
            fs::canonicalize(&parent).map_err(|e| AppendError::io(parent, Op::Resolve, e))?;
        if parent.starts_with(&self.dir) && path.file_name().is_some() {
            Ok(())
        } else {
            Err(AppendError::NotUnderLock {
                path: path.into(),
                lock_dir: self.dir.clone(),
            })
        }
    }
}

/// Open (creating if needed) the lock file of `dir`; never truncates it.
fn open_lock_file(dir: &Path) -> Result<(File, PathBuf, PathBuf), AppendError> {
    let dir = fs::canonicalize(dir).map_err(|e| AppendError::io(dir, Op::Resolve, e))?;
    let lock_path = dir.join(LOCK_FILE_NAME);
    let file = OpenOptions::new()
        .read(true)
        .write(true)
        .create(true)
        .truncate(false)
        .open(&lock_path)
        .map_err(|e| AppendError::io(&lock_path, Op::OpenLock, e))?;
    Ok((file, dir, lock_path))
}

/// `Ok(false)` when someone else holds the lock.
fn try_lock(file: &File, lock_path: &Path) -> Result<bool, AppendError> {
    match file.try_lock() {
        Ok(()) => Ok(true),
        Err(TryLockError::WouldBlock) => Ok(false),
        Err(TryLockError::Error(e)) => Err(AppendError::io(lock_path, Op::Lock, e)),
    }
}
