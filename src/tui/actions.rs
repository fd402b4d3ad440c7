//! What the chain browser's actions of the key table do: movement, the
//! record detail, searches, jumps to a line or to a finding. Called from
//! `update` (and the mouse); the other panes, the help and the prompt
//! have their own. Each takes the browser's own state, what it reads
//! besides ([`Env`]) and where its requests go ([`Out`]): a line shown
//! over another pane ([`Internal::GotoLine`]) or a message goes through
//! the queue of internal events, never through the whole app.
//!
//! A search (`/`, `n`/`N`, `:goto ID`) is not done here: it is handed to a
//! worker ([`crate::tui::search`]) and the cursor moves when it answers.

use crate::ledger::io::line_index::Direction;
use crate::tui::app::Level;
use crate::tui::browser::{Browser, Env};
use crate::tui::chain::ChainKind;
use crate::tui::component::Out;
use crate::tui::detail::Detail;
use crate::tui::keys::Action;
use crate::tui::queue::{Internal, Queue};
use crate::tui::{bookmarks, clipboard, search, strings};

/// Move the browser's cursor (or scroll its open detail) by `delta` rows.
pub fn browse_by(b: &mut Browser, env: &Env, delta: i64) {
    if let Some(d) = b.detail_mut() {
        d.scroll_by(delta, env.detail_rows());
    } else {
        b.current_mut().move_by(delta, env.table_rows());
    }
}

/// The browser's share of the key table (with the detail open too).
pub fn perform(b: &mut Browser, env: &Env, out: &mut Out, action: Action) {
    // Far enough to clamp at either end, small enough not to overflow.
    let end = i64::MAX / 4;
    match action {
        Action::Up => browse_by(b, env, -1),
        Action::Down => browse_by(b, env, 1),
        Action::PageUp | Action::PageDown => {
            let rows = if b.detail().is_none() {
                env.table_rows()
            } else {
                env.detail_rows()
            };
            let page = i64::try_from(rows.max(1)).unwrap_or(1);
            browse_by(
                b,
                env,
                if action == Action::PageUp {
                    -page
                } else {
                    page
                },
            );
        }
        Action::Top => browse_by(b, env, -end),
        Action::Bottom => browse_by(b, env, end),
        Action::NextChain => {
            // A search of the chain left behind is no longer wanted.
            search::cancel(b);
            b.next_chain();
            // Every pane is re-clamped, as after a resize (the app's own).
            out.queue.push(Internal::Refresh);
        }
        Action::Open => open_detail(b, env, out.queue),
        Action::SearchNext => search_again(b, out, true),
        Action::SearchPrev => search_again(b, out, false),
        Action::ToggleMark => bookmarks::toggle(b, out.queue),
        Action::NextMark => bookmarks::jump(b, out.queue, true),
        Action::PrevMark => bookmarks::jump(b, out.queue, false),
        Action::ListMarks => bookmarks::list(b, out.queue),
        Action::Pager => crate::tui::pager::request(b, env, out.queue),
        Action::CopyId => clipboard::copy_field(b, out.queue, clipboard::What::Id),
        Action::CopyHash => clipboard::copy_field(b, out.queue, clipboard::What::Hash),
        Action::ScrollLeft | Action::ScrollRight if b.detail().is_none() => {
            let view = b.current_mut();
            let last = view.kind.fields().len().saturating_sub(1);
            view.first_column = if action == Action::ScrollLeft {
                view.first_column.saturating_sub(1)
            } else {
                (view.first_column + 1).min(last)
            };
        }
        Action::SortNext => crate::tui::sort::cycle(b, env, out),
        Action::SortReverse => crate::tui::sort::reverse(b, env, out.queue),
        _ => {}
    }
}

/// Re-clamp the browser's views to the current size and decode their
/// visible rows; rewrap the open detail.
pub fn refresh(b: &mut Browser, env: &Env) {
    let rows = env.table_rows();
    for c in b.chains_mut() {
        c.move_to(c.cursor, rows);
    }
    if let Some(d) = b.detail_mut() {
        d.rewrap(env.detail_width());
        d.scroll_by(0, env.detail_rows());
    }
}

/// Open the detail of the record under the cursor.
pub fn open_detail(b: &mut Browser, env: &Env, queue: &mut Queue) {
    if b.current().lines() == 0 {
        b.set_detail(None);
        queue.say(Level::Warn, strings::NOTHING_TO_SHOW);
        return;
    }
    let scroll = b.detail().map_or(0, |d| d.scroll);
    let mut d = Detail::open(b.current(), env.report, env.detail_width());
    d.scroll_by(i64::try_from(scroll).unwrap_or(0), env.detail_rows());
    b.set_detail(Some(d));
}

