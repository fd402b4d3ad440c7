//! Pane 2, integrity: one row per file (verdict, records, tamper-evidence
//! level, coverage), every finding of the ledger, and the selected finding
//! in full. Findings stay listed for as long as the ledger is open: a
//! violation is never hidden by time or by scrolling elsewhere.

use crate::ledger::model::finding::Finding;
use crate::ledger::model::report::{FileReport, FileStatus, VerifyReport};
use crate::tui::app::Loading;
use crate::tui::chain::visible;
use crate::tui::context::Ctx;
use crate::tui::fit;
use crate::tui::layout;
use crate::tui::strings;
use crate::tui::theme::Theme;

pub mod native;
mod state;

use ratatui::Frame;
use ratatui::layout::{Alignment, Constraint, Rect};
use ratatui::style::Style;
use ratatui::text::{Line, Span};
use ratatui::widgets::{Cell, Paragraph, Row, Table, TableState, Wrap};
pub use state::{IntegrityView, file_rows, findings_area, findings_rows};

/// Draw the integrity pane into `area`.
pub fn render(f: &mut Frame, area: Rect, ctx: &Ctx, view: &IntegrityView) {
    let t = ctx.theme;
    let [files_box, findings_box, selected_box] = layout::integrity(area, file_rows(ctx));
    let boxed = |title: String| t.boxed(title);
    match (ctx.discovery, ctx.report) {
        (Loading::Failed(e), _) | (_, Loading::Failed(e)) => {
            let p = Paragraph::new(Line::styled(strings::ledger_unopenable(e), t.bad))
                .wrap(Wrap { trim: false })
                .block(boxed(" Files ".to_owned()));
            f.render_widget(p, area);
        }
        (_, Loading::Pending) => {
            let block = boxed(" Files ".to_owned());
            let inner = block.inner(area);
            f.render_widget(block, area);
            progress(f, inner, ctx);
        }
        (_, Loading::Ready(r)) => {
            let block = boxed(fit::title(&format!(" Files ({}) ", r.format), files_box));
            let width = block.inner(files_box).width;
            let table = if r.has_checkpoints() {
                native::files_table(r, t, width, |f| file_status(f, t))
            } else {
                files_table(r, t, width)
            };
            f.render_widget(table.block(block), files_box);
            findings(f, findings_box, t, view, r);
            selected(f, selected_box, t, view, r);
        }
    }
}

/// Cells of a file's progress bar.
const BAR: usize = 20;

/// While verifying: how far, overall and per file (a word and a number on
/// each row, the bar beside them: readable without colour).
fn progress(f: &mut Frame, area: Rect, ctx: &Ctx) {
    let spin = ctx.spinner();
    let Some(p) = ctx.verify_progress else {
        f.render_widget(
            Paragraph::new(format!("{spin} {}", strings::VERIFYING)),
            area,
        );
        return;
    };
    let files = p.snapshot();
    let (done, total) = crate::ledger::io::progress::sum(&files);
    let mut rows = vec![Line::raw(format!(
        "{spin} {}",
        strings::verifying_read(done, total)
    ))];
    let name_w = files
        .iter()
        .map(|f| file_name(&f.path).chars().count())
        .max()
        .unwrap_or(0);
    for file in &files {
        let pct = strings::percent(file.done, file.total);
        let filled = usize::try_from(pct).unwrap_or(0) * BAR / 100;
        let bar = format!("{}{}", "█".repeat(filled), "░".repeat(BAR - filled));
        rows.push(Line::from(vec![
            Span::raw(format!("  {:<name_w$}  ", file_name(&file.path))),
            Span::styled(bar, ctx.theme.header),
            Span::raw(format!(" {pct:>3}%  {}", strings::size(file.total))),
        ]));
    }
    let room = usize::from(area.width);
    let rows: Vec<Line> = rows.into_iter().map(|l| fit::line(l, room)).collect();
    f.render_widget(Paragraph::new(rows), area);
}

fn file_name(path: &std::path::Path) -> String {
    path.file_name().map_or_else(
        || path.display().to_string(),
        |n| n.to_string_lossy().into_owned(),
    )
}

/// Width of the files tables' name column: the longest name of a file
/// found or missing.
pub fn name_width(r: &VerifyReport) -> u16 {
    r.files
        .iter()
        .map(|f| f.name.len())
        .chain(r.missing.iter().map(|m| m.name.len()))
        .max()
        .unwrap_or(4) as u16
}

