//! What the actions of the key table do to the state: movement, search,
//! jumps to a line or to a finding. Called only from `update`.
//!
//! A search (`/`, `n`/`N`, `:goto ID`) is not done here: it is handed to a
//! worker ([`crate::tui::search`]) and the cursor moves when it answers.

use crate::ledger::io::line_index::Direction;
use crate::tui::app::{App, Level, Pane, Prompt, PromptKind, follow};
use crate::tui::chain::ChainKind;
use crate::tui::detail::Detail;
use crate::tui::{keys, layout, search, strings};

/// Re-clamp every view to the current size and decode the visible rows.
pub fn refresh_views(app: &mut App) {
    let rows = app.table_rows();
    for c in &mut app.chains {
        c.move_to(c.cursor, rows);
    }
    let width = usize::from(app.body().width.saturating_sub(2));
    let detail_rows = layout::boxed_rows(app.body());
    if let Some(d) = &mut app.detail {
        d.rewrap(width);
        d.scroll_by(0, detail_rows);
    }
    let frows = app.findings_rows();
    let i = &mut app.integrity;
    i.selected = i.selected.min(i.findings.len().saturating_sub(1));
    follow(&mut i.top, i.selected, frows);
    if let Some(h) = app.help {
        app.help = Some(h.min(help_max_scroll(app)));
    }
    crate::tui::maturity::clamp(app);
}

fn help_max_scroll(app: &App) -> usize {
    let rows = layout::boxed_rows(layout::help_area(app.body()));
    keys::help_lines().len().saturating_sub(rows)
}

/// Move what has focus by `delta` rows.
pub fn move_by(app: &mut App, delta: i64) {
    if let Some(h) = app.help {
        let to = h.saturating_add_signed(delta as isize);
        app.help = Some(to.min(help_max_scroll(app)));
        return;
    }
    match app.pane {
        Pane::Browser => {
            let rows = layout::boxed_rows(app.body());
            if let Some(d) = &mut app.detail {
                d.scroll_by(delta, rows);
            } else {
                let rows = app.table_rows();
                app.current_mut().move_by(delta, rows);
            }
        }
        Pane::Integrity => {
            let rows = app.findings_rows();
            let i = &mut app.integrity;
            let last = i.findings.len().saturating_sub(1);
            i.selected = i.selected.saturating_add_signed(delta as isize).min(last);
            follow(&mut i.top, i.selected, rows);
        }
        _ => crate::tui::panes::move_by(app, delta),
    }
}

/// Move by one page (`dir` is 1 or -1).
pub fn page(app: &mut App, dir: i64) {
    let rows = match app.pane {
        Pane::Integrity if app.help.is_none() => app.findings_rows(),
        Pane::Browser if app.help.is_none() && app.detail.is_none() => app.table_rows(),
        _ => layout::boxed_rows(app.body()),
    };
    move_by(app, dir * i64::try_from(rows.max(1)).unwrap_or(1));
}

/// Go to the first (`end` false) or last row.
pub fn move_to_end(app: &mut App, end: bool) {
    // Far enough to clamp at either end, small enough not to overflow.
    move_by(app, if end { i64::MAX / 4 } else { -(i64::MAX / 4) });
}

/// Open the detail of the record under the cursor.
pub fn open_detail(app: &mut App) {
    if app.current().lines() == 0 {
        app.detail = None;
        app.say(Level::Warn, strings::NOTHING_TO_SHOW);
        return;
    }
    let width = usize::from(app.body().width.saturating_sub(2));
    let scroll = app.detail.as_ref().map_or(0, |d| d.scroll);
    let mut d = Detail::open(app.current(), &app.report, width);
    d.scroll_by(
        i64::try_from(scroll).unwrap_or(0),
        layout::boxed_rows(app.body()),
    );
    app.detail = Some(d);
}

/// Show 1-based `line` of `chain` in the browser.
pub fn goto_line(app: &mut App, chain: ChainKind, line: u64) {
    let Some(i) = app.chain_index(chain) else {
        app.say(Level::Warn, strings::not_browsable(chain.name()));
        return;
    };
    app.chain = i;
    app.pane = Pane::Browser;
    app.detail = None;
    app.help = None;
    let rows = app.table_rows();
    app.current_mut().move_to(line.saturating_sub(1), rows);
}

/// `Enter` on the integrity pane: show the selected finding's line.
pub fn jump_to_selected_finding(app: &mut App) {
    let Some(report) = app.report.ready() else {
        return;
    };
    let Some(&(fi, i)) = app.integrity.findings.get(app.integrity.selected) else {
        return;
    };
    let (file, f) = (&report.files[fi], &report.files[fi].findings[i]);
    let own = ChainKind::from_name(file.name).zip(f.line);
    let related = f
        .related
        .as_ref()
        .and_then(|r| ChainKind::from_name(r.file).map(|c| (c, r.first_line)));
    if let Some((chain, line)) = own.or(related) {
        goto_line(app, chain, line);
    } else {
        let msg = strings::not_browsable(file.name);
        app.say(Level::Info, msg);
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

/// Open the prompt.
pub fn start_prompt(app: &mut App, kind: PromptKind) {
    app.prompt = Some(Prompt {
        kind,
        text: String::new(),
    });
}

/// `Enter` in the prompt.
pub fn submit(app: &mut App) {
    let Some(p) = app.prompt.take() else { return };
    match p.kind {
        PromptKind::Search => {
            // An empty search repeats the last one, as in vi and less.
            if !p.text.is_empty() {
                app.last_search = Some(p.text);
            }
            search_again(app, true);
        }
        PromptKind::Command => command(app, p.text.trim()),
    }
}

fn command(app: &mut App, cmd: &str) {
    let arg = cmd.strip_prefix("goto").map_or(cmd, str::trim);
    if let Ok(n) = arg.parse::<u64>() {
        let kind = app.current().kind;
        goto_line(app, kind, n.max(1));
    } else if let Some(id) = word_args(cmd, "goto").filter(|a| is_id_prefix(a)) {
        goto_id(app, id);
    } else if matches!(cmd, "q" | "quit") {
        app.quit = true;
    } else if let Some(args) = word_args(cmd, "filter") {
        crate::tui::filter::command(app, args);
    } else if let Some(file) = word_args(cmd, "export") {
        crate::tui::export::request(app, file);
    } else if cmd == "marks" {
        crate::tui::bookmarks::list(app);
    } else if cmd == "marks clear" {
        crate::tui::bookmarks::clear(app);
    } else {
        app.say(Level::Warn, strings::unknown_command(cmd));
    }
}

/// A descriptor or pulse id, or a prefix of one: hex digits only.
fn is_id_prefix(s: &str) -> bool {
    s.len() >= 4 && s.bytes().all(|b| b.is_ascii_hexdigit())
}

/// `:goto ID`: the first record of the current chain whose id (descriptor
/// or pulse id) starts with `id`, searched from the top (in the background).
fn goto_id(app: &mut App, id: &str) {
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
        not_found: strings::search_not_found(&format!("{field} {id}…")),
    };
    search::start(app, ask);
}

/// The rest of `cmd` when its first word is `word`.
fn word_args<'a>(cmd: &'a str, word: &str) -> Option<&'a str> {
    let rest = cmd.strip_prefix(word)?;
    (rest.is_empty() || rest.starts_with(' ')).then(|| rest.trim())
}

/// `n`/`N`: the next or previous line matching the last search, wrapping
/// around the file's ends (in the background).
pub fn search_again(app: &mut App, forward: bool) {
    let Some(query) = app.last_search.clone() else {
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
