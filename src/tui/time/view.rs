//! Drawing pane 3 from its state.

use super::common::{glyph_findings, segment_of, segments};
use super::{PulseCells, PulseRow, TimeOverview, TimeView, areas};
use crate::tui::app::Loading;
use crate::tui::context::Ctx;
use crate::tui::fit;
use crate::tui::marks::{self, Mark};
use crate::tui::strings::{self, analysis as s};
use crate::tui::theme::Theme;
use ratatui::Frame;
use ratatui::layout::{Alignment, Constraint, Layout, Rect};
use ratatui::style::Style;
use ratatui::text::{Line, Span};
use ratatui::widgets::{Cell, Paragraph, Row, Sparkline, Table, TableState, Wrap};

/// A table column: heading, width, and priority (lower is kept longer on a
/// narrow terminal).
struct Col {
    title: &'static str,
    width: u16,
    priority: u8,
}

const COLS: [Col; 9] = [
    Col {
        title: "",
        width: 1,
        priority: 0,
    },
    Col {
        title: "line",
        width: 6,
        priority: 0,
    },
    Col {
        title: "run",
        width: 3,
        priority: 3,
    },
    Col {
        title: "UTC (stored)",
        width: 26,
        priority: 0,
    },
    Col {
        title: "TAI",
        width: 16,
        priority: 1,
    },
    Col {
        title: "Δt s",
        width: 9,
        priority: 1,
    },
    Col {
        title: "ET (et_s stored)",
        width: 17,
        priority: 2,
    },
    Col {
        title: "TT past J2000",
        width: 17,
        priority: 2,
    },
    Col {
        title: "et_s−TDB",
        width: 10,
        priority: 3,
    },
];

/// The columns' widths for this ledger: the line and run columns widen to
/// the largest number they show.
fn col_widths(lines: u64, runs: usize) -> [u16; COLS.len()] {
    let mut w = COLS.map(|c| c.width);
    w[1] = w[1].max(digits(lines));
    w[2] = w[2].max(digits(runs as u64));
    w
}

fn digits(n: u64) -> u16 {
    n.max(1).ilog10() as u16 + 1
}

/// Which columns fit in `width`, in table order.
fn fitting(width: u16, widths: &[u16; COLS.len()]) -> Vec<usize> {
    let mut order: Vec<usize> = (0..COLS.len()).collect();
    order.sort_by_key(|&i| COLS[i].priority);
    let mut used = 0u16;
    let mut keep = Vec::new();
    for i in order {
        let need = widths[i] + u16::from(!keep.is_empty());
        if used + need <= width {
            used += need;
            keep.push(i);
        }
    }
    keep.sort_unstable();
    keep
}

/// Draw pane 3 into `area`.
pub fn render(f: &mut Frame, area: Rect, ctx: &Ctx, view: &TimeView) {
    let t = ctx.theme;
    let Some(file) = ctx.chains.iter().find(|c| super::is_pulses(c.kind)) else {
        let text = s::NO_TIME_CHAIN;
        let p = Paragraph::new(text).wrap(Wrap { trim: false });
        f.render_widget(p.block(t.boxed(format!(" {} ", s::TIME_TITLE))), area);
        return;
    };
    let waiting = match (ctx.discovery, &file.source) {
        (Loading::Failed(e), _) => Some(strings::ledger_unopenable(e)),
        (_, crate::tui::chain::Source::Absent) => Some(s::NO_TIME_CHAIN.to_owned()),
        (_, crate::tui::chain::Source::Failed(e)) => {
            Some(strings::chain_unreadable(file.kind.name(), e))
        }
        (_, crate::tui::chain::Source::Ready(_)) => None,
        _ => Some(format!(
            "{} {}",
            ctx.spinner(),
            strings::indexing(file.kind.name())
        )),
    };
    if let Some(text) = waiting {
        let p = Paragraph::new(text).wrap(Wrap { trim: false });
        f.render_widget(p.block(t.boxed(format!(" {} ", s::TIME_TITLE))), area);
        return;
    }
    let [summary_box, table_box, selected_box] = areas(area);
    summary(f, summary_box, ctx, view);
    table(f, table_box, ctx, view);
    super::selected::render(f, selected_box, ctx, view);
}

