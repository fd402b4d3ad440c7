//! The live view: the ledger's watcher ([`crate::ledger::watch`]) feeds the
//! workstation while it is open.
//!
//! Appended records show up in the browser as they are verified; a chain
//! view whose cursor sits on its last row follows the end (badge
//! `▼ FOLLOW`), one scrolled up stays put (badge `‖ PAUSED`, with how many
//! rows are below) until `G` puts it back on the last row. An alert (a
//! rewrite, truncation, replacement or deletion of a watched file) is a
//! banner that stays until acknowledged with `a`, and a finding of its
//! file in the integrity pane for as long as the ledger is open; the
//! watcher then verifies the whole ledger again and the panes show that.
//!
//! The watcher runs on its own thread ([`spawn`]); what reaches `update` is
//! one [`Msg::Live`] per event, so the tests replay events without threads.

use crate::ledger::discover::FileKind;
use crate::ledger::io::line_index::IndexedFile;
use crate::ledger::model::finding::Finding;
use crate::ledger::model::report::{FileReport, VerifyReport};
use crate::ledger::verify::VerifyOptions;
use crate::ledger::watch::event::NativeUpdate;
use crate::ledger::watch::thread::WatchHandle;
use crate::ledger::watch::{Alert, PendingEvent, RecordEvent, WatchEvent, WatchOptions};
use crate::tui::app::{App, Level};
use crate::tui::chain::{ChainKind, Source};
use crate::tui::msg::Msg;
use crate::tui::{actions, strings, update};
use ratatui::Frame;
use ratatui::layout::Rect;
use ratatui::style::Style;
use ratatui::text::Line;
use ratatui::widgets::Paragraph;
use std::path::PathBuf;
use std::sync::mpsc::Sender;

/// The live view's state.
#[derive(Debug, Default)]
pub struct LiveView {
    /// Whether the watcher is running (its first verification is done).
    pub active: bool,
    /// Every alert raised while the ledger was open, oldest first.
    pub alerts: Vec<Alert>,
    /// How many of the latest alerts were not acknowledged yet.
    pub unacknowledged: usize,
    /// Incomplete lines being written, per file.
    pub pending: Vec<PendingEvent>,
    /// Whether a full re-verification is running.
    pub reverifying: bool,
    /// Findings on lines judged live, with their file, kept so that a
    /// report arriving later still lists them.
    pub findings: Vec<(&'static str, Finding)>,
    /// Lines of each chain when the watcher started: a view scrolled up is
    /// `PAUSED` only once its chain has grown past them (a ledger just
    /// opened at its top is not paused: nothing arrived yet).
    pub opened: Vec<(ChainKind, u64)>,
}

impl LiveView {
    /// Whether the alert banner is shown.
    pub fn banner(&self) -> bool {
        self.unacknowledged > 0
    }

