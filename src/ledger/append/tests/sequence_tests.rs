//! Any sequence of valid batches produces exactly their concatenation, with
//! offsets and tails that agree with the file.

use super::reference_tail;
use crate::ledger::append::{AppendOptions, LedgerLock, Tail, TailState, append_lines};
use proptest::prelude::*;
use std::fs;

fn valid_line() -> impl Strategy<Value = String> {
    // Printable ASCII and some multi-byte characters; never \n or \r.
    proptest::string::string_regex("[ -~éΩ🦀]{1,40}").unwrap()
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(24))]

    #[test]
    fn batches_concatenate(batches in proptest::collection::vec(
        proptest::collection::vec(valid_line(), 1..5), 1..6,
    )) {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("l.jsonl");
        let mut lock = LedgerLock::acquire(dir.path()).unwrap();
        let mut tail = Tail::EMPTY;
        let mut expected = Vec::new();
        for batch in &batches {
            let done = append_lines(&mut lock, &path, &tail, batch, AppendOptions { create: true }).unwrap();
            prop_assert_eq!(done.offset, expected.len() as u64);
            for (line, &off) in batch.iter().zip(&done.line_offsets) {
                prop_assert_eq!(off, expected.len() as u64);
                expected.extend_from_slice(line.as_bytes());
                expected.push(b'\n');
            }
            prop_assert_eq!(done.bytes, expected.len() as u64 - done.offset);
            prop_assert_eq!(TailState::Clean(done.new_tail), reference_tail(&expected));
            tail = done.new_tail;
        }
        prop_assert_eq!(fs::read(&path).unwrap(), expected);
    }
}
