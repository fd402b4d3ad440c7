//! `:goto 2026-11-01T09:00`: the first record (in file order) whose time is
//! at or after the one given, in the browser; in the time pane, the first
//! such pulse. A date alone is its first instant; a time without an offset
//! is UTC; offsets are taken into account (times are compared as
//! instants, as `:filter since=` compares them).
//!
//! Records are not in time order in general (a ledger records when each
//! assessment was written, not when it took place), so this reads the
//! chain from its start on a worker thread with its progress on the status
//! line (see [`crate::tui::narrow`]) and stops at the first match.

use crate::time::Instant;
use crate::tui::app::{Level, Pane};
use crate::tui::browser::{Browser, Env};
use crate::tui::chain::{ChainKind, Field};
use crate::tui::component::Out;
use crate::tui::narrow;
use crate::tui::queue::{Internal, Queue};
use crate::tui::strings;
use std::sync::Arc;
use std::sync::atomic::AtomicU64;

/// Column headings that hold a record's time, per chain.
const TIME_FIELDS: [&str; 3] = ["assessed_at", "utc", "created"];

/// A `:goto TIME` to run off the UI thread.
#[derive(Debug)]
pub struct GotoTimeJob {
    /// The request it answers.
    pub request: u64,
    /// The chain read.
    pub kind: ChainKind,
    /// Its file.
    pub path: std::path::PathBuf,
    /// The time looked for.
    pub at: Instant,
    /// As typed, for the messages.
    pub text: String,
    /// The pane to show the record in (the browser or the time pane).
    pub pane: Pane,
    /// Bytes read so far.
    pub done: Arc<AtomicU64>,
}

/// A finished `:goto TIME`.
#[derive(Debug)]
pub struct GotoTimeDone {
    /// What was asked.
    pub request: u64,
    /// The chain read.
    pub kind: ChainKind,
    /// As typed.
    pub text: String,
    /// The pane to show it in.
    pub pane: Pane,
    /// The 0-based line found, none, or why the chain could not be read.
    pub result: Result<Option<u64>, String>,
}

impl GotoTimeJob {
    /// Read the chain up to the first record at or after the time.
    pub fn run(self) -> GotoTimeDone {
        let field = time_field(self.kind);
        let mut found = None;
        let result = narrow::for_each_line(&self.path, &self.done, |line, text| {
            if found.is_some() {
                return;
            }
            if let (Some(f), Some(text)) = (field, text)
                && record_time(text, f).is_some_and(|t| t >= self.at)
            {
                found = Some(line);
            }
        })
        .map(|_| found)
        .map_err(|e| format!("{}: {e}", self.path.display()));
        GotoTimeDone {
            request: self.request,
            kind: self.kind,
            text: self.text,
            pane: self.pane,
            result,
        }
    }
}

/// The column holding a record's time in `kind`.
fn time_field(kind: ChainKind) -> Option<&'static Field> {
    kind.fields()
        .iter()
        .find(|f| TIME_FIELDS.contains(&f.title))
}

/// The time of the record `text` (the first of the field's places that
/// holds a string that parses as an ISO 8601 time).
fn record_time(text: &str, field: &Field) -> Option<Instant> {
    let v: serde_json::Value = serde_json::from_str(text).ok()?;
    field
        .keys
        .iter()
        .find_map(|k| v.pointer(k)?.as_str())
        .and_then(Instant::parse)
}

/// Whether `arg` is a time for `:goto` (a date, or a date and time);
/// the instant it stands for.
pub fn parse(arg: &str) -> Option<Instant> {
    let b = arg.as_bytes();
    // `YYYY-MM-DD...`: never a line number or an id prefix.
    if b.len() < 10 || b[4] != b'-' || b[7] != b'-' {
        return None;
    }
    // `2026-11-01T09:00`: minutes are enough.
    if b.len() == 16 && b[13] == b':' {
        return crate::analysis::bounds::time_bound(&format!("{arg}:00"), true);
    }
    crate::analysis::bounds::time_bound(arg, true)
}

/// `:goto TIME`: in the time pane its pulse chain, else the browsed chain.
pub fn start(b: &mut Browser, env: &Env, out: &mut Out, text: &str, at: Instant) {
    let pane = if env.pane == Pane::Time {
        Pane::Time
    } else {
        Pane::Browser
    };
    let kind = if pane == Pane::Time {
        crate::tui::time::pulse_kind(b.chains())
    } else {
        b.current().kind
    };
    let Some(file) = b.chain_of(kind).and_then(|c| c.file()) else {
        out.queue.say(Level::Warn, strings::NOTHING_TO_SHOW);
        return;
    };
    let (path, total) = (file.path().to_path_buf(), file.index().byte_len());
    let what = format!("going to {text}");
    let (request, done) = narrow::begin(b, &mut out.work, kind, what, total);
    out.work
        .jobs
        .push(crate::tui::panes::jobs::Job::GotoTime(Box::new(
            GotoTimeJob {
                request,
                kind,
                path,
                at,
                text: text.to_owned(),
                pane,
                done,
            },
        )));
}

/// A `:goto TIME` answered: show the record (unless it is stale).
pub fn on_found(b: &mut Browser, queue: &mut Queue, d: GotoTimeDone) {
    if !narrow::finish(b, d.request) {
        return;
    }
    match d.result {
        Ok(Some(line)) if d.pane == Pane::Time => queue.push(Internal::ShowTimeLine(line + 1)),
        Ok(Some(line)) => queue.push(Internal::GotoLine(d.kind, line + 1)),
        Ok(None) => queue.say(
            Level::Warn,
            format!(
                "no record of {} at or after {} (:goto TIME goes to the first one)",
                d.kind.name(),
                d.text
            ),
        ),
        Err(e) => queue.say(Level::Error, strings::read_error(&e)),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_time_is_told_from_a_line_number_and_an_id() {
        assert!(parse("2026-11-01T09:00").is_some());
        assert!(parse("2026-11-01").is_some());
        assert!(parse("2026-11-01T09:00:00+02:00").is_some());
        assert!(parse("20261101").is_none());
        assert!(parse("12").is_none());
        assert!(parse("b6fbadf2").is_none());
        assert!(parse("2026-13-45").is_none());
        assert_eq!(
            parse("2026-11-01T09:00"),
            Instant::parse("2026-11-01T09:00:00Z")
        );
    }

    #[test]
    fn every_chain_has_its_time_column() {
        for kind in ChainKind::ALL {
            assert!(time_field(kind).is_some(), "{kind:?}");
        }
    }
}
