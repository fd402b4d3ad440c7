//! The queue of internal events: how a pane asks for something outside its
//! own state (show a line in the browser, tell the user something) without
//! holding the whole [`App`].
//!
//! A pane pushes [`Internal`]s on the [`Queue`] it is handed; `update`
//! applies them, in order, right after the pane's own change (gitui's
//! components talk to each other through the same kind of queue).

use crate::tui::app::{App, Level, Pane, ctx};
use crate::tui::chain::ChainKind;
use std::collections::VecDeque;

/// Something a pane asks of the rest of the workstation.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Internal {
    /// Show 1-based `line` of `chain` in the browser.
    GotoLine(ChainKind, u64),
    /// Show 1-based `line` of the pulse chain in pane 3; `Esc` there
    /// returns to pane `from`.
    ShowPulse {
        /// 1-based line of the pulse chain.
        line: u64,
        /// The pane `Esc` returns to.
        from: Pane,
    },
    /// Show 1-based `line` of the pulse chain in pane 3, chosen there
    /// (`:goto TIME`): `Esc` does not return anywhere.
    ShowTimeLine(u64),
    /// Tell the user something, until the next key.
    Say(Level, String),
    /// Re-clamp every view to the room on screen and decode the rows now
    /// visible, as after a resize ([`crate::tui::update::refresh_views`]).
    Refresh,
    /// A write appended records: load the ledger again, unless the watcher
    /// sees them ([`crate::tui::update::request_reload`]).
    Reload,
    /// Put this text on the terminal's clipboard (`y`/`Y`).
    Copy(String),
    /// Show this record in `$PAGER` (`v`).
    Page(crate::tui::pager::PagerJob),
    /// The user chose where to go by hand: `Esc` no longer returns along
    /// a link followed before.
    ChosenByHand,
}

/// Internal events waiting to be applied, the oldest first.
#[derive(Debug, Default)]
pub struct Queue(VecDeque<Internal>);

impl Queue {
    /// Ask for `event`.
    pub fn push(&mut self, event: Internal) {
        self.0.push_back(event);
    }

    /// The oldest event not yet applied, taken off the queue.
    pub fn pop(&mut self) -> Option<Internal> {
        self.0.pop_front()
    }

    /// Tell the user `text` at `level`.
    pub fn say(&mut self, level: Level, text: impl Into<String>) {
        self.push(Internal::Say(level, text.into()));
    }
}

/// Apply every queued event to `app`, in the order asked.
pub fn drain(app: &mut App) {
    while let Some(event) = app.queue.pop() {
        match event {
            Internal::GotoLine(chain, line) => goto_line(app, chain, line),
            Internal::ShowPulse { line, from } => {
                app.panes.return_to = Some(from);
                app.pane = Pane::Time;
                let ctx = ctx!(app);
                app.time.show_line(&ctx, line);
            }
            Internal::ShowTimeLine(line) => {
                app.pane = Pane::Time;
                let ctx = ctx!(app);
                app.time.show_line(&ctx, line);
            }
            Internal::Say(level, text) => app.say(level, text),
            Internal::Refresh => crate::tui::update::refresh_views(app),
            Internal::Reload => crate::tui::update::request_reload(app),
            Internal::Copy(text) => app.outbox.clipboard = Some(text),
            Internal::Page(job) => app.outbox.pager = Some(job),
            Internal::ChosenByHand => app.panes.return_to = None,
        }
    }
}

/// Show 1-based `line` of `chain` in the browser, over whatever was shown.
pub fn goto_line(app: &mut App, chain: ChainKind, line: u64) {
    let rows = app.table_rows();
    if !app.browser.show_line(chain, line.saturating_sub(1), rows) {
        app.say(
            Level::Warn,
            crate::tui::strings::not_browsable(chain.name()),
        );
        return;
    }
    app.pane = Pane::Browser;
    app.help = None;
}
