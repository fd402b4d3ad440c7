//! The fleet workstation's state: the fleet pane, and the ledgers opened
//! from it in the usual five panes (one [`App`] each, kept when the user
//! comes back to the fleet). [`update`] is the only place it changes, as
//! [`crate::tui::update::update`] is for one ledger: the tests drive it
//! with key strings and no terminal.

use super::summary::Update;
use super::{FleetKey, FleetView};
use crate::ledger::clock::Clock;
use crate::ledger::fleet::{Entry, Location};
use crate::ledger::watch::WatchEvent;
use crate::tui::app::{App, Pane};
use crate::tui::keys::{self, Action, Context};
use crate::tui::msg::Msg;
use crate::tui::theme::Theme;
use crossterm::event::{KeyCode, KeyEvent, KeyEventKind};
use ratatui::layout::Rect;
use std::sync::Arc;

/// One event for the fleet workstation.
#[derive(Debug)]
pub enum FleetMsg {
    /// The terminal: a key, the mouse, a resize, a tick, input gone.
    Ui(Msg),
    /// The watcher of ledger `.0` reported something.
    Entry(usize, Update),
    /// Background work of the ledger `.0` opened in the five panes.
    Ledger(usize, Msg),
    /// The watcher of ledger `.0` reported an event, as the five panes
    /// take it ([`crate::tui::live::messages`]): the fleet's watcher is
    /// also the opened local ledger's, so it is verified once. (A published
    /// location opened in the five panes is fetched and followed by its
    /// own load, as `iss tui LOCATION` does: this is not kept for it.)
    Watched(usize, Vec<Msg>),
    /// The chains of the ledger `.0` opened in the five panes are indexed:
    /// what its watcher reported so far is replayed into it.
    Indexed(usize),
}

/// What a ledger's watcher reported, kept for the five panes until they
/// open it, reduced to what they need: the latest full report, every
/// alert, every record with findings, the newest record of each file.
#[derive(Debug, Default)]
pub struct Feed {
    /// Whether the opened ledger takes the events as they come.
    pub live: bool,
    /// The events kept for it, in order.
    pub history: Vec<WatchEvent>,
}

impl Feed {
    fn keep(&mut self, ev: WatchEvent) {
        match ev {
            // For the five panes opened later it is their first report.
            WatchEvent::Ready(r) | WatchEvent::Reverified(r) => {
                self.history.retain(|e| matches!(e, WatchEvent::Alert(_)));
                self.history.push(WatchEvent::Ready(r));
            }
            WatchEvent::Record(r) if r.findings.is_empty() => {
                self.history.retain(|e| {
                    !matches!(e, WatchEvent::Record(x) if x.file == r.file && x.findings.is_empty())
                });
                self.history.push(WatchEvent::Record(r));
            }
            ev @ (WatchEvent::Record(_) | WatchEvent::Alert(_)) => self.history.push(ev),
            // Said in the fleet's row; over by the time the panes open.
            WatchEvent::Pending(_) | WatchEvent::Reverifying { .. } | WatchEvent::Error(_) => {}
        }
    }
}

/// The whole state of the fleet workstation.
#[derive(Debug)]
pub struct FleetApp {
    /// The fleet pane.
    pub view: FleetView,
    /// The ledgers opened so far, by row (kept when the fleet is shown again).
    pub sessions: Vec<Option<App>>,
    /// Per row, its watcher's events for the five panes.
    pub feeds: Vec<Feed>,
    /// The row whose ledger is on screen in the five panes, if one is.
    pub open: Option<usize>,
    /// Styles.
    pub theme: Theme,
    /// Terminal size (columns, rows).
    pub size: (u16, u16),
    /// Where "now" is read (ages, the opened ledgers' clock).
    pub clock: Arc<dyn Clock>,
    /// The latest "now" read (UTC ns): ages are counted to it.
    pub now_ns: i64,
    /// A message on the fleet's last line, until the next key.
    pub message: Option<String>,
    /// The help overlay over the fleet, when open: how far it is scrolled.
    pub help: Option<usize>,
    /// Ledgers opened by the last update, whose loading the loop starts.
    pub to_start: Vec<usize>,
    /// Whether the user asked to quit.
    pub quit: bool,
    /// Whether the screen must be redrawn.
    pub dirty: bool,
}

