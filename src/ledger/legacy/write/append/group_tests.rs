//! Group commit: a batch's manifest lines ride with the next batch's
//! records; a batch record explains the unattested tail meanwhile; a stop
//! at any point leaves a ledger `iss repair` brings back to clean.

use super::LegacySession;
use crate::ledger::legacy::format::batch_record::batch_records;
use crate::ledger::legacy::write::append::{NewDescriptor, append_descriptor};
use crate::ledger::legacy::write::append::{Sample, sample};
use crate::ledger::legacy::write::repair::complete_manifest_and_batches;
use crate::ledger::model::finding::Severity;
use crate::ledger::model::report::LedgerStatus;
use crate::ledger::verify::{VerifyOptions, verify_path};
use std::path::Path;

const NOW: i64 = 1_767_225_600_000_000;

fn descriptor(name: &str) -> NewDescriptor {
    crate::ledger::legacy::write::append::test_descriptor(name, "group-test")
}

fn lines(path: &Path) -> usize {
    std::fs::read_to_string(path).unwrap().lines().count()
}

/// The verdict and the severity of the manifest's tail finding, if any.
fn tail(root: &Path) -> (LedgerStatus, Option<Severity>) {
    let r = verify_path(root, &VerifyOptions::default()).unwrap();
    let sev = r
        .findings()
        .find(|(_, f)| f.kind.name() == "MANIFEST_MISMATCH")
        .map(|(_, f)| f.severity);
    (r.status, sev)
}

fn batch(tag: &str, n: usize) -> Vec<NewDescriptor> {
    (0..n).map(|i| descriptor(&format!("{tag}{i}"))).collect()
}

#[test]
fn manifest_lines_ride_with_the_next_batch_and_release_leaves_a_clean_ledger() {
    let Sample {
        _tmp,
        root,
        chain,
        manifest,
    } = sample();
    let (c0, m0) = (lines(&chain), lines(&manifest));
    let mut s = LegacySession::open(&root).unwrap();

    let done = s.append_group(batch("A", 3), NOW).unwrap();
    assert_eq!(done.acks.len(), 3);
    assert_eq!(done.acks[0].manifest_line, m0 as u64 + 1);
    assert_eq!((lines(&chain), lines(&manifest)), (c0 + 3, m0));
    assert!(s.has_waiting_lines() && s.holds_batch_record());
    assert_eq!(batch_records(&manifest).len(), 1);
    // Three records unattested, explained by the batch record.
    assert_eq!(tail(&root), (LedgerStatus::Clean, Some(Severity::Warning)));

    // The next batch writes them with its own records, in one round.
    let done = s.append_group(batch("B", 2), NOW + 1000).unwrap();
    assert!(done.witness.is_ok());
    assert_eq!(done.acks[0].manifest_line, m0 as u64 + 4);
    assert_eq!((lines(&chain), lines(&manifest)), (c0 + 5, m0 + 3));
    assert_eq!(s.verifications(), 1);

    s.flush(NOW + 2000).unwrap();
    assert_eq!(lines(&manifest), m0 + 5);
    assert_eq!(tail(&root), (LedgerStatus::Clean, None));
    s.release(NOW + 3000).unwrap();
    assert!(!s.holds_batch_record());
    assert!(batch_records(&manifest).is_empty());
    assert_eq!(tail(&root), (LedgerStatus::Clean, None));
    // Acknowledged lines numbered as they were written.
    let m = std::fs::read_to_string(&manifest).unwrap();
    let last = m.lines().last().unwrap();
    assert!(last.contains(&done.acks[1].descriptor_id), "{last}");
}

#[test]
fn another_writer_completes_the_waiting_lines_and_the_session_goes_on() {
    let Sample {
        _tmp,
        root,
        manifest,
        ..
    } = sample();
    let mut s = LegacySession::open(&root).unwrap();
    s.append_group(batch("A", 2), NOW).unwrap();
    // `iss append` meanwhile: it completes the two waiting lines first.
    let other = append_descriptor(&root, descriptor("Other"), NOW + 500).unwrap();
    assert_eq!(other.completed.as_ref().map(|c| c.lines), Some(2));
    let done = s.append_group(batch("B", 2), NOW + 1000).unwrap();
    assert!(done.witness.is_ok());
    assert_eq!(
        s.verifications(),
        2,
        "verified again after the other writer"
    );
    s.release(NOW + 2000).unwrap();
    assert!(batch_records(&manifest).is_empty());
    assert_eq!(tail(&root), (LedgerStatus::Clean, None));
}

