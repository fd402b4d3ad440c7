//! The first screen tells the truth: when the first verdict on a ledger
//! finds a violation, the browser shows the first violation's record (its
//! chain selected, the cursor on it) and the message line names it, so a
//! tampered ledger does not open on a page of ✔ rows with the verdict only
//! in the status bar. A reviewer who already moved keeps their place; the
//! message still names the finding.

use crate::ledger::model::report::{LedgerStatus, VerifyReport};
use crate::tui::app::{App, Level, Pane};
use crate::tui::chain::ChainKind;
use crate::tui::{actions, strings};

/// Whether the first verdict on the ledger was shown yet.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum FirstVerdict {
    /// Not yet: the next verdict is the first.
    #[default]
    Awaited,
    /// Shown: later verdicts (re-verifications) move nothing.
    Shown,
}

/// Where the first violation is, and what to say about it.
struct First {
    chain: Option<ChainKind>,
    line: Option<u64>,
    text: String,
}

fn first_violation(report: &VerifyReport) -> Option<First> {
    let violations = report.findings().filter(|(_, f)| f.is_violation()).count();
    let (file, f) = report.findings().find(|(_, f)| f.is_violation())?;
    // A finding of a file the browser cannot show (the manifest) points at
    // the chain records it implicates.
    let (chain, line) = match (ChainKind::from_name(file.name), f.line) {
        (Some(c), Some(l)) => (Some(c), Some(l)),
        _ => match &f.related {
            Some(r) => (ChainKind::from_name(r.file), Some(r.first_line)),
            None => (None, None),
        },
    };
    let text = strings::first_finding(
        f.kind.name(),
        file.name,
        f.line,
        f.record_id.as_deref(),
        violations,
    );
    Some(First { chain, line, text })
}

/// Called with the first verdict: select and name the first violation.
pub fn show(app: &mut App) {
    let Some(first) = app
        .report
        .ready()
        .filter(|r| r.status == LedgerStatus::Violated)
        .and_then(|r| first_violation(r))
    else {
        return;
    };
    let untouched = app.pane == Pane::Browser
        && app.browser.detail().is_none()
        && app.prompt.is_none()
        && app.help.is_none()
        && app.form.as_ref().is_none_or(|f| !f.visible)
        && app.current().cursor == 0;
    if untouched
        && let (Some(chain), Some(line)) = (first.chain, first.line)
        && app.chain_of(chain).is_some()
    {
        actions::goto_line(app, chain, line);
    }
    if app.message.is_none() {
        app.say(Level::Error, first.text);
    }
}
