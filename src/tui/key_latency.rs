//! `ISS_TUI_KEY_LOG=FILE`, for the workstation benchmark
//! (`scripts/bench_tui.py`): the UI thread's own time for each key, from
//! taking it off the message queue to the end of the frame that shows its
//! effect, appended to FILE in microseconds, one line per key (`key 812`);
//! and every pass of the loop (messages applied and a frame drawn) that
//! held the UI thread longer than [`STALL`] (`busy 23000`), since a key
//! arriving then waits for it. Measured beside the tmux round trip the
//! benchmark sees, it separates what the workstation costs from what the
//! terminal and a loaded machine add. Off (nothing read, nothing written)
//! unless the variable is set; a file that cannot be opened turns it off.

use std::fs::File;
use std::io::Write;
use std::time::{Duration, Instant};

/// Passes of the loop longer than this are logged.
pub const STALL: Duration = Duration::from_millis(5);

/// The log, when asked for.
#[derive(Debug, Default)]
pub struct KeyLatency {
    file: Option<File>,
    /// When the oldest key not yet drawn was taken off the queue.
    key: Option<Instant>,
    /// When the pass of the loop under way took its first message.
    pass: Option<Instant>,
}

impl KeyLatency {
    /// From `ISS_TUI_KEY_LOG`.
    pub fn from_env() -> Self {
        let file = std::env::var_os("ISS_TUI_KEY_LOG").and_then(|p| {
            std::fs::OpenOptions::new()
                .create(true)
                .append(true)
                .open(p)
                .ok()
        });
        file.map_or_else(Self::default, Self::to)
    }

    /// Logging into `file`.
    pub fn to(file: File) -> Self {
        KeyLatency {
            file: Some(file),
            key: None,
            pass: None,
        }
    }

    /// Whether it logs at all.
    pub fn on(&self) -> bool {
        self.file.is_some()
    }

    /// A key was taken off the queue at `at`.
    pub fn key(&mut self, at: Instant) {
        if self.on() && self.key.is_none() {
            self.key = Some(at);
        }
    }

    /// A frame was drawn: the key waiting for it is answered.
    pub fn drawn(&mut self) {
        if let (Some(f), Some(t)) = (self.file.as_mut(), self.key.take()) {
            let _ = writeln!(f, "key {}", t.elapsed().as_micros());
        }
    }

    /// A pass of the loop took its first message at `start`.
    pub fn began(&mut self, start: Instant) {
        if self.on() {
            self.pass = Some(start);
        }
    }

    /// The pass under way ended (its messages applied, its frame drawn
    /// when one was due).
    pub fn pass(&mut self) {
        if let (Some(f), Some(start)) = (self.file.as_mut(), self.pass.take()) {
            let took = start.elapsed();
            if took > STALL {
                let _ = writeln!(f, "busy {}", took.as_micros());
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_key_is_logged_once_drawn_and_only_long_passes_are() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("keys.log");
        let mut l = KeyLatency::to(File::create(&path).unwrap());
        l.drawn(); // no key waiting: nothing
        let now = Instant::now();
        l.key(now);
        l.key(now); // the oldest key waiting is the one timed
        l.drawn();
        l.began(Instant::now());
        l.pass(); // shorter than STALL: not logged (unless the machine stalls)
        l.began(now.checked_sub(STALL * 2).unwrap());
        l.pass();
        l.pass(); // no pass under way
        let text = std::fs::read_to_string(&path).unwrap();
        let kinds: Vec<&str> = text.lines().map(|l| l.split(' ').next().unwrap()).collect();
        assert!(
            kinds == ["key", "busy"] || kinds == ["key", "busy", "busy"],
            "{text}"
        );
        let busy: u128 = text.lines().last().unwrap()[5..].parse().unwrap();
        assert!(busy >= (STALL * 2).as_micros(), "{text}");
        let off = KeyLatency::default();
        assert!(!off.on());
    }
}
