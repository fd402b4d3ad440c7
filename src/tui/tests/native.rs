//! The workstation on a native ledger (`docs/FORMAT.md`), built with the
//! project's own code (the generated legacy sample, migrated): the three
//! chains in the browser, each record's framing and body in the detail,
//! the tamper-evidence level per file in the integrity pane, an edited
//! record marked ✘ on its row, and the live view verifying appends record
//! by record (and the whole ledger again when a file is rewritten).

use super::harness::{Harness, message};
use crate::ledger::legacy::write::sample::{SampleSpec, write_sample_ledger};
use crate::ledger::native::secret::read_signer;
use crate::ledger::native::write::NativeWriter;
use crate::ledger::native::write::init::InitOptions;
use crate::ledger::native::write::migrate::migrate;
use crate::ledger::protect::OsAttribute;
use crate::ledger::watch::{Watch, WatchEvent, WatchOptions};
use crate::tui::app::{Loading, Pane};
use crate::tui::chain::ChainKind;
use crate::tui::live::messages;
use crate::tui::msg::Msg;
use crate::tui::update::update;
use insta::assert_snapshot;
use std::path::PathBuf;
use std::time::Instant;
use tempfile::TempDir;

const SIZES: [(u16, u16); 2] = [(80, 24), (120, 40)];

/// A native ledger migrated from the default generated sample (40
/// descriptors, 160 pulses): its descriptor and pulse records are the same
/// bytes every run (their hashes do not depend on the random key); the
/// signing key is `<ledger>.key` beside it.
pub(super) fn native_ledger() -> (TempDir, PathBuf) {
    let tmp = tempfile::Builder::new()
        .prefix("iss-native-")
        .tempdir()
        .unwrap();
    let legacy = tmp.path().join("legacy");
    write_sample_ledger(&legacy, &SampleSpec::default()).unwrap();
    let ledger = tmp.path().join("native-ledger");
    let opts = InitOptions {
        origin: "iss.local/tui-test".to_owned(),
        key_path: tmp.path().join("native-ledger.key"),
        mac_key_path: None,
        created: "2026-11-01T08:00:00Z".to_owned(),
        genesis_extra: None,
    };
    migrate(&legacy, &ledger, &opts).unwrap();
    (tmp, ledger)
}

/// [`native_ledger`] with the `process_name` in the body of descriptor
/// line 10 edited: its hash no longer matches (and the signed checkpoint
/// over the chain no longer does either).
fn tampered_native_ledger() -> (TempDir, PathBuf) {
    let (tmp, ledger) = native_ledger();
    let path = ledger.join("descriptors.jsonl");
    let text = std::fs::read_to_string(&path).unwrap();
    let mut lines: Vec<String> = text.lines().map(str::to_owned).collect();
    let key = "\"process_name\":\"";
    let line = &mut lines[9];
    let start = line.find(key).unwrap() + key.len();
    let end = start + line[start..].find('"').unwrap();
    line.replace_range(start..end, "Tampered_Process");
    std::fs::write(&path, lines.join("\n") + "\n").unwrap();
    (tmp, ledger)
}

/// The OS attribute depends on the file system the temporary folder is on
/// (tmpfs may not keep attributes): pinned for the snapshots, which are
/// about the layout. The label itself is tested in `integrity::native`.
pub(super) fn pin_os_attribute(t: &mut Harness) {
    if let Loading::Ready(r) = &mut t.app.report {
        for f in &mut r.files {
            f.os_attribute = Some(OsAttribute::None);
        }
    }
}

fn open(make: fn() -> (TempDir, PathBuf), w: u16, h: u16) -> Harness {
    let (tmp, ledger) = make();
    let mut t = Harness::open_owned(tmp, &ledger, w, h);
    pin_os_attribute(&mut t);
    t
}

fn each_size(name: &str, make: fn() -> (TempDir, PathBuf), keys: &str) {
    for (w, h) in SIZES {
        let mut t = open(make, w, h);
        t.keys(keys);
        assert_snapshot!(format!("{name}_{w}x{h}"), t.screen());
    }
}

