//! Issue 10: lines cut from the end of a legacy `integrity_manifest.jsonl`.
//!
//! An append writes its chain line, then its manifest line
//! (`ledger::legacy::write::append`): a crash between the two leaves one record at
//! the chain's end that no manifest line attests — a warning, completed by
//! `iss repair` or the next append. Two or more cannot come from a crash
//! (a batch append records that it is writing several first): the
//! manifest lines were removed, and with them the only witness of those
//! records, so that is a violation naming the records. This used to give
//! only a warning and a CLEAN verdict.

mod common;

use common::{edit_lines, genuine_ledgers, read_lines};
use iss_workstation::ledger::model::finding::Severity;
use iss_workstation::ledger::model::report::LedgerStatus;
use iss_workstation::ledger::verify::{VerifyOptions, verify_path};
use std::path::Path;

const CHAIN: &str = "data/spice_layer/spice_chain.jsonl";
const MANIFEST: &str = "data/spice_layer/integrity_manifest.jsonl";

/// Cut `n` `CREATE_DESCRIPTOR` lines (and any binding lines after them)
/// from the end of the manifest; the chain records they attested.
fn cut_creates(root: &Path, n: usize) -> usize {
    let mut cut = 0;
    edit_lines(&root.join(MANIFEST), |lines| {
        while cut < n {
            let last = lines.pop().unwrap();
            if last.contains("CREATE_DESCRIPTOR") {
                cut += 1;
            }
        }
    });
    cut
}

#[test]
fn two_or_more_unattested_records_are_a_violation_one_is_a_warning() {
    for genuine in genuine_ledgers() {
        for n in [1usize, 2, 3] {
            let dir = tempfile::tempdir().unwrap();
            genuine.materialise(dir.path());
            let chain = read_lines(&dir.path().join(CHAIN));
            let manifest_before = read_lines(&dir.path().join(MANIFEST)).len();
            assert_eq!(cut_creates(dir.path(), n), n);
            let report = verify_path(dir.path(), &VerifyOptions::default()).unwrap();
            let found: Vec<_> = report
                .findings()
                .filter(|(_, f)| f.kind.name() == "MANIFEST_MISMATCH")
                .collect();
            assert_eq!(found.len(), 1, "{genuine:?} cut {n}: {found:?}");
            let (file, f) = found[0];
            assert_eq!(file.name, "integrity_manifest");
            let total = chain.len() as u64;
            let first = total - n as u64 + 1;
            if n == 1 {
                assert_eq!(f.severity, Severity::Warning, "{f:?}");
                assert_eq!(report.status, LedgerStatus::Clean, "{genuine:?}");
                continue;
            }
            assert_eq!(
                f.severity,
                Severity::Violation,
                "{genuine:?} cut {n}: {f:?}"
            );
            // Located: the last manifest line left, the first record not
            // attested (its id), the chain lines, expected vs found.
            let last_line = read_lines(&dir.path().join(MANIFEST)).len() as u64;
            assert!(last_line < manifest_before as u64);
            assert_eq!(f.line, Some(last_line), "{f:?}");
            let first_id =
                common::field(&chain[usize::try_from(first).unwrap() - 1], "descriptor_id");
            assert_eq!(f.record_id.as_deref(), Some(first_id.as_str()), "{f:?}");
            assert!(
                f.detail.contains(&format!(
                    "records {first}-{total}, chain lines {first}-{total}"
                )),
                "{f:?}"
            );
            assert_eq!(
                f.found.as_deref(),
                Some(
                    format!(
                        "{total} records in the chain, {} attested",
                        total - n as u64
                    )
                    .as_str()
                )
            );
            assert_eq!(report.status, LedgerStatus::Violated);
        }
    }
}

const D: &str = r#"{"process_name":"Tail","process_version":"1.0","capability_level":3,"process_outcome":"compliant","compliance_score":0.9,"evidence_required":["execution_log"],"evidence_provided":["execution_log"],"assessed_by":"auditor.jane","assessment_method":"document_review"}"#;

