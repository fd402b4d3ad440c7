//! `iss publish --watch`: publish again whenever the ledger changes.
//!
//! The delay is bounded two ways: a change the file-system watcher reports
//! is published after at most [`SETTLE`] of quiet-gathering (a burst of
//! appends is one publish), and a change it misses (a network file system,
//! a full event queue) after at most one `interval`, whatever happens. So
//! a checkpoint is published at most `max(SETTLE, interval)` plus one
//! publish's duration after the writer issues it.

use std::sync::mpsc::{Receiver, RecvTimeoutError, Sender};
use std::time::{Duration, Instant};

/// How long events are gathered after the first one before publishing.
pub const SETTLE: Duration = Duration::from_millis(100);

/// Why a wait ended.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Wake {
    /// The watcher reported a change (and [`SETTLE`] passed).
    Changed,
    /// `interval` passed without a report.
    Interval,
    /// The watcher is gone: only the interval wakes from now on.
    Closed,
}

/// Wait for the next change reported on `events`, or `interval`, whichever
/// comes first; after a change, gather the events of the next `settle`
/// (never longer: a stream of appends cannot postpone a publish).
pub fn wait_for_change(events: &Receiver<()>, interval: Duration, settle: Duration) -> Wake {
    match events.recv_timeout(interval) {
        Ok(()) => {
            let until = Instant::now() + settle;
            loop {
                let left = until.saturating_duration_since(Instant::now());
                if left.is_zero() || events.recv_timeout(left).is_err() {
                    break;
                }
            }
            // What arrived meanwhile is covered by this publish (bounded:
            // a watcher flooding the queue cannot hold the publish back).
            let _ = events.try_iter().take(100_000).count();
            Wake::Changed
        }
        Err(RecvTimeoutError::Timeout) => Wake::Interval,
        Err(RecvTimeoutError::Disconnected) => {
            std::thread::sleep(interval);
            Wake::Closed
        }
    }
}

/// A file-system watcher on the ledger directory that sends `()` on `tx`
/// at every change; `None` (the interval alone wakes) when the platform
/// refuses one.
pub fn watch_dir(dir: &std::path::Path, tx: Sender<()>) -> Option<notify::RecommendedWatcher> {
    use notify::Watcher;
    let mut watcher = notify::recommended_watcher(move |e: notify::Result<notify::Event>| {
        // Reads (ours included: each publish reads the ledger) are not changes.
        if e.is_ok_and(|e| !matches!(e.kind, notify::EventKind::Access(_))) {
            let _ = tx.send(());
        }
    })
    .ok()?;
    watcher
        .watch(dir, notify::RecursiveMode::NonRecursive)
        .ok()?;
    Some(watcher)
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::sync::mpsc::channel;

    #[test]
    fn a_reported_change_wakes_at_once_and_a_missed_one_by_the_interval() {
        let (tx, rx) = channel();
        // Nothing reported: the interval ends the wait (a missed change is
        // still published within one interval).
        assert_eq!(
            wait_for_change(&rx, Duration::from_millis(20), SETTLE),
            Wake::Interval
        );
        // A change reported: woken without waiting for the (here endless) interval.
        tx.send(()).unwrap();
        let started = Instant::now();
        assert_eq!(
            wait_for_change(&rx, Duration::from_secs(3600), Duration::ZERO),
            Wake::Changed
        );
        assert!(started.elapsed() < Duration::from_secs(3600));
        // A burst is gathered into one wake, and drained.
        for _ in 0..50 {
            tx.send(()).unwrap();
        }
        assert_eq!(
            wait_for_change(&rx, Duration::from_secs(3600), Duration::from_millis(10)),
            Wake::Changed
        );
        assert_eq!(
            wait_for_change(&rx, Duration::from_millis(10), SETTLE),
            Wake::Interval
        );
        drop(tx);
        assert_eq!(
            wait_for_change(&rx, Duration::from_millis(1), SETTLE),
            Wake::Closed
        );
    }
}