#[test]
fn browser_on_a_native_ledger() {
    each_size("native_browser", native_ledger, "");
}

#[test]
fn native_pulses_and_events() {
    each_size("native_pulses", native_ledger, "c");
    each_size("native_events", native_ledger, "cc");
}

#[test]
fn integrity_on_a_native_ledger() {
    each_size("native_integrity", native_ledger, "2");
}

#[test]
fn browser_on_a_tampered_native_ledger_at_the_violation() {
    // The first screen is at the violation already (issue 15 item 4): no `e`.
    each_size("native_browser_tampered", tampered_native_ledger, "");
}

#[test]
fn integrity_on_a_tampered_native_ledger() {
    each_size("native_integrity_tampered", tampered_native_ledger, "2");
}

#[test]
fn detail_of_a_tampered_native_record() {
    each_size("native_detail_tampered", tampered_native_ledger, "e<enter>");
}

#[test]
fn c_cycles_through_the_three_native_chains() {
    let mut t = open(native_ledger, 80, 24);
    let kinds: Vec<ChainKind> = t.app.browser.chains().iter().map(|c| c.kind).collect();
    assert_eq!(kinds, ChainKind::NATIVE);
    assert_eq!(t.app.current().kind, ChainKind::NativeDescriptors);
    assert_eq!(t.app.current().lines(), 40);
    assert_eq!(t.keys("c").app.current().kind, ChainKind::NativePulses);
    assert_eq!(t.app.current().lines(), 160);
    assert_eq!(t.keys("c").app.current().kind, ChainKind::NativeEvents);
    // The genesis, then the sample's three time-keeper starts.
    assert_eq!(t.app.current().lines(), 4);
    assert_eq!(t.keys("c").app.current().kind, ChainKind::NativeDescriptors);
    // Each view keeps its own cursor.
    t.keys("jjj").keys("c").keys("j").keys("cc");
    assert_eq!(t.app.current().cursor, 3);
    assert_eq!(t.keys("c").app.current().cursor, 1);
}

#[test]
fn the_detail_shows_the_framing_then_the_body_and_esc_comes_back() {
    let mut t = open(native_ledger, 120, 40);
    t.keys("jj<enter>");
    let screen = t.screen();
    assert!(
        screen.contains("Record detail: descriptors line 3"),
        "{screen}"
    );
    let lines: Vec<&str> = screen.lines().collect();
    let at = |needle: &str| {
        lines
            .iter()
            .position(|l| l.contains(needle))
            .unwrap_or_else(|| panic!("{needle:?} not on screen:\n{screen}"))
    };
    assert!(at("│seq   2") < at("│prev  ") && at("│prev  ") < at("│hash  "));
    assert!(at("│hash  ") < at("│Body") && at("│Body") < at("│# descriptor_id "));
    assert!(!screen.contains("│mac "), "an unkeyed ledger has no MAC");
    assert!(screen.contains("✔ none"), "no finding on a clean record");
    t.keys("<esc>");
    assert!(t.app.browser.detail().is_none());
    assert_eq!(t.app.current().cursor, 2);
    // A migrated pulse's detail: the legacy pulse inside the body.
    t.keys("c<enter>");
    let screen = t.screen();
    assert!(
        screen.contains("Record detail: pulses line 1") && screen.contains("│# legacy_pulse "),
        "{screen}"
    );
}

