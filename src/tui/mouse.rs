//! The mouse: the wheel scrolls what the arrow keys move; a left click on a
//! tab shows its pane, on a row of a pane's list selects that row, and on
//! the row already selected opens it (as `Enter` does). Everything a click
//! does, a key does too: the mouse is a shortcut, never the only way.
//!
//! Rows are found from the same geometry drawing uses ([`crate::tui::layout`]
//! and each pane's `areas`), so a click lands where the row is drawn.

use crate::tui::app::{App, Pane};
use crate::tui::keys::Action;
use crossterm::event::{MouseButton, MouseEvent, MouseEventKind};
use ratatui::layout::Rect;

/// Rows the mouse wheel moves.
const WHEEL_ROWS: i64 = 3;

/// Apply one mouse event; whether it changed anything (a redraw is due).
pub fn on_mouse(app: &mut App, ev: MouseEvent) -> bool {
    match ev.kind {
        MouseEventKind::ScrollDown => crate::tui::update::move_by(app, WHEEL_ROWS),
        MouseEventKind::ScrollUp => crate::tui::update::move_by(app, -WHEEL_ROWS),
        MouseEventKind::Down(MouseButton::Left) => return click(app, ev.column, ev.row),
        _ => return false,
    }
    true
}

fn click(app: &mut App, x: u16, y: u16) -> bool {
    // Overlays take the keyboard; a click behind them would act unseen.
    if app.form.as_ref().is_some_and(|f| f.visible) || app.prompt.is_some() || app.help.is_some() {
        return false;
    }
    if y == 0 {
        return match tab_at(x) {
            Some(pane) => {
                crate::tui::update::perform(app, Action::Pane(pane.index() as u8 + 1));
                true
            }
            None => false,
        };
    }
    let Some((selected, clicked)) = row_at(app, y) else {
        return false;
    };
    if clicked == selected {
        crate::tui::update::perform(app, Action::Open);
    } else {
        let delta = i64::try_from(clicked).unwrap_or(i64::MAX)
            - i64::try_from(selected).unwrap_or(i64::MAX);
        crate::tui::update::move_by(app, delta);
    }
    true
}

/// The pane whose tab is drawn at column `x` (labels as
/// [`crate::tui::chrome::tab_label`] makes them, a space between; a tab's
/// width does not depend on whether it is active).
pub fn tab_at(x: u16) -> Option<Pane> {
    let mut start = 0u16;
    for (i, pane) in Pane::ALL.iter().enumerate() {
        let width = u16::try_from(crate::tui::chrome::tab_label(i, false).chars().count())
            .unwrap_or(u16::MAX);
        if (start..start + width).contains(&x) {
            return Some(*pane);
        }
        start += width + 1;
    }
    None
}

/// On the row at screen row `y` of the active pane's list: (the index
/// selected now, the index clicked), when `y` is on a row that exists.
fn row_at(app: &App, y: u16) -> Option<(u64, u64)> {
    let body = app.body();
    let (area, header, top, selected, count) = match app.pane {
        Pane::Browser if app.browser.detail().is_none() => {
            let v = app.current();
            (body, 1, v.top, v.cursor, v.lines())
        }
        Pane::Integrity => {
            let i = &app.integrity;
            (
                crate::tui::integrity::findings_area(&app.ctx()),
                0,
                i.top() as u64,
                i.selected() as u64,
                i.findings().len() as u64,
            )
        }
        Pane::Time => {
            let v = &app.time;
            let lines = app
                .browser
                .chains()
                .iter()
                .find(|c| crate::tui::time::is_pulses(c.kind))
                .map_or(0, crate::tui::chain::ChainView::lines);
            (
                crate::tui::time::areas(body)[1],
                1,
                v.top(),
                v.cursor(),
                lines,
            )
        }
        Pane::Maturity => {
            let report = app.maturity.report().ready()?;
            let n = report.processes.items.len();
            let v = &app.maturity;
            let area = crate::tui::maturity::areas(body, n)[2];
            (area, 1, v.top() as u64, v.selected() as u64, n as u64)
        }
        _ => return None,
    };
    let index = top + u64::from(first_row(area, header, y)?);
    (index < count).then_some((selected, index))
}

/// The 0-based list row at screen row `y` in a bordered box with `header`
/// heading rows, if `y` is on one.
fn first_row(area: Rect, header: u16, y: u16) -> Option<u16> {
    let first = area.y + 1 + header;
    let last = area.y + area.height.saturating_sub(1); // the bottom border
    (first..last).contains(&y).then(|| y - first)
}
