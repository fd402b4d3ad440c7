//! What the chain browser's actions of the key table do: movement, the
//! record detail, searches, jumps to a line or to a finding. Called from
//! `update` (and the mouse); the other panes, the help and the prompt
//! have their own.
//!
//! A search (`/`, `n`/`N`, `:goto ID`) is not done here: it is handed to a
//! worker ([`crate::tui::search`]) and the cursor moves when it answers.

use crate::ledger::io::line_index::Direction;
use crate::tui::app::{App, Level, Pane, ctx};
use crate::tui::chain::ChainKind;
use crate::tui::detail::Detail;
use crate::tui::keys::Action;
use crate::tui::{bookmarks, clipboard, help, layout, search, strings};

/// Re-clamp every view to the current size and decode the visible rows.
pub fn refresh_views(app: &mut App) {
    let rows = app.table_rows();
    for c in app.browser.chains_mut() {
        c.move_to(c.cursor, rows);
    }
    let width = usize::from(app.body().width.saturating_sub(2));
    let detail_rows = layout::boxed_rows(app.body());
    if let Some(d) = app.browser.detail_mut() {
        d.rewrap(width);
        d.scroll_by(0, detail_rows);
    }
    let ctx = ctx!(app);
    app.integrity.clamp(&ctx);
    if let Some(h) = app.help {
        app.help = Some(h.min(help::max_scroll(app.body())));
    }
    app.maturity.clamp(&ctx);
}

/// Move what has focus by `delta` rows: the help when open, else the
/// active pane's selection (the mouse wheel comes here).
pub fn move_by(app: &mut App, delta: i64) {
    let body = app.body();
    if let Some(h) = &mut app.help {
        help::scroll_by(h, body, delta);
        return;
    }
    if crate::tui::component::with_focused(app, |c, ctx, _| c.move_by(ctx, delta)).is_none() {
        browse_by(app, delta);
    }
}

/// Move the browser's cursor (or scroll its open detail) by `delta` rows.
fn browse_by(app: &mut App, delta: i64) {
    let rows = layout::boxed_rows(app.body());
    if let Some(d) = app.browser.detail_mut() {
        d.scroll_by(delta, rows);
    } else {
        let rows = app.table_rows();
        app.current_mut().move_by(delta, rows);
    }
}

/// The browser's share of the key table (with the detail open too).
pub fn perform(app: &mut App, action: Action) {
    // Far enough to clamp at either end, small enough not to overflow.
    let end = i64::MAX / 4;
    match action {
        Action::Up => browse_by(app, -1),
        Action::Down => browse_by(app, 1),
        Action::PageUp | Action::PageDown => {
            let rows = if app.browser.detail().is_none() {
                app.table_rows()
            } else {
                layout::boxed_rows(app.body())
            };
            let page = i64::try_from(rows.max(1)).unwrap_or(1);
            browse_by(
                app,
                if action == Action::PageUp {
                    -page
                } else {
                    page
                },
            );
        }
        Action::Top => browse_by(app, -end),
        Action::Bottom => browse_by(app, end),
        Action::NextChain => {
            // A search of the chain left behind is no longer wanted.
            search::cancel(app);
            app.browser.next_chain();
            refresh_views(app);
        }
        Action::Open => open_detail(app),
        Action::SearchNext => search_again(app, true),
        Action::SearchPrev => search_again(app, false),
        Action::ToggleMark => bookmarks::toggle(app),
        Action::NextMark => bookmarks::jump(app, true),
        Action::PrevMark => bookmarks::jump(app, false),
        Action::ListMarks => bookmarks::list(app),
        Action::Pager => crate::tui::pager::request(app),
        Action::CopyId => clipboard::copy_field(app, clipboard::What::Id),
        Action::CopyHash => clipboard::copy_field(app, clipboard::What::Hash),
        Action::ScrollLeft | Action::ScrollRight if app.browser.detail().is_none() => {
            let view = app.current_mut();
            let last = view.kind.fields().len().saturating_sub(1);
            view.first_column = if action == Action::ScrollLeft {
                view.first_column.saturating_sub(1)
            } else {
                (view.first_column + 1).min(last)
            };
        }
        Action::SortNext => crate::tui::sort::cycle(app),
        Action::SortReverse => crate::tui::sort::reverse(app),
        _ => {}
    }
}

