//! Drawing: the whole screen from the state, nothing else. Every pane has
//! its own file; this one lays them out and handles the screen that is too
//! small to use.

use crate::tui::app::{App, Pane};
use crate::tui::{browser, chrome, help, integrity, layout, live, strings};
use ratatui::Frame;
use ratatui::layout::Rect;
use ratatui::text::Line;
use ratatui::widgets::{Block, Borders, Paragraph, Wrap};

/// Draw the workstation.
pub fn render(app: &App, f: &mut Frame) {
    let area = f.area();
    if !layout::fits(area) {
        too_small(app, f, area);
        return;
    }
    let a = layout::areas(area);
    chrome::tabs(app, f, a.tabs);
    let (banner, body) = layout::split_banner(a.body, app.live.banner());
    if banner.height > 0 {
        live::render_banner(app, f, banner);
    }
    match app.pane {
        Pane::Browser => browser::render(f, body, app),
        Pane::Integrity => integrity::render(f, body, app),
        other => placeholder(app, f, body, other),
    }
    if let Some(scroll) = app.help {
        help::render(f, body, scroll, &app.theme);
    }
    chrome::line(app, f, a.line);
    chrome::status(app, f, a.status);
}

/// A pane not built yet: one line that says so and where it is tracked.
fn placeholder(app: &App, f: &mut Frame, area: Rect, pane: Pane) {
    let title = strings::PANE_TITLES[pane.index()];
    let block = Block::new()
        .borders(Borders::ALL)
        .border_style(app.theme.border)
        .title(format!(" {title} "));
    let text = Line::styled(strings::not_built(title), app.theme.dim);
    f.render_widget(Paragraph::new(text).block(block), area);
}

/// The message for a terminal below the minimum size; the mode stays visible.
fn too_small(app: &App, f: &mut Frame, area: Rect) {
    let text = vec![
        Line::raw(strings::too_small(
            area.width,
            area.height,
            layout::MIN_WIDTH,
            layout::MIN_HEIGHT,
        )),
        Line::styled(strings::READ_ONLY, app.theme.mode),
    ];
    f.render_widget(Paragraph::new(text).wrap(Wrap { trim: true }), area);
}
