//! The watcher's core without threads or notifications: a generated ledger
//! is changed on disk, [`Watch::rescan`] is called, and the events must say
//! exactly what happened (appends verified one by one, everything else an
//! alert followed by a full re-verification).

use super::*;
use crate::ledger::legacy::write::append::{NewDescriptor, append_descriptor};
use crate::ledger::legacy::write::sample::{SampleSpec, write_sample_ledger};
use crate::ledger::model::report::LedgerStatus;
use std::fs::{self, OpenOptions};
use std::io::Write;
use tempfile::TempDir;

mod during_writes;
mod mid_append;
mod native;

const NOW_MICROS: i64 = 1_767_225_600_000_000;

fn ledger() -> (TempDir, PathBuf) {
    let tmp = tempfile::tempdir().unwrap();
    let root = tmp.path().join("ledger");
    write_sample_ledger(&root, &SampleSpec::default()).unwrap();
    (tmp, root)
}

fn chain(root: &Path) -> PathBuf {
    root.join("data/spice_layer/spice_chain.jsonl")
}

fn manifest(root: &Path) -> PathBuf {
    root.join("data/spice_layer/integrity_manifest.jsonl")
}

fn descriptor(name: &str) -> NewDescriptor {
    crate::ledger::legacy::write::append::test_descriptor(name, "watch-test")
}

fn start(root: &Path) -> Watch {
    let (w, report) = Watch::start(root, WatchOptions::default()).unwrap();
    assert_eq!(report.status, LedgerStatus::Clean);
    w
}

fn append_raw(path: &Path, bytes: &[u8]) {
    let mut f = OpenOptions::new().append(true).open(path).unwrap();
    f.write_all(bytes).unwrap();
}

/// Events reduced to what the tests compare.
fn kinds(events: &[WatchEvent]) -> Vec<String> {
    events
        .iter()
        .map(|e| match e {
            WatchEvent::Ready(_) => "ready".to_owned(),
            WatchEvent::Record(r) => format!("record {} {} {:?}", r.file, r.line, r.status),
            WatchEvent::Pending(p) => format!("pending {} {}", p.file, p.bytes),
            WatchEvent::Alert(a) => format!("alert {} {}", a.file, a.change.word()),
            WatchEvent::Reverifying { .. } => "reverifying".to_owned(),
            WatchEvent::Reverified(r) => format!("reverified {:?}", r.status),
            WatchEvent::Error(e) => format!("error {e}"),
        })
        .collect()
}

/// The lines a genuine append adds, taken from a twin of the ledger.
fn genuine_append_lines(root: &Path) -> (Vec<u8>, Vec<u8>) {
    let twin = root.with_file_name("twin");
    crate::ledger::legacy::write::sample::write_sample_ledger(&twin, &SampleSpec::default())
        .unwrap();
    let (c0, m0) = (
        fs::read(chain(&twin)).unwrap(),
        fs::read(manifest(&twin)).unwrap(),
    );
    append_descriptor(&twin, descriptor("Twin"), NOW_MICROS).unwrap();
    let c1 = fs::read(chain(&twin)).unwrap();
    let m1 = fs::read(manifest(&twin)).unwrap();
    (c1[c0.len()..].to_vec(), m1[m0.len()..].to_vec())
}

#[test]
fn an_append_is_verified_record_by_record_and_nothing_else_is_reported() {
    let (_tmp, root) = ledger();
    let mut w = start(&root);
    assert!(w.rescan(Instant::now()).is_empty(), "nothing changed yet");
    let ack = append_descriptor(&root, descriptor("Live"), NOW_MICROS)
        .unwrap()
        .acks
        .remove(0);
    let events = w.rescan(Instant::now());
    assert_eq!(
        kinds(&events),
        [
            "record spice_chain 41 Verified",
            "record integrity_manifest 44 Verified"
        ],
        "{events:#?}"
    );
    let WatchEvent::Record(r) = &events[0] else {
        unreachable!()
    };
    assert_eq!(r.record_id.as_deref(), Some(ack.descriptor_id.as_str()));
    assert_eq!(r.checks, live::CHAIN_CHECKS);
    assert!(
        w.rescan(Instant::now()).is_empty(),
        "each line is reported once"
    );
    // A second append continues from the first.
    append_descriptor(&root, descriptor("Again"), NOW_MICROS + 1).unwrap();
    assert_eq!(
        kinds(&w.rescan(Instant::now())),
        [
            "record spice_chain 42 Verified",
            "record integrity_manifest 45 Verified"
        ]
    );
}

