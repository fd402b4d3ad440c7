//! The help overlay, written from the key table ([`keys::help_lines`]): the
//! keys it lists are the keys that dispatch.

use crate::tui::keys::{self, HelpLine};
use crate::tui::layout;
use crate::tui::strings;
use crate::tui::theme::Theme;
use ratatui::Frame;
use ratatui::layout::Rect;
use ratatui::text::{Line, Span};
use ratatui::widgets::{Block, Borders, Clear, Paragraph};

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
    let block = Block::new()
        .borders(Borders::ALL)
        .border_style(theme.border)
        .title(format!(" {} ", strings::HELP_TITLE));
    f.render_widget(Clear, area);
    f.render_widget(Paragraph::new(lines).block(block), area);
}
