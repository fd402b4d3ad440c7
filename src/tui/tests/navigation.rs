//! Key sequences drive `update` without a terminal: movement, search, jumps
//! to a line and to a finding, the detail view and back, panes and prompts.

use super::harness::{Harness, message};
use crate::tui::app::{Pane, PromptKind};
use crate::tui::chain::ChainKind;
use crate::tui::msg::Msg;
use crate::tui::strings;
use crate::tui::update::update;
use crossterm::event::{KeyModifiers, MouseEvent, MouseEventKind};

fn cursor(t: &Harness) -> u64 {
    t.app.current().cursor
}

/// The clock the workstation under test reads (the harness fixes it).
fn clock(t: &Harness) -> std::sync::Arc<dyn crate::ledger::clock::Clock> {
    t.app.writing.clock.clone()
}

#[test]
fn rows_move_with_vi_keys_arrows_and_pages() {
    let mut t = Harness::sample(80, 24);
    let rows = t.app.table_rows() as u64;
    assert_eq!(cursor(t.keys("jjj")), 3);
    assert_eq!(cursor(t.keys("k<up>")), 1);
    assert_eq!(cursor(t.keys("<down>")), 2);
    assert_eq!(cursor(t.keys("G")), 39);
    assert_eq!(cursor(t.keys("j")), 39, "stays on the last record");
    assert_eq!(cursor(t.keys("g")), 0);
    assert_eq!(cursor(t.keys("k")), 0, "stays on the first record");
    assert_eq!(cursor(t.keys("<pgdn>")), rows);
    assert_eq!(cursor(t.keys("<pgup>")), 0);
    assert_eq!(cursor(t.keys("<end>")), 39);
    assert_eq!(cursor(t.keys("<home>")), 0);
    // The rows decoded are exactly the rows on screen.
    assert_eq!(t.app.current().rows.len() as u64, rows);
}

#[test]
fn goto_line_by_number_or_command() {
    let mut t = Harness::sample(80, 24);
    assert_eq!(cursor(t.keys(":25<enter>")), 24);
    assert_eq!(cursor(t.keys(":goto 7<enter>")), 6);
    assert_eq!(
        cursor(t.keys(":999<enter>")),
        39,
        "clamped to the last line"
    );
    assert_eq!(cursor(t.keys(":0<enter>")), 0);
    t.keys(":frobnicate<enter>");
    assert_eq!(message(&t), strings::unknown_command("frobnicate"));
    assert_eq!(cursor(&t), 0);
    // Going to a line from another pane shows the browser.
    assert_eq!(t.keys("2:12<enter>").app.pane, Pane::Browser);
    assert_eq!(cursor(&t), 11);
    // An id prefix goes to its record (line 30 of the sample's chain).
    let line30 = std::fs::read_to_string("data/sample-ledger/data/spice_layer/spice_chain.jsonl")
        .unwrap()
        .lines()
        .nth(29)
        .map(|l| l[18..26].to_owned())
        .unwrap();
    assert_eq!(cursor(t.keys(&format!(":goto {line30}<enter>"))), 29);
    t.keys(":goto ffffffffffff<enter>");
    assert!(
        message(&t).contains("descriptor_id ffffffffffff"),
        "{}",
        message(&t)
    );
    assert_eq!(cursor(&t), 29, "a miss does not move");
}

#[test]
fn search_forward_back_and_around() {
    let mut t = Harness::sample(80, 24);
    // Order_Fulfilment is on lines 5, 8 and 12 (and later); case is ignored.
    assert_eq!(cursor(t.keys("/order_fulfilment<enter>")), 4);
    assert_eq!(cursor(t.keys("n")), 7);
    assert_eq!(cursor(t.keys("n")), 11);
    assert_eq!(cursor(t.keys("N")), 7);
    let last_hit = cursor(t.keys("gN"));
    assert_eq!(message(&t), strings::SEARCH_WRAPPED);
    assert!(
        last_hit > 11,
        "N from the top wraps to the last hit, got {last_hit}"
    );
    assert_eq!(
        cursor(t.keys("n")),
        4,
        "n from the last hit wraps to the first"
    );
    // An empty search repeats the last one.
    assert_eq!(cursor(t.keys("/<enter>")), 7);
    t.keys("/no such text<enter>");
    assert_eq!(message(&t), strings::search_not_found("no such text"));
    assert_eq!(cursor(&t), 7, "a failed search does not move");
}

