//! The help overlay, written from the key table ([`keys::help_lines`]): the
//! keys it lists are the keys that dispatch.

use crate::tui::detail::wrap;
use crate::tui::keys::{self, Action, HelpLine};
use crate::tui::layout;
use crate::tui::strings;
use crate::tui::theme::Theme;
use ratatui::Frame;
use ratatui::layout::Rect;
use ratatui::text::Line;
use ratatui::widgets::{Clear, Paragraph};

/// The furthest the help scrolls in `body`: its last line at the bottom.
pub fn max_scroll(body: Rect) -> usize {
    let area = layout::help_area(body);
    let rows = layout::boxed_rows(area);
    wrapped(inner_width(area)).len().saturating_sub(rows)
}

/// Columns of text inside the help's border.
fn inner_width(area: Rect) -> usize {
    usize::from(area.width.saturating_sub(2))
}

/// The help as lines of at most `width` columns: what a key does wraps
/// under its own column, so nothing is cut on a narrow terminal. `true`
/// marks a heading.
pub fn wrapped(width: usize) -> Vec<(bool, String)> {
    let lead = KEYS_WIDTH + 3;
    let room = width.saturating_sub(lead).max(10);
    let mut out = Vec::new();
    for l in keys::help_lines() {
        match l {
            HelpLine::Heading(h) => {
                out.extend(wrap(h, width.max(10)).into_iter().map(|t| (true, t)));
            }
            HelpLine::Keys(k, what) => {
                // Keys longer than their column get a line of their own.
                let keys = format!("  {k:<KEYS_WIDTH$} ");
                let mut pieces = wrap(what, room).into_iter();
                if keys.chars().count() > lead {
                    out.push((false, keys.trim_end().to_owned()));
                } else {
                    out.push((false, keys + &pieces.next().unwrap_or_default()));
                }
                out.extend(pieces.map(|p| (false, " ".repeat(lead) + &p)));
            }
        }
    }
    out
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
    let lines: Vec<Line> = wrapped(inner_width(area))
        .into_iter()
        .skip(scroll)
        .map(|(heading, text)| {
            if heading {
                Line::styled(text, theme.header)
            } else {
                Line::raw(text)
            }
        })
        .collect();
    let block = theme.boxed(format!(" {} ", strings::HELP_TITLE));
    f.render_widget(Clear, area);
    f.render_widget(Paragraph::new(lines).block(block), area);
}
