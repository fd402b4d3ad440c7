//! Invariant: a click lands where the thing is drawn — a tab shows its
//! pane, a row is selected, the selected row opens — found here by looking
//! for the row's text on the rendered screen, not by the code's own sums.

use super::harness::Harness;
use crate::tui::app::Pane;
use crate::tui::msg::Msg;
use crate::tui::update::update;
use crossterm::event::{KeyModifiers, MouseButton, MouseEvent, MouseEventKind};

fn click(t: &mut Harness, column: u16, row: u16) {
    let ev = MouseEvent {
        kind: MouseEventKind::Down(MouseButton::Left),
        column,
        row,
        modifiers: KeyModifiers::NONE,
    };
    update(&mut t.app, Msg::Mouse(ev));
    crate::tui::event_loop::run_all_blocking(&mut t.app);
}

/// The (column, row) where `needle` is drawn, first match from the top.
fn where_drawn(t: &Harness, needle: &str) -> (u16, u16) {
    let screen = t.screen();
    for (y, line) in screen.lines().enumerate() {
        if let Some(byte) = line.find(needle) {
            let x = line[..byte].chars().count();
            return (u16::try_from(x).unwrap(), u16::try_from(y).unwrap());
        }
    }
    panic!("{needle:?} is not on screen:\n{screen}");
}

#[test]
fn a_click_on_a_tab_shows_its_pane() {
    let mut t = Harness::sample(120, 40);
    for (title, pane) in [
        ("Time", Pane::Time),
        ("Audit", Pane::Audit),
        ("Integrity", Pane::Integrity),
        ("Maturity", Pane::Maturity),
        ("Chains", Pane::Browser),
    ] {
        let (x, y) = where_drawn(&t, title);
        assert_eq!(y, 0, "tabs are on the top row");
        click(&mut t, x + 1, y);
        assert_eq!(t.app.pane, pane, "clicked {title}");
    }
    // Past the last tab: nothing.
    click(&mut t, 70, 0);
    assert_eq!(t.app.pane, Pane::Browser);
}

#[test]
fn a_click_selects_a_chain_row_and_a_second_click_opens_it() {
    let mut t = Harness::sample(120, 40);
    let id = |t: &Harness, line: u64| {
        let text = t
            .app
            .current()
            .file()
            .unwrap()
            .read_line(line, 4096)
            .unwrap()
            .unwrap();
        let v: serde_json::Value = serde_json::from_slice(&text.bytes).unwrap();
        v["descriptor_id"].as_str().unwrap()[..12].to_owned()
    };
    let (x, y) = where_drawn(&t, &id(&t, 6));
    click(&mut t, x, y);
    assert_eq!(t.app.current().cursor, 6, "the row drawn there");
    assert!(t.app.browser.detail().is_none());
    click(&mut t, x, y);
    assert!(t.app.browser.detail().is_some(), "the selected row opens");
    // A click on the border or the header selects nothing.
    t.keys("<esc>");
    let (_, header) = where_drawn(&t, "process");
    click(&mut t, 10, header);
    click(&mut t, 10, header - 1);
    assert_eq!(t.app.current().cursor, 6);
    assert!(t.app.browser.detail().is_none());
}

#[test]
fn a_click_on_the_selected_finding_shows_its_line() {
    let mut t = Harness::tampered(120, 40);
    t.keys("2");
    // The one finding is selected already: one click opens it.
    let (x, y) = where_drawn(&t, "HASH_MISMATCH");
    click(&mut t, x, y);
    assert_eq!(
        t.app.pane,
        Pane::Browser,
        "the finding's line in the browser"
    );
    assert_eq!(t.app.current().cursor, 9, "line 10");
}

#[test]
fn a_click_selects_a_pulse_and_a_process() {
    let mut t = Harness::sample(120, 40);
    t.keys("3");
    let pulse = |t: &Harness, line: u64| {
        let file = t
            .app
            .browser
            .chains()
            .iter()
            .find(|c| crate::tui::time::is_pulses(c.kind))
            .and_then(|c| c.file())
            .unwrap();
        let text = file.read_line(line, 4096).unwrap().unwrap();
        let v: serde_json::Value = serde_json::from_slice(&text.bytes).unwrap();
        // To the microsecond, as the table shows it.
        v["utc_iso"].as_str().unwrap()[..26].to_owned()
    };
    let (x, y) = where_drawn(&t, &pulse(&t, 3));
    click(&mut t, x, y);
    assert_eq!(t.app.time.cursor(), 3);

    t.keys("4");
    let report = t.app.maturity.report().ready().unwrap();
    let second = report.processes.items[1].process.clone();
    let (x, y) = where_drawn(&t, &second);
    click(&mut t, x, y);
    assert_eq!(t.app.maturity.selected(), 1, "{second}");
}

#[test]
fn clicks_behind_an_overlay_do_nothing() {
    let mut t = Harness::sample(120, 40);
    t.keys("?");
    let (x, y) = where_drawn(&t, "Time");
    click(&mut t, x, y);
    assert_eq!(t.app.pane, Pane::Browser, "the help is open");
    assert!(t.app.help.is_some());
}

#[test]
fn a_click_selects_another_finding() {
    let (tmp, ledger) = super::harness::tampered_ledger();
    // A second edit, at line 20.
    let chain = ledger.join("data/spice_layer/spice_chain.jsonl");
    let text = std::fs::read_to_string(&chain).unwrap();
    let mut lines: Vec<String> = text.lines().map(str::to_owned).collect();
    lines[19] = lines[19].replacen("\"process_name\":\"", "\"process_name\":\"X", 1);
    std::fs::write(&chain, lines.join("\n") + "\n").unwrap();
    let mut t = Harness::open_owned(tmp, &ledger, 120, 40);
    t.keys("2");
    assert!(t.app.integrity.findings().len() >= 2);
    let (x, y) = where_drawn(&t, "line 20");
    click(&mut t, x, y);
    assert_eq!(t.app.pane, Pane::Integrity, "a first click selects");
    let report = t.app.report.ready().unwrap();
    let (fi, i) = t.app.integrity.findings()[t.app.integrity.selected()];
    assert_eq!(report.files[fi].findings[i].line, Some(20));
    click(&mut t, x, y);
    assert_eq!((t.app.pane, t.app.current().cursor), (Pane::Browser, 19));
}
