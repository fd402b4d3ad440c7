//! Drawing: the whole screen from the state, nothing else. Every pane has
//! its own file; this one lays them out and handles the screen that is too
//! small to use.

use crate::tui::app::{App, Pane};
use crate::tui::{browser, chrome, form, help, integrity, layout, strings};
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
    match app.pane {
        Pane::Browser => browser::render(f, a.body, app),
        Pane::Integrity => integrity::render(f, a.body, app),
        other => placeholder(app, f, a.body, other),
    }
    if let Some(scroll) = app.help {
        help::render(f, a.body, scroll, &app.theme);
    }
    if let Some(form) = app.form.as_ref().filter(|f| f.visible) {
        form::render(f, a.body, form, &app.theme);
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
        Line::styled(chrome::mode(app), app.theme.mode),
    ];
    f.render_widget(Paragraph::new(text).wrap(Wrap { trim: true }), area);
}
