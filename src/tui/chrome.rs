//! What frames every pane: the tab bar, the prompt/message/hints line and
//! the status bar (which always shows the READ-ONLY mode and the verdict).
//! They draw from a [`Chrome`], the few things of the app they show, which
//! [`crate::tui::ui`] gathers once a draw.

use crate::ledger::model::report::LedgerStatus;
use crate::tui::app::{Level, Loading, Pane, Prompt, PromptKind};
use crate::tui::browser::Browser;
use crate::tui::context::Ctx;
use crate::tui::keys::{self, Action, Context};
use crate::tui::strings;
use ratatui::Frame;
use ratatui::layout::Rect;
use ratatui::style::Style;
use ratatui::text::{Line, Span};
use ratatui::widgets::Paragraph;

/// What the tab bar, the message line and the status bar show.
#[derive(Debug, Clone, Copy)]
pub struct Chrome<'a> {
    /// Styles, the clock, the ledger as loaded so far.
    pub ctx: Ctx<'a>,
    /// The ledger path as given.
    pub ledger: &'a std::path::Path,
    /// The active pane.
    pub pane: Pane,
    /// The chain browser: its position, its search or narrowing under way.
    pub browser: &'a Browser,
    /// The prompt, while typing.
    pub prompt: Option<&'a Prompt>,
    /// The message for the user, until the next key.
    pub message: Option<&'a (Level, String)>,
    /// The key contexts in effect, innermost first (the hints).
    pub contexts: &'static [Context],
    /// Whether the help overlay is open.
    pub help: bool,
    /// Whether writes are allowed (`--write`).
    pub writes: bool,
    /// The write job under way, if any.
    pub writing: Option<crate::tui::writes::WriteKind>,
    /// A published location being fetched: records so far, of all.
    pub fetching: Option<(u64, u64)>,
    /// The live view's badge ([`crate::tui::live::badge`]).
    pub badge: &'a str,
}

/// The label of tab `i` (0-based): `[n Title]` when active, ` n Title `
/// otherwise (brackets mark the active tab without relying on its colour).
/// Tabs are drawn one after another, a space between them.
pub fn tab_label(i: usize, active: bool) -> String {
    let (open, close) = if active { ("[", "]") } else { (" ", " ") };
    format!("{open}{} {}{close}", i + 1, strings::PANE_TITLES[i])
}

/// The pane tabs; the active one in brackets.
pub fn tabs(app: &Chrome, f: &mut Frame, area: Rect) {
    let t = app.ctx.theme;
    let mut spans = Vec::new();
    for (i, pane) in Pane::ALL.iter().enumerate() {
        let label = tab_label(i, *pane == app.pane);
        let style = if *pane == app.pane {
            t.tab_active
        } else {
            Style::new()
        };
        spans.push(Span::styled(label, style));
        spans.push(Span::raw(" "));
    }
    f.render_widget(Paragraph::new(Line::from(spans)), area);
    let name = " ISS Workstation ";
    if area.width as usize > Pane::ALL.len() * 14 + name.len() {
        f.render_widget(
            Paragraph::new(Line::styled(name, t.header).right_aligned()),
            area,
        );
    }
}

