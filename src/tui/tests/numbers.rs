//! No cell shows a different number (issue 10, item 8): after `P`, the time
//! pane counts the new pulse and shows its interval whole or as its leading
//! digits marked `…` (a 9-column cell once drew 784693.454663 s as
//! `93.454663`), with the watcher running or without it, on a legacy and a
//! native ledger, at 80x24 and 120x40. The clock is the harness's fixed
//! one: a month after the generated ledgers' last pulse.

use super::form::Writable;
use super::harness::Harness;
use crate::ledger::watch::{Watch, WatchEvent, WatchOptions};
use crate::tui::live::messages;
use crate::tui::load::load_blocking;
use crate::tui::msg::Msg;
use crate::tui::update::update;
use insta::assert_snapshot;
use std::time::Instant;

const SIZES: [(u16, u16); 2] = [(80, 24), (120, 40)];

/// The interval from the generated ledger's last pulse
/// (2026-11-01T09:00:00.422781Z) to the test clock's first reading
/// (2026-12-01T09:00:00Z), as the time pane computes it.
const INTERVAL: &str = "2591999.577219";

/// The screen row of pulse `line` in the time pane.
fn pulse_row(t: &Harness, line: u64) -> String {
    let screen = t.screen();
    screen
        .lines()
        .find(|l| {
            l.split_whitespace().nth(2) == Some(&line.to_string())
                || l.split_whitespace().nth(1) == Some(&line.to_string())
        })
        .unwrap_or_else(|| panic!("no row for line {line}:\n{screen}"))
        .to_owned()
}

/// The row shows `value` whole or as its leading digits and `…`, and no
/// cell holds only its last digits.
pub(super) fn assert_shown_or_cut(row: &str, value: &str) {
    let cells: Vec<&str> = row.split(['│', ' ']).filter(|c| !c.is_empty()).collect();
    let shown = cells.iter().any(|c| {
        *c == value
            || c.strip_suffix('…')
                .is_some_and(|lead| !lead.is_empty() && value.starts_with(lead))
    });
    assert!(shown, "{value} is not on the row, whole or cut:\n{row}");
    for c in &cells {
        assert!(
            *c == value || !value.ends_with(c) || c.len() < 4,
            "a cell shows only the last digits of {value}: {c:?}\n{row}"
        );
    }
}

/// No cell of `screen` shows only the last digits of `value` (a token that
/// is a proper ending of it, four characters or more, not marked `…`).
pub(super) fn assert_no_tail(screen: &str, value: &str) {
    for row in screen.lines() {
        for c in row.split(|c: char| c.is_whitespace() || "│┌┐└┘─║█>".contains(c)) {
            assert!(
                c == value || c.len() < 4 || !value.ends_with(c) || c.ends_with('…'),
                "a cell shows only the last digits of {value}: {c:?}\n{screen}"
            );
        }
    }
}

fn reload(w: &mut Writable) {
    for m in load_blocking(&w.ledger) {
        update(&mut w.t.app, m);
    }
    w.t.finish_jobs();
}

/// Start the watcher on the workstation's ledger, as the event loop does
/// once the first verification is in.
fn watch(w: &mut Writable) -> Watch {
    let (watch, report) = Watch::start(&w.ledger, WatchOptions::default()).unwrap();
    update(&mut w.t.app, Msg::Live(WatchEvent::Ready(Box::new(report))));
    w.t.finish_jobs();
    watch
}

fn rescan(w: &mut Writable, watch: &mut Watch) {
    for msg in watch.rescan(Instant::now()).into_iter().flat_map(messages) {
        update(&mut w.t.app, msg);
    }
    w.t.finish_jobs();
}

#[test]
fn after_p_without_the_watcher_the_time_pane_counts_the_pulse_and_shows_its_interval() {
    for (wd, ht) in SIZES {
        let mut w = Writable::new(true, wd, ht);
        w.t.keys("3P");
        assert!(w.message().contains("appended pulse"), "{}", w.message());
        assert!(
            w.t.app.outbox.reload,
            "without the watcher the loop reloads"
        );
        reload(&mut w);
        w.t.keys("G");
        let screen = w.screen();
        assert!(
            screen.contains("Time pulses: 161, 161 verified"),
            "the header counts the new pulse:\n{screen}"
        );
        assert!(screen.contains("Pulses 161/161"), "{screen}");
        assert_shown_or_cut(&pulse_row(&w.t, 161), INTERVAL);
        assert_snapshot!(format!("p_time_legacy_{wd}x{ht}"), screen);
    }
}

#[test]
fn after_p_with_the_watcher_the_time_pane_counts_the_pulse_and_shows_its_interval() {
    for (wd, ht) in SIZES {
        let mut w = Writable::new(true, wd, ht);
        let mut watcher = watch(&mut w);
        w.t.keys("3G");
        assert!(w.t.screen().contains("Time pulses: 160, 160 verified"));
        w.t.keys("P");
        assert!(w.message().contains("appended pulse"), "{}", w.message());
        assert!(!w.t.app.outbox.reload, "the watcher shows it");
        rescan(&mut w, &mut watcher);
        w.t.keys("G");
        let screen = w.screen();
        assert!(
            screen.contains("Time pulses: 161, 161 verified, 3 runs"),
            "the header counts the pulse judged live:\n{screen}"
        );
        let row = pulse_row(&w.t, 161);
        assert_shown_or_cut(&row, INTERVAL);
        // The pulse judged live is in the run it continues.
        assert!(row.contains(" 3 2026-12-01T09:00:00"), "{row}");
    }
}

#[test]
fn after_p_on_a_native_ledger_the_time_pane_counts_the_pulse_and_shows_its_interval() {
    for (wd, ht) in SIZES {
        let (tmp, ledger) = super::native::native_ledger();
        let mut w = Writable::on(tmp, ledger, true, wd, ht);
        super::native::pin_os_attribute(&mut w.t);
        let mut watcher = watch(&mut w);
        w.t.keys("3P");
        assert!(w.message().contains("appended pulse"), "{}", w.message());
        rescan(&mut w, &mut watcher);
        w.t.keys("G");
        let screen = w.screen();
        assert!(
            screen.contains("Time pulses: 161, 161 verified"),
            "the header counts the pulse judged live:\n{screen}"
        );
        assert_shown_or_cut(&pulse_row(&w.t, 161), INTERVAL);
        assert_snapshot!(format!("p_time_native_{wd}x{ht}"), screen);
    }
}
