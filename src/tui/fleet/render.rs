//! Drawing the fleet pane: a title line, one row per ledger, the selected
//! ledger's details, and the keys. Every cell is fitted to its column
//! (`crate::tui::fit`); ages are computed from the `now` the caller read
//! from its clock, never from the machine's clock here.

use super::{FleetView, Row, Watching};
use crate::ledger::fleet::Location;
use crate::ledger::model::report::LedgerStatus;
use crate::tui::fit;
use crate::tui::theme::Theme;
use ratatui::Frame;
use ratatui::layout::{Constraint, Layout, Rect};
use ratatui::style::Style;
use ratatui::text::Line;
use ratatui::widgets::{Cell, Paragraph, Row as TableRow, Table, TableState};

/// The keys of the fleet pane, as its last line says them.
pub const KEYS: &str = "? help · j/k ↑/↓ select · g/G first/last · Enter open in the five panes · Esc (there) back to the fleet · q quit";

/// The note column is drawn from this width on.
const NOTE_MIN: u16 = 12;

/// Rows of the details box (borders included).
const DETAILS: u16 = 8;

/// The column headers and widths, least important last among the fixed.
const COLUMNS: [(&str, Constraint); 9] = [
    ("LEDGER", Constraint::Length(6)),
    ("VERDICT", Constraint::Length(12)),
    ("FORMAT", Constraint::Length(6)),
    ("RECORDS", Constraint::Length(7)),
    ("CHECKPOINT", Constraint::Length(10)),
    ("CHANGED", Constraint::Length(7)),
    ("VERIFIED", Constraint::Length(8)),
    ("ALERTS", Constraint::Length(6)),
    ("NOTE", Constraint::Fill(1)),
];

/// Where the help overlay goes over the fleet drawn on `area`: all but
/// its last line (the keys stay visible).
pub fn help_body(area: Rect) -> Rect {
    Rect {
        height: area.height.saturating_sub(1),
        ..area
    }
}

/// The rows of the table that fit in `area` (the fleet's whole screen).
pub fn table_rows(area: Rect) -> usize {
    usize::from(split(area)[1].height.saturating_sub(3))
}

fn split(area: Rect) -> [Rect; 4] {
    Layout::vertical([
        Constraint::Length(1),
        Constraint::Min(4),
        Constraint::Length(DETAILS),
        Constraint::Length(1),
    ])
    .areas(area)
}

/// Draw the fleet on the whole frame; `now_ns` is the UTC time ages are
/// counted to; `message` replaces the keys on the last line.
pub fn render(f: &mut Frame, view: &FleetView, theme: &Theme, now_ns: i64, message: Option<&str>) {
    let area = f.area();
    if !crate::tui::layout::fits(area) {
        let text = crate::tui::strings::too_small(
            area.width,
            area.height,
            crate::tui::layout::MIN_WIDTH,
            crate::tui::layout::MIN_HEIGHT,
        );
        f.render_widget(
            Paragraph::new(fit::text(&text, usize::from(area.width))),
            area,
        );
        return;
    }
    let [title, table, details, keys] = split(area);
    f.render_widget(
        Paragraph::new(fit::text(&headline(view), usize::from(title.width)))
            .style(theme.status_bar),
        title,
    );
    render_table(f, table, view, theme, now_ns);
    if let Some(row) = view.rows().get(view.selected()) {
        render_details(f, details, row, theme, now_ns);
    }
    f.render_widget(
        Paragraph::new(fit::text(message.unwrap_or(KEYS), usize::from(keys.width))).style(
            if message.is_some() {
                theme.warn
            } else {
                theme.dim
            },
        ),
        keys,
    );
}

