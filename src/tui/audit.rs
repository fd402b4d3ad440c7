//! Pane 5, audit trail drill-down: `iss audit` for the record selected in
//! the chain browser, as a page of links. `Enter` follows a link (to the
//! record before or after it, a record citing it, the manifest line that
//! attests it, a pulse of its glyph range), `Esc` comes back the way it
//! went.
//!
//! The trail reads the chain, the manifest and the pulse chain once each,
//! so it is computed in the background ([`crate::tui::panes::Job::Audit`]);
//! every page visited is kept on a stack, so coming back is instant.

mod doc;
mod view;

use crate::analysis::audit::AuditTrail;
use crate::ledger::model::finding::Finding;
use crate::tui::app::{App, Loading, Pane};
use crate::tui::chain::ChainKind;
use crate::tui::context::Ctx;
use crate::tui::panes::Job;
use crate::tui::strings::analysis as s;
use ratatui::layout::{Constraint, Layout, Rect};
use serde_json::Value;
use std::sync::Arc;

pub use doc::{Doc, Link};
pub use view::render;

/// Bytes of the selected chain line read to find its id.
const ID_LINE_MAX: usize = 1024 * 1024;

/// What a page shows.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Target {
    /// The trail of the descriptor at this 1-based line.
    Descriptor {
        /// 1-based chain line.
        line: u64,
        /// Its `descriptor_id` (empty when the line has none).
        id: String,
    },
    /// One manifest line.
    Manifest {
        /// 1-based manifest line.
        line: u64,
    },
}

/// One manifest line and its findings.
#[derive(Debug, Clone)]
pub struct ManifestLine {
    /// 1-based line.
    pub line: u64,
    /// The line as stored (lossily decoded when not UTF-8).
    pub text: String,
    /// Whether only its beginning was read.
    pub truncated: bool,
    /// Findings located on it.
    pub findings: Vec<Finding>,
}

/// A computed page.
#[derive(Debug, Clone)]
pub enum AuditPage {
    /// A descriptor's trail.
    Trail(Box<AuditTrail>),
    /// The id names this many descriptors (0, or more than one).
    Ambiguous(u64),
    /// A manifest line.
    Manifest(ManifestLine),
}

/// One page and where the reader is on it.
#[derive(Debug)]
pub struct AuditState {
    /// What it shows.
    pub target: Target,
    /// The page, once computed.
    pub page: Loading<AuditPage>,
    /// The request that computes it.
    pub request: u64,
    /// The selected link.
    pub link: usize,
    /// The first document row shown.
    pub scroll: usize,
}

/// Pane 5's state.
#[derive(Debug, Default)]
pub struct AuditView {
    /// The page shown.
    pub current: Option<AuditState>,
    /// Pages left by following links, the latest last (`Esc` returns).
    pub history: Vec<AuditState>,
    /// The browser line the pages start from.
    root_line: Option<u64>,
}

impl AuditView {
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
}

/// Rows `lines` take in a box of `width` columns when wrapped.
pub fn wrapped_rows(lines: &[ratatui::text::Line], width: u16) -> usize {
    let w = usize::from(width.saturating_sub(2)).max(1);
    lines.iter().map(|l| l.width().div_ceil(w).max(1)).sum()
}

/// The pane's parts: the verdict and findings (up to three fifths of the
/// pane: they must show), then the document.
pub fn areas(body: Rect, header_rows: usize) -> [Rect; 2] {
    let want = u16::try_from(header_rows + 2).unwrap_or(u16::MAX);
    let header = want.min(body.height * 3 / 5).max(3);
    Layout::vertical([Constraint::Length(header), Constraint::Min(3)]).areas(body)
}

/// The document of the page shown, at the current size.
pub fn current_doc(app: &App) -> Option<Doc> {
    app.panes.audit.doc(&app.ctx())
}

