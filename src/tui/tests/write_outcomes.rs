//! Invariant: a write from the workstation has one of two outcomes, and
//! the user is told which. Nothing changed (the refusal in the form, the
//! input kept, every file as it was), or the record is durable and
//! acknowledged — and when a step after it failed (the checkpoint, the
//! manifest line) the status line says "appended …; … failed: … — run …"
//! as a warning, and the form is closed so the record cannot be sent twice.
//! Faults come through the append module's storage seam, for this thread.

use super::form::{GOOD, Writable, fill, native_ledger, tree};
use crate::ledger::append::fault::{FaultPlan, FaultyStorage};
use crate::ledger::append::with_thread_storage;
use crate::ledger::model::report::LedgerStatus;
use crate::ledger::verify::{VerifyOptions, verify_path};
use crate::tui::app::Level;
use crate::tui::form::Stage;
use std::path::Path;
use std::sync::Arc;

/// Run `f` with step `step` of this thread's writes failing as `action`.
fn faulted<T>(plan: &str, f: impl FnOnce() -> T) -> T {
    let plan = FaultPlan::parse(plan).unwrap();
    with_thread_storage(Arc::new(FaultyStorage::new(plan)), f)
}

fn level(w: &Writable) -> Level {
    w.t.app.message.as_ref().map(|(l, _)| *l).unwrap()
}

fn lines(p: &Path) -> usize {
    std::fs::read_to_string(p).unwrap().lines().count()
}

/// Open the form on `w`, fill it, and preview.
fn previewed(w: &mut Writable) {
    w.t.keys("i");
    w.t.keys(&fill(&GOOD));
    w.t.keys("<c-s>");
    assert!(
        matches!(w.form().stage, Stage::Previewing { .. }),
        "{:?}",
        w.form().refusal
    );
}

#[test]
fn a_native_record_whose_checkpoint_fails_is_acknowledged_with_the_command_to_finish() {
    let tmp = tempfile::tempdir().unwrap();
    let ledger = native_ledger(&tmp);
    let mut w = Writable::on(tmp, ledger.clone(), true, 120, 40);
    previewed(&mut w);
    // Steps 1-4 write the record, 5-8 the history, 9-13 the latest file:
    // its temporary file's write finds the disk full.
    faulted("10:enospc", || w.t.keys("y"));
    let msg = w.message();
    assert!(w.t.app.form.is_none(), "durable: the form is done, {msg}");
    assert_eq!(level(&w), Level::Warn, "{msg}");
    for part in [
        "appended",
        "as record 0",
        "hash ",
        "checkpoint of descriptors",
        "failed",
        "No space left on device",
        "— run `iss checkpoint",
    ] {
        assert!(msg.contains(part), "{part:?} in {msg}");
    }
    assert_eq!(lines(&ledger.join("descriptors.jsonl")), 1);
    let temps: Vec<_> = tree(w.tmp.path())
        .into_keys()
        .filter(|p| p.to_string_lossy().contains(".tmp-"))
        .collect();
    assert!(temps.is_empty(), "{temps:?}");
    // `y` again has nothing to send: the record is not written twice.
    w.t.keys("y");
    assert_eq!(lines(&ledger.join("descriptors.jsonl")), 1);
    // The history entry is written: the ledger verifies (the latest file
    // lags), and the next writer completes it.
    let report = verify_path(&ledger, &VerifyOptions::default()).unwrap();
    assert_eq!(report.status, LedgerStatus::Clean);
}

#[test]
fn p_whose_checkpoint_fails_says_the_pulse_is_appended_and_what_failed() {
    let tmp = tempfile::tempdir().unwrap();
    let ledger = native_ledger(&tmp);
    let mut w = Writable::on(tmp, ledger.clone(), true, 120, 40);
    // Step 6 writes the pulses' checkpoint history.
    faulted("6:eio", || w.t.keys("P"));
    let msg = w.message();
    assert_eq!(level(&w), Level::Warn, "{msg}");
    for part in [
        "appended pulse as record 0",
        "not signed",
        "checkpoint of pulses failed",
        "— run `iss checkpoint",
    ] {
        assert!(msg.contains(part), "{part:?} in {msg}");
    }
    assert_eq!(lines(&ledger.join("pulses.jsonl")), 1);
    let history = std::fs::read(ledger.join("pulses.jsonl.checkpoints")).unwrap();
    assert!(history.ends_with(b"\n"), "the failed entry was undone");
}

#[test]
fn a_legacy_record_whose_manifest_line_fails_is_acknowledged_and_repair_completes_it() {
    let mut w = Writable::new(true, 120, 40);
    let chain = w.chain();
    let before = lines(&chain);
    previewed(&mut w);
    // Steps 1-4 write the record, 5-8 its manifest line.
    faulted("6:enospc", || w.t.keys("y"));
    let msg = w.message();
    assert!(w.t.app.form.is_none(), "durable: the form is done, {msg}");
    assert_eq!(level(&w), Level::Warn, "{msg}");
    for part in ["appended", "manifest line", "failed", "— run `iss repair"] {
        assert!(msg.contains(part), "{part:?} in {msg}");
    }
    assert_eq!(lines(&chain), before + 1);
    let done =
        crate::ledger::legacy::write::repair::complete_manifest(&w.ledger, 1_800_000_000_000_000)
            .unwrap()
            .expect("the missing line is written");
    assert_eq!((done.first_record, done.lines), (before as u64 + 1, 1));
    let report = verify_path(&w.ledger, &VerifyOptions::default()).unwrap();
    assert_eq!(report.status, LedgerStatus::Clean);
    assert_eq!(report.findings().count(), 0);
}

#[test]
fn a_record_that_cannot_be_written_changes_nothing_and_keeps_the_input() {
    let tmp = tempfile::tempdir().unwrap();
    let ledger = native_ledger(&tmp);
    let mut w = Writable::on(tmp, ledger, true, 120, 40);
    previewed(&mut w);
    let before = tree(w.tmp.path());
    // Step 2 writes the record.
    faulted("2:enospc", || w.t.keys("y"));
    let refusal = w.form().refusal.clone().expect("refused in the form");
    assert!(refusal.title.contains("No space left"), "{}", refusal.title);
    assert_eq!(w.form().texts()[0], GOOD[0], "the input is kept");
    let after: Vec<_> = tree(w.tmp.path()).into_iter().collect();
    let before: Vec<_> = before.into_iter().collect();
    let unchanged = |v: &[(std::path::PathBuf, Vec<u8>)]| {
        v.iter()
            .filter(|(p, _)| !p.ends_with(".iss-lock"))
            .cloned()
            .collect::<Vec<_>>()
    };
    assert!(unchanged(&after) == unchanged(&before), "nothing changed");
}
