//! `update(&mut App, Msg)`: the only place the state changes.
//!
//! Plain state change, no terminal and no threads: the tests drive it with
//! key strings and snapshot what it leaves behind. The few reads it does
//! (the rows that become visible) go through the line index and touch only
//! what is asked for; anything that may read a whole file (a search, a
//! filter, the analyses) is queued as a job for a worker.

use crate::tui::app::{App, Level, Loading, Pane};
use crate::tui::chain::{ChainKind, Source};
use crate::tui::keys::{self, Action};
use crate::tui::marks::Marks;
use crate::tui::msg::Msg;
use crate::tui::panes;
use crate::tui::{actions, filter, form, help, prompt};
use crossterm::event::{KeyCode, KeyEvent, KeyEventKind};

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
        Msg::Remote(m) => crate::tui::remote_load::on_msg(app, m),
    }
    crate::tui::queue::drain(app);
    panes::after_update(app);
    app.dirty = true;
}

fn on_discovered(app: &mut App, result: Result<crate::ledger::discover::Discovery, String>) {
    match result {
        Ok(d) => {
            // A native ledger has other chains than a legacy one; a reload
            // of the same ledger keeps the views (and their cursors).
            let kinds = ChainKind::for_discovery(&d);
            app.browser.set_kinds(&kinds);
            for view in app.browser.chains_mut() {
                if d.path_of(view.kind.file_kind()).is_none() {
                    view.source = Source::Absent;
                }
            }
            // Browse a chain that exists: a pulses-only ledger opens on pulses.
            if matches!(app.current().source, Source::Absent)
                && let Some(i) = app
                    .browser
                    .chains()
                    .iter()
                    .position(|c| !matches!(c.source, Source::Absent))
            {
                app.browser.select(i);
            }
            app.discovery = Loading::Ready(d);
        }
        Err(e) => {
            for c in app.browser.chains_mut() {
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
            for c in app.browser.chains_mut() {
                c.marks = Some(Marks::from_report(&report, c.kind.name()));
            }
            app.integrity.on_report(&report);
            // What could not be compared with the trusted or remembered
            // checkpoints is said, not left to the word "incomplete".
            if let Some(e) = report.trust.as_ref().and_then(|t| t.errors.first()) {
                app.say(
                    crate::tui::app::Level::Warn,
                    format!("not checked against trusted checkpoints: {e}"),
                );
            }
            let first = std::mem::replace(
                &mut app.first_verdict,
                crate::tui::first_screen::FirstVerdict::Shown,
            ) == crate::tui::first_screen::FirstVerdict::Awaited;
            app.report = Loading::Ready(report);
            app.panes.report_changed();
            if first {
                crate::tui::first_screen::show(app);
            }
        }
        Err(e) => app.report = Loading::Failed(e),
    }
    // An open detail shows the findings of its line: rebuild it.
    if app.browser.detail().is_some() {
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
    } else if !prompt::type_key(app, ev) && app.prompt.is_none() {
        // Unbound keys in the prompt are text; elsewhere a key that does
        // nothing says so and where the keys are, rather than nothing.
        if let KeyCode::Char(_) | KeyCode::F(_) = ev.code {
            let key = crate::tui::keys::event_label(&ev);
            app.say(Level::Info, crate::tui::strings::key_unbound(&key));
        }
    }
}

/// Carry out one action of the key table: the workstation's own (quit,
/// overlays, panes, prompt, writes) here, the rest by the pane that has
/// focus; then what the panes asked of each other.
pub fn perform(app: &mut App, action: Action) {
    match action {
        Action::Quit => app.quit = true,
        Action::Help => app.help = if app.help.is_some() { None } else { Some(0) },
        Action::Back => back(app),
        Action::NextPane => switch_pane(app, app.pane.index() + 1),
        Action::PrevPane => switch_pane(app, app.pane.index() + Pane::ALL.len() - 1),
        Action::Pane(n) => switch_pane(app, usize::from(n).saturating_sub(1)),
        Action::AuditRecord => {
            app.browser.set_detail(None);
            switch_pane(app, Pane::Audit.index());
        }
        // `e`/`E` walk the browsed chain's findings from every pane but
        // the time pane, which walks its own anomalies.
        Action::NextFinding | Action::PrevFinding if app.pane != Pane::Time => {
            actions::jump_to_finding(app, action == Action::NextFinding);
        }
        Action::Search | Action::Command | Action::Submit | Action::DeleteChar => {
            prompt::perform(app, action);
        }
        Action::Acknowledge => crate::tui::live::acknowledge(app),
        Action::AppendForm
        | Action::FormNext
        | Action::FormPrev
        | Action::FormEnter
        | Action::FormPreview
        | Action::FormConfirm => form::perform(app, action),
        Action::AppendPulse => crate::tui::write_pulse::append_now(app),
        Action::Histogram => crate::tui::histogram::toggle(app),
        _ => focused(app, action),
    }
    crate::tui::queue::drain(app);
}

/// An action for whatever has focus: the help while open, else the
/// active pane.
fn focused(app: &mut App, action: Action) {
    let body = app.body();
    if let Some(scroll) = &mut app.help
        && help::perform(scroll, body, action)
    {
        return;
    }
    if app.pane == Pane::Browser && app.histogram.is_open() {
        crate::tui::histogram::perform(app, action);
        return;
    }
    // The browser's keys act on the whole app: they are not a component's.
    if crate::tui::component::with_focused(app, |c, ctx, out| c.event(action, ctx, out)).is_none() {
        actions::perform(app, action);
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
    if app.pane == Pane::Browser && app.browser.close_detail() {
        return;
    }
    if app.pane == Pane::Browser && app.histogram.is_open() {
        crate::tui::histogram::toggle(app);
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
