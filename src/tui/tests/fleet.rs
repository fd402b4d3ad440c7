//! The fleet pane: rows from real verifications and watchers, drawn at
//! 80x24 and 120x40 with injected time; keys move the selection, `Enter`
//! opens a ledger in the five panes and `Esc` comes back with both states
//! kept.

use super::harness::{TEST_CLOCK_MONO_NS, TEST_CLOCK_UTC_NS, keys, redact, tampered_ledger};
use super::native::native_ledger;
use crate::ledger::clock::FixedClock;
use crate::ledger::fleet::{Entry, Location, watch};
use crate::ledger::model::report::LedgerStatus as S;
use crate::ledger::verify::{VerifyOptions, verify_path};
use crate::ledger::watch::{RecordStatus, WatchOptions};
use crate::tui::app::Pane;
use crate::tui::fleet::Watching;
use crate::tui::fleet::shell::{FleetApp, FleetMsg, update};
use crate::tui::fleet::summary::{self, Update};
use crate::tui::msg::Msg;
use crate::tui::theme::{Theme, ThemeName};
use ratatui::Terminal;
use ratatui::backend::TestBackend;
use std::path::Path;
use std::sync::Arc;
use std::time::Duration;
use tempfile::TempDir;

const SECOND: i64 = 1_000_000_000;

/// The ledgers of the fleet under test, kept alive with it.
struct Fleet {
    fa: FleetApp,
    tmps: Vec<TempDir>,
}

fn entry(name: &str, path: &Path) -> Entry {
    Entry {
        name: name.into(),
        location: Location::Local(path.to_path_buf()),
    }
}

/// A fleet of a tampered legacy ledger, a clean native one, a path that
/// holds nothing and a published location, each row filled by the same
/// code as the live fleet (verification reduced by `summary`, the
/// watcher's own error); file times are replaced by fixed ones, so every
/// age on screen is counted from the test clock.
fn fleet(w: u16, h: u16) -> Fleet {
    let (t1, tampered) = tampered_ledger();
    let (t2, native) = native_ledger();
    // Relative: the watcher's error names it as given, the same on every machine.
    let gone = Path::new("no-ledger-here").to_path_buf();
    let entries = vec![
        entry("billing", &tampered),
        entry("native", &native),
        entry("gone", &gone),
        Entry {
            name: "hr".into(),
            // Read through remote review, as the workstation does; relative,
            // so its error is the same on every machine.
            location: Location::Published("no-tiles-here".into()),
        },
    ];
    let clock = Arc::new(FixedClock::at(TEST_CLOCK_UTC_NS, TEST_CLOCK_MONO_NS));
    let mut fa = FleetApp::new(entries.clone(), Theme::new(ThemeName::Dark, false), clock);
    update(&mut fa, FleetMsg::Ui(Msg::Resize(w, h)));
    for (i, path) in [(0, &tampered), (1, &native)] {
        let report = verify_path(path, &VerifyOptions::default()).expect("a ledger");
        let mut v = summary::verified(&report);
        v.changed_ns = Some(TEST_CLOCK_UTC_NS - 3 * 3_600 * SECOND);
        if let Some(c) = &mut v.checkpoint {
            c.written_ns = Some(TEST_CLOCK_UTC_NS - 20 * 60 * SECOND);
        }
        update(&mut fa, FleetMsg::Entry(i, Update::Verified(Box::new(v))));
    }
    for (i, e) in entries.iter().enumerate().skip(2) {
        let (tx, rx) = std::sync::mpsc::channel();
        let published = crate::remote::follow::watcher(Duration::from_secs(2));
        match watch(
            &e.location,
            WatchOptions::default(),
            move |ev| tx.send(ev).is_ok(),
            Some(&*published),
        ) {
            Ok(_handle) => {
                let ev = rx.recv_timeout(Duration::from_secs(60)).expect("an event");
                update(&mut fa, FleetMsg::Entry(i, summary::of_event(&ev)));
            }
            Err(why) => update(&mut fa, FleetMsg::Entry(i, Update::Error(why))),
        }
    }
    // Ages are counted to 90 s after the clock's start.
    fa.now_ns = TEST_CLOCK_UTC_NS + 90 * SECOND;
    Fleet {
        fa,
        tmps: vec![t1, t2],
    }
}

