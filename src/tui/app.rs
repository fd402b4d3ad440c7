//! The workstation's state. Rendering reads it; only
//! [`crate::tui::update::update`] changes it.

use crate::ledger::discover::Discovery;
use crate::ledger::model::report::VerifyReport;
use crate::tui::chain::{ChainKind, ChainView, Source};
use crate::tui::context::Ctx;
use crate::tui::keys::Context;
use crate::tui::layout;
use crate::tui::theme::Theme;
use std::path::PathBuf;

/// The [`Ctx`] of an app, borrowing only the fields it reads: a pane's own
/// state (another field) can change while its context is held.
macro_rules! ctx {
    ($app:expr) => {
        $crate::tui::context::Ctx {
            body: $app.body(),
            theme: &$app.theme,
            discovery: &$app.discovery,
            report: &$app.report,
            verify_progress: $app.verify_progress.as_ref(),
            chains: $app.browser.chains(),
            tick: $app.tick,
        }
    };
}
pub(crate) use ctx;

/// The panes, in tab order.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Pane {
    /// 1: the chain browser.
    Browser,
    /// 2: per-file integrity and the findings.
    Integrity,
    /// 3: time pulse history.
    Time,
    /// 4: maturity report.
    Maturity,
    /// 5: audit trail of the selected record.
    Audit,
}

impl Pane {
    /// All panes in tab order.
    pub const ALL: [Pane; 5] = [
        Pane::Browser,
        Pane::Integrity,
        Pane::Time,
        Pane::Maturity,
        Pane::Audit,
    ];

    /// 0-based tab position.
    pub fn index(self) -> usize {
        Pane::ALL.iter().position(|p| *p == self).unwrap_or(0)
    }
}

/// Something that arrives from the background.
#[derive(Debug, Default)]
pub enum Loading<T> {
    /// Still being worked on.
    #[default]
    Pending,
    /// Here it is.
    Ready(T),
    /// It could not be had; the reason.
    Failed(String),
}

impl<T> Loading<T> {
    /// The value, when ready.
    pub fn ready(&self) -> Option<&T> {
        match self {
            Loading::Ready(t) => Some(t),
            _ => None,
        }
    }
}

/// What the prompt is typing.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum PromptKind {
    /// `/`: a search.
    Search,
    /// `:`: a command.
    Command,
}

/// The one-line prompt at the bottom.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Prompt {
    /// Search or command.
    pub kind: PromptKind,
    /// What has been typed.
    pub text: String,
}

/// How much a message matters.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Level {
    /// For information.
    Info,
    /// Something did not work as asked.
    Warn,
    /// Something failed.
    Error,
}

/// The whole state of the workstation.
#[derive(Debug)]
pub struct App {
    /// The ledger path as given.
    pub ledger: PathBuf,
    /// Styles.
    pub theme: Theme,
    /// The active pane.
    pub pane: Pane,
    /// Pane 1, the chain browser: its chains, detail and searches.
    pub browser: crate::tui::browser::Browser,
    /// The discovered files.
    pub discovery: Loading<Discovery>,
    /// The verification report.
    pub report: Loading<Box<VerifyReport>>,
    /// How far the verification under way has read (the gauge).
    pub verify_progress: Option<crate::ledger::io::progress::Progress>,
    /// A published location being fetched: records in the copy so far, of
    /// all its checkpoints name ([`crate::tui::remote_load`]).
    pub fetching: Option<(u64, u64)>,
    /// The integrity pane.
    pub integrity: crate::tui::integrity::IntegrityView,
    /// Pane 3, the time pulse history.
    pub time: crate::tui::time::TimeView,
    /// Pane 4, the maturity report.
    pub maturity: crate::tui::maturity::MaturityView,
    /// Pane 5, the audit trail.
    pub audit: crate::tui::audit::AuditView,
    /// What panes 3-5 share: their background work.
    pub panes: crate::tui::panes::Panes,
    /// The prompt, while typing.
    pub prompt: Option<Prompt>,
    /// The help overlay's scroll position, while open.
    pub help: Option<usize>,
    /// A message for the user, until the next key.
    pub message: Option<(Level, String)>,
    /// Terminal size (columns, rows).
    pub size: (u16, u16),
    /// Ticks seen (animates progress).
    pub tick: u64,
    /// Whether the screen must be redrawn.
    pub dirty: bool,
    /// Whether the user asked to quit.
    pub quit: bool,
    /// The live view: follow/pause, alerts (see [`crate::tui::live`]).
    pub live: crate::tui::live::LiveView,
    /// Whether writes are allowed (`--write`); when not, no code path writes.
    pub writes: bool,
    /// The descriptor entry form, open or kept as a draft.
    pub form: Option<crate::tui::form::EntryForm>,
    /// Keys, and the write job queued or under way ([`crate::tui::writes`]).
    pub writing: crate::tui::writes::Writing,
    /// What `update` leaves for the event loop to do.
    pub outbox: Outbox,
    /// What the panes asked of the rest of the workstation, not yet applied.
    pub queue: crate::tui::queue::Queue,
    /// Whether a verdict was shown yet: the first one selects and names the
    /// first violation ([`crate::tui::first_screen`]).
    pub first_verdict: crate::tui::first_screen::FirstVerdict,
    /// The records-over-time histogram over the browser (`H`).
    pub histogram: crate::tui::histogram::Histogram,
}

