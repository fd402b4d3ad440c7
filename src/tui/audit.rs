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
mod state;
mod view;

use crate::analysis::audit::AuditTrail;
use crate::ledger::model::finding::Finding;
use crate::tui::app::Loading;
use ratatui::layout::{Constraint, Layout, Rect};

pub use doc::{Doc, Link};
pub use state::AuditView;
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
