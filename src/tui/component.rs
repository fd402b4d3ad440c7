//! The shape every pane has (gitui's components): its state is its own
//! type, it draws from that state and a [`Ctx`], and it answers the key
//! table's actions; what it wants beyond its own state (show a line in
//! another pane, tell the user something, compute something in the
//! background) it asks through [`Out`], never through the whole app.
//!
//! As in gitui, drawing and answering keys are two traits: every pane is
//! [`Drawable`]; panes 2-5 are [`Component`]s. The chain browser's keys
//! are [`crate::tui::actions`]: they take its own state and the same
//! [`Out`], but a [`crate::tui::browser::Env`] instead of a [`Ctx`], since
//! the browser holds the chains that [`Ctx`] lends the other panes.
//!
//! `ui` draws the active pane as a [`Drawable`] and `update` hands it the
//! action as a [`Component`] (the app's `drawable` and `with_focused`);
//! neither knows what a pane does with it.

use crate::tui::context::Ctx;
use crate::tui::keys::Action;
use crate::tui::panes::Work;
use crate::tui::queue::Queue;
use ratatui::Frame;
use ratatui::layout::Rect;

/// Whether a pane did something with an action.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Handled {
    /// It did: nobody else takes the action.
    Yes,
    /// It is not the pane's to answer.
    No,
}

/// What a pane may change besides its own state.
#[derive(Debug)]
pub struct Out<'a> {
    /// Requests to the rest of the workstation, applied after the pane's
    /// own change ([`crate::tui::queue`]).
    pub queue: &'a mut Queue,
    /// The background work panes share: jobs and request numbers.
    pub work: Work<'a>,
}

/// A pane that draws itself.
pub trait Drawable {
    /// Draw the pane into `area`.
    fn draw(&self, f: &mut Frame, area: Rect, ctx: &Ctx);
}

/// A pane that answers the key table and the mouse wheel.
pub trait Component: Drawable {
    /// Answer one action of the key table.
    fn event(&mut self, action: Action, ctx: &Ctx, out: &mut Out) -> Handled;

    /// Move the selection by `delta` rows (or links): the mouse wheel.
    fn move_by(&mut self, ctx: &Ctx, delta: i64);
}

/// Far enough to clamp at either end, small enough not to overflow.
pub const END: i64 = i64::MAX / 4;

/// -1 for a page up, 1 for a page down.
pub fn page_dir(action: Action) -> i64 {
    if action == Action::PageUp { -1 } else { 1 }
}

mod panes;