/// Work for the event loop that `update` cannot do itself (it has no
/// terminal and starts no thread).
#[derive(Debug, Default)]
pub struct Outbox {
    /// Text for the terminal's clipboard (OSC 52).
    pub clipboard: Option<String>,
    /// Load the ledger again (after an append).
    pub reload: bool,
    /// Write an evidence bundle here (`:export FILE`), off the UI thread.
    pub export: Option<std::path::PathBuf>,
    /// Whether that bundle may replace existing files (`:export FILE --force`).
    pub export_force: bool,
    /// Write these records (`:export FILE.jsonl`/`.csv`), off the UI thread.
    pub records: Option<crate::tui::export_records::RecordsJob>,
    /// Show this record in `$PAGER` (`v`), the terminal given back meanwhile.
    pub pager: Option<crate::tui::pager::PagerJob>,
}

impl App {
    /// A workstation for the ledger at `ledger`, before anything is loaded.
    pub fn new(ledger: PathBuf, theme: Theme) -> Self {
        App {
            ledger,
            theme,
            pane: Pane::Browser,
            browser: crate::tui::browser::Browser::default(),
            discovery: Loading::Pending,
            report: Loading::Pending,
            verify_progress: None,
            fetching: None,
            integrity: crate::tui::integrity::IntegrityView::default(),
            time: crate::tui::time::TimeView::default(),
            maturity: crate::tui::maturity::MaturityView::default(),
            audit: crate::tui::audit::AuditView::default(),
            panes: crate::tui::panes::Panes::default(),
            prompt: None,
            help: None,
            message: None,
            size: (80, 24),
            tick: 0,
            dirty: true,
            quit: false,
            live: crate::tui::live::LiveView::default(),
            writes: false,
            form: None,
            writing: crate::tui::writes::Writing::default(),
            outbox: Outbox::default(),
            queue: crate::tui::queue::Queue::default(),
            first_verdict: crate::tui::first_screen::FirstVerdict::Awaited,
            histogram: crate::tui::histogram::Histogram::default(),
        }
    }

    /// The chain the browser shows.
    pub fn current(&self) -> &ChainView {
        self.browser.current()
    }

    /// The chain the browser shows, to change.
    pub fn current_mut(&mut self) -> &mut ChainView {
        self.browser.current_mut()
    }

    /// The view of `kind`, when the ledger has that chain (a legacy ledger
    /// has no `events`, a native one no `spice_chain`).
    pub fn chain_mut(&mut self, kind: ChainKind) -> Option<&mut ChainView> {
        self.browser.chain_mut(kind)
    }

    /// The view of `kind`, when the ledger has that chain.
    pub fn chain_of(&self, kind: ChainKind) -> Option<&ChainView> {
        self.browser.chain_of(kind)
    }

    /// The position of `kind` among the browser's chains.
    pub fn chain_index(&self, kind: ChainKind) -> Option<usize> {
        self.browser.chain_index(kind)
    }

    /// Whether background work is still running (the indicator animates).
    pub fn busy(&self) -> bool {
        matches!(self.discovery, Loading::Pending)
            || matches!(self.report, Loading::Pending)
            || self
                .browser
                .chains()
                .iter()
                .any(|c| matches!(c.source, Source::Opening | Source::Indexing { .. }))
            || self.panes.busy()
            || matches!(self.time.overview(), Loading::Pending) && self.panes.report.is_some()
            || matches!(self.maturity.report(), Loading::Pending) && self.panes.report.is_some()
            || self.audit.pending()
            || self.writing.running.is_some()
            || self.browser.search().is_some()
            || self.browser.narrowing().is_some()
            || self.histogram.pending()
    }

