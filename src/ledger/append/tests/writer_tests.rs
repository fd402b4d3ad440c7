//! Appends land exactly once, as one write, and only onto the verified tail.

use super::{append, verified, write_file};
use crate::ledger::append::fsio::sha256;
use crate::ledger::append::{
    AppendError, AppendOptions, LedgerLock, LineProblem, Tail, TailState, append_lines,
};
use std::fs::{self, OpenOptions};
use std::io::Write;
use std::os::unix::fs::FileExt;
use std::path::Path;

/// Write-like syscalls made by this thread so far (Linux task I/O accounting).
fn thread_write_calls() -> u64 {
    let io = fs::read_to_string("/proc/thread-self/io").unwrap();
    io.lines()
        .find_map(|l| l.strip_prefix("syscw: "))
        .unwrap()
        .parse()
        .unwrap()
}

#[test]
fn creates_and_appends_a_batch_in_one_write() {
    let dir = tempfile::tempdir().unwrap();
    let p = dir.path().join("chain.jsonl");
    let first = append(&p, &Tail::EMPTY, &["{\"n\":0}"]).unwrap();
    assert_eq!(
        (first.offset, first.bytes, first.line_offsets.clone()),
        (0, 8, vec![0])
    );

    let mut lock = LedgerLock::acquire(dir.path()).unwrap();
    let batch = ["{\"n\":1}", "{\"n\":22}", "{\"n\":333}"];
    let before = thread_write_calls();
    let done = append_lines(
        &mut lock,
        &p,
        &first.new_tail,
        &batch,
        AppendOptions::default(),
    )
    .unwrap();
    assert_eq!(
        thread_write_calls() - before,
        1,
        "a batch must be exactly one write"
    );

    assert_eq!(
        fs::read(&p).unwrap(),
        b"{\"n\":0}\n{\"n\":1}\n{\"n\":22}\n{\"n\":333}\n"
    );
    assert_eq!((done.offset, done.bytes), (8, 27));
    assert_eq!(done.line_offsets, vec![8, 16, 25]);
    assert_eq!(
        done.new_tail,
        Tail {
            len: 35,
            last_line_sha256: Some(sha256(b"{\"n\":333}"))
        }
    );
    assert_eq!(Tail::read(&p).unwrap(), TailState::Clean(done.new_tail));
}

#[test]
fn accepts_owned_and_borrowed_lines() {
    let dir = tempfile::tempdir().unwrap();
    let p = dir.path().join("l");
    let mut lock = LedgerLock::acquire(dir.path()).unwrap();
    let opts = AppendOptions { create: true };
    let owned: Vec<Vec<u8>> = vec![b"a".to_vec()];
    let t = append_lines(&mut lock, &p, &Tail::EMPTY, &owned, opts)
        .unwrap()
        .new_tail;
    let borrowed: [&[u8]; 1] = [b"b"];
    append_lines(&mut lock, &p, &t, &borrowed, opts).unwrap();
    assert_eq!(fs::read(&p).unwrap(), b"a\nb\n");
}

#[test]
fn missing_file_is_created_only_when_asked_and_expected_empty() {
    let dir = tempfile::tempdir().unwrap();
    let p = dir.path().join("new.jsonl");
    let mut lock = LedgerLock::acquire(dir.path()).unwrap();
    let e = append_lines(
        &mut lock,
        &p,
        &Tail::EMPTY,
        &["x"],
        AppendOptions::default(),
    )
    .unwrap_err();
    assert!(matches!(e, AppendError::NotFound { .. }), "{e}");
    let not_empty = Tail {
        len: 2,
        last_line_sha256: Some(sha256(b"x")),
    };
    let e = append_lines(
        &mut lock,
        &p,
        &not_empty,
        &["x"],
        AppendOptions { create: true },
    )
    .unwrap_err();
    assert!(matches!(e, AppendError::NotFound { .. }), "{e}");
    assert!(!p.exists(), "a refused append must not create the file");
}

/// Run `change` on a two-line ledger, then append with the old tail.
fn refused_after(change: impl FnOnce(&Path)) -> AppendError {
    let dir = tempfile::tempdir().unwrap();
    let p = write_file(dir.path(), "l", b"{\"a\":1}\n{\"b\":2}\n");
    let stale = verified(&p);
    change(&p);
    let before = fs::read(&p).unwrap();
    let e = append(&p, &stale, &["{\"c\":3}"]).unwrap_err();
    assert_eq!(
        fs::read(&p).unwrap(),
        before,
        "refusal must leave the file byte-identical"
    );
    e
}

