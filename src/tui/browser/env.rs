//! What the chain browser's keys and answers read besides the browser's
//! own state. The browser holds the chains that [`crate::tui::context::Ctx`]
//! lends the other panes, so it cannot be handed a `Ctx` while it changes
//! them: it gets this instead, copied out of the app before.

use crate::ledger::model::report::VerifyReport;
use crate::tui::app::{Loading, Pane};
use crate::tui::layout;
use ratatui::layout::Rect;

/// The read-only surroundings of one browser action.
#[derive(Debug, Clone, Copy)]
pub struct Env<'a> {
    /// The body rectangle at the current size.
    pub body: Rect,
    /// The verification report (a record's findings, in its detail).
    pub report: &'a Loading<Box<VerifyReport>>,
    /// The pane in view: an answer that comes while another pane is shown
    /// moves the browser's cursor without taking the screen.
    pub pane: Pane,
}

impl Env<'_> {
    /// Rows of the chain table at the current size.
    pub fn table_rows(&self) -> usize {
        layout::table_rows(self.body)
    }

    /// Rows of the boxed record detail at the current size.
    pub fn detail_rows(&self) -> usize {
        layout::boxed_rows(self.body)
    }

    /// Columns of text inside the detail's box.
    pub fn detail_width(&self) -> usize {
        usize::from(self.body.width.saturating_sub(2))
    }
}
