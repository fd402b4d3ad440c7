//! Drawing the histogram: a summary line, what could not be placed, one
//! row per bucket (`▶` the cursor, `┃` the range marked), and the
//! selection with what `Enter` does. Every number is written out; the
//! bars only repeat them (and the findings' part of a bar has a glyph of
//! its own, readable without colour).

use super::buckets::between;
use super::count::Counts;
use super::{Grid, Histogram, rows_in};
use crate::tui::app::Loading;
use crate::tui::chain::ChainView;
use crate::tui::context::Ctx;
use crate::tui::theme::Theme;
use ratatui::Frame;
use ratatui::layout::Rect;
use ratatui::text::{Line, Span};
use ratatui::widgets::Paragraph;

/// Width of a bucket's label (`2026-11-01 09:00`).
const LABEL: usize = 16;

/// One bucket's numbers.
#[derive(Debug, Clone, Copy, Default)]
struct Bucket {
    records: u64,
    violations: u64,
    warnings: u64,
}

fn bucket(c: &Counts, g: &Grid, i: u64) -> Bucket {
    let (from, to) = (g.start(i), g.start(i + 1));
    Bucket {
        records: between(&c.times, from, to),
        violations: between(&c.violations, from, to),
        warnings: between(&c.warnings, from, to),
    }
}

/// Draw the histogram `h` of the browsed chain `browsed` into `area` (the
/// body).
pub fn render(f: &mut Frame, area: Rect, h: &Histogram, browsed: &ChainView, ctx: &Ctx) {
    let t = ctx.theme;
    let (kind, filter, current) = h.subject_of(browsed);
    let mut title = format!(" histogram: {} ", kind.file_kind().file_name());
    if let Some(filter) = filter {
        title = format!("{title}· filter {filter} ");
    }
    if !current {
        // The filter or the chain changed since the count.
        title.push_str("· since changed (H H counts again) ");
    }
    let block = t.boxed(Line::raw(title));
    let inner = block.inner(area);
    f.render_widget(block, area);
    let lines = match (&h.counts, super::progress(h)) {
        (_, Some((done, total))) => {
            let spin = ctx.spinner();
            let pct = (done.min(total) * 100).checked_div(total).unwrap_or(0);
            vec![Line::raw(format!(
                "{spin} counting records by time… {pct}%"
            ))]
        }
        (Loading::Failed(e), None) => vec![Line::styled(crate::tui::strings::read_error(e), t.bad)],
        (Loading::Ready(c), None) => body(h, c, ctx, inner),
        (Loading::Pending, None) => Vec::new(),
    };
    let width = usize::from(inner.width);
    let lines: Vec<Line> = lines
        .into_iter()
        .map(|l| crate::tui::fit::line(l, width))
        .collect();
    f.render_widget(Paragraph::new(lines), inner);
}

fn body(h: &Histogram, counts: &Counts, ctx: &Ctx, inner: Rect) -> Vec<Line<'static>> {
    let c = counts;
    let t = ctx.theme;
    let rows = rows_in(ctx.body);
    let mut out = Vec::new();
    let Some(grid) = h.grid(rows) else {
        out.push(Line::raw(format!(
            "no record of {} has a time that can be placed",
            c.total()
        )));
        out.push(unplaced(c, t));
        return out;
    };
    let all: Vec<Bucket> = (0..grid.len).map(|i| bucket(c, &grid, i)).collect();
    let max = all.iter().map(|b| b.records).max().unwrap_or(0).max(1);
    out.push(summary(c, &grid, t));
    out.push(unplaced(c, t));
    let count_w = max.to_string().len();
    // A column for each kind of finding the records have.
    let vio = c.findings_known && !c.violations.is_empty();
    let warn = c.findings_known && !c.warnings.is_empty();
    let fixed = 1 + LABEL + 1 + count_w + 1 + 6 * (usize::from(vio) + usize::from(warn));
    let bar_w = usize::from(inner.width).saturating_sub(fixed + 1).max(1);
    let (first, last) = h.selection();
    let mut top = h.top();
    let shown = rows as u64;
    if h.cursor < top {
        top = h.cursor;
    } else if h.cursor >= top + shown {
        top = h.cursor + 1 - shown;
    }
    for i in top..(top + shown).min(grid.len) {
        let this = all[usize::try_from(i).unwrap_or(0)];
        let gutter = if i == h.cursor {
            "▶"
        } else if h.marking() && (first..=last).contains(&i) {
            "┃"
        } else {
            " "
        };
        let label_style = if (first..=last).contains(&i) {
            t.selected
        } else {
            ratatui::style::Style::new()
        };
        let mut spans = vec![
            Span::raw(gutter),
            Span::styled(
                format!("{:<LABEL$}", grid.step.label(grid.start(i))),
                label_style,
            ),
            Span::raw(format!(" {:>count_w$} ", this.records)),
        ];
        if vio {
            spans.push(flag("✘", this.violations, t.bad));
        }
        if warn {
            spans.push(flag("⚠", this.warnings, t.warn));
        }
        spans.extend(bar(this, max, bar_w, t));
        out.push(Line::from(spans));
    }
    while out.len() < rows + 2 {
        out.push(Line::raw(""));
    }
    out.push(selection(c, &grid, first, last, h.marking()));
    out
}