fn files_table<'a>(r: &'a VerifyReport, t: &Theme, width: u16) -> Table<'a> {
    let name_w = name_width(r);
    // The records column widens to its largest count.
    let records_w = r
        .files
        .iter()
        .map(|f| fit::width(&f.records.to_string()))
        .max()
        .map_or(9, |w| u16::try_from(w).unwrap_or(u16::MAX).max(9));
    let header = Row::new([
        "",
        "file",
        "records",
        "status",
        "tamper evidence",
        "coverage",
    ])
    .style(t.header);
    let widths = [
        Constraint::Length(1),
        Constraint::Length(name_w),
        Constraint::Length(records_w),
        Constraint::Length(10),
        Constraint::Length(17),
        Constraint::Fill(1),
    ];
    // What each column really gets: every value is fitted to it.
    let room: Vec<usize> = fit::widths(&widths, width, 0)
        .into_iter()
        .map(usize::from)
        .collect();
    let mut rows: Vec<Row> = r.files.iter().map(|f| file_row(f, t, &room)).collect();
    rows.extend(r.missing.iter().map(|m| {
        // A file the others prove existed is a violation (MISSING_FILE).
        let (sym, word, style) = if m.required {
            (strings::SYM_BAD, strings::FILE_REQUIRED_MISSING, t.bad)
        } else {
            (strings::SYM_WARN, strings::FILE_MISSING, t.warn)
        };
        Row::new(vec![
            Cell::from(Span::styled(sym, style)),
            Cell::from(fit::text(m.name, room[1])),
            Cell::from(Line::from("-").alignment(Alignment::Right)),
            Cell::from(Span::styled(fit::text(word, room[3]), style)),
            Cell::from("-"),
            Cell::from(fit::text(&format!("expected at {}", m.path), room[5])),
        ])
    }));
    Table::new(rows, widths).header(header)
}

/// A file's symbol, status word and style.
fn file_status(f: &FileReport, t: &Theme) -> (&'static str, &'static str, Style) {
    match f.status {
        FileStatus::Verified if f.warnings() > 0 => (strings::SYM_WARN, "warnings", t.warn),
        FileStatus::Verified => (strings::SYM_OK, "verified", t.ok),
        FileStatus::Violated => (strings::SYM_BAD, "violated", t.bad),
        FileStatus::Unchained => (strings::SYM_WARN, "unchained", t.warn),
        // Not read is not tampered: the verdict is incomplete, not violated.
        FileStatus::Unreadable => (strings::SYM_WARN, "unreadable", t.warn),
    }
}

fn file_row<'a>(f: &'a FileReport, t: &Theme, room: &[usize]) -> Row<'a> {
    let (sym, word, style) = file_status(f, t);
    let evidence = if f.coverage.hash_chained {
        "legacy hash chain"
    } else {
        "unchained"
    };
    let records = fit::number(&f.records.to_string(), room[2]);
    Row::new(vec![
        Cell::from(Span::styled(sym, style)),
        Cell::from(fit::text(f.name, room[1])),
        Cell::from(Line::from(records).alignment(Alignment::Right)),
        Cell::from(Span::styled(fit::text(word, room[3]), style)),
        Cell::from(fit::text(evidence, room[4])),
        Cell::from(fit::text(f.coverage.summary, room[5])),
    ])
}

