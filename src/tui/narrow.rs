//! What the browser's background narrowing (a `:filter` scan, a sort) has
//! in common: one runs at a time, its progress is shown on the status line
//! (`sorting by level… 42%`) and keeps the spinner turning, and an answer
//! to an older request is dropped.
//!
//! The work itself reads the chain file by its path with its own reader
//! ([`for_each_line`]), never through the UI thread's file, and counts the
//! bytes it has read in an atomic the status line reads on every tick: the
//! UI thread never waits for it, so switching panes stays as fast while a
//! million records are sorted.

use crate::tui::browser::Browser;
use crate::tui::chain::ChainKind;
use crate::tui::panes::Work;
use crate::tui::strings;
use std::path::Path;
use std::sync::Arc;
use std::sync::atomic::{AtomicU64, Ordering};

/// Bytes of a line read for matching or sorting; longer lines never match
/// and sort last.
pub const LINE_MAX_BYTES: usize = 1 << 20;

/// A narrowing running in the background, as the UI remembers it.
#[derive(Debug, Default)]
pub struct Narrowing {
    /// The request its answer carries.
    pub request: u64,
    /// The chain it reads.
    pub kind: Option<ChainKind>,
    /// What the status line says (`sorting by level`).
    pub what: String,
    /// Bytes read so far (the worker adds to it).
    pub done: Arc<AtomicU64>,
    /// Bytes to read.
    pub total: u64,
    /// The sort it computes (`None`: a filter scan).
    pub sort: Option<(crate::tui::sort::SortKey, bool)>,
}

/// Note a new narrowing of `kind` (replacing any other); its request
/// number and the counter its worker reports progress on.
pub fn begin(
    b: &mut Browser,
    work: &mut Work,
    kind: ChainKind,
    what: String,
    total: u64,
) -> (u64, Arc<AtomicU64>) {
    let request = work.request();
    let done = Arc::new(AtomicU64::new(0));
    b.set_narrowing(Some(Narrowing {
        request,
        kind: Some(kind),
        what,
        done: Arc::clone(&done),
        total,
        sort: None,
    }));
    (request, done)
}

/// An answer to `request` arrived: whether it is the one still wanted
/// (it then no longer runs).
pub fn finish(b: &mut Browser, request: u64) -> bool {
    if b.narrowing().is_some_and(|n| n.request == request) {
        b.set_narrowing(None);
        return true;
    }
    false
}

/// Forget the running narrowing (its answer will be dropped); whether
/// there was one.
pub fn cancel(b: &mut Browser) -> bool {
    b.take_narrowing().is_some()
}

/// The status line while one runs: `⠋ sorting by level… 42%`.
pub fn status(b: &Browser, tick: u64) -> Option<String> {
    let n = b.narrowing()?;
    let spin = strings::SPINNER[(tick % 4) as usize];
    let done = n.done.load(Ordering::Relaxed);
    let pct = (done.min(n.total) * 100).checked_div(n.total).unwrap_or(0);
    Some(format!("{spin} {}… {pct}%", n.what))
}

/// Call `each(line, text)` for every complete line of the file at `path`
/// (0-based line; its text when it is UTF-8 and not longer than
/// [`LINE_MAX_BYTES`]), adding the bytes read to `done`. A line still
/// being written (no newline yet) is not read: the live view catches it up.
pub fn for_each_line(
    path: &Path,
    done: &AtomicU64,
    mut each: impl FnMut(u64, Option<&str>),
) -> std::io::Result<u64> {
    use crate::ledger::io::reader::{Content, Ending, LineReader};
    let mut reader =
        LineReader::with_limit(crate::ledger::input::open_regular(path)?, LINE_MAX_BYTES);
    let mut lines = 0;
    while let Some(line) = reader.next_line()? {
        if line.ending == Ending::Torn {
            break;
        }
        lines = line.number;
        done.store(line.end_offset(), Ordering::Relaxed);
        let text = match line.content {
            Content::Bytes(b) => std::str::from_utf8(b).ok(),
            Content::TooLong { .. } => None,
        };
        each(line.number - 1, text);
    }
    Ok(lines)
}
