//! `update(&mut App, Msg)`: the only place the state changes.
//!
//! Plain state change, no terminal and no threads: the tests drive it with
//! key strings and snapshot what it leaves behind. The few reads it does
//! (the rows that become visible) go through the line index and touch only
//! what is asked for; anything that may read a whole file (a search, a
//! filter, the analyses) is queued as a job for a worker.

use crate::tui::app::{App, Level, Loading, Pane, ctx};
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
            refresh_views(app);
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
        Msg::Exported(result) => crate::tui::export::done(&mut app.queue, result),
        Msg::Written { request, outcome } => on_written(app, request, outcome),
        Msg::InputClosed => app.quit = true,
        Msg::Live(ev) => on_watched(app, ev),
        Msg::Remote(m) => on_remote(app, m),
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

/// An append's outcome arrived: to the form; the record acknowledged is
/// shown in the browser and the ledger loaded again.
pub fn on_appended(
    app: &mut App,
    result: Result<crate::tui::writes::WriteAck, crate::tui::form::Refusal>,
) {
    let Some(line) = form::appended(&mut app.form, &mut app.queue, result) else {
        return;
    };
    app.pane = Pane::Browser;
    app.browser.set_detail(None);
    let rows = app.table_rows();
    app.browser.show_appended(line, rows, app.live.active);
    request_reload(app);
}

/// After an append: without the watcher, ask the loop to load the ledger
/// again (it re-indexes and re-verifies; the verdict shows `verifying…`
/// meanwhile). With it, nothing: the watcher sees this append as it sees
/// any other, and verifies it from the last verified offset (a reload's
/// verdict would be ignored, as older than the watcher's).
pub fn request_reload(app: &mut App) {
    if app.live.active {
        return;
    }
    app.outbox.reload = true;
    app.report = Loading::Pending;
    for c in app.browser.chains_mut() {
        c.marks = None;
    }
}

/// Apply one event of the ledger's watcher ([`crate::tui::live`]).
fn on_watched(app: &mut App, ev: crate::ledger::watch::WatchEvent) {
    use crate::ledger::watch::WatchEvent;
    use crate::tui::live;
    match ev {
        WatchEvent::Ready(report) => {
            app.live.active = true;
            if app.live.opened.is_empty() {
                app.live.opened = app
                    .browser
                    .chains()
                    .iter()
                    .map(|c| (c.kind, c.lines()))
                    .collect();
            }
            show_live_report(app, report);
            // Lines appended between indexing and the watcher's start.
            let kinds: Vec<ChainKind> = app.browser.chains().iter().map(|c| c.kind).collect();
            for chain in kinds {
                let rows = app.table_rows();
                live::grow(&mut app.browser, chain, rows);
            }
        }
        WatchEvent::Record(r) => on_live_record(app, &r),
        WatchEvent::Pending(p) => {
            let chain = ChainKind::from_name(p.file);
            app.live.pending.retain(|q| q.file != p.file);
            app.live.pending.push(p);
            if let Some(chain) = chain {
                let rows = app.table_rows();
                live::grow(&mut app.browser, chain, rows);
            }
        }
        WatchEvent::Alert(a) => {
            app.live.alerts.push(a);
            app.live.unacknowledged += 1;
            if let Some(r) = live::take_report(&mut app.report) {
                show_live_report(app, r);
            }
            refresh_views(app);
        }
        WatchEvent::Reverifying { .. } => app.live.reverifying = true,
        WatchEvent::Reverified(report) => {
            app.live.reverifying = false;
            app.live.pending.clear();
            // The lines judged live are judged again in this report.
            app.live.findings.clear();
            show_live_report(app, report);
        }
        WatchEvent::Error(e) => app.say(Level::Warn, crate::tui::strings::live_error(&e)),
    }
}

/// A record the watcher judged: counted in the report, its findings added
/// (the report shown again with them), its chain grown.
fn on_live_record(app: &mut App, r: &crate::ledger::watch::RecordEvent) {
    use crate::tui::live;
    app.live.pending.retain(|q| q.file != r.file);
    if live::counted(&mut app.report, r) {
        app.panes.report_changed();
    }
    if let Some(n) = &r.native
        && live::native_numbers(&mut app.report, n)
    {
        app.panes.report_changed();
    }
    if !r.findings.is_empty() {
        app.live
            .findings
            .extend(r.findings.iter().map(|f| (r.file, f.clone())));
        if let Some(report) = live::take_report(&mut app.report) {
            show_live_report(app, report);
        }
    }
    let Some(chain) = ChainKind::from_name(r.file) else {
        return;
    };
    if let Some(m) = app.chain_mut(chain).and_then(|v| v.marks.as_mut()) {
        m.add_live(r.line, &r.findings);
    }
    let rows = app.table_rows();
    crate::tui::live::grow(&mut app.browser, chain, rows);
}

/// Show `report` with every alert and live finding added to its files.
fn show_live_report(app: &mut App, report: Box<crate::ledger::model::report::VerifyReport>) {
    let report = crate::tui::live::annotate(&app.live, report);
    on_verified(app, Ok(report));
}

