//! `Ledger::repair`: the format's repair is picked and run here; a legacy
//! repair hands each cut over as soon as it is made (before the clock is
//! read and the manifest completed) and says how it ended; a native one
//! records its cuts in the ledger.

use super::super::{Ledger, LegacyEnd, LegacyRepaired, OpenOptions, RepairError, Repaired};
use crate::ledger::legacy::write::append::sample;
use crate::ledger::native::format::meta::Chain;
use crate::ledger::native::write::NativeWriter;
use crate::ledger::native::write::init::{InitOptions, init};
use crate::ledger::write_error::WriteError;
use std::cell::RefCell;
use std::io::Write;
use std::path::Path;

const NOW: i64 = 1_767_225_600_000_000;
const TORN: &[u8] = br#"{"descriptor_id":"torn"#;

fn append_bytes(path: &Path, bytes: &[u8]) {
    let mut f = std::fs::OpenOptions::new().append(true).open(path).unwrap();
    f.write_all(bytes).unwrap();
}

fn ends_torn(path: &Path) -> bool {
    !std::fs::read(path).unwrap().ends_with(b"\n")
}

fn name(path: &Path) -> String {
    path.file_name().unwrap().to_string_lossy().into_owned()
}

type Outcome = Result<Repaired, RepairError<&'static str>>;

/// Repair `ledger` with a clock reading `clock`, an `on_cut` that fails
/// from the `fail_at`-th cut on (1-based), and the steps seen in order
/// (`cut <file>`, `clock`).
fn repair(
    ledger: &Ledger,
    clock: Result<i64, &'static str>,
    fail_at: usize,
) -> (Outcome, Vec<String>) {
    let steps = RefCell::new(Vec::new());
    let result = ledger.repair(
        || {
            steps.borrow_mut().push("clock".to_owned());
            clock
        },
        &mut |cut| {
            let mut steps = steps.borrow_mut();
            steps.push(format!("cut {}", name(&cut.file)));
            let cuts = steps.iter().filter(|s| s.starts_with("cut ")).count();
            if cuts >= fail_at {
                Err("stdout closed")
            } else {
                Ok(())
            }
        },
    );
    (result, steps.into_inner())
}

fn legacy(outcome: Outcome) -> LegacyRepaired {
    match outcome {
        Ok(Repaired::Legacy(done)) => *done,
        other => panic!("expected a legacy repair, got {other:?}"),
    }
}

#[test]
fn a_legacy_cut_is_handed_over_before_the_clock_is_read_and_the_manifest_completed() {
    let s = sample();
    // An append stopped after its record, before its manifest line, and
    // the next one torn mid-record.
    let manifest = std::fs::read_to_string(&s.manifest).unwrap();
    let kept = &manifest[..=manifest.trim_end().rfind('\n').unwrap()];
    std::fs::write(&s.manifest, kept).unwrap();
    append_bytes(&s.chain, TORN);
    let records = std::fs::read_to_string(&s.chain).unwrap().lines().count() as u64 - 1;

    let (outcome, steps) = repair(&Ledger::at(&s.root), Ok(NOW), usize::MAX);
    assert_eq!(steps, ["cut spice_chain.jsonl", "clock"]);
    let done = legacy(outcome);
    assert_eq!(done.cuts.len(), 1);
    let cut = &done.cuts[0];
    assert_eq!(
        (cut.file.as_path(), cut.removed.len),
        (s.chain.as_path(), TORN.len() as u64)
    );
    assert_eq!(std::fs::read(&cut.removed.backup).unwrap(), TORN);
    assert!(!ends_torn(&s.chain) && done.unsynced().is_none());
    match done.end {
        LegacyEnd::Completed {
            completed: Some(c),
            batch_records: Ok(removed),
        } => {
            assert_eq!((c.lines, c.last_record), (1, records));
            assert!(removed.is_empty());
        }
        end => panic!("expected the manifest completed, got {end:?}"),
    }
    // And then there is nothing left to do.
    let (outcome, steps) = repair(&Ledger::at(&s.root), Ok(NOW), usize::MAX);
    assert_eq!(steps, ["clock"]);
    let done = legacy(outcome);
    assert!(done.cuts.is_empty());
    assert!(matches!(
        done.end,
        LegacyEnd::Completed { completed: None, batch_records: Ok(ref r) } if r.is_empty()
    ));
}

