//! Panes 3-5 (time, maturity, audit): what they share (each pane's own
//! state is its own field of [`App`]), the messages
//! their background work answers with, and the glue `update` calls. The
//! browser's `:filter` and searches use the same queue of jobs.
//!
//! The analyses read whole files (4 million pulses take seconds), so they
//! never run in `update`: `update` queues a [`Job`] in [`Panes::jobs`], the
//! event loop hands each job to a thread ([`jobs::spawn_all`]) and the
//! result comes back as a [`PanesMsg`]. Tests run the same jobs inline
//! ([`crate::tui::event_loop::run_all_blocking`]), so they see exactly
//! the messages the workstation sees. Meanwhile each pane shows a "computing…" state.
//!
//! [`after_update`] runs after every message: it notices a new or changed
//! verification report (and queues the time and maturity analyses of it,
//! one pair at a time: a report that changes while they run is analysed
//! again when they answer), decodes the
//! pulse rows now visible, and asks for the audit trail of the record the
//! browser has selected when pane 5 shows. Each check is cheap when
//! nothing changed.

pub mod jobs;

use crate::analysis::maturity::MaturityReport;
use crate::ledger::model::report::VerifyReport;
use crate::tui::app::{App, Loading, Pane, ctx};
use crate::tui::{audit, time};
use std::sync::Arc;

pub use jobs::Job;

/// What panes 3-5 share, one field of [`App`]: the background work, the
/// report it analyses, and where `Esc` returns. Each pane's own state is
/// its own field of [`App`].
#[derive(Debug, Default)]
pub struct Panes {
    /// Background work asked for and not yet started.
    pub jobs: Vec<Job>,
    /// The verification report the analyses were computed from.
    pub report: Option<Arc<VerifyReport>>,
    /// Where `Esc` returns after a link was followed into another pane.
    pub return_to: Option<Pane>,
    /// Counts the changes of the verification report (a new one, or
    /// records judged live), so every change is noticed: an address could
    /// be reused by the next report, and a report updated in place keeps
    /// its address (the time pane's header then counted the pulses before
    /// a `P`).
    generation: u64,
    /// The `generation` the time and maturity analyses were computed for.
    analysed: u64,
    /// Time and maturity analyses asked for and not answered yet.
    analyses_running: u8,
    /// The last request number handed out.
    last_request: u64,
}

impl Panes {
    /// The verification report changed (replaced, or updated in place by
    /// the live view): panes 3-5 are computed again.
    pub fn report_changed(&mut self) {
        self.generation += 1;
    }

    /// A fresh request number: results of older requests are ignored.
    pub fn request(&mut self) -> u64 {
        self.last_request += 1;
        self.last_request
    }

    /// The background work, lent to a pane.
    pub fn work(&mut self) -> Work<'_> {
        Work {
            report: self.report.clone(),
            jobs: &mut self.jobs,
            last_request: &mut self.last_request,
        }
    }

    /// Whether background work is still queued (the spinner runs).
    pub fn busy(&self) -> bool {
        !self.jobs.is_empty()
    }
}

/// The panes' shared background work, lent to a pane that asks for some:
/// the report the analyses are computed from, request numbers, the jobs.
#[derive(Debug)]
pub struct Work<'a> {
    /// The verification report the analyses were computed from.
    pub report: Option<Arc<VerifyReport>>,
    /// Background work asked for and not yet started.
    pub jobs: &'a mut Vec<Job>,
    /// The last request number handed out.
    last_request: &'a mut u64,
}

impl Work<'_> {
    /// A fresh request number: results of older requests are ignored.
    pub fn request(&mut self) -> u64 {
        *self.last_request += 1;
        *self.last_request
    }
}

/// A result of background work.
#[derive(Debug)]
pub enum PanesMsg {
    /// The time chain's summary and interval series.
    Time(Result<Box<time::TimeOverview>, String>),
    /// The maturity report.
    Maturity(Result<Box<MaturityReport>, String>),
    /// An audit-pane page (a trail, or a manifest line).
    Audit {
        /// The request it answers.
        request: u64,
        /// The page, or why there is none.
        result: Result<audit::AuditPage, String>,
    },
    /// A `:filter` scan of a chain.
    Filter(Box<crate::tui::filter::Scanned>),
    /// A sort of the browser's chain finished.
    Sorted(Box<crate::tui::sort::SortDone>),
    /// A search's hits were counted.
    Counted(Box<crate::tui::hits::Counted>),
    /// A `:goto TIME` finished.
    GotoTime(Box<crate::tui::goto_time::GotoTimeDone>),
    /// The histogram's records were counted.
    Histogram(Box<crate::tui::histogram::count::Counted>),
    /// A browser search (`/`, `n`/`N`, `:goto ID`).
    Search {
        /// The request it answers.
        request: u64,
        /// The chain searched.
        kind: crate::tui::chain::ChainKind,
        /// The line found (if any), or why the search failed.
        result: Result<Option<crate::tui::search::Hit>, String>,
    },
}