#[test]
fn e_and_the_integrity_pane_lead_to_the_edited_record() {
    let mut t = open(tampered_native_ledger, 120, 40);
    assert_eq!(t.keys("e").app.current().cursor, 9);
    let row = t
        .screen()
        .lines()
        .find(|l| l.contains("Tampered_Process"))
        .unwrap()
        .to_owned();
    assert!(row.contains("✘") && row.contains("HASH_MISMATCH"), "{row}");
    // The other rows verify on their own, but the one signed checkpoint
    // that covered them no longer does: they are shown as implicated by it.
    t.keys("g");
    let screen = t.screen();
    assert!(
        screen.lines().any(|l| l.contains("implicated (CHECK")),
        "{screen}"
    );
    assert!(
        !screen
            .lines()
            .any(|l| l.contains("✔") && l.contains("verified")),
        "no record is shown as verified while its checkpoint fails: {screen}"
    );
    // In pane 2, Enter on the finding opens its line in the browser.
    t.keys("2");
    let Loading::Ready(r) = &t.app.report else {
        panic!("verified")
    };
    let (fi, i) = t.app.integrity.findings()[t.app.integrity.selected()];
    assert_eq!(r.files[fi].name, "descriptors");
    assert_eq!(r.files[fi].findings[i].line, Some(10));
    t.keys("<enter>");
    assert_eq!(t.app.pane, Pane::Browser);
    assert_eq!(t.app.current().kind, ChainKind::NativeDescriptors);
    assert_eq!(t.app.current().cursor, 9);
}

#[test]
fn y_copies_the_body_id_and_shift_y_the_record_hash() {
    let mut t = open(native_ledger, 80, 24);
    let line = std::fs::read_to_string(t.app.ledger.join("descriptors.jsonl")).unwrap();
    let first: serde_json::Value = serde_json::from_str(line.lines().next().unwrap()).unwrap();
    t.keys("y");
    assert_eq!(
        t.app.outbox.clipboard.as_deref(),
        first["body"]["descriptor_id"].as_str()
    );
    t.keys("Y");
    assert_eq!(t.app.outbox.clipboard.as_deref(), first["hash"].as_str());
    // A migrated pulse's id is its legacy pulse_id.
    t.keys("cy");
    assert!(message(&t).contains("pulse_id"), "{}", message(&t));
}

#[test]
fn what_a_native_ledger_has_and_has_not_yet_in_the_panes() {
    let mut t = open(native_ledger, 120, 40);
    // Filters read native descriptor bodies: the kept lines are exactly the
    // records of level 3 or more, counted here from the file itself.
    t.keys(":filter level>=3<enter>");
    let text = std::fs::read_to_string(t.app.ledger.join("descriptors.jsonl")).unwrap();
    let expected: Vec<u64> = text
        .lines()
        .enumerate()
        .filter(|(_, l)| {
            let v: serde_json::Value = serde_json::from_str(l).unwrap();
            v["body"]["capability_level"].as_i64().unwrap() >= 3
        })
        .map(|(i, _)| i as u64)
        .collect();
    let kept = &t
        .app
        .current()
        .filter
        .as_ref()
        .expect("a filter is set")
        .lines;
    assert_eq!(kept, &expected);
    assert!(!expected.is_empty() && expected.len() < text.lines().count());
    t.keys(":filter clear<enter>");
    // The time pane reads native (here migrated legacy) pulses.
    t.keys("3");
    let screen = t.screen();
    assert!(screen.contains("Pulses 1/"), "{screen}");
    assert!(screen.contains("✔      1"), "{screen}");
    // The audit trail follows native descriptors too.
    t.keys("1g5");
    let screen = t.screen();
    assert!(
        screen.contains("Audit trail of the descriptor at line 1"),
        "{screen}"
    );
    assert!(screen.contains("assessed_by"), "{screen}");
    // In write mode the form opens on a native ledger too (see form.rs for
    // appends); opening it writes nothing.
    let before = std::fs::read(t.app.ledger.join("descriptors.jsonl")).unwrap();
    t.app.writes = true;
    t.keys("1i");
    assert!(t.app.form.as_ref().is_some_and(|f| f.visible));
    let after = std::fs::read(t.app.ledger.join("descriptors.jsonl")).unwrap();
    assert_eq!(before, after);
}

fn feed(t: &mut Harness, events: Vec<WatchEvent>) {
    for msg in events.into_iter().flat_map(messages) {
        update(&mut t.app, msg);
    }
}

