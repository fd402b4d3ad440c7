//! The help overlay, written from the key table ([`keys::help_lines`]): the
//! keys it lists are the keys that dispatch.

use crate::tui::keys::{self, Action, HelpLine};
use crate::tui::layout;
use crate::tui::strings;
use crate::tui::theme::Theme;
use ratatui::Frame;
use ratatui::layout::Rect;
use ratatui::text::{Line, Span};
use ratatui::widgets::{Clear, Paragraph};

/// The furthest the help scrolls in `body`: its last line at the bottom.
pub fn max_scroll(body: Rect) -> usize {
    let rows = layout::boxed_rows(layout::help_area(body));
    keys::help_lines().len().saturating_sub(rows)
}

/// Scroll the help by `delta` lines, within its length.
pub fn scroll_by(scroll: &mut usize, body: Rect, delta: i64) {
    let to = scroll.saturating_add_signed(delta as isize);
    *scroll = to.min(max_scroll(body));
}

/// The help's share of the key table while it is open: movement scrolls it.
/// Whether `action` was the help's.
pub fn perform(scroll: &mut usize, body: Rect, action: Action) -> bool {
    let page = i64::try_from(layout::boxed_rows(body).max(1)).unwrap_or(1);
    let delta = match action {
        Action::Up => -1,
        Action::Down => 1,
        Action::PageUp => -page,
        Action::PageDown => page,
        // Far enough to clamp at either end, small enough not to overflow.
        Action::Top => -(i64::MAX / 4),
        Action::Bottom => i64::MAX / 4,
        _ => return false,
    };
    scroll_by(scroll, body, delta);
    true
}

/// Width of the keys column.
const KEYS_WIDTH: usize = 18;

/// Draw the help over `body`, scrolled by `scroll` lines.
pub fn render(f: &mut Frame, body: Rect, scroll: usize, theme: &Theme) {
    let area = layout::help_area(body);
    let lines: Vec<Line> = keys::help_lines()
        .into_iter()
        .skip(scroll)
        .map(|l| match l {
            HelpLine::Heading(h) => Line::styled(h, theme.header),
            HelpLine::Keys(k, what) => Line::from(vec![
                Span::raw(format!("  {k:<KEYS_WIDTH$} ")),
                Span::raw(what),
            ]),
        })
        .collect();
    let block = theme.boxed(format!(" {} ", strings::HELP_TITLE));
    f.render_widget(Clear, area);
    f.render_widget(Paragraph::new(lines).block(block), area);
}