impl FleetApp {
    /// A fleet of `entries` before any watcher reported.
    pub fn new(entries: Vec<Entry>, theme: Theme, clock: Arc<dyn Clock>) -> FleetApp {
        let now_ns = clock.read().utc_unix_ns;
        FleetApp {
            sessions: entries.iter().map(|_| None).collect(),
            feeds: entries.iter().map(|_| Feed::default()).collect(),
            view: FleetView::new(entries),
            open: None,
            theme,
            size: (80, 24),
            clock,
            now_ns,
            message: None,
            help: None,
            to_start: Vec::new(),
            quit: false,
            dirty: true,
        }
    }

    /// The ledger on screen in the five panes, if one is.
    pub fn opened(&self) -> Option<&App> {
        self.open.and_then(|i| self.sessions.get(i)?.as_ref())
    }

    /// Whether row `i` is a published location (opened in the five panes
    /// through [`crate::tui::remote_load`], not from the fleet's watcher).
    pub fn published(&self, i: usize) -> bool {
        self.view
            .rows()
            .get(i)
            .is_some_and(|r| matches!(r.entry.location, Location::Published(_)))
    }

    fn opened_mut(&mut self) -> Option<&mut App> {
        self.open.and_then(|i| self.sessions.get_mut(i)?.as_mut())
    }

    fn table_rows(&self) -> usize {
        super::render::table_rows(ratatui::layout::Rect::new(0, 0, self.size.0, self.size.1))
    }

    /// Where the help overlay is drawn over the fleet: all but its last line.
    fn help_body(&self) -> Rect {
        super::render::help_body(Rect::new(0, 0, self.size.0, self.size.1))
    }
}

/// Draw the workstation: the opened ledger's five panes, or the fleet
/// (with the help over it when open).
pub fn draw(f: &mut ratatui::Frame, fa: &FleetApp) {
    if let Some(app) = fa.opened() {
        crate::tui::ui::render(app, f);
        return;
    }
    super::render::render(f, &fa.view, &fa.theme, fa.now_ns, fa.message.as_deref());
    if let Some(scroll) = fa.help {
        let body = super::render::help_body(f.area());
        crate::tui::help::render(f, body, scroll, &fa.theme);
    }
}

/// Apply one message.
pub fn update(fa: &mut FleetApp, msg: FleetMsg) {
    match msg {
        FleetMsg::Ui(Msg::Key(ev)) => on_key(fa, ev),
        FleetMsg::Ui(Msg::Resize(w, h)) => {
            fa.size = (w, h);
            // Every opened ledger is laid out for the screen it comes back to.
            for app in fa.sessions.iter_mut().flatten() {
                crate::tui::update::update(app, Msg::Resize(w, h));
            }
            let rows = fa.table_rows();
            fa.view.select(FleetKey::Open, rows);
        }
        FleetMsg::Ui(Msg::Tick) => {
            fa.now_ns = fa.clock.read().utc_unix_ns;
            if let Some(app) = fa.opened_mut() {
                crate::tui::update::update(app, Msg::Tick);
            }
        }
        FleetMsg::Ui(Msg::InputClosed) => fa.quit = true,
        FleetMsg::Ui(other) => {
            if let Some(app) = fa.opened_mut() {
                crate::tui::update::update(app, other);
            }
        }
        FleetMsg::Entry(i, u) => {
            fa.now_ns = fa.clock.read().utc_unix_ns;
            fa.view.apply(i, u, fa.now_ns);
        }
        FleetMsg::Ledger(i, m) => {
            if let Some(Some(app)) = fa.sessions.get_mut(i) {
                crate::tui::update::update(app, m);
            }
        }
        FleetMsg::Watched(i, msgs) => {
            if fa.published(i) {
                return;
            }
            let (Some(feed), Some(session)) = (fa.feeds.get_mut(i), fa.sessions.get_mut(i)) else {
                return;
            };
            for m in msgs {
                match (feed.live, session.as_mut(), m) {
                    (true, Some(app), m) => crate::tui::update::update(app, m),
                    (_, _, Msg::Live(ev)) => feed.keep(ev),
                    // Chains indexed again after a re-verification: the
                    // panes index them when they open.
                    _ => {}
                }
            }
        }
        FleetMsg::Indexed(i) => {
            if let (Some(feed), Some(Some(app))) = (fa.feeds.get_mut(i), fa.sessions.get_mut(i))
                && !feed.live
            {
                for ev in std::mem::take(&mut feed.history) {
                    crate::tui::update::update(app, Msg::Live(ev));
                }
                feed.live = true;
            }
        }
    }
    if fa.opened().is_some_and(|a| a.quit) {
        fa.quit = true;
    }
    fa.dirty = true;
}

