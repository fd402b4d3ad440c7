//! The panes as [`Drawable`]s, and panes 2-5 as [`Component`]s: each
//! action goes to the pane's own methods, as the key table says.

use super::{Component, Drawable, END, Handled, Out, page_dir};
use crate::tui::audit::{self, AuditView};
use crate::tui::browser::{self, Browser};
use crate::tui::context::Ctx;
use crate::tui::integrity::{self, IntegrityView};
use crate::tui::keys::Action;
use crate::tui::maturity::{self, MaturityView};
use crate::tui::queue::Internal;
use crate::tui::time::{self, TimeView};
use ratatui::Frame;
use ratatui::layout::Rect;

impl Drawable for Browser {
    fn draw(&self, f: &mut Frame, area: Rect, ctx: &Ctx) {
        browser::render(f, area, ctx, self);
    }
}

impl Drawable for IntegrityView {
    fn draw(&self, f: &mut Frame, area: Rect, ctx: &Ctx) {
        integrity::render(f, area, ctx, self);
    }
}

impl Component for IntegrityView {
    fn event(&mut self, action: Action, ctx: &Ctx, out: &mut Out) -> Handled {
        self.perform(ctx, out.queue, action);
        match action {
            Action::Up
            | Action::Down
            | Action::PageUp
            | Action::PageDown
            | Action::Top
            | Action::Bottom
            | Action::Open => Handled::Yes,
            _ => Handled::No,
        }
    }

    fn move_by(&mut self, ctx: &Ctx, delta: i64) {
        IntegrityView::move_by(self, ctx, delta);
    }
}

impl Drawable for TimeView {
    fn draw(&self, f: &mut Frame, area: Rect, ctx: &Ctx) {
        time::render(f, area, ctx, self);
    }
}

impl Component for TimeView {
    fn event(&mut self, action: Action, ctx: &Ctx, out: &mut Out) -> Handled {
        match (movement(action), action) {
            (Some(Move::Rows(delta)), _) => self.move_by(ctx, delta),
            (Some(Move::Page(dir)), _) => self.page(ctx, dir),
            (None, Action::NextFinding | Action::PrevFinding) => {
                self.jump(ctx, out.queue, action == Action::NextFinding);
            }
            (None, Action::Open) => {
                if self.open(ctx, out.queue) {
                    out.queue.push(Internal::ChosenByHand);
                }
            }
            _ => return Handled::No,
        }
        Handled::Yes
    }

    fn move_by(&mut self, ctx: &Ctx, delta: i64) {
        TimeView::move_by(self, ctx, delta);
    }
}

impl Drawable for MaturityView {
    fn draw(&self, f: &mut Frame, area: Rect, ctx: &Ctx) {
        maturity::render(f, area, ctx, self);
    }
}

impl Component for MaturityView {
    fn event(&mut self, action: Action, ctx: &Ctx, out: &mut Out) -> Handled {
        match (movement(action), action) {
            (Some(Move::Rows(delta)), _) => self.move_by(ctx, delta),
            (Some(Move::Page(dir)), _) => self.page(ctx, dir),
            (None, Action::Open) => self.open(out.queue),
            _ => return Handled::No,
        }
        Handled::Yes
    }

    fn move_by(&mut self, ctx: &Ctx, delta: i64) {
        MaturityView::move_by(self, ctx, delta);
    }
}

impl Drawable for AuditView {
    fn draw(&self, f: &mut Frame, area: Rect, ctx: &Ctx) {
        audit::render(f, area, ctx, self);
    }
}

impl Component for AuditView {
    fn event(&mut self, action: Action, ctx: &Ctx, out: &mut Out) -> Handled {
        match (movement(action), action) {
            (Some(Move::Rows(delta)), _) => self.move_by(ctx, delta),
            (Some(Move::Page(dir)), _) => self.page(ctx, dir),
            (None, Action::Open) => self.follow(ctx, &mut out.work, out.queue),
            _ => return Handled::No,
        }
        Handled::Yes
    }

    fn move_by(&mut self, ctx: &Ctx, delta: i64) {
        AuditView::move_by(self, ctx, delta);
    }
}

/// How a movement action of panes 3-5 moves the selection.
enum Move {
    /// By this many rows (or links).
    Rows(i64),
    /// A page up (-1) or down (1).
    Page(i64),
}

/// The movement `action` asks for, if it is one.
fn movement(action: Action) -> Option<Move> {
    match action {
        Action::Up => Some(Move::Rows(-1)),
        Action::Down => Some(Move::Rows(1)),
        Action::Top => Some(Move::Rows(-END)),
        Action::Bottom => Some(Move::Rows(END)),
        Action::PageUp | Action::PageDown => Some(Move::Page(page_dir(action))),
        _ => None,
    }
}
