//! What `iss watch` and `iss watch --fleet` share: the verdict of the
//! events seen ([`Verdict`], the exit status), and the stop on SIGINT or
//! SIGTERM ([`stop_on_signals`]) beside the watcher's events ([`Input`]).

use crate::cli::{EXIT_ERROR, EXIT_OK, EXIT_VIOLATION};
use crate::ledger::model::report::LedgerStatus;
use crate::ledger::watch::{RecordStatus, WatchEvent};
use anyhow::Context;
use signal_hook::consts::{SIGINT, SIGTERM};
use signal_hook::iterator::Signals;
use std::sync::mpsc::Sender;

/// What the watch loop waits for: the watcher's next event, or a signal
/// asking it to stop.
pub(crate) enum Input {
    Event(WatchEvent),
    Stop(&'static str),
}

/// Send [`Input::Stop`] on the first SIGINT or SIGTERM (later ones too:
/// the loop takes the first). The returned handle unregisters.
pub(crate) fn stop_on_signals(tx: Sender<Input>) -> anyhow::Result<signal_hook::iterator::Handle> {
    let mut signals = Signals::new([SIGINT, SIGTERM]).context("cannot catch SIGINT and SIGTERM")?;
    let handle = signals.handle();
    std::thread::spawn(move || {
        for sig in signals.forever() {
            let name = if sig == SIGINT { "SIGINT" } else { "SIGTERM" };
            if tx.send(Input::Stop(name)).is_err() {
                return;
            }
        }
    });
    Ok(handle)
}

/// What the events seen so far call for.
#[derive(Debug, Default)]
pub(crate) struct Verdict {
    /// The first verification finished (`ready`).
    pub(crate) ready: bool,
    /// A violated record, an alert, or a violated (re-)verification was seen.
    pub(crate) violated: bool,
    /// The latest whole-ledger verification could not read every file.
    pub(crate) incomplete: bool,
}

impl Verdict {
    pub(crate) fn see(&mut self, ev: &WatchEvent) {
        match ev {
            WatchEvent::Ready(r) | WatchEvent::Reverified(r) => {
                self.violated |= r.status == LedgerStatus::Violated;
                self.incomplete = r.status == LedgerStatus::Incomplete;
            }
            WatchEvent::Alert(_) => self.violated = true,
            WatchEvent::Record(r) if r.status == RecordStatus::Violated => self.violated = true,
            _ => {}
        }
        // The first event is the first verification's (an error before it
        // ends the watch with that error).
        self.ready = true;
    }

    /// 1 once anything violated was seen (a violation is never taken
    /// back); else 2 when there is no verdict (stopped before the first
    /// verification finished, or the latest could not read every file);
    /// else 0.
    pub(crate) fn exit(&self) -> u8 {
        if self.violated {
            EXIT_VIOLATION
        } else if !self.ready || self.incomplete {
            EXIT_ERROR
        } else {
            EXIT_OK
        }
    }

    /// The exit status in words.
    pub(crate) fn says(&self) -> &'static str {
        match self.exit() {
            EXIT_VIOLATION => "a violation or an alert was seen",
            EXIT_OK => "nothing violated was seen",
            _ if !self.ready => "before the first verification finished: no verdict",
            _ => "the latest verification could not read every file: incomplete",
        }
    }
}