    /// The alert banner wrapped to `width` columns (none when there is
    /// nothing to acknowledge): a long alert takes more rows, not fewer
    /// words.
    pub fn banner_lines(&self, width: u16) -> Vec<String> {
        match self.alerts.last() {
            Some(last) if self.banner() => crate::tui::detail::wrap(
                &strings::alert_banner(&last.text(), self.unacknowledged),
                usize::from(width).max(10),
            ),
            _ => Vec::new(),
        }
    }
}

/// Start the watcher for the workstation: its events arrive as
/// [`Msg::Live`]. After a full re-verification the chains are indexed
/// again on the watcher's thread (their files may have shrunk or been
/// replaced), so the loop never waits on the disk for it.
pub fn spawn(ledger: PathBuf, verify: VerifyOptions, tx: Sender<Msg>) -> WatchHandle {
    let options = WatchOptions {
        verify,
        ..WatchOptions::default()
    };
    crate::ledger::watch::thread::spawn(ledger, options, move |ev| {
        messages(ev).into_iter().all(|m| tx.send(m).is_ok())
    })
}

/// The messages one watcher event becomes: after a full re-verification,
/// the chains indexed again (their files may have shrunk or been
/// replaced), then the event itself. Runs on the watcher's thread.
pub fn messages(ev: WatchEvent) -> Vec<Msg> {
    let mut out = Vec::new();
    if let WatchEvent::Reverified(r) = &ev {
        for chain in ChainKind::ALL {
            let Some(file) = r.files.iter().find(|f| f.name == chain.name()) else {
                continue;
            };
            let result = IndexedFile::open(std::path::Path::new(&file.path), |_| {})
                .map_err(|e| format!("{}: {e}", file.path));
            out.push(Msg::Indexed { chain, result });
        }
    }
    out.push(Msg::Live(ev));
    out
}

/// Apply one watcher event.
pub fn on_event(app: &mut App, ev: WatchEvent) {
    match ev {
        WatchEvent::Ready(report) => {
            app.live.active = true;
            if app.live.opened.is_empty() {
                app.live.opened = app
                    .browser
                    .chains()
                    .iter()
                    .map(|c| (c.kind, c.lines()))
                    .collect();
            }
            show_report(app, report);
            // Lines appended between indexing and the watcher's start.
            let kinds: Vec<ChainKind> = app.browser.chains().iter().map(|c| c.kind).collect();
            for chain in kinds {
                grow(app, chain);
            }
        }
        WatchEvent::Record(r) => on_record(app, &r),
        WatchEvent::Pending(p) => {
            let chain = ChainKind::from_name(p.file);
            app.live.pending.retain(|q| q.file != p.file);
            app.live.pending.push(p);
            if let Some(chain) = chain {
                grow(app, chain);
            }
        }
        WatchEvent::Alert(a) => {
            app.live.alerts.push(a);
            app.live.unacknowledged += 1;
            if let Some(r) = take_report(app) {
                show_report(app, r);
            }
            actions::refresh_views(app);
        }
        WatchEvent::Reverifying { .. } => app.live.reverifying = true,
        WatchEvent::Reverified(report) => {
            app.live.reverifying = false;
            app.live.pending.clear();
            // The lines judged live are judged again in this report.
            app.live.findings.clear();
            show_report(app, report);
        }
        WatchEvent::Error(e) => app.say(Level::Warn, strings::live_error(&e)),
    }
}

/// `a`: the alerts stay listed among the findings, the banner goes.
pub fn acknowledge(app: &mut App) {
    app.live.unacknowledged = 0;
    actions::refresh_views(app);
}

fn on_record(app: &mut App, r: &RecordEvent) {
    app.live.pending.retain(|q| q.file != r.file);
    counted(app, r);
    if let Some(n) = &r.native {
        native_numbers(app, n);
    }
    if !r.findings.is_empty() {
        app.live
            .findings
            .extend(r.findings.iter().map(|f| (r.file, f.clone())));
        if let Some(report) = take_report(app) {
            show_report(app, report);
        }
    }
    let Some(chain) = ChainKind::from_name(r.file) else {
        return;
    };
    if let Some(m) = app.chain_mut(chain).and_then(|v| v.marks.as_mut()) {
        m.add_live(r.line, &r.findings);
    }
    grow(app, chain);
}

/// The integrity pane counts the line judged live: its file's report has
/// at least that many lines and records (one record a line in every file
/// judged line by line: chains, the manifest, checkpoint histories).
fn counted(app: &mut App, r: &RecordEvent) {
    let crate::tui::app::Loading::Ready(report) = &mut app.report else {
        return;
    };
    if let Some(f) = report.files.iter_mut().find(|f| f.name == r.file) {
        f.lines = f.lines.max(r.line);
        f.records = f.records.max(r.line);
    }
    // A record judged live: the panes that summarise the chains (time,
    // maturity) count it too.
    app.panes.report_changed();
}

/// A native chain's numbers after records or a checkpoint judged live:
/// the report's status of the chain is updated in place (tree size and
/// root, signed size, unsigned records, MAC counts), so the integrity pane
/// shows what the watcher established without a full re-verification.
fn native_numbers(app: &mut App, n: &NativeUpdate) {
    let crate::tui::app::Loading::Ready(report) = &mut app.report else {
        return;
    };
    if let Some(f) = report.files.iter_mut().find(|f| f.name == n.chain) {
        f.records = n.status.tree_size;
        f.lines = n.status.tree_size;
        f.native = Some(n.status.clone());
    }
    app.panes.report_changed();
}

/// Index what was appended to `chain`'s file; follow the end if the
/// cursor was on the last row.
fn grow(app: &mut App, chain: ChainKind) {
    let rows = app.table_rows();
    let Some(view) = app.chain_mut(chain) else {
        return;
    };
    let following = view.cursor + 1 >= view.lines();
    let Source::Ready(file) = &mut view.source else {
        return;
    };
    // A file that shrank raises an alert; the re-verification indexes it again.
    if file.refresh().is_err() {
        return;
    }
    // A filter in effect matches the appended lines (and only those).
    crate::tui::filter::reapply(view);
    if following {
        view.move_to(u64::MAX, rows);
    } else {
        view.refresh(rows);
    }
}

fn take_report(app: &mut App) -> Option<Box<VerifyReport>> {
    match std::mem::take(&mut app.report) {
        crate::tui::app::Loading::Ready(r) => Some(r),
        other => {
            app.report = other;
            None
        }
    }
}

/// Show `report` with every alert and live finding added to its files.
fn show_report(app: &mut App, report: Box<VerifyReport>) {
    let report = annotate(&app.live, report);
    update::on_verified(app, Ok(report));
}

/// `report` with the alerts and the live findings among its findings (each
/// once), so the integrity pane and the verdict include them.
pub fn annotate(live: &LiveView, mut report: Box<VerifyReport>) -> Box<VerifyReport> {
    let extra = live
        .alerts
        .iter()
        .map(|a| (a.file, a.path.as_str(), a.finding()))
        .chain(live.findings.iter().map(|(file, f)| (*file, "", f.clone())));
    for (file, path, finding) in extra {
        let i = if let Some(i) = report.files.iter().position(|f| f.name == file) {
            i
        } else {
            // A deleted file has no report of its own any more.
            let kind = FileKind::ALL.into_iter().find(|k| k.name() == file);
            let cov = kind.map_or_else(
                || FileKind::SpiceChain.coverage(false),
                |k| k.coverage(false),
            );
            report.files.push(FileReport::new(
                kind.map_or("unknown", FileKind::name),
                path.to_owned(),
                cov,
            ));
            report.files.len() - 1
        };
        let f = &mut report.files[i];
        if !f.findings.contains(&finding) {
            f.findings.push(finding);
            f.settle();
        }
    }
    report.settle();
    report
}

/// The status bar badge: following or paused (with the rows below), and
/// what the watcher is doing. Empty when the watcher is not running.
pub fn badge(app: &App) -> String {
    if !app.live.active {
        return String::new();
    }
    let view = app.current();
    let below = view.lines().saturating_sub(view.cursor + 1);
    let grown = app
        .live
        .opened
        .iter()
        .find(|(k, _)| *k == view.kind)
        .is_none_or(|(_, n)| view.lines() > *n);
    let mut s = if below == 0 {
        strings::FOLLOW.to_owned()
    } else if grown {
        strings::paused(below)
    } else {
        strings::LIVE.to_owned()
    };
    if app.live.reverifying {
        s.push(' ');
        s.push_str(strings::REVERIFYING);
    } else if let Some(p) = app.live.pending.first() {
        s.push(' ');
        s.push_str(&strings::pending_bytes(p.bytes));
    }
    s
}

/// The alert banner over the pane: the latest alert, how many more, and
/// the key that acknowledges them.
pub fn render_banner(app: &App, f: &mut Frame, area: Rect) {
    let style: Style = app.theme.bad.patch(app.theme.mode);
    let lines: Vec<Line> = app
        .live
        .banner_lines(area.width)
        .into_iter()
        .map(|l| Line::styled(l, style))
        .collect();
    f.render_widget(Paragraph::new(lines), area);
}