/// A generated ledger `l` (5 descriptors) in a fresh folder.
fn sample() -> (tempfile::TempDir, std::path::PathBuf) {
    let dir = tempfile::tempdir().unwrap();
    let l = dir.path().join("l");
    let r = common::faults::iss(
        &[
            "sample".into(),
            "--descriptors".into(),
            "5".into(),
            l.display().to_string(),
        ],
        None,
        None,
    );
    assert_eq!(r.code, Some(0), "{r:?}");
    (dir, l)
}

fn batch_of(n: usize) -> String {
    (0..n)
        .map(|i| D.replace("\"Tail\"", &format!("\"Tail_{i}\"")))
        .collect::<Vec<_>>()
        .join("\n")
}

fn batch_args(l: &Path) -> Vec<String> {
    common::faults::args_for(&["append", "descriptor", "--batch", "--json", "{L}"], l)
}

fn batch_records(l: &Path) -> Vec<std::path::PathBuf> {
    std::fs::read_dir(l.join("data/spice_layer"))
        .unwrap()
        .filter_map(Result::ok)
        .map(|e| e.path())
        .filter(|p| {
            p.to_string_lossy()
                .contains("integrity_manifest.jsonl.batch-")
        })
        .collect()
}

fn manifest_finding(l: &Path) -> (LedgerStatus, Option<Severity>) {
    let report = verify_path(l, &VerifyOptions::default()).unwrap();
    let sev = report
        .findings()
        .find(|(_, f)| f.kind.name() == "MANIFEST_MISMATCH")
        .map(|(_, f)| f.severity);
    (report.status, sev)
}

/// A batch append stopped between its chain write and its manifest write
/// (a kill before the manifest's open: step 9 after the batch record's 4
/// and the chain's 4) leaves its 3 records unattested and its batch record
/// beside the manifest: a warning, which `iss repair` completes, removing
/// the record. The same tail without the record is a violation: the record
/// is what tells a stopped batch from manifest lines cut by someone.
#[test]
fn a_stopped_batch_is_explained_by_its_batch_record_and_repaired() {
    if !common::faults::seam_available() {
        return;
    }
    let (_dir, l) = sample();
    let r = common::faults::iss(&batch_args(&l), Some(&batch_of(3)), Some("9:kill"));
    assert_eq!(r.signal, Some(9), "{r:?}");
    assert_eq!(read_lines(&l.join(CHAIN)).len(), 8);
    assert_eq!(batch_records(&l).len(), 1);
    assert_eq!(
        manifest_finding(&l),
        (LedgerStatus::Clean, Some(Severity::Warning))
    );

    // Without the record the same files are a violation.
    let copy = tempfile::tempdir().unwrap();
    common::faults::copy_dir(l.parent().unwrap(), copy.path());
    let l2 = copy.path().join("l");
    for b in batch_records(&l2) {
        std::fs::remove_file(b).unwrap();
    }
    assert_eq!(
        manifest_finding(&l2),
        (LedgerStatus::Violated, Some(Severity::Violation))
    );

    let fin = common::faults::iss(
        &common::faults::args_for(&["repair", "--json", "{L}"], &l),
        None,
        None,
    );
    assert_eq!(fin.code, Some(0), "{fin:?}");
    assert!(fin.stdout.contains("batch_records_removed"), "{fin:?}");
    assert!(batch_records(&l).is_empty(), "{fin:?}");
    assert_eq!(manifest_finding(&l), (LedgerStatus::Clean, None));
}

