//! Key sequences in panes 3-5: movement, jumps to anomalies, opening what
//! is selected in the browser, following audit links and coming back with
//! Esc, and the pending state before the background work answers.

use super::harness::Harness;
use super::harness::current_doc;
use super::panes_snapshots::tampered_pulses;
use crate::tui::app::{Loading, Pane};
use crate::tui::audit::{AuditPage, Link, Target};
use crate::tui::chain::ChainKind;
use crate::tui::msg::Msg;
use crate::tui::update::update;
use crossterm::event::{KeyModifiers, MouseEvent, MouseEventKind};

fn time_cursor(t: &Harness) -> u64 {
    t.app.time.cursor()
}

fn audit_target(t: &Harness) -> Target {
    t.app.audit.current().expect("a page").target.clone()
}

#[test]
fn the_time_pane_moves_pages_and_jumps_to_anomalies() {
    let mut t = Harness::sample(80, 24);
    t.keys("3");
    let rows = crate::tui::time::table_rows(t.app.body()) as u64;
    assert_eq!(time_cursor(t.keys("jj<down>")), 3);
    assert_eq!(time_cursor(t.keys("k<up>")), 1);
    assert_eq!(time_cursor(t.keys("G")), 159);
    assert_eq!(time_cursor(t.keys("j")), 159, "stays on the last pulse");
    assert_eq!(time_cursor(t.keys("g<pgdn>")), rows);
    assert_eq!(time_cursor(t.keys("<pgup>")), 0);
    assert_eq!(time_cursor(t.keys("<end>")), 159);
    // Exactly the rows on screen are decoded, with the cursor among them.
    let v = &t.app.time;
    assert_eq!(v.rows().len() as u64, rows);
    assert!(v.rows().iter().any(|r| r.line == 160));
    // The sample has no anomaly: e says so and stays.
    t.keys("ge");
    assert_eq!(time_cursor(&t), 0);
    assert!(t.app.message.is_some(), "e without an anomaly says so");
    // The wheel scrolls the pulses.
    let wheel = MouseEvent {
        kind: MouseEventKind::ScrollDown,
        column: 10,
        row: 10,
        modifiers: KeyModifiers::NONE,
    };
    update(&mut t.app, Msg::Mouse(wheel));
    assert_eq!(time_cursor(&t), 3);
}

#[test]
fn e_walks_the_tampered_pulses_and_enter_opens_the_browser() {
    let mut t = tampered_pulses(80, 24);
    t.keys("3e");
    assert_eq!(time_cursor(&t), 29, "the edited pulse is line 30");
    let row = t.app.time.rows().iter().find(|r| r.line == 30).unwrap();
    let interval = row.cells.as_ref().unwrap().interval.unwrap();
    assert!((interval - 5.0).abs() < 0.01, "interval {interval}");
    t.keys("e");
    let next = time_cursor(&t);
    assert!(
        next > 29,
        "a second anomaly after line 30 (the step back), got {next}"
    );
    assert_eq!(time_cursor(t.keys("E")), 29);
    t.keys("<enter>");
    assert_eq!(t.app.pane, Pane::Browser);
    assert_eq!(t.app.current().kind, ChainKind::Pulses);
    assert_eq!(t.app.current().cursor, 29);
}

#[test]
fn the_maturity_pane_selects_processes_and_opens_the_latest_assessment() {
    let mut t = Harness::sample(80, 24);
    t.keys("4");
    let report = t.app.maturity.report().ready().expect("computed");
    let n = report.processes.items.len();
    assert_eq!(n, 6);
    assert_eq!(t.keys("jj").app.maturity.selected(), 2);
    assert_eq!(t.keys("k").app.maturity.selected(), 1);
    assert_eq!(t.keys("G").app.maturity.selected(), n - 1);
    let rows = t.app.maturity.table_rows(&t.app.ctx());
    assert_eq!(
        t.keys("<pgup>").app.maturity.selected(),
        (n - 1).saturating_sub(rows)
    );
    assert_eq!(t.keys("g").app.maturity.selected(), 0);
    let latest = t.app.maturity.report().ready().unwrap().processes.items[0]
        .latest
        .as_ref()
        .unwrap()
        .line;
    t.keys("<enter>");
    assert_eq!(t.app.pane, Pane::Browser);
    assert_eq!(t.app.current().kind, ChainKind::Descriptors);
    assert_eq!(t.app.current().cursor + 1, latest);
}

