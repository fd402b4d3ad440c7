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
use crate::ledger::open::Ledger;
use crate::ledger::verify::VerifyOptions;
use crate::ledger::watch::WatchHandle;
use crate::ledger::watch::event::NativeUpdate;
use crate::ledger::watch::{Alert, PendingEvent, RecordEvent, WatchEvent, WatchOptions};
use crate::tui::app::Loading;
use crate::tui::browser::Browser;
use crate::tui::chain::{ChainKind, ChainView, Source};
use crate::tui::msg::Msg;
use crate::tui::strings;
use ratatui::Frame;
use ratatui::layout::Rect;
use ratatui::style::Style;
use ratatui::text::Line;
use ratatui::widgets::Paragraph;
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
/// replaced), so the loop never waits on the disk for it. It watches
/// through the [`Ledger`], which hands it its HMAC key.
pub fn spawn(ledger: &Ledger, verify: VerifyOptions, tx: Sender<Msg>) -> WatchHandle {
    let options = WatchOptions {
        verify,
        ..WatchOptions::default()
    };
    ledger.watch(options, move |ev| {
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

/// The integrity pane counts the line judged live: its file's report has
/// at least that many lines and records (one record a line in every file
/// judged line by line: chains, the manifest, checkpoint histories).
/// Whether there was a report to count it in (the panes that summarise
/// the chains, time and maturity, count it too then).
pub fn counted(report: &mut Loading<Box<VerifyReport>>, r: &RecordEvent) -> bool {
    let Loading::Ready(report) = report else {
        return false;
    };
    if let Some(f) = report.files.iter_mut().find(|f| f.name == r.file) {
        f.lines = f.lines.max(r.line);
        f.records = f.records.max(r.line);
    }
    true
}

/// A native chain's numbers after records or a checkpoint judged live:
/// the report's status of the chain is updated in place (tree size and
/// root, signed size, unsigned records, MAC counts), so the integrity pane
/// shows what the watcher established without a full re-verification.
/// Whether there was a report to update.
pub fn native_numbers(report: &mut Loading<Box<VerifyReport>>, n: &NativeUpdate) -> bool {
    let Loading::Ready(report) = report else {
        return false;
    };
    if let Some(f) = report.files.iter_mut().find(|f| f.name == n.chain) {
        f.records = n.status.tree_size;
        f.lines = n.status.tree_size;
        f.native = Some(n.status.clone());
    }
    true
}

/// Index what was appended to `chain`'s file in the browser `b` (`rows`
/// rows in its table); follow the end if the cursor was on the last row.
pub fn grow(b: &mut Browser, chain: ChainKind, rows: usize) {
    let Some(view) = b.chain_mut(chain) else {
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

/// The report shown, taken out to be annotated and shown again (`None`
/// while there is none).
pub fn take_report(report: &mut Loading<Box<VerifyReport>>) -> Option<Box<VerifyReport>> {
    match std::mem::take(report) {
        Loading::Ready(r) => Some(r),
        other => {
            *report = other;
            None
        }
    }
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
pub fn badge(live: &LiveView, view: &ChainView) -> String {
    if !live.active {
        return String::new();
    }
    let below = view.lines().saturating_sub(view.cursor + 1);
    let grown = live
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
    if live.reverifying {
        s.push(' ');
        s.push_str(strings::REVERIFYING);
    } else if let Some(p) = live.pending.first() {
        s.push(' ');
        s.push_str(&strings::pending_bytes(p.bytes));
    }
    s
}

/// The alert banner over the pane: the latest alert, how many more, and
/// the key that acknowledges them.
pub fn render_banner(live: &LiveView, theme: &crate::tui::theme::Theme, f: &mut Frame, area: Rect) {
    let style: Style = theme.bad.patch(theme.mode);
    let lines: Vec<Line> = live
        .banner_lines(area.width)
        .into_iter()
        .map(|l| Line::styled(l, style))
        .collect();
    f.render_widget(Paragraph::new(lines), area);
}