#[test]
fn refuses_when_another_append_happened() {
    let e = refused_after(|p| {
        append(p, &verified(p), &["{\"x\":9}"]).unwrap();
    });
    let AppendError::TailMoved {
        expected, found, ..
    } = e
    else {
        panic!("{e}")
    };
    assert_eq!((expected.len, found.len), (16, 24));
    assert_eq!(found.last_line_sha256, Some(sha256(b"{\"x\":9}")));
}

#[test]
fn refuses_after_truncation() {
    let e = refused_after(|p| {
        OpenOptions::new()
            .write(true)
            .open(p)
            .unwrap()
            .set_len(8)
            .unwrap();
    });
    assert!(
        matches!(
            e,
            AppendError::TailMoved {
                found: Tail { len: 8, .. },
                ..
            }
        ),
        "{e}"
    );
}

#[test]
fn refuses_after_in_place_edit_of_the_last_line() {
    // One byte overwritten in place: same length, only the hash can tell.
    let e = refused_after(|p| {
        let f = OpenOptions::new().write(true).open(p).unwrap();
        f.write_at(b"3", 14).unwrap();
    });
    let AppendError::TailMoved {
        expected, found, ..
    } = e
    else {
        panic!("{e}")
    };
    assert_eq!(expected.len, found.len);
    assert_ne!(expected.last_line_sha256, found.last_line_sha256);
}

#[test]
fn refuses_on_a_torn_tail() {
    let e = refused_after(|p| {
        OpenOptions::new()
            .append(true)
            .open(p)
            .unwrap()
            .write_all(b"{\"c\"")
            .unwrap();
    });
    let AppendError::TornTail {
        complete_len,
        torn_bytes,
        ..
    } = e
    else {
        panic!("{e}")
    };
    assert_eq!((complete_len, torn_bytes), (16, 4));
}

#[test]
fn torn_tail_message_names_the_repair_command() {
    let dir = tempfile::tempdir().unwrap();
    let p = write_file(dir.path(), "l", b"a\nb");
    let e = append(&p, &Tail::EMPTY, &["c"]).unwrap_err();
    assert!(
        e.to_string()
            .contains(&format!("iss repair {}", p.display())),
        "{e}"
    );
}

#[test]
fn invalid_lines_are_refused_with_their_index_and_nothing_is_written() {
    let dir = tempfile::tempdir().unwrap();
    let p = write_file(dir.path(), "l", b"a\n");
    let t = verified(&p);
    let mut lock = LedgerLock::acquire(dir.path()).unwrap();
    let cases: [(&[u8], LineProblem); 4] = [
        (b"", LineProblem::Empty),
        (b"x\ny", LineProblem::LineFeed { at: 1 }),
        (b"xy\r", LineProblem::CarriageReturn { at: 2 }),
        (b"ok\xff", LineProblem::InvalidUtf8 { valid_up_to: 2 }),
    ];
    for (bad, problem) in cases {
        let batch: [&[u8]; 3] = [b"good", b"fine", bad];
        let e = append_lines(&mut lock, &p, &t, &batch, AppendOptions::default()).unwrap_err();
        let AppendError::InvalidLine {
            index,
            problem: got,
            ..
        } = e
        else {
            panic!("{e}")
        };
        assert_eq!((index, got), (2, problem));
    }
    let none: [&[u8]; 0] = [];
    let e = append_lines(&mut lock, &p, &t, &none, AppendOptions::default()).unwrap_err();
    assert!(matches!(e, AppendError::EmptyBatch { .. }));
    assert_eq!(fs::read(&p).unwrap(), b"a\n");
}

#[test]
fn refuses_a_ledger_outside_the_locked_directory() {
    let locked = tempfile::tempdir().unwrap();
    let other = tempfile::tempdir().unwrap();
    let mut lock = LedgerLock::acquire(locked.path()).unwrap();
    let p = other.path().join("l");
    let e = append_lines(
        &mut lock,
        &p,
        &Tail::EMPTY,
        &["x"],
        AppendOptions { create: true },
    )
    .unwrap_err();
    assert!(matches!(e, AppendError::NotUnderLock { .. }), "{e}");
    assert!(!p.exists());
}