#[test]
fn audit_follows_a_descriptor_link_and_esc_comes_back() {
    let mut t = Harness::sample(80, 24);
    // Line 5 in the browser, then its trail.
    t.keys("jjjj5");
    assert_eq!(t.app.pane, Pane::Audit);
    assert!(matches!(
        audit_target(&t),
        Target::Descriptor { line: 5, .. }
    ));
    // The first link is the previous record (line 4): follow it.
    let doc = current_doc(&t.app).unwrap();
    assert!(matches!(doc.links[0].1, Link::Descriptor { line: 4, .. }));
    t.keys("<enter>");
    assert!(matches!(
        audit_target(&t),
        Target::Descriptor { line: 4, .. }
    ));
    assert_eq!(t.app.audit.history().len(), 1);
    // And the next record of line 4 is line 5 again, one level deeper.
    t.keys("j<enter>");
    assert!(matches!(
        audit_target(&t),
        Target::Descriptor { line: 5, .. }
    ));
    assert_eq!(t.app.audit.history().len(), 2);
    t.keys("<esc>");
    assert!(matches!(
        audit_target(&t),
        Target::Descriptor { line: 4, .. }
    ));
    assert_eq!(
        t.app.audit.current().unwrap().link,
        1,
        "the page comes back as it was left"
    );
    t.keys("<esc>");
    assert!(matches!(
        audit_target(&t),
        Target::Descriptor { line: 5, .. }
    ));
    assert_eq!(t.app.pane, Pane::Audit);
    // Nothing more to go back to: Esc returns to the browser.
    assert_eq!(t.keys("<esc>").app.pane, Pane::Browser);
}

#[test]
fn audit_follows_the_manifest_and_pulse_links_and_comes_back() {
    let mut t = Harness::sample(80, 24);
    t.keys("jjjj5jj");
    let doc = current_doc(&t.app).unwrap();
    let selected = t.app.audit.current().unwrap().link;
    assert_eq!(doc.links[selected].1, Link::Manifest { line: 6 });
    t.keys("<enter>");
    let page = &t.app.audit.current().unwrap().page;
    let Loading::Ready(AuditPage::Manifest(m)) = page else {
        panic!("a manifest page, got {page:?}");
    };
    assert!(
        m.text.contains("\"descriptor_count\":5"),
        "as stored: {}",
        m.text
    );
    assert!(
        t.screen().contains("\"descriptor_count\": 5"),
        "pretty-printed on screen"
    );
    t.keys("<esc>");
    assert!(matches!(
        audit_target(&t),
        Target::Descriptor { line: 5, .. }
    ));
    // The pulse at the start of the glyph range opens in the time pane...
    t.keys("j");
    let doc = current_doc(&t.app).unwrap();
    let selected = t.app.audit.current().unwrap().link;
    assert_eq!(doc.links[selected].1, Link::Pulse { line: 17 });
    t.keys("<enter>");
    assert_eq!(t.app.pane, Pane::Time);
    assert_eq!(time_cursor(&t), 16);
    // ... and Esc comes back to the trail, where it was.
    t.keys("<esc>");
    assert_eq!(t.app.pane, Pane::Audit);
    assert_eq!(t.app.audit.current().unwrap().link, selected);
}

#[test]
fn a_from_the_browser_audits_the_selected_record() {
    let mut t = Harness::sample(80, 24);
    t.keys("G");
    t.keys("a");
    assert_eq!(t.app.pane, Pane::Audit);
    assert!(matches!(
        audit_target(&t),
        Target::Descriptor { line: 40, .. }
    ));
    // Another selection in the browser starts a new trail.
    t.keys("1g5");
    assert!(matches!(
        audit_target(&t),
        Target::Descriptor { line: 1, .. }
    ));
    let doc = current_doc(&t.app).unwrap();
    assert!(
        !doc.links
            .iter()
            .any(|(_, l)| matches!(l, Link::Descriptor { line: 0, .. })),
        "the genesis record has no previous link"
    );
}

#[test]
fn panes_show_a_pending_state_until_the_background_answers() {
    use crate::tui::load::load_blocking;
    use std::path::Path;
    let path = Path::new(super::harness::SAMPLE);
    let mut t = Harness::unloaded(path, 80, 24);
    for msg in load_blocking(path) {
        update(&mut t.app, msg);
    }
    // Verified, but the analyses have not run: they are queued, not done.
    assert_eq!(t.app.panes.jobs.len(), 2);
    assert!(t.app.busy());
    update(
        &mut t.app,
        Msg::Key(crossterm::event::KeyEvent::from(
            crossterm::event::KeyCode::Char('4'),
        )),
    );
    assert!(
        t.screen().contains("computing the maturity report"),
        "{}",
        t.screen()
    );
    update(
        &mut t.app,
        Msg::Key(crossterm::event::KeyEvent::from(
            crossterm::event::KeyCode::Char('5'),
        )),
    );
    assert!(
        t.screen().contains("computing the audit trail"),
        "{}",
        t.screen()
    );
    // The jobs answer: every pane is ready and nothing is busy.
    crate::tui::event_loop::run_all_blocking(&mut t.app);
    assert!(t.app.maturity.report().ready().is_some());
    assert!(t.app.time.overview().ready().is_some());
    assert!(!t.app.audit.pending());
    assert!(!t.app.busy());
}

#[test]
fn a_stale_audit_answer_is_ignored() {
    let mut t = Harness::sample(80, 24);
    t.keys("5");
    let request = t.app.audit.current().unwrap().request;
    crate::tui::panes::on_msg(
        &mut t.app,
        crate::tui::panes::PanesMsg::Audit {
            request: request + 100,
            result: Err("stale".to_owned()),
        },
    );
    assert!(matches!(
        t.app.audit.current().unwrap().page,
        Loading::Ready(AuditPage::Trail(_))
    ));
}