impl Fleet {
    fn keys(&mut self, s: &str) -> &mut Self {
        for k in keys(s) {
            update(&mut self.fa, FleetMsg::Ui(Msg::Key(k)));
        }
        self
    }

    /// Load the ledgers `Enter` opened, as the loop's threads would: index
    /// them, then replay their watcher's events. Returns how many of the
    /// loading's messages were a verification's (progress or report).
    fn load_opened(&mut self) -> usize {
        let mut verifications = 0;
        for i in std::mem::take(&mut self.fa.to_start) {
            let path = self.fa.sessions[i].as_ref().expect("opened").ledger.clone();
            let (tx, rx) = std::sync::mpsc::channel();
            crate::tui::load::index_only(&path, &|m| tx.send(m).is_ok());
            drop(tx);
            for m in rx {
                if matches!(m, Msg::Verified(_) | Msg::Verifying(_)) {
                    verifications += 1;
                }
                update(&mut self.fa, FleetMsg::Ledger(i, m));
            }
            update(&mut self.fa, FleetMsg::Indexed(i));
        }
        verifications
    }

    fn screen(&self) -> String {
        let (w, h) = self.fa.size;
        let mut terminal = Terminal::new(TestBackend::new(w, h)).expect("backend");
        terminal
            .draw(|f| crate::tui::fleet::shell::draw(f, &self.fa))
            .expect("draw");
        let buf = terminal.backend().buffer().clone();
        let mut out = String::new();
        for y in 0..buf.area.height {
            let line: String = (0..buf.area.width).map(|x| buf[(x, y)].symbol()).collect();
            out.push_str(line.trim_end());
            out.push('\n');
        }
        self.tmps
            .iter()
            .fold(out, |s, t| redact(&s, &t.path().display().to_string()))
    }
}

#[test]
fn the_fleet_pane_at_80x24_and_120x40() {
    for (w, h) in [(80, 24), (120, 40)] {
        let f = fleet(w, h);
        insta::assert_snapshot!(format!("fleet_{w}x{h}"), f.screen());
    }
}

#[test]
fn rows_say_violated_clean_unreadable_and_remote() {
    let f = fleet(120, 40);
    let rows = f.fa.view.rows();
    assert_eq!(rows[0].verdict(), Some(S::Violated));
    assert_eq!(rows[1].verdict(), Some(S::Clean));
    assert!(
        rows[1].checkpoint.is_some(),
        "a native ledger has a signed checkpoint"
    );
    assert!(
        matches!(&rows[2].watching, Watching::Failed(e) if e.starts_with("cannot watch:")),
        "{:?}",
        rows[2].watching
    );
    assert_eq!(
        rows[3].watching,
        Watching::Failed(
            "cannot read: no-tiles-here: expected a published ledger (iss-ledger.json and a folder per chain, docs/TILES.md), found no iss-ledger.json".into()
        )
    );
    let screen = f.screen();
    assert!(
        screen.contains("4 ledgers: 1 ✔ clean, 1 ✘ violated, 2 ? no verdict"),
        "{screen}"
    );
}

#[test]
fn selection_moves_and_stays_within_the_fleet() {
    let mut f = fleet(80, 24);
    f.keys("j");
    assert_eq!(f.fa.view.selected(), 1);
    f.keys("jjjjj");
    assert_eq!(f.fa.view.selected(), 3);
    f.keys("kg");
    assert_eq!(f.fa.view.selected(), 0);
    f.keys("G<up>");
    assert_eq!(f.fa.view.selected(), 2);
    assert!(f.screen().contains("gone"));
}