/// The batch record's removal fails (EIO at step 13, after the record's 4,
/// the chain's 4 and the manifest's 4 steps): the records and their
/// manifest lines are durable and acknowledged, exit 3 names what failed
/// and `iss repair`, which removes the stale record.
#[test]
fn a_failed_removal_of_the_batch_record_is_exit_3_and_repair_removes_it() {
    if !common::faults::seam_available() {
        return;
    }
    let (_dir, l) = sample();
    let r = common::faults::iss(&batch_args(&l), Some(&batch_of(2)), Some("13:eio"));
    assert_eq!(r.code, Some(3), "{r:?}");
    assert!(r.stderr.contains("removing the batch record"), "{r:?}");
    assert_eq!(common::faults::acknowledged(&r.stdout).len(), 2, "{r:?}");
    assert_eq!(batch_records(&l).len(), 1);
    assert_eq!(manifest_finding(&l), (LedgerStatus::Clean, None));
    let fin = common::faults::iss(&common::faults::finisher(&r.stderr), None, None);
    assert_eq!(fin.code, Some(0), "{fin:?}");
    assert!(fin.stdout.contains("removed a batch record"), "{fin:?}");
    assert!(batch_records(&l).is_empty());
    // A stale record excused cuts from its range; gone, a cut of 2 lines
    // is a violation again.
    cut_creates(&l, 2);
    assert_eq!(
        manifest_finding(&l),
        (LedgerStatus::Violated, Some(Severity::Violation))
    );
}

/// An attacker appends forged records to the chain without manifest
/// lines: more than one is a violation naming the first forged record.
/// A single record appended by `iss append` writes no batch record, and a
/// batch leaves none behind.
#[test]
fn forged_records_without_manifest_lines_are_a_violation() {
    let (_dir, l) = sample();
    let r = common::faults::iss(&batch_args(&l), Some(&batch_of(2)), None);
    assert_eq!(r.code, Some(0), "{r:?}");
    assert!(batch_records(&l).is_empty());
    let one = common::faults::iss(
        &common::faults::args_for(&["append", "descriptor", "--json", "{L}"], &l),
        Some(D),
        None,
    );
    assert_eq!(one.code, Some(0), "{one:?}");
    assert!(batch_records(&l).is_empty());
    // Two more records, chained and hashed as our writer would, but no
    // manifest lines: built on a copy, then their lines moved over.
    let copy = tempfile::tempdir().unwrap();
    common::faults::copy_dir(l.parent().unwrap(), copy.path());
    let l2 = copy.path().join("l");
    let r2 = common::faults::iss(
        &batch_args(&l2),
        Some(&batch_of(2).replace("Tail_", "Forged_")),
        None,
    );
    assert_eq!(r2.code, Some(0), "{r2:?}");
    let forged = read_lines(&l2.join(CHAIN));
    let mut text = std::fs::read_to_string(l.join(CHAIN)).unwrap();
    for line in &forged[forged.len() - 2..] {
        text.push_str(line);
        text.push('\n');
    }
    std::fs::write(l.join(CHAIN), text).unwrap();
    let report = verify_path(&l, &VerifyOptions::default()).unwrap();
    assert_eq!(report.status, LedgerStatus::Violated);
    let f = report
        .findings()
        .find(|(_, f)| f.kind.name() == "MANIFEST_MISMATCH")
        .map(|(_, f)| f.clone())
        .expect("a MANIFEST_MISMATCH");
    assert_eq!(f.severity, Severity::Violation);
    let first = common::field(&forged[forged.len() - 2], "descriptor_id");
    assert_eq!(f.record_id.as_deref(), Some(first.as_str()));
}

/// `iss repair` never completes the manifest of a ledger that does not
/// verify: manifest lines cut by someone (two records unattested, no batch
/// record) are refused with the violations, exit 1, nothing written.
#[test]
fn repair_refuses_a_manifest_cut_by_someone_with_its_violations() {
    let (_dir, l) = sample();
    assert_eq!(cut_creates(&l, 2), 2);
    let manifest = std::fs::read(l.join(MANIFEST)).unwrap();
    let r = common::faults::iss(
        &common::faults::args_for(&["repair", "{L}"], &l),
        None,
        None,
    );
    assert_eq!(r.code, Some(1), "{r:?}");
    assert!(
        r.stderr.starts_with(
            "iss: the ledger does not verify: the manifest was not completed (a repair never writes onto a violated ledger)\n  ✘ "
        ),
        "{r:?}"
    );
    assert!(r.stderr.contains(" MANIFEST_MISMATCH: "), "{r:?}");
    assert_eq!(std::fs::read(l.join(MANIFEST)).unwrap(), manifest);
}
