//! A published location watched like a local ledger: for views that watch
//! many at once (the fleet: `iss tui --fleet`, `iss watch --fleet`), and
//! for the workstation on one location (`iss tui LOCATION`, whose copy is
//! fetched by [`super::browse`] and then followed here).
//!
//! [`spawn`] returns at once; on a thread of its own it fetches the
//! location into a private copy ([`super::fetch`]) and [`follow`]s it:
//! watches the copy with the ordinary watcher (every event named by the
//! published keys, the first report completed with the tile findings), and
//! polls the location's checkpoints with the [`Monitor`] between events. `ledger`
//! cannot import this module (it sits below `remote`): `cli` and `tui`
//! hand [`watcher`] to [`crate::ledger::fleet::watch`].

use super::monitor::Monitor;
use crate::ledger::fleet::{PublishedWatcher, Sink};
use crate::ledger::open::Ledger;
use crate::ledger::watch::WatchHandle;
use crate::ledger::watch::{WatchEvent, WatchOptions};
use std::path::Path;
use std::sync::Arc;
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::mpsc::{self, RecvTimeoutError};
use std::time::{Duration, Instant};

/// The fleet's watcher of published locations, their checkpoints fetched
/// every `poll`.
pub fn watcher(poll: Duration) -> Box<PublishedWatcher> {
    Box::new(move |at: &str, options: WatchOptions, send: Sink| Ok(spawn(at, options, poll, send)))
}

/// How often a published location's checkpoints are fetched by the
/// workstation (the fleet's rows and `iss tui LOCATION`).
pub const POLL: Duration = Duration::from_secs(2);

/// Watch the published location `at` on a new thread: its first event is
/// [`WatchEvent::Ready`] with the same report as `iss verify LOCATION`, or
/// an error when it cannot be read (no verdict then). The private copy is
/// removed once the handle is dropped and the threads have ended (or by
/// [`super::remove_copies`] before the process exits).
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
        follow(&fetched, options, poll, send, &flag);
    });
    WatchHandle::new(stop)
}

/// Follow a location already fetched into `fetched` (by [`super::fetch`]
/// or [`super::browse::open`]), on this thread, until `stop` is set or
/// `send` returns false: the ordinary watcher on the copy (every event
/// named by the published keys; its first one is [`WatchEvent::Ready`],
/// completed with the tile findings) and, between its events, the
/// [`Monitor`] polling the location's checkpoints every `poll`, appending
/// consistent growth to the copy (which the watcher then reports record by
/// record) and reporting a rollback, fork or bad signature as an alert.
pub fn follow(
    fetched: &Arc<super::Fetched>,
    options: WatchOptions,
    poll: Duration,
    mut send: Sink,
    stop: &AtomicBool,
) {
    if stop.load(Ordering::Relaxed) {
        return;
    }
    let pinned = options.verify.pinned.clone();
    // The copy's watcher and the monitor both report through this
    // thread, the only one holding `send`.
    let (tx, rx) = mpsc::channel();
    let renamer = Arc::clone(fetched);
    let _copy = Ledger::at(fetched.dir()).watch(options, move |mut ev| {
        renamer.rename_event(&mut ev);
        tx.send(ev).is_ok()
    });
    let mut monitor = Monitor::new(fetched, pinned);
    let mut next_poll = Instant::now() + poll;
    while !stop.load(Ordering::Relaxed) {
        match rx.recv_timeout(next_poll.saturating_duration_since(Instant::now())) {
            Ok(ev) => {
                if !send(ev) {
                    return;
                }
            }
            Err(RecvTimeoutError::Timeout) => {
                next_poll = Instant::now() + poll;
                for ev in monitor.poll(fetched) {
                    if !send(ev) {
                        return;
                    }
                }
            }
            // The copy's watcher ended (it could not watch): said already.
            Err(RecvTimeoutError::Disconnected) => return,
        }
    }
}
