//! Pane 4, maturity: the ISO/IEC 33020 report `iss report maturity` prints,
//! as a screen: the level distribution as bars, what was counted and what
//! was excluded and why, one row per process with its trend, evidence
//! coverage, and the inconsistencies a reviewer must see.
//!
//! The report reads every descriptor, so it is built in the background
//! ([`crate::tui::panes::Job::Maturity`]); the pane says "computing…" until
//! it arrives.

mod view;

use crate::analysis::maturity::MaturityReport;
use crate::tui::app::{Level, Loading, follow};
use crate::tui::chain::ChainKind;
use crate::tui::context::Ctx;
use crate::tui::queue::{Internal, Queue};
use crate::tui::strings::analysis as s;
use ratatui::layout::{Constraint, Layout, Rect};

pub use view::render;

/// Pane 4's state.
#[derive(Debug, Default)]
pub struct MaturityView {
    /// The report, once built.
    report: Loading<Box<MaturityReport>>,
    /// The selected process (index into the report's processes).
    selected: usize,
    /// The first process shown.
    top: usize,
}

/// The pane's parts: levels, scope, processes, inconsistencies. The
/// process table takes what its rows need, up to half of what is left;
/// the inconsistencies get the rest.
pub fn areas(body: Rect, processes: usize) -> [Rect; 4] {
    let rest = body.height.saturating_sub(8);
    let want = u16::try_from(processes + 3).unwrap_or(u16::MAX);
    let table_h = want.min(rest / 2).max(4);
    let [top, table, issues] = Layout::vertical([
        Constraint::Length(8),
        Constraint::Length(table_h),
        Constraint::Min(3),
    ])
    .areas(body);
    let [levels, scope] =
        Layout::horizontal([Constraint::Percentage(45), Constraint::Percentage(55)]).areas(top);
    [levels, scope, table, issues]
}

impl MaturityView {
    /// The report, once built.
    pub fn report(&self) -> &Loading<Box<MaturityReport>> {
        &self.report
    }

    /// The report, to change (tests of extreme numbers).
    #[cfg(test)]
    pub fn report_mut(&mut self) -> &mut Loading<Box<MaturityReport>> {
        &mut self.report
    }

    /// A new report (or that it is being built, or why it failed).
    pub fn set_report(&mut self, report: Loading<Box<MaturityReport>>) {
        self.report = report;
    }

    /// The selected process (index into the report's processes).
    pub fn selected(&self) -> usize {
        self.selected
    }

    /// The first process shown.
    pub fn top(&self) -> usize {
        self.top
    }

    fn processes(&self) -> usize {
        self.report.ready().map_or(0, |r| r.processes.items.len())
    }

    /// Rows of the process table at the size `ctx` gives.
    pub fn table_rows(&self, ctx: &Ctx) -> usize {
        usize::from(
            areas(ctx.body, self.processes())[2]
                .height
                .saturating_sub(3),
        )
        .max(1)
    }

    /// Keep the selection on a process and in view.
    pub fn clamp(&mut self, ctx: &Ctx) {
        let (n, rows) = (self.processes(), self.table_rows(ctx));
        self.selected = self.selected.min(n.saturating_sub(1));
        follow(&mut self.top, self.selected, rows);
    }

    /// Select the process `delta` rows away.
    pub fn move_by(&mut self, ctx: &Ctx, delta: i64) {
        self.selected = self
            .selected
            .saturating_add_signed(isize::try_from(delta).unwrap_or(isize::MAX));
        self.clamp(ctx);
    }

    /// Page up (`dir` -1) or down (1).
    pub fn page(&mut self, ctx: &Ctx, dir: i64) {
        let rows = self.table_rows(ctx);
        self.move_by(ctx, dir * i64::try_from(rows).unwrap_or(1));
    }

    /// `Enter`: ask to show the selected process's latest assessment in
    /// the chain browser.
    pub fn open(&self, queue: &mut Queue) {
        let line = self.report.ready().and_then(|r| {
            r.processes
                .items
                .get(self.selected)
                .and_then(|p| p.latest.as_ref())
                .map(|a| a.line)
        });
        match line {
            Some(line) => queue.push(Internal::GotoLine(ChainKind::Descriptors, line)),
            None => queue.say(Level::Info, s::NO_PROCESS),
        }
    }
}
