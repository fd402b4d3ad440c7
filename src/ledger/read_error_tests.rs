//! Invariant: a read error in the middle of any file of a ledger (a failing
//! disk: `EIO` after some bytes) becomes one `UNREADABLE` finding at the
//! line where reading stopped, and the status `incomplete`; it never
//! becomes a `TRUNCATED`, `CHAIN_BREAK`, `BINDING_MISMATCH`,
//! `CHECKPOINT_MISMATCH` or any other finding that the intact ledger does
//! not have (issue 10, item 2). Faults are injected at the start of a file
//! (nothing read) and in its middle.

use crate::ledger::input::fault::fail_reads_after;
use crate::ledger::legacy::write::sample::{SampleSpec, write_sample_ledger};
use crate::ledger::model::finding::{FindingKind, Severity};
use crate::ledger::model::report::{LedgerStatus, VerifyReport};
use crate::ledger::native::write::init::InitOptions;
use crate::ledger::native::write::migrate::migrate;
use crate::ledger::verify::{VerifyOptions, verify_path};
use std::collections::BTreeSet;
use std::path::Path;

fn verify(ledger: &Path) -> VerifyReport {
    verify_path(ledger, &VerifyOptions::default()).unwrap()
}

/// (file, kind) of every finding.
fn kinds(r: &VerifyReport) -> BTreeSet<(String, FindingKind)> {
    r.findings()
        .map(|(f, x)| (f.name.to_owned(), x.kind))
        .collect()
}

/// Reads of `file` fail after `after` bytes: the report is the intact
/// one's plus exactly one UNREADABLE on `name` at a line, and incomplete.
fn assert_only_unreadable(ledger: &Path, file: &Path, name: &str, after: u64) {
    let intact = kinds(&verify(ledger));
    let report = {
        let _fault = fail_reads_after(file, after);
        verify(ledger)
    };
    let what = format!("{} failing after {after} bytes", file.display());
    assert_eq!(
        report.status,
        LedgerStatus::Incomplete,
        "{what}: {report:#?}"
    );
    let unreadable: Vec<_> = report
        .findings()
        .filter(|(_, f)| f.kind == FindingKind::Unreadable)
        .collect();
    assert_eq!(unreadable.len(), 1, "{what}");
    let (f, u) = unreadable[0];
    assert_eq!(f.name, name, "{what}");
    assert_eq!(u.severity, Severity::Incomplete);
    assert!(u.line.is_some(), "{what}: where reading stopped: {u:?}");
    assert!(
        u.found.as_deref().unwrap_or("").contains("os error 5"),
        "{u:?}"
    );
    let mut extra = kinds(&report);
    extra.remove(&(name.to_owned(), FindingKind::Unreadable));
    let new: Vec<_> = extra.difference(&intact).collect();
    assert!(
        new.is_empty(),
        "{what}: findings from bytes not read: {new:?}"
    );
}

fn half(file: &Path) -> u64 {
    std::fs::metadata(file).unwrap().len() / 2
}

#[test]
fn a_read_error_in_any_legacy_file_is_unreadable_and_nothing_else() {
    let tmp = tempfile::tempdir().unwrap();
    let ledger = tmp.path().join("ledger");
    let s = write_sample_ledger(&ledger, &SampleSpec::default()).unwrap();
    assert_eq!(verify(&ledger).status, LedgerStatus::Clean);
    let p = &s.paths;
    for (file, name) in [
        (&p.spice_chain, "spice_chain"),
        (&p.integrity_manifest, "integrity_manifest"),
        (&p.constitutional_log, "constitutional_log"),
        (&p.glyph_chain, "glyph_chain"),
        (&p.forensic_audit, "forensic_audit"),
    ] {
        assert_only_unreadable(&ledger, file, name, 0);
        assert_only_unreadable(&ledger, file, name, half(file));
    }
}

#[test]
fn a_read_error_in_any_native_file_is_unreadable_and_nothing_else() {
    let tmp = tempfile::tempdir().unwrap();
    let legacy = tmp.path().join("legacy");
    write_sample_ledger(&legacy, &SampleSpec::default()).unwrap();
    let ledger = tmp.path().join("native");
    let opts = InitOptions {
        origin: "iss.local/read-errors".to_owned(),
        key_path: tmp.path().join("native.key"),
        mac_key_path: None,
        created: "2026-11-01T08:00:00Z".to_owned(),
        genesis_extra: None,
    };
    migrate(&legacy, &ledger, &opts).unwrap();
    assert_eq!(verify(&ledger).status, LedgerStatus::Clean);
    for chain in ["descriptors", "pulses", "events"] {
        for (file, name) in [
            (format!("{chain}.jsonl"), chain.to_owned()),
            (
                format!("{chain}.jsonl.checkpoints"),
                format!("{chain}_checkpoints"),
            ),
        ] {
            let file = ledger.join(file);
            assert_only_unreadable(&ledger, &file, &name, 0);
            assert_only_unreadable(&ledger, &file, &name, half(&file));
        }
    }
}
