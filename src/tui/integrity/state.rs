//! Pane 2's own state, and what its keys do to it: the findings listed,
//! the selection, the first row shown.

use crate::ledger::model::report::VerifyReport;
use crate::tui::app::{Level, follow};
use crate::tui::chain::ChainKind;
use crate::tui::context::Ctx;
use crate::tui::keys::Action;
use crate::tui::layout;
use crate::tui::queue::{Internal, Queue};
use crate::tui::strings;
use ratatui::layout::Rect;

/// The integrity pane's state.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct IntegrityView {
    /// Every finding as (file index, finding index) into the report.
    findings: Vec<(usize, usize)>,
    /// The selected finding.
    selected: usize,
    /// The first finding shown.
    top: usize,
}

/// Rows of the integrity pane's files table: files found and missing.
pub fn file_rows(ctx: &Ctx) -> usize {
    ctx.report().map_or(1, |r| r.files.len() + r.missing.len())
}

/// Rows of the findings list at the current size.
pub fn findings_rows(ctx: &Ctx) -> usize {
    layout::findings_rows(ctx.body, file_rows(ctx))
}

/// The findings box at the current size.
pub fn findings_area(ctx: &Ctx) -> Rect {
    layout::integrity(ctx.body, file_rows(ctx))[1]
}

impl IntegrityView {
    /// Every finding listed, as (file index, finding index) into the report.
    pub fn findings(&self) -> &[(usize, usize)] {
        &self.findings
    }

    /// The findings listed, to change (tests of extreme screens).
    #[cfg(test)]
    pub fn findings_mut(&mut self) -> &mut Vec<(usize, usize)> {
        &mut self.findings
    }

    /// The selected finding's position in the list.
    pub fn selected(&self) -> usize {
        self.selected
    }

    /// The first finding shown.
    pub fn top(&self) -> usize {
        self.top
    }

    /// The selected finding, as (file index, finding index).
    pub fn selected_finding(&self) -> Option<(usize, usize)> {
        self.findings.get(self.selected).copied()
    }

    /// A new verification report: list every finding, select the first.
    pub fn on_report(&mut self, report: &VerifyReport) {
        self.findings = report
            .files
            .iter()
            .enumerate()
            .flat_map(|(fi, f)| (0..f.findings.len()).map(move |i| (fi, i)))
            .collect();
        self.selected = 0;
        self.top = 0;
    }

    /// Keep the selection on a finding and in view at the current size.
    pub fn clamp(&mut self, ctx: &Ctx) {
        self.selected = self.selected.min(self.findings.len().saturating_sub(1));
        follow(&mut self.top, self.selected, findings_rows(ctx));
    }

    /// Select the finding `delta` rows away.
    pub fn move_by(&mut self, ctx: &Ctx, delta: i64) {
        let last = self.findings.len().saturating_sub(1);
        self.selected = self
            .selected
            .saturating_add_signed(delta as isize)
            .min(last);
        follow(&mut self.top, self.selected, findings_rows(ctx));
    }

    /// The pane's share of the key table: movement and `Enter`.
    pub fn perform(&mut self, ctx: &Ctx, queue: &mut Queue, action: Action) {
        let page = i64::try_from(findings_rows(ctx).max(1)).unwrap_or(1);
        match action {
            Action::Up => self.move_by(ctx, -1),
            Action::Down => self.move_by(ctx, 1),
            Action::PageUp => self.move_by(ctx, -page),
            Action::PageDown => self.move_by(ctx, page),
            // Far enough to clamp at either end, small enough not to overflow.
            Action::Top => self.move_by(ctx, -(i64::MAX / 4)),
            Action::Bottom => self.move_by(ctx, i64::MAX / 4),
            Action::Open => self.open(ctx, queue),
            _ => {}
        }
    }

    /// `Enter`: ask to show the selected finding's line (or the lines it
    /// implicates) in the browser.
    pub fn open(&self, ctx: &Ctx, queue: &mut Queue) {
        let Some(report) = ctx.report() else {
            return;
        };
        let Some((fi, i)) = self.selected_finding() else {
            return;
        };
        let (file, f) = (&report.files[fi], &report.files[fi].findings[i]);
        let own = ChainKind::from_name(file.name).zip(f.line);
        let related = f
            .related
            .as_ref()
            .and_then(|r| ChainKind::from_name(r.file).map(|c| (c, r.first_line)));
        if let Some((chain, line)) = own.or(related) {
            queue.push(Internal::GotoLine(chain, line));
        } else {
            queue.say(Level::Info, strings::not_browsable(file.name));
        }
    }
}
