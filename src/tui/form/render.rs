//! Drawing the entry form: the fields with their messages, the last
//! refusal, and the preview of the exact line. Reads the state only.

use super::{EntryForm, FIELDS, Kind, Stage, list_values};
use crate::tui::strings;
use crate::tui::theme::Theme;
use ratatui::Frame;
use ratatui::layout::{Constraint, Layout, Rect};
use ratatui::style::Style;
use ratatui::text::Line;
use ratatui::widgets::{Block, Borders, Clear, Paragraph, Wrap};

/// Width of the label column (the longest key and a marker).
const LABEL_W: u16 = 21;
/// Rows a focused list field may grow to.
const LIST_ROWS: u16 = 3;

/// Draw `form` over `area` (the body); `spin` animates work under way.
pub fn render(f: &mut Frame, area: Rect, form: &EntryForm, theme: &Theme, spin: &str) {
    f.render_widget(Clear, area);
    let block = Block::new()
        .borders(Borders::ALL)
        .border_style(theme.border)
        .title(format!(
            " {} ",
            strings::form_title(form.focus + 1, FIELDS.len())
        ));
    let inner = block.inner(area);
    f.render_widget(block, area);

    let bottom = match &form.stage {
        // As many rows as the wrapped line needs (with its heading, keys
        // and rule), leaving the fields at least three.
        Stage::Previewing { preview, .. } | Stage::Appending { preview } => {
            let width = usize::from(inner.width.max(1));
            let needed = preview.line().chars().count().div_ceil(width) + 5;
            (needed as u16).min(inner.height.saturating_sub(3))
        }
        Stage::Editing => form.refusal.as_ref().map_or(1, |r| {
            (r.details.len() as u16 + 2).min(inner.height / 3).max(2)
        }),
        Stage::Building { .. } => 2,
    };
    let [fields_area, bottom_area] =
        Layout::vertical([Constraint::Min(3), Constraint::Length(bottom)]).areas(inner);
    draw_fields(f, fields_area, form, theme);
    match &form.stage {
        Stage::Previewing { preview, .. } => {
            let keys = Line::styled(strings::FORM_CONFIRM_KEYS, theme.warn);
            draw_preview(f, bottom_area, preview, theme, keys);
        }
        Stage::Appending { preview } => {
            let doing = Line::styled(format!("{spin} {}", strings::FORM_APPENDING), theme.header);
            draw_preview(f, bottom_area, preview, theme, doing);
        }
        Stage::Building { .. } => {
            let block = Block::new()
                .borders(Borders::TOP)
                .border_style(theme.border);
            let doing = Line::styled(format!("{spin} {}", strings::FORM_BUILDING), theme.header);
            f.render_widget(Paragraph::new(doing).block(block), bottom_area);
        }
        Stage::Editing => draw_refusal_or_keys(f, bottom_area, form, theme),
    }
}

/// Rows `msg` takes wrapped at `width` (as the paragraph wraps it, near enough).
fn msg_rows(msg: Option<&String>, width: u16) -> u16 {
    msg.map_or(0, |m| {
        let chars = m.chars().count() + 2;
        (chars.div_ceil(usize::from(width.max(1))) as u16).clamp(1, 3)
    })
}

/// One field's rows: its value (more when a focused list), then its message.
fn rows_of(form: &EntryForm, i: usize, width: u16) -> u16 {
    let editing = matches!(form.stage, Stage::Editing);
    let value = if i == form.focus && editing && FIELDS[i].kind == Kind::List {
        (form.editors[i].lines().len() as u16).clamp(1, LIST_ROWS)
    } else {
        1
    };
    value + msg_rows(form.error(i).as_ref(), width)
}