#[test]
fn enter_opens_the_ledger_in_the_five_panes_and_esc_comes_back_with_both_states_kept() {
    let mut f = fleet(80, 24);
    f.keys("j<enter>");
    assert_eq!(f.fa.open, Some(1));
    assert_eq!(f.fa.to_start, vec![1]);
    f.load_opened();
    let screen = f.screen();
    assert!(screen.contains("[1 Chains]"), "{screen}");
    // In the ledger, keys are the ledger's: move down two records, open
    // one; Esc closes the record first, then goes back to the fleet.
    f.keys("jj<enter>");
    let app = f.fa.opened().expect("open");
    assert!(app.browser.detail().is_some());
    f.keys("<esc>");
    assert_eq!(f.fa.open, Some(1), "the first Esc closes the record");
    f.keys("4");
    f.keys("<esc>");
    assert_eq!(f.fa.open, Some(1), "from pane 4, Esc goes to the browser");
    assert_eq!(f.fa.opened().expect("open").pane, Pane::Browser);
    f.keys("<esc>");
    assert_eq!(f.fa.open, None, "with nothing to close, back to the fleet");
    assert_eq!(f.fa.view.selected(), 1, "the fleet kept its selection");
    assert!(f.screen().contains("ISS fleet"));
    // Enter again: the same ledger as it was left, not loaded again.
    f.keys("<enter>");
    assert_eq!(f.fa.open, Some(1));
    assert!(f.fa.to_start.is_empty());
    assert_eq!(f.fa.opened().expect("open").current().cursor, 2);
    f.keys("q");
    assert!(f.fa.quit, "q in a ledger quits the workstation");
}

#[test]
fn a_published_entry_opens_in_the_five_panes_loaded_as_iss_tui_location() {
    let mut f = fleet(120, 40);
    // The row's watcher events are not kept for its panes: they load and
    // follow the location themselves (a local row keeps them).
    let (_t, ledger) = native_ledger();
    let report = verify_path(&ledger, &VerifyOptions::default()).expect("a ledger");
    for i in [1, 3] {
        let ready = crate::ledger::watch::WatchEvent::Ready(Box::new(report.clone()));
        update(&mut f.fa, FleetMsg::Watched(i, vec![Msg::Live(ready)]));
    }
    assert_eq!(f.fa.feeds[1].history.len(), 1);
    assert!(f.fa.feeds[3].history.is_empty());

    f.keys("G<enter>");
    assert_eq!(f.fa.open, Some(3));
    assert_eq!(std::mem::take(&mut f.fa.to_start), vec![3]);
    assert_eq!(f.fa.message, None);
    let at = f.fa.opened().expect("open").ledger.clone();
    assert_eq!(at, Path::new("no-tiles-here"));
    // Loaded as the loop loads it (`iss tui LOCATION`'s load): this one
    // cannot be fetched, and the five panes say why.
    let (tx, rx) = std::sync::mpsc::channel();
    let _following = crate::tui::remote_load::spawn(at, VerifyOptions::default(), tx);
    for m in &rx {
        update(&mut f.fa, FleetMsg::Ledger(3, m));
    }
    let screen = f.screen();
    assert!(screen.contains("[1 Chains]"), "{screen}");
    assert!(
        screen.contains("no-tiles-here: expected a published ledger"),
        "{screen}"
    );
    f.keys("<esc>");
    assert_eq!(f.fa.open, None, "back to the fleet");
    assert_eq!(f.fa.view.selected(), 3);
    assert!(f.screen().contains("ISS fleet"));
    f.keys("<enter>");
    assert_eq!(f.fa.open, Some(3));
    assert!(f.fa.to_start.is_empty(), "opened as it was left");
}

#[test]
fn an_appended_record_updates_its_row_live() {
    let mut f = fleet(120, 40);
    let before = f.fa.view.rows()[1].records.expect("counted");
    f.fa.now_ns = 0;
    update(
        &mut f.fa,
        FleetMsg::Entry(
            1,
            Update::Appended {
                record: true,
                status: RecordStatus::Verified,
                checkpoint: None,
            },
        ),
    );
    let row = &f.fa.view.rows()[1];
    assert_eq!(row.records, Some(before + 1));
    // The time of the event is read from the clock (its next reading).
    assert!(row.changed_ns.is_some_and(|t| t >= TEST_CLOCK_UTC_NS));
    assert_eq!(row.changed_ns, row.verified_ns);
    update(
        &mut f.fa,
        FleetMsg::Entry(1, Update::Alert("descriptors.jsonl rewritten: x".into())),
    );
    assert_eq!(
        f.fa.view.rows()[1].verdict(),
        Some(S::Violated),
        "an alert is never taken back"
    );
}