/// Open the detail of the record under the cursor.
pub fn open_detail(app: &mut App) {
    if app.current().lines() == 0 {
        app.browser.set_detail(None);
        app.say(Level::Warn, strings::NOTHING_TO_SHOW);
        return;
    }
    let width = usize::from(app.body().width.saturating_sub(2));
    let scroll = app.browser.detail().map_or(0, |d| d.scroll);
    let mut d = Detail::open(app.current(), &app.report, width);
    d.scroll_by(
        i64::try_from(scroll).unwrap_or(0),
        layout::boxed_rows(app.body()),
    );
    app.browser.set_detail(Some(d));
}

/// Show 1-based `line` of `chain` in the browser.
pub fn goto_line(app: &mut App, chain: ChainKind, line: u64) {
    let Some(i) = app.chain_index(chain) else {
        app.say(Level::Warn, strings::not_browsable(chain.name()));
        return;
    };
    app.browser.select(i);
    app.pane = Pane::Browser;
    app.browser.set_detail(None);
    app.help = None;
    let rows = app.table_rows();
    app.current_mut().move_to(line.saturating_sub(1), rows);
}

/// `:N` or `:goto N`: line `n`. Past the end: an all-digit id prefix
/// (4+ digits) is looked up as an id; otherwise the last line is shown and
/// the message says the number was out of range.
pub fn goto_number(app: &mut App, typed: &str, n: u64) {
    let view = app.current();
    let (kind, lines) = (view.kind, view.lines());
    let indexed = view.file().is_some();
    if !indexed || (1..=lines).contains(&n) {
        goto_line(app, kind, n.max(1));
    } else if is_id_prefix(typed) && kind != ChainKind::NativeEvents {
        goto_id_or(
            app,
            typed,
            Some(strings::goto_neither(typed, kind.name(), lines)),
        );
    } else {
        goto_line(app, kind, n.max(1));
        app.say(
            Level::Warn,
            strings::goto_out_of_range(n, kind.name(), lines),
        );
    }
}

/// `e`/`E`: the next or previous line with a finding in the browsed chain.
pub fn jump_to_finding(app: &mut App, forward: bool) {
    let view = app.current();
    let (here, kind) = (view.cursor + 1, view.kind);
    let target = match &view.marks {
        None => {
            app.say(Level::Info, strings::VERIFYING);
            return;
        }
        Some(m) if forward => m.next_after(here),
        Some(m) => m.prev_before(here),
    };
    if let Some(line) = target {
        goto_line(app, kind, line);
    } else {
        app.pane = Pane::Browser;
        app.say(Level::Info, strings::no_more_findings(kind.name(), forward));
    }
}

/// A descriptor or pulse id, or a prefix of one: hex digits only.
pub fn is_id_prefix(s: &str) -> bool {
    s.len() >= 4 && s.bytes().all(|b| b.is_ascii_hexdigit())
}

/// `:goto ID`: the first record of the current chain whose id (descriptor
/// or pulse id) starts with `id`, searched from the top (in the background).
pub fn goto_id(app: &mut App, id: &str) {
    goto_id_or(app, id, None);
}

/// [`goto_id`], with what to say when no record matches (`None`: the
/// search's own message).
fn goto_id_or(app: &mut App, id: &str, not_found: Option<String>) {
    let id = id.to_ascii_lowercase();
    let field = match app.current().kind {
        crate::tui::chain::ChainKind::Descriptors
        | crate::tui::chain::ChainKind::NativeDescriptors => "descriptor_id",
        // Migrated native pulses keep the legacy `pulse_id` in their body.
        crate::tui::chain::ChainKind::Pulses | crate::tui::chain::ChainKind::NativePulses => {
            "pulse_id"
        }
        crate::tui::chain::ChainKind::NativeEvents => {
            app.say(Level::Warn, "events carry no id: go to a line with :N");
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
    search::start(app, ask);
}

/// `n`/`N`: the next or previous line matching the last search, wrapping
/// around the file's ends (in the background).
pub fn search_again(app: &mut App, forward: bool) {
    let Some(query) = app.browser.last_search().map(str::to_owned) else {
        app.say(Level::Info, strings::NO_SEARCH);
        return;
    };
    let view = app.current();
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
    search::start(app, ask);
}