#[test]
fn n_without_a_search_says_so() {
    let mut t = Harness::sample(80, 24);
    assert_eq!(message(t.keys("n")), strings::NO_SEARCH);
}

#[test]
fn a_key_that_does_nothing_says_so_and_points_to_the_help() {
    // Issue 15: keys that did nothing were silently ignored.
    let mut t = Harness::sample(120, 40);
    let before = t.app.current().cursor;
    assert_eq!(message(t.keys("x")), "x: not a key here (? lists the keys)");
    assert_eq!(t.app.current().cursor, before, "and nothing else happens");
    assert!(t.screen().contains("x: not a key here (? lists the keys)"));
    assert_eq!(
        message(t.keys("2<c-x>")),
        "Ctrl-x: not a key here (? lists the keys)"
    );
    // A bound key clears it; in the prompt every key is text.
    assert_eq!(message(t.keys("1j")), "");
    t.keys("/x");
    assert_eq!(message(&t), "");
    assert_eq!(t.app.prompt.as_ref().map(|p| p.text.as_str()), Some("x"));
}

#[test]
fn typing_in_the_prompt_is_text_not_commands() {
    let mut t = Harness::sample(80, 24);
    t.keys("/q2?");
    let p = t.app.prompt.clone().expect("prompt open");
    assert_eq!((p.kind, p.text.as_str()), (PromptKind::Search, "q2?"));
    assert!(!t.app.quit);
    t.keys("<bs><esc>");
    assert_eq!(t.app.prompt, None);
    assert_eq!(t.app.browser.last_search(), None, "Esc cancels the search");
}

#[test]
fn e_and_shift_e_walk_the_findings() {
    let mut t = Harness::tampered(80, 24);
    assert_eq!(cursor(t.keys("e")), 9, "the edited descriptor is line 10");
    t.keys("e");
    assert_eq!(message(&t), strings::no_more_findings("spice_chain", true));
    assert_eq!(cursor(t.keys("E")), 9, "nothing above: stays");
    assert_eq!(cursor(t.keys("GE")), 9);
    // From the integrity pane, e shows the browser.
    assert_eq!(t.keys("2g").app.pane, Pane::Integrity);
    assert_eq!(t.keys("E").app.pane, Pane::Browser);
}

#[test]
fn enter_on_a_finding_shows_its_line() {
    let mut t = Harness::tampered(120, 40);
    t.keys("2<enter>");
    assert_eq!(t.app.pane, Pane::Browser);
    assert_eq!(t.app.current().kind, ChainKind::Descriptors);
    assert_eq!(cursor(&t), 9);
}

#[test]
fn detail_opens_and_esc_goes_back() {
    let mut t = Harness::sample(80, 24);
    t.keys("jj<enter>");
    let d = t.app.browser.detail().expect("detail open");
    assert_eq!(d.line, 2);
    assert!(
        d.wrapped
            .iter()
            .any(|(_, l)| l.starts_with("# descriptor_id "))
    );
    t.keys("jjG");
    assert!(t.app.browser.detail().is_some(), "j/k/G scroll the detail");
    assert_eq!(cursor(&t), 2, "and do not move the table");
    t.keys("<esc>");
    assert_eq!(t.app.browser.detail(), None);
    assert_eq!(cursor(t.keys("j")), 3);
    t.keys("<enter><enter>");
    assert_eq!(t.app.browser.detail(), None, "Enter also goes back");
}

