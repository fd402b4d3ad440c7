//! Searches run on a worker: until the answer comes the screen says what
//! is searched, and only the newest search the user still wants may move
//! the cursor (a stale, cancelled or other-chain answer is dropped).

use super::harness::Harness;
use crate::tui::chain::ChainKind;
use crate::tui::event_loop::run_all_blocking;
use crate::tui::msg::Msg;
use crate::tui::panes::{Job, PanesMsg};
use crate::tui::search::{Hit, SearchJob};
use crate::tui::strings;
use crate::tui::update::update;
use std::sync::atomic::Ordering;

/// The one search job queued.
fn search_job(t: &mut Harness) -> Box<SearchJob> {
    let mut jobs = t.take_jobs();
    assert_eq!(jobs.len(), 1, "one job queued: {jobs:?}");
    match jobs.pop() {
        Some(Job::Search(j)) => j,
        other => panic!("not a search: {other:?}"),
    }
}

/// An answer that found `line`, for request `request` on `kind`.
fn found(request: u64, kind: ChainKind, line: u64) -> Msg {
    Msg::Panes(PanesMsg::Search {
        request,
        kind,
        result: Ok(Some(Hit {
            line,
            wrapped: false,
        })),
    })
}

fn message(t: &Harness) -> Option<String> {
    t.app.message.as_ref().map(|(_, m)| m.clone())
}

#[test]
fn the_status_line_says_what_is_searched_until_the_answer_comes() {
    let mut t = Harness::sample(80, 24);
    assert!(!t.app.busy());
    t.keys_pending("/order_fulfilment<enter>");
    assert!(t.app.busy(), "the spinner runs while the search does");
    assert_eq!(t.app.current().cursor, 0, "nothing moved yet");
    let screen = t.screen();
    assert!(
        screen.contains(&strings::searching("order_fulfilment")),
        "{screen}"
    );
    run_all_blocking(&mut t.app);
    assert_eq!(t.app.current().cursor, 4);
    assert!(!t.app.busy());
    assert!(!t.screen().contains("searching"));
}

#[test]
fn goto_id_searches_in_the_background_too() {
    let mut t = Harness::sample(80, 24);
    t.keys_pending(":goto ffffffffffff<enter>");
    assert!(
        t.screen()
            .contains(&strings::searching("descriptor_id ffffffffffff")),
        "{}",
        t.screen()
    );
    let job = search_job(&mut t);
    assert_eq!((job.ask.from, job.ask.wrap_from), (Some(0), None));
    update(&mut t.app, Msg::Panes(job.run()));
    let said = message(&t).unwrap_or_default();
    assert!(said.contains("descriptor_id ffffffffffff"), "{said}");
}

#[test]
fn a_newer_search_cancels_the_older_and_its_answer_is_dropped() {
    let mut t = Harness::sample(80, 24);
    t.keys_pending("/order_fulfilment<enter>");
    let old = search_job(&mut t);
    t.keys_pending("/no such text<enter>");
    assert!(old.cancel.load(Ordering::Relaxed), "the old search stops");
    // Had it finished all the same, its hit would not move the cursor.
    update(&mut t.app, found(old.request, old.kind, 11));
    assert_eq!(t.app.current().cursor, 0);
    assert!(
        t.app.browser.search().is_some(),
        "the newer search still runs"
    );
    run_all_blocking(&mut t.app);
    assert_eq!(message(&t), Some(strings::search_not_found("no such text")));
}

#[test]
fn an_answer_for_a_chain_left_behind_is_dropped() {
    let mut t = Harness::sample(80, 24);
    t.keys_pending("/order_fulfilment<enter>");
    let job = search_job(&mut t);
    t.keys_pending("c");
    assert_eq!(t.app.current().kind, ChainKind::Pulses);
    assert!(
        job.cancel.load(Ordering::Relaxed),
        "switching chain stops it"
    );
    assert!(!t.app.busy());
    update(&mut t.app, found(job.request, job.kind, 11));
    assert_eq!(t.app.current().kind, ChainKind::Pulses, "no jump back");
    assert_eq!(t.app.chain_of(ChainKind::Descriptors).unwrap().cursor, 0);
    // Even an answer that is still the pending one is not applied to
    // another chain: the pending search is on pulses, the answer is not.
    t.keys_pending("/pulse<enter>");
    let pulses = search_job(&mut t);
    update(&mut t.app, found(pulses.request, ChainKind::Descriptors, 7));
    assert_eq!(t.app.chain_of(ChainKind::Descriptors).unwrap().cursor, 0);
    assert_eq!(t.app.current().kind, ChainKind::Pulses);
}

#[test]
fn esc_stops_a_search_and_its_late_answer_is_dropped() {
    let mut t = Harness::sample(80, 24);
    t.keys_pending("/order_fulfilment<enter>");
    let job = search_job(&mut t);
    t.keys_pending("<esc>");
    assert!(job.cancel.load(Ordering::Relaxed));
    assert_eq!(message(&t).as_deref(), Some(strings::SEARCH_STOPPED));
    assert!(t.app.browser.search().is_none() && !t.app.busy());
    // The worker, told to stop, answers with an error nobody is shown.
    let (request, kind) = (job.request, job.kind);
    let answer = job.run();
    assert!(
        matches!(&answer, PanesMsg::Search { result: Err(_), .. }),
        "{answer:?}"
    );
    update(&mut t.app, Msg::Panes(answer));
    assert_eq!(
        message(&t).as_deref(),
        Some(strings::SEARCH_STOPPED),
        "no read error shown"
    );
    // Nor does a hit that raced the cancel move anything.
    update(&mut t.app, found(request, kind, 11));
    assert_eq!(t.app.current().cursor, 0);
    // With no search running, Esc is back to its other uses.
    t.keys("<esc>");
    assert_ne!(message(&t).as_deref(), Some(strings::SEARCH_STOPPED));
}

#[test]
fn an_answer_that_comes_while_another_pane_shows_moves_the_cursor_not_the_screen() {
    let mut t = Harness::sample(80, 24);
    t.keys_pending("/order_fulfilment<enter>");
    t.keys_pending("2");
    run_all_blocking(&mut t.app);
    assert_eq!(
        t.app.pane,
        crate::tui::app::Pane::Integrity,
        "left where it was"
    );
    assert_eq!(
        t.app.current().cursor,
        4,
        "the browser's cursor is on the hit"
    );
    assert_eq!(message(&t), Some(strings::found_elsewhere(5)));
    t.keys("1");
    assert_eq!(t.app.current().cursor, 4);
}