#[test]
fn a_writer_stopped_with_lines_waiting_is_explained_then_repaired() {
    let Sample {
        _tmp,
        root,
        manifest,
        ..
    } = sample();
    let mut s = LegacySession::open(&root).unwrap();
    s.append_group(batch("A", 2), NOW).unwrap();
    s.append_group(batch("B", 2), NOW + 1000).unwrap();
    drop(s); // a kill: the lines of B wait for nobody

    assert_eq!(tail(&root), (LedgerStatus::Clean, Some(Severity::Warning)));
    let kept = batch_records(&manifest);
    assert_eq!(kept.len(), 1);
    // The record is what explains it.
    let text = std::fs::read(&kept[0].0).unwrap();
    std::fs::remove_file(&kept[0].0).unwrap();
    assert_eq!(
        tail(&root),
        (LedgerStatus::Violated, Some(Severity::Violation))
    );
    std::fs::write(&kept[0].0, text).unwrap();

    let (done, removed) = complete_manifest_and_batches(&root, NOW + 2000).unwrap();
    assert_eq!(done.map(|c| c.lines), Some(2));
    assert_eq!(removed.unwrap().len(), 1);
    assert_eq!(tail(&root), (LedgerStatus::Clean, None));

    // A new session on the repaired ledger carries on.
    let mut s = LegacySession::open(&root).unwrap();
    s.append_group(batch("C", 2), NOW + 3000).unwrap();
    s.release(NOW + 4000).unwrap();
    assert_eq!(tail(&root), (LedgerStatus::Clean, None));
}

/// The steps a closure's writes take: (step, file name).
fn steps_of(f: impl FnOnce()) -> Vec<(String, String)> {
    use crate::ledger::append::fault::{FaultPlan, FaultyStorage, Gate};
    use crate::ledger::append::with_thread_storage;
    use std::sync::{Arc, Mutex};
    let seen = Arc::new(Mutex::new(Vec::new()));
    let s = Arc::clone(&seen);
    let gate: Gate = Arc::new(move |_, name, path| {
        let file = path.file_name().unwrap_or_default().to_string_lossy();
        s.lock().unwrap().push((name.to_owned(), file.into_owned()));
    });
    let storage = Arc::new(FaultyStorage::with_gate(FaultPlan::default(), gate));
    with_thread_storage(storage, f);
    seen.lock().unwrap().clone()
}

fn position(steps: &[(String, String)], name: &str, file: &str) -> Option<usize> {
    steps
        .iter()
        .position(|(n, f)| n == name && f.starts_with(file))
}

#[test]
fn a_round_syncs_the_chain_only_and_the_manifest_is_synced_before_its_batch_record_goes() {
    let Sample {
        _tmp,
        root,
        manifest,
        ..
    } = sample();
    let mut s = LegacySession::open(&root).unwrap();
    s.append_group(batch("A", 2), NOW).unwrap();
    // A round: batch B's records and batch A's waiting manifest lines.
    let round = steps_of(|| {
        s.append_group(batch("B", 2), NOW + 1000).unwrap();
    });
    let syncs: Vec<_> = round
        .iter()
        .filter(|(n, _)| n == "fdatasync" || n == "fsync")
        .map(|(_, f)| f.as_str())
        .collect();
    assert_eq!(syncs, ["spice_chain.jsonl"], "{round:?}");
    assert!(position(&round, "write", "integrity_manifest.jsonl").is_some());

    // The release makes the manifest durable, then removes the record
    // (also when no line waits: the rounds before did not sync them).
    s.flush(NOW + 1500).unwrap();
    let release = steps_of(|| s.release(NOW + 2000).unwrap());
    let sync = position(&release, "fdatasync", "integrity_manifest.jsonl").expect("synced");
    let remove = position(&release, "remove", "integrity_manifest.jsonl.batch-").expect("removed");
    assert!(sync < remove, "{release:?}");
    assert_eq!(tail(&root), (LedgerStatus::Clean, None));

    // So does a repair that removes a record a stopped writer left.
    s.append_group(batch("C", 2), NOW + 3000).unwrap();
    s.append_group(batch("D", 2), NOW + 4000).unwrap();
    s.flush(NOW + 5000).unwrap();
    drop(s);
    assert_eq!(batch_records(&manifest).len(), 1);
    let repair = steps_of(|| {
        let (done, removed) = complete_manifest_and_batches(&root, NOW + 6000).unwrap();
        assert!(done.is_none());
        assert_eq!(removed.unwrap().len(), 1);
    });
    let sync = position(&repair, "fdatasync", "integrity_manifest.jsonl").expect("synced");
    let remove = position(&repair, "remove", "integrity_manifest.jsonl.batch-").expect("removed");
    assert!(sync < remove, "{repair:?}");
    assert_eq!(tail(&root), (LedgerStatus::Clean, None));
}
