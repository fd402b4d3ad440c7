//! Drawing pane 4 from its state.

use super::{MaturityView, areas};
use crate::analysis::maturity::{MaturityReport, ProcessSummary};
use crate::tui::app::Loading;
use crate::tui::chain::visible;
use crate::tui::context::Ctx;
use crate::tui::fit;
use crate::tui::strings::{self, analysis as s};
use crate::tui::theme::Theme;
use ratatui::Frame;
use ratatui::layout::{Alignment, Constraint, Rect};
use ratatui::text::{Line, Span};
use ratatui::widgets::{Cell, Paragraph, Row, Table, TableState, Wrap};

/// Bar glyphs of a trend point, level 0 to 5 (the height says the level;
/// the table heading says so too).
const TREND: [char; 6] = ['▁', '▂', '▃', '▅', '▆', '█'];

/// Draw pane 4 into `area`.
pub fn render(f: &mut Frame, area: Rect, ctx: &Ctx, v: &MaturityView) {
    let t = ctx.theme;
    let waiting = match (ctx.report, &v.report) {
        (_, Loading::Failed(e)) => Some(Line::styled(s::failed(e), t.bad)),
        (Loading::Pending, _) => Some(Line::raw(format!(
            "{} {}",
            ctx.spinner(),
            strings::VERIFYING
        ))),
        (_, Loading::Pending) => Some(Line::raw(format!(
            "{} {}",
            ctx.spinner(),
            s::COMPUTING_MATURITY
        ))),
        (_, Loading::Ready(_)) => None,
    };
    let Some(report) = v.report.ready() else {
        let p = Paragraph::new(waiting.unwrap_or_default()).wrap(Wrap { trim: false });
        f.render_widget(p.block(t.boxed(format!(" {} ", s::MATURITY_TITLE))), area);
        return;
    };
    let [levels_box, scope_box, table_box, issues_box] = areas(area, report.processes.items.len());
    levels(f, levels_box, report, t);
    scope(f, scope_box, report, t);
    table(f, table_box, t, v, report);
    issues(f, issues_box, t, v, report);
}

/// The distribution over levels 0-5 as text bars: the count and percent
/// are written beside each bar, so the bar only repeats them.
fn levels(f: &mut Frame, area: Rect, r: &MaturityReport, t: &Theme) {
    let d = &r.distribution;
    let block = t.boxed(fit::title(
        &s::levels_title(d.verified, d.average_level),
        area,
    ));
    let inner = block.inner(area);
    let max = d.levels.iter().map(|l| l.count).max().unwrap_or(0).max(1);
    let tail = |count: u64, percent: f64| format!(" {count} {percent:.1}%");
    // "5 Innovating " + bar + " 100 100.0%": the bar gets what the widest
    // count and percent leave.
    let tail_w = d
        .levels
        .iter()
        .map(|l| fit::width(&tail(l.count, l.percent)))
        .max()
        .unwrap_or(0)
        .max(12);
    let bar_room = usize::from(inner.width).saturating_sub(14 + tail_w).max(1) as u64;
    let room = usize::from(inner.width);
    let lines: Vec<Line> = d
        .levels
        .iter()
        .map(|l| {
            let name = usize::try_from(l.level)
                .ok()
                .and_then(|i| s::LEVEL_NAMES.get(i))
                .copied()
                .unwrap_or("?");
            let len = usize::try_from((l.count * bar_room).div_ceil(max)).unwrap_or(0);
            let len = if l.count == 0 { 0 } else { len.max(1) };
            fit::line(
                Line::from(vec![
                    Span::raw(format!("{} {name:<11} ", l.level)),
                    Span::styled("█".repeat(len), t.header),
                    Span::raw(tail(l.count, l.percent)),
                ]),
                room,
            )
        })
        .collect();
    f.render_widget(Paragraph::new(lines).block(block), area);
}

/// What was counted, what was excluded and why, the evidence overall, and
/// what the legacy hash does not protect.
fn scope(f: &mut Frame, area: Rect, r: &MaturityReport, t: &Theme) {
    let rc = &r.scope.records;
    let excluded_style = if rc.excluded > 0 { t.bad } else { t.ok };
    let mut lines = vec![Line::from(vec![
        Span::raw(format!("{} read · ", rc.read)),
        Span::styled(format!("{} {} counted", strings::SYM_OK, rc.verified), t.ok),
        Span::raw(" · "),
        Span::styled(
            format!(
                "{} {} excluded",
                if rc.excluded > 0 {
                    strings::SYM_BAD
                } else {
                    strings::SYM_OK
                },
                rc.excluded
            ),
            excluded_style,
        ),
    ])];
    let shown = usize::from(area.height.saturating_sub(6)).max(1);
    for e in r.scope.exclusions.first.iter().take(shown) {
        lines.push(Line::styled(
            s::excluded_line(e.line, &visible(&e.reason)),
            t.bad,
        ));
    }
    if rc.excluded as usize > shown {
        let kinds: Vec<String> = r
            .scope
            .exclusions
            .by_kind
            .items
            .iter()
            .map(|k| format!("{} {}", k.name, k.count))
            .collect();
        lines.push(Line::styled(
            s::more_excluded(rc.excluded as usize - shown, &kinds),
            t.bad,
        ));
    }
    let ev = &r.evidence.overall;
    lines.push(Line::raw(s::evidence_line(
        ev.provided,
        ev.required,
        ev.percent,
    )));
    lines.push(Line::raw(s::inconsistencies_line(r.inconsistencies.total)));
    let unprotected = &r.scope.field_protection.unprotected;
    if unprotected.is_empty() {
        lines.push(Line::raw(s::EVERY_BYTE_HASHED));
    } else {
        lines.push(Line::styled(s::unprotected(unprotected), t.warn));
    }
    let p = Paragraph::new(lines).wrap(Wrap { trim: false });
    f.render_widget(p.block(t.boxed(format!(" {} ", s::SCOPE_TITLE))), area);
}