fn findings(
    frame: &mut Frame,
    area: Rect,
    theme: &Theme,
    view: &IntegrityView,
    report: &VerifyReport,
) {
    let (violations, warnings) = report.files.iter().fold((0, 0), |(v, w), file| {
        (v + file.violations(), w + file.warnings())
    });
    let block = theme.boxed(fit::title(
        &format!(" {} ", strings::findings_title(violations, warnings)),
        area,
    ));
    if view.findings().is_empty() {
        let line = Line::styled(
            format!("{} {}", strings::SYM_OK, strings::NO_FINDINGS),
            theme.ok,
        );
        frame.render_widget(Paragraph::new(line).block(block), area);
        return;
    }
    let rows = layout::boxed_rows(area);
    let at = |f: &Finding| {
        f.line
            .map_or_else(|| "file".to_owned(), |l| format!("line {l}"))
    };
    // Wide enough for every file, line and kind listed
    // (`descriptors_checkpoints`, `line 1234567`, `CHECKPOINT_MISMATCH`),
    // never narrower than the legacy names need.
    let (file_w, at_w, kind_w) = view
        .findings()
        .iter()
        .map(|&(fi, i)| {
            let file = &report.files[fi];
            let finding = &file.findings[i];
            (
                file.name.len(),
                at(finding).len(),
                finding.kind.name().len(),
            )
        })
        .fold((18, 10, 17), |(fw, aw, kw), (f, a, k)| {
            (fw.max(f), aw.max(a), kw.max(k))
        });
    let widths = [
        Constraint::Length(1),
        Constraint::Length(file_w as u16),
        Constraint::Length(at_w as u16),
        Constraint::Length(kind_w as u16),
        Constraint::Fill(1),
    ];
    // What each column really gets inside the border, after the selection
    // column: every value is fitted to it.
    let room: Vec<usize> = fit::widths(&widths, area.width.saturating_sub(2), 1)
        .into_iter()
        .map(usize::from)
        .collect();
    let shown = view
        .findings()
        .iter()
        .skip(view.top())
        .take(rows)
        .map(|&(fi, i)| {
            let file = &report.files[fi];
            let finding = &file.findings[i];
            let (sym, style) = severity(finding, theme);
            Row::new(vec![
                Cell::from(Span::styled(sym, style)),
                Cell::from(fit::text(file.name, room[1])),
                Cell::from(
                    Line::from(fit::text(&at(finding), room[2])).alignment(Alignment::Right),
                ),
                Cell::from(Span::styled(fit::text(finding.kind.name(), room[3]), style)),
                Cell::from(fit::text(&visible(&finding.detail), room[4])),
            ])
        });
    let table = Table::new(shown, widths).block(block);
    let table = theme.selectable(table);
    let mut state = TableState::default().with_selected(view.selected().checked_sub(view.top()));
    frame.render_stateful_widget(table, area, &mut state);
}

/// The selected finding in full: expected, found, what it means. With no
/// finding, what a clean result does not vouch for.
fn selected(
    frame: &mut Frame,
    area: Rect,
    theme: &Theme,
    view: &IntegrityView,
    report: &VerifyReport,
) {
    let boxed = |title: &str| theme.boxed(format!(" {title} "));
    let Some((fi, i)) = view.selected_finding() else {
        let gaps: Vec<Line> = report
            .files
            .iter()
            .flat_map(|file| {
                file.coverage
                    .not_checked
                    .iter()
                    .map(move |gap| (file.name, *gap))
            })
            .map(|(name, gap)| {
                Line::from(vec![
                    Span::styled(format!("{name}: "), theme.dim),
                    Span::raw(gap),
                ])
            })
            .collect();
        let text = Paragraph::new(gaps).wrap(Wrap { trim: false });
        frame.render_widget(text.block(boxed(strings::NOT_COVERED)), area);
        return;
    };
    let file = &report.files[fi];
    let finding = &file.findings[i];
    let (sym, style) = severity(finding, theme);
    let at = finding
        .line
        .map_or_else(|| "whole file".to_owned(), |l| format!("line {l}"));
    let record = finding
        .record_id
        .as_deref()
        .map_or_else(String::new, |id| format!(", record {}", visible(id)));
    let related = finding.related.as_ref().map_or_else(String::new, |x| {
        format!(
            ", implicates {} lines {}-{}",
            x.file, x.first_line, x.last_line
        )
    });
    let mut lines = vec![Line::from(vec![
        Span::styled(
            format!("{sym} {} ({})", finding.kind, finding.severity),
            style,
        ),
        Span::raw(format!(" {} {at}{record}{related}", file.name)),
    ])];
    let pair = |label: &str, value: Option<&String>| {
        value.map(|v| {
            Line::from(vec![
                Span::styled(format!("{label} "), theme.dim),
                Span::raw(visible(v)),
            ])
        })
    };
    lines.extend(pair("expected", finding.expected.as_ref()));
    lines.extend(pair("found   ", finding.found.as_ref()));
    lines.push(Line::raw(visible(&finding.detail)));
    let text = Paragraph::new(lines).wrap(Wrap { trim: false });
    frame.render_widget(text.block(boxed(strings::SELECTED_FINDING)), area);
}

fn severity(f: &Finding, t: &Theme) -> (&'static str, Style) {
    if f.is_violation() {
        (strings::SYM_BAD, t.bad)
    } else {
        (strings::SYM_WARN, t.warn)
    }
}
