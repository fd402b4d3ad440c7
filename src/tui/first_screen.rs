//! The first screen tells the truth: when the first verdict on a ledger
//! finds a violation, the browser shows the first violation's record (its
//! chain selected, the cursor on it) and the message line names it, so a
//! tampered ledger does not open on a page of ✔ rows with the verdict only
//! in the status bar. A reviewer who already moved keeps their place; the
//! message still names the finding.

use crate::ledger::model::report::{LedgerStatus, VerifyReport};
use crate::tui::app::Level;
use crate::tui::browser::Browser;
use crate::tui::chain::ChainKind;
use crate::tui::queue::Queue;
use crate::tui::strings;

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

/// The first violation of `report` (the first verdict): the 1-based line
/// of a chain of the browser `b` to show it on, when the reviewer has not
/// moved yet (`overlays_closed`: the browser is the pane shown, nothing
/// over it). The message line names the finding unless `said` (something
/// is being said already): the caller shows the line at once, the message
/// follows through `queue`.
pub fn show(
    report: &VerifyReport,
    b: &Browser,
    overlays_closed: bool,
    said: bool,
    queue: &mut Queue,
) -> Option<(ChainKind, u64)> {
    let first = Some(report)
        .filter(|r| r.status == LedgerStatus::Violated)
        .and_then(first_violation)?;
    let mut target = None;
    let untouched = overlays_closed && b.detail().is_none() && b.current().cursor == 0;
    if untouched
        && let (Some(chain), Some(line)) = (first.chain, first.line)
        && b.chain_of(chain).is_some()
    {
        target = Some((chain, line));
    }
    if !said {
        queue.say(Level::Error, first.text);
    }
    target
}
