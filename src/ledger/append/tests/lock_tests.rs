//! One writer per directory, across handles, threads and timeouts.

use crate::ledger::append::{AppendError, LOCK_FILE_NAME, LedgerLock};
use std::fs;
use std::sync::Arc;
use std::sync::atomic::{AtomicBool, Ordering};
use std::thread;
use std::time::{Duration, Instant};

#[test]
fn two_handles_in_one_process_exclude_each_other() {
    let dir = tempfile::tempdir().unwrap();
    let held = LedgerLock::try_acquire(dir.path()).unwrap();
    let e = LedgerLock::try_acquire(dir.path()).unwrap_err();
    let AppendError::LockHeld { lock_path } = e else {
        panic!("{e}")
    };
    assert_eq!(lock_path, held.lock_path());
    drop(held);
    LedgerLock::try_acquire(dir.path()).unwrap();
}

#[test]
fn timeout_gives_up_then_succeeds_once_released() {
    let dir = tempfile::tempdir().unwrap();
    let held = LedgerLock::acquire(dir.path()).unwrap();
    let start = Instant::now();
    let e = LedgerLock::acquire_timeout(dir.path(), Duration::from_millis(60)).unwrap_err();
    let AppendError::LockTimeout { waited, .. } = e else {
        panic!("{e}")
    };
    assert!(waited >= Duration::from_millis(60) && start.elapsed() < Duration::from_secs(2));
    drop(held);
    LedgerLock::acquire_timeout(dir.path(), Duration::from_millis(60)).unwrap();
}

#[test]
fn blocking_acquire_waits_for_the_holder() {
    let dir = tempfile::tempdir().unwrap();
    let held = LedgerLock::acquire(dir.path()).unwrap();
    let released = Arc::new(AtomicBool::new(false));
    let (path, flag) = (dir.path().to_path_buf(), released.clone());
    let waiter = thread::spawn(move || {
        let _lock = LedgerLock::acquire(&path).unwrap();
        flag.load(Ordering::SeqCst)
    });
    thread::sleep(Duration::from_millis(50));
    released.store(true, Ordering::SeqCst);
    drop(held);
    assert!(
        waiter.join().unwrap(),
        "the waiter got the lock before it was released"
    );
}

#[test]
fn the_lock_file_is_kept_and_never_truncated() {
    let dir = tempfile::tempdir().unwrap();
    let lock_file = dir.path().join(LOCK_FILE_NAME);
    fs::write(&lock_file, b"note").unwrap();
    drop(LedgerLock::acquire(dir.path()).unwrap());
    assert_eq!(fs::read(&lock_file).unwrap(), b"note");
}

#[test]
fn covers_the_directory_and_below_only() {
    let dir = tempfile::tempdir().unwrap();
    fs::create_dir(dir.path().join("logs")).unwrap();
    let lock = LedgerLock::acquire(dir.path()).unwrap();
    assert_eq!(lock.dir(), fs::canonicalize(dir.path()).unwrap());
    lock.covers(&dir.path().join("chain.jsonl")).unwrap();
    lock.covers(&dir.path().join("logs/glyph_chain.jsonl"))
        .unwrap();
    lock.covers(&dir.path().join("logs/../chain.jsonl"))
        .unwrap();
    let outside = dir.path().join("..").join("chain.jsonl");
    assert!(matches!(
        lock.covers(&outside),
        Err(AppendError::NotUnderLock { .. })
    ));
    assert!(lock.covers(&dir.path().join("nope/x")).is_err());
}

#[test]
fn a_missing_directory_is_an_error_not_a_panic() {
    let dir = tempfile::tempdir().unwrap();
    let e = LedgerLock::try_acquire(&dir.path().join("nope")).unwrap_err();
    assert!(matches!(e, AppendError::Io { .. }), "{e}");
}
