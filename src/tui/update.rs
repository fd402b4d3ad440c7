//! `update(&mut App, Msg)`: the only place the state changes.
//!
//! Plain state change, no terminal and no threads: the tests drive it with
//! key strings and snapshot what it leaves behind. The few reads it does
//! (the rows that become visible) go through the line index and touch only
//! what is asked for; anything that may read a whole file (a search, a
//! filter, the analyses) is queued as a job for a worker.

use crate::tui::app::{App, Loading, Pane};
use crate::tui::chain::{ChainKind, ChainView, Source};
use crate::tui::keys::{self, Action};
use crate::tui::marks::Marks;
use crate::tui::msg::Msg;
use crate::tui::panes;
use crate::tui::{actions, bookmarks, clipboard, filter, form};
use crossterm::event::{KeyCode, KeyEvent, KeyEventKind, KeyModifiers};

/// Apply one message to the state.
pub fn update(app: &mut App, msg: Msg) {
    match msg {
        Msg::Key(ev) => on_key(app, ev),
        Msg::Mouse(m) => {
            // Other mouse events (moves, releases) change nothing: no redraw.
            if !crate::tui::mouse::on_mouse(app, m) {
                return;
            }
        }
        Msg::Resize(w, h) => {
            app.size = (w, h);
            actions::refresh_views(app);
        }
        Msg::Tick => {
            app.tick = app.tick.wrapping_add(1);
            // Only the progress indicator moves with time.
            if !app.busy() {
                return;
            }
        }
        Msg::Discovered(result) => on_discovered(app, result),
        Msg::Progress { chain, done, total } => {
            if let Some(view) = app.chain_mut(chain) {
                view.source = Source::Indexing { done, total };
            }
        }
        Msg::Indexed { chain, result } => on_indexed(app, chain, result),
        // Once the watcher runs, its reports are the newer ones.
        Msg::Verifying(p) => app.verify_progress = Some(p),
        Msg::Verified(_) if app.live.active => app.verify_progress = None,
        Msg::Verified(result) => {
            app.verify_progress = None;
            on_verified(app, result);
        }
        Msg::Panes(m) => panes::on_msg(app, m),
        Msg::Exported(result) => crate::tui::export::done(app, result),
        Msg::Written { request, outcome } => {
            crate::tui::writes::on_written(app, request, outcome);
        }
        Msg::InputClosed => app.quit = true,
        Msg::Live(ev) => crate::tui::live::on_event(app, ev),
    }
    panes::after_update(app);
    app.dirty = true;
}

fn on_discovered(app: &mut App, result: Result<crate::ledger::discover::Discovery, String>) {
    match result {
        Ok(d) => {
            // A native ledger has other chains than a legacy one; a reload
            // of the same ledger keeps the views (and their cursors).
            let kinds = ChainKind::for_discovery(&d);
            if app.chains.iter().map(|c| c.kind).ne(kinds.iter().copied()) {
                app.chains = kinds.iter().copied().map(ChainView::new).collect();
                app.chain = 0;
                app.detail = None;
            }
            for view in &mut app.chains {
                if d.path_of(view.kind.file_kind()).is_none() {
                    view.source = Source::Absent;
                }
            }
            // Browse a chain that exists: a pulses-only ledger opens on pulses.
            if matches!(app.current().source, Source::Absent)
                && let Some(i) = app
                    .chains
                    .iter()
                    .position(|c| !matches!(c.source, Source::Absent))
            {
                app.chain = i;
            }
            app.discovery = Loading::Ready(d);
        }
        Err(e) => {
            for c in &mut app.chains {
                c.source = Source::Failed(e.clone());
            }
            app.report = Loading::Failed(e.clone());
            app.discovery = Loading::Failed(e);
        }
    }
}

fn on_indexed(
    app: &mut App,
    chain: ChainKind,
    result: Result<crate::ledger::io::line_index::IndexedFile, String>,
) {
    let rows = app.table_rows();
    let Some(view) = app.chain_mut(chain) else {
        return;
    };
    // Indexed again after a full re-verification (a native chain grows that
    // way): a view that followed the end keeps following it.
    let following = matches!(view.source, Source::Ready(_)) && view.cursor + 1 >= view.lines();
    view.source = match result {
        Ok(file) => Source::Ready(file),
        Err(e) => Source::Failed(e),
    };
    filter::reapply(view);
    let to = if following { u64::MAX } else { view.cursor };
    view.move_to(to, rows);
}

/// Show a verification report (or why there is none).
pub fn on_verified(
    app: &mut App,
    result: Result<Box<crate::ledger::model::report::VerifyReport>, String>,
) {
    match result {
        Ok(report) => {
            for c in &mut app.chains {
                c.marks = Some(Marks::from_report(&report, c.kind.name()));
            }
            app.integrity.findings = report
                .files
                .iter()
                .enumerate()
                .flat_map(|(fi, f)| (0..f.findings.len()).map(move |i| (fi, i)))
                .collect();
            app.integrity.selected = 0;
            app.integrity.top = 0;
            // What could not be compared with the trusted or remembered
            // checkpoints is said, not left to the word "incomplete".
            if let Some(e) = report.trust.as_ref().and_then(|t| t.errors.first()) {
                app.say(
                    crate::tui::app::Level::Warn,
                    format!("not checked against trusted checkpoints: {e}"),
                );
            }
            app.report = Loading::Ready(report);
            app.panes.report_changed();
        }
        Err(e) => app.report = Loading::Failed(e),
    }
    // An open detail shows the findings of its line: rebuild it.
    if app.detail.is_some() {
        actions::open_detail(app);
    }
}