/// Apply a background result.
pub fn on_msg(app: &mut App, msg: PanesMsg) {
    match msg {
        PanesMsg::Time(_) | PanesMsg::Maturity(_) => {
            app.panes.analyses_running = app.panes.analyses_running.saturating_sub(1);
        }
        _ => {}
    }
    match msg {
        PanesMsg::Time(r) => {
            // A native chain's time anomalies come from this pass, not from
            // verification: its rows (here and in the browser) and `e`/`E`
            // must show them as a legacy chain's do.
            if let Ok(o) = &r
                && let Some(marks) = app
                    .browser
                    .chain_mut(crate::tui::chain::ChainKind::NativePulses)
                    .and_then(|c| c.marks.as_mut())
            {
                marks.add_findings(&o.findings);
            }
            app.time
                .set_overview(r.map_or_else(Loading::Failed, |o| Loading::Ready(*o)));
        }
        PanesMsg::Maturity(r) => {
            let ctx = ctx!(app);
            let v = &mut app.maturity;
            v.set_report(r.map_or_else(Loading::Failed, Loading::Ready));
            v.clamp(&ctx);
        }
        PanesMsg::Audit { request, result } => app.audit.on_page(request, result),
        PanesMsg::Filter(scanned) => {
            let (b, env, mut out) = app.browser_parts();
            crate::tui::filter::on_scanned(b, &env, &mut out, *scanned);
        }
        PanesMsg::Sorted(done) => {
            let (b, env, out) = app.browser_parts();
            crate::tui::sort::on_sorted(b, &env, out.queue, *done);
        }
        PanesMsg::GotoTime(done) => {
            crate::tui::goto_time::on_found(&mut app.browser, &mut app.queue, *done);
        }
        PanesMsg::Histogram(c) => crate::tui::histogram::on_counted(&mut app.histogram, *c),
        PanesMsg::Counted(c) => {
            crate::tui::hits::on_counted(&mut app.browser, &mut app.queue, *c);
        }
        PanesMsg::Search {
            request,
            kind,
            result,
        } => {
            let (b, env, mut out) = app.browser_parts();
            crate::tui::search::on_found(b, &env, &mut out, request, kind, result);
        }
    }
}

/// Keep panes 3-5 in step with the rest of the state; see the module docs.
pub fn after_update(app: &mut App) {
    match &app.report {
        Loading::Ready(r) => {
            let p = &mut app.panes;
            if p.generation != p.analysed && p.analyses_running == 0 {
                p.analysed = p.generation;
                p.analyses_running = 2;
                let report = Arc::new((**r).clone());
                app.time.set_overview(Loading::Pending);
                app.maturity.set_report(Loading::Pending);
                app.panes.jobs.push(Job::Time(Arc::clone(&report)));
                app.panes.jobs.push(Job::Maturity(Arc::clone(&report)));
                app.panes.report = Some(report);
                app.audit.report_changed();
            }
        }
        Loading::Failed(e)
            if app.panes.report.is_none() && !matches!(app.time.overview(), Loading::Failed(_)) =>
        {
            app.time.set_overview(Loading::Failed(e.clone()));
            app.maturity.set_report(Loading::Failed(e.clone()));
        }
        _ => {}
    }
    let ctx = ctx!(app);
    app.time.sync(&ctx);
    if app.pane == Pane::Audit {
        let mut work = app.panes.work();
        app.audit.sync(&ctx, &mut work);
    }
}

/// Whether `pane` is one of panes 3-5.
pub fn owns(pane: Pane) -> bool {
    matches!(pane, Pane::Time | Pane::Maturity | Pane::Audit)
}

/// `Esc` in panes 3-5: back along the links followed. Returns whether it
/// went anywhere.
pub fn back(app: &mut App) -> bool {
    if app.pane == Pane::Audit && app.audit.back() {
        return true;
    }
    if let Some(p) = app.panes.return_to.take() {
        app.pane = p;
        return true;
    }
    false
}
