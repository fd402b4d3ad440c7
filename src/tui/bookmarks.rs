//! Marks the reviewer sets on records of the chain browser (`m`), to come
//! back to them (`u`/`U`) or list them (`M`, `:marks`). Not to be confused
//! with [`crate::tui::marks`], the verification results per line.
//!
//! Marks live in the session only: review is read-only, and nothing about
//! a review is written next to the evidence.

use crate::tui::app::Level;
use crate::tui::browser::Browser;
use crate::tui::chain::ChainView;
use crate::tui::queue::{Internal, Queue};
use crate::tui::strings;

/// Most marked lines a message lists before it says how many more.
const LISTED: usize = 12;

/// `m`: mark the record under the cursor, or unmark it.
pub fn toggle(b: &mut Browser, queue: &mut Queue) {
    let view = b.current_mut();
    if view.lines() == 0 {
        queue.say(Level::Warn, strings::NOTHING_TO_SHOW);
        return;
    }
    let line = view.cursor;
    let marked = if view.bookmarks.remove(&line) {
        false
    } else {
        view.bookmarks.insert(line);
        true
    };
    let n = view.bookmarks.len();
    queue.say(Level::Info, strings::mark_toggled(line + 1, marked, n));
}

/// `u`/`U`: the next or previous marked record (wrapping around).
pub fn jump(b: &Browser, queue: &mut Queue, forward: bool) {
    let view = b.current();
    let here = view.cursor;
    let marks = &view.bookmarks;
    let (target, wrapped) = if forward {
        match marks.range(here + 1..).next() {
            Some(l) => (Some(*l), false),
            None => (marks.iter().next().copied(), true),
        }
    } else {
        match marks.range(..here).next_back() {
            Some(l) => (Some(*l), false),
            None => (marks.iter().next_back().copied(), true),
        }
    };
    let Some(line) = target else {
        queue.say(Level::Info, strings::NO_MARKS);
        return;
    };
    let kind = view.kind;
    let hidden = view
        .filter
        .as_ref()
        .is_some_and(|f| f.lines.binary_search(&line).is_err());
    queue.push(Internal::GotoLine(kind, line + 1));
    if hidden {
        queue.say(Level::Warn, strings::mark_hidden(line + 1));
    } else if wrapped {
        queue.say(Level::Info, strings::MARKS_WRAPPED);
    }
}

/// `M` or `:marks`: the marked lines in the message line (`:marks` shows
/// the browser first, [`crate::tui::prompt`]).
pub fn list(b: &Browser, queue: &mut Queue) {
    let view = b.current();
    let lines: Vec<u64> = view.bookmarks.iter().map(|l| l + 1).collect();
    if lines.is_empty() {
        queue.say(Level::Info, strings::NO_MARKS);
        return;
    }
    let name = view.kind.name();
    queue.say(Level::Info, strings::marks_list(name, &lines, LISTED));
}

/// `:marks clear`.
pub fn clear(b: &mut Browser, queue: &mut Queue) {
    let n = b.current().bookmarks.len();
    b.current_mut().bookmarks.clear();
    queue.say(Level::Info, strings::marks_cleared(n));
}

/// The line-number cell of `line` (0-based): `*` before a marked line's number.
pub fn line_label(view: &ChainView, line: u64) -> String {
    if view.bookmarks.contains(&line) {
        format!("*{}", line + 1)
    } else {
        (line + 1).to_string()
    }
}
