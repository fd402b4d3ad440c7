//! The workstation on a ledger with a file it cannot read (issue 10, item
//! 2): the verdict is INCOMPLETE, the integrity pane lists an `UNREADABLE`
//! finding that names the file and the operating system's error, and no
//! violation is drawn from the bytes that were not read (an unreadable
//! manifest used to show three `BINDING_MISMATCH` and VIOLATED).

use super::harness::Harness;
use crate::ledger::input::fault::fail_reads_after;
use crate::ledger::legacy::write::sample::{SampleSpec, write_sample_ledger};
use insta::assert_snapshot;

const SIZES: [(u16, u16); 2] = [(80, 24), (120, 40)];

/// The generated sample with reads of its manifest failing (EIO) after
/// `after` bytes, opened and verified.
fn manifest_fails_after(after: u64, w: u16, h: u16) -> Harness {
    let tmp = tempfile::Builder::new()
        .prefix("iss-tui-")
        .tempdir()
        .unwrap();
    let ledger = tmp.path().join("unreadable-ledger");
    let summary = write_sample_ledger(&ledger, &SampleSpec::default()).unwrap();
    let _fault = fail_reads_after(&summary.paths.integrity_manifest, after);
    Harness::open_owned(tmp, &ledger, w, h)
}

#[test]
fn an_unreadable_manifest_is_incomplete_not_violated() {
    for (w, h) in SIZES {
        let mut t = manifest_fails_after(0, w, h);
        t.keys("2");
        let screen = t.screen();
        assert!(screen.contains("INCOMPLETE"), "{screen}");
        assert!(screen.contains("UNREADABLE"), "{screen}");
        assert!(!screen.contains("VIOLATED"), "{screen}");
        assert!(!screen.contains("BINDING_MISMATCH"), "{screen}");
        // Pinned where the temporary folder's name is shown whole (and so
        // redacted); 80 columns cut it.
        if w == 120 {
            assert_snapshot!(format!("integrity_unreadable_manifest_{w}x{h}"), screen);
        }
    }
}

#[test]
fn a_read_error_in_the_middle_of_the_manifest_is_incomplete_not_violated() {
    let mut t = manifest_fails_after(3000, 120, 40);
    t.keys("2");
    let screen = t.screen();
    assert!(screen.contains("INCOMPLETE"), "{screen}");
    assert!(screen.contains("UNREADABLE"), "{screen}");
    assert!(
        screen.contains("os error 5"),
        "the OS error is shown: {screen}"
    );
    assert!(!screen.contains("VIOLATED"), "{screen}");
    assert!(!screen.contains("BINDING_MISMATCH"), "{screen}");
    assert!(!screen.contains("MANIFEST_MISMATCH"), "{screen}");
}
