//! Drawing pane 5 from its state.

use super::{AuditView, Target, areas};
use crate::tui::app::Loading;
use crate::tui::chain::{ChainKind, Source};
use crate::tui::context::Ctx;
use crate::tui::fit;
use crate::tui::strings::{self, analysis as s};
use ratatui::Frame;
use ratatui::layout::Rect;
use ratatui::text::Line;
use ratatui::widgets::{Paragraph, Wrap};

/// Draw pane 5 into `area`.
pub fn render(f: &mut Frame, area: Rect, ctx: &Ctx, v: &AuditView) {
    let t = ctx.theme;
    let boxed = |title: String| t.boxed(title);
    let Some(doc) = v.doc(ctx) else {
        let spin = ctx.spinner();
        let chain = ctx
            .chains
            .iter()
            .find(|c| {
                matches!(
                    c.kind,
                    ChainKind::Descriptors | ChainKind::NativeDescriptors
                )
            })
            .map(|c| &c.source);
        let text = match (ctx.report, chain) {
            (Loading::Failed(e), _) => Line::styled(strings::ledger_unopenable(e), t.bad),
            (_, None) if ctx.framed() => Line::raw(s::NATIVE_AUDIT),
            (_, Some(Source::Absent)) => Line::raw(s::NO_DESCRIPTORS),
            (Loading::Pending, _) => Line::raw(format!("{spin} {}", strings::VERIFYING)),
            _ => Line::raw(format!("{spin} {}", s::COMPUTING_TRAIL)),
        };
        let p = Paragraph::new(text).wrap(Wrap { trim: false });
        f.render_widget(p.block(boxed(format!(" {} ", s::AUDIT_TITLE))), area);
        return;
    };
    let Some(state) = v.current() else {
        return;
    };
    let [header_box, doc_box] = areas(area, super::wrapped_rows(&doc.header, area.width));
    let title = match &state.target {
        Target::Descriptor { line, .. } => s::trail_title(*line),
        Target::Manifest { line } => s::manifest_title(*line),
    };
    let depth = v.history().len();
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
