//! Panes as components: each answers an action from its own state and a
//! [`crate::tui::context::Ctx`] (the browser: a
//! [`crate::tui::browser::Env`]), and asks the rest of the workstation
//! through the queue; it changes nothing else.

use super::harness::Harness;
use crate::tui::app::Level;
use crate::tui::chain::ChainKind;
use crate::tui::keys::Action;
use crate::tui::maturity::MaturityView;
use crate::tui::queue::{Internal, Queue};
use crate::tui::strings::analysis as s;

#[test]
fn the_integrity_pane_asks_for_its_findings_line_and_changes_nothing_else() {
    let t = Harness::tampered(120, 40);
    let ctx = t.app.ctx();
    let mut view = t.app.integrity.clone();
    let mut queue = Queue::default();
    view.perform(&ctx, &mut queue, Action::Open);
    // The HASH_MISMATCH of spice_chain.jsonl line 10, as `2<enter>` shows.
    assert_eq!(
        queue.pop(),
        Some(Internal::GotoLine(ChainKind::Descriptors, 10))
    );
    assert_eq!(queue.pop(), None);
    assert_eq!(view, t.app.integrity, "Enter moves no selection");
    view.perform(&ctx, &mut queue, Action::Bottom);
    assert_eq!(view.selected(), view.findings().len() - 1);
    assert_eq!(queue.pop(), None, "moving asks nothing of the others");
}

#[test]
fn the_maturity_pane_says_when_there_is_no_process_to_show() {
    let mut queue = Queue::default();
    MaturityView::default().open(&mut queue);
    assert_eq!(
        queue.pop(),
        Some(Internal::Say(Level::Info, s::NO_PROCESS.to_owned()))
    );
}

#[test]
fn the_browser_asks_through_the_queue_and_moves_when_it_is_applied() {
    let mut t = Harness::tampered(120, 40);
    let (b, _, out) = t.app.browser_parts();
    let (kind, here) = (b.current().kind, b.current().cursor);
    b.current_mut().bookmarks.insert(here + 1);
    crate::tui::bookmarks::jump(b, out.queue, true);
    assert_eq!(out.queue.pop(), Some(Internal::GotoLine(kind, here + 2)));
    assert_eq!(out.queue.pop(), None, "not wrapped: nothing to say");
    assert_eq!(
        b.current().cursor,
        here,
        "nothing moves before the queue is applied"
    );
    out.queue.push(Internal::GotoLine(kind, here + 2));
    crate::tui::queue::drain(&mut t.app);
    assert_eq!(t.app.current().cursor, here + 1);
    assert_eq!(t.app.pane, crate::tui::app::Pane::Browser);
}

#[test]
fn a_line_of_a_chain_the_ledger_lacks_is_said_not_shown() {
    let mut t = Harness::tampered(120, 40);
    let before = t.app.current().cursor;
    // A legacy ledger has no native events chain.
    assert!(!t.app.browser.show_line(ChainKind::NativeEvents, 0, 10));
    t.app
        .queue
        .push(Internal::GotoLine(ChainKind::NativeEvents, 1));
    crate::tui::queue::drain(&mut t.app);
    assert_eq!(t.app.current().cursor, before);
    assert_eq!(
        t.app.message,
        Some((
            Level::Warn,
            crate::tui::strings::not_browsable(ChainKind::NativeEvents.name())
        ))
    );
}