#[test]
fn ages_are_counted_in_one_unit_from_the_given_now() {
    use crate::tui::fleet::render::age;
    let t = TEST_CLOCK_UTC_NS;
    assert_eq!(age(t, t), "now");
    assert_eq!(age(t, t + SECOND), "now");
    assert_eq!(age(t + 59 * SECOND, t), "59s");
    assert_eq!(age(t + 61 * SECOND, t), "1m");
    assert_eq!(age(t + 7_200 * SECOND, t), "2h");
    assert_eq!(age(t + 3 * 86_400 * SECOND, t), "3d");
}

#[test]
fn question_mark_shows_the_fleet_keys_in_the_help_and_esc_closes_it() {
    for (w, h) in [(80, 24), (120, 40)] {
        let mut f = fleet(w, h);
        // On the last row: its details name no temporary folder the
        // overlay could cut before it is redacted.
        f.keys("G?");
        let screen = f.screen();
        for text in [
            "Fleet (iss tui A B …, --fleet FILE)",
            "next ledger",
            "open in the five panes (Esc there comes back)",
        ] {
            assert!(screen.contains(text), "{w}x{h}: {text}\n{screen}");
        }
        insta::assert_snapshot!(format!("fleet_help_{w}x{h}"), screen);
        // j/k scroll the help, not the selection.
        f.keys("k");
        assert_eq!(f.fa.view.selected(), 3);
        assert!(f.fa.help.is_some());
        f.keys("<esc>");
        assert!(f.fa.help.is_none());
        f.keys("k");
        assert_eq!(f.fa.view.selected(), 2, "the fleet's keys again");
        f.keys("??");
        assert!(f.fa.help.is_none(), "? closes it too");
        f.keys("?q");
        assert!(f.fa.quit);
    }
}

#[test]
fn an_opened_ledger_is_fed_by_its_fleet_watcher_and_not_verified_again() {
    use crate::tui::app::Loading;
    use crate::tui::fleet::run::spawn_watchers;
    let (tmp, native) = native_ledger();
    let entries = vec![entry("native", &native)];
    let clock = Arc::new(FixedClock::at(TEST_CLOCK_UTC_NS, TEST_CLOCK_MONO_NS));
    let mut fa = FleetApp::new(entries.clone(), Theme::new(ThemeName::Dark, false), clock);
    update(&mut fa, FleetMsg::Ui(Msg::Resize(120, 40)));
    let (tx, rx) = std::sync::mpsc::channel();
    let _watchers = spawn_watchers(&entries, &VerifyOptions::default(), &tx);
    // The fleet's watcher: its row's verdict, and the events kept for the panes.
    let wait = |fa: &mut FleetApp, done: &dyn Fn(&FleetApp) -> bool| {
        let start = std::time::Instant::now();
        while !done(fa) {
            assert!(start.elapsed() < Duration::from_secs(60), "timed out");
            if let Ok(m) = rx.recv_timeout(Duration::from_millis(100)) {
                update(fa, m);
            }
        }
    };
    wait(&mut fa, &|fa| {
        fa.view.rows()[0].status.is_some() && !fa.feeds[0].history.is_empty()
    });
    assert_eq!(fa.view.rows()[0].verdict(), Some(S::Clean));
    let mut f = Fleet {
        fa,
        tmps: vec![tmp],
    };
    f.keys("<enter>");
    assert_eq!(
        f.load_opened(),
        0,
        "opening indexes the ledger; it does not verify it again"
    );
    let app = f.fa.opened().expect("open");
    let Loading::Ready(report) = &app.report else {
        panic!("the fleet watcher's report is the panes' report");
    };
    assert_eq!(report.status, S::Clean);
    assert!(app.live.active, "the fleet's watcher is its live view");
    assert!(f.fa.feeds[0].live && f.fa.feeds[0].history.is_empty());
    // A change the watcher sees reaches the opened ledger through the fleet.
    let chain = native.join("descriptors.jsonl");
    let bytes = std::fs::read(&chain).expect("chain");
    std::fs::write(&chain, &bytes[..bytes.len() / 2]).expect("truncate");
    wait(&mut f.fa, &|fa| {
        fa.opened().is_some_and(|a| !a.live.alerts.is_empty())
    });
    assert!(!f.fa.view.rows()[0].alerts.is_empty(), "and its row");
}
