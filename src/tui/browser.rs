//! Pane 1, the chain browser: every record of a chain file in a table, one
//! status symbol per row, and the record detail on `Enter`. Its state is
//! [`Browser`]; what its keys do, [`crate::tui::actions`].
//!
//! The table draws only the rows `update` decoded (those on screen). Columns
//! that do not fit a narrow terminal are dropped least important first; the
//! status symbol and the line number always stay.

mod env;
mod state;

pub use env::Env;
pub use state::Browser;

use crate::tui::app::Loading;
use crate::tui::chain::{ChainView, Field, STATUS_PRIORITY, Source};
use crate::tui::context::Ctx;
use crate::tui::strings;
use crate::tui::theme::Theme;
use crate::tui::{bookmarks, detail, fit};
use ratatui::Frame;
use ratatui::layout::{Alignment, Constraint, Rect};
use ratatui::style::Style;
use ratatui::text::{Line, Span};
use ratatui::widgets::{
    Cell, Gauge, Paragraph, Row, Scrollbar, ScrollbarOrientation, ScrollbarState, Table, TableState,
};

/// Narrowest the status words column gets before it is dropped.
const STATUS_MIN: u16 = 9;

/// Draw the browser (or the open detail) into `area`.
pub fn render(f: &mut Frame, area: Rect, ctx: &Ctx, b: &Browser) {
    if let Some(d) = b.detail() {
        detail::render(f, area, d, ctx.theme);
        return;
    }
    let view = b.current();
    let block = ctx.theme.boxed(chain_tabs(
        ctx,
        b,
        usize::from(area.width.saturating_sub(2)),
    ));
    let inner = block.inner(area);
    f.render_widget(block, area);
    let message = |f: &mut Frame, text: String, style: Style| {
        f.render_widget(Paragraph::new(Line::styled(text, style)), inner);
    };
    let file_name = view.kind.file_kind().file_name();
    match &view.source {
        Source::Opening => message(f, strings::OPENING.to_owned(), ctx.theme.dim),
        Source::Absent => {
            let text = match ctx.single_file() {
                Some(given) => {
                    strings::chain_not_given(file_name, &crate::tui::chrome::own_name(given))
                }
                None => strings::chain_absent(file_name),
            };
            message(f, text, ctx.theme.dim);
        }
        Source::Failed(e) => message(f, strings::chain_unreadable(file_name, e), ctx.theme.bad),
        Source::Indexing { done, total } => {
            let ratio = if *total == 0 {
                0.0
            } else {
                (*done as f64 / *total as f64).clamp(0.0, 1.0)
            };
            // The words on their own line, the bar under them: readable without colour.
            let words = format!("{} {:.0}%", strings::indexing(file_name), ratio * 100.0);
            f.render_widget(Paragraph::new(words), Rect { height: 1, ..inner });
            let bar = Gauge::default()
                .ratio(ratio)
                .label("")
                .gauge_style(ctx.theme.header);
            if inner.height > 1 {
                f.render_widget(
                    bar,
                    Rect {
                        y: inner.y + 1,
                        height: 1,
                        ..inner
                    },
                );
            }
        }
        Source::Ready(_) => table(f, inner, ctx, b, view),
    }
}

/// The block title in `room` columns: the chain files as tabs, the current
/// one highlighted, then what narrows the view. What does not fit is cut
/// with `…`; a long filter loses the end of its text before its count.
fn chain_tabs(ctx: &Ctx, b: &Browser, room: usize) -> Line<'static> {
    let mut spans = vec![Span::raw(" ")];
    for (i, kind) in b.chains().iter().map(|c| c.kind).enumerate() {
        let (style, open, close) = if i == b.chain() {
            (ctx.theme.tab_active, "[", "]")
        } else {
            (Style::new(), " ", " ")
        };
        spans.push(Span::styled(format!("{open}{}{close}", kind.name()), style));
        spans.push(Span::raw(" "));
    }
    let hint = if ctx.single_file().is_some() {
        strings::ONE_FILE_ONLY
    } else {
        "(c: next chain) "
    };
    spans.push(Span::styled(hint, ctx.theme.dim));
    let view = b.current();
    if let Some(h) = crate::tui::hits::title(b) {
        spans.push(Span::styled(format!("{h} "), ctx.theme.header));
    }
    if let Some(s) = &view.sorted {
        spans.push(Span::styled(
            format!("sorted: {}{} ", s.key.name(), arrow(s.reverse)),
            ctx.theme.warn,
        ));
    }
    let first = first_column(view);
    if first > 0 {
        spans.push(Span::styled(
            format!("{} ", strings::columns_left(first)),
            ctx.theme.dim,
        ));
    }
    if let Some(f) = &b.current().filter {
        let (kept, total) = (f.lines.len(), b.current().lines());
        let used = Line::from(spans.clone()).width();
        // Room for the filter's text once the rest of its words are shown.
        let frame = fit::width(&strings::filter_active("", kept, total)) + 1;
        let text = match room.saturating_sub(used).checked_sub(frame) {
            Some(left) if left >= 2 => fit::text(&f.text, left),
            _ => f.text.clone(),
        };
        spans.push(Span::styled(
            format!("{} ", strings::filter_active(&text, kept, total)),
            ctx.theme.warn,
        ));
    }
    fit::line(Line::from(spans), room)
}

