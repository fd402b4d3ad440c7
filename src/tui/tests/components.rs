//! Panes as components: each answers an action from its own state and a
//! [`crate::tui::context::Ctx`], and asks the rest of the workstation
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
