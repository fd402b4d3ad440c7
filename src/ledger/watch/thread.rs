//! A [`Watch`] on its own thread: `notify` says when to look (debounced),
//! a slow periodic rescan looks anyway (notifications can be lost on
//! network and some virtual file systems), and every event goes to the
//! caller's `send` as it happens.

use crate::ledger::watch::{Watch, WatchEvent, WatchOptions};
use notify::{EventKind, RecursiveMode, Watcher};
use std::path::PathBuf;
use std::sync::Arc;
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::mpsc::{self, RecvTimeoutError};
use std::thread;
use std::time::Instant;

/// Stops the watcher thread when told to or dropped. The thread ends at
/// its next wake-up (within one rescan period); it is not joined, so a
/// full re-verification in progress never holds the caller up.
#[derive(Debug)]
pub struct WatchHandle {
    stop: Arc<AtomicBool>,
}

impl WatchHandle {
    /// A handle for a watcher run by another layer (a published location's
    /// monitor): it stops when `stop` is set, which this handle does when
    /// told to or dropped.
    pub fn new(stop: Arc<AtomicBool>) -> WatchHandle {
        WatchHandle { stop }
    }

    /// Ask the thread to stop.
    pub fn stop(&self) {
        self.stop.store(true, Ordering::Relaxed);
    }
}

impl Drop for WatchHandle {
    fn drop(&mut self) {
        self.stop();
    }
}

/// Verify the ledger at `root`, then watch it on a new thread. `send`
/// receives every event, [`WatchEvent::Ready`] first; when it returns
/// false (nobody listens any more) the thread ends.
pub fn spawn(
    root: PathBuf,
    options: WatchOptions,
    send: impl FnMut(WatchEvent) -> bool + Send + 'static,
) -> WatchHandle {
    let stop = Arc::new(AtomicBool::new(false));
    let flag = Arc::clone(&stop);
    thread::spawn(move || run(&root, options, send, &flag));
    WatchHandle { stop }
}

fn run(
    root: &std::path::Path,
    options: WatchOptions,
    mut send: impl FnMut(WatchEvent) -> bool,
    stop: &AtomicBool,
) {
    let (mut watch, report) = match Watch::start(root, options) {
        Ok(w) => w,
        Err(e) => {
            send(WatchEvent::Error(format!("cannot watch: {e}")));
            return;
        }
    };
    if !send(WatchEvent::Ready(Box::new(report))) {
        return;
    }
    let (tx, rx) = mpsc::channel::<()>();
    let watcher = notify::recommended_watcher(move |res: notify::Result<notify::Event>| {
        // Reads (ours included) are not changes; errors are worth a look.
        if res.is_ok_and(|e| matches!(e.kind, EventKind::Access(_))) {
            return;
        }
        let _ = tx.send(());
    });
    let period = watch.options().rescan_every;
    let debounce = watch.options().debounce;
    // Kept alive for as long as the loop runs; `None` falls back to polling.
    let _watcher = match watcher {
        Ok(mut w) => {
            for dir in watch.dirs() {
                // A folder that does not exist yet is found by the periodic rescan.
                let _ = w.watch(&dir, RecursiveMode::NonRecursive);
            }
            Some(w)
        }
        Err(e) => {
            let note = format!(
                "file notifications unavailable ({e}); looking every {} ms instead",
                period.as_millis()
            );
            if !send(WatchEvent::Error(note)) {
                return;
            }
            None
        }
    };
    while !stop.load(Ordering::Relaxed) {
        match rx.recv_timeout(period) {
            Ok(()) => {
                // Gather what else arrives within the debounce window: one
                // rescan for a write, its fsync and the manifest line after it.
                let until = Instant::now() + debounce;
                loop {
                    let left = until.saturating_duration_since(Instant::now());
                    if left.is_zero() || rx.recv_timeout(left).is_err() {
                        break;
                    }
                }
            }
            Err(RecvTimeoutError::Timeout) => {}
            Err(RecvTimeoutError::Disconnected) => thread::sleep(period),
        }
        if stop.load(Ordering::Relaxed) {
            return;
        }
        for ev in watch.rescan(Instant::now()) {
            if !send(ev) {
                return;
            }
        }
    }
}