fn trend(p: &ProcessSummary, room: usize) -> String {
    let pts = &p.trend.points;
    let skip = pts.len().saturating_sub(room);
    pts[skip..]
        .iter()
        .map(|x| {
            usize::try_from(x.level)
                .ok()
                .and_then(|l| TREND.get(l))
                .copied()
                .unwrap_or('?')
        })
        .collect()
}

fn table(f: &mut Frame, area: Rect, t: &Theme, v: &MaturityView, r: &MaturityReport) {
    // The count column widens to the largest count.
    let n_w = r
        .processes
        .items
        .iter()
        .map(|p| fit::width(&p.assessments.to_string()))
        .max()
        .map_or(4, |w| u16::try_from(w).unwrap_or(u16::MAX).max(4));
    let widths = [
        Constraint::Length(20),
        Constraint::Length(n_w),
        Constraint::Length(6),
        Constraint::Length(5),
        Constraint::Length(7),
        Constraint::Fill(1),
    ];
    // What each column really gets inside the border, after the selection
    // column: every value is fitted to it.
    let cols: Vec<usize> = fit::widths(&widths, area.width.saturating_sub(2), 1)
        .into_iter()
        .map(usize::from)
        .collect();
    let room = cols[5].max(1);
    let header = Row::new([
        "process",
        "n",
        "latest",
        "score",
        "evid %",
        s::TREND_HEADING,
    ])
    .style(t.header);
    let right = |x: String, col: usize| {
        Cell::from(Line::from(fit::number(&x, cols[col])).alignment(Alignment::Right))
    };
    let rows = r.processes.items.iter().skip(v.top).map(|p| {
        let latest = p
            .latest
            .as_ref()
            .map_or_else(|| "—".to_owned(), |a| format!("L{}", a.level));
        Row::new(vec![
            Cell::from(fit::text(&visible(&p.process), cols[0])),
            right(p.assessments.to_string(), 1),
            right(latest, 2),
            right(
                p.mean_compliance_score
                    .map_or_else(|| "—".to_owned(), |m| format!("{m:.2}")),
                3,
            ),
            right(
                p.evidence
                    .percent
                    .map_or_else(|| "—".to_owned(), |x| format!("{x:.1}")),
                4,
            ),
            Cell::from(trend(p, room)),
        ])
    });
    let mut title = s::processes_title(r.processes.items.len(), r.processes.untracked_records);
    if r.processes.items.is_empty() {
        title = format!(" {} ", s::NO_PROCESS);
    }
    let table = Table::new(rows, widths)
        .header(header)
        .block(t.boxed(fit::title(&title, area)));
    let table = t.selectable(table);
    let mut state = TableState::default().with_selected(v.selected.checked_sub(v.top));
    f.render_stateful_widget(table, area, &mut state);
}

/// Totals per rule, then the selected process's inconsistencies, each with
/// what the rule expects and what the record holds.
fn issues(f: &mut Frame, area: Rect, t: &Theme, view: &MaturityView, r: &MaturityReport) {
    let inc = &r.inconsistencies;
    let counts: Vec<String> = inc
        .kinds
        .iter()
        .filter(|k| k.count > 0)
        .map(|k| format!("{} {}", k.kind.name(), k.count))
        .collect();
    let mut lines = vec![Line::raw(if counts.is_empty() {
        format!("{} {}", strings::SYM_OK, s::NO_INCONSISTENCIES)
    } else {
        counts.join(" · ")
    })];
    let process = r.processes.items.get(view.selected);
    if let Some(p) = process {
        let mine: Vec<_> = inc
            .kinds
            .iter()
            .flat_map(|k| k.shown.iter())
            .filter(|i| i.process == p.process)
            .collect();
        if mine.is_empty() {
            lines.push(Line::styled(s::process_clean(&visible(&p.process)), t.ok));
        }
        for i in mine {
            lines.push(Line::from(vec![
                Span::styled(
                    format!("{} line {} {}: ", strings::SYM_WARN, i.line, i.kind.name()),
                    t.warn,
                ),
                Span::styled("expected ", t.dim),
                Span::raw(visible(&i.expected)),
                Span::styled("; found ", t.dim),
                Span::raw(visible(&i.found)),
            ]));
        }
    }
    let title = s::issues_title(inc.total, process.map(|p| visible(&p.process)));
    let p = Paragraph::new(lines).wrap(Wrap { trim: false });
    f.render_widget(p.block(t.boxed(fit::title(&title, area))), area);
}
