//! Screen geometry, shared by drawing and by `update`.
//!
//! `update` needs to know how many rows a table shows (for paging, and to
//! decode exactly the visible rows); drawing needs the same rectangles. Both
//! ask this module, so they cannot disagree.

use ratatui::layout::{Constraint, Layout, Rect};

/// Below this width the workstation shows only a "too small" message.
pub const MIN_WIDTH: u16 = 60;
/// Below this height likewise.
pub const MIN_HEIGHT: u16 = 15;
/// Rows of the integrity pane's selected-finding box.
const FINDING_BOX: u16 = 8;

/// The screen's parts.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Areas {
    /// The pane tabs (top row).
    pub tabs: Rect,
    /// The active pane.
    pub body: Rect,
    /// Prompt, message or key hints (second to last row).
    pub line: Rect,
    /// The status bar (last row).
    pub status: Rect,
}

/// Whether a screen of this size is big enough to use.
pub fn fits(area: Rect) -> bool {
    area.width >= MIN_WIDTH && area.height >= MIN_HEIGHT
}

/// Split the screen.
pub fn areas(area: Rect) -> Areas {
    let [tabs, body, line, status] = Layout::vertical([
        Constraint::Length(1),
        Constraint::Min(1),
        Constraint::Length(1),
        Constraint::Length(1),
    ])
    .areas(area);
    Areas {
        tabs,
        body,
        line,
        status,
    }
}

/// The body of a screen of `width` x `height`.
pub fn body(width: u16, height: u16) -> Rect {
    areas(Rect::new(0, 0, width, height)).body
}

/// The alert banner's rows (none when it has no `lines`; at most a third
/// of the body) and the body under it.
pub fn split_banner(body: Rect, lines: usize) -> (Rect, Rect) {
    let rows = if body.height > 4 {
        u16::try_from(lines)
            .unwrap_or(u16::MAX)
            .min((body.height / 3).max(1))
    } else {
        0
    };
    let [top, rest] = Layout::vertical([Constraint::Length(rows), Constraint::Min(1)]).areas(body);
    (top, rest)
}

/// Rows of the chain table (inside the border, under the header).
pub fn table_rows(body: Rect) -> usize {
    usize::from(body.height.saturating_sub(3)).max(1)
}

/// Rows of text inside a bordered box filling `body`.
pub fn boxed_rows(body: Rect) -> usize {
    usize::from(body.height.saturating_sub(2)).max(1)
}

/// The integrity pane: files table, findings list, selected finding.
pub fn integrity(body: Rect, files: usize) -> [Rect; 3] {
    // Border and header around the files, but never more than half the pane.
    let files_h = (files as u16).saturating_add(3).min(body.height / 2).max(4);
    Layout::vertical([
        Constraint::Length(files_h),
        Constraint::Min(3),
        Constraint::Length(FINDING_BOX),
    ])
    .areas(body)
}

/// Rows of the integrity pane's findings list.
pub fn findings_rows(body: Rect, files: usize) -> usize {
    boxed_rows(integrity(body, files)[1])
}

/// A centred rectangle of at most `w` x `h` inside `area`.
pub fn centered(area: Rect, w: u16, h: u16) -> Rect {
    let w = w.min(area.width);
    let h = h.min(area.height);
    Rect::new(
        area.x + (area.width - w) / 2,
        area.y + (area.height - h) / 2,
        w,
        h,
    )
}

/// Where the help overlay goes inside the body.
pub fn help_area(body: Rect) -> Rect {
    centered(body, 76, body.height)
}
