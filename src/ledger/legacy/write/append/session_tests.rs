//! A session continues from its own state while the files are as it left
//! them, verifies again when another writer appended, and refuses to
//! write after a line that does not verify.

use super::LegacySession;
use crate::ledger::legacy::write::append::{NewDescriptor, WriteError, append_descriptor};
use crate::ledger::legacy::write::sample::{SampleSpec, write_sample_ledger};
use crate::ledger::verify::{VerifyOptions, verify_path};
use std::io::Write;
use std::path::Path;

const NOW: i64 = 1_767_225_600_000_000;

fn descriptor(name: &str) -> NewDescriptor {
    crate::ledger::legacy::write::append::test_descriptor(name, "session-test")
}

fn clean(root: &Path) -> bool {
    let report = verify_path(root, &VerifyOptions::default()).unwrap();
    report.status == crate::ledger::model::report::LedgerStatus::Clean
}

fn chain(root: &Path) -> std::path::PathBuf {
    root.join("data/spice_layer/spice_chain.jsonl")
}

#[test]
fn batches_continue_without_verifying_again_and_foreign_appends_are_verified() {
    let tmp = tempfile::tempdir().unwrap();
    let root = tmp.path().join("ledger");
    write_sample_ledger(&root, &SampleSpec::default()).unwrap();
    let mut s = LegacySession::open(&root).unwrap();
    for i in 0..3 {
        let batch = vec![descriptor(&format!("A{i}")), descriptor(&format!("B{i}"))];
        let done = s.append(batch, NOW + i * 1000, &mut |_| {}).unwrap();
        assert_eq!(done.acks.len(), 2);
        assert!(done.witness.is_ok());
    }
    assert_eq!(s.verifications(), 1, "one verification for three batches");
    assert!(clean(&root));

    // Another writer appends: the session verifies before writing after it.
    append_descriptor(&root, descriptor("Other"), NOW + 10_000).unwrap();
    let done = s.append(vec![descriptor("After")], NOW + 20_000, &mut |_| {});
    let done = done.unwrap();
    assert_eq!(s.verifications(), 2);
    assert_eq!(done.acks[0].seq, 40 + 6 + 1 + 1, "{:?}", done.acks[0]);
    assert!(clean(&root));

    // A line appended by someone else that does not verify is never
    // written after: refused, nothing written.
    let forged = std::fs::read_to_string(chain(&root))
        .unwrap()
        .lines()
        .last()
        .unwrap()
        .replace("\"process_name\":\"After\"", "\"process_name\":\"Forged\"");
    let mut f = std::fs::OpenOptions::new()
        .append(true)
        .open(chain(&root))
        .unwrap();
    writeln!(f, "{forged}").unwrap();
    drop(f);
    let before = std::fs::read(chain(&root)).unwrap();
    let refused = s.append(vec![descriptor("Refused")], NOW + 30_000, &mut |_| {});
    assert!(
        matches!(refused, Err(WriteError::Violated { .. })),
        "{refused:?}"
    );
    assert_eq!(std::fs::read(chain(&root)).unwrap(), before);
    // Still refused on the next try: the refusal kept no state.
    let again = s.append(vec![descriptor("Refused")], NOW + 40_000, &mut |_| {});
    assert!(
        matches!(again, Err(WriteError::Violated { .. })),
        "{again:?}"
    );
}