fn unsigned(t: &Harness, file: &str) -> u64 {
    let r = t.app.report.ready().expect("a report");
    let f = r.files.iter().find(|f| f.name == file).unwrap();
    f.native.as_ref().unwrap().unsigned_records
}

fn signed(t: &Harness, file: &str) -> Option<u64> {
    let r = t.app.report.ready().expect("a report");
    let f = r.files.iter().find(|f| f.name == file).unwrap();
    f.native.as_ref().unwrap().signed_size
}

fn row(t: &Harness, needle: &str) -> String {
    let screen = t.screen();
    screen
        .lines()
        .find(|l| l.contains(needle))
        .unwrap_or_else(|| panic!("{needle:?} not on screen:\n{screen}"))
        .to_owned()
}

#[test]
fn appends_are_verified_record_by_record_and_signed_when_their_checkpoint_verifies() {
    let (tmp, ledger) = native_ledger();
    let key = tmp.path().join("native-ledger.key");
    let mut t = Harness::open_owned(tmp, &ledger, 120, 40);
    let (mut watch, report) = Watch::start(&ledger, WatchOptions::default()).unwrap();
    update(&mut t.app, Msg::Live(WatchEvent::Ready(Box::new(report))));
    t.keys("G");
    assert_eq!(t.app.current().cursor, 39);
    assert_eq!(
        (unsigned(&t, "descriptors"), signed(&t, "descriptors")),
        (0, Some(40))
    );

    // A record being written: shown, but claimed as nothing until judged.
    let w = NativeWriter::open(&ledger, None, None).unwrap();
    let body = serde_json::json!({
        "descriptor_id": "live-0001", "process_name": "Unsigned_Append",
        "process_version": "1.0", "capability_level": 2,
    })
    .to_string();
    let (lines, _) = w
        .build(
            crate::ledger::native::format::meta::Chain::Descriptors,
            &[body],
        )
        .unwrap();
    let path = ledger.join("descriptors.jsonl");
    let write = |bytes: &[u8]| {
        use std::io::Write;
        let mut f = std::fs::OpenOptions::new()
            .append(true)
            .open(&path)
            .unwrap();
        f.write_all(bytes).unwrap();
    };
    write(lines[0].as_bytes());
    let events = watch.rescan(Instant::now());
    assert!(
        events.iter().all(|e| matches!(e, WatchEvent::Pending(_))),
        "{events:?}"
    );
    feed(&mut t, events);
    assert!(
        !t.screen()
            .lines()
            .any(|l| l.contains("Unsigned_Append") && l.contains("verified")),
        "not verified before its line is complete and judged"
    );
    // Completed: judged on its own, within the rescan, with no full
    // re-verification; verified by hash chain, not signed yet.
    write(b"\n");
    let events = watch.rescan(Instant::now());
    assert!(
        !events
            .iter()
            .any(|e| matches!(e, WatchEvent::Reverifying { .. })),
        "{events:?}"
    );
    let record = events.iter().find_map(|e| match e {
        WatchEvent::Record(r) => Some(r.clone()),
        _ => None,
    });
    let record = record.expect("a record event");
    assert_eq!((record.file, record.line), ("descriptors", 41));
    assert!(record.note.as_deref().unwrap().contains("not signed yet"));
    feed(&mut t, events);
    assert_eq!(t.app.current().lines(), 41);
    assert_eq!(t.app.current().cursor, 40, "followed the end");
    let r = row(&t, "Unsigned_Append");
    assert!(r.contains("✔") && r.contains("verified"), "{r}");
    assert_eq!(
        (unsigned(&t, "descriptors"), signed(&t, "descriptors")),
        (1, Some(40))
    );

    // Its checkpoint: judged entry by entry, and the pane's numbers follow.
    let history = |t: &Harness| {
        let r = t.app.report.ready().expect("a report");
        let f = r.files.iter().find(|f| f.name == "descriptors_checkpoints");
        f.map(|f| f.records).unwrap()
    };
    let entries = history(&t);
    let signer = read_signer(&key).unwrap();
    let mut w = NativeWriter::open(&ledger, Some(signer), None).unwrap();
    w.checkpoint(crate::ledger::native::format::meta::Chain::Descriptors)
        .unwrap();
    drop(w);
    let events = watch.rescan(Instant::now());
    assert!(
        events
            .iter()
            .any(|e| matches!(e, WatchEvent::Record(r) if r.file == "descriptors_checkpoints"))
            && !events
                .iter()
                .any(|e| matches!(e, WatchEvent::Reverifying { .. })),
        "{events:?}"
    );
    feed(&mut t, events);
    assert_eq!(
        (unsigned(&t, "descriptors"), signed(&t, "descriptors")),
        (0, Some(41))
    );
    assert_eq!(history(&t), entries + 1, "the new entry is counted");

    a_rewrite_is_an_alert_and_violated(&mut t, &mut watch, &ledger);
}