/// The short key hints: shown while the first context is in effect, with
/// the keys the second context binds to the actions (from the key table).
#[rustfmt::skip] // a table: one hint per line reads best
const HINTS: &[(Context, Context, &[Action], &str)] = &[
    (Context::Browser, Context::Browser, &[Action::Down, Action::Up], "move"),
    (Context::Browser, Context::Browser, &[Action::Open], "detail"),
    (Context::Browser, Context::Browser, &[Action::Search], "search"),
    (Context::Browser, Context::Global, &[Action::NextFinding, Action::PrevFinding], "finding"),
    (Context::Browser, Context::Browser, &[Action::NextChain], "chain"),
    (Context::Browser, Context::Global, &[Action::Command], "goto"),
    (Context::Detail, Context::Detail, &[Action::Down, Action::Up], "scroll"),
    (Context::Detail, Context::Global, &[Action::Back], "back"),
    (Context::Integrity, Context::Integrity, &[Action::Down, Action::Up], "select"),
    (Context::Integrity, Context::Integrity, &[Action::Open], "show line"),
    (Context::Integrity, Context::Global, &[Action::NextFinding, Action::PrevFinding], "finding"),
    (Context::Browser, Context::Browser, &[Action::AuditRecord], "audit"),
    (Context::Time, Context::Time, &[Action::Down, Action::Up], "pulse"),
    (Context::Time, Context::Time, &[Action::NextFinding, Action::PrevFinding], "anomaly"),
    (Context::Time, Context::Time, &[Action::Open], "open"),
    (Context::Maturity, Context::Maturity, &[Action::Down, Action::Up], "process"),
    (Context::Maturity, Context::Maturity, &[Action::Open], "latest"),
    (Context::Audit, Context::Audit, &[Action::Down, Action::Up], "link"),
    (Context::Audit, Context::Audit, &[Action::Open], "follow"),
    (Context::Audit, Context::Global, &[Action::Back], "back"),
    (Context::Histogram, Context::Histogram, &[Action::Down, Action::Up], "bucket"),
    (Context::Histogram, Context::Histogram, &[Action::MarkRange], "range"),
    (Context::Histogram, Context::Histogram, &[Action::Open], "filter"),
    (Context::Histogram, Context::Histogram, &[Action::ZoomIn, Action::ZoomOut], "zoom"),
    (Context::Histogram, Context::Global, &[Action::Back], "close"),
    (Context::Help, Context::Help, &[Action::Down, Action::Up], "scroll"),
    (Context::Help, Context::Global, &[Action::Back], "close"),
    (Context::Global, Context::Global, &[Action::Help], "help"),
    (Context::Global, Context::Global, &[Action::Quit], "quit"),
    // Past the width of an 80-column terminal: seen on wider ones.
    (Context::Global, Context::Global, &[Action::AppendForm], "append"),
    (Context::Browser, Context::Browser, &[Action::ToggleMark], "mark"),
    (Context::Browser, Context::Browser, &[Action::CopyId, Action::CopyHash], "copy id/hash"),
];

/// The line above the status bar: the prompt while typing, else the last
/// message, else the search running, else key hints.
pub fn line(app: &Chrome, f: &mut Frame, area: Rect) {
    let t = app.ctx.theme;
    let line = if let Some(p) = app.prompt {
        let lead = match p.kind {
            PromptKind::Search => "/",
            PromptKind::Command => ":",
        };
        Line::from(vec![
            Span::raw(lead),
            Span::raw(p.text.as_str()),
            Span::styled(" ", t.selected),
        ])
    } else if let Some((level, text)) = app.message {
        let style = match level {
            Level::Info => Style::new(),
            Level::Warn => t.warn,
            Level::Error => t.bad,
        };
        // A message names records, hashes and counts: cut, it ends in `…`.
        crate::tui::fit::line(Line::styled(text.clone(), style), usize::from(area.width))
    } else if let Some(searching) = crate::tui::search::status(app.browser, app.ctx.tick) {
        Line::raw(searching)
    } else if let Some(narrowing) = crate::tui::narrow::status(app.browser, app.ctx.tick) {
        Line::raw(narrowing)
    } else {
        let ctx = app.contexts;
        let spans: Vec<Span> = HINTS
            .iter()
            .filter(|(shown, _, actions, _)| {
                ctx.contains(shown)
                    && !(app.help && actions.contains(&Action::Help))
                    && (app.writes || !actions.contains(&Action::AppendForm))
            })
            .map(|(_, keyed, actions, what)| {
                let keys: Vec<String> = actions
                    .iter()
                    .filter_map(|a| keys::first_key(*keyed, *a))
                    .collect();
                (keys.join("/"), what)
            })
            .flat_map(|(k, what)| {
                [
                    Span::styled(k, t.header),
                    Span::styled(format!(" {what}  "), t.dim),
                ]
            })
            .collect();
        Line::from(spans)
    };
    f.render_widget(Paragraph::new(line), area);
}

