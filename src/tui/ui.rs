//! Drawing: the whole screen from the state, nothing else. Every pane has
//! its own file; this one lays them out and handles the screen that is too
//! small to use.

use crate::tui::app::{App, Pane};
use crate::tui::chrome::Chrome;
use crate::tui::{chrome, form, help, layout, live, strings};
use ratatui::Frame;
use ratatui::layout::Rect;
use ratatui::text::Line;
use ratatui::widgets::{Paragraph, Wrap};

/// Draw the workstation.
pub fn render(app: &App, f: &mut Frame) {
    let area = f.area();
    if !layout::fits(area) {
        too_small(app, f, area);
        return;
    }
    let a = layout::areas(area);
    let badge = live_badge(app);
    let bars = chrome_of(app, &badge);
    chrome::tabs(&bars, f, a.tabs);
    let (banner, body) = layout::split_banner(a.body, app.live.banner_lines(a.body.width).len());
    if banner.height > 0 {
        live::render_banner(&app.live, &app.theme, f, banner);
    }
    if app.pane == Pane::Browser && app.histogram.is_open() {
        crate::tui::histogram::render(f, body, &app.histogram, app.current(), &app.ctx());
    } else {
        app.drawable().draw(f, body, &app.ctx());
    }
    if let Some(scroll) = app.help {
        help::render(f, body, scroll, &app.theme);
    }
    if let Some(form) = app.form.as_ref().filter(|f| f.visible) {
        let spin = strings::SPINNER[(app.tick % 4) as usize];
        form::render(f, a.body, form, &app.theme, spin);
    }
    chrome::line(&bars, f, a.line);
    chrome::status(&bars, f, a.status);
}

/// The live view's badge for the chain the browser shows
/// ([`live::badge`]).
pub fn live_badge(app: &App) -> String {
    live::badge(&app.live, app.current())
}

/// What the chrome shows of `app`, its live badge `badge`.
fn chrome_of<'a>(app: &'a App, badge: &'a str) -> Chrome<'a> {
    Chrome {
        ctx: app.ctx(),
        ledger: &app.ledger,
        pane: app.pane,
        browser: &app.browser,
        prompt: app.prompt.as_ref(),
        message: app.message.as_ref(),
        contexts: app.contexts(),
        help: app.help.is_some(),
        writes: app.writes,
        writing: app.writing.running.map(|(_, kind)| kind),
        fetching: app.fetching,
        badge,
    }
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
        Line::styled(chrome::mode(app.writes), app.theme.mode),
    ];
    f.render_widget(Paragraph::new(text).wrap(Wrap { trim: true }), area);
}
