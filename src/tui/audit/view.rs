//! Drawing pane 5 from its state.

use super::{Target, areas, current_doc};
use crate::tui::app::{App, Loading};
use crate::tui::chain::{ChainKind, Source};
use crate::tui::fit;
use crate::tui::strings::{self, analysis as s};
use ratatui::Frame;
use ratatui::layout::Rect;
use ratatui::text::Line;
use ratatui::widgets::{Block, Borders, Paragraph, Wrap};

/// Draw pane 5 into `area`.
pub fn render(f: &mut Frame, area: Rect, app: &App) {
    let t = &app.theme;
    let boxed = |title: String| {
        Block::new()
            .borders(Borders::ALL)
            .border_style(t.border)
            .title(title)
    };
    let Some(doc) = current_doc(app) else {
        let spin = strings::SPINNER[(app.tick % 4) as usize];
        let chain = app
            .chains
            .iter()
            .find(|c| {
                matches!(
                    c.kind,
                    ChainKind::Descriptors | ChainKind::NativeDescriptors
                )
            })
            .map(|c| &c.source);
        let text = match (&app.report, chain) {
            (Loading::Failed(e), _) => Line::styled(strings::ledger_unopenable(e), t.bad),
            (_, None) if app.format().native() => Line::raw(s::NATIVE_AUDIT),
            (_, Some(Source::Absent)) => Line::raw(s::NO_DESCRIPTORS),
            (Loading::Pending, _) => Line::raw(format!("{spin} {}", strings::VERIFYING)),
            _ => Line::raw(format!("{spin} {}", s::COMPUTING_TRAIL)),
        };
        let p = Paragraph::new(text).wrap(Wrap { trim: false });
        f.render_widget(p.block(boxed(format!(" {} ", s::AUDIT_TITLE))), area);
        return;
    };
    let Some(state) = app.panes.audit.current.as_ref() else {
        return;
    };
    let [header_box, doc_box] = areas(area, super::wrapped_rows(&doc.header, area.width));
    let title = match &state.target {
        Target::Descriptor { line, .. } => s::trail_title(*line),
        Target::Manifest { line } => s::manifest_title(*line),
    };
    let depth = app.panes.audit.history.len();
    let header = Paragraph::new(doc.header.clone()).wrap(Wrap { trim: false });
    f.render_widget(
        header.block(boxed(fit::title(&title, header_box))),
        header_box,
    );
    let mut lines = doc.lines.clone();
    if let Some((row, _)) = doc.links.get(state.link) {
        // The selected link: marked by a symbol and reverse video.
        if let Some(l) = lines.get_mut(*row) {
            let mut marked = l.clone().patch_style(t.selected);
            if let Some(first) = marked.spans.first_mut() {
                first.content = first.content.replacen("  →", "> →", 1).into();
            }
            *l = marked;
        }
    }
    // A link row longer than the box ends in `…`, never in a cut id.
    let room = usize::from(doc_box.width.saturating_sub(2));
    let lines: Vec<Line> = lines.into_iter().map(|l| fit::line(l, room)).collect();
    let body = Paragraph::new(lines).scroll((u16::try_from(state.scroll).unwrap_or(u16::MAX), 0));
    f.render_widget(body.block(boxed(s::doc_title(depth))), doc_box);
}