/// An edit of the verified appended record: an alert, and ✘ after the
/// re-verification.
fn a_rewrite_is_an_alert_and_violated(
    t: &mut Harness,
    watch: &mut Watch,
    ledger: &std::path::Path,
) {
    let path = ledger.join("descriptors.jsonl");
    let text = std::fs::read_to_string(&path).unwrap();
    std::fs::write(
        &path,
        text.replacen("Unsigned_Append", "Rewritten_Append", 1),
    )
    .unwrap();
    feed(t, watch.rescan(Instant::now()));
    assert!(t.app.live.banner(), "a rewrite is an alert");
    assert!(matches!(
        t.app.report.ready().map(|r| r.status),
        Some(crate::ledger::model::report::LedgerStatus::Violated)
    ));
    let row = t
        .screen()
        .lines()
        .find(|l| l.contains("Rewritten_Append"))
        .unwrap()
        .to_owned();
    assert!(row.contains("✘"), "{row}");
}

/// Pane 3 on a migrated ledger shows the legacy source's runs (the sample's
/// three time-keeper starts, from the start log the migration copied into
/// `events`), and the selected pulse names the start its run began at.
#[test]
fn time_pane_on_a_migrated_ledger_shows_the_legacy_runs() {
    for (w, h) in SIZES {
        let mut t = open(native_ledger, w, h);
        t.keys("3");
        let first = t.screen();
        assert!(first.contains("3 runs"), "{first}");
        assert_snapshot!(format!("native_time_{w}x{h}"), first);
        t.keys("G");
        let last = t.screen();
        assert!(last.contains("run 3/3"), "{last}");
        assert!(last.contains("from a start logged"), "{last}");
    }
}

/// A native ledger whose pulses have a wall-clock step at line 4 (5 s of
/// wall clock over 1 s of monotonic clock) and an assumed ΔAT at line 6
/// (a reading past the leap-second list's expiry, itself a step).
fn stepped_pulses_ledger() -> (TempDir, PathBuf) {
    use crate::ledger::native::format::pulse::{BootId, ClockReading};
    use crate::ledger::native::write::pulse::append_pulse;
    use crate::time::leap_seconds::LeapSecondList;
    const S: i64 = 1_000_000_000;
    const T0: i64 = 1_790_000_000 * S;
    let tmp = tempfile::tempdir().unwrap();
    let ledger = tmp.path().join("ledger");
    crate::ledger::native::write::init::init(
        &ledger,
        &InitOptions {
            origin: "iss.local/time-marks".to_owned(),
            key_path: tmp.path().join("ledger.key"),
            mac_key_path: None,
            created: "2026-11-01T08:00:00Z".to_owned(),
            genesis_extra: None,
        },
    )
    .unwrap();
    let signer = read_signer(&tmp.path().join("ledger.key")).unwrap();
    let mut w = NativeWriter::open(&ledger, Some(signer), None).unwrap();
    let leaps = LeapSecondList::embedded().unwrap();
    let at = |utc: i64, mono: i64| ClockReading {
        utc_unix_ns: utc,
        mono_ns: u64::try_from(mono).unwrap(),
        boot_id: BootId::Known("a".to_owned()),
    };
    for r in [
        at(T0, 100 * S),
        at(T0 + S, 101 * S),
        at(T0 + 2 * S, 102 * S),
        at(T0 + 8 * S, 103 * S),
        at(T0 + 9 * S, 104 * S),
        at(1_900_000_000 * S, 105 * S),
    ] {
        append_pulse(&mut w, &r, leaps).unwrap();
    }
    (tmp, ledger)
}