/// The status bar: mode, ledger, verdict, position.
pub fn status(app: &Chrome, f: &mut Frame, area: Rect) {
    let t = app.ctx.theme;
    let (verdict, vstyle) = verdict(app);
    let position = match app.pane {
        Pane::Browser => {
            let c = app.browser.current();
            let n = c.lines();
            if n == 0 {
                c.kind.name().to_owned()
            } else {
                format!("{} {}/{}", c.kind.name(), c.cursor + 1, n)
            }
        }
        _ => String::new(),
    };
    let mode = format!(" {} ", mode(app.writes));
    let mut badge = app.badge.to_owned();
    if let Some(kind) = app.writing {
        let spin = app.ctx.spinner();
        let sep = if badge.is_empty() { "" } else { "  " };
        badge = format!("{badge}{sep}{spin} {}…", kind.label());
    }
    let room = |badge: &str, position: &str| {
        let badge_w = if badge.is_empty() {
            0
        } else {
            badge.chars().count() + 2
        };
        let fixed =
            mode.chars().count() + verdict.chars().count() + position.chars().count() + badge_w + 6;
        (area.width as usize).saturating_sub(fixed)
    };
    // The ledger's name is never squeezed out (it was, on a single file
    // with the live badge): below 10 columns of it, the badge's hint goes
    // first, then the position's chain name (the browser's title has it).
    let floor = (own_name(app.ledger).chars().count() + 1).min(10);
    let mut position = position;
    if room(&badge, &position) < floor {
        badge = badge.replace(strings::FOLLOW_HINT, "");
    }
    if room(&badge, &position) < floor
        && let Some(space) = position.find(' ')
    {
        position.drain(..=space);
    }
    let ledger = shorten(
        &app.ledger.display().to_string(),
        room(&badge, &position).max(floor),
    );
    let mut spans = vec![
        Span::styled(mode, t.mode),
        Span::raw(" "),
        Span::styled(verdict, vstyle),
        Span::raw("  "),
    ];
    if !badge.is_empty() {
        spans.extend([Span::styled(badge, t.header), Span::raw("  ")]);
    }
    spans.extend([Span::raw(ledger), Span::raw("  "), Span::raw(position)]);
    let line = crate::tui::fit::line(Line::from(spans), usize::from(area.width));
    f.render_widget(Paragraph::new(line).style(t.status_bar), area);
}

/// The mode in the status bar: `READ-ONLY`, or `WRITE` when `writes`
/// are allowed (`--write`).
pub fn mode(writes: bool) -> &'static str {
    if writes {
        strings::WRITE_MODE
    } else {
        strings::READ_ONLY
    }
}

/// The ledger's verdict in words, with its symbol, and the style for it.
fn verdict(app: &Chrome) -> (String, Style) {
    let t = app.ctx.theme;
    let spin = app.ctx.spinner();
    match (app.ctx.discovery, app.ctx.report) {
        (Loading::Failed(_), _) => (format!("{} cannot open", strings::SYM_BAD), t.verdict[2]),
        (Loading::Pending, _) => (format!("{spin} {}", strings::OPENING), Style::new()),
        (_, Loading::Pending) => {
            let text = app.ctx.verify_progress.map_or_else(
                || {
                    app.fetching.map_or_else(
                        || strings::VERIFYING.to_owned(),
                        |(d, t)| strings::fetching_at(d, t),
                    )
                },
                |p| {
                    let (done, total) = p.overall();
                    strings::verifying_at(done, total)
                },
            );
            (format!("{spin} {text}"), Style::new())
        }
        (_, Loading::Failed(_)) => (format!("{} not verified", strings::SYM_BAD), t.verdict[2]),
        (_, Loading::Ready(r)) => {
            let (v, w) = r
                .files
                .iter()
                .fold((0, 0), |(v, w), f| (v + f.violations(), w + f.warnings()));
            let (sym, word, style) = match r.status {
                LedgerStatus::Clean if w > 0 => (strings::SYM_WARN, strings::CLEAN, t.verdict[1]),
                LedgerStatus::Clean => (strings::SYM_OK, strings::CLEAN, t.verdict[0]),
                LedgerStatus::Violated => (strings::SYM_BAD, strings::VIOLATED, t.verdict[2]),
                LedgerStatus::Incomplete => (strings::SYM_WARN, strings::INCOMPLETE, t.verdict[1]),
            };
            let counts = format!(
                "{}, {}",
                strings::count(v, "violation"),
                strings::count(w, "warning")
            );
            (format!("{sym} {word}: {counts}"), style)
        }
    }
}

/// The last part of a path, as given (`.` when that is all).
pub fn own_name(path: &std::path::Path) -> String {
    path.file_name().map_or_else(
        || path.display().to_string(),
        |n| n.to_string_lossy().into_owned(),
    )
}

/// `s` cut to `room` characters, keeping its end (the informative part of a path).
fn shorten(s: &str, room: usize) -> String {
    let n = s.chars().count();
    if n <= room {
        return s.to_owned();
    }
    if room == 0 {
        return String::new();
    }
    let tail: String = s.chars().skip(n - room + 1).collect();
    format!("…{tail}")
}

#[cfg(test)]
mod tests {
    #[test]
    fn shorten_keeps_the_end() {
        assert_eq!(super::shorten("/tmp/abc/ledger", 7), "…ledger");
        assert_eq!(super::shorten("ledger", 7), "ledger");
        assert_eq!(super::shorten("ledger", 0), "");
    }
}