#[test]
fn a_clock_failing_after_a_cut_is_the_caller_s_error_and_the_cut_stays_made() {
    let s = sample();
    append_bytes(&s.chain, TORN);
    let (outcome, steps) = repair(&Ledger::at(&s.root), Err("no clock"), usize::MAX);
    assert_eq!(steps, ["cut spice_chain.jsonl", "clock"]);
    assert!(
        matches!(outcome, Err(RepairError::Caller("no clock"))),
        "{outcome:?}"
    );
    assert!(!ends_torn(&s.chain));
}

#[test]
fn an_on_cut_error_stops_the_repair_at_that_cut() {
    let s = sample();
    append_bytes(&s.chain, TORN);
    append_bytes(&s.manifest, br#"{"timestamp":"2026-11-"#);
    let (outcome, steps) = repair(&Ledger::at(&s.root), Ok(NOW), 1);
    assert!(
        matches!(outcome, Err(RepairError::Caller("stdout closed"))),
        "{outcome:?}"
    );
    // One cut made and handed over; the other file untouched, the clock
    // never read.
    assert_eq!(steps.len(), 1, "{steps:?}");
    let torn: Vec<_> = [&s.chain, &s.manifest]
        .into_iter()
        .filter(|p| ends_torn(p))
        .map(|p| format!("cut {}", name(p)))
        .collect();
    assert_eq!(torn.len(), 1);
    assert_ne!(torn[0], steps[0]);
}

#[test]
fn a_violated_legacy_ledger_is_cut_but_its_manifest_is_not_completed() {
    let s = sample();
    let chain = std::fs::read_to_string(&s.chain).unwrap();
    let mut lines: Vec<&str> = chain.lines().collect();
    lines.swap(2, 3);
    std::fs::write(&s.chain, format!("{}\n", lines.join("\n"))).unwrap();
    append_bytes(&s.chain, TORN);
    let (outcome, steps) = repair(&Ledger::at(&s.root), Ok(NOW), usize::MAX);
    assert_eq!(steps, ["cut spice_chain.jsonl", "clock"]);
    let done = legacy(outcome);
    assert_eq!(done.cuts.len(), 1);
    assert!(
        matches!(
            done.end,
            LegacyEnd::NotCompleted(WriteError::Violated { .. })
        ),
        "{:?}",
        done.end
    );
}

#[test]
fn a_missing_legacy_ledger_is_a_located_error() {
    let tmp = tempfile::tempdir().unwrap();
    let gone = tmp.path().join("gone");
    let (outcome, steps) = repair(&Ledger::at(&gone), Ok(NOW), usize::MAX);
    assert!(steps.is_empty(), "{steps:?}");
    match outcome {
        Err(e @ RepairError::Discover(_)) => {
            assert!(e.to_string().contains("gone"), "{e}");
        }
        other => panic!("expected a discovery error, got {other:?}"),
    }
}

#[test]
fn a_native_repair_records_its_cut_in_the_ledger_and_signs() {
    let tmp = tempfile::tempdir().unwrap();
    let dir = tmp.path().join("ledger");
    init(
        &dir,
        &InitOptions {
            origin: "iss.test/repair".into(),
            key_path: tmp.path().join("ledger.key"),
            mac_key_path: None,
            created: "2026-11-27T00:00:00.000000Z".into(),
            genesis_extra: None,
        },
    )
    .unwrap();
    let mut w = NativeWriter::open(&dir, None, None).unwrap();
    w.append(
        Chain::Descriptors,
        &[r#"{"descriptor_id":"d0","process_name":"Repair"}"#.to_owned()],
    )
    .unwrap();
    drop(w);
    let descriptors = dir.join("descriptors.jsonl");
    append_bytes(&descriptors, TORN);

    let ledger = Ledger::open(&dir, &OpenOptions::default()).unwrap();
    assert!(
        ledger.signer().is_some(),
        "the ledger's own key file is found"
    );
    let (outcome, steps) = repair(&ledger, Ok(NOW), usize::MAX);
    // Its cuts are in its result, recorded; no clock, no callback.
    assert!(steps.is_empty(), "{steps:?}");
    let done = match outcome {
        Ok(Repaired::Native(done)) => done,
        other => panic!("expected a native repair, got {other:?}"),
    };
    assert_eq!(done.cuts.len(), 1);
    assert_eq!(
        (done.cuts[0].file.as_str(), done.cuts[0].bytes),
        ("descriptors.jsonl", TORN.len() as u64)
    );
    assert!(done.cuts[0].event.is_some(), "the cut is an events record");
    assert!(!done.checkpoints.is_empty() && done.follow_up_failed.is_none());
    assert!(!ends_torn(&descriptors));
}