/// A native chain's time anomalies are found by the time pass over the
/// bodies, not by verification: they must still mark their rows (pane 3
/// and the browser) and be reached with `e`/`E`, as a legacy chain's are.
#[test]
fn native_time_anomalies_mark_their_rows_and_e_reaches_them() {
    let mut t = open(stepped_pulses_ledger, 120, 40);
    let marks = t
        .app
        .chain_of(ChainKind::NativePulses)
        .and_then(|c| c.marks.clone())
        .expect("marks");
    let kinds = |line| marks.at(line).map(|m| m.kinds);
    assert_eq!(kinds(4), Some(vec!["CLOCK_STEP"]));
    // Line 6 jumps years ahead on a monotonic second: a step as well.
    assert_eq!(kinds(6), Some(vec!["DELTA_AT_ASSUMED", "CLOCK_STEP"]));
    assert_eq!(kinds(5), None);
    t.keys("3");
    assert_eq!(t.app.pane, Pane::Time);
    t.keys("e");
    assert_eq!(t.app.time.cursor(), 3, "e: the clock step, line 4");
    t.keys("e");
    assert_eq!(t.app.time.cursor(), 5, "e: the assumed ΔAT, line 6");
    t.keys("E");
    assert_eq!(t.app.time.cursor(), 3);
    let screen = t.screen();
    assert!(screen.contains("CLOCK_STEP"), "{screen}");
    let warned = screen.lines().filter(|l| l.contains('⚠')).count();
    assert!(warned >= 2, "two rows marked ⚠:\n{screen}");
    // The browser's pulse rows carry the same marks.
    t.keys("1c");
    assert_eq!(t.app.current().kind, ChainKind::NativePulses);
    let rows: Vec<String> = t
        .screen()
        .lines()
        .filter(|l| l.contains('⚠'))
        .map(str::to_owned)
        .collect();
    assert_eq!(rows.len(), 2, "{rows:?}");
}

/// The form on a native ledger refuses a descriptor id the ledger already
/// has, at the preview, keeping the input and writing nothing
/// (`docs/FORMAT.md` §4.3 rule 5).
#[test]
fn the_form_refuses_a_descriptor_id_the_native_ledger_already_has() {
    use super::form::{GOOD, Writable, fill, native_ledger, tree};
    use crate::tui::form::Stage;
    let tmp = tempfile::tempdir().unwrap();
    let ledger = native_ledger(&tmp);
    let mut w = Writable::on(tmp, ledger, true, 120, 40);
    let fixed = |w: &mut Writable| {
        w.t.keys("i");
        w.t.keys(&fill(&GOOD));
        w.t.app
            .form
            .as_mut()
            .unwrap()
            .set("descriptor_id", "0123456789abcdef");
        w.t.keys("<c-s>");
    };
    fixed(&mut w);
    assert!(matches!(w.form().stage, Stage::Previewing { .. }));
    w.t.keys("y");
    assert!(w.t.app.form.is_none(), "appended: {}", w.message());

    let before = tree(w.tmp.path());
    fixed(&mut w);
    let f = w.form();
    assert!(matches!(f.stage, Stage::Editing), "no preview");
    let r = f.refusal.as_ref().expect("a refusal");
    assert!(
        r.title.contains("DUPLICATE_ID")
            && r.title.contains("0123456789abcdef")
            && r.title.contains("descriptors.jsonl line 1"),
        "{}",
        r.title
    );
    assert_eq!(f.texts()[0], GOOD[0], "the input is kept");
    assert_eq!(tree(w.tmp.path()), before, "nothing written");
}
