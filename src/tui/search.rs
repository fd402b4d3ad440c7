//! `/` search, `n`/`N` and `:goto ID` in the chain browser, on a worker.
//!
//! A search that finds nothing reads the whole chain (seconds on gigabytes),
//! so `update` only queues a [`SearchJob`] with a snapshot of the chain's
//! file ([`IndexedFile::snapshot`]) and notes the search as [`Pending`]:
//! the status line says what is being searched and the spinner runs. The
//! answer, a [`PanesMsg::Search`], moves the cursor.
//!
//! Only the newest search counts. A new one, `Esc` or switching chain sets
//! the running one's cancel flag (the worker stops before its next chunk)
//! and forgets it; an answer whose request number is not the pending one
//! is dropped, so a late answer never moves a cursor the user has since
//! moved elsewhere.

use crate::ledger::io::line_index::{Direction, IndexedFile};
use crate::tui::app::{Level, Pane};
use crate::tui::browser::{Browser, Env};
use crate::tui::chain::ChainKind;
use crate::tui::component::Out;
use crate::tui::panes::{Job, PanesMsg};
use crate::tui::queue::Internal;
use crate::tui::strings;
use std::sync::Arc;
use std::sync::atomic::{AtomicBool, Ordering};

/// Where a search is to look, and what the user is told about it.
#[derive(Debug)]
pub struct Ask {
    /// The text looked for (ASCII case ignored).
    pub query: String,
    /// The 0-based line to search from; `None` goes straight to the wrap.
    pub from: Option<u64>,
    /// Which way.
    pub dir: Direction,
    /// Where to search again, the same way, when nothing was found from
    /// `from`: the first (or last) line to wrap around; `None` not to.
    pub wrap_from: Option<u64>,
    /// What the status line names while the search runs.
    pub shown: String,
    /// The message when nothing is found.
    pub not_found: String,
}

/// A search running in the background, as the UI remembers it.
#[derive(Debug)]
pub struct Pending {
    /// The request its answer carries.
    pub request: u64,
    /// The chain searched.
    pub kind: ChainKind,
    /// What the status line names.
    pub shown: String,
    /// The message when nothing is found.
    pub not_found: String,
    /// Set to stop the worker.
    pub cancel: Arc<AtomicBool>,
}

/// A search to run off the UI thread.
#[derive(Debug)]
pub struct SearchJob {
    /// The request it answers.
    pub request: u64,
    /// The chain searched.
    pub kind: ChainKind,
    /// The chain's file as it was when the search started.
    pub file: IndexedFile,
    /// Where and what.
    pub ask: Ask,
    /// Set when the answer is no longer wanted.
    pub cancel: Arc<AtomicBool>,
}

/// A line found, and whether the search wrapped around to find it.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Hit {
    /// The 0-based line.
    pub line: u64,
    /// Found only after wrapping around the file's end.
    pub wrapped: bool,
}

impl SearchJob {
    /// Search from `from`, then from the wrap point.
    pub fn run(self) -> PanesMsg {
        let ask = &self.ask;
        let find = |from| {
            self.file
                .find_cancellable(&ask.query, from, ask.dir, &self.cancel)
        };
        let first = ask.from.map_or(Ok(None), find);
        let result = match first {
            Ok(None) => ask.wrap_from.map_or(Ok(None), find).map(|hit| {
                hit.map(|line| Hit {
                    line,
                    wrapped: true,
                })
            }),
            other => other.map(|hit| {
                hit.map(|line| Hit {
                    line,
                    wrapped: false,
                })
            }),
        };
        PanesMsg::Search {
            request: self.request,
            kind: self.kind,
            result: result.map_err(|e| e.to_string()),
        }
    }
}

/// Start searching the browsed chain (whose file is open) as `ask` says,
/// stopping any search still running.
pub fn start(b: &mut Browser, out: &mut Out, ask: Ask) {
    let view = b.current();
    let Some(file) = view.file().map(IndexedFile::snapshot) else {
        out.queue.say(Level::Warn, strings::NOTHING_TO_SHOW);
        return;
    };
    let kind = view.kind;
    cancel(b);
    let request = out.work.request();
    let flag = Arc::new(AtomicBool::new(false));
    b.set_search(Pending {
        request,
        kind,
        shown: ask.shown.clone(),
        not_found: ask.not_found.clone(),
        cancel: Arc::clone(&flag),
    });
    out.work.jobs.push(Job::Search(Box::new(SearchJob {
        request,
        kind,
        file,
        ask,
        cancel: flag,
    })));
}

/// Stop the running search, if any; return whether there was one.
pub fn cancel(b: &mut Browser) -> bool {
    let Some(p) = b.take_search() else {
        return false;
    };
    p.cancel.store(true, Ordering::Relaxed);
    true
}

/// A search answered: go to the line found, unless the answer is stale
/// (another search since, or cancelled) or the browser shows another chain.
pub fn on_found(
    b: &mut Browser,
    env: &Env,
    out: &mut Out,
    request: u64,
    kind: ChainKind,
    result: Result<Option<Hit>, String>,
) {
    let Some(p) = b.take_search_if(request) else {
        return;
    };
    if b.current().kind != kind {
        return;
    }
    // A search (not a `:goto ID`) that found a line: count all its hits.
    if let (Ok(Some(_)), Some(query)) = (&result, b.last_search())
        && *query == p.shown
    {
        let query = query.to_owned();
        crate::tui::hits::count(b, &mut out.work, &query);
    }
    let queue = &mut *out.queue;
    match result {
        // The user went to another pane meanwhile: the browser's cursor
        // moves, the screen is not taken from under them.
        Ok(Some(hit)) if env.pane != Pane::Browser || b.detail().is_some() => {
            b.current_mut().move_to(hit.line, env.table_rows());
            queue.say(Level::Info, strings::found_elsewhere(hit.line + 1));
        }
        Ok(Some(hit)) => {
            queue.push(Internal::GotoLine(kind, hit.line + 1));
            if hit.wrapped {
                queue.say(Level::Info, strings::SEARCH_WRAPPED);
            }
        }
        Ok(None) => queue.say(Level::Warn, p.not_found),
        Err(e) => queue.say(Level::Error, strings::read_error(&e)),
    }
}

/// The status line while a search runs.
pub fn status(b: &Browser, tick: u64) -> Option<String> {
    let p = b.search()?;
    let spin = strings::SPINNER[(tick % 4) as usize];
    Some(format!("{spin} {}", strings::searching(&p.shown)))
}