/// `✘ 12 ` or blanks, six columns.
fn flag(glyph: &str, n: u64, style: ratatui::style::Style) -> Span<'static> {
    if n == 0 {
        Span::raw("      ")
    } else {
        Span::styled(format!("{glyph} {n:<4}"), style)
    }
}

/// The bar: violations `▓`, warnings `▒`, the other records `█`; a bucket
/// with any record gets at least one cell, and so does a finding.
fn bar(b: Bucket, max: u64, width: usize, t: &Theme) -> Vec<Span<'static>> {
    let cells = |n: u64| -> usize {
        if n == 0 {
            0
        } else {
            usize::try_from((n * width as u64).div_ceil(max))
                .unwrap_or(width)
                .max(1)
        }
    };
    let total = cells(b.records).min(width);
    let bad = cells(b.violations).min(total);
    let warn = cells(b.warnings).min(total - bad);
    vec![
        Span::styled("▓".repeat(bad), t.bad),
        Span::styled("▒".repeat(warn), t.warn),
        Span::styled("█".repeat(total - bad - warn), t.ok),
    ]
}

fn summary(c: &Counts, g: &Grid, t: &Theme) -> Line<'static> {
    let mut spans = vec![Span::raw(format!(
        "{} records in {} buckets of {} (UTC)",
        c.times.len(),
        g.len,
        g.step.name()
    ))];
    if c.findings_known {
        spans.push(Span::raw(" · "));
        spans.push(Span::styled(
            format!("✘ {} violated", c.violations.len()),
            t.bad,
        ));
        spans.push(Span::raw(" · "));
        spans.push(Span::styled(
            format!("⚠ {} with warnings", c.warnings.len()),
            t.warn,
        ));
    } else {
        spans.push(Span::styled(" · findings not known yet (verifying)", t.dim));
    }
    Line::from(spans)
}

/// The records not in any bucket, and why.
fn unplaced(c: &Counts, t: &Theme) -> Line<'static> {
    if c.unplaced() == 0 {
        return Line::styled(
            format!("all {} records placed by assessed_at", c.total()),
            t.dim,
        );
    }
    let mut why = Vec::new();
    if c.untimed > 0 {
        why.push(format!("{} with no readable assessed_at", c.untimed));
    }
    if c.unreadable > 0 {
        why.push(format!("{} not a readable descriptor", c.unreadable));
    }
    let mut text = format!(
        "{} of {} records not placed: {}",
        c.unplaced(),
        c.total(),
        why.join(", ")
    );
    if c.unplaced_violations > 0 {
        text = format!("{text}, ✘ {} of them", c.unplaced_violations);
    }
    Line::styled(text, t.warn)
}

/// What `Enter` would filter to.
fn selection(c: &Counts, g: &Grid, first: u64, last: u64, marking: bool) -> Line<'static> {
    let (from, to) = (g.start(first), g.start(last + 1));
    let n = between(&c.times, from, to);
    let v = between(&c.violations, from, to);
    let (since, until) = super::buckets::filter_bounds(g.step, from, to);
    let range = if since == until {
        since
    } else {
        format!("{since} … {until}")
    };
    let what = if marking { "range" } else { "bucket" };
    Line::raw(format!("{what} {range}: {n} records, ✘ {v}"))
}