fn on_key(fa: &mut FleetApp, ev: KeyEvent) {
    if ev.kind == KeyEventKind::Release {
        return;
    }
    fa.message = None;
    if let Some(app) = fa.opened_mut() {
        // Esc with nothing left to close in the ledger: back to the fleet.
        if ev.code == KeyCode::Esc && at_rest(app) {
            fa.open = None;
        } else {
            crate::tui::update::update(app, Msg::Key(ev));
        }
        return;
    }
    if let Some(mut scroll) = fa.help {
        // The help's keys, as in a ledger: movement scrolls it, Esc and ?
        // close it.
        match keys::lookup(&[Context::Help, Context::Global], &ev) {
            Some(Action::Back | Action::Help) => fa.help = None,
            Some(Action::Quit) => fa.quit = true,
            Some(a) => {
                crate::tui::help::perform(&mut scroll, fa.help_body(), a);
                fa.help = Some(scroll);
            }
            None => {}
        }
        return;
    }
    // The key table's fleet section: what the help lists is what dispatches.
    let key = match keys::lookup(&[Context::Fleet], &ev) {
        Some(Action::Down) => FleetKey::Down,
        Some(Action::Up) => FleetKey::Up,
        Some(Action::Top) => FleetKey::First,
        Some(Action::Bottom) => FleetKey::Last,
        Some(Action::Open) => FleetKey::Open,
        Some(Action::Quit) => FleetKey::Quit,
        Some(Action::Help) => {
            // Opened at the fleet's own section (the rest is the five panes').
            let at = keys::help_lines()
                .iter()
                .position(|l| *l == keys::HelpLine::Heading(Context::Fleet.title()))
                .unwrap_or(0);
            fa.help = Some(at.min(crate::tui::help::max_scroll(fa.help_body())));
            return;
        }
        _ => return,
    };
    match key {
        FleetKey::Quit => fa.quit = true,
        FleetKey::Open => open_selected(fa),
        _ => {
            let rows = fa.table_rows();
            fa.view.select(key, rows);
        }
    }
}

/// Whether `Esc` in the opened ledger would do nothing there: no form,
/// prompt, help, search or followed link open, and the browser without a
/// record open or the integrity pane shown (from panes 3-5 `Esc` goes to
/// the browser first).
pub fn at_rest(app: &App) -> bool {
    let pane_at_rest = match app.pane {
        Pane::Browser => app.browser.detail().is_none(),
        Pane::Integrity => true,
        Pane::Time | Pane::Maturity | Pane::Audit => false,
    };
    app.form.as_ref().is_none_or(|f| !f.visible)
        && app.prompt.is_none()
        && app.help.is_none()
        && app.browser.search().is_none()
        && app.panes.return_to.is_none()
        && pane_at_rest
}

/// Open the selected ledger in the five panes: the one opened before as
/// it was left, else a new one (its loading started by the loop: a local
/// ledger indexed and fed by its fleet watcher, a published location
/// fetched, verified and followed as `iss tui LOCATION` does).
fn open_selected(fa: &mut FleetApp) {
    let i = fa.view.selected();
    let Some(row) = fa.view.rows().get(i) else {
        return;
    };
    let path = match &row.entry.location {
        Location::Local(p) => p.clone(),
        Location::Published(at) => std::path::PathBuf::from(at),
    };
    // An unreadable ledger opens too: the five panes say, file by file,
    // what cannot be read (a location that cannot be fetched: why).
    if fa.sessions[i].is_none() {
        let mut app = App::new(path, fa.theme);
        app.writing.clock = fa.clock.clone();
        crate::tui::update::update(&mut app, Msg::Resize(fa.size.0, fa.size.1));
        fa.sessions[i] = Some(app);
        fa.to_start.push(i);
    }
    fa.open = Some(i);
}