fn summary(f: &mut Frame, area: Rect, ctx: &Ctx, view: &TimeView) {
    let t = ctx.theme;
    let report = ctx.report.ready();
    let anomalies = report.map(|r| glyph_findings(view, r).count());
    let runs = segments(ctx, view).len();
    let title = match (&view.overview, anomalies) {
        (Loading::Ready(o), Some(n)) => {
            s::time_title(o.summary.pulses, o.summary.verified, runs, n)
        }
        (Loading::Failed(_), _) => format!(" {} ", s::TIME_TITLE),
        _ => format!(" {} — {} {} ", s::TIME_TITLE, ctx.spinner(), s::COMPUTING),
    };
    let block = t.boxed(fit::title(&title, area));
    let inner = block.inner(area);
    f.render_widget(block, area);
    let [stats, chart] = Layout::vertical([Constraint::Length(1), Constraint::Min(1)]).areas(inner);
    match &view.overview {
        Loading::Pending => {
            let text = if report.is_some() {
                s::COMPUTING_TIME
            } else {
                strings::VERIFYING
            };
            f.render_widget(Paragraph::new(format!("{} {text}", ctx.spinner())), stats);
        }
        Loading::Failed(e) => {
            f.render_widget(Paragraph::new(Line::styled(s::failed(e), t.bad)), stats);
        }
        Loading::Ready(o) => overview(f, stats, chart, o, t),
    }
}

fn overview(frame: &mut Frame, stats: Rect, chart: Rect, o: &TimeOverview, t: &Theme) {
    let fmt = |x: Option<f64>| x.map_or_else(|| "—".to_owned(), |v| format!("{v:.6}"));
    let i = &o.summary.intervals_s;
    let e = &o.summary.et_minus_tdb_s;
    let mut spans = vec![
        Span::styled("Δt ", t.dim),
        Span::raw(format!(
            "min {} · mean {} · max {} s",
            fmt(i.min),
            fmt(i.mean),
            fmt(i.max)
        )),
        Span::styled("  et_s−TDB ", t.dim),
        Span::raw(format!("{}…{} s", fmt(e.min), fmt(e.max))),
    ];
    if o.summary.delta_at_assumed > 0 {
        spans.push(Span::styled(
            format!("  ΔAT* assumed for {}", o.summary.delta_at_assumed),
            t.dim,
        ));
    }
    let room = usize::from(stats.width);
    frame.render_widget(Paragraph::new(fit::line(Line::from(spans), room)), stats);
    // A label, then the chart of the largest interval per column.
    let [label, spark] =
        Layout::horizontal([Constraint::Length(10), Constraint::Min(1)]).areas(chart);
    let (cols, per_col) = o.intervals.columns(usize::from(spark.width));
    frame.render_widget(
        Paragraph::new(vec![
            Line::styled(s::CHART_LABEL, t.dim),
            Line::styled(s::per_column(per_col), t.dim),
        ]),
        label,
    );
    frame.render_widget(Sparkline::default().data(&cols).style(t.header), spark);
}

/// ΔAT-shifted instant as a time of day (`HH:MM:SS.ffffff`): the UTC
/// column carries the date.
fn clock(unix_s: f64) -> String {
    #[allow(clippy::cast_possible_truncation)] // seconds of 1972..2200 in µs fit an i64
    let micros = (unix_s * 1e6).round() as i64;
    let day = micros.rem_euclid(86_400_000_000);
    let (h, rest) = (day / 3_600_000_000, day % 3_600_000_000);
    let (m, rest) = (rest / 60_000_000, rest % 60_000_000);
    format!(
        "{h:02}:{m:02}:{:02}.{:06}",
        rest / 1_000_000,
        rest % 1_000_000
    )
}

fn mark_of(ctx: &Ctx, line: u64) -> Option<Mark> {
    ctx.chains
        .iter()
        .find(|c| super::is_pulses(c.kind))
        .and_then(|c| c.marks.as_ref())
        .and_then(|m| m.at(line))
}

/// The row's symbol (the rule `iss pulses` shares, [`marks::symbol`]) and
/// its style.
fn mark_style(ctx: &Ctx, mark: Option<&Mark>) -> (&'static str, Style) {
    let t = ctx.theme;
    if ctx.report.ready().is_none() {
        return (strings::SYM_PENDING, Style::new());
    }
    let style = match mark {
        None => t.ok,
        Some(m) if m.severity == crate::ledger::model::finding::Severity::Violation => t.bad,
        Some(_) => t.warn,
    };
    (marks::symbol(mark), style)
}

