//! The background work of panes 3-5 and of the browser's `:filter` and
//! searches: each [`Job`] reads what it needs from the ledger's files on
//! its own thread and answers with one [`Msg`].
//!
//! Jobs only read: they open the files read-only through the same
//! streaming readers the CLI uses (`iss report time`, `iss report maturity`,
//! `iss audit`), so the panes show exactly what the commands print; a
//! search reads through a snapshot of the browser's open file.

use crate::analysis::audit::{TrailFiles, audit_trail};
use crate::analysis::pulses::{TimeSummary, for_each_pulse};
use crate::analysis::records::{Exclusions, descriptor_file, maturity_report, pulse_file};
use crate::ledger::discover::FileKind;
use crate::ledger::io::line_index::IndexedFile;
use crate::ledger::model::report::VerifyReport;
use crate::ledger::verify::VerifyOptions;
use crate::tui::audit::{AuditPage, ManifestLine};
use crate::tui::msg::Msg;
use crate::tui::panes::PanesMsg;
use crate::tui::strings::analysis as s;
use crate::tui::time::{IntervalSeries, TimeOverview};
use std::panic::{AssertUnwindSafe, catch_unwind};
use std::path::Path;
use std::sync::Arc;
use std::sync::mpsc::Sender;

/// Bytes of a manifest line shown at most.
const MANIFEST_LINE_MAX: usize = 256 * 1024;

/// One piece of background work.
#[derive(Debug)]
pub enum Job {
    /// Summarise the pulse chain (pane 3).
    Time(Arc<VerifyReport>),
    /// Build the maturity report (pane 4).
    Maturity(Arc<VerifyReport>),
    /// The audit trail of one descriptor (pane 5).
    Audit {
        /// The request this answers.
        request: u64,
        /// What verification found.
        report: Arc<VerifyReport>,
        /// The descriptor's id.
        id: String,
    },
    /// A `:filter` scan of a chain file (pane 1).
    Filter(Box<crate::tui::filter::ScanJob>),
    /// A search of a chain file (pane 1).
    Search(Box<crate::tui::search::SearchJob>),
    /// A sort of a chain file's records (pane 1).
    Sort(Box<crate::tui::sort::SortJob>),
    /// The hits of a search, counted (pane 1).
    CountHits(Box<crate::tui::hits::CountJob>),
    /// `:goto TIME` (panes 1 and 3).
    GotoTime(Box<crate::tui::goto_time::GotoTimeJob>),
    /// The time histogram's counts (pane 1, `H`).
    Histogram(Box<crate::tui::histogram::count::CountJob>),
    /// One line of the integrity manifest (pane 5, a followed link).
    Manifest {
        /// The request this answers.
        request: u64,
        /// What verification found.
        report: Arc<VerifyReport>,
        /// 1-based manifest line.
        line: u64,
    },
}

impl Job {
    /// Do the work and return its message. The analyses are tested never
    /// to panic; should one all the same, the pane says so instead of
    /// computing for ever.
    pub fn run(self) -> Msg {
        let fail: Box<dyn FnOnce(String) -> PanesMsg> = match &self {
            Job::Time(_) => Box::new(|e| PanesMsg::Time(Err(e))),
            Job::Maturity(_) => Box::new(|e| PanesMsg::Maturity(Err(e))),
            Job::Filter(j) => {
                let j = (**j).clone();
                Box::new(move |e| PanesMsg::Filter(Box::new(j.failed(e))))
            }
            Job::CountHits(j) => {
                let (query, kind) = (j.query.clone(), j.kind);
                Box::new(move |e| {
                    PanesMsg::Counted(Box::new(crate::tui::hits::Counted {
                        query,
                        kind,
                        result: Err(e),
                    }))
                })
            }
            Job::GotoTime(j) => {
                let (request, kind, pane, text) = (j.request, j.kind, j.pane, j.text.clone());
                Box::new(move |e| {
                    PanesMsg::GotoTime(Box::new(crate::tui::goto_time::GotoTimeDone {
                        request,
                        kind,
                        text,
                        pane,
                        result: Err(e),
                    }))
                })
            }
            Job::Histogram(j) => {
                let j = (**j).clone();
                Box::new(move |e| PanesMsg::Histogram(Box::new(j.failed(e))))
            }
            Job::Sort(j) => {
                let (request, kind) = (j.request, j.kind);
                Box::new(move |e| {
                    PanesMsg::Sorted(Box::new(crate::tui::sort::SortDone {
                        request,
                        kind,
                        result: Err(e),
                    }))
                })
            }
            Job::Search(j) => {
                let (request, kind) = (j.request, j.kind);
                Box::new(move |e| PanesMsg::Search {
                    request,
                    kind,
                    result: Err(e),
                })
            }
            Job::Audit { request, .. } | Job::Manifest { request, .. } => {
                let request = *request;
                Box::new(move |e| PanesMsg::Audit {
                    request,
                    result: Err(e),
                })
            }
        };
        Msg::Panes(
            catch_unwind(AssertUnwindSafe(|| self.run_inner()))
                .unwrap_or_else(|_| fail(s::INTERNAL_ERROR.to_owned())),
        )
    }