    /// The key contexts in effect, innermost first.
    pub fn contexts(&self) -> &'static [Context] {
        use Context as C;
        if let Some(form) = self.form.as_ref().filter(|f| f.visible) {
            return form.contexts();
        }
        if self.prompt.is_some() {
            &[C::Prompt]
        } else if self.help.is_some() {
            &[C::Help, C::Global]
        } else {
            match self.pane {
                Pane::Browser if self.histogram.is_open() => &[C::Histogram, C::Global],
                Pane::Browser if self.browser.detail().is_some() => &[C::Detail, C::Global],
                Pane::Browser => &[C::Browser, C::Global],
                Pane::Integrity => &[C::Integrity, C::Global],
                Pane::Time => &[C::Time, C::Global],
                Pane::Maturity => &[C::Maturity, C::Global],
                Pane::Audit => &[C::Audit, C::Global],
            }
        }
    }

    /// The body rectangle at the current size.
    pub fn body(&self) -> ratatui::layout::Rect {
        let body = layout::body(self.size.0, self.size.1);
        layout::split_banner(body, self.live.banner_lines(body.width).len()).1
    }

    /// Rows of the chain table at the current size.
    pub fn table_rows(&self) -> usize {
        layout::table_rows(self.body())
    }

    /// How the ledger is verified: with the MAC key when one was given.
    pub fn verify_options(&self) -> crate::ledger::verify::VerifyOptions {
        crate::ledger::verify::VerifyOptions {
            mac_key: self.writing.keys.mac_key.clone(),
            ..Default::default()
        }
    }

    /// The chain browser, what it reads besides its own state and what it
    /// may ask for: borrowed apart, so the browser changes while the rest
    /// is read.
    pub fn browser_parts(
        &mut self,
    ) -> (
        &mut crate::tui::browser::Browser,
        crate::tui::browser::Env<'_>,
        crate::tui::component::Out<'_>,
    ) {
        let env = crate::tui::browser::Env {
            body: self.body(),
            report: &self.report,
            pane: self.pane,
        };
        let out = crate::tui::component::Out {
            queue: &mut self.queue,
            work: self.panes.work(),
        };
        (&mut self.browser, env, out)
    }

    /// What asking for a write takes of the app ([`crate::tui::writes`]).
    pub fn write_desk(&mut self) -> crate::tui::writes::Desk<'_> {
        crate::tui::writes::Desk {
            allowed: self.writes,
            ledger: &self.ledger,
            writing: &mut self.writing,
            queue: &mut self.queue,
        }
    }

    /// The active pane, to draw.
    pub fn drawable(&self) -> &dyn crate::tui::component::Drawable {
        match self.pane {
            Pane::Browser => &self.browser,
            Pane::Integrity => &self.integrity,
            Pane::Time => &self.time,
            Pane::Maturity => &self.maturity,
            Pane::Audit => &self.audit,
        }
    }

    /// Hand the active pane to `f` as a [`crate::tui::component::Component`],
    /// with its context and what it may ask for. `None` in the browser,
    /// whose keys take a [`crate::tui::browser::Env`] instead
    /// ([`crate::tui::actions`]).
    pub fn with_focused<R>(
        &mut self,
        f: impl FnOnce(
            &mut dyn crate::tui::component::Component,
            &Ctx,
            &mut crate::tui::component::Out,
        ) -> R,
    ) -> Option<R> {
        let ctx = ctx!(self);
        let component: &mut dyn crate::tui::component::Component = match self.pane {
            Pane::Browser => return None,
            Pane::Integrity => &mut self.integrity,
            Pane::Time => &mut self.time,
            Pane::Maturity => &mut self.maturity,
            Pane::Audit => &mut self.audit,
        };
        let mut out = crate::tui::component::Out {
            queue: &mut self.queue,
            work: self.panes.work(),
        };
        Some(f(component, &ctx, &mut out))
    }

    /// What a pane may read besides its own state ([`Ctx`]).
    pub fn ctx(&self) -> Ctx<'_> {
        ctx!(self)
    }

    /// Set a message shown until the next key.
    pub fn say(&mut self, level: Level, text: impl Into<String>) {
        self.message = Some((level, text.into()));
    }
}

/// Scroll `top` as little as possible so that `cursor` is among `height`
/// rows from it.
pub fn follow(top: &mut usize, cursor: usize, height: usize) {
    let h = height.max(1);
    if cursor < *top {
        *top = cursor;
    } else if cursor >= *top + h {
        *top = cursor + 1 - h;
    }
}