fn table(f: &mut Frame, area: Rect, ctx: &Ctx, b: &Browser, view: &ChainView) {
    let t = ctx.theme;
    // One more than the digits: a marked line shows `*` before its number.
    let line_w = (digits(view.lines()) + 1).max(4);
    // One column for the selection marker, which the table draws itself.
    let shown_fields = &view.kind.fields()[first_column(view)..];
    let (fields, status) = fit(shown_fields, line_w, area.width.saturating_sub(1));
    let mut widths = vec![Constraint::Length(1), Constraint::Length(line_w)];
    widths.extend(fields.iter().map(|f| Constraint::Length(f.width)));
    let mut header: Vec<Cell> = vec![
        Cell::from(""),
        Cell::from(Line::from("line").alignment(Alignment::Right)),
    ];
    if status {
        widths.push(Constraint::Fill(1));
    }
    let keep: Vec<usize> = fields
        .iter()
        .filter_map(|f| view.kind.fields().iter().position(|g| g == *f))
        .collect();
    // What each column really gets: every value is fitted to it (its
    // beginning and `…` when it does not fit), never cut by the table.
    let room: Vec<usize> = fit::widths(&widths, area.width, 1)
        .into_iter()
        .map(usize::from)
        .collect();
    // The sorted column's heading carries the direction (`lvl▲`, cut to
    // `lv▲` in a narrow column: the title says `sorted: level▲` whole).
    let heading = |title: &'static str, w: usize| match &view.sorted {
        Some(s) if s.key.column() == title => {
            let cut: String = title.chars().take(w.saturating_sub(1)).collect();
            format!("{cut}{}", arrow(s.reverse))
        }
        _ => title.to_owned(),
    };
    header.extend(
        fields
            .iter()
            .enumerate()
            .map(|(k, f)| Cell::from(heading(f.title, room[2 + k]))),
    );
    if status {
        header.push(Cell::from(heading(
            "status",
            room.last().copied().unwrap_or(0),
        )));
    }
    // The last search's matches, highlighted (reversed: seen without colour).
    let query = b
        .hits()
        .filter(|h| h.kind == view.kind)
        .map(|h| h.query.as_str());
    let matched = Style::new().add_modifier(ratatui::style::Modifier::REVERSED);
    let rows = view.rows.iter().map(|row| {
        let (sym, words, style) = row_status(ctx, view, row.line);
        let label = bookmarks::line_label(view, row.line);
        let mut cells = vec![
            Cell::from(Span::styled(sym, style)),
            Cell::from(Line::from(fit::text(&label, room[1])).alignment(Alignment::Right)),
        ];
        match &row.cells {
            Ok(values) => cells.extend(keep.iter().enumerate().map(|(k, &i)| {
                let w = room[2 + k];
                let fitted = if row.numbers.get(i).copied().unwrap_or(false) {
                    fit::number(&values[i], w)
                } else {
                    fit::text(&values[i], w)
                };
                Cell::from(crate::tui::hits::highlight(fitted, query, matched))
            })),
            Err(why) => {
                let w = room.get(2).copied().unwrap_or(0);
                cells.push(Cell::from(Span::styled(fit::text(why, w), t.bad)));
                cells.extend((1..keep.len()).map(|_| Cell::from("")));
            }
        }
        if status {
            let w = room.last().copied().unwrap_or(0);
            cells.push(Cell::from(Span::styled(fit::text(&words, w), style)));
        }
        Row::new(cells)
    });
    // Rows, not lines: under a filter the rows shown are not consecutive lines.
    let selected = usize::try_from(
        view.position_of(view.cursor)
            .saturating_sub(view.position_of(view.top)),
    )
    .ok();
    let table = Table::new(rows, widths).header(Row::new(header).style(t.header));
    let table = t.selectable(table);
    let mut state = TableState::default().with_selected(selected);
    f.render_stateful_widget(table, area, &mut state);

    // On the block's right border, beside the rows.
    let body = Rect {
        width: area.width + 1,
        ..area
    };
    if view.shown() <= view.rows.len() as u64 {
        return;
    }
    let mut sb = ScrollbarState::new(usize::try_from(view.shown()).unwrap_or(usize::MAX))
        .position(usize::try_from(view.position_of(view.cursor)).unwrap_or(usize::MAX));
    f.render_stateful_widget(
        Scrollbar::new(ScrollbarOrientation::VerticalRight)
            .begin_symbol(None)
            .end_symbol(None),
        body,
        &mut sb,
    );
}

