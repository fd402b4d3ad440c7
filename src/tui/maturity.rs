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
use crate::tui::actions::goto_line;
use crate::tui::app::{App, Level, Loading, follow};
use crate::tui::chain::ChainKind;
use crate::tui::strings::analysis as s;
use ratatui::layout::{Constraint, Layout, Rect};

pub use view::render;

/// Pane 4's state.
#[derive(Debug, Default)]
pub struct MaturityView {
    /// The report, once built.
    pub report: Loading<Box<MaturityReport>>,
    /// The selected process (index into the report's processes).
    pub selected: usize,
    /// The first process shown.
    pub top: usize,
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

/// Rows of the process table.
pub fn table_rows(app: &App) -> usize {
    usize::from(
        areas(app.body(), processes(app))[2]
            .height
            .saturating_sub(3),
    )
    .max(1)
}

fn processes(app: &App) -> usize {
    app.panes
        .maturity
        .report
        .ready()
        .map_or(0, |r| r.processes.items.len())
}

/// Keep the selection on a process and in view.
pub fn clamp(app: &mut App) {
    let (n, rows) = (processes(app), table_rows(app));
    let v = &mut app.panes.maturity;
    v.selected = v.selected.min(n.saturating_sub(1));
    follow(&mut v.top, v.selected, rows);
}

/// Select the process `delta` rows away.
pub fn move_by(app: &mut App, delta: i64) {
    let v = &mut app.panes.maturity;
    v.selected = v
        .selected
        .saturating_add_signed(isize::try_from(delta).unwrap_or(isize::MAX));
    clamp(app);
}

/// `Enter`: the selected process's latest assessment in the chain browser.
pub fn open(app: &mut App) {
    let line = app.panes.maturity.report.ready().and_then(|r| {
        r.processes
            .items
            .get(app.panes.maturity.selected)
            .and_then(|p| p.latest.as_ref())
            .map(|a| a.line)
    });
    match line {
        Some(line) => goto_line(app, ChainKind::Descriptors, line),
        None => app.say(Level::Info, s::NO_PROCESS),
    }
}