#[test]
fn a_forged_append_is_a_violation_on_its_line() {
    let (_tmp, root) = ledger();
    let mut w = start(&root);
    let (mut line, _) = genuine_append_lines(&root);
    // Edit a covered field of the new record: its hash no longer matches.
    let text = String::from_utf8(line.clone()).unwrap();
    line = text.replace("\"Twin\"", "\"Fake\"").into_bytes();
    append_raw(&chain(&root), &line);
    let events = w.rescan(Instant::now());
    assert_eq!(kinds(&events), ["record spice_chain 41 Violated"]);
    let WatchEvent::Record(r) = &events[0] else {
        unreachable!()
    };
    assert_eq!(r.findings[0].kind, FindingKind::HashMismatch);
    assert_eq!(r.findings[0].line, Some(41));
}

#[test]
fn a_manifest_line_that_attests_the_wrong_hash_is_a_violation() {
    let (_tmp, root) = ledger();
    let mut w = start(&root);
    let (line, mline) = genuine_append_lines(&root);
    append_raw(&chain(&root), &line);
    let text = String::from_utf8(mline).unwrap();
    let key = "\"chain_hash\":\"";
    let at = text.find(key).unwrap() + key.len();
    let flipped = if &text[at..=at] == "0" { "1" } else { "0" };
    let forged = format!("{}{flipped}{}", &text[..at], &text[at + 1..]);
    append_raw(&manifest(&root), forged.as_bytes());
    let events = w.rescan(Instant::now());
    assert_eq!(
        kinds(&events),
        [
            "record spice_chain 41 Verified",
            "record integrity_manifest 44 Violated"
        ]
    );
}

/// The watcher looks at the manifest before the chain (so that it never
/// takes an append's manifest lines without their records): a manifest
/// line that attests a record the chain really lacks is still a violation,
/// at this rescan and not only once a later one catches up.
#[test]
fn a_manifest_line_attesting_a_record_the_chain_lacks_is_a_violation() {
    let (_tmp, root) = ledger();
    let mut w = start(&root);
    let (_line, mline) = genuine_append_lines(&root);
    append_raw(&manifest(&root), &mline);
    let events = w.rescan(Instant::now());
    assert_eq!(kinds(&events), ["record integrity_manifest 44 Violated"]);
    let WatchEvent::Record(r) = &events[0] else {
        unreachable!()
    };
    assert_eq!(r.findings[0].kind, FindingKind::Truncated);
}

#[test]
fn a_torn_line_is_pending_until_it_completes() {
    let (_tmp, root) = ledger();
    let mut w = start(&root);
    let (line, mline) = genuine_append_lines(&root);
    let half = line.len() / 2;
    append_raw(&chain(&root), &line[..half]);
    let t0 = Instant::now();
    assert_eq!(
        kinds(&w.rescan(t0)),
        [format!("pending spice_chain {half}")]
    );
    assert!(
        w.rescan(t0).is_empty(),
        "the same torn line is reported once"
    );
    append_raw(&chain(&root), &line[half..]);
    append_raw(&manifest(&root), &mline);
    assert_eq!(
        kinds(&w.rescan(t0)),
        [
            "record spice_chain 41 Verified",
            "record integrity_manifest 44 Verified"
        ]
    );
}

#[test]
fn a_line_that_stays_torn_past_the_grace_period_is_an_alert() {
    let (_tmp, root) = ledger();
    let mut w = start(&root);
    append_raw(&chain(&root), b"{\"descriptor_id\":");
    let t0 = Instant::now();
    assert_eq!(kinds(&w.rescan(t0)), ["pending spice_chain 17"]);
    let later = t0 + w.options().torn_grace;
    let events = w.rescan(later);
    assert_eq!(
        kinds(&events),
        [
            "alert spice_chain stays torn",
            "reverifying",
            "reverified Violated"
        ]
    );
    assert!(
        w.rescan(later + Duration::from_secs(60)).is_empty(),
        "reported once, not at every rescan"
    );
}

#[test]
fn truncation_is_an_alert_and_the_ledger_is_reverified() {
    let (_tmp, root) = ledger();
    let mut w = start(&root);
    let f = OpenOptions::new().write(true).open(chain(&root)).unwrap();
    let len = f.metadata().unwrap().len();
    f.set_len(len / 2).unwrap();
    let events = w.rescan(Instant::now());
    assert_eq!(
        kinds(&events),
        [
            "alert spice_chain truncated",
            "reverifying",
            "reverified Violated"
        ]
    );
    let WatchEvent::Alert(a) = &events[0] else {
        unreachable!()
    };
    assert!(a.path.ends_with("spice_chain.jsonl"));
    assert_eq!(a.found, format!("{} bytes", len / 2));
    assert!(
        w.rescan(Instant::now()).is_empty(),
        "watching goes on from the new state"
    );
}