/// `ISS fleet · 3 ledgers: 1 ✔ clean, 1 ✘ violated, 1 ? no verdict · READ-ONLY`.
fn headline(view: &FleetView) -> String {
    let rows = view.rows();
    let count = |s: Option<LedgerStatus>| {
        rows.iter()
            .filter(|r| r.verdict() == s && !failed(r))
            .count()
    };
    let mut parts = vec![format!("{} ✔ clean", count(Some(LedgerStatus::Clean)))];
    let violated = count(Some(LedgerStatus::Violated));
    if violated > 0 {
        parts.push(format!("{violated} ✘ violated"));
    }
    let incomplete = count(Some(LedgerStatus::Incomplete));
    if incomplete > 0 {
        parts.push(format!("{incomplete} ⚠ incomplete"));
    }
    let none = rows.iter().filter(|r| failed(r)).count();
    if none > 0 {
        parts.push(format!("{none} ? no verdict"));
    }
    let starting = count(None);
    if starting > 0 {
        parts.push(format!("{starting} … verifying"));
    }
    format!(
        " ISS fleet · {} ledger{}: {} · READ-ONLY",
        rows.len(),
        if rows.len() == 1 { "" } else { "s" },
        parts.join(", ")
    )
}

fn failed(r: &Row) -> bool {
    matches!(r.watching, Watching::Failed(_))
}

/// The verdict cell: symbol and word, with its style.
fn verdict(row: &Row, theme: &Theme) -> (String, Style) {
    match (&row.watching, row.verdict()) {
        (Watching::Failed(_), _) => ("? NO VERDICT".into(), theme.warn),
        (_, Some(LedgerStatus::Violated)) => ("✘ VIOLATED".into(), theme.bad),
        (_, Some(LedgerStatus::Incomplete)) => ("⚠ INCOMPLETE".into(), theme.warn),
        (_, _) if row.reverifying => ("↻ verifying".into(), theme.dim),
        (_, Some(LedgerStatus::Clean)) => ("✔ CLEAN".into(), theme.ok),
        (_, None) => ("… verifying".into(), theme.dim),
    }
}

/// A short name of a format.
fn format_name(format: &str) -> &'static str {
    match format {
        "iss-native-v1" => "native",
        "iss-legacy-v2" => "legacy",
        "iss-legacy-v1" => "v1",
        _ => "?",
    }
}

/// How long ago `then` was, in one unit: `42s`, `7m`, `3h`, `12d`
/// (`now` when it is not in the past: a clock set back, or the same instant).
pub fn age(now_ns: i64, then_ns: i64) -> String {
    let s = now_ns.saturating_sub(then_ns) / 1_000_000_000;
    match s {
        ..=0 => "now".into(),
        1..60 => format!("{s}s"),
        60..3_600 => format!("{}m", s / 60),
        3_600..86_400 => format!("{}h", s / 3_600),
        _ => format!("{}d", s / 86_400),
    }
}

/// `3h ago`, `just now`, or `—` when unknown.
fn ago(now_ns: i64, then: Option<i64>) -> String {
    match then.map(|t| age(now_ns, t)) {
        None => "—".into(),
        Some(a) if a == "now" => "just now".into(),
        Some(a) => format!("{a} ago"),
    }
}

fn opt_age(now_ns: i64, then: Option<i64>) -> String {
    then.map_or_else(|| "—".into(), |t| age(now_ns, t))
}

fn checkpoint_cell(row: &Row, now_ns: i64) -> String {
    match &row.checkpoint {
        Some(c) => format!("{} {}", c.size, opt_age(now_ns, c.written_ns)),
        None if row.format == Some("iss-native-v1") => "none".into(),
        None => "—".into(),
    }
}

/// The note: why it has no verdict, else its latest alert, else what the
/// watcher last said.
fn note(row: &Row) -> String {
    if let Watching::Failed(e) = &row.watching {
        return e.clone();
    }
    row.alerts
        .last()
        .or(row.note.as_ref())
        .cloned()
        .unwrap_or_default()
}