    fn run_inner(self) -> PanesMsg {
        match self {
            Job::Filter(j) => PanesMsg::Filter(Box::new(j.run())),
            Job::Search(j) => j.run(),
            Job::Sort(j) => PanesMsg::Sorted(Box::new(j.run())),
            Job::GotoTime(j) => PanesMsg::GotoTime(Box::new(j.run())),
            Job::Histogram(j) => PanesMsg::Histogram(Box::new(j.run())),
            Job::CountHits(j) => PanesMsg::Counted(Box::new(j.run())),
            Job::Time(report) => PanesMsg::Time(time(&report).map(Box::new)),
            Job::Maturity(report) => PanesMsg::Maturity(maturity(&report).map(Box::new)),
            Job::Audit {
                request,
                report,
                id,
            } => PanesMsg::Audit {
                request,
                result: trail(&report, &id),
            },
            Job::Manifest {
                request,
                report,
                line,
            } => PanesMsg::Audit {
                request,
                result: manifest_line(&report, line),
            },
        }
    }
}

/// Start every job of `jobs` on its own thread; results arrive on `tx`.
pub fn spawn_all(jobs: &mut Vec<Job>, tx: &Sender<Msg>) {
    for job in jobs.drain(..) {
        let tx = tx.clone();
        std::thread::spawn(move || {
            // A closed channel means the workstation has quit: nothing to do.
            let _ = tx.send(job.run());
        });
    }
}

fn path_of(report: &VerifyReport, kind: FileKind) -> Option<&Path> {
    report
        .files
        .iter()
        .find(|f| f.name == kind.name())
        .map(|f| Path::new(f.path.as_str()))
}

fn time(report: &VerifyReport) -> Result<TimeOverview, String> {
    let file = pulse_file(report).ok_or_else(|| s::NO_TIME_CHAIN.to_owned())?;
    let exclusions = Exclusions::from_report(report, file.name());
    let options = VerifyOptions::default();
    let mut summary = TimeSummary::default();
    let mut intervals = IntervalSeries::default();
    let mut last_line = 0;
    let walk = for_each_pulse(file, &exclusions, &options.time, options.max_line, |row| {
        if let Some(i) = row.interval_s {
            intervals.add(i);
        }
        last_line = row.line;
        summary.add(&row);
    })
    .map_err(|e| format!("{}: {e}", file.path.display()))?;
    let covered = report.time_segments.last().map_or(0, |s| s.last_line);
    let segments = if !file.kind.runs_found_by_verification() {
        walk.segments
    } else if covered >= last_line {
        report.time_segments.clone()
    } else {
        // Pulses appended since the report (judged live) are in no run
        // yet: the runs are found again over the whole chain, as
        // verification finds them.
        crate::ledger::legacy::verify::time_layer::verify_time_layer(
            Some(file.path),
            path_of(report, FileKind::ForensicAudit),
            &options.time,
            options.max_line,
        )
        .1
    };
    Ok(TimeOverview {
        summary,
        intervals,
        segments,
        findings: walk.findings,
    })
}

fn maturity(report: &VerifyReport) -> Result<crate::analysis::maturity::MaturityReport, String> {
    let file = descriptor_file(report).ok_or_else(|| s::NO_DESCRIPTORS.to_owned())?;
    let exclusions = Exclusions::from_report(report, file.name());
    maturity_report(file, &exclusions, VerifyOptions::default().max_line)
        .map_err(|e| format!("{}: {e}", file.path.display()))
}

fn trail(report: &VerifyReport, id: &str) -> Result<AuditPage, String> {
    let chain = descriptor_file(report).ok_or_else(|| s::NO_DESCRIPTORS.to_owned())?;
    let files = TrailFiles {
        chain,
        manifest: path_of(report, FileKind::IntegrityManifest),
        pulses: path_of(report, FileKind::GlyphChain)
            .or_else(|| path_of(report, FileKind::NativePulses)),
    };
    let exclusions = Exclusions::from_report(report, chain.name());
    let max_line = VerifyOptions::default().max_line;
    match audit_trail(files, report, &exclusions, id, max_line) {
        Ok(Ok(t)) => Ok(AuditPage::Trail(Box::new(t))),
        Ok(Err(n)) => Ok(AuditPage::Ambiguous(n)),
        Err(e) => Err(format!("{}: {e}", chain.path.display())),
    }
}

fn manifest_line(report: &VerifyReport, line: u64) -> Result<AuditPage, String> {
    let kind = FileKind::IntegrityManifest;
    let path = path_of(report, kind).ok_or_else(|| s::NO_MANIFEST.to_owned())?;
    let shown = |e: std::io::Error| format!("{}: {e}", path.display());
    let file = IndexedFile::open(path, |_| {}).map_err(shown)?;
    let text = file
        .read_line(line.saturating_sub(1), MANIFEST_LINE_MAX)
        .map_err(shown)?
        .ok_or_else(|| s::no_such_line(kind.name(), line))?;
    let findings = report
        .files
        .iter()
        .filter(|f| f.name == kind.name())
        .flat_map(|f| f.findings.iter())
        .filter(|f| f.line == Some(line))
        .cloned()
        .collect();
    Ok(AuditPage::Manifest(ManifestLine {
        line,
        text: String::from_utf8_lossy(&text.bytes).into_owned(),
        truncated: text.truncated,
        findings,
    }))
}