fn draw_fields(f: &mut Frame, area: Rect, form: &EntryForm, theme: &Theme) {
    let value_w = area.width.saturating_sub(LABEL_W);
    let heights: Vec<u16> = (0..FIELDS.len())
        .map(|i| rows_of(form, i, value_w))
        .collect();
    // Scroll just enough for the focused field to be wholly on screen.
    let focus_end: u16 = heights[..=form.focus].iter().sum();
    let mut skip = focus_end.saturating_sub(area.height);
    let mut y = area.y;
    let editing = matches!(form.stage, Stage::Editing);
    for (i, spec) in FIELDS.iter().enumerate() {
        let h = heights[i];
        if skip >= h {
            skip -= h;
            continue;
        }
        // A field partly scrolled off the top is not drawn at all.
        if skip > 0 {
            y += h - skip;
            skip = 0;
            continue;
        }
        if y + h > area.y + area.height {
            break;
        }
        let focused = i == form.focus && editing;
        let error = form.error(i);
        let value_h = h - msg_rows(error.as_ref(), value_w);
        let marker = if focused { ">" } else { " " };
        let required = if spec.required { "*" } else { " " };
        let label_style = if focused { theme.header } else { Style::new() };
        f.render_widget(
            Paragraph::new(Line::styled(
                format!("{marker}{required}{}", spec.key),
                label_style,
            )),
            Rect::new(area.x, y, LABEL_W.min(area.width), 1),
        );
        let value_area = Rect::new(
            area.x + LABEL_W,
            y,
            area.width.saturating_sub(LABEL_W),
            value_h,
        );
        let editor = &form.editors[i];
        if focused {
            f.render_widget(editor, value_area);
        } else {
            let text = editor.lines().join("\n");
            let shown = if spec.kind == Kind::List {
                list_values(&text).join(", ")
            } else {
                text
            };
            let line = if shown.trim().is_empty() {
                Line::styled(super::placeholder(spec), theme.dim)
            } else {
                Line::raw(crate::tui::chain::visible(&shown))
            };
            f.render_widget(Paragraph::new(line), value_area);
        }
        if let Some(msg) = error {
            f.render_widget(
                Paragraph::new(Line::styled(
                    format!("{} {msg}", strings::SYM_BAD),
                    theme.bad,
                ))
                .wrap(Wrap { trim: true }),
                Rect::new(area.x + LABEL_W, y + value_h, value_w, h - value_h),
            );
        }
        y += h;
    }
}

fn draw_refusal_or_keys(f: &mut Frame, area: Rect, form: &EntryForm, theme: &Theme) {
    let Some(r) = &form.refusal else {
        f.render_widget(
            Paragraph::new(Line::styled(strings::FORM_KEYS, theme.dim)),
            area,
        );
        return;
    };
    let mut lines = vec![Line::styled(r.title.as_str(), theme.bad)];
    lines.extend(r.details.iter().map(|d| Line::raw(d.as_str())));
    let block = Block::new()
        .borders(Borders::TOP)
        .border_style(theme.border)
        .title(format!(" {} ", strings::FORM_REFUSAL_TITLE));
    f.render_widget(
        Paragraph::new(lines)
            .block(block)
            .wrap(Wrap { trim: false }),
        area,
    );
}

/// The preview of the exact line, with `last` under it (the keys, or what
/// is being done with it).
fn draw_preview(f: &mut Frame, area: Rect, p: &super::FormPreview, theme: &Theme, last: Line<'_>) {
    let (file, line, seq, hash, covers) = p.heading();
    let head = strings::preview_heading(&file, line, seq, covers);
    let hash = format!("hash {hash}");
    let block = Block::new()
        .borders(Borders::TOP)
        .border_style(theme.border)
        .title(format!(" {} ", strings::FORM_PREVIEW_TITLE));
    let inner = block.inner(area);
    f.render_widget(block, area);
    let [head_area, line_area, keys_area] = Layout::vertical([
        Constraint::Length(2),
        Constraint::Min(1),
        Constraint::Length(1),
    ])
    .areas(inner);
    f.render_widget(
        Paragraph::new(vec![
            Line::styled(head, theme.header),
            Line::styled(hash, theme.header),
        ]),
        head_area,
    );
    f.render_widget(
        Paragraph::new(crate::tui::chain::visible(p.line())).wrap(Wrap { trim: false }),
        line_area,
    );
    f.render_widget(Paragraph::new(last), keys_area);
}
