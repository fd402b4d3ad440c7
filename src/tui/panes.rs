//! Panes 3-5 (time, maturity, audit): their shared state, the messages
//! their background work answers with, and the glue `update` calls. The
//! browser's `:filter` and searches use the same queue of jobs.
//!
//! The analyses read whole files (4 million pulses take seconds), so they
//! never run in `update`: `update` queues a [`Job`] in [`Panes::jobs`], the
//! event loop hands each job to a thread ([`jobs::spawn_all`]) and the
//! result comes back as a [`PanesMsg`]. Tests run the same jobs inline
//! ([`jobs::run_all_blocking`]), so they see exactly the messages the
//! workstation sees. Meanwhile each pane shows a "computing…" state.
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
use crate::tui::app::{App, Loading, Pane};
use crate::tui::{audit, maturity, time};
use std::sync::Arc;

pub use jobs::Job;

/// State of panes 3-5, one field of [`App`].
#[derive(Debug, Default)]
pub struct Panes {
    /// Pane 3.
    pub time: time::TimeView,
    /// Pane 4.
    pub maturity: maturity::MaturityView,
    /// Pane 5.
    pub audit: audit::AuditView,
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

    /// Whether any analysis is still being computed (the spinner runs).
    pub fn busy(&self) -> bool {
        !self.jobs.is_empty()
            || matches!(self.time.overview, Loading::Pending) && self.report.is_some()
            || matches!(self.maturity.report, Loading::Pending) && self.report.is_some()
            || self.audit.pending()
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
                    .chains
                    .iter_mut()
                    .find(|c| c.kind == crate::tui::chain::ChainKind::NativePulses)
                    .and_then(|c| c.marks.as_mut())
            {
                marks.add_findings(&o.findings);
            }
            app.panes.time.overview = r.map_or_else(Loading::Failed, |o| Loading::Ready(*o));
        }
        PanesMsg::Maturity(r) => {
            app.panes.maturity.report = r.map_or_else(Loading::Failed, Loading::Ready);
            maturity::clamp(app);
        }
        PanesMsg::Audit { request, result } => audit::on_page(app, request, result),
        PanesMsg::Filter(scanned) => crate::tui::filter::on_scanned(app, *scanned),
        PanesMsg::Search {
            request,
            kind,
            result,
        } => crate::tui::search::on_found(app, request, kind, result),
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
                app.panes.time.overview = Loading::Pending;
                app.panes.maturity.report = Loading::Pending;
                app.panes.jobs.push(Job::Time(Arc::clone(&report)));
                app.panes.jobs.push(Job::Maturity(Arc::clone(&report)));
                app.panes.report = Some(report);
                audit::report_changed(app);
            }
        }
        Loading::Failed(e)
            if app.panes.report.is_none()
                && !matches!(app.panes.time.overview, Loading::Failed(_)) =>
        {
            app.panes.time.overview = Loading::Failed(e.clone());
            app.panes.maturity.report = Loading::Failed(e.clone());
        }
        _ => {}
    }
    time::sync(app);
    audit::sync(app);
}

/// Whether `pane` is one of panes 3-5.
pub fn owns(pane: Pane) -> bool {
    matches!(pane, Pane::Time | Pane::Maturity | Pane::Audit)
}

/// Move the selection of the active pane by `delta` rows (or links).
pub fn move_by(app: &mut App, delta: i64) {
    match app.pane {
        Pane::Time => time::move_by(app, delta),
        Pane::Maturity => maturity::move_by(app, delta),
        Pane::Audit => audit::move_by(app, delta),
        _ => {}
    }
}

/// Page up (`dir` -1) or down (1) in the active pane.
pub fn page(app: &mut App, dir: i64) {
    match app.pane {
        Pane::Time => {
            let rows = time::table_rows(app.body());
            time::move_by(app, dir * i64::try_from(rows).unwrap_or(1));
        }
        Pane::Maturity => {
            let rows = maturity::table_rows(app);
            maturity::move_by(app, dir * i64::try_from(rows).unwrap_or(1));
        }
        Pane::Audit => audit::page(app, dir),
        _ => {}
    }
}

/// `Enter` in the active pane.
pub fn open(app: &mut App) {
    match app.pane {
        Pane::Time => time::open(app),
        Pane::Maturity => maturity::open(app),
        Pane::Audit => audit::follow(app),
        _ => {}
    }
}

/// `Esc` in panes 3-5: back along the links followed. Returns whether it
/// went anywhere.
pub fn back(app: &mut App) -> bool {
    if app.pane == Pane::Audit && audit::back(app) {
        return true;
    }
    if let Some(p) = app.panes.return_to.take() {
        app.pane = p;
        return true;
    }
    false
}