fn render_table(f: &mut Frame, area: Rect, view: &FleetView, theme: &Theme, now_ns: i64) {
    // The names' column is as wide as the longest name, within bounds:
    // what is left goes to the note.
    let longest = view
        .rows()
        .iter()
        .map(|r| fit::width(&r.entry.name))
        .max()
        .unwrap_or(0);
    let name = u16::try_from(longest.clamp(6, 24)).unwrap_or(24);
    let mut constraints: Vec<Constraint> = COLUMNS.iter().map(|(_, c)| *c).collect();
    constraints[0] = Constraint::Length(name);
    let widths = fit::widths(&constraints, area.width.saturating_sub(2), 1);
    let cell = |i: usize, s: &str| fit::text(s, usize::from(widths[i]));
    let header = TableRow::new(COLUMNS.iter().enumerate().map(|(i, (h, _))| {
        Cell::from(if i < 8 || widths[8] >= NOTE_MIN {
            cell(i, h)
        } else {
            String::new()
        })
    }))
    .style(theme.header);
    let rows = view.rows().iter().map(|r| {
        let (word, style) = verdict(r, theme);
        let records = r.records.map_or_else(|| "—".into(), |n| n.to_string());
        TableRow::new(vec![
            Cell::from(cell(0, &r.entry.name)),
            Cell::from(cell(1, &word)).style(style),
            Cell::from(cell(2, r.format.map_or("—", format_name))),
            Cell::from(Line::from(fit::number(&records, usize::from(widths[3]))).right_aligned()),
            Cell::from(cell(4, &checkpoint_cell(r, now_ns))),
            Cell::from(cell(5, &opt_age(now_ns, r.changed_ns))),
            Cell::from(cell(6, &opt_age(now_ns, r.verified_ns))),
            Cell::from(cell(7, &r.alerts.len().to_string())).style(if r.alerts.is_empty() {
                Style::default()
            } else {
                theme.bad
            }),
            // Too narrow to say anything: the details box says it whole.
            Cell::from(if widths[8] >= NOTE_MIN {
                cell(8, &note(r))
            } else {
                String::new()
            })
            .style(theme.dim),
        ])
    });
    let title = fit::title(&format!(" Fleet ({}) ", view.rows().len()), area);
    let table = theme
        .selectable(Table::new(rows, constraints).header(header))
        .block(theme.boxed(title));
    let mut state = TableState::default()
        .with_offset(view.top())
        .with_selected(Some(view.selected()));
    f.render_stateful_widget(table, area, &mut state);
}

fn render_details(f: &mut Frame, area: Rect, row: &Row, theme: &Theme, now_ns: i64) {
    let room = usize::from(area.width.saturating_sub(2));
    let kind = match &row.entry.location {
        Location::Local(_) => "ledger",
        Location::Published(_) => "published",
    };
    let mut lines = vec![format!("{kind}: {}", row.entry.location.shown())];
    match &row.watching {
        Watching::Failed(e) => lines.push(format!("no verdict: {e}")),
        Watching::Starting => lines.push("verifying the whole ledger…".into()),
        Watching::Live => {
            let (word, _) = verdict(row, theme);
            lines.push(format!(
                "{word}: {} violation(s), {} warning(s); {} record(s); changed {}, verified {}",
                row.violations,
                row.warnings,
                row.records.unwrap_or(0),
                ago(now_ns, row.changed_ns),
                ago(now_ns, row.verified_ns),
            ));
            if let Some(c) = &row.checkpoint {
                lines.push(format!(
                    "newest signed checkpoint: {} at size {}, written {}",
                    c.chain,
                    c.size,
                    ago(now_ns, c.written_ns)
                ));
            }
            if let Some(n) = &row.note {
                lines.push(n.clone());
            }
        }
    }
    for a in row.alerts.iter().rev() {
        lines.push(format!("✘ ALERT {a}"));
    }
    let text: Vec<Line> = lines
        .iter()
        .map(|l| Line::from(fit::text(l, room)))
        .collect();
    let title = fit::title(&format!(" {} ", row.entry.name), area);
    f.render_widget(Paragraph::new(text).block(theme.boxed(title)), area);
}