/// `▲` ascending, `▼` descending.
fn arrow(reverse: bool) -> &'static str {
    if reverse { "▼" } else { "▲" }
}

/// The first record field shown: `→` scrolled past the others.
fn first_column(view: &ChainView) -> usize {
    view.first_column
        .min(view.kind.fields().len().saturating_sub(1))
}

/// The row's symbol, words and style, from the verification marks.
fn row_status(ctx: &Ctx, view: &ChainView, line: u64) -> (&'static str, String, Style) {
    let t: &Theme = ctx.theme;
    let Some(marks) = &view.marks else {
        return match ctx.report {
            Loading::Failed(_) => (strings::SYM_UNKNOWN, "not verified".to_owned(), t.dim),
            _ => (strings::SYM_PENDING, strings::VERIFYING.to_owned(), t.dim),
        };
    };
    match marks.at(line + 1) {
        None if marks.complete && marks.covers(line + 1) => {
            (strings::SYM_OK, strings::ROW_VERIFIED.to_owned(), t.ok)
        }
        None if marks.complete => (strings::SYM_PENDING, strings::ROW_PENDING.to_owned(), t.dim),
        None => (strings::SYM_UNKNOWN, "not verified".to_owned(), t.dim),
        Some(m) => {
            let (sym, style) = if m.severity == crate::ledger::model::finding::Severity::Violation {
                (strings::SYM_BAD, t.bad)
            } else {
                (strings::SYM_WARN, t.warn)
            };
            let words = if m.implicated {
                strings::row_implicated(m.kinds.first().copied().unwrap_or_default())
            } else {
                m.kinds.join(", ")
            };
            (sym, words, style)
        }
    }
}

/// The fields that fit in `width` beside the symbol and line columns, and
/// whether the status words fit too. The least important go first.
fn fit(fields: &'static [Field], line_w: u16, width: u16) -> (Vec<&'static Field>, bool) {
    let mut kept: Vec<&Field> = fields.iter().collect();
    let mut status = true;
    loop {
        let cols = 2 + kept.len() + usize::from(status);
        let total = 1
            + line_w
            + kept.iter().map(|f| f.width).sum::<u16>()
            + if status { STATUS_MIN } else { 0 }
            + (cols as u16 - 1);
        if total <= width {
            return (kept, status);
        }
        // Drop the least important column (the rightmost among equals).
        let worst = kept
            .iter()
            .enumerate()
            .max_by_key(|(i, f)| (f.priority, *i));
        match worst {
            Some((i, f)) if !status || f.priority >= STATUS_PRIORITY => {
                kept.remove(i);
            }
            _ if status => status = false,
            _ => return (kept, status),
        }
    }
}

fn digits(n: u64) -> u16 {
    n.max(1).ilog10() as u16 + 1
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::tui::chain::ChainKind;

    #[test]
    fn narrow_tables_drop_the_least_important_columns_first() {
        let names =
            |(f, s): (Vec<&Field>, bool)| (f.iter().map(|f| f.title).collect::<Vec<_>>(), s);
        let d = ChainKind::Descriptors.fields();
        assert_eq!(names(fit(d, 4, 200)).0.len(), d.len());
        let (at_80, status) = names(fit(d, 4, 76));
        assert!(!at_80.contains(&"assessed_at") && at_80.contains(&"id") && status);
        assert_eq!(names(fit(d, 4, 10)), (vec![], false));
        assert_eq!(digits(0), 1);
        assert_eq!(digits(1_000_000), 7);
    }
}