/// How the fetch of a published location goes ([`crate::tui::remote_load`]).
fn on_remote(app: &mut App, m: crate::tui::remote_load::RemoteMsg) {
    use crate::tui::remote_load::RemoteMsg;
    match m {
        RemoteMsg::Fetched { done, total } => app.fetching = Some((done, total)),
        RemoteMsg::CacheDiscarded => {
            // The verification of the first copy is over: the new one is fetched first.
            app.verify_progress = None;
            app.fetching = None;
            app.say(Level::Warn, crate::tui::strings::CACHE_DISCARDED);
        }
    }
}

/// A write job's outcome arrived: hand it to the form or the pulse key.
fn on_written(app: &mut App, request: u64, outcome: crate::tui::writes::Written) {
    use crate::tui::writes::Written;
    crate::tui::writes::answered(&mut app.writing, request);
    match outcome {
        Written::Previewed(result) => {
            form::previewed(&mut app.form, &mut app.queue, request, result);
        }
        Written::Appended(result) => on_appended(app, result),
        Written::Pulse(result) => crate::tui::write_pulse::done(&mut app.queue, result),
    }
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
            if first && let Some(report) = app.report.ready() {
                let overlays_closed = app.pane == Pane::Browser
                    && app.prompt.is_none()
                    && app.help.is_none()
                    && app.form.as_ref().is_none_or(|f| !f.visible);
                let said = app.message.is_some();
                let target = crate::tui::first_screen::show(
                    report,
                    &app.browser,
                    overlays_closed,
                    said,
                    &mut app.queue,
                );
                if let Some((chain, line)) = target {
                    crate::tui::queue::goto_line(app, chain, line);
                }
            }
        }
        Err(e) => app.report = Loading::Failed(e),
    }
    // An open detail shows the findings of its line: rebuild it.
    if app.browser.detail().is_some() {
        let (b, env, out) = app.browser_parts();
        actions::open_detail(b, &env, out.queue);
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
    } else if form::is_editing(app.form.as_ref()) {
        // Unbound keys in the form are text for its field.
        form::type_key(&mut app.form, ev);
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
            if actions::jump_to_finding(&app.browser, &mut app.queue, action == Action::NextFinding)
            {
                app.pane = Pane::Browser;
            }
        }
        Action::Search | Action::Command | Action::Submit | Action::DeleteChar => {
            prompt::perform(app, action);
        }
        Action::Acknowledge => {
            // The alerts stay listed among the findings, the banner goes.
            app.live.unacknowledged = 0;
            refresh_views(app);
        }
        Action::AppendForm
        | Action::FormNext
        | Action::FormPrev
        | Action::FormEnter
        | Action::FormPreview
        | Action::FormConfirm => {
            let mut desk = crate::tui::writes::Desk {
                allowed: app.writes,
                ledger: &app.ledger,
                writing: &mut app.writing,
                queue: &mut app.queue,
            };
            if form::perform(&mut app.form, &mut desk, action) {
                app.prompt = None;
                app.help = None;
            }
        }
        Action::AppendPulse => crate::tui::write_pulse::append_now(&mut app.write_desk()),
        Action::Histogram => toggle_histogram(app),
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
        let body = app.body();
        let asked =
            crate::tui::histogram::perform(&mut app.histogram, app.browser.current(), body, action);
        // `Enter`: the buckets chosen become the browser's filter.
        if let Some(words) = asked {
            let (b, env, mut out) = app.browser_parts();
            crate::tui::filter::command(b, &env, &mut out, &words);
        }
        return;
    }
    // The browser is not a component: it lends `Ctx` its chains, so its
    // keys take its own state and an `Env` (`App::browser_parts`).
    if app
        .with_focused(|c, ctx, out| c.event(action, ctx, out))
        .is_none()
    {
        browse(app, action);
    }
}

/// Re-clamp every view to the current size and decode the visible rows.
pub fn refresh_views(app: &mut App) {
    let (b, env, _) = app.browser_parts();
    actions::refresh(b, &env);
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
    if app
        .with_focused(|c, ctx, _| c.move_by(ctx, delta))
        .is_none()
    {
        let (b, env, _) = app.browser_parts();
        actions::browse_by(b, &env, delta);
    }
}

/// `H`: open or close the histogram over the browsed chain.
fn toggle_histogram(app: &mut App) {
    let mut out = crate::tui::component::Out {
        queue: &mut app.queue,
        work: app.panes.work(),
    };
    crate::tui::histogram::toggle(&mut app.histogram, app.browser.current(), &mut out);
}

/// The chain browser's share of an action, with its parts of the app.
fn browse(app: &mut App, action: Action) {
    let (b, env, mut out) = app.browser_parts();
    actions::perform(b, &env, &mut out, action);
}

/// Close the innermost thing open.
fn back(app: &mut App) {
    if form::back(&mut app.form, &mut app.queue) {
        return;
    }
    if app.prompt.take().is_some() || app.help.take().is_some() {
        return;
    }
    if crate::tui::search::cancel(&mut app.browser) {
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
        toggle_histogram(app);
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