#[test]
fn an_in_place_edit_of_the_same_length_is_a_rewrite() {
    let (_tmp, root) = ledger();
    let mut w = start(&root);
    let path = chain(&root);
    let mut bytes = fs::read(&path).unwrap();
    // A covered field of line 1, same length.
    let at = bytes
        .windows(14)
        .position(|x| x == b"\"process_name\"")
        .unwrap()
        + 16;
    bytes[at] = if bytes[at] == b'X' { b'Y' } else { b'X' };
    std::thread::sleep(Duration::from_millis(20));
    fs::OpenOptions::new()
        .write(true)
        .open(&path)
        .unwrap()
        .write_all(&bytes)
        .unwrap();
    let events = w.rescan(Instant::now());
    assert_eq!(
        kinds(&events),
        [
            "alert spice_chain rewritten",
            "reverifying",
            "reverified Violated"
        ]
    );
}

#[test]
fn an_edit_of_the_last_line_is_a_rewrite_even_with_growth() {
    let (_tmp, root) = ledger();
    let mut w = start(&root);
    let path = manifest(&root);
    let mut bytes = fs::read(&path).unwrap();
    let n = bytes.len();
    bytes[n - 3] = if bytes[n - 3] == b'1' { b'2' } else { b'1' };
    bytes.extend_from_slice(b"\n");
    fs::write(&path, &bytes).unwrap();
    assert_eq!(
        kinds(&w.rescan(Instant::now()))[0],
        "alert integrity_manifest rewritten"
    );
}

#[test]
fn replacement_and_deletion_are_alerts() {
    let (_tmp, root) = ledger();
    let mut w = start(&root);
    let path = chain(&root);
    let copy = path.with_extension("copy");
    fs::copy(&path, &copy).unwrap();
    fs::rename(&copy, &path).unwrap();
    let events = w.rescan(Instant::now());
    assert_eq!(
        kinds(&events),
        [
            "alert spice_chain replaced",
            "reverifying",
            "reverified Clean"
        ],
        "the same bytes under a new inode: replaced, and still verifying"
    );
    fs::remove_file(root.join("logs/forensic_logs/glyph_chain.jsonl")).unwrap();
    let events = w.rescan(Instant::now());
    assert_eq!(kinds(&events)[0], "alert glyph_chain deleted");
    assert!(matches!(events.last(), Some(WatchEvent::Reverified(_))));
    assert!(
        w.rescan(Instant::now()).is_empty(),
        "a deletion is reported once"
    );
}

#[test]
fn growth_of_a_file_checked_only_as_a_whole_reverifies() {
    let (_tmp, root) = ledger();
    let mut w = start(&root);
    let log = root.join("data/spice_layer/constitutional_log.jsonl");
    let first = fs::read_to_string(&log).unwrap();
    let line = first.lines().next().unwrap().to_owned() + "\n";
    append_raw(&log, line.as_bytes());
    let events = w.rescan(Instant::now());
    assert_eq!(
        kinds(&events),
        ["reverifying", "reverified Violated"],
        "a repeated binding has no manifest line of its own"
    );
    let WatchEvent::Reverifying { reason } = &events[0] else {
        unreachable!()
    };
    assert!(reason.contains("constitutional_log.jsonl"), "{reason}");
}

#[test]
fn events_serialise_as_documented() {
    let (_tmp, root) = ledger();
    let mut w = start(&root);
    append_descriptor(&root, descriptor("Json"), NOW_MICROS).unwrap();
    let v = w.rescan(Instant::now())[0].to_json();
    assert_eq!(v["event"], "record");
    assert_eq!(v["file"], "spice_chain");
    assert_eq!(v["line"], 41);
    assert_eq!(v["status"], "verified");
    assert!(v["findings"].as_array().unwrap().is_empty());
    let alert = Alert {
        file: "spice_chain",
        path: "p".into(),
        change: ChangeKind::Truncated,
        expected: "e".into(),
        found: "f".into(),
        detail: "d".into(),
    };
    let a = WatchEvent::Alert(alert.clone()).to_json();
    assert_eq!(
        (a["event"].as_str(), a["change"].as_str()),
        (Some("alert"), Some("truncated"))
    );
    assert_eq!(alert.finding().kind, FindingKind::FileChanged);
}
