//! Unit tests of the append module, grouped by what they pin down.

mod failure_tests;
mod lock_tests;
mod repair_tests;
mod seam_tests;
mod sequence_tests;
mod tail_tests;
mod writer_tests;

use super::fsio::sha256;
use super::{AppendOptions, Appended, LedgerLock, Tail, TailState, append_lines};
use std::fs;
use std::path::{Path, PathBuf};

/// The tail of `data` computed the obvious way, from the whole content.
fn reference_tail(data: &[u8]) -> TailState {
    if data.is_empty() {
        return TailState::Empty;
    }
    let newlines: Vec<usize> = (0..data.len()).filter(|&i| data[i] == b'\n').collect();
    let Some(&last) = newlines.last() else {
        return TailState::Torn {
            complete: Tail::EMPTY,
            torn_bytes: data.len() as u64,
        };
    };
    let start = if newlines.len() >= 2 {
        newlines[newlines.len() - 2] + 1
    } else {
        0
    };
    let complete = Tail {
        len: last as u64 + 1,
        last_line_sha256: Some(sha256(&data[start..last])),
    };
    if last + 1 == data.len() {
        TailState::Clean(complete)
    } else {
        TailState::Torn {
            complete,
            torn_bytes: (data.len() - last - 1) as u64,
        }
    }
}

/// Write `data` to `<dir>/<name>` and return the path.
fn write_file(dir: &Path, name: &str, data: &[u8]) -> PathBuf {
    let p = dir.join(name);
    fs::write(&p, data).unwrap();
    p
}

/// The tail a caller would have verified, for a clean or empty file.
fn verified(path: &Path) -> Tail {
    match Tail::read(path).unwrap() {
        TailState::Missing | TailState::Empty => Tail::EMPTY,
        TailState::Clean(t) => t,
        TailState::Torn { .. } => panic!("{} is torn", path.display()),
    }
}

/// Append under a fresh lock of the file's directory.
fn append(path: &Path, expected: &Tail, lines: &[&str]) -> Result<Appended, super::AppendError> {
    let mut lock = LedgerLock::acquire(path.parent().unwrap()).unwrap();
    append_lines(
        &mut lock,
        path,
        expected,
        lines,
        AppendOptions { create: true },
    )
}
