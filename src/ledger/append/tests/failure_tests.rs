//! When something goes wrong after the write, nothing is acknowledged, only
//! provably-own bytes are removed, and the user is told what happened.

use super::write_file;
use crate::ledger::append::OsStorage;
use crate::ledger::append::writer::{ReadBackFailed, read_back, undo};
use crate::ledger::append::{AppendError, Op};
use std::fs::{self, File, OpenOptions};
use std::io::{self, Write};
use std::path::Path;

#[test]
fn read_back_reports_a_mismatch_and_a_replaced_file() {
    let dir = tempfile::tempdir().unwrap();
    let p = write_file(dir.path(), "l", b"a\nbc\n");
    let f = File::open(&p).unwrap();
    read_back(&OsStorage, &f, &p, 2, b"bc\n").unwrap();
    let e = differs(read_back(&OsStorage, &f, &p, 2, b"bx\n").unwrap_err());
    assert!(
        matches!(
            e,
            AppendError::ReadBackMismatch {
                offset: 2,
                len: 3,
                first_difference: 3,
                ..
            }
        ),
        "{e}"
    );
    let e = differs(read_back(&OsStorage, &f, &p, 2, b"bc\nd\n").unwrap_err());
    assert!(
        matches!(
            e,
            AppendError::ReadBackMismatch {
                first_difference: 5,
                ..
            }
        ),
        "{e}"
    );
    // Another file renamed over the path: our handle wrote to the old inode.
    let q = write_file(dir.path(), "m", b"a\nbc\n");
    fs::rename(&q, &p).unwrap();
    assert!(matches!(
        read_back(&OsStorage, &f, &p, 2, b"bc\n"),
        Err(ReadBackFailed::Differs(AppendError::Replaced { .. }))
    ));
}

fn differs(e: ReadBackFailed) -> AppendError {
    match e {
        ReadBackFailed::Differs(e) => e,
        ReadBackFailed::Io(e) => panic!("expected a difference, got an I/O error: {e}"),
    }
}

#[test]
fn a_failed_write_removes_only_bytes_provably_its_own() {
    let dir = tempfile::tempdir().unwrap();
    let p = write_file(dir.path(), "l", b"a\nbc");
    let f = OpenOptions::new().read(true).append(true).open(&p).unwrap();
    let cause = || io::Error::from_raw_os_error(28);
    // "bc" is a prefix of the batch that "failed": cut back to 2.
    let e = undo(&OsStorage, &f, &p, 2, b"bcd\n", Op::Write, cause());
    assert!(
        matches!(e, AppendError::DiskFull { op: Op::Write, .. }),
        "{e}"
    );
    assert_eq!(fs::read(&p).unwrap(), b"a\n");
    // Bytes that are not ours stay, and the error says so.
    (&f).write_all(b"zz").unwrap();
    let e = undo(&OsStorage, &f, &p, 2, b"bcd\n", Op::Sync, cause());
    assert!(
        matches!(
            e,
            AppendError::PartialWrite {
                offset: 2,
                found_len: Some(4),
                ..
            }
        ),
        "{e}"
    );
    assert_eq!(fs::read(&p).unwrap(), b"a\nzz");
}

#[test]
fn os_errors_are_classified_for_the_user() {
    let p = Path::new("/x");
    let kind = |errno| match AppendError::io(p, Op::Write, io::Error::from_raw_os_error(errno)) {
        AppendError::DiskFull { .. } => "full",
        AppendError::PermissionDenied { .. } => "denied",
        AppendError::Io { .. } => "io",
        _ => "other",
    };
    // ENOSPC, EDQUOT, EACCES, EPERM, EROFS, EIO
    assert_eq!(
        [28, 122, 13, 1, 30, 5].map(kind),
        ["full", "full", "denied", "denied", "denied", "io"]
    );
}
