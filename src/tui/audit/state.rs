//! Pane 5's own state and what its keys do: the page shown, the pages left
//! by following links, and where the reader is on each.

use super::{AuditPage, AuditState, Doc, ID_LINE_MAX, Link, Target, areas, doc, wrapped_rows};
use crate::tui::app::{Level, Loading, Pane};
use crate::tui::chain::ChainKind;
use crate::tui::context::Ctx;
use crate::tui::panes::{Job, Work};
use crate::tui::queue::{Internal, Queue};
use crate::tui::strings::analysis as s;
use serde_json::Value;
use std::sync::Arc;

/// Pane 5's state.
#[derive(Debug, Default)]
pub struct AuditView {
    /// The page shown.
    current: Option<AuditState>,
    /// Pages left by following links, the latest last (`Esc` returns).
    history: Vec<AuditState>,
    /// The browser line the pages start from.
    root_line: Option<u64>,
}

/// Rows of the document box of `d` at the size `ctx` gives.
fn doc_rows(ctx: &Ctx, d: &Doc) -> usize {
    let header = wrapped_rows(&d.header, ctx.body.width);
    usize::from(areas(ctx.body, header)[1].height.saturating_sub(2)).max(1)
}

impl AuditView {
    /// The page shown.
    pub fn current(&self) -> Option<&AuditState> {
        self.current.as_ref()
    }

    /// Pages left by following links, the latest last.
    pub fn history(&self) -> &[AuditState] {
        &self.history
    }

    /// Whether the page shown is still being computed.
    pub fn pending(&self) -> bool {
        self.current
            .as_ref()
            .is_some_and(|c| matches!(c.page, Loading::Pending))
    }

    /// The document of the page shown, at the size `ctx` gives.
    pub fn doc(&self, ctx: &Ctx) -> Option<Doc> {
        let state = self.current.as_ref()?;
        let width = usize::from(ctx.body.width.saturating_sub(2));
        Some(doc::build(state, ctx.theme, width))
    }

    /// While the pane shows: ask for the trail of the browser's selected
    /// descriptor when that selection changed.
    pub fn sync(&mut self, ctx: &Ctx, work: &mut Work) {
        let Some(report) = work.report.clone() else {
            return;
        };
        let Some(view) = ctx.chains.iter().find(|c| {
            matches!(
                c.kind,
                ChainKind::Descriptors | ChainKind::NativeDescriptors
            )
        }) else {
            return;
        };
        let native = view.kind == ChainKind::NativeDescriptors;
        let Some(file) = view.file() else { return };
        let line = view.cursor + 1;
        if self.root_line == Some(line) && self.current.is_some() {
            return;
        }
        let id = match file.read_line(view.cursor, ID_LINE_MAX) {
            Ok(Some(t)) => serde_json::from_slice::<Value>(&t.bytes)
                .ok()
                .and_then(|v| {
                    // A native record carries the descriptor in its body.
                    let d = if native { v.get("body")? } else { &v };
                    d.get("descriptor_id")
                        .and_then(Value::as_str)
                        .map(str::to_owned)
                })
                .ok_or_else(|| s::no_descriptor_id(line)),
            Ok(None) => Err(s::no_descriptor_id(line)),
            Err(e) => Err(crate::tui::strings::read_error(&e.to_string())),
        };
        let request = work.request();
        self.root_line = Some(line);
        self.history.clear();
        let (page, id) = match id {
            Ok(id) => {
                work.jobs.push(Job::Audit {
                    request,
                    report,
                    id: id.clone(),
                });
                (Loading::Pending, id)
            }
            Err(e) => (Loading::Failed(e), String::new()),
        };
        self.current = Some(AuditState {
            target: Target::Descriptor { line, id },
            page,
            request,
            link: 0,
            scroll: 0,
        });
    }

    /// A new verification report: the pages are recomputed from it.
    pub fn report_changed(&mut self) {
        self.current = None;
        self.history.clear();
        self.root_line = None;
    }

    /// A computed page arrived.
    pub fn on_page(&mut self, request: u64, result: Result<AuditPage, String>) {
        if let Some(c) = self.current.as_mut().filter(|c| c.request == request) {
            c.page = result.map_or_else(Loading::Failed, Loading::Ready);
        }
    }

    /// Select the link `delta` links away; the document scrolls to show it.
    pub fn move_by(&mut self, ctx: &Ctx, delta: i64) {
        let Some(d) = self.doc(ctx) else { return };
        let rows = doc_rows(ctx, &d);
        let Some(c) = self.current.as_mut() else {
            return;
        };
        if d.links.is_empty() {
            // Nothing to select: the keys scroll.
            let max = d.lines.len().saturating_sub(rows);
            c.scroll = c
                .scroll
                .saturating_add_signed(isize::try_from(delta).unwrap_or(isize::MAX))
                .min(max);
            return;
        }
        let last = d.links.len() - 1;
        c.link = c
            .link
            .saturating_add_signed(isize::try_from(delta).unwrap_or(isize::MAX))
            .min(last);
        crate::tui::app::follow(&mut c.scroll, d.links[c.link].0, rows);
        if c.link == 0 {
            // The first link shown with what precedes it.
            c.scroll = 0;
        }
    }

    /// Scroll a page; the selection moves to the first link in view.
    pub fn page(&mut self, ctx: &Ctx, dir: i64) {
        let Some(d) = self.doc(ctx) else { return };
        let rows = doc_rows(ctx, &d);
        let Some(c) = self.current.as_mut() else {
            return;
        };
        let max = d.lines.len().saturating_sub(rows);
        c.scroll = if dir < 0 {
            c.scroll.saturating_sub(rows)
        } else {
            (c.scroll + rows).min(max)
        };
        if let Some(i) = d
            .links
            .iter()
            .position(|(row, _)| (c.scroll..c.scroll + rows).contains(row))
        {
            c.link = i;
        }
    }

    /// `Enter`: follow the selected link (a pulse opens in pane 3, and
    /// `Esc` there comes back).
    pub fn follow(&mut self, ctx: &Ctx, work: &mut Work, queue: &mut Queue) {
        let Some(d) = self.doc(ctx) else { return };
        let link = self
            .current
            .as_ref()
            .and_then(|c| d.links.get(c.link))
            .map(|(_, l)| l.clone());
        let (Some(link), Some(report)) = (link, work.report.clone()) else {
            queue.say(Level::Info, s::NO_LINK);
            return;
        };
        let request = work.request();
        let target = match link {
            Link::Pulse { line } => {
                queue.push(Internal::ShowPulse {
                    line,
                    from: Pane::Audit,
                });
                return;
            }
            Link::Descriptor { line, id } => {
                work.jobs.push(Job::Audit {
                    request,
                    report: Arc::clone(&report),
                    id: id.clone(),
                });
                Target::Descriptor { line, id }
            }
            Link::Manifest { line } => {
                work.jobs.push(Job::Manifest {
                    request,
                    report,
                    line,
                });
                Target::Manifest { line }
            }
        };
        if let Some(c) = self.current.take() {
            self.history.push(c);
        }
        self.current = Some(AuditState {
            target,
            page: Loading::Pending,
            request,
            link: 0,
            scroll: 0,
        });
    }

    /// `Esc`: the page before the last link followed. Whether there was one.
    pub fn back(&mut self) -> bool {
        match self.history.pop() {
            Some(previous) => {
                self.current = Some(previous);
                true
            }
            None => false,
        }
    }
}
