//! The tail read from the end equals the tail computed from the whole file.

use super::{reference_tail, write_file};
use crate::ledger::append::fsio::sha256;
use crate::ledger::append::tail::tail_with_chunk;
use crate::ledger::append::{AppendError, Tail, TailState};
use crate::ledger::io::reader::LineReader;
use proptest::prelude::*;
use std::fs::File;

fn check(data: &[u8]) -> TailState {
    let dir = tempfile::tempdir().unwrap();
    let p = write_file(dir.path(), "l.jsonl", data);
    let got = Tail::read(&p).unwrap();
    assert_eq!(
        got,
        reference_tail(data),
        "input {:?}",
        String::from_utf8_lossy(data)
    );
    // Tiny chunks, so each scan crosses chunk borders somewhere (odd sizes
    // only on large inputs, where byte-sized reads would be slow).
    let f = File::open(&p).unwrap();
    let chunks: &[usize] = if data.len() < 4096 {
        &[1, 2, 3, 5, 8, 9]
    } else {
        &[4093, 65_537]
    };
    for &chunk in chunks {
        assert_eq!(
            tail_with_chunk(&f, data.len() as u64, chunk).unwrap(),
            got,
            "chunk {chunk}"
        );
    }
    got
}

#[test]
fn missing_and_empty() {
    let dir = tempfile::tempdir().unwrap();
    assert_eq!(
        Tail::read(&dir.path().join("nope")).unwrap(),
        TailState::Missing
    );
    assert_eq!(check(b""), TailState::Empty);
}

#[test]
fn one_line_and_several() {
    let t = Tail {
        len: 4,
        last_line_sha256: Some(sha256(b"abc")),
    };
    assert_eq!(check(b"abc\n"), TailState::Clean(t));
    let t = Tail {
        len: 9,
        last_line_sha256: Some(sha256(b"def")),
    };
    assert_eq!(check(b"a\nbc\ndef\n"), TailState::Clean(t));
}

#[test]
fn blank_last_line_is_a_line() {
    let t = Tail {
        len: 1,
        last_line_sha256: Some(sha256(b"")),
    };
    assert_eq!(check(b"\n"), TailState::Clean(t));
    let t = Tail {
        len: 3,
        last_line_sha256: Some(sha256(b"")),
    };
    assert_eq!(check(b"a\n\n"), TailState::Clean(t));
}

#[test]
fn torn_tail() {
    let complete = Tail {
        len: 2,
        last_line_sha256: Some(sha256(b"a")),
    };
    assert_eq!(
        check(b"a\nbc"),
        TailState::Torn {
            complete,
            torn_bytes: 2
        }
    );
}

#[test]
fn no_newline_at_all() {
    assert_eq!(
        check(b"abc"),
        TailState::Torn {
            complete: Tail::EMPTY,
            torn_bytes: 3
        }
    );
}

#[test]
fn crlf_keeps_the_cr_in_the_hash() {
    let t = Tail {
        len: 6,
        last_line_sha256: Some(sha256(b"b\r")),
    };
    assert_eq!(check(b"a\r\nb\r\n"), TailState::Clean(t));
    let complete = Tail {
        len: 3,
        last_line_sha256: Some(sha256(b"a\r")),
    };
    assert_eq!(
        check(b"a\r\nb\r"),
        TailState::Torn {
            complete,
            torn_bytes: 2
        }
    );
}

#[test]
fn huge_last_line() {
    let mut data = b"{\"first\":1}\n".to_vec();
    data.extend(std::iter::repeat_n(b'x', 5 * 1024 * 1024));
    data.push(b'\n');
    let state = check(&data);
    assert_eq!(state.complete().len, data.len() as u64);
    // The same line, torn: the complete tail is the short first line.
    data.pop();
    let complete = Tail {
        len: 12,
        last_line_sha256: Some(sha256(b"{\"first\":1}")),
    };
    assert_eq!(
        check(&data),
        TailState::Torn {
            complete,
            torn_bytes: 5 * 1024 * 1024
        }
    );
}

#[test]
fn a_directory_or_a_pipe_is_refused_without_blocking() {
    let dir = tempfile::tempdir().unwrap();
    assert!(matches!(
        Tail::read(dir.path()),
        Err(AppendError::NotARegularFile { .. })
    ));
    let fifo = dir.path().join("fifo");
    let made = std::process::Command::new("mkfifo").arg(&fifo).status();
    if made.is_ok_and(|s| s.success()) {
        assert!(matches!(
            Tail::read(&fifo),
            Err(AppendError::NotARegularFile { .. })
        ));
        let e = super::append(&fifo, &Tail::EMPTY, &["x"]).unwrap_err();
        assert!(matches!(e, AppendError::NotARegularFile { .. }), "{e}");
    }
}

#[test]
fn state_accessors() {
    let complete = Tail {
        len: 2,
        last_line_sha256: Some(sha256(b"a")),
    };
    let torn = TailState::Torn {
        complete,
        torn_bytes: 3,
    };
    assert_eq!(
        (torn.file_len(), torn.complete(), torn.is_torn()),
        (5, complete, true)
    );
    assert_eq!(
        (TailState::Missing.file_len(), TailState::Missing.complete()),
        (0, Tail::EMPTY)
    );
    assert!(Tail::EMPTY.to_string().contains("no complete line"));
    assert!(complete.to_string().contains(&hex::encode(sha256(b"a"))));
}

/// A verifier walking the file with `LineReader` gets the same tail.
fn tail_via_reader(data: &[u8]) -> Option<Tail> {
    let mut r = LineReader::new(data);
    let mut last = None;
    while let Some(line) = r.next_line().unwrap() {
        last = Some(Tail::after_line(&line));
    }
    last.flatten()
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(200))]

    #[test]
    fn matches_reference(bytes in proptest::collection::vec(
        prop_oneof![Just(b'a'), Just(b'\n'), Just(b'\r'), Just(0xEF), Just(0xBB), Just(0xBF)],
        0..200,
    ), chunk in 1usize..24) {
        let dir = tempfile::tempdir().unwrap();
        let p = write_file(dir.path(), "l", &bytes);
        let got = tail_with_chunk(&File::open(&p).unwrap(), bytes.len() as u64, chunk).unwrap();
        prop_assert_eq!(got, reference_tail(&bytes));
        if let TailState::Clean(t) = got {
            prop_assert_eq!(tail_via_reader(&bytes), Some(t));
        }
    }
}
