//! The selected pulse's box of pane 3: its id, ΔAT, run segment, and every
//! anomaly on its line with expected vs found.

use super::TimeView;
use super::common::{glyph_findings, segment_of, segments};
use crate::ledger::model::finding::Finding;
use crate::ledger::model::segments::SegmentStart;
use crate::tui::chain::visible;
use crate::tui::context::Ctx;
use crate::tui::strings::{self, analysis as s};
use crate::tui::theme::Theme;
use ratatui::Frame;
use ratatui::layout::Rect;
use ratatui::text::{Line, Span};
use ratatui::widgets::{Paragraph, Wrap};

fn start_text(start: SegmentStart) -> String {
    match start {
        SegmentStart::FirstPulse => s::RUN_FIRST.to_owned(),
        SegmentStart::KnownStart { counter_reset, .. } => s::run_known(counter_reset),
        SegmentStart::CounterReset => s::RUN_UNLOGGED.to_owned(),
        SegmentStart::Reboot => s::RUN_REBOOT.to_owned(),
        SegmentStart::AfterMigration => s::RUN_AFTER_MIGRATION.to_owned(),
    }
}

/// The pulse under the cursor: id, run, ΔAT, and each anomaly on its line
/// with expected vs found.
pub fn render(f: &mut Frame, area: Rect, ctx: &Ctx, v: &TimeView) {
    let t = ctx.theme;
    let line = v.cursor + 1;
    let report = ctx.report();
    let row = v.rows.iter().find(|r| r.line == line);
    let mut lines = Vec::new();
    let mut head = vec![Span::styled(format!("line {line} "), t.header)];
    if let Some(Ok(c)) = row.map(|r| &r.cells) {
        head.push(Span::raw(format!("pulse {} ", c.pulse_id)));
        if let Some(x) = c.scales {
            let known = if x.delta_at_known {
                ""
            } else {
                s::DELTA_AT_ASSUMED
            };
            head.push(Span::styled(
                format!("ΔAT {} s{known}", x.delta_at_s),
                t.dim,
            ));
        }
    }
    lines.push(Line::from(head));
    if let Some((i, seg)) = segment_of(ctx, v, line) {
        lines.push(Line::styled(
            s::run_line(i + 1, segments(ctx, v).len(), seg, &start_text(seg.start)),
            t.dim,
        ));
    }
    let Some(report) = report else {
        lines.push(Line::raw(format!(
            "{} {}",
            ctx.spinner(),
            strings::VERIFYING
        )));
        return draw_selected(f, area, t, lines);
    };
    let here: Vec<&Finding> = glyph_findings(v, report)
        .filter(|x| x.line == Some(line))
        .collect();
    if here.is_empty() {
        let total = glyph_findings(v, report).count();
        lines.push(Line::styled(s::no_anomaly_here(total), t.ok));
    }
    // Expected vs found of every anomaly first, what each means after:
    // on a small screen the comparison is what must show.
    for x in &here {
        let (sym, style) = if x.is_violation() {
            (strings::SYM_BAD, t.bad)
        } else {
            (strings::SYM_WARN, t.warn)
        };
        let mut spans = vec![Span::styled(format!("{sym} {}", x.kind), style)];
        if let Some(e) = &x.expected {
            spans.push(Span::styled(" expected ", t.dim));
            spans.push(Span::raw(visible(e)));
        }
        if let Some(found) = &x.found {
            spans.push(Span::styled("; found ", t.dim));
            spans.push(Span::raw(visible(found)));
        }
        lines.push(Line::from(spans));
    }
    for x in &here {
        lines.push(Line::styled(
            format!("{}: {}", x.kind, visible(&x.detail)),
            t.dim,
        ));
    }
    draw_selected(f, area, t, lines);
}

fn draw_selected(f: &mut Frame, area: Rect, t: &Theme, lines: Vec<Line>) {
    let p = Paragraph::new(lines).wrap(Wrap { trim: false });
    f.render_widget(p.block(t.boxed(format!(" {} ", s::SELECTED_PULSE))), area);
}
