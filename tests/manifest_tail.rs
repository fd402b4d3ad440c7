//! Issue 10: lines cut from the end of a legacy `integrity_manifest.jsonl`.
//!
//! An append writes its chain line, then its manifest line
//! (`ledger::legacy::append`): a crash between the two leaves one record at
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
            assert_eq!(f.severity, Severity::Violation, "{genuine:?} cut {n}: {f:?}");
            // Located: the last manifest line left, the first record not
            // attested (its id), the chain lines, expected vs found.
            let last_line = read_lines(&dir.path().join(MANIFEST)).len() as u64;
            assert!(last_line < manifest_before as u64);
            assert_eq!(f.line, Some(last_line), "{f:?}");
            let first_id = common::field(&chain[usize::try_from(first).unwrap() - 1], "descriptor_id");
            assert_eq!(f.record_id.as_deref(), Some(first_id.as_str()), "{f:?}");
            assert!(
                f.detail
                    .contains(&format!("records {first}-{total}, chain lines {first}-{total}")),
                "{f:?}"
            );
            assert_eq!(
                f.found.as_deref(),
                Some(format!("{total} records in the chain, {} attested", total - n as u64).as_str())
            );
            assert_eq!(report.status, LedgerStatus::Violated);
        }
    }
}