fn on_key(app: &mut App, ev: KeyEvent) {
    // Release events (Windows, the kitty protocol) are not presses; a held
    // key's repeats are, and move as often as they come.
    if ev.kind == KeyEventKind::Release {
        return;
    }
    app.message = None;
    let action = keys::lookup(app.contexts(), &ev);
    if let Some(a) = action {
        perform(app, a);
    } else if crate::tui::form::is_editing(app) {
        // Unbound keys in the form are text for its field.
        crate::tui::form::type_key(app, ev);
    } else if let Some(p) = &mut app.prompt
        && let KeyCode::Char(c) = ev.code
        && !ev.modifiers.contains(KeyModifiers::CONTROL)
    {
        // Unbound keys in the prompt are text.
        p.text.push(c);
    }
}

/// Carry out one action of the key table.
pub fn perform(app: &mut App, action: Action) {
    match action {
        Action::Quit => app.quit = true,
        Action::Help => app.help = if app.help.is_some() { None } else { Some(0) },
        Action::Back => back(app),
        Action::NextPane => switch_pane(app, app.pane.index() + 1),
        Action::PrevPane => switch_pane(app, app.pane.index() + Pane::ALL.len() - 1),
        Action::Pane(n) => switch_pane(app, usize::from(n).saturating_sub(1)),
        Action::Up => actions::move_by(app, -1),
        Action::Down => actions::move_by(app, 1),
        Action::PageUp | Action::PageDown if panes::owns(app.pane) && app.help.is_none() => {
            panes::page(app, if action == Action::PageUp { -1 } else { 1 });
        }
        Action::PageUp => actions::page(app, -1),
        Action::PageDown => actions::page(app, 1),
        Action::Top => actions::move_to_end(app, false),
        Action::Bottom => actions::move_to_end(app, true),
        Action::NextChain => {
            // A search of the chain left behind is no longer wanted.
            crate::tui::search::cancel(app);
            app.chain = (app.chain + 1) % app.chains.len();
            actions::refresh_views(app);
        }
        Action::Open => match app.pane {
            Pane::Browser => actions::open_detail(app),
            Pane::Integrity => actions::jump_to_selected_finding(app),
            _ => panes::open(app),
        },
        Action::AuditRecord => {
            app.detail = None;
            switch_pane(app, Pane::Audit.index());
        }
        Action::NextFinding | Action::PrevFinding if app.pane == Pane::Time => {
            crate::tui::time::jump(app, action == Action::NextFinding);
        }
        Action::Search => actions::start_prompt(app, crate::tui::app::PromptKind::Search),
        Action::Command => actions::start_prompt(app, crate::tui::app::PromptKind::Command),
        Action::SearchNext => actions::search_again(app, true),
        Action::SearchPrev => actions::search_again(app, false),
        Action::NextFinding => actions::jump_to_finding(app, true),
        Action::PrevFinding => actions::jump_to_finding(app, false),
        Action::Submit => actions::submit(app),
        Action::Acknowledge => crate::tui::live::acknowledge(app),
        Action::DeleteChar => {
            if let Some(p) = &mut app.prompt {
                p.text.pop();
            }
        }
        Action::AppendForm => form::open(app),
        Action::AppendPulse => crate::tui::pulse_append::append_now(app),
        Action::FormNext => form::next_field(app, true),
        Action::FormPrev => form::next_field(app, false),
        Action::FormEnter => form::enter(app),
        Action::FormPreview => form::preview(app),
        Action::FormConfirm => form::confirm(app),
        Action::ToggleMark => bookmarks::toggle(app),
        Action::NextMark => bookmarks::jump(app, true),
        Action::PrevMark => bookmarks::jump(app, false),
        Action::ListMarks => bookmarks::list(app),
        Action::CopyId => clipboard::copy_field(app, clipboard::What::Id),
        Action::CopyHash => clipboard::copy_field(app, clipboard::What::Hash),
    }
}

/// Close the innermost thing open.
fn back(app: &mut App) {
    if form::back(app) {
        return;
    }
    if app.prompt.take().is_some() || app.help.take().is_some() {
        return;
    }
    if crate::tui::search::cancel(app) {
        app.say(
            crate::tui::app::Level::Info,
            crate::tui::strings::SEARCH_STOPPED,
        );
        return;
    }
    if app.pane == Pane::Browser && app.detail.take().is_some() {
        return;
    }
    // Back along the links followed from the audit pane; from panes 3-5
    // with nowhere else to go, back to the browser.
    if !panes::back(app) && panes::owns(app.pane) {
        app.pane = Pane::Browser;
    }
}

fn switch_pane(app: &mut App, index: usize) {
    app.pane = Pane::ALL[index % Pane::ALL.len()];
    app.help = None;
    // Chosen by hand: Esc no longer returns along a followed link.
    app.panes.return_to = None;
}
