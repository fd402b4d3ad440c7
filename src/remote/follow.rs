//! A published location watched like a local ledger, for views that watch
//! many at once (the fleet: `iss tui --fleet`, `iss watch --fleet`).
//!
//! [`spawn`] returns at once; on a thread of its own it fetches the
//! location into a private copy ([`super::fetch`]), watches the copy with
//! the ordinary watcher (every event named by the published keys, the
//! first report completed with the tile findings), and polls the
//! location's checkpoints with the [`Monitor`] between events. `ledger`
//! cannot import this module (it sits below `remote`): `cli` and `tui`
//! hand [`watcher`] to [`crate::ledger::fleet::watch`].

use super::monitor::Monitor;
use crate::ledger::fleet::{PublishedWatcher, Sink};
use crate::ledger::watch::thread::WatchHandle;
use crate::ledger::watch::{WatchEvent, WatchOptions};
use std::path::{Path, PathBuf};
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::mpsc::{self, RecvTimeoutError};
use std::sync::{Arc, Mutex, PoisonError};
use std::time::{Duration, Instant};

/// The private copies made in this process, for [`remove_copies`].
static COPIES: Mutex<Vec<PathBuf>> = Mutex::new(Vec::new());

/// Remove the private copies of every location watched in this process:
/// called before it exits, since the watcher threads are not joined and
/// their copies would otherwise stay in `$TMPDIR`.
pub fn remove_copies() {
    let dirs = std::mem::take(&mut *COPIES.lock().unwrap_or_else(PoisonError::into_inner));
    for dir in dirs {
        let _ = std::fs::remove_dir_all(dir);
    }
}

/// The fleet's watcher of published locations, their checkpoints fetched
/// every `poll`.
pub fn watcher(poll: Duration) -> Box<PublishedWatcher> {
    Box::new(move |at: &str, options: WatchOptions, send: Sink| Ok(spawn(at, options, poll, send)))
}

/// Watch the published location `at` on a new thread: its first event is
/// [`WatchEvent::Ready`] with the same report as `iss verify LOCATION`, or
/// an error when it cannot be read (no verdict then). The private copy is
/// removed once the handle is dropped and the threads have ended.
pub fn spawn(at: &str, options: WatchOptions, poll: Duration, mut send: Sink) -> WatchHandle {
    let stop = Arc::new(AtomicBool::new(false));
    let flag = Arc::clone(&stop);
    let at = at.to_owned();
    std::thread::spawn(move || {
        let fetched = match super::fetch(Path::new(&at)) {
            Ok(f) => Arc::new(f),
            Err(e) => {
                send(WatchEvent::Error(format!("cannot read: {e}")));
                return;
            }
        };
        COPIES
            .lock()
            .unwrap_or_else(PoisonError::into_inner)
            .push(fetched.dir().to_path_buf());
        if flag.load(Ordering::Relaxed) {
            return;
        }
        let pinned = options.verify.pinned.clone();
        // The copy's watcher and the monitor both report through this
        // thread, the only one holding `send`.
        let (tx, rx) = mpsc::channel();
        let renamer = Arc::clone(&fetched);
        let _copy = crate::ledger::watch::thread::spawn(
            fetched.dir().to_path_buf(),
            options,
            move |mut ev| {
                renamer.rename_event(&mut ev);
                tx.send(ev).is_ok()
            },
        );
        let mut monitor = Monitor::new(&fetched, pinned);
        let mut next_poll = Instant::now() + poll;
        while !flag.load(Ordering::Relaxed) {
            match rx.recv_timeout(next_poll.saturating_duration_since(Instant::now())) {
                Ok(ev) => {
                    if !send(ev) {
                        return;
                    }
                }
                Err(RecvTimeoutError::Timeout) => {
                    next_poll = Instant::now() + poll;
                    for ev in monitor.poll(&fetched) {
                        if !send(ev) {
                            return;
                        }
                    }
                }
                // The copy's watcher ended (it could not watch): said already.
                Err(RecvTimeoutError::Disconnected) => return,
            }
        }
    });
    WatchHandle::new(stop)
}