fn cells(ctx: &Ctx, v: &TimeView, row: &PulseRow) -> (Vec<String>, Style) {
    let mark = mark_of(ctx, row.line);
    let (sym, style) = mark_style(ctx, mark.as_ref());
    let run = segment_of(ctx, v, row.line).map_or_else(String::new, |(i, _)| (i + 1).to_string());
    let mut out = vec![sym.to_owned(), row.line.to_string(), run];
    match &row.cells {
        Ok(c) => out.extend(values(c)),
        Err(e) => out.push(e.clone()),
    }
    // A marked row is drawn in its severity's style: the symbol says it too.
    (out, if mark.is_some() { style } else { Style::new() })
}

fn values(c: &PulseCells) -> Vec<String> {
    let utc = c.utc.strip_suffix("+00:00").unwrap_or(&c.utc).to_owned();
    let interval = c
        .interval
        .map_or_else(|| "-".to_owned(), |i| format!("{i:.6}"));
    let (tai, tt, et_tdb) = c.scales.map_or_else(
        || ("?".to_owned(), "?".to_owned(), "?".to_owned()),
        |x| {
            let star = if x.delta_at_known { "" } else { "*" };
            (
                format!("{}{star}", clock(x.tai_unix_s)),
                format!("{:.6}", x.tt_past_j2000_s),
                format!("{:+.6}", c.et_s - x.tdb_past_j2000_s),
            )
        },
    );
    vec![utc, tai, interval, format!("{:.6}", c.et_s), tt, et_tdb]
}

fn table(f: &mut Frame, area: Rect, ctx: &Ctx, v: &TimeView) {
    let t = ctx.theme;
    let total = ctx
        .chains
        .iter()
        .find(|c| super::is_pulses(c.kind))
        .map_or(0, crate::tui::chain::ChainView::lines);
    let mut col_w = col_widths(total, segments(ctx, v).len());
    // A native pulse's UTC has nanoseconds: the column widens to the
    // longest shown.
    let utc_w = v
        .rows
        .iter()
        .filter_map(|r| r.cells.as_ref().ok())
        .map(|c| fit::width(c.utc.strip_suffix("+00:00").unwrap_or(&c.utc)))
        .max()
        .unwrap_or(0);
    col_w[3] = col_w[3].max(u16::try_from(utc_w).unwrap_or(u16::MAX));
    let keep = fitting(area.width.saturating_sub(3), &col_w);
    let widths: Vec<Constraint> = keep.iter().map(|&i| Constraint::Length(col_w[i])).collect();
    // What each cell really gets (inside the border, after the selection
    // column): every value is fitted to it, never cut by the table.
    let room = fit::widths(&widths, area.width.saturating_sub(2), 1);
    let header = Row::new(keep.iter().map(|&i| COLS[i].title)).style(t.header);
    let rows = v.rows.iter().map(|r| {
        let (all, style) = cells(ctx, v, r);
        let picked: Vec<Cell> = keep
            .iter()
            .zip(&room)
            .map(|(&i, &w)| {
                let text = all.get(i).cloned().unwrap_or_default();
                let right = (1..=2).contains(&i) || i >= 5;
                // Line, run, Δt, ET, TT, et_s−TDB are numbers; the rest
                // (symbol, UTC, TAI time of day, why a row is not a pulse)
                // text.
                let text = if right && (i <= 2 || r.cells.is_ok()) {
                    fit::number(&text, usize::from(w))
                } else {
                    fit::text(&text, usize::from(w))
                };
                let line = Line::from(text);
                Cell::from(if right {
                    line.alignment(Alignment::Right)
                } else {
                    line
                })
            })
            .collect();
        Row::new(picked).style(style)
    });
    let title = s::pulses_title(v.cursor + 1, total);
    let table = Table::new(rows, widths)
        .header(header)
        .block(t.boxed(fit::title(&title, area)));
    let table = t.selectable(table);
    let selected = usize::try_from(v.cursor.saturating_sub(v.top)).ok();
    let mut state = TableState::default().with_selected(selected);
    f.render_stateful_widget(table, area, &mut state);
}

#[cfg(test)]
mod tests {
    #[test]
    fn clock_is_the_time_of_day_to_the_microsecond() {
        assert_eq!(super::clock(1_793_523_637.002_572), "09:00:37.002572");
        assert_eq!(super::clock(86_399.999_999_6), "00:00:00.000000");
    }

    #[test]
    fn narrow_tables_keep_the_first_priorities() {
        let cols = super::fitting(77, &super::COLS.map(|c| c.width));
        assert!(
            cols.contains(&3) && cols.contains(&4),
            "UTC and TAI: {cols:?}"
        );
        assert!(!cols.contains(&7), "TT needs the wide screen: {cols:?}");
        assert_eq!(
            super::fitting(200, &super::COLS.map(|c| c.width)).len(),
            super::COLS.len()
        );
    }
}