/// `:N` or `:goto N`: line `n`. Past the end: an all-digit id prefix
/// (4+ digits) is looked up as an id; otherwise the last line is shown and
/// the message says the number was out of range.
pub fn goto_number(b: &mut Browser, out: &mut Out, typed: &str, n: u64) {
    let view = b.current();
    let (kind, lines) = (view.kind, view.lines());
    let indexed = view.file().is_some();
    if !indexed || (1..=lines).contains(&n) {
        out.queue.push(Internal::GotoLine(kind, n.max(1)));
    } else if is_id_prefix(typed) && kind != ChainKind::NativeEvents {
        goto_id_or(
            b,
            out,
            typed,
            Some(strings::goto_neither(typed, kind.name(), lines)),
        );
    } else {
        out.queue.push(Internal::GotoLine(kind, n.max(1)));
        out.queue.say(
            Level::Warn,
            strings::goto_out_of_range(n, kind.name(), lines),
        );
    }
}

/// `e`/`E`: the next or previous line with a finding in the browsed chain.
/// Whether the browser is to be shown (not while the marks are awaited).
pub fn jump_to_finding(b: &Browser, queue: &mut Queue, forward: bool) -> bool {
    let view = b.current();
    let (here, kind) = (view.cursor + 1, view.kind);
    let target = match &view.marks {
        None => {
            queue.say(Level::Info, strings::VERIFYING);
            return false;
        }
        Some(m) if forward => m.next_after(here),
        Some(m) => m.prev_before(here),
    };
    if let Some(line) = target {
        queue.push(Internal::GotoLine(kind, line));
    } else {
        queue.say(Level::Info, strings::no_more_findings(kind.name(), forward));
    }
    true
}

/// A descriptor or pulse id, or a prefix of one: hex digits only.
pub fn is_id_prefix(s: &str) -> bool {
    s.len() >= 4 && s.bytes().all(|b| b.is_ascii_hexdigit())
}

/// `:goto ID`: the first record of the current chain whose id (descriptor
/// or pulse id) starts with `id`, searched from the top (in the background).
pub fn goto_id(b: &mut Browser, out: &mut Out, id: &str) {
    goto_id_or(b, out, id, None);
}

/// [`goto_id`], with what to say when no record matches (`None`: the
/// search's own message).
fn goto_id_or(b: &mut Browser, out: &mut Out, id: &str, not_found: Option<String>) {
    let id = id.to_ascii_lowercase();
    let field = match b.current().kind {
        crate::tui::chain::ChainKind::Descriptors
        | crate::tui::chain::ChainKind::NativeDescriptors => "descriptor_id",
        // Migrated native pulses keep the legacy `pulse_id` in their body.
        crate::tui::chain::ChainKind::Pulses | crate::tui::chain::ChainKind::NativePulses => {
            "pulse_id"
        }
        crate::tui::chain::ChainKind::NativeEvents => {
            out.queue
                .say(Level::Warn, "events carry no id: go to a line with :N");
            return;
        }
    };
    let ask = search::Ask {
        query: format!("\"{field}\":\"{id}"),
        from: Some(0),
        dir: Direction::Forward,
        wrap_from: None,
        shown: format!("{field} {id}"),
        not_found: not_found
            .unwrap_or_else(|| strings::search_not_found(&format!("{field} {id}…"))),
    };
    search::start(b, out, ask);
}

/// `n`/`N`: the next or previous line matching the last search, wrapping
/// around the file's ends (in the background).
pub fn search_again(b: &mut Browser, out: &mut Out, forward: bool) {
    let Some(query) = b.last_search().map(str::to_owned) else {
        out.queue.say(Level::Info, strings::NO_SEARCH);
        return;
    };
    let view = b.current();
    let (n, cur) = (view.lines(), view.cursor);
    let (dir, start, wrap_from) = if forward {
        (Direction::Forward, cur + 1, 0)
    } else {
        (
            Direction::Backward,
            cur.wrapping_sub(1),
            n.saturating_sub(1),
        )
    };
    let ask = search::Ask {
        not_found: strings::search_not_found(&query),
        shown: query.clone(),
        query,
        // `start` is past an end when the cursor is on the first or last line.
        from: (start < n).then_some(start),
        dir,
        wrap_from: Some(wrap_from),
    };
    search::start(b, out, ask);
}
