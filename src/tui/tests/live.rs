//! The live view driven without a terminal or a thread: a ledger is
//! changed on disk, the watcher's core is asked what changed, and its
//! events are fed to `update` as the event loop would feed them.

use super::harness::Harness;
use crate::ledger::legacy::write::append::{NewDescriptor, append_descriptor};
use crate::ledger::legacy::write::sample::{SampleSpec, write_sample_ledger};
use crate::ledger::watch::{Watch, WatchEvent, WatchOptions};
use crate::tui::live::messages;
use crate::tui::msg::Msg;
use crate::tui::ui::live_badge as badge;
use crate::tui::update::update;
use insta::assert_snapshot;
use std::fs::OpenOptions;
use std::path::{Path, PathBuf};
use std::time::Instant;

struct Live {
    t: Harness,
    watch: Watch,
    root: PathBuf,
}

impl Live {
    /// The workstation on a generated ledger, with the watcher started.
    fn open(w: u16, h: u16) -> Self {
        let tmp = super::harness::redactable_tempdir("iss-live-");
        let root = tmp.path().join("ledger");
        write_sample_ledger(&root, &SampleSpec::default()).unwrap();
        let mut t = Harness::open(&root, w, h).keeping(tmp);
        let (watch, report) = Watch::start(&root, WatchOptions::default()).unwrap();
        update(&mut t.app, Msg::Live(WatchEvent::Ready(Box::new(report))));
        Live { t, watch, root }
    }

    /// Feed what the watcher sees now to the workstation.
    fn rescan(&mut self) -> usize {
        let events = self.watch.rescan(Instant::now());
        let n = events.len();
        for msg in events.into_iter().flat_map(messages) {
            update(&mut self.t.app, msg);
        }
        n
    }

    fn append(&mut self, name: &str, at: i64) {
        append_descriptor(&self.root, descriptor(name), 1_767_225_600_000_000 + at).unwrap();
        assert_eq!(self.rescan(), 2, "the record and its manifest line");
    }

    fn cursor(&self) -> u64 {
        self.t.app.current().cursor
    }
}

fn descriptor(name: &str) -> NewDescriptor {
    serde_json::from_value(serde_json::json!({
        "process_name": name, "process_version": "1.0", "capability_level": 1,
        "process_outcome": "partial", "compliance_score": 0.5,
        "assessed_by": "live-test", "assessment_method": "test",
    }))
    .unwrap()
}

fn chain(root: &Path) -> PathBuf {
    root.join("data/spice_layer/spice_chain.jsonl")
}

#[test]
fn the_browser_follows_the_end_pauses_when_scrolled_up_and_resumes_with_g() {
    let mut l = Live::open(80, 24);
    assert_eq!(
        badge(&l.t.app),
        crate::tui::strings::LIVE,
        "opens at the top, not paused: nothing arrived yet"
    );
    l.t.keys("G");
    assert_eq!((l.cursor(), badge(&l.t.app).as_str()), (39, "▼ FOLLOW"));

    l.append("Followed", 0);
    assert_eq!(
        l.cursor(),
        40,
        "following: the cursor moves to the new record"
    );
    assert_eq!(l.t.app.current().lines(), 41);
    assert!(
        l.t.screen().contains("Followed"),
        "the new record is on screen"
    );
    assert!(l.t.screen().contains("41 "), "{}", l.t.screen());

    l.t.keys("k");
    assert_eq!(badge(&l.t.app), "‖ PAUSED 1 below (G: follow)");
    l.append("Unseen", 1);
    assert_eq!(
        l.cursor(),
        39,
        "paused: the cursor stays where the reviewer put it"
    );
    assert_eq!(badge(&l.t.app), "‖ PAUSED 2 below (G: follow)");

    l.t.keys("G");
    assert_eq!((l.cursor(), badge(&l.t.app).as_str()), (41, "▼ FOLLOW"));
    l.append("FollowedAgain", 2);
    assert_eq!(l.cursor(), 42);
}

#[test]
fn appended_records_are_marked_verified_and_a_torn_line_pending() {
    let mut l = Live::open(80, 24);
    l.t.keys("G");
    l.append("Marked", 0);
    let marks = l.t.app.current().marks.clone().unwrap();
    assert!(
        marks.covers(41) && marks.at(41).is_none(),
        "line 41 verified live"
    );
    // Half a line: pending, never tampering.
    let mut f = OpenOptions::new()
        .append(true)
        .open(chain(&l.root))
        .unwrap();
    std::io::Write::write_all(&mut f, b"{\"descriptor_id\":\"ab").unwrap();
    assert_eq!(l.rescan(), 1);
    assert_eq!(l.cursor(), 41, "the pending line is shown and followed");
    let screen = l.t.screen();
    assert!(
        screen.contains(">…   42") && screen.contains("pending"),
        "{screen}"
    );
    assert!(badge(&l.t.app).ends_with("… 20 B pending"));
    assert!(
        screen.contains("CLEAN"),
        "a write in progress is not a violation: {screen}"
    );
}

#[test]
fn a_truncation_raises_a_persistent_alert_and_reverifies() {
    let mut l = Live::open(80, 24);
    let f = OpenOptions::new().write(true).open(chain(&l.root)).unwrap();
    f.set_len(20_000).unwrap();
    assert_eq!(l.rescan(), 3, "alert, re-verifying, re-verified");
    assert_snapshot!("live_alert_80x24", l.t.screen());
    // Keys do not clear it; `A` does, and the finding stays in Integrity.
    l.t.keys("jjk");
    assert!(l.t.screen().contains("spice_chain.jsonl truncated"));
    l.t.keys("A2");
    let screen = l.t.screen();
    assert!(!screen.contains("ALERT"), "{screen}");
    assert!(
        screen.contains("FILE_CHANGED") && screen.contains("VIOLATED"),
        "{screen}"
    );
    assert_snapshot!("live_alert_acknowledged_integrity_80x24", screen);
}

#[test]
fn a_filter_keeps_matching_appended_records_without_rescanning_the_file() {
    let mut l = Live::open(120, 40);
    l.t.keys(":filter process=Live_Filter<enter>");
    let kept = |l: &Live| {
        l.t.app
            .current()
            .filter
            .as_ref()
            .map(|f| (f.lines.clone(), f.scanned))
    };
    let lines = l.t.app.current().lines();
    assert_eq!(
        kept(&l),
        Some((vec![], lines)),
        "nothing matches yet; every line looked at"
    );
    l.append("Live_Filter", 1);
    l.append("Other_Process", 2);
    l.append("Live_Filter", 3);
    let (got, scanned) = kept(&l).unwrap();
    assert_eq!(got, vec![lines, lines + 2], "the appended matches, 0-based");
    assert_eq!(scanned, lines + 3);
}

/// The watcher can verify an append before the append's own
/// acknowledgement reaches the workstation (two threads): the browser must
/// still go to the new record and show it, whatever the order.
#[test]
fn an_acknowledgement_after_the_watcher_saw_the_record_still_shows_it() {
    let mut l = Live::open(80, 24);
    assert_eq!(l.cursor(), 0, "opens at the top");
    l.append("Late_Ack", 1);
    let ack = crate::tui::writes::WriteAck {
        text: "appended".to_owned(),
        line: 41,
        follow_up: None,
    };
    crate::tui::update::on_appended(&mut l.t.app, Ok(ack));
    assert_eq!(l.cursor(), 40, "the cursor is on the new record");
    let screen = l.t.screen();
    assert!(
        screen
            .lines()
            .any(|r| r.contains("Late_Ack") && r.contains('>')),
        "the new record is on screen, selected:\n{screen}"
    );
}