/// Rows of the document box.
fn doc_rows(app: &App, d: &Doc) -> usize {
    let body = app.body();
    let header = wrapped_rows(&d.header, body.width);
    usize::from(areas(body, header)[1].height.saturating_sub(2)).max(1)
}

/// Ask for the trail of the browser's selected descriptor when the pane
/// shows and that selection changed.
pub fn sync(app: &mut App) {
    if app.pane != Pane::Audit {
        return;
    }
    let Some(report) = app.panes.report.clone() else {
        return;
    };
    let Some(view) = app.browser.chains().iter().find(|c| {
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
    if app.panes.audit.root_line == Some(line) && app.panes.audit.current.is_some() {
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
    let request = app.panes.request();
    let a = &mut app.panes.audit;
    a.root_line = Some(line);
    a.history.clear();
    let (page, id) = match id {
        Ok(id) => {
            app.panes.jobs.push(Job::Audit {
                request,
                report,
                id: id.clone(),
            });
            (Loading::Pending, id)
        }
        Err(e) => (Loading::Failed(e), String::new()),
    };
    app.panes.audit.current = Some(AuditState {
        target: Target::Descriptor { line, id },
        page,
        request,
        link: 0,
        scroll: 0,
    });
}

/// A new verification report: the pages are recomputed from it.
pub fn report_changed(app: &mut App) {
    let a = &mut app.panes.audit;
    a.current = None;
    a.history.clear();
    a.root_line = None;
}

/// A computed page arrived.
pub fn on_page(app: &mut App, request: u64, result: Result<AuditPage, String>) {
    if let Some(c) = app
        .panes
        .audit
        .current
        .as_mut()
        .filter(|c| c.request == request)
    {
        c.page = result.map_or_else(Loading::Failed, Loading::Ready);
    }
}

/// Select the link `delta` links away; the document scrolls to show it.
pub fn move_by(app: &mut App, delta: i64) {
    let Some(d) = current_doc(app) else { return };
    let rows = doc_rows(app, &d);
    let Some(c) = app.panes.audit.current.as_mut() else {
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
pub fn page(app: &mut App, dir: i64) {
    let Some(d) = current_doc(app) else { return };
    let rows = doc_rows(app, &d);
    let Some(c) = app.panes.audit.current.as_mut() else {
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

/// `Enter`: follow the selected link.
pub fn follow(app: &mut App) {
    let Some(d) = current_doc(app) else { return };
    let link = app
        .panes
        .audit
        .current
        .as_ref()
        .and_then(|c| d.links.get(c.link))
        .map(|(_, l)| l.clone());
    let (Some(link), Some(report)) = (link, app.panes.report.clone()) else {
        app.say(crate::tui::app::Level::Info, s::NO_LINK);
        return;
    };
    let request = app.panes.request();
    let target = match link {
        Link::Pulse { line } => {
            app.panes.return_to = Some(Pane::Audit);
            app.pane = Pane::Time;
            let ctx = crate::tui::app::ctx!(app);
            app.panes.time.show_line(&ctx, line);
            return;
        }
        Link::Descriptor { line, id } => {
            app.panes.jobs.push(Job::Audit {
                request,
                report: Arc::clone(&report),
                id: id.clone(),
            });
            Target::Descriptor { line, id }
        }
        Link::Manifest { line } => {
            app.panes.jobs.push(Job::Manifest {
                request,
                report,
                line,
            });
            Target::Manifest { line }
        }
    };
    let a = &mut app.panes.audit;
    if let Some(c) = a.current.take() {
        a.history.push(c);
    }
    a.current = Some(AuditState {
        target,
        page: Loading::Pending,
        request,
        link: 0,
        scroll: 0,
    });
}

/// `Esc`: the page before the last link followed. Returns whether there was one.
pub fn back(app: &mut App) -> bool {
    let a = &mut app.panes.audit;
    match a.history.pop() {
        Some(previous) => {
            a.current = Some(previous);
            true
        }
        None => false,
    }
}