#[test]
fn panes_switch_with_tab_digits_and_esc() {
    let mut t = Harness::sample(80, 24);
    assert_eq!(t.keys("<tab>").app.pane, Pane::Integrity);
    assert_eq!(t.keys("<backtab>").app.pane, Pane::Browser);
    assert_eq!(t.keys("<backtab>").app.pane, Pane::Audit);
    assert_eq!(t.keys("3").app.pane, Pane::Time);
    assert_eq!(t.keys("<esc>").app.pane, Pane::Browser);
    assert_eq!(t.keys("?").app.help, Some(0));
    assert_eq!(t.keys("jj").app.help, Some(2));
    assert_eq!(t.keys("<esc>").app.help, None);
    assert!(t.keys("q").app.quit);
}

#[test]
fn c_switches_chain_and_keeps_each_position() {
    let mut t = Harness::sample(80, 24);
    t.keys("jj");
    assert_eq!(t.keys("c").app.current().kind, ChainKind::Pulses);
    assert_eq!(cursor(t.keys("G")), 159);
    assert_eq!(t.keys("c").app.current().kind, ChainKind::Descriptors);
    assert_eq!(cursor(&t), 2);
}

#[test]
fn the_mouse_wheel_scrolls() {
    let mut t = Harness::sample(80, 24);
    let wheel = |kind| {
        Msg::Mouse(MouseEvent {
            kind,
            column: 10,
            row: 10,
            modifiers: KeyModifiers::NONE,
        })
    };
    update(&mut t.app, wheel(MouseEventKind::ScrollDown));
    assert_eq!(cursor(&t), 3);
    update(&mut t.app, wheel(MouseEventKind::ScrollUp));
    assert_eq!(cursor(&t), 0);
}

#[test]
fn resizing_keeps_the_cursor_visible() {
    let mut t = Harness::sample(120, 40);
    t.keys(":30<enter>");
    update(&mut t.app, Msg::Resize(80, 15));
    let v = t.app.current();
    assert!(v.top <= v.cursor && v.cursor < v.top + t.app.table_rows() as u64);
    assert_eq!(v.rows.len(), t.app.table_rows());
}

#[test]
fn lost_input_quits() {
    let mut t = Harness::sample(80, 24);
    update(&mut t.app, Msg::InputClosed);
    assert!(t.app.quit);
}

#[test]
fn export_writes_the_bundle_off_the_ui_thread_and_never_into_the_ledger() {
    let mut t = Harness::sample(80, 24);
    let out = tempfile::tempdir().unwrap();
    let json = out.path().join("bundle.json");
    t.keys(&format!(":export {}<enter>", json.display()));
    let asked = t
        .app
        .outbox
        .export
        .take()
        .expect("the loop is asked to export");
    assert_eq!(asked, json);
    let (tx, rx) = std::sync::mpsc::channel();
    crate::tui::export::spawn(t.app.ledger.clone(), asked, clock(&t), tx.clone());
    let msg = rx.recv_timeout(std::time::Duration::from_secs(60)).unwrap();
    crate::tui::update::update(&mut t.app, msg);
    assert!(message(&t).contains("wrote"), "{}", message(&t));
    let doc: serde_json::Value = serde_json::from_slice(&std::fs::read(&json).unwrap()).unwrap();
    assert!(doc["files"].as_array().is_some_and(|f| !f.is_empty()));
    assert!(json.with_extension("md").exists());
    // Never over an earlier bundle, never inside the ledger.
    crate::tui::export::spawn(t.app.ledger.clone(), json.clone(), clock(&t), tx.clone());
    crate::tui::update::update(
        &mut t.app,
        rx.recv_timeout(std::time::Duration::from_secs(60)).unwrap(),
    );
    assert!(
        message(&t).contains("refusing to overwrite"),
        "{}",
        message(&t)
    );
    let inside = t.app.ledger.join("bundle.json");
    crate::tui::export::spawn(t.app.ledger.clone(), inside.clone(), clock(&t), tx);
    crate::tui::update::update(
        &mut t.app,
        rx.recv_timeout(std::time::Duration::from_secs(60)).unwrap(),
    );
    assert!(
        message(&t).contains("outside the ledger"),
        "{}",
        message(&t)
    );
    assert!(!inside.exists());
}
